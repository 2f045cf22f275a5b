"""A new replica's first requests against its later ones: the p99 latency of the first N requests
after the worker is READY over the p99 of the next M (issue 25's goal: at most 1.3).

`make bench` measures the same through the container's entrypoint, from the moment its health route
says ready (bench/edge.py); this tool measures TorchServe alone, with fresh servers run after run.

    python -m bench.first_requests [--model-dir artifacts/demo-model] [--warmup-seconds 0] [--runs 2]

Each run packs the model with the shipped model-config.yaml (handler.warmup_seconds as given),
starts a real TorchServe on loopback ports, waits until the worker is READY and at once sends
N + M single-sentence requests from `--concurrency` clients (bench/load.py), the generation
parameters left to the model's defaults as a Vertex client would. Nothing is cached: every text
is a different sentence (bench/workload.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.cli import add_out_flag
from bench.load import closed_loop
from bench.plan import REPO_ROOT
from bench.workload import bench_sentences
from handler.torchserve import PREDICT_ROUTE, loopback_torchserve

DEFAULT_MODEL_DIR = REPO_ROOT / "artifacts" / "demo-model"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.first_requests",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR,
                        help="Marian model directory to serve (default: the demo model)")  # fmt: skip
    parser.add_argument("--warmup-seconds", type=float, default=None,
                        help="handler.warmup_seconds in the archive (default: the shipped one; 0: off)")  # fmt: skip
    parser.add_argument("--dtype", default="auto", help="handler.dtype packed into the archive (default auto)")
    parser.add_argument("--first", type=int, default=100, help="requests counted as the first ones (default 100)")
    parser.add_argument("--next", type=int, default=1000, help="requests after them (default 1000)")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="request parameter max_new_tokens (default: the model's)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending at once (default 8)")
    parser.add_argument("--runs", type=int, default=1, help="fresh servers, one after the other (default 1)")
    add_out_flag(parser, REPO_ROOT / "bench" / "results", "first_requests.json (the runs' figures)")
    return parser


def p99(latencies: list[float]) -> float:
    return float(np.percentile(latencies, 99))


def one_run(args: argparse.Namespace, texts: list[str], workdir: Path, index: int) -> dict[str, float]:
    """Start a fresh server, drive it from the moment it is READY, stop it; the run's figures."""
    server = loopback_torchserve(workdir / "store", workdir / f"ts-{index}")
    started = time.monotonic()
    server.start()
    try:
        server.wait_ready(timeout=600)
        ready_s = time.monotonic() - started
        parameters = {} if args.max_new_tokens is None else {"parameters": {"max_new_tokens": args.max_new_tokens}}
        bodies = [{"instances": [text], **parameters} for text in texts]
        url = server.inference_address + PREDICT_ROUTE
        outcome = asyncio.run(closed_loop(url, bodies, args.concurrency, f"run {index + 1}"))
    finally:
        server.stop()
    return {"ready_s": ready_s, **first_and_next(outcome.latencies, args.first), "errors": outcome.errors}


def first_and_next(latencies: list[float], first: int) -> dict[str, float]:
    """The p99 of the first `first` latencies (in the order they were answered) against the rest's.

    A failed request (on a loaded machine: TorchServe's responseTimeout) counts with its latency."""
    head, rest = latencies[:first], latencies[first:]
    return {
        "first_p99_s": p99(head),
        "next_p99_s": p99(rest),
        "ratio": p99(head) / p99(rest),
        "first_max_s": max(head),
        "next_p50_s": float(np.median(rest)),
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (args.model_dir / "config.json").is_file():
        print(f"error: {args.model_dir} is not a model directory (no config.json)", file=sys.stderr)
        return 2
    if min(args.first, args.next, args.concurrency, args.runs) < 1:
        print("error: --first, --next, --concurrency and --runs must be at least 1", file=sys.stderr)
        return 2
    from transformers import AutoTokenizer

    from handler.archive import build_archive
    from handler.settings import read_model_config

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    count = args.first + args.next
    texts = bench_sentences(lambda t: [len(ids) for ids in tokenizer(t)["input_ids"]], count, seed=7)
    config = read_model_config()
    if args.warmup_seconds is not None:
        config["handler"]["warmup_seconds"] = args.warmup_seconds
    warmup = config["handler"].get("warmup_seconds")
    runs = []
    with tempfile.TemporaryDirectory(prefix="tr_en-first-requests-") as tmp:
        workdir = Path(tmp)
        build_archive(args.model_dir, workdir / "store", model_config=config, dtype=args.dtype)
        for index in range(args.runs):
            figures = one_run(args, texts, workdir, index)
            runs.append(figures)
            print(
                f"run {index + 1}: ready after {figures['ready_s']:.1f} s; p99 of the first {args.first} "
                f"{figures['first_p99_s'] * 1000:.0f} ms, of the next {args.next} "
                f"{figures['next_p99_s'] * 1000:.0f} ms: "
                f"ratio {figures['ratio']:.2f} (goal <= 1.3); slowest first {figures['first_max_s'] * 1000:.0f} ms, "
                f"p50 next {figures['next_p50_s'] * 1000:.0f} ms; {figures['errors']} failed",
                flush=True,
            )
    summary = {"warmup_seconds": warmup, "dtype": args.dtype, "concurrency": args.concurrency, "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "first_requests.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(f"wrote {args.out / 'first_requests.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
