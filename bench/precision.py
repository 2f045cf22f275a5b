"""Translation quality of each precision: BLEU and chrF on the demo test split, and agreement with float32.

    python -m bench.precision --model-dir artifacts/demo-model
    python -m bench.precision --model-dir artifacts/demo-model --variants transformers:float32,transformers:bfloat16

Each variant is `backend:dtype` (handler/backends/precision.py). The model is archived for it and
loaded from the unpacked archive, as a worker does, then translates the whole test split through
TranslationService at the model's served defaults (beam 4 for the demo model) and greedily.
`make bench` runs the same comparison (bench/run.py); bench/gpu_check.py does it on a GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.workload import DATA_DIR
from handler.archive import build_archive
from handler.backends import GenerationParams, TranslationBackend, load_backend
from handler.backends.precision import DTYPES


@dataclass(frozen=True)
class Variant:
    backend: str
    dtype: str

    @property
    def name(self) -> str:
        return f"{self.backend}:{self.dtype}"


def parse_variants(text: str) -> list[Variant]:
    """`backend:dtype,...`; ValueError names the first one that is not a known pair."""
    variants = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        backend, _, dtype = item.partition(":")
        if backend not in DTYPES or (dtype or "auto") not in DTYPES[backend]:
            known = "; ".join(f"{b}: {', '.join(d)}" for b, d in DTYPES.items())
            raise ValueError(f"unknown variant {item!r}; use backend:dtype with {known}")
        variants.append(Variant(backend, dtype or "auto"))
    return variants


def read_split(split: str = "test") -> tuple[list[str], list[str]]:
    pairs = [json.loads(line)["translation"] for line in (DATA_DIR / f"{split}.jsonl").open(encoding="utf-8")]
    return [p["tr"] for p in pairs], [p["en"] for p in pairs]


def unpacked_backend(
    model_dir: Path,
    backend: str,
    workdir: Path,
    dtype: str = "auto",
    device: str = "cpu",
    model_config: dict | None = None,
) -> tuple[Path, TranslationBackend]:
    """Archive the model for `backend` and `dtype` and load it from the unpacked archive, as a worker does.

    `model_config` replaces handler/model-config.yaml in the archive (bench/run.py turns the cache and cap off).
    """
    mar = build_archive(
        model_dir, workdir / f"store-{backend}-{dtype}", backend=backend, dtype=dtype, model_config=model_config
    )
    unpacked = workdir / f"unpacked-{backend}-{dtype}"
    zipfile.ZipFile(mar).extractall(unpacked)
    return mar, load_backend(backend, str(unpacked), device, dtype=dtype)


def agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of positions where two lists of translations are identical."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else 1.0


def translate_split(backend: TranslationBackend, sources: list[str], params: GenerationParams) -> list[str]:
    from handler.service import TranslationService
    from handler.settings import load_settings

    service = TranslationService(backend, load_settings())
    return [h[0] for h in service.translate(sources, params)]


def score_variants(model_dir: Path, variants: Sequence[Variant], workdir: Path) -> dict[str, dict[str, float]]:
    """{variant name: bleu, chrf (served defaults), greedy_bleu, greedy_agreement (with the first variant)}."""
    from handler.parameters import default_params
    from handler.settings import load_settings
    from training.metrics import corpus_scores

    sources, references = read_split()
    scores: dict[str, dict[str, float]] = {}
    reference_greedy: list[str] | None = None
    for variant in variants:
        folder = workdir / variant.name.replace(":", "-")
        _, backend = unpacked_backend(model_dir, variant.backend, folder, variant.dtype)
        served = translate_split(backend, sources, default_params(backend, load_settings()))
        greedy = translate_split(backend, sources, GenerationParams(1, 64, 1))
        reference_greedy = reference_greedy or greedy
        row = corpus_scores(served, references)
        row["greedy_bleu"] = corpus_scores(greedy, references)["bleu"]
        row["greedy_agreement"] = round(agreement(greedy, reference_greedy), 3)
        scores[variant.name] = row
        del backend
    return scores


def scores_table(scores: dict[str, dict[str, float]]) -> str:
    first = next(iter(scores), "")
    lines = [f"{'variant':<30} {'BLEU':>6} {'chrF':>6} {'greedy BLEU':>11} {'greedy = ' + first:>30}"]
    for name, row in scores.items():
        lines.append(
            f"{name:<30} {row['bleu']:6.2f} {row['chrf']:6.2f} {row['greedy_bleu']:11.2f} "
            f"{row['greedy_agreement']:30.3f}"
        )
    return "\n".join(lines)


DEFAULT_VARIANTS = "transformers:float32,transformers:bfloat16,transformers:auto,ctranslate2:float32,ctranslate2:int8"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.precision",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-dir", type=Path, required=True, help="a trained Marian directory (the demo model)")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"backend:dtype,... (default {DEFAULT_VARIANTS})")
    args = parser.parse_args(argv)
    try:
        variants = parse_variants(args.variants)
    except ValueError as e:
        parser.error(str(e))
    if not (args.model_dir / "config.json").is_file():
        parser.error(f"{args.model_dir} is not a model directory (no config.json)")
    with tempfile.TemporaryDirectory(prefix="tr_en-precision-") as tmp:
        print(scores_table(score_variants(args.model_dir, variants, Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
