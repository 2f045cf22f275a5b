"""How a worker should use its threads on this machine: each backend at 1 and 2 threads, and
CTranslate2 also as replicas of one thread each.

    python -m bench.threads                       # both backends, the benchmark model, 1 and 2 threads
    python -m bench.threads --threads 1,2,4 --backends ctranslate2

A worker's threads (`threads_per_worker` in handler/model-config.yaml, all the cores by default)
can work on one batch together (intra-op threads: PyTorch's, or one CTranslate2 replica's), or, in
CTranslate2, as replicas that translate pieces of the batch side by side (`inter_threads`; 0, the
default, means one replica per thread). Which wins depends on the machine: on a VM whose vCPUs are
hyperthreads, or share a busy host, threads that wait for each other inside every matrix product
can cost more than they give. This measures batched generation in-process (no server) at batch 1
and 32 for each layout, with the CPU actually kept busy (CPU seconds / wall seconds), so that the
choice is made on figures. Measure on the machine type that will serve.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from bench.precision import unpacked_backend
from bench.workload import bench_sentences, build_bench_model
from handler.backends import GenerationParams, load_backend

REPO_ROOT = Path(__file__).resolve().parent.parent
BATCHES = ((1, 12), (32, 64))  # (batch size, sentences)


def measure(backend, texts: list[str], max_new_tokens: int) -> dict[int, tuple[float, float]]:
    """{batch size: (sentences/s, cores busy)} for greedy decoding of `max_new_tokens` tokens."""
    params = GenerationParams(1, max_new_tokens, 1)
    backend.translate(texts[:2], params)  # warm-up
    rates = {}
    for batch_size, count in BATCHES:
        backend.translate(texts[:batch_size], params)  # oneDNN builds kernels per new shape
        wall, cpu = time.perf_counter(), time.process_time()
        for i in tqdm(range(0, count, batch_size), desc=f"batch {batch_size}", leave=False):
            backend.translate(texts[i : i + batch_size], params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rates[batch_size] = (count / wall, cpu / wall)
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.threads",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backends", default="transformers,ctranslate2", help="comma-separated")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--bench-model-dir", type=Path, default=REPO_ROOT / "artifacts" / "bench-model")
    args = parser.parse_args(argv)
    try:
        counts = [int(t) for t in args.threads.split(",") if t]
    except ValueError:
        parser.error("--threads takes whole numbers, e.g. 1,2")
    backends = [b for b in args.backends.split(",") if b]
    unknown = sorted(set(backends) - {"transformers", "ctranslate2"})
    if unknown or not counts or min(counts) < 1:
        parser.error(f"unknown backends {unknown}" if unknown else "--threads takes counts of at least 1")

    import torch

    model_dir = build_bench_model(args.bench_model_dir)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tr_en-threads-") as tmp:
        for name in backends:
            _, first = unpacked_backend(model_dir, name, Path(tmp))
            unpacked = Path(tmp) / f"unpacked-{name}-auto"  # where unpacked_backend put the archive's files
            texts = bench_sentences(first.count_tokens, max(count for _, count in BATCHES))
            del first
            for threads in counts:
                torch.set_num_threads(threads)
                # CTranslate2: the threads on one replica, then (with more than one) a replica each.
                layouts = (1, threads) if name == "ctranslate2" and threads > 1 else (1,)
                for replicas in layouts:
                    backend = load_backend(name, str(unpacked), "cpu", threads=threads, inter_threads=replicas)
                    rates = measure(backend, texts, args.max_new_tokens)
                    rows.append((name, threads, replicas, rates))
                    del backend
    header = "".join(f"{f'batch {b} sent/s':>18}{'cores busy':>12}" for b, _ in BATCHES)
    print(f"\n{'backend':<14}{'threads':>8}{'replicas':>9}{header}")
    for name, threads, replicas, rates in rows:
        cells = "".join(f"{rates[b][0]:18.2f}{rates[b][1]:12.2f}" for b, _ in BATCHES)
        print(f"{name:<14}{threads:>8}{replicas:>9}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
