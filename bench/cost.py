"""CPU time per unit of work: what a run cost the server, apart from what the load generator cost;
and the peak memory of the processes that did it (MemorySampler).

The load generator shares the machine's cores with the server, so its CPU time is measured on its
own and left out of the server's cost. A TorchServe run's processes are the launcher, the Java
frontend and the Python workers; each is told apart by its command line, so that the cost can be
shown per part (where the time per request goes).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

LOAD_GENERATOR = "load generator"


def role(process: psutil.Process) -> str:
    """frontend (TorchServe's Java), worker (its Python model workers), launcher, edge (the container's
    entrypoint: its public edge and its pass-through of TorchServe's log), or the process name."""
    try:
        command = " ".join(process.cmdline())
        name = process.name()
    except psutil.Error:
        return "gone"
    if name == "java" or "org.pytorch.serve" in command:
        return "frontend"
    if "model_service_worker" in command:
        return "worker"
    if "container.entrypoint" in command:
        return "edge"
    if "torchserve" in command:
        return "launcher"
    return name


def process_tree(root_pid: int) -> list[psutil.Process]:
    """`root_pid` and all its descendants; empty once it is gone."""
    try:
        root = psutil.Process(root_pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_cpu_seconds(root_pid: int) -> dict[str, float]:
    """User + system CPU seconds so far of `root_pid` and all its descendants, summed per role."""
    totals: dict[str, float] = {}
    for process in process_tree(root_pid):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        key = "in-process" if process.pid == os.getpid() else role(process)
        totals[key] = totals.get(key, 0.0) + times.user + times.system
    return totals


def jit_cpu_seconds(root_pid: int) -> dict[int, float]:
    """CPU seconds so far of each JIT compiler thread ("C1 CompilerThread0", "C2 CompilerThread1", ...)
    of the Java frontend under `root_pid`, by thread id: a share of its "frontend" CPU, not a part
    of its own. The JVM starts and ends compiler threads as the work comes and goes, so a total over
    time must be taken per thread (CpuMeter.jit)."""
    totals: dict[int, float] = {}
    for process in process_tree(root_pid):
        try:
            threads = process.threads() if role(process) == "frontend" else []
        except psutil.Error:
            continue
        for thread in threads:
            try:
                name = Path(f"/proc/{process.pid}/task/{thread.id}/comm").read_text().strip()
            except OSError:  # the thread ended
                continue
            if name.startswith(("C1 Compiler", "C2 Compiler")):
                totals[thread.id] = thread.user_time + thread.system_time
    return totals


def own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


@dataclass
class CpuMeter:
    """CPU seconds spent during a `with` block by a process tree (the server) and by this process.

    With no `server_pid` the server is this process (in-process runs) and nothing is the load generator.
    """

    server_pid: int | None = None
    server: dict[str, float] = field(default_factory=dict)
    load_generator: float = 0.0
    # Of server["frontend"]: the JVM's JIT compiler threads. At least this much: a compiler thread
    # that ended inside the block took its CPU time with it.
    jit: float = 0.0

    def _read(self) -> tuple[dict[str, float], float, dict[int, float]]:
        if not self.server_pid:
            return {"in-process": own_cpu_seconds()}, 0.0, {}
        return tree_cpu_seconds(self.server_pid), own_cpu_seconds(), jit_cpu_seconds(self.server_pid)

    def __enter__(self) -> CpuMeter:
        self._before = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        (server, own, jit), (server0, own0, jit0) = self._read(), self._before
        self.server = {k: round(v - server0.get(k, 0.0), 3) for k, v in server.items() if v - server0.get(k, 0.0) > 0}
        self.load_generator = round(own - own0, 3)
        self.jit = round(sum(seconds - jit0.get(thread, 0.0) for thread, seconds in jit.items()), 3)


def unit_costs(server_cpu: float, sentences: int, source_chars: int) -> dict[str, float]:
    """Server CPU-seconds per 1,000 sentences and per million source characters, and sentences/s per vCPU
    (what one fully busy core would serve at this run's cost per sentence)."""
    if not server_cpu or not sentences:
        return {"cpu_s_per_1k_sentences": 0.0, "cpu_s_per_m_chars": 0.0, "sentences_per_s_per_vcpu": 0.0}
    return {
        "cpu_s_per_1k_sentences": 1000 * server_cpu / sentences,
        "cpu_s_per_m_chars": 1e6 * server_cpu / source_chars if source_chars else 0.0,
        "sentences_per_s_per_vcpu": sentences / server_cpu,
    }


class MemorySampler:
    """Peak resident memory of some processes, sampled in a background thread."""

    def __init__(self, pids: list[int], period: float = 0.2) -> None:
        self.pids, self.period, self.peak = pids, period, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                try:
                    self.peak = max(self.peak, psutil.Process(pid).memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            self._stop.wait(self.period)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
