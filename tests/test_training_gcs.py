"""training.gcs against a real Cloud Storage emulator (the gcs_bucket fixture): staging, restore, upload, gs:// data.

The end-to-end run to a gs:// output is in test_training_finetune.py.
"""

from __future__ import annotations

import json

import pytest
from google.cloud import storage

from tests.training_fixtures import data_args
from training.args import parse_args
from training.errors import TrainingSetupError
from training.gcs import GcsMirror
from training.splits import load_splits


def put(bucket: str, name: str, data: str | bytes = "x") -> None:
    storage.Client().bucket(bucket).blob(name).upload_from_string(data)


def names(bucket: str, prefix: str) -> set[str]:
    return {b.name.removeprefix(prefix) for b in storage.Client().list_blobs(bucket, prefix=prefix)}


def test_runs_to_the_same_uri_stage_apart(gcs_bucket):
    first, second = GcsMirror(f"gs://{gcs_bucket}/run"), GcsMirror(f"gs://{gcs_bucket}/run")
    try:
        assert first.local_dir != second.local_dir
        assert first.local_dir.is_dir() and not any(first.local_dir.iterdir())
    finally:
        first.remove_local()
        second.remove_local()
    assert not first.local_dir.exists()


def test_restore_takes_complete_checkpoints_and_points_the_best_one_here(gcs_bucket):
    state = {"best_model_checkpoint": "/tmp/gcs-staging-old/checkpoint-20", "global_step": 40}
    for step in (20, 40):
        put(gcs_bucket, f"run/checkpoint-{step}/model.safetensors")
        put(gcs_bucket, f"run/checkpoint-{step}/trainer_state.json", json.dumps(state))
    # Cut off mid-upload: trainer_state.json, which goes up last, never arrived.
    put(gcs_bucket, "run/checkpoint-60/model.safetensors")
    put(gcs_bucket, "run/eval_results.json", "{}")
    mirror = GcsMirror(f"gs://{gcs_bucket}/run")
    try:
        mirror.restore_checkpoints()
        local = {p.relative_to(mirror.local_dir).as_posix() for p in mirror.local_dir.rglob("*") if p.is_file()}
        assert local == {f"checkpoint-{s}/{f}" for s in (20, 40) for f in ("model.safetensors", "trainer_state.json")}
        restored = json.loads((mirror.local_dir / "checkpoint-40" / "trainer_state.json").read_text())
        assert restored == {**state, "best_model_checkpoint": str(mirror.local_dir / "checkpoint-20")}
    finally:
        mirror.remove_local()


def test_upload_puts_new_files_and_drops_rotated_checkpoints(gcs_bucket, tmp_path):
    put(gcs_bucket, "run/checkpoint-20/model.safetensors")
    put(gcs_bucket, "run/checkpoint-20/trainer_state.json", "{}")
    put(gcs_bucket, "run/notes.txt")
    for name in ("checkpoint-40/model.safetensors", "checkpoint-40/trainer_state.json", "model.safetensors"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("weights")
    GcsMirror(f"gs://{gcs_bucket}/run", local_dir=tmp_path).upload()
    # Files outside checkpoints are the user's to keep; rotated checkpoints go.
    assert names(gcs_bucket, "run/") == {
        "checkpoint-40/model.safetensors", "checkpoint-40/trainer_state.json", "model.safetensors", "notes.txt",
    }  # fmt: skip


def test_data_files_on_gcs(gcs_bucket):
    row = json.dumps({"translation": {"tr": "Bu odun yanmaz.", "en": "This wood won't burn."}})
    for split in ("train", "validation"):
        put(gcs_bucket, f"data/{split}.jsonl", row + "\n" + row + "\n")
    train, validation = f"gs://{gcs_bucket}/data/train.jsonl", f"gs://{gcs_bucket}/data/validation.jsonl"
    _, data, _ = parse_args(data_args(train, validation) + ["--output_dir", "unused"])
    splits = load_splits(data)
    assert {split: len(rows) for split, rows in splits.items()} == {"train": 2, "validation": 2, "test": 2}
    assert splits["train"][0]["translation"] == {"tr": "Bu odun yanmaz.", "en": "This wood won't burn."}


def test_missing_data_file_on_gcs(gcs_bucket):
    put(gcs_bucket, "data/validation.jsonl", "")
    missing = f"gs://{gcs_bucket}/data/train.jsonl"
    _, data, _ = parse_args(data_args(missing, f"gs://{gcs_bucket}/data/validation.jsonl") + ["--output_dir", "o"])
    with pytest.raises(TrainingSetupError, match=f"^train file {missing} does not exist$"):
        load_splits(data)
