"""The benchmark: the machine's limit, this server, and a naive server, side by side in one run.

    python -m bench.run                      # what `make bench` runs (about 40 minutes on 2 cores)
    python -m bench.run --quick              # a tiny model and a few requests: checks it all works
    python -m bench.run --model-dir DIR      # any save_pretrained Marian directory
    python -m bench.run --request-path-only  # only the request-path workloads (5.)
    python -m bench.run --rounds 9           # steadier ratios, about 40 minutes

For each backend at its `auto` precision (transformers: bfloat16 on CPUs with avx512_bf16/AMX, else
float32; CTranslate2: int8) it measures:
  1. the limit: batched generation in-process at several batch sizes, no server;
  2. this project's TorchServe with its shipped handler/model-config.yaml, over HTTP from an
     async load generator: single-sentence requests at concurrency 1, 8 and 32, and requests of
     16 instances at concurrency 8 (cache and decoding cap off, texts kept whole, so that the
     server does the in-process work);
  3. (transformers only) the naive baseline: one request at a time, one generate call each;
  4. the container path (bench/edge.py): a new replica's first 100 requests from the moment the
     entrypoint is ready against its next 1,000 (p99), then the entrypoint's edge against TorchServe
     direct on one server, single sentences at concurrency 32 and 1, each request a different sentence;
  5. the request path's workloads, shipped settings (bench/request_path.py): documents with
     sentence splitting on/off, repeats with the cache on/off, runaway decoding with the cap on/off,
     HTML documents against the same text as plain text (markup's server CPU).
Runs 1 and 2 of a backend alternate in Plan.rounds rounds with both loaded, in a fresh process for each
backend and precision, and each ratio of a server to its own in-process runs is the median of the
rounds' ratios (bench/README.md "Rounds", "One process per backend"). Within a round, an in-process
batch size and the same server concurrency (1, 8, 32) alternate batch by batch on the same sentences
(bench/README.md "Pairs"). It also
measures the other precisions (Plan.variants: transformers float32, CTranslate2 int8_float32 and float32)
in-process and, for transformers float32, served at the top concurrency. Every run also records
the CPU seconds it cost the server (TorchServe's process tree, per part) and the load generator
apart (bench/cost.py). Greedy decoding, every sentence exactly --max-new-tokens long (see
bench/workload.py). Writes results.json, results.png and targets.png under --out and prints
the tables and the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from bench.bleu import bleu_of_backends
from bench.cli import add_out_flag
from bench.edge import first_requests_note, measure_container
from bench.naive import measure_naive
from bench.plan import BACKENDS, FULL, QUICK, REPO_ROOT, ctranslate2_cpu_types
from bench.plots import plot, plot_targets
from bench.precision import Variant
from bench.request_path import MARKUP_COST_TARGET, markup_cost, run_request_path
from bench.request_path import report as request_path_report
from bench.result import Result, merge_rounds
from bench.rounds import measure_in_own_process
from bench.tables import report
from bench.targets import targets
from bench.workload import build_bench_model
from handler.backends.precision import AUTO, cpu_flags, cpu_has_bf16, ctranslate2_compute_type, transformers_dtype
from handler.settings import usable_cores


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
        help="only the request-path workloads: documents, repeats, runaway, markup (bench/request_path.py)",
    )
    parser.add_argument("--no-container", action="store_true",
                        help="skip the container path (the entrypoint's edge against TorchServe direct)")
    parser.add_argument("--no-request-path", action="store_true", help="skip the request-path workloads")  # fmt: skip
    add_out_flag(parser, REPO_ROOT / "bench" / "results", "results.json, results.txt, results.png and targets.png")
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
    args.out.mkdir(parents=True, exist_ok=True)
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
        first_requests: dict[str, float] = {}  # a new replica's first requests (the container path)
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
        if "transformers" in backends and not args.no_container and not args.request_path_only:
            container = measure_container(model_dir, plan, workdir)
            results += container.results
            first_requests = container.first_requests
        quality = [Variant(b, d) for b, d, _, _ in variants]
        bleu = bleu_of_backends(bleu_dir, workdir, quality) if bleu_dir and len(backends) == 2 and results else {}
        path_results = []
        if not args.no_request_path:
            # Documents and repeats need a model that ends its sentences: the demo model (tiny when quick).
            demo = bleu_dir or (model_dir if args.model_dir else None)
            if demo is None:
                demo = build_model_dir_for_quick(workdir)
            # A quick run checks the workloads on one backend only: each starts a TorchServe of four models.
            for backend_name in backends[:1] if args.quick else backends:
                path_results += run_request_path(demo, args.bench_model_dir, backend_name, workdir, args.quick)
    rows = targets(results, bleu, auto, first_requests)
    merged = merge_rounds(results)
    if first_requests:
        notes.append(first_requests_note(first_requests))
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
        "targets": [
            {"what": row.target.name, "metric": row.target.metric, "value": row.value, "target": row.target.bound,
             "met": row.met, "rounds": row.rounds}
            for row in rows
        ],  # fmt: skip
        "request_path": [{**asdict(r), **r.summary()} for r in path_results],
        # Issue 26: server CPU of an HTML document over the same text as plain text, per backend.
        "markup_cost": {"ratios": markup_cost(path_results), "target": f"<= {MARKUP_COST_TARGET}"},
        # Issue 25: a new replica's first requests through the edge, from ready (bench/edge.py).
        "first_requests": first_requests,
    }
    (args.out / "results.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.txt").write_text(text + "\n", encoding="utf-8")
    if results:
        plot(merged, args.out / "results.png")
        plot_targets(rows, args.out / "targets.png")
    print(f"\nwrote {args.out / 'results.json'}, results.txt" + (", results.png and targets.png" if results else ""))
    return 0


def build_model_dir_for_quick(workdir: Path) -> Path:
    """A tiny model with vocabularies from the corpus (random weights), when no demo model is built."""
    from bench.workload import corpus_sentences
    from training.marian_scratch import build_model_dir

    sources, targets_ = corpus_sentences()
    return build_model_dir(sources, targets_, workdir / "tiny-demo", "tiny", vocab_size=400)


if __name__ == "__main__":
    sys.exit(main())
