"""Archives that misbehave on purpose, for the tests of what serving does about it.

with_faults() swaps an archive's handler for tests/fault_handler.py (a subclass of the shipped one)
and packs the faults it is to inject; with_member() replaces any member's bytes (corrupt weights).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.fault_handler import FAULTS_FILE

FAULT_HANDLER = Path(__file__).with_name("fault_handler.py")
HANDLER_MEMBER = "ts_handler.py"  # the archive's handler (MANIFEST.json names it)


def with_member(archive: Path, out: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """Write to `out` a copy of `archive` whose member `name` is replaced by change(its bytes)."""
    return _rewrite(archive, out, {name: change})


def with_faults(archive: Path, out: Path, **faults: float | str) -> Path:
    """Write to `out` a copy of `archive` that serves through FaultInjectingHandler with `faults`
    (initialize_sleep, initialize_raise, handle_sleep, sleep_when, release: tests/fault_handler.py)."""
    handler = FAULT_HANDLER.read_bytes()
    return _rewrite(archive, out, {HANDLER_MEMBER: lambda _: handler}, {FAULTS_FILE: json.dumps(faults).encode()})


def _rewrite(archive: Path, out: Path, changes: dict[str, Callable[[bytes], bytes]], added: dict | None = None) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(buffer, "w") as target:
        missing = set(changes) - set(source.namelist())
        assert not missing, f"{archive} has no {', '.join(sorted(missing))}"
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, changes[item.filename](data) if item.filename in changes else data)
        for name, data in (added or {}).items():
            target.writestr(name, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return out
