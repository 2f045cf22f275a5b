"""Helpers for the training tests: small JSON lines corpora and fine-tuning command lines."""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "training" / "data"


def write_jsonl(path: Path, pairs: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for tr, en in pairs:
            f.write(json.dumps({"translation": {"tr": tr, "en": en}}, ensure_ascii=False) + "\n")
    return path


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(row["translation"]["tr"], row["translation"]["en"]) for row in map(json.loads, f)]


def data_args(train: Path, validation: Path, test: Path | None = None) -> list[str]:
    argv = ["--train_file", str(train), "--validation_file", str(validation)]
    return argv + (["--test_file", str(test)] if test else [])
