"""An archive's handler for fault-injection tests: the shipped TranslationHandler, with the faults that
the archive's faults.json names. tests/faults.py packs it into a copy of an archive as ts_handler.py.

    {"initialize_sleep": 20}                 a slow load (seconds before the model loads)
    {"initialize_raise": "broken on purpose"} a load that always fails (RuntimeError)
    {"handle_sleep": 8}                      a slow model (seconds before each batch)
    {"handle_sleep": 8, "sleep_when": "SLOW"} slow only for batches whose requests hold "SLOW"
    {"handle_sleep": 60, "release": PATH}    each batch held until the file PATH exists (60 s at most):
                                             the test decides when the batches in flight may finish
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from handler.ts_handler import TranslationHandler

FAULTS_FILE = "faults.json"


class FaultInjectingHandler(TranslationHandler):
    def initialize(self, context: Any) -> None:
        self.faults = json.loads((Path(context.system_properties["model_dir"]) / FAULTS_FILE).read_text())
        time.sleep(self.faults.get("initialize_sleep", 0))
        if "initialize_raise" in self.faults:
            raise RuntimeError(self.faults["initialize_raise"])
        super().initialize(context)

    def handle(self, data: list[dict[str, Any]], context: Any) -> list[str]:
        marker = self.faults.get("sleep_when")
        # A request's body is bytes, or what TorchServe decoded from JSON: its repr holds an ASCII marker.
        if marker is None or any(marker in repr(row) for row in data):
            self.hold()
        return super().handle(data, context)

    def hold(self) -> None:
        seconds, release = self.faults.get("handle_sleep", 0), self.faults.get("release")
        if release is None:
            time.sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while not Path(release).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
