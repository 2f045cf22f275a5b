"""The benchmark: the machine's limit, this server, and a naive server, side by side in one run.

    python -m bench.run                      # what `make bench` runs (about 27 minutes on 2 cores)
    python -m bench.run --quick              # a tiny model and a few requests: checks it all works
    python -m bench.run --model-dir DIR      # any save_pretrained Marian directory
    python -m bench.run --request-path-only  # only the request-path workloads (4.)
    python -m bench.run --rounds 9           # steadier ratios, about 40 minutes

For each backend at its `auto` precision (transformers: bfloat16 on CPUs with avx512_bf16/AMX, else
float32; CTranslate2: int8) it measures:
  1. the limit: batched generation in-process at several batch sizes, no server;
  2. this project's TorchServe with its shipped handler/model-config.yaml, over HTTP from an
     async load generator: single-sentence requests at concurrency 1, 8 and 32, and requests of
     16 instances at concurrency 8 (cache and decoding cap off, texts kept whole, so that the
     server does the in-process work);
  3. (transformers only) the naive baseline: one request at a time, one generate call each;
  4. the request path's workloads, shipped settings (bench/request_path.py): documents with
     sentence splitting on/off, repeats with the cache on/off, runaway decoding with the cap on/off.
Runs 1 and 2 of a backend alternate in Plan.rounds rounds with both loaded, in a fresh process for each
backend and precision, and each ratio of a server to its own in-process runs is the median of the
rounds' ratios (bench/README.md "Rounds", "One process per backend"). Within a round, an in-process
batch size and the same server concurrency (1, 8, 32) alternate batch by batch on the same sentences
(bench/README.md "Pairs"). It also
measures the other precisions (Plan.variants: transformers float32, CTranslate2 int8_float32 and float32)
in-process and, for transformers float32, served at the top concurrency. Every run also records
the CPU seconds it cost the server (TorchServe's process tree, per part) and the load generator
apart (bench/cost.py). Greedy decoding, every sentence exactly --max-new-tokens long (see
bench/workload.py). Writes results.json, results.png and targets.png under --output and prints
the tables and the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from bench.cost import CpuMeter, MemorySampler, unit_costs
from bench.load import Connection, closed_loop, post
from bench.precision import Variant, score_variants, scores_table, unpacked_backend
from bench.request_path import report as request_path_report
from bench.request_path import run_request_path
from bench.workload import bench_sentences, build_bench_model
from handler.backends import GenerationParams, TranslationBackend
from handler.backends.precision import AUTO, cpu_flags, cpu_has_bf16, ctranslate2_compute_type, transformers_dtype
from handler.settings import MODEL_CONFIG_PATH, read_model_config, usable_cores
from handler.torchserve import PREDICT_ROUTE, free_port, loopback_torchserve

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("transformers", "ctranslate2")


@dataclass(frozen=True)
class Plan:
    """How much of each measurement to run: (batch size, sentences) and (concurrency, instances, requests)."""

    architecture: str
    max_new_tokens: int
    in_process: tuple[tuple[int, int], ...]
    server: tuple[tuple[int, int, int], ...]
    naive: tuple[int, int, int]
    # Other precisions than `auto`: (backend, dtype, in-process runs, server runs).
    variants: tuple[tuple[str, str, tuple[tuple[int, int], ...], tuple[tuple[int, int, int], ...]], ...] = ()
    # Rounds of each backend's in-process and server runs, alternated with both loaded; the counts
    # above are per round. A ratio is the median of its rounds' ratios, so that one stall of a shared
    # machine moves one round, not the verdict.
    rounds: int = 1


# Both sides of every ratio translate the same texts (the first N of one fixed list): in-process
# batch 1, the server at concurrency 1 and the naive server; batch 8 and concurrency 8; batch 32,
# concurrency 32 and the naive server's own ratio. A batch size and a concurrency with the same count
# are measured in pairs, batch by batch (paired_runs); the rest one run after the other.
# Each server run is several TorchServe batches long (c=32: five pairs of a batch of 32, c=8 x16: two
# batches of eight requests), so that one batch that happens to form badly moves its rate little: with
# two batches per round, a first batch that filled only partly cost a whole extra batch (CTranslate2's
# c=32 rounds measured 0.71, 1.01 and 0.78 of in-process at 64 requests).
FULL = Plan(
    architecture="opus-mt",
    max_new_tokens=32,
    in_process=((1, 24), (8, 32), (32, 160), (64, 256)),
    server=((1, 1, 24), (8, 1, 32), (32, 1, 160), (8, 16, 16)),
    naive=(32, 1, 128),
    variants=(
        ("transformers", "float32", ((1, 8), (32, 64)), ((32, 1, 160),)),
        ("ctranslate2", "int8_float32", ((1, 8), (32, 64)), ()),
        ("ctranslate2", "float32", ((1, 8), (32, 64)), ()),
    ),
    rounds=5,
)
QUICK = Plan(
    architecture="tiny",
    max_new_tokens=8,
    in_process=((1, 4), (8, 16)),
    server=((1, 1, 4), (8, 1, 16), (8, 16, 4)),
    naive=(8, 1, 8),
    variants=(
        ("transformers", "float32", ((8, 16),), ((8, 1, 16),)),
        ("ctranslate2", "float32", ((8, 16),), ()),
    ),
    rounds=2,
)


@dataclass
class Result:
    system: str  # in-process | torchserve | naive
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
    batches: list[int] = field(default_factory=list)  # requests in each batch TorchServe formed (served runs)
    handling_s: float = 0.0  # seconds the workers spent in the handler on those batches

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
            "requests_per_batch": sum(self.batches) / len(self.batches) if self.batches else 0.0,
            # Worker-seconds in the handler per second of the run: below 1 (one worker), the worker
            # waited for requests part of the time.
            "worker_busy": self.handling_s / self.seconds if self.seconds else 0.0,
            "server_cpu_s": sum(self.server_cpu.values()),
            **unit_costs(sum(self.server_cpu.values()), self.sentences, self.source_chars),
        }


def ctranslate2_cpu_types() -> set[str]:
    import ctranslate2

    return set(ctranslate2.get_supported_compute_types("cpu"))


# The comparisons with in-process generate need the server to do the same work: no cache (the runs
# reuse texts on purpose), no decoding cap, each text one segment (request parameter split_sentences
# false, see drive). bench/request_path.py measures those three with the shipped settings.
LIKE_FOR_LIKE = {"cache_mib": 0, "decode_length_factor": 0}


def bench_model_config() -> dict:
    """The shipped model-config.yaml with LIKE_FOR_LIKE in its handler section (build_archive applies
    the backend's own section)."""
    config = read_model_config(MODEL_CONFIG_PATH)
    return {**config, "handler": {**config["handler"], **LIKE_FOR_LIKE}}


def measure_in_process(
    backend_name: str, backend: TranslationBackend, texts: list[str], plan: Plan, runs=None, dtype: str = "",
    round_: int = 0,
) -> list[Result]:  # fmt: skip
    """`round_` > 0: a later round of the same runs, the warm-up already done."""
    params = GenerationParams(1, plan.max_new_tokens, 1)
    if not round_:
        backend.translate(texts[:2], params)  # warm-up
    results = []
    for batch_size, count in plan.in_process if runs is None else runs:
        result = Result(
            "in-process", backend_name, batch_size, 1, max_new_tokens=plan.max_new_tokens, dtype=dtype, round=round_
        )
        batch_texts = texts[:count]
        # One untimed batch of this size first: oneDNN builds its bfloat16 kernels per new shape, and
        # that one-time cost is not what a warm server pays.
        if not round_:
            backend.translate(batch_texts[:batch_size], params)
        with MemorySampler([os.getpid()]) as memory, CpuMeter() as cpu:
            started = time.perf_counter()
            for i in tqdm(range(0, count, batch_size), desc=result.label, leave=False):
                t0 = time.perf_counter()
                backend.translate(batch_texts[i : i + batch_size], params)
                result.latencies.append(time.perf_counter() - t0)
            result.seconds = time.perf_counter() - started
        result.sentences, result.peak_rss_mib = count, memory.peak
        result.source_chars, result.server_cpu = sum(map(len, batch_texts)), cpu.server
        results.append(result)
    return results


def served_body(texts: list[str], max_new_tokens: int) -> dict:
    """A request of the server runs: greedy, `max_new_tokens`, each text kept one segment."""
    return {
        "instances": texts,
        "parameters": {"num_beams": 1, "max_new_tokens": max_new_tokens, "split_sentences": False},
    }


async def drive(url: str, requests: list[list[str]], concurrency: int, max_new_tokens: int, label: str) -> Result:
    """Closed-loop load (bench/load.py) of requests of single segments: each text is kept whole."""
    bodies = [served_body(texts, max_new_tokens) for texts in requests]
    outcome = await closed_loop(url, bodies, concurrency, label)
    result = Result("", "", concurrency, len(requests[0]), max_new_tokens=max_new_tokens)
    result.latencies, result.seconds, result.errors = outcome.latencies, outcome.seconds, outcome.errors
    result.sentences = sum(len(texts) for texts, answer in zip(requests, outcome.answers) if answer is not None)
    return result


# The handler's line per batch (handler/ts_handler.py); archives built before it logged the time lack it.
BATCH_LINE = re.compile(r"handled a batch of (\d+) requests(?: in ([\d.]+) s)?")


def batch_log(log: Path | None, offset: int) -> list[tuple[int, float]]:
    """(requests, seconds in the handler) of each batch TorchServe handed the handler, from the worker
    log after byte `offset` (seconds 0.0 where the line has none)."""
    if log is None or not log.is_file():
        return []
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", errors="replace")
    return [(int(n), float(seconds or 0.0)) for n, seconds in BATCH_LINE.findall(text)]


# The worker's lines reach its log through the frontend, a moment after the reply.
LOG_SETTLE_S = 0.3


def log_size(log: Path | None) -> int:
    """The worker log's size once what came before has reached it: the offset of the next run's lines."""
    if log is None:
        return 0
    time.sleep(LOG_SETTLE_S)
    return log.stat().st_size if log.is_file() else 0


def record_batches(result: Result, log: Path | None, offset: int) -> None:
    """The run's batches (sizes, and the handler's seconds on them) from the worker log after `offset`."""
    if log is None:
        return
    time.sleep(LOG_SETTLE_S)
    batches = batch_log(log, offset)
    result.batches, result.handling_s = [n for n, _ in batches], sum(t for _, t in batches)


def load_runs(
    url: str, texts: list[str], runs, plan: Plan, system: str, backend: str, pids: list[int], server_pid: int,
    dtype: str = "", round_: int = 0, log: Path | None = None,
):  # fmt: skip
    """`round_` > 0: a later round of the same runs, the warm-up already done. `log`: the worker log,
    whose batch lines give each run's TorchServe batch sizes."""
    if not round_:
        asyncio.run(drive(url, [[t] for t in texts[:2]], 2, plan.max_new_tokens, "warm-up"))
    results = []
    for concurrency, instances, count in runs:
        requests = [[texts[(i * instances + j) % len(texts)] for j in range(instances)] for i in range(count)]
        label = f"{backend}{' ' + dtype if dtype else ''} {system} c={concurrency} x{instances}"
        # One untimed round at this concurrency first, as measure_in_process runs one untimed batch of
        # each size: the first batches of a new shape build oneDNN kernels on both sides alike.
        if not round_:
            asyncio.run(drive(url, requests[:concurrency], concurrency, plan.max_new_tokens, f"{label} warm-up"))
        offset = log_size(log)
        with MemorySampler(pids) as memory, CpuMeter(server_pid) as cpu:
            result = asyncio.run(drive(url, requests, concurrency, plan.max_new_tokens, label))
        record_batches(result, log, offset)
        result.system, result.backend, result.dtype, result.peak_rss_mib = system, backend, dtype, memory.peak
        result.round = round_
        result.source_chars = sum(len(t) for r in requests for t in r)
        result.server_cpu, result.load_generator_cpu = cpu.server, cpu.load_generator
        results.append(result)
    return results


def paired_sizes(in_process_runs, server_runs) -> list[tuple[int, int]]:
    """(size, sentences) of the runs measured in pairs (paired_runs): an in-process batch size and a
    server concurrency of one-sentence requests with the same number of sentences."""
    served = {(c, m) for c, n, m in server_runs if n == 1}
    return [(b, n) for b, n in in_process_runs if (b, n) in served]


def paired_runs(
    url: str, backend_name: str, backend: TranslationBackend, texts: list[str], size: int, count: int, plan: Plan,
    pids: list[int], server_pid: int, dtype: str = "", round_: int = 0, log: Path | None = None,
) -> list[Result]:  # fmt: skip
    """In-process batch `size` and the server at concurrency `size`, the two alternating batch by batch
    (each side first every other time): one in-process batch of `size` sentences, then the same
    sentences as `size` concurrent one-sentence requests, which TorchServe hands the worker as one
    batch when they all arrive within maxBatchDelay (`batches` records what it formed). A batch lasts
    0.3 to 1.5 s, and this machine's speed moves by 10 to 20% within tens of seconds, so that two runs
    of a few seconds each, ten seconds apart, measure two machines; pairs a batch apart measure one
    (bench/README.md "Pairs"). Each request's client has its connection open before the clock.
    `round_` > 0: the warm-up already done."""
    params = GenerationParams(1, plan.max_new_tokens, 1)
    sides = [
        Result(system, backend_name, size, 1, max_new_tokens=plan.max_new_tokens, dtype=dtype, round=round_)
        for system in ("in-process", "torchserve")
    ]
    local, served = sides
    chosen = texts[:count]
    what = "lone sentences" if size == 1 else f"batches of {size}"

    async def serve(connections: list[Connection], batch: list[str]) -> list[float | None]:
        """Each request's latency, None where it failed; all sent at once."""

        async def one(connection: Connection, text: str) -> float | None:
            t0 = time.perf_counter()
            ok = await post(connection, served_body([text], plan.max_new_tokens)) is not None
            return time.perf_counter() - t0 if ok else None

        return await asyncio.gather(*(one(c, t) for c, t in zip(connections, batch)))

    async def run() -> int:
        """The worker log's offset before the timed requests."""
        connections = [Connection(url) for _ in range(size)]
        try:
            if not round_:  # warm-up, untimed: the first batches of a new shape build kernels on both sides
                backend.translate(chosen[:size], params)
                await serve(connections, chosen[:size])
            # Before the clock: a round after the first opens them here.
            await asyncio.gather(*(c.connect() for c in connections), return_exceptions=True)
            offset = log_size(log)
            starts = range(0, count, size)
            for i, start in enumerate(tqdm(starts, desc=f"{served.name} {what}", leave=False)):
                batch = chosen[start : start + size]
                for side in sides if i % 2 == 0 else sides[::-1]:
                    with CpuMeter(None if side is local else server_pid) as cpu:
                        t0 = time.perf_counter()
                        if side is local:
                            backend.translate(batch, params)
                            latencies: list[float | None] = [time.perf_counter() - t0]
                        else:
                            latencies = await serve(connections, batch)
                        seconds = time.perf_counter() - t0
                    side.latencies += [x for x in latencies if x is not None]
                    side.seconds += seconds
                    failed = sum(x is None for x in latencies)
                    side.sentences += len(batch) - failed
                    side.errors += failed
                    side.load_generator_cpu += cpu.load_generator
                    for part, cpu_s in cpu.server.items():
                        side.server_cpu[part] = side.server_cpu.get(part, 0.0) + cpu_s
        finally:
            for connection in connections:
                connection.close()
        return offset

    with MemorySampler([os.getpid()]) as local_memory, MemorySampler(pids) as served_memory:
        offset = asyncio.run(run())
    local.peak_rss_mib, served.peak_rss_mib = local_memory.peak, served_memory.peak
    record_batches(served, log, offset)
    for side in sides:
        side.source_chars = sum(map(len, chosen))
    return sides


def measure_rounds(
    mar: Path, backend_name: str, backend: TranslationBackend, texts: list[str], plan: Plan, workdir: Path,
    in_process_runs, server_runs, dtype: str = "",
) -> list[Result]:  # fmt: skip
    """Plan.rounds rounds of the in-process runs, then the server runs, alternated: the in-process
    backend and the TorchServe worker are both loaded (each idle while the other runs), so that each
    round's two sides see the same machine."""
    if not server_runs:
        return [r for k in range(plan.rounds) for r in measure_in_process(
            backend_name, backend, texts, plan, in_process_runs, dtype, k)]  # fmt: skip
    server = loopback_torchserve(mar.parent, workdir / f"ts-{backend_name}-{dtype or 'auto'}")
    server.start()
    results = []
    try:
        server.wait_ready(timeout=600)
        url = server.inference_address + PREDICT_ROUTE
        assert server.process is not None
        pids = server.worker_pids()
        # Batch sizes and concurrencies with the same sentences are measured together, in pairs (paired_runs).
        paired = paired_sizes(in_process_runs, server_runs)
        in_process_runs = [run for run in in_process_runs if run not in paired]
        server_runs = [(c, n, m) for c, n, m in server_runs if not (n == 1 and (c, m) in paired)]
        for k in tqdm(range(plan.rounds), desc=f"{backend_name}{' ' + dtype if dtype else ''} rounds", unit="round"):
            for size, count in paired:
                results += paired_runs(
                    url, backend_name, backend, texts, size, count, plan, pids, server.process.pid, dtype, k,
                    server.model_log,
                )  # fmt: skip
            results += measure_in_process(backend_name, backend, texts, plan, in_process_runs, dtype, k)
            results += load_runs(
                url, texts, server_runs, plan, "torchserve", backend_name, pids, server.process.pid, dtype, k,
                server.model_log,
            )  # fmt: skip
        return results
    finally:
        server.stop()


def measure_in_own_process(
    model_dir: Path, backend_name: str, dtype: str, plan: Plan, workdir: Path, in_process_runs, server_runs,
) -> tuple[list[Result], list[str], int]:  # fmt: skip
    """measure_rounds of one backend and precision in a fresh Python process: (its results, the texts,
    the process id). The in-process side of every ratio then runs, as the TorchServe worker does, in a
    process that has loaded that one model. In the process that had run the transformers backend
    before, CTranslate2 translated a lone sentence 1 to 2% faster than in a fresh one or the worker,
    and its c=1 ratio came out about 3% higher (bench/README.md "One process per backend")."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        rows, texts, pid = pool.submit(
            measure_backend, model_dir, backend_name, dtype, plan, workdir, in_process_runs, server_runs
        ).result()
    return [Result(**row) for row in rows], texts, pid


def measure_backend(
    model_dir: Path, backend_name: str, dtype: str, plan: Plan, workdir: Path, in_process_runs, server_runs,
) -> tuple[list[dict], list[str], int]:  # fmt: skip
    """What measure_in_own_process runs in its process: the results as dicts, the texts, the process id."""
    import torch

    torch.set_num_threads(usable_cores())
    mar, backend = unpacked_backend(model_dir, backend_name, workdir, dtype or AUTO, model_config=bench_model_config())
    longest = max([n for _, n in plan.in_process] + [n for _, _, n in plan.server] + [plan.naive[2]])
    texts = bench_sentences(backend.count_tokens, longest + 32)
    results = measure_rounds(mar, backend_name, backend, texts, plan, workdir, in_process_runs, server_runs, dtype)
    return [asdict(r) for r in results], texts, os.getpid()


def merge_rounds(results: list[Result]) -> list[Result]:
    """One Result per label, its rounds summed: sentences, seconds, latencies, errors, batches and CPU seconds
    added up (throughput = all sentences / all seconds), the peak memory the highest."""
    merged: dict[str, Result] = {}
    for r in results:
        into = merged.get(r.label)
        if into is None:
            merged[r.label] = replace(
                r, latencies=list(r.latencies), server_cpu=dict(r.server_cpu), batches=list(r.batches), round=0
            )
            continue
        into.sentences += r.sentences
        into.batches += r.batches
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


def bleu_of_backends(model_dir: Path, workdir: Path, variants: list[Variant]) -> dict[str, dict[str, float]]:
    """BLEU and chrF on the demo test split of each backend at `auto` and of `variants`, at the model's
    default parameters (bench/precision.py). Keyed "transformers", "ctranslate2", "transformers float32", ..."""
    everything = [Variant(b, "auto") for b in BACKENDS] + variants
    scores = score_variants(model_dir, everything, workdir / "bleu")
    return {(v.backend if v.dtype == "auto" else f"{v.backend} {v.dtype}"): scores[v.name] for v in everything}


def targets(
    results: list[Result], bleu: dict[str, dict[str, float]], auto: dict[str, str]
) -> list[tuple[str, float, str, bool, list[float]]]:
    """(what, measured, target, met, per-round values) for the performance issues' ratios, from the
    per-round `results`; `auto`: what each backend's auto dtype is on this machine.

    A server and its own in-process runs were measured in alternation (measure_rounds): their ratio
    is the median of the rounds' ratios. Other pairs were measured one after the other: the ratio of
    their medians."""
    rounds: dict[str, dict[int, dict[str, float]]] = {}
    for r in results:
        rounds.setdefault(r.label, {})[r.round] = r.summary()

    def get(label: str, key: str = "sentences_per_s") -> dict[int, float]:
        return {k: summary[key] for k, summary in rounds.get(label, {}).items()}

    rows = []

    def ratio(what: str, a: dict[int, float], b: dict[int, float], bound: float, at_least=True, paired=False) -> None:
        if not a or not b or 0 in b.values():
            return
        if paired and set(a) == set(b):
            each = [a[k] / b[k] for k in sorted(a)]
            value = statistics.median(each)
        else:
            each = []
            value = statistics.median(a.values()) / statistics.median(b.values())
        met = value >= bound if at_least else value <= bound
        rows.append((what, value, f"{'>=' if at_least else '<='} {bound}", met, each))

    for backend in BACKENDS:
        in_process = [r for r in results if r.system == "in-process" and r.backend == backend and not r.dtype]
        if not in_process:
            continue
        # The best in-process batch size of each round.
        best = {k: max(r.summary()["sentences_per_s"] for r in in_process if r.round == k)
                for k in {r.round for r in in_process}}  # fmt: skip
        largest = max(r.concurrency for r in in_process)
        top = max(r.concurrency for r in results if r.system == "torchserve" and r.instances == 1)
        ratio(f"{backend}: server c={top} / in-process batch {min(32, largest)}",
              get(f"{backend} torchserve c={top} x1"), get(f"{backend} in-process batch {min(32, largest)}"), 0.95,
              paired=True)  # fmt: skip
        ratio(f"{backend}: server p50 c=1 / in-process one sentence", get(f"{backend} torchserve c=1 x1", "p50_s"),
              get(f"{backend} in-process batch 1", "p50_s"), 1.1, at_least=False, paired=True)  # fmt: skip
        ratio(f"{backend}: server c=8 x16 / in-process best batch",
              get(f"{backend} torchserve c=8 x16"), best, 0.9, paired=True)  # fmt: skip
    naive = [r for r in results if r.system == "naive"]
    if naive:
        c = naive[0].concurrency
        ratio(f"transformers: server c={c} / naive c={c}", get(f"transformers torchserve c={c} x1"),
              get(naive[0].label), 7)  # fmt: skip
    for c in (32, 1):
        ratio(f"ctranslate2 / transformers server throughput c={c}", get(f"ctranslate2 torchserve c={c} x1"),
              get(f"transformers torchserve c={c} x1"), 1.7 if c == 32 else 2.2)  # fmt: skip
    served = [r.concurrency for r in results if r.system == "torchserve" and r.instances == 1]
    top = max(served, default=1)
    ratio(f"transformers auto ({auto.get('transformers')}) / float32 server c={top}",
          get(f"transformers torchserve c={top} x1"),
          get(f"transformers float32 torchserve c={top} x1"), 1.6)  # fmt: skip
    if "transformers" in bleu and "ctranslate2" in bleu:
        gap = abs(bleu["ctranslate2"]["bleu"] - bleu["transformers"]["bleu"])
        rows.append(("BLEU gap ctranslate2 vs transformers (demo test split)", gap, "<= 1.0", gap <= 1.0, []))
    if "transformers" in bleu and "transformers float32" in bleu and auto.get("transformers") != "float32":
        drop = bleu["transformers float32"]["bleu"] - bleu["transformers"]["bleu"]
        rows.append(("BLEU drop transformers auto vs float32 (demo test split)", drop, "<= 0.3", drop <= 0.3, []))
    return rows


def report(results: list[Result], rows, bleu: dict[str, dict[str, float]], notes: list[str]) -> str:
    lines = [
        f"{'configuration':<44} {'sent/s':>8} {'tok/s':>8} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'err':>4} {'MiB':>6}"
        f" {'req/batch':>9} {'busy':>5}"
    ]
    for r in results:
        s = r.summary()
        lines.append(
            f"{r.label:<44} {s['sentences_per_s']:8.2f} {s['tokens_per_s']:8.1f} {s['p50_s']:7.3f} "
            f"{s['p95_s']:7.3f} {s['p99_s']:7.3f} {r.errors:4d} {r.peak_rss_mib:6.0f}"
            + (f" {s['requests_per_batch']:9.1f} {s['worker_busy']:5.2f}" if r.batches else "")
        )
    lines.append("\n" + cost_table(results))
    pairs = pair_table(results)
    if pairs:
        lines.append("\n" + pairs)
    if bleu:
        lines.append("\nquality on the demo test split (served defaults; greedy agreement with the first row)")
        lines.append(scores_table(bleu))
    if notes:
        lines.append("")
        lines += notes
    lines.append("\ntargets (a server against its own in-process runs: the median of the rounds)")
    for what, value, bound, met, each in rows:
        rounds = f"  rounds {' '.join(f'{v:.2f}' for v in each)}" if each else ""
        lines.append(f"  {'met ' if met else 'MISS'} {what:<62} {value:6.2f} (target {bound}){rounds}")
    return "\n".join(lines)


def pair_table(results: list[Result]) -> str:
    """Where a served batch's time goes against its in-process twin, for the runs measured in pairs
    (paired_runs: the same sentences in-process and as concurrent requests): per batch, the wall time
    of the served one, the worker's time in the handler on it, the in-process batch, and what the
    server adds outside the handler (HTTP, the Java frontend, its batching delay, the worker protocol).
    Empty without pairs."""
    local = {(r.name, r.concurrency): r for r in results if r.system == "in-process"}
    rows = []
    for r in results:
        twin = local.get((r.name, r.concurrency))
        if r.system != "torchserve" or r.instances != 1 or twin is None or not r.batches or not r.handling_s:
            continue
        if r.sentences + r.errors != twin.sentences:  # not paired (paired_sizes): other sentences
            continue
        n = len(twin.latencies)  # in-process batches, each paired with one served batch of requests
        rows.append(
            f"{r.label:<44} {1000 * r.seconds / n:9.1f} {1000 * r.handling_s / n:10.1f} "
            f"{1000 * twin.seconds / n:11.1f} {1000 * (r.seconds - r.handling_s) / n:14.1f} "
            f"{r.handling_s / twin.seconds:17.3f}"
        )
    if not rows:
        return ""
    head = (
        f"{'pairs: per batch, ms':<44} {'served':>9} {'handler':>10} {'in-process':>11} {'outside handler':>14} "
        f"{'handler/in-process':>17}"
    )
    return "\n".join([head, *rows])


def cost_table(results: list[Result]) -> str:
    """CPU cost per unit of work (the server's, load generator apart) and where each request's time goes."""
    lines = [
        f"{'cost (server CPU, load generator apart)':<44} {'s/1k sent':>9} {'s/M char':>9} {'sent/s/vCPU':>11} "
        f"{'frontend ms/req':>15} {'worker ms/req':>13} {'loadgen ms/req':>14}"
    ]
    for r in results:
        s = r.summary()
        requests = len(r.latencies) or 1
        per = lambda seconds, n=requests: 1000 * seconds / n  # noqa: E731
        served = r.system != "in-process"
        worker = r.server_cpu.get("worker", 0.0) if r.system == "torchserve" else sum(r.server_cpu.values())
        lines.append(
            f"{r.label:<44} {s['cpu_s_per_1k_sentences']:9.1f} {s['cpu_s_per_m_chars']:9.0f} "
            f"{s['sentences_per_s_per_vcpu']:11.2f} "
            + (f"{per(r.server_cpu.get('frontend', 0.0)):15.1f} " if r.system == "torchserve" else f"{'':15} ")
            + (f"{per(worker):13.1f} {per(r.load_generator_cpu):14.1f}" if served else "")
        )
    return "\n".join(lines)


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r.label for r in results]
    colors = {"in-process": "#4c72b0", "torchserve": "#55a868", "naive": "#c44e52"}
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 0.42 * len(results) + 2), sharey=True)
    y = range(len(results))
    left.barh(y, [r.summary()["sentences_per_s"] for r in results], color=[colors[r.system] for r in results])
    left.set_yticks(list(y), labels, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("sentences / s (higher is better)")
    right.barh(y, [r.summary()["p50_s"] for r in results], color=[colors[r.system] for r in results])
    right.errorbar([r.summary()["p50_s"] for r in results], list(y),
                   xerr=[[0] * len(results), [r.summary()["p95_s"] - r.summary()["p50_s"] for r in results]],
                   fmt="none", ecolor="black", capsize=3)  # fmt: skip
    right.set_xlabel("latency p50 (bar) to p95 (whisker), s: per request, per batch in-process")
    fig.suptitle(f"tr_en serving on {os.cpu_count()} CPU cores, greedy, {results[0].max_new_tokens} tokens/sentence")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_targets(rows: list[tuple[str, float, str, bool, list[float]]], path: Path) -> None:
    """Each ratio target: its rounds as dots, the value as a bar, the target as a tick."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [row for row in rows if not row[0].startswith("BLEU")]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(ratios) + 1.5))
    y = list(range(len(ratios)))
    ax.barh(y, [r[1] for r in ratios], color=["#55a868" if r[3] else "#c44e52" for r in ratios], alpha=0.6)
    for i, (_, _, bound, _, each) in enumerate(ratios):
        ax.plot([float(bound.split()[1])] * 2, [i - 0.4, i + 0.4], color="black")
        ax.scatter(each, [i] * len(each), color="black", s=12, zorder=3)
    ax.set_yticks(y, [r[0] for r in ratios], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ratio (bar: the value judged, green met, red missed; dots: rounds; black tick: the target)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny model, few requests: a check that it all runs")
    parser.add_argument("--model-dir", type=Path, help="benchmark this Marian directory instead of the built one")
    parser.add_argument("--bench-model-dir", type=Path, default=REPO_ROOT / "artifacts" / "bench-model",
                        help="where the built benchmark model is cached (default: artifacts/bench-model)")  # fmt: skip
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default: both)")
    parser.add_argument("--bleu-model-dir", type=Path,
                        help="a trained model to compare BLEU on (default: artifacts/demo-model if built)")  # fmt: skip
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--request-path-only",
        action="store_true",
        help="only the request-path workloads: documents, repeats, runaway (bench/request_path.py)",
    )
    parser.add_argument("--no-request-path", action="store_true", help="skip the request-path workloads")  # fmt: skip
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "results", help="results folder")
    parser.add_argument("--rounds", type=int,
                        help=f"rounds of each backend's runs (default {FULL.rounds}, {QUICK.rounds} with --quick): "
                             "more take longer and move a ratio less from one run to the next")  # fmt: skip
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, not {args.rounds}")
        plan = replace(plan, rounds=args.rounds)
    backends = [b for b in args.backends.split(",") if b]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend {sorted(unknown)[0]!r}; use {', '.join(BACKENDS)}")
    if args.model_dir and not (args.model_dir / "config.json").is_file():
        parser.error(f"{args.model_dir} is not a model directory (no config.json)")
    bleu_dir = args.bleu_model_dir
    if bleu_dir is None and not args.quick and (REPO_ROOT / "artifacts/demo-model/model.safetensors").is_file():
        bleu_dir = REPO_ROOT / "artifacts" / "demo-model"

    import torch

    # What `auto` is on this machine; a variant that is the same as auto, or that CTranslate2 cannot run
    # on this CPU, is skipped with a note.
    auto = {
        "transformers": transformers_dtype(AUTO, "cpu", cpu_flags()),
        "ctranslate2": ctranslate2_compute_type(AUTO, "cpu"),
    }
    notes = [f"dtype auto on this machine: transformers {auto['transformers']}, ctranslate2 {auto['ctranslate2']}"]
    variants = []
    for backend_name, dtype, in_process_runs, server_runs in plan.variants:
        if backend_name not in backends:
            continue
        if dtype == auto[backend_name]:
            notes.append(f"{backend_name} {dtype}: skipped, it is what auto runs here")
        elif backend_name == "ctranslate2" and dtype not in ctranslate2_cpu_types():
            notes.append(f"ctranslate2 {dtype}: skipped, this CPU's CTranslate2 build cannot run it")
        else:
            variants.append((backend_name, dtype, in_process_runs, server_runs))
    for dtype in ("int8_bfloat16", "bfloat16"):
        if "ctranslate2" in backends and dtype not in ctranslate2_cpu_types():
            notes.append(f"ctranslate2 {dtype}: not measured, CTranslate2 has no CPU kernels for it")

    cores = usable_cores()
    torch.set_num_threads(cores)
    args.output.mkdir(parents=True, exist_ok=True)
    processes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="tr_en-bench-") as tmp:
        workdir = Path(tmp)
        if args.model_dir:
            model_dir = args.model_dir
        elif args.quick:
            model_dir = build_bench_model(workdir / "bench-model", "tiny", vocab_size=2000)
        else:
            print(f"building the benchmark model in {args.bench_model_dir} (once)")
            model_dir = build_bench_model(args.bench_model_dir)
        results: list[Result] = []
        texts: list[str] = []
        runs = [(b, "", plan.in_process, plan.server) for b in backends] + variants
        for backend_name, dtype, in_process_runs, server_runs in [] if args.request_path_only else runs:
            measured, texts, pid = measure_in_own_process(
                model_dir, backend_name, dtype, plan, workdir, in_process_runs, server_runs
            )
            results += measured
            processes[f"{backend_name} {dtype or AUTO}"] = pid
        if "transformers" in backends and not args.no_naive and not args.request_path_only:
            results += measure_naive(model_dir, texts, plan)
        quality = [Variant(b, d) for b, d, _, _ in variants]
        bleu = bleu_of_backends(bleu_dir, workdir, quality) if bleu_dir and len(backends) == 2 and results else {}
        path_results = []
        if not args.no_request_path:
            # Documents and repeats need a model that ends its sentences: the demo model (tiny when quick).
            demo = bleu_dir or (model_dir if args.model_dir else None)
            if demo is None:
                demo = build_model_dir_for_quick(workdir)
            # A quick run checks the workloads on one backend only: each costs three TorchServe starts.
            for backend_name in backends[:1] if args.quick else backends:
                path_results += run_request_path(demo, args.bench_model_dir, backend_name, workdir, args.quick)
    rows = targets(results, bleu, auto)
    merged = merge_rounds(results)
    text = report(merged, rows, bleu, notes) if results else ""
    if path_results:
        text += ("\n\n" if text else "") + "request path\n" + request_path_report(path_results)
    print("\n" + text)
    environment = {
        "cores": cores, "model_dir": str(model_dir), "quick": args.quick, "plan": asdict(plan), "auto_dtypes": auto,
        "cpu_bf16": cpu_has_bf16(cpu_flags()),
        # The process each backend and precision was measured in (measure_in_own_process), and this one.
        "processes": processes, "bench_pid": os.getpid(),
    }  # fmt: skip
    raw = {
        "environment": environment,
        # Each label's rounds summed; "rounds" has them one by one.
        "results": [{**asdict(r), "label": r.label, **r.summary()} for r in merged],
        "rounds": [
            {"label": r.label, "round": r.round, "sentences": r.sentences, "seconds": r.seconds, **r.summary()}
            for r in results
        ],
        "bleu": bleu,
        "targets": [{"what": w, "value": v, "target": b, "met": m, "rounds": e} for w, v, b, m, e in rows],
        "request_path": [{**asdict(r), **r.summary()} for r in path_results],
    }
    (args.output / "results.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    (args.output / "results.txt").write_text(text + "\n", encoding="utf-8")
    if results:
        plot(merged, args.output / "results.png")
        plot_targets(rows, args.output / "targets.png")
    print(f"\nwrote {args.output / 'results.json'}, results.txt" + (", results.png and targets.png" if results else ""))
    return 0


def build_model_dir_for_quick(workdir: Path) -> Path:
    """A tiny model with vocabularies from the corpus (random weights), when no demo model is built."""
    from bench.workload import corpus_sentences
    from training.marian_scratch import build_model_dir

    sources, targets_ = corpus_sentences()
    return build_model_dir(sources, targets_, workdir / "tiny-demo", "tiny", vocab_size=400)


if __name__ == "__main__":
    sys.exit(main())
