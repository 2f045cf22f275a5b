"""Where a worker's memory goes: the translation service (transformers backend) in this process, no
TorchServe, batch after batch.

    python -m bench.memory                                  # demo model, 3,000 corpus sentences, 1,200 batches
    python -m bench.memory --pool 0                         # the soak's 16 fixed sentences: few input shapes
    python -m bench.memory --pad-to-multiple-of 1           # rows padded to the longest only: more shapes
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 python -m bench.memory   # another allocator

Feeds TranslationService.handle_batch what TorchServe would: 1 to 12 requests per batch, each of 1
to 4 random sentences of the pool (the soak's traffic), and samples the process's resident memory
(RSS) beside the Python heap as tracemalloc sees it. An RSS that climbs while the Python heap stays
flat is native memory (torch, oneDNN, the allocator), not objects the handler keeps; a bounded
number of input shapes (a small pool) shows whether it levels off. Writes memory.json and
memory.png (RSS and Python heap against batches).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from tqdm import tqdm

from bench.cli import add_out_flag
from bench.soak import PARAMETERS, sentence_pool
from handler.backends import load_backend
from handler.service import TranslationService
from handler.settings import ServingSettings, read_model_config


@dataclass
class MemoryTrace:
    model_dir: str
    pool: int
    batches: int
    cache_mib: int
    dtype: str
    pad_to_multiple_of: int
    seconds: float = 0.0
    samples: list[tuple[int, float, float]] = field(default_factory=list)  # (batch, RSS MiB, Python heap MiB)


def trace(service: TranslationService, pool: list[str], batches: int, seed: int, every: int) -> list:
    rng = random.Random(seed)
    process = psutil.Process()
    samples = []
    tracemalloc.start()
    for batch in tqdm(range(batches + 1), desc="batches", unit="batch"):
        if batch % every == 0:
            heap, _ = tracemalloc.get_traced_memory()
            samples.append((batch, process.memory_info().rss / 2**20, heap / 2**20))
        bodies = [
            json.dumps({"instances": rng.sample(pool, rng.randint(1, 4)), "parameters": PARAMETERS}).encode()
            for _ in range(rng.randint(1, 12))
        ]
        service.handle_batch(bodies)
    tracemalloc.stop()
    return samples


def plot(result: MemoryTrace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    x = [b for b, _, _ in result.samples]
    ax.plot(x, [r for _, r, _ in result.samples], label="resident memory (RSS)")
    ax.plot(x, [h for _, _, h in result.samples], label="Python heap (tracemalloc)")
    ax.set_xlabel("batches handled")
    ax.set_ylabel("MiB")
    ax.set_title(
        f"{Path(result.model_dir).name}: {result.pool} distinct sentences, cache {result.cache_mib} MiB, "
        f"padded to x{result.pad_to_multiple_of}"
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-dir", type=Path, default=Path("artifacts/demo-model"), help="Marian model to load")
    parser.add_argument("--dtype", default="auto", help="the handler's dtype (default auto)")
    parser.add_argument("--pool", type=int, default=3000, help="distinct sentences (0: the soak's 16 fixed ones)")
    parser.add_argument("--batches", type=int, default=1200, help="batches to handle (default 1200)")
    parser.add_argument("--cache-mib", type=int, default=1, help="translation cache size (default 1; 0 turns it off)")
    parser.add_argument(
        "--pad-to-multiple-of",
        type=int,
        help="pad source rows to a multiple of this many tokens (default: model-config.yaml's; 1: the longest row)",
    )
    parser.add_argument("--every", type=int, default=50, help="sample memory every N batches")
    parser.add_argument("--seed", type=int, default=0)
    add_out_flag(parser, Path("bench/results"), "memory.json and memory.png")
    args = parser.parse_args(argv)
    if not (args.model_dir / "config.json").is_file():
        print(f"error: {args.model_dir} is not a model directory (run make demo-model first)", file=sys.stderr)
        return 2
    try:
        pool = sentence_pool(args.pool)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    config = read_model_config()
    config["handler"]["cache_mib"] = args.cache_mib
    if args.pad_to_multiple_of is not None:
        config["handler"]["pad_to_multiple_of"] = args.pad_to_multiple_of
    try:
        settings = ServingSettings.from_model_config(config)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    backend = load_backend(
        "transformers", str(args.model_dir), "cpu", dtype=args.dtype, pad_to_multiple_of=settings.pad_to_multiple_of
    )
    service = TranslationService(backend, settings)
    result = MemoryTrace(
        str(args.model_dir), len(pool), args.batches, args.cache_mib, args.dtype, settings.pad_to_multiple_of
    )
    started = time.perf_counter()
    result.samples = trace(service, pool, args.batches, args.seed, max(1, args.every))
    result.seconds = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    plot(result, args.out / "memory.png")
    first, last = result.samples[0], result.samples[-1]
    quarter = result.samples[3 * len(result.samples) // 4]
    print(
        f"{args.batches} batches (padded to x{settings.pad_to_multiple_of}) in {result.seconds:.0f} s; "
        f"RSS {first[1]:.0f} -> {quarter[1]:.0f} (at batch "
        f"{quarter[0]}) -> {last[1]:.0f} MiB; Python heap {first[2]:.1f} -> {last[2]:.1f} MiB "
        f"(results in {args.out}/memory.json, plot in {args.out}/memory.png)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
