"""One measured run (Result), its summary figures, and the rounds of a run merged into one."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from bench.cost import unit_costs


@dataclass
class Result:
    system: str  # in-process | torchserve | naive | container-edge | container-direct (bench/edge.py)
    backend: str
    concurrency: int  # the batch size for in-process runs
    instances: int  # per request (1 for in-process)
    sentences: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # per request (per batch in-process)
    errors: int = 0
    peak_rss_mib: float = 0.0  # per worker (per process in-process)
    max_new_tokens: int = 0
    dtype: str = ""  # empty: the backend's `auto`
    source_chars: int = 0
    server_cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per part (bench/cost.py)
    load_generator_cpu: float = 0.0
    round: int = 0  # of Plan.rounds; merge_rounds sums a label's rounds into one Result
    # Batches TorchServe handed the handler in a served run, the requests in them, and the handler's
    # seconds on them: the growth of the handler's counters (bench/batches.py).
    batches: int = 0
    batched_requests: int = 0
    handling_s: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.backend} {self.dtype}" if self.dtype else self.backend

    @property
    def label(self) -> str:
        if self.system == "in-process":
            return f"{self.name} in-process batch {self.concurrency}"
        return f"{self.name} {self.system} c={self.concurrency} x{self.instances}"

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies) or [0.0]
        pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
        return {
            "sentences_per_s": self.sentences / self.seconds if self.seconds else 0.0,
            "tokens_per_s": self.sentences * self.max_new_tokens / self.seconds if self.seconds else 0.0,
            "p50_s": statistics.median(lat),
            "p95_s": pick(0.95),
            "p99_s": pick(0.99),
            "requests_per_batch": self.batched_requests / self.batches if self.batches else 0.0,
            # Worker-seconds in the handler per second of the run: below 1 (one worker), the worker
            # waited for requests part of the time.
            "worker_busy": self.handling_s / self.seconds if self.seconds else 0.0,
            "server_cpu_s": sum(self.server_cpu.values()),
            **unit_costs(sum(self.server_cpu.values()), self.sentences, self.source_chars),
        }


def merge_rounds(results: list[Result]) -> list[Result]:
    """One Result per label, its rounds summed: sentences, seconds, latencies, errors, batches and CPU seconds
    added up (throughput = all sentences / all seconds), the peak memory the highest."""
    merged: dict[str, Result] = {}
    for r in results:
        into = merged.get(r.label)
        if into is None:
            merged[r.label] = replace(r, latencies=list(r.latencies), server_cpu=dict(r.server_cpu), round=0)
            continue
        into.sentences += r.sentences
        into.batches += r.batches
        into.batched_requests += r.batched_requests
        into.handling_s += r.handling_s
        into.seconds += r.seconds
        into.latencies += r.latencies
        into.errors += r.errors
        into.peak_rss_mib = max(into.peak_rss_mib, r.peak_rss_mib)
        into.source_chars += r.source_chars
        into.load_generator_cpu += r.load_generator_cpu
        for part, seconds in r.server_cpu.items():
            into.server_cpu[part] = into.server_cpu.get(part, 0.0) + seconds
    # Table order: each backend and precision as first met, its in-process runs, then its server
    # runs, each in the order they ran; the naive server last.
    names: dict[str, int] = {}
    for r in results:
        names.setdefault(r.name, len(names))
    rank = {"in-process": 0, "torchserve": 1}
    return sorted(
        merged.values(),
        key=lambda r: (len(names), 2) if r.system == "naive" else (names[r.name], rank.get(r.system, 2)),
    )

