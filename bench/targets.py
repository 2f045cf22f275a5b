"""The performance issues' targets as data, and their values from a run's per-round results.

A target compares a metric of some runs (the numerator) with the same metric of others (the
denominator), or is a quality figure (BLEU); `Runs` picks results by their fields, never by label.
A server and its own in-process runs were measured in alternation (bench/rounds.py): their ratio is
the median of the rounds' ratios. Other pairs were measured one after the other: the ratio of their medians.
"""

from __future__ import annotations

import operator
import statistics
from dataclasses import dataclass, field

from bench.plan import BACKENDS
from bench.result import Result

COMPARISONS = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Runs:
    """Results of one system, backend and precision; `concurrency` None: the best in-process batch size."""

    system: str  # in-process | torchserve | naive
    backend: str
    concurrency: int | None
    instances: int = 1
    dtype: str = ""

    def values(self, results: list[Result], metric: str) -> dict[int, float]:
        """The metric of each round (the best of the matching runs where `concurrency` is None)."""
        chosen: dict[int, float] = {}
        for r in results:
            if (r.system, r.backend, r.dtype, r.instances) != (self.system, self.backend, self.dtype, self.instances):
                continue
            if self.concurrency is not None and r.concurrency != self.concurrency:
                continue
            value = r.summary()[metric]
            chosen[r.round] = max(value, chosen.get(r.round, value)) if self.concurrency is None else value
        return chosen


@dataclass(frozen=True)
class Target:
    """name, metric (a key of Result.summary(), or "bleu"), comparison and threshold; a ratio of two Runs."""

    name: str
    metric: str
    comparison: str  # a key of COMPARISONS
    threshold: float
    numerator: Runs | None = None
    denominator: Runs | None = None
    paired: bool = False  # the two sides alternated round by round: the median of the rounds' ratios
    # The numerator's seconds minus the denominator's, in ms, rather than their ratio (latency added).
    difference_ms: bool = False

    def met(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)

    @property
    def bound(self) -> str:
        return f"{self.comparison} {self.threshold}"


@dataclass
class Measured:
    target: Target
    value: float
    rounds: list[float] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.target.met(self.value)


def ratio_targets(results: list[Result], auto: dict[str, str]) -> list[Target]:
    """The throughput and latency targets, for the backends, batch sizes and concurrencies this run measured."""
    found: list[Target] = []
    for backend in BACKENDS:
        in_process = [r for r in results if r.system == "in-process" and r.backend == backend and not r.dtype]
        if not in_process:
            continue
        batch = min(32, max(r.concurrency for r in in_process))
        top = max(r.concurrency for r in results if r.system == "torchserve" and r.instances == 1)
        found += [
            Target(f"{backend}: server c={top} / in-process batch {batch}", "sentences_per_s", ">=", 0.95,
                   Runs("torchserve", backend, top), Runs("in-process", backend, batch), paired=True),
            Target(f"{backend}: server p50 c=1 / in-process one sentence", "p50_s", "<=", 1.1,
                   Runs("torchserve", backend, 1), Runs("in-process", backend, 1), paired=True),
            Target(f"{backend}: server c=8 x16 / in-process best batch", "sentences_per_s", ">=", 0.9,
                   Runs("torchserve", backend, 8, 16), Runs("in-process", backend, None), paired=True),
        ]  # fmt: skip
    naive = [r for r in results if r.system == "naive"]
    if naive:
        c = naive[0].concurrency
        found.append(Target(f"transformers: server c={c} / naive c={c}", "sentences_per_s", ">=", 7,
                            Runs("torchserve", "transformers", c), Runs("naive", "transformers", c)))  # fmt: skip
    for c, bound in ((32, 1.7), (1, 2.2)):
        found.append(Target(f"ctranslate2 / transformers server throughput c={c}", "sentences_per_s", ">=", bound,
                            Runs("torchserve", "ctranslate2", c), Runs("torchserve", "transformers", c)))  # fmt: skip
    top = max((r.concurrency for r in results if r.system == "torchserve" and r.instances == 1), default=1)
    found.append(Target(f"transformers auto ({auto.get('transformers')}) / float32 server c={top}", "sentences_per_s",
                        ">=", 1.6, Runs("torchserve", "transformers", top),
                        Runs("torchserve", "transformers", top, dtype="float32")))  # fmt: skip
    return found


BLEU_GAP = Target("BLEU gap ctranslate2 vs transformers (demo test split)", "bleu", "<=", 1.0)
BLEU_DROP = Target("BLEU drop transformers auto vs float32 (demo test split)", "bleu", "<=", 0.3)


def container_targets(results: list[Result]) -> list[Target]:
    """Issue 25's targets for the container path (bench/edge.py): the edge against TorchServe direct on
    one server, at the highest and the lowest concurrency it measured."""
    from bench.edge import DIRECT, EDGE

    measured = sorted({(r.backend, r.concurrency) for r in results if r.system == EDGE})
    if not measured:
        return []
    backend, top, one = measured[-1][0], max(c for _, c in measured), min(c for _, c in measured)
    return [
        Target(f"container: edge / direct throughput c={top}", "sentences_per_s", ">=", 0.97,
               Runs(EDGE, backend, top), Runs(DIRECT, backend, top), paired=True),
        Target(f"container: edge p50 - direct p50 c={one}, ms", "p50_s", "<=", 3.0,
               Runs(EDGE, backend, one), Runs(DIRECT, backend, one), paired=True, difference_ms=True),
    ]  # fmt: skip


FIRST_REQUESTS_GOAL = 1.3


def first_requests_row(figures: dict[str, float]) -> list[Measured]:
    """Issue 25's goal for a new replica (bench/edge.py): the p99 of its first requests after ready at
    most FIRST_REQUESTS_GOAL times the p99 of the next ones; none when they were not measured."""
    if not figures:
        return []
    name = f"container: p99 first {figures['first']:.0f} / next {figures['next']:.0f} after ready"
    return [Measured(Target(name, "p99_s", "<=", FIRST_REQUESTS_GOAL), figures["ratio"])]


def targets_of(chosen: list[Target], results: list[Result]) -> list[Measured]:
    """The value of each of `chosen` that `results` can judge (paired ones: the median of the rounds')."""
    rows = []
    for target in chosen:
        assert target.numerator is not None and target.denominator is not None
        a, b = (runs.values(results, target.metric) for runs in (target.numerator, target.denominator))
        if not a or not b or (0 in b.values() and not target.difference_ms):
            continue
        combine = (lambda x, y: 1000 * (x - y)) if target.difference_ms else (lambda x, y: x / y)
        if target.paired and set(a) == set(b):
            each = [combine(a[k], b[k]) for k in sorted(a)]
            rows.append(Measured(target, statistics.median(each), each))
        else:
            rows.append(Measured(target, combine(statistics.median(a.values()), statistics.median(b.values()))))
    return rows


def targets(
    results: list[Result], bleu: dict[str, dict[str, float]], auto: dict[str, str], first: dict[str, float]
) -> list[Measured]:
    """Each target this run can judge, with its value and (paired ones) its rounds' values; `auto`:
    what each backend's auto dtype is on this machine; `first`: the first requests' figures (bench/edge.py)."""
    rows = targets_of(ratio_targets(results, auto) + container_targets(results), results) + first_requests_row(first)
    if "transformers" in bleu and "ctranslate2" in bleu:
        rows.append(Measured(BLEU_GAP, abs(bleu["ctranslate2"]["bleu"] - bleu["transformers"]["bleu"])))
    if "transformers" in bleu and "transformers float32" in bleu and auto.get("transformers") != "float32":
        rows.append(Measured(BLEU_DROP, bleu["transformers float32"]["bleu"] - bleu["transformers"]["bleu"]))
    return rows
