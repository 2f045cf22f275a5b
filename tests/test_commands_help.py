"""Every command the project ships answers --help: a usage line and exit status 0, nothing started."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("bench", "container", "handler", "tools", "training", "vertex")


def commands() -> list[str]:
    """The modules that run as `python -m ...`: those with a __main__ block."""
    found = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"):
                found.append(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts))
    return found


def test_the_commands_are_found():
    # A floor, so that a change in how commands are written cannot quietly empty the list below.
    assert {"bench.run", "container.entrypoint", "vertex.deploy", "training.finetune", "handler.archive"} <= set(
        commands()
    )


@pytest.mark.parametrize("module", commands())
def test_command_has_help(module, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(Path(*module.split("."))), "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    assert exit_.value.code in (0, None)
    out = capsys.readouterr().out
    assert "usage:" in out.lower() and "--help" in out, out[-1000:]
