"""What the benchmark measures and how much of it: the Plan of a full and a quick run, and the
model configuration its archives are built with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handler.settings import MODEL_CONFIG_PATH, read_model_config

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("transformers", "ctranslate2")

@dataclass(frozen=True)
class Plan:
    """How much of each measurement to run: (batch size, sentences) and (concurrency, instances, requests)."""

    architecture: str
    max_new_tokens: int
    in_process: tuple[tuple[int, int], ...]
    server: tuple[tuple[int, int, int], ...]
    naive: tuple[int, int, int]
    # Other precisions than `auto`: (backend, dtype, in-process runs, server runs).
    variants: tuple[tuple[str, str, tuple[tuple[int, int], ...], tuple[tuple[int, int, int], ...]], ...] = ()
    # Rounds of each backend's in-process and server runs, alternated with both loaded; the counts
    # above are per round. A ratio is the median of its rounds' ratios, so that one stall of a shared
    # machine moves one round, not the verdict.
    rounds: int = 1
    # The container path (bench/edge.py): (concurrency, requests, max_new_tokens) through the edge and
    # direct, per round.
    edge: tuple[tuple[int, int, int], ...] = ()
    # A new replica's first requests (bench/edge.py, issue 25): (first, next, concurrency) requests of
    # one sentence through the edge from the moment the entrypoint is ready, before anything else.
    first_requests: tuple[int, int, int] = ()


# Both sides of every ratio translate the same texts (the first N of one fixed list): in-process
# batch 1, the server at concurrency 1 and the naive server; batch 8 and concurrency 8; batch 32,
# concurrency 32 and the naive server's own ratio. A batch size and a concurrency with the same count
# are measured in pairs, batch by batch (paired_runs); the rest one run after the other.
# Each server run is several TorchServe batches long (c=32: five pairs of a batch of 32, c=8 x16: two
# batches of eight requests), so that one batch that happens to form badly moves its rate little: with
# two batches per round, a first batch that filled only partly cost a whole extra batch (CTranslate2's
# c=32 rounds measured 0.71, 1.01 and 0.78 of in-process at 64 requests).
FULL = Plan(
    architecture="opus-mt",
    max_new_tokens=32,
    in_process=((1, 24), (8, 32), (32, 160), (64, 256)),
    server=((1, 1, 24), (8, 1, 32), (32, 1, 160), (8, 16, 16)),
    naive=(32, 1, 128),
    variants=(
        ("transformers", "float32", ((1, 8), (32, 64)), ((32, 1, 160),)),
        ("ctranslate2", "int8_float32", ((1, 8), (32, 64)), ()),
        ("ctranslate2", "float32", ((1, 8), (32, 64)), ()),
    ),
    rounds=5,
    edge=((32, 320, 32), (1, 96, 4)),
    first_requests=(100, 1000, 8),
)
QUICK = Plan(
    architecture="tiny",
    max_new_tokens=8,
    in_process=((1, 4), (8, 16)),
    server=((1, 1, 4), (8, 1, 16), (8, 16, 4)),
    naive=(8, 1, 8),
    variants=(
        ("transformers", "float32", ((8, 16),), ((8, 1, 16),)),
        ("ctranslate2", "float32", ((8, 16),), ()),
    ),
    rounds=1,
    edge=((32, 64, 8), (1, 8, 4)),
    first_requests=(8, 24, 8),
)


def ctranslate2_cpu_types() -> set[str]:
    import ctranslate2

    return set(ctranslate2.get_supported_compute_types("cpu"))


# The comparisons with in-process generate need the server to do the same work: no cache (the runs
# reuse texts on purpose), no decoding cap, each text one segment (request parameter split_sentences
# false, see drive). bench/request_path.py measures those three with the shipped settings.
LIKE_FOR_LIKE = {"cache_mib": 0, "decode_length_factor": 0}


def bench_model_config() -> dict:
    """The shipped model-config.yaml with LIKE_FOR_LIKE in its handler section (build_archive applies
    the backend's own section)."""
    config = read_model_config(MODEL_CONFIG_PATH)
    return {**config, "handler": {**config["handler"], **LIKE_FOR_LIKE}}

