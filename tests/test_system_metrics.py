"""TorchServe's system-metrics collector, run as TorchServe 0.12's frontend runs it every metrics interval.

The frontend (MetricCollector.java) executes `<python> ts/metrics/metric_collector.py --gpu <number of
GPUs>` in the directory that holds the `ts` package, writes the workers' pids to its stdin as one
comma-separated line, and logs each stdout line as a metric and each stderr line as an error. With a
GPU (--gpu 1 or more) the collector imports nvgpu and pynvml (nvidia-ml-py): the CUDA image installs
them, or every interval logs a traceback and records no metric at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import ts

TS_HOME = Path(ts.__file__).resolve().parent.parent


def run_collector(gpus: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "ts/metrics/metric_collector.py", "--gpu", str(gpus)],
        cwd=TS_HOME, input=f"{os.getpid()},\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_collector_records_cpu_memory_and_disk_without_a_traceback():
    """The CPU path (no GPU here): every host metric and this process's memory, nothing on stderr."""
    result = run_collector(0)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    names = {line.split(".", 1)[0] for line in result.stdout.splitlines() if "|#" in line}
    assert {"CPUUtilization", "MemoryUsed", "MemoryAvailable", "DiskUsage"} <= names
    assert any(line.startswith(f"{os.getpid()}:") for line in result.stdout.splitlines())


def test_the_gpu_path_needs_nvgpu_and_pynvml():
    """What --gpu 1 imports first; where they are installed (the CUDA image) they import cleanly, where they
    are not (this machine's .venv) the collector fails every interval with this traceback, which is why
    the image must install them or serve with system metrics off."""
    missing = [name for name in ("nvgpu", "pynvml") if not _importable(name)]
    if not missing:
        pytest.skip("nvgpu and pynvml are installed: the GPU path needs a GPU to run further")
    result = run_collector(1)
    assert result.returncode != 0 and "Traceback" in result.stderr
    assert f"No module named '{missing[0]}'" in result.stderr


def _importable(name: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode == 0
