"""Whether the model loaded, and when it never will.

"Loaded" is the management API's answer (every worker READY; handler.torchserve.model_status),
fed in by the entrypoint's poll. TorchServe restarts a worker that dies while loading, with back-off,
for as long as it runs, and /ping stays Healthy meanwhile; the API then shows the worker STARTING
again and says nothing of why. So the failed attempts and their error are counted from TorchServe's
console output: every start of a worker logs "Torch worker started." (the worker's own output, which
handler/log4j2.xml keeps); a start before the model was READY means the previous attempt failed, and
so do "Backend worker process died.", TorchServe's "Load model failed" and "Retry worker" when they
are logged. The attempt's first error (its traceback's last line, before TorchServe's own wrapper)
says why. `limit` failures in a row with the same error mean it will never load. A slow load logs no
failure, so it gets the whole MODEL_LOAD_TIMEOUT.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterable

# The last line of a Python traceback: "safetensors_rust.SafetensorError: Error while deserializing ...".
ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")
# TorchServe's worker re-raises a load failure as "RuntimeError: 500 - Unknown exception": not the cause.
TORCHSERVE_WRAPPER = re.compile(r"^RuntimeError: \d{3} - ")
# Lines that end a worker's attempt to load (the worker's own, then TorchServe's at WARN and INFO).
FAILURE_MARKERS = ("MODEL_LOG - Backend worker process died.", "Load model failed", "Retry worker:")
WORKER_STARTED = "Torch worker started."


class LoadWatch:
    """Fed TorchServe's console lines (failures, errors) and the management API's answers (loaded)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures: list[str] = []
        self.loaded = False
        self.reason = "TorchServe is starting"
        self._error = ""
        self._attempt = False  # a worker started and has not been counted as failed yet

    def observe(self, ready: bool, reason: str) -> bool:
        """The management API's answer; True the first time it says every worker is READY."""
        self.reason = reason
        if ready and not self.loaded:
            self.loaded, self._attempt = True, False
            self.failures.clear()
            return True
        return False

    def feed(self, line: str) -> None:
        message = line.split("MODEL_LOG - ", 1)[1].strip() if "MODEL_LOG - " in line else ""
        if message == WORKER_STARTED:
            self._fail()  # the previous attempt, if it is still open, ended without loading
            self._error, self._attempt = "", True
        elif ERROR_LINE.match(message) and not TORCHSERVE_WRAPPER.match(message) and not self._error:
            self._error = message
            # The worker's output and TorchServe's own lines come through separate threads, so
            # the error may arrive after the failure was seen: it belongs to that failure.
            if not self._attempt and self.failures and not self.failures[-1]:
                self.failures[-1] = message
        elif any(marker in line for marker in FAILURE_MARKERS):
            self._fail()

    def _fail(self) -> None:
        if self._attempt and not self.loaded:
            self.failures.append(self._error)
        self._attempt = False

    def hopeless(self) -> str | None:
        """The worker's error once it failed `limit` times in a row the same way, else None.

        A failure without an error line counts as the same kind: TorchServe sometimes stops
        reading a dying worker's output before its traceback is through.
        """
        last = self.failures[-self.limit :]
        errors = {e for e in last if e}
        return errors.pop() if len(last) >= self.limit and len(errors) == 1 else None

    def follow(self, lines: Iterable[str]) -> threading.Thread:
        """Echo TorchServe's output as it is (its lines are not the container's own) and feed it here."""

        def run() -> None:
            for line in lines:
                sys.stdout.write(line)
                sys.stdout.flush()
                self.feed(line)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread
