"""Where a served request's time goes, and the floor TorchServe itself sets.

    python -m bench.floor                          # CTranslate2, maxBatchDelay 5, 10 and 20 ms
    python -m bench.floor --delays 5 --set number_of_netty_threads=1 --set async_logging=true

For each maxBatchDelay it starts TorchServe with the benchmark model's archive and measures, beside
the same model in-process in this run:
  1. the floor: requests whose generation costs nothing (max_new_tokens 1: the backend returns the
     forced end-of-sentence without running the model), one at a time: their p50 is what HTTP, the
     Java frontend, the worker protocol, the handler and the batching delay add to every request;
  2. single real requests at concurrency 1 (p50 against in-process batch 1);
  3. real requests at concurrency 32 (throughput against in-process batch 32) and the mean batch
     TorchServe formed (from the handler's counters on the metrics port);
with the CPU seconds of the frontend (and of its JVM's JIT compiler threads among them), the worker
and the load generator per request (bench/cost.py). `--set key=value` overrides a config.properties
key for every server of the run; `--set vmargs=-XX:TieredStopAtLevel=4` gives the frontend the JVM's
optimizing compiler back (config.properties runs it with the quick one only).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench.batches import BatchCounter
from bench.cost import CpuMeter
from bench.measure import drive, measure_in_process
from bench.plan import FULL, REPO_ROOT
from bench.precision import unpacked_backend
from bench.result import Result
from bench.workload import bench_sentences, build_bench_model
from handler.archive import build_archive
from handler.settings import config_for_backend, read_model_config, usable_cores
from handler.torchserve import PREDICT_ROUTE, loopback_torchserve


def served_run(url: str, requests: list[list[str]], concurrency: int, tokens: int, pid: int, metrics: str) -> dict:
    counter = BatchCounter(metrics)
    counter.start()
    with CpuMeter(pid) as cpu:
        result = asyncio.run(drive(url, requests, concurrency, tokens, f"c={concurrency} tokens={tokens}"))
    counter.record(result)
    summary = result.summary()
    n = len(requests)
    return {
        "requests": n, "errors": result.errors, "sentences_per_s": summary["sentences_per_s"],
        "p50_ms": 1000 * summary["p50_s"],
        "frontend_ms_per_request": 1000 * cpu.server.get("frontend", 0.0) / n,
        "frontend_jit_ms_per_request": 1000 * cpu.jit / n,
        "worker_ms_per_request": 1000 * cpu.server.get("worker", 0.0) / n,
        "load_generator_ms_per_request": 1000 * cpu.load_generator / n,
        "mean_batch": summary["requests_per_batch"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", default="ctranslate2", choices=("transformers", "ctranslate2"))
    parser.add_argument("--delays", default="5,10,20", help="maxBatchDelay values in ms, comma-separated")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config.properties override")
    parser.add_argument("--requests", type=int, default=128, help="requests at c=32 (default 128, at least 32)")
    parser.add_argument("--bench-model-dir", type=Path, default=REPO_ROOT / "artifacts" / "bench-model")
    args = parser.parse_args(argv)
    try:
        delays = [int(d) for d in args.delays.split(",") if d]
        overrides = dict(item.split("=", 1) for item in args.set)
    except ValueError:
        parser.error("--delays takes whole numbers, --set takes KEY=VALUE")
    if args.requests < 32:
        parser.error("--requests must be at least 32 (one batch of 32)")

    import torch

    torch.set_num_threads(usable_cores())
    model_dir = build_bench_model(args.bench_model_dir)
    with tempfile.TemporaryDirectory(prefix="tr_en-floor-") as tmp:
        workdir = Path(tmp)
        _, backend = unpacked_backend(model_dir, args.backend, workdir)
        texts = bench_sentences(backend.count_tokens, args.requests)
        runs = ((1, min(24, len(texts))), (32, 32 * max(1, len(texts) // 32)))
        in_process: list[Result] = measure_in_process(args.backend, backend, texts, FULL, runs)
        del backend
        rows = []
        for delay in delays:
            # The shipped YAML as this backend's archive packs it, but for the delay.
            config = config_for_backend(read_model_config(), args.backend) | {"maxBatchDelay": delay}
            mar = build_archive(model_dir, workdir / f"store-{delay}", args.backend, model_config=config)
            server = loopback_torchserve(mar.parent, workdir / f"ts-{delay}", overrides=overrides)
            server.start()
            try:
                server.wait_ready(timeout=600)
                assert server.process is not None
                url, pid = server.inference_address + PREDICT_ROUTE, server.process.pid
                metrics = server.metrics_address
                asyncio.run(drive(url, [[t] for t in texts[:4]], 2, FULL.max_new_tokens, "warm-up"))
                one = [[t] for t in texts[: min(48, args.requests)]]
                rows.append({
                    "delay_ms": delay,
                    "floor": served_run(url, one, 1, 1, pid, metrics),
                    "c1": served_run(url, one[:24], 1, FULL.max_new_tokens, pid, metrics),
                    "c32": served_run(url, [[t] for t in texts], 32, FULL.max_new_tokens, pid, metrics),
                })  # fmt: skip
            finally:
                server.stop()
    b1, b32 = (r.summary() for r in in_process)
    print(f"\nin-process {args.backend}: batch 1 p50 {1000 * b1['p50_s']:.1f} ms, "
          f"batch 32 {b32['sentences_per_s']:.2f} sentences/s; overrides {overrides or 'none'}")  # fmt: skip
    print(
        f"{'delay':>5} {'floor p50 ms':>12} {'c=1 p50 / in-process':>21} {'c=32 / in-process b32':>22} "
        f"{'mean batch':>10}   CPU ms per request (frontend (its JIT) / worker / load generator) at floor, c=1, c=32"
    )
    for row in rows:
        cpu = "   ".join(
            f"{row[k]['frontend_ms_per_request']:.1f} ({row[k]['frontend_jit_ms_per_request']:.1f})/"
            f"{row[k]['worker_ms_per_request']:.1f}/{row[k]['load_generator_ms_per_request']:.1f}"
            for k in ("floor", "c1", "c32")
        )
        print(
            f"{row['delay_ms']:5d} {row['floor']['p50_ms']:12.1f} {row['c1']['p50_ms'] / (1000 * b1['p50_s']):21.2f} "
            f"{row['c32']['sentences_per_s'] / b32['sentences_per_s']:22.2f} {row['c32']['mean_batch']:10.1f}   {cpu}"
        )
    errors = sum(row[k]["errors"] for row in rows for k in ("floor", "c1", "c32"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
