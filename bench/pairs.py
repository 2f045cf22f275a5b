"""An in-process batch and the same sentences as concurrent requests to the server, batch by batch."""

from __future__ import annotations

import asyncio
import os
import time

from tqdm import tqdm

from bench.batches import BatchCounter
from bench.cost import CpuMeter, MemorySampler
from bench.load import Connection, post
from bench.measure import served_body
from bench.plan import Plan
from bench.result import Result
from handler.backends import GenerationParams, TranslationBackend


def paired_sizes(in_process_runs, server_runs) -> list[tuple[int, int]]:
    """(size, sentences) of the runs measured in pairs (paired_runs): an in-process batch size and a
    server concurrency of one-sentence requests with the same number of sentences."""
    served = {(c, m) for c, n, m in server_runs if n == 1}
    return [(b, n) for b, n in in_process_runs if (b, n) in served]


def paired_runs(
    url: str, backend_name: str, backend: TranslationBackend, texts: list[str], size: int, count: int, plan: Plan,
    pids: list[int], server_pid: int, dtype: str = "", round_: int = 0, metrics_address: str | None = None,
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

    counter = BatchCounter(metrics_address)

    async def run() -> None:
        connections = [Connection(url) for _ in range(size)]
        try:
            if not round_:  # warm-up, untimed: the first batches of a new shape build kernels on both sides
                backend.translate(chosen[:size], params)
                await serve(connections, chosen[:size])
            # Before the clock: a round after the first opens them here.
            await asyncio.gather(*(c.connect() for c in connections), return_exceptions=True)
            counter.start()
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

    with MemorySampler([os.getpid()]) as local_memory, MemorySampler(pids) as served_memory:
        asyncio.run(run())
    local.peak_rss_mib, served.peak_rss_mib = local_memory.peak, served_memory.peak
    counter.record(served)
    for side in sides:
        side.source_chars = sum(map(len, chosen))
    return sides

