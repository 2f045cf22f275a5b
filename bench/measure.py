"""Measuring in-process generation and a server under closed-loop load, one run after the other."""

from __future__ import annotations

import asyncio
import os
import time

from tqdm import tqdm

from bench.batches import BatchCounter
from bench.cost import CpuMeter, MemorySampler
from bench.load import closed_loop
from bench.plan import Plan
from bench.result import Result
from handler.backends import GenerationParams, TranslationBackend


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



def load_runs(
    url: str, texts: list[str], runs, plan: Plan, system: str, backend: str, pids: list[int], server_pid: int,
    dtype: str = "", round_: int = 0, metrics_address: str | None = None,
) -> list[Result]:  # fmt: skip
    """`round_` > 0: a later round of the same runs, the warm-up already done. `metrics_address`: the
    server's metrics port, whose handler counters give each run's TorchServe batches (bench/batches.py)."""
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
        counter = BatchCounter(metrics_address)
        counter.start()
        with MemorySampler(pids) as memory, CpuMeter(server_pid) as cpu:
            result = asyncio.run(drive(url, requests, concurrency, plan.max_new_tokens, label))
        counter.record(result)
        result.system, result.backend, result.dtype, result.peak_rss_mib = system, backend, dtype, memory.peak
        result.round = round_
        result.source_chars = sum(len(t) for r in requests for t in r)
        result.server_cpu, result.load_generator_cpu = cpu.server, cpu.load_generator
        results.append(result)
    return results


