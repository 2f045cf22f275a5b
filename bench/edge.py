"""The container path: the entrypoint (its public edge in front of TorchServe) against TorchServe
direct, on one server and one archive.

    python -m bench.edge --model-dir artifacts/demo-model      # this part of `make bench` alone
    python -m bench.edge --quick                               # the tiny model, a few requests

Starts `python -m container.entrypoint` on free loopback ports with the benchmark's archive (cache
and decoding cap off, bench/plan.py). The edge forwards to TorchServe's inference port, so the one
server gives both paths: "container-edge" posts to the public port (AIP_PREDICT_ROUTE), and
"container-direct" to TorchServe's loopback inference port. At each of Plan.edge's concurrencies
(32: throughput; 1: p50) the two run one after the other, which goes first changing every round,
after an untimed warm-up of each. Every request is a different sentence (numbered), so that no cache
answers it. Batches come from the handler's counters on TorchServe's metrics port (bench/batches.py);
the CPU of the entrypoint's process (the edge, and its pass-through of TorchServe's log lines) is
the cost table's "edge" part (bench/cost.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from tqdm import tqdm

from bench.batches import BatchCounter
from bench.cli import add_out_flag
from bench.cost import CpuMeter, MemorySampler
from bench.measure import drive
from bench.plan import FULL, QUICK, REPO_ROOT, Plan, bench_model_config
from bench.result import Result, merge_rounds
from bench.workload import corpus_sentences
from container.readiness import health
from handler.archive import build_archive
from handler.torchserve import PREDICT_ROUTE, free_ports, model_status

EDGE, DIRECT = "container-edge", "container-direct"
PREDICT = "/predict"  # the original sample's AIP_PREDICT_ROUTE
HEALTH = "/health"
PORT_NAMES = ("AIP_HTTP_PORT", "TS_INFERENCE_PORT", "TS_MANAGEMENT_PORT", "TS_METRICS_PORT",
              "TS_GRPC_INFERENCE_PORT", "TS_GRPC_MANAGEMENT_PORT")  # fmt: skip


class UniqueTexts:
    """Turkish sentences of the training split, each numbered so that no two requests send the same text."""

    def __init__(self) -> None:
        self.sentences = corpus_sentences()[0]
        self.sent = itertools.count(1)

    def take(self, count: int) -> list[str]:
        return [f"{self.sentences[n % len(self.sentences)]} {n}" for n in itertools.islice(self.sent, count)]


class Entrypoint:
    """`python -m container.entrypoint` serving `store` on free loopback ports; its output in `log`."""

    def __init__(self, store: Path, workdir: Path) -> None:
        self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES))))
        self.store, self.workdir, self.log = store, workdir, workdir / "entrypoint.log"
        self.process: subprocess.Popen | None = None
        self.edge_url = f"http://127.0.0.1:{self.ports['AIP_HTTP_PORT']}{PREDICT}"
        self.direct_url = f"http://127.0.0.1:{self.ports['TS_INFERENCE_PORT']}{PREDICT_ROUTE}"
        self.metrics_address = f"http://127.0.0.1:{self.ports['TS_METRICS_PORT']}"

    def start(self, timeout: float = 900) -> None:
        env = {**os.environ, **{name: str(port) for name, port in self.ports.items()},
               "AIP_PREDICT_ROUTE": PREDICT, "AIP_HEALTH_ROUTE": HEALTH}  # fmt: skip
        command = [sys.executable, "-m", "container.entrypoint", "--model-store", str(self.store),
                   "--workdir", str(self.workdir / "ts"), "--host", "127.0.0.1"]  # fmt: skip
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        management = f"http://127.0.0.1:{self.ports['TS_MANAGEMENT_PORT']}"
        health_url = f"http://127.0.0.1:{self.ports['AIP_HTTP_PORT']}{HEALTH}"
        deadline = time.monotonic() + timeout
        # What the container's readiness probe asks: the workers READY, then the public health route.
        while not (model_status(management)[0] and health(health_url, timeout=2)[0]):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the entrypoint did not become ready; see {self.log}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure_container(model_dir: Path, plan: Plan, workdir: Path, backend: str = "transformers") -> list[Result]:
    """Plan.rounds rounds of Plan.edge's runs through the edge and direct, from one entrypoint serving
    `model_dir` packed as the benchmark packs it (bench_model_config)."""
    mar = build_archive(model_dir, workdir / "store-container", backend=backend, model_config=bench_model_config())
    server = Entrypoint(mar.parent, workdir)
    texts = UniqueTexts()
    results: list[Result] = []
    try:
        server.start()
        assert server.process is not None
        urls = {EDGE: server.edge_url, DIRECT: server.direct_url}
        for concurrency, _ in plan.edge:  # untimed: the first batches of a shape build kernels
            for url in urls.values():
                asyncio.run(drive(url, [[t] for t in texts.take(concurrency)], concurrency, plan.max_new_tokens,
                                  f"container warm-up c={concurrency}"))  # fmt: skip
        for k in tqdm(range(plan.rounds), desc="container edge/direct rounds", unit="round"):
            for concurrency, count in plan.edge:
                for system in (EDGE, DIRECT) if k % 2 == 0 else (DIRECT, EDGE):
                    requests = [[t] for t in texts.take(count)]
                    label = f"{backend} {system} c={concurrency}"
                    counter = BatchCounter(server.metrics_address)
                    counter.start()
                    with MemorySampler([server.process.pid]) as memory, CpuMeter(server.process.pid) as cpu:
                        result = asyncio.run(drive(urls[system], requests, concurrency, plan.max_new_tokens, label))
                    counter.record(result)
                    result.system, result.backend, result.round = system, backend, k
                    # The entrypoint's own process: the edge, not TorchServe's workers.
                    result.peak_rss_mib = memory.peak
                    result.source_chars = sum(len(r[0]) for r in requests)
                    result.server_cpu, result.load_generator_cpu = cpu.server, cpu.load_generator
                    results.append(result)
    finally:
        server.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edge", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="the quick plan (tiny model unless --model-dir)")
    parser.add_argument("--model-dir", type=Path, help="a Marian model directory (default: a tiny one, built)")
    parser.add_argument("--rounds", type=int, help=f"rounds (default {FULL.rounds}, {QUICK.rounds} with --quick)")
    add_out_flag(parser, REPO_ROOT / "bench" / "results", "container.json")
    args = parser.parse_args(argv)
    if args.model_dir and not (args.model_dir / "config.json").is_file():
        parser.error(f"{args.model_dir} is not a model directory (no config.json)")
    if args.rounds is not None and args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    plan = QUICK if args.quick else FULL
    plan = replace(plan, rounds=args.rounds or plan.rounds)
    from bench.tables import report
    from bench.targets import container_targets, targets_of  # the tables import this module's names

    with tempfile.TemporaryDirectory(prefix="tr_en-edge-") as tmp:
        workdir = Path(tmp)
        model_dir = args.model_dir
        if model_dir is None:
            from bench.run import build_model_dir_for_quick

            model_dir = build_model_dir_for_quick(workdir)
        results = measure_container(model_dir, plan, workdir)
    rows = targets_of(container_targets(results), results)
    print("\n" + report(merge_rounds(results), rows, {}, [f"model {model_dir}"]))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "container.json"
    out.write_text(json.dumps({
        "rounds": [{"label": r.label, **asdict(r), **r.summary()} for r in results],
        "targets": [{"what": row.target.name, "value": row.value, "target": row.target.bound, "met": row.met,
                     "rounds": row.rounds} for row in rows],
    }, indent=2) + "\n", encoding="utf-8")  # fmt: skip
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
