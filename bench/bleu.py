"""BLEU and chrF of each backend and precision the benchmark measures (bench/precision.py scores them)."""

from __future__ import annotations

from pathlib import Path

from bench.plan import BACKENDS
from bench.precision import Variant, score_variants


def bleu_of_backends(model_dir: Path, workdir: Path, variants: list[Variant]) -> dict[str, dict[str, float]]:
    """BLEU and chrF on the demo test split of each backend at `auto` and of `variants`, at the model's
    default parameters (bench/precision.py). Keyed "transformers", "ctranslate2", "transformers float32", ..."""
    everything = [Variant(b, "auto") for b in BACKENDS] + variants
    scores = score_variants(model_dir, everything, workdir / "bleu")
    return {(v.backend if v.dtype == "auto" else f"{v.backend} {v.dtype}"): scores[v.name] for v in everything}

