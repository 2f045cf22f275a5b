"""Pack a Marian model into model_store/tr_en.mar with torch-model-archiver.

    python -m handler.archive --model-dir artifacts/demo-model [--backend ctranslate2] [--dtype auto]
    python -m handler.archive --model-dir Helsinki-NLP/opus-mt-tr-en[@REVISION]
    python -m handler.archive --model-dir gs://BUCKET/runs/mine

--model-dir is a save_pretrained directory (safetensors or PyTorch .bin weights, one file or
sharded, with or without generation_config.json), a training.finetune output directory as it
is, a Hugging Face hub id or a gs:// folder (see handler/model_source.py). Only the files
serving needs are packed; the weights always go in as safetensors.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from handler.backends.precision import AUTO, DTYPES
from handler.model_source import SOURCE_FILE, ModelSourceError, describe, is_model_file, locate, prepare
from handler.settings import BACKENDS, MODEL_CONFIG_PATH, config_for_backend, read_model_config
from handler.torchserve import MODEL_NAME

HANDLER_PATH = Path(__file__).with_name("ts_handler.py")
# Every refusal of `make archive` is one sentence of this type, whichever step found it.
ArchiveError = ModelSourceError
# The converted CTranslate2 model replaces these in a ctranslate2 archive.
PYTORCH_WEIGHTS_SUFFIXES = (".safetensors", ".safetensors.index.json")


def model_files(model_dir: Path) -> list[Path]:
    """The files of a safetensors model directory (as `prepare` writes one) that an archive packs."""
    names = sorted(p.name for p in Path(model_dir).iterdir() if p.is_file())
    packed = [n for n in names if n == SOURCE_FILE or (is_model_file(n) and not n.startswith("pytorch_model"))]
    return [Path(model_dir) / n for n in packed]


def packed_model_config(backend: str, model_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model-config.yaml an archive for `backend` carries, checked as a worker will check it."""
    try:
        return config_for_backend(model_config or read_model_config(MODEL_CONFIG_PATH), backend)
    except ValueError as e:
        raise ArchiveError(str(e)) from None


def build_archive(
    model: str | Path,
    export_path: Path,
    backend: str = "transformers",
    version: str = "1.0",
    model_config: dict[str, Any] | None = None,
    dtype: str = AUTO,
) -> Path:
    """Write `<export_path>/tr_en.mar` from the model `model` names and return its path.

    `model_config` replaces handler/model-config.yaml (tests use it to pack other limits).
    `dtype` goes into the packed YAML's handler.dtype (handler/backends/precision.py); for
    CTranslate2 it also decides how the converted weights are stored.
    """
    if backend not in BACKENDS:
        raise ArchiveError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if dtype not in DTYPES[backend]:
        raise ArchiveError(f"dtype {dtype!r} is not one of {backend}'s: {', '.join(DTYPES[backend])}")
    config = packed_model_config(backend, model_config)
    config["handler"]["dtype"] = dtype
    export_path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tr_en-archive-") as tmp:
        staging = Path(tmp)
        located = locate(str(model), staging / "download")
        model_dir = prepare(located.directory, staging / "model", located.source)
        print(f"model source: {describe(located.source)}", flush=True)
        config_path = staging / "model-config.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        files = model_files(model_dir)
        if backend == "ctranslate2":
            from handler.backends.ctranslate2_backend import convert_model
            from handler.backends.precision import ctranslate2_quantization

            files = [f for f in files if not f.name.endswith(PYTORCH_WEIGHTS_SUFFIXES)]
            quantization = ctranslate2_quantization(dtype)
            files.append(convert_model(model_dir, staging / "converted", quantization=quantization))
        run_archiver(files, config_path, export_path, version)
    return export_path / f"{MODEL_NAME}.mar"


def run_archiver(files: list[Path], config_path: Path, export_path: Path, version: str) -> None:
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
    env = {**os.environ, "TMPDIR": str(config_path.parent)}
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise ArchiveError(f"torch-model-archiver failed: {result.stderr.strip() or result.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m handler.archive",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-dir", required=True, metavar="DIR|HUB_ID[@REV]|gs://...",
                        help="the model: a local directory, a Hugging Face hub id or a gs:// folder")  # fmt: skip
    parser.add_argument("--export-path", type=Path, default=Path("model_store"), help="where tr_en.mar goes")
    parser.add_argument("--backend", choices=BACKENDS, default="transformers", help="generation backend")
    parser.add_argument("--version", default="1.0", help="model version recorded in the archive")
    parser.add_argument(
        "--dtype",
        default=AUTO,
        help="the arithmetic (README 'Backends and precision'): auto (default), float32, bfloat16, float16 "
        "for transformers; "
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
    print(
        f"wrote {mar} ({size:.1f} MiB, backend {args.backend}, dtype {args.dtype}; "
        f"source recorded in its {SOURCE_FILE})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
