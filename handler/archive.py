"""Pack a Marian model directory into model_store/tr_en.mar with torch-model-archiver.

    python -m handler.archive --model-dir artifacts/demo-model [--backend ctranslate2] [--dtype auto]

Only the files serving needs are packed (a fine-tuning output directory also holds
checkpoints and logs); the weights stay in safetensors.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from handler.backends.precision import AUTO, DTYPES
from handler.settings import BACKENDS, MODEL_CONFIG_PATH, read_model_config

HANDLER_PATH = Path(__file__).with_name("ts_handler.py")
MODEL_NAME = "tr_en"
REQUIRED_FILES = ("config.json", "tokenizer_config.json", "source.spm", "target.spm", "vocab.json")
OPTIONAL_FILES = (
    "generation_config.json",
    "special_tokens_map.json",
    "target_vocab.json",
    "model.safetensors.index.json",
)
SHARD_INDEX = "model.safetensors.index.json"
# TorchServe settings that differ by backend, over handler/model-config.yaml's. A CTranslate2 batch
# takes a fifth of a transformers one, so waiting 20 ms for more requests costs it more than it
# gains: measured with `make bench` (bench/README.md), 5 ms lowers its latency at concurrency 1 and
# raises its throughput at 8; at 32 runs vary either way.
BACKEND_OVERRIDES: dict[str, dict[str, Any]] = {"ctranslate2": {"maxBatchDelay": 5}}


class ArchiveError(Exception):
    pass


def model_files(model_dir: Path) -> list[Path]:
    """The files of `model_dir` that go into the archive; ArchiveError names what is missing."""
    if not model_dir.is_dir():
        raise ArchiveError(f"model directory {model_dir} does not exist")
    missing = [name for name in REQUIRED_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ArchiveError(
            f"{model_dir} is not a Marian model directory: missing {', '.join(missing)} "
            "(save it with model.save_pretrained() and tokenizer.save_pretrained())"
        )
    weights = sorted(model_dir.glob("*.safetensors"))
    if not weights:
        legacy = [p.name for p in model_dir.glob("*.bin")]
        hint = (
            f" (found {', '.join(legacy)}: re-save with save_pretrained(), which writes safetensors)" if legacy else ""
        )
        raise ArchiveError(f"{model_dir} has no .safetensors weights{hint if legacy else ''}")
    optional = [model_dir / name for name in OPTIONAL_FILES if (model_dir / name).is_file()]
    return [model_dir / name for name in REQUIRED_FILES] + optional + weights


def build_archive(
    model_dir: Path,
    export_path: Path,
    backend: str = "transformers",
    version: str = "1.0",
    model_config: dict[str, Any] | None = None,
    dtype: str = AUTO,
) -> Path:
    """Write `<export_path>/tr_en.mar` and return its path.

    `dtype` goes into the packed YAML's handler.dtype (handler/backends/precision.py); for
    CTranslate2 it also decides how the converted weights are stored.

    `model_config` replaces handler/model-config.yaml and its per-backend overrides (tests use it to
    pack other limits).
    """
    if backend not in BACKENDS:
        raise ArchiveError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if dtype not in DTYPES[backend]:
        raise ArchiveError(f"dtype {dtype!r} is not one of {backend}'s: {', '.join(DTYPES[backend])}")
    files = model_files(model_dir)
    export_path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tr_en-archive-") as tmp:
        staging = Path(tmp)
        if model_config:
            config = copy.deepcopy(model_config)
        else:
            config = read_model_config(MODEL_CONFIG_PATH) | BACKEND_OVERRIDES.get(backend, {})
        config["handler"]["backend"] = backend
        config["handler"]["dtype"] = dtype
        config_path = staging / "model-config.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        if backend == "ctranslate2":
            from handler.backends.ctranslate2_backend import convert_model
            from handler.backends.precision import ctranslate2_quantization

            # The converted model replaces the PyTorch weights; the tokenizer files stay.
            files = [f for f in files if not f.name.endswith(".safetensors") and f.name != SHARD_INDEX]
            quantization = ctranslate2_quantization(dtype)
            files.append(convert_model(model_dir, staging / "converted", quantization=quantization))
        command = [
            sys.executable, "-m", "model_archiver.model_packaging",
            "--model-name", MODEL_NAME,
            "--version", version,
            "--handler", str(HANDLER_PATH),
            "--extra-files", ",".join(str(f) for f in files),
            "--config-file", str(config_path),
            "--export-path", str(export_path),
            "--force",
        ]  # fmt: skip
        # torch-model-archiver stages files in $TMPDIR/<model name>: a private TMPDIR keeps two
        # archives built at once (tests, the benchmark) from packing each other's files.
        env = {**os.environ, "TMPDIR": str(staging)}
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise ArchiveError(f"torch-model-archiver failed: {result.stderr.strip() or result.stdout.strip()}")
    return export_path / f"{MODEL_NAME}.mar"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handler.archive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True, help="a save_pretrained Marian directory")
    parser.add_argument("--export-path", type=Path, default=Path("model_store"), help="where tr_en.mar goes")
    parser.add_argument("--backend", choices=BACKENDS, default="transformers", help="generation backend")
    parser.add_argument("--version", default="1.0", help="model version recorded in the archive")
    parser.add_argument(
        "--dtype",
        default=AUTO,
        help="the arithmetic (README 'Precision'): auto (default), float32, bfloat16, float16 for transformers; "
        "auto, int8, int8_float32, float32 (CPU) or int8_float16, int8_bfloat16, float16, bfloat16 (GPU) "
        "for ctranslate2",
    )
    args = parser.parse_args(argv)
    try:
        mar = build_archive(args.model_dir, args.export_path, args.backend, args.version, dtype=args.dtype)
    except ArchiveError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    size = mar.stat().st_size / 2**20
    print(f"wrote {mar} ({size:.1f} MiB, backend {args.backend}, dtype {args.dtype})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
