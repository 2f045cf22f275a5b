"""Each backend and precision in a fresh process: rounds of its in-process and server runs alternated."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from bench.measure import load_runs, measure_in_process
from bench.pairs import paired_runs, paired_sizes
from bench.plan import Plan, bench_model_config
from bench.precision import unpacked_backend
from bench.result import Result
from bench.workload import bench_sentences
from handler.backends import TranslationBackend
from handler.backends.precision import AUTO
from handler.settings import usable_cores
from handler.torchserve import PREDICT_ROUTE, loopback_torchserve


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
                    server.metrics_address,
                )  # fmt: skip
            results += measure_in_process(backend_name, backend, texts, plan, in_process_runs, dtype, k)
            results += load_runs(
                url, texts, server_runs, plan, "torchserve", backend_name, pids, server.process.pid, dtype, k,
                server.metrics_address,
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

