"""The naive baseline: bench/naive_server.py (one request at a time, one generate call each) under load."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import drive, load_runs
from bench.plan import REPO_ROOT, Plan
from bench.result import Result
from handler.torchserve import free_port


def measure_naive(model_dir: Path, texts: list[str], plan: Plan) -> list[Result]:
    port = free_port()
    command = [sys.executable, "-m", "bench.naive_server", "--model-dir", str(model_dir), "--port", str(port)]
    process = subprocess.Popen([*command, "--max-new-tokens", str(plan.max_new_tokens)], cwd=REPO_ROOT)
    try:
        url = f"http://127.0.0.1:{port}/predict"
        deadline = time.monotonic() + 300
        while asyncio.run(drive(url, [[texts[0]]], 1, plan.max_new_tokens, "naive start")).errors:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the naive server did not start")
            time.sleep(1)
        return load_runs(url, texts, [plan.naive], plan, "naive", "transformers", [process.pid], process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)

