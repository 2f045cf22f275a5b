"""`training.finetune --dataset_name wmt16 --dataset_config_name tr-en` with the hub offline.

The wmt16 repository on the hub is parquet files under one folder per configuration
(`tr-en/train-00000-of-00001.parquet`, ...) and a README whose YAML names each configuration's
files and its `translation` feature. `load_dataset("wmt16", "tr-en")` turns those into Arrow
files in the datasets cache (`$HF_HOME/datasets/wmt16/tr-en/0.0.0/<hash>/`), and with
HF_HUB_OFFLINE=1 datasets 5.x reads only that cache: its `dataset_module_factory` refuses the hub
before any download and falls back to `CachedDatasetModuleFactory`, which globs
`wmt16/*/*/*`. This test lays out a small dataset exactly so (the same repository layout, loaded
once by the same library into a private HF_HOME) and fine-tunes from it in a fresh process with
the hub offline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training_fixtures import DATA_DIR, read_pairs
from training.marian_scratch import build_model_dir

pytestmark = pytest.mark.slow

SPLIT_SIZES = {"train": 400, "validation": 24, "test": 24}
# The wmt16 dataset card's YAML for this configuration (features and data files), as on the hub.
README = """---
dataset_info:
- config_name: tr-en
  features:
  - name: translation
    dtype:
      translation:
        languages:
        - tr
        - en
configs:
- config_name: tr-en
  data_files:
  - split: train
    path: tr-en/train-*
  - split: validation
    path: tr-en/validation-*
  - split: test
    path: tr-en/test-*
---
# wmt16 (a small stand-in in the hub's layout)
"""


def write_wmt16_repository(repo: Path) -> dict[str, list[tuple[str, str]]]:
    """The hub repository's files: tr-en/<split>-00000-of-00001.parquet and README.md."""
    import datasets

    features = datasets.Features({"translation": datasets.Translation(languages=["tr", "en"])})
    shipped = {"train": "train.jsonl", "validation": "validation.jsonl", "test": "test.jsonl"}
    splits = {split: read_pairs(DATA_DIR / shipped[split])[:size] for split, size in SPLIT_SIZES.items()}
    (repo / "tr-en").mkdir(parents=True)
    for split, pairs in splits.items():
        rows = [{"translation": {"tr": tr, "en": en}} for tr, en in pairs]
        datasets.Dataset.from_list(rows, features=features).to_parquet(
            str(repo / "tr-en" / f"{split}-00000-of-00001.parquet")
        )
    (repo / "README.md").write_text(README, encoding="utf-8")
    return splits


@pytest.fixture(scope="module")
def hub_cache(tmp_path_factory) -> Path:
    """An HF_HOME whose datasets cache holds wmt16 tr-en as `load_dataset` leaves it after a download."""
    root = tmp_path_factory.mktemp("wmt16")
    hf_home = root / "hf"
    # The folder's name becomes the cached dataset's name, as the hub id does for a download.
    repo = root / "hub" / "wmt16"
    write_wmt16_repository(repo)
    script = (
        "import sys, datasets; "
        "d = datasets.load_dataset(sys.argv[1], 'tr-en'); "
        "print({name: len(split) for name, split in d.items()})"
    )
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    subprocess.run([sys.executable, "-c", script, str(repo)], check=True, env=env, cwd=root, timeout=300)
    cached = sorted(p.relative_to(hf_home / "datasets") for p in (hf_home / "datasets").glob("wmt16/*/*/*/*.arrow"))
    assert [(p.parts[1], p.name) for p in cached] == [
        ("tr-en", "wmt16-test.arrow"),
        ("tr-en", "wmt16-train.arrow"),
        ("tr-en", "wmt16-validation.arrow"),
    ]
    return hf_home


@pytest.fixture(scope="module")
def base_model(tmp_path_factory) -> Path:
    pairs = read_pairs(DATA_DIR / "train.jsonl")[: SPLIT_SIZES["train"]]
    out = tmp_path_factory.mktemp("base-model")
    return build_model_dir([tr for tr, _ in pairs], [en for _, en in pairs], out, "tiny", vocab_size=600)


def test_finetune_reads_wmt16_tr_en_from_the_hub_cache_offline(hub_cache, base_model, tmp_path):
    output_dir = tmp_path / "out"
    argv = [
        sys.executable, "-m", "training.finetune",
        "--model_name_or_path", str(base_model),
        "--dataset_name", "wmt16", "--dataset_config_name", "tr-en",
        "--source_lang", "tr", "--target_lang", "en",
        "--output_dir", str(output_dir),
        "--max_steps", "8", "--eval_steps", "4", "--logging_steps", "4",
        "--per_device_train_batch_size", "32", "--per_device_eval_batch_size", "32",
        "--learning_rate", "5e-3", "--max_target_length", "48", "--generation_num_beams", "1",
        "--seed", "7",
    ]  # fmt: skip
    # No network: the hub and datasets both offline, the cache in a private HF_HOME; run from a
    # folder holding no `wmt16` directory, so that the name can only resolve to the cache.
    env = {
        **os.environ,
        "HF_HOME": str(hub_cache),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("HF_DATASETS_CACHE", None)
    env.pop("HF_HUB_CACHE", None)
    result = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((output_dir / "eval_results.json").read_text())
    assert results["test_split"] == "wmt16 tr-en test"
    assert results["finetuned"]["samples"] == SPLIT_SIZES["test"]
    # The test split's sentences, in order: the cached wmt16 test split and nothing else.
    test_pairs = read_pairs(DATA_DIR / "test.jsonl")[: SPLIT_SIZES["test"]]
    assert [e["source"] for e in results["examples"]] == [tr for tr, _ in test_pairs][: len(results["examples"])]
    # Trained on it: eight steps taken, and the output is a model.
    state = json.loads((output_dir / "trainer_state.json").read_text())
    assert state["global_step"] == 8
    assert (output_dir / "model.safetensors").is_file()


def test_an_uncached_configuration_is_refused_in_one_sentence_offline(hub_cache, base_model, tmp_path):
    argv = [
        sys.executable, "-m", "training.finetune",
        "--model_name_or_path", str(base_model),
        "--dataset_name", "wmt16", "--dataset_config_name", "de-en",
        "--output_dir", str(tmp_path / "out"),
    ]  # fmt: skip
    env = {**os.environ, "HF_HOME": str(hub_cache), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    result = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "de-en" in result.stderr and "tr-en" in result.stderr
    assert "Traceback" not in result.stderr
