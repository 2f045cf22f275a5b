"""The container path: the entrypoint (its public edge in front of TorchServe) against TorchServe
direct, on one server and one archive.

    python -m bench.edge --model-dir artifacts/demo-model      # this part of `make bench` alone
    python -m bench.edge --quick                               # the tiny model, a few requests

Starts `python -m container.entrypoint` on free loopback ports with the benchmark's archive (cache
and decoding cap off, bench/plan.py). The edge forwards to TorchServe's inference port, so the one
server gives both paths: "container-edge" posts to the public port (AIP_PREDICT_ROUTE), and
"container-direct" to TorchServe's loopback inference port. At each of Plan.edge's concurrencies
(32: throughput; 1: p50) the two run one after the other, which goes first changing every round,
after an untimed warm-up of each. The lone requests generate 4 tokens: what the edge adds to one
is a fixed cost of a few ms, which the machine's noise on a 0.5 s request (32 tokens of the benchmark
model) hid: the rounds' p50 differences spread from -83 to +316 ms (docker/README.md).
Every request is a different sentence (numbered), so that no cache answers it. Batches come from
the handler's counters on TorchServe's metrics port (bench/batches.py); the CPU of the entrypoint's
process (the edge, and its pass-through of TorchServe's log lines) is the cost table's "edge" part
(bench/cost.py).

Before any of that, from the moment the entrypoint is ready (the workers READY and the public health
route 200, what Vertex waits for), a new replica's first requests: Plan.first_requests' first N and
next M single-sentence requests through the edge, whose p99s issue 25 compares (at most 1.3). The
archive's warm-up (handler.warmup_seconds, or WARMUP_SECONDS) runs before ready, as in a container.
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from bench.batches import BatchCounter
from bench.cli import add_out_flag
from bench.cost import CpuMeter, MemorySampler
from bench.first_requests import first_and_next
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

    def start(self, timeout: float = 900) -> float:
        """Start the entrypoint and wait until it is ready; the seconds that took."""
        env = {**os.environ, **{name: str(port) for name, port in self.ports.items()},
               "AIP_PREDICT_ROUTE": PREDICT, "AIP_HEALTH_ROUTE": HEALTH}  # fmt: skip
        command = [sys.executable, "-m", "container.entrypoint", "--model-store", str(self.store),
                   "--workdir", str(self.workdir / "ts"), "--host", "127.0.0.1"]  # fmt: skip
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        management = f"http://127.0.0.1:{self.ports['TS_MANAGEMENT_PORT']}"
        health_url = f"http://127.0.0.1:{self.ports['AIP_HTTP_PORT']}{HEALTH}"
        started = time.monotonic()
        # What the container's readiness probe asks: the workers READY, then the public health route.
        while not (model_status(management)[0] and health(health_url, timeout=2)[0]):
            if self.process.poll() is not None or time.monotonic() > started + timeout:
                self.stop()
                raise RuntimeError(f"the entrypoint did not become ready; see {self.log}")
            time.sleep(0.1)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class ContainerRun:
    """What measure_container measured: the edge and direct runs, and the first requests' figures
    (bench.first_requests.first_and_next, with the seconds to ready; empty when the plan has none)."""

    results: list[Result] = field(default_factory=list)
    first_requests: dict[str, float] = field(default_factory=dict)


def measure_container(model_dir: Path, plan: Plan, workdir: Path, backend: str = "transformers") -> ContainerRun:
    """A new replica's first requests, then Plan.rounds rounds of Plan.edge's runs through the edge and
    direct, from one entrypoint serving `model_dir` packed as the benchmark packs it (bench_model_config)."""
    mar = build_archive(model_dir, workdir / "store-container", backend=backend, model_config=bench_model_config())
    server = Entrypoint(mar.parent, workdir)
    texts = UniqueTexts()
    run = ContainerRun()
    results = run.results
    try:
        ready_s = server.start()
        assert server.process is not None
        if plan.first_requests:
            first, following, concurrency = plan.first_requests
            label = f"first {first} and next {following} requests after ready"
            answered = asyncio.run(drive(server.edge_url, [[t] for t in texts.take(first + following)],
                                         concurrency, plan.max_new_tokens, label))  # fmt: skip
            run.first_requests = {"ready_s": ready_s, "first": first, "next": following, "concurrency": concurrency,
                                  **first_and_next(answered.latencies, first), "errors": answered.errors}  # fmt: skip
        urls = {EDGE: server.edge_url, DIRECT: server.direct_url}
        for concurrency, _, tokens in plan.edge:  # untimed: the first batches of a shape build kernels
            for url in urls.values():
                asyncio.run(drive(url, [[t] for t in texts.take(concurrency)], concurrency, tokens,
                                  f"container warm-up c={concurrency}"))  # fmt: skip
        for k in tqdm(range(plan.rounds), desc="container edge/direct rounds", unit="round"):
            for concurrency, count, tokens in plan.edge:
                for system in (EDGE, DIRECT) if k % 2 == 0 else (DIRECT, EDGE):
                    requests = [[t] for t in texts.take(count)]
                    label = f"{backend} {system} c={concurrency}"
                    counter = BatchCounter(server.metrics_address)
                    counter.start()
                    with MemorySampler([server.process.pid]) as memory, CpuMeter(server.process.pid) as cpu:
                        result = asyncio.run(drive(urls[system], requests, concurrency, tokens, label))
                    counter.record(result)
                    result.system, result.backend, result.round = system, backend, k
                    # The entrypoint's own process: the edge, not TorchServe's workers.
                    result.peak_rss_mib = memory.peak
                    result.source_chars = sum(len(r[0]) for r in requests)
                    result.server_cpu, result.load_generator_cpu = cpu.server, cpu.load_generator
                    results.append(result)
    finally:
        server.stop()
    return run


def first_requests_note(figures: dict[str, float]) -> str:
    """One line of the first requests' figures for the report."""
    if not figures:
        return "first requests: not measured"
    f = figures
    ms = {k: f"{1000 * f[k]:.0f} ms" for k in ("first_p99_s", "first_max_s", "next_p99_s", "next_p50_s")}
    return (
        f"first requests through the edge: ready after {f['ready_s']:.1f} s; p99 of the first {f['first']:.0f} "
        f"{ms['first_p99_s']} (slowest {ms['first_max_s']}), of the next {f['next']:.0f} {ms['next_p99_s']} "
        f"(p50 {ms['next_p50_s']}), concurrency {f['concurrency']:.0f}, {f['errors']:.0f} failed"
    )


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
    from bench.targets import container_targets, first_requests_row, targets_of  # they import this module


    with tempfile.TemporaryDirectory(prefix="tr_en-edge-") as tmp:
        workdir = Path(tmp)
        model_dir = args.model_dir
        if model_dir is None:
            from bench.run import build_model_dir_for_quick

            model_dir = build_model_dir_for_quick(workdir)
        run = measure_container(model_dir, plan, workdir)
    results = run.results
    rows = targets_of(container_targets(results), results) + first_requests_row(run.first_requests)
    notes = [f"model {model_dir}", first_requests_note(run.first_requests)]
    print("\n" + report(merge_rounds(results), rows, {}, notes))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "container.json"
    out.write_text(json.dumps({
        "rounds": [{"label": r.label, **asdict(r), **r.summary()} for r in results],
        "first_requests": run.first_requests,
        "targets": [{"what": row.target.name, "value": row.value, "target": row.target.bound, "met": row.met,
                     "rounds": row.rounds} for row in rows],
    }, indent=2) + "\n", encoding="utf-8")  # fmt: skip
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
