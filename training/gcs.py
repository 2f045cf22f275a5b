"""gs:// output directories: train into a local staging directory and mirror it to Cloud Storage.

The Trainer writes only to local paths, so a `gs://bucket/run` output is staged on local disk,
uploaded after every checkpoint (a preempted Vertex job loses at most the work since the last
one) and once more at the end. Checkpoints the Trainer rotates away are deleted remotely too.
Each run stages into a fresh directory and resumes from the bucket's checkpoints only, so two
runs to the same URI on one machine never share files. google-cloud-storage honours
STORAGE_EMULATOR_HOST, which the tests use.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from training.errors import TrainingSetupError, first_line

# Checkpoint files are written once; files outside them (model, results) change between uploads.
CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)/")
CHECKPOINT_NAME = re.compile(r"^checkpoint-\d+$")
CHECKPOINT_STATE = re.compile(r"^checkpoint-\d+/trainer_state\.json$")


def is_gcs_uri(path: str | None) -> bool:
    return bool(path) and str(path).startswith("gs://")


def split_uri(uri: str) -> tuple[str, str]:
    """("bucket", "prefix/") of gs://bucket/prefix; the prefix is empty or ends with a slash."""
    bucket, _, prefix = uri.removeprefix("gs://").partition("/")
    if not bucket:
        raise TrainingSetupError(f"{uri} names no bucket; use gs://<bucket>/<path>")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def new_staging_dir() -> Path:
    """A fresh local directory for this run, the same one for all the processes torchrun starts.

    Rank 0 creates it and broadcasts its path; the other ranks need it too because each of them
    writes its own RNG state into every checkpoint.
    """
    import torch.distributed as dist

    shared = dist.is_available() and dist.is_initialized()
    path = [tempfile.mkdtemp(prefix="gcs-staging-") if not shared or dist.get_rank() == 0 else ""]
    if shared:
        dist.broadcast_object_list(path, src=0)
    Path(path[0]).mkdir(parents=True, exist_ok=True)  # the other machines of a multi-node job
    return Path(path[0])


def read_gcs_bytes(uri: str) -> bytes | None:
    """The content of the object `uri`, or None if there is no such object."""
    from google.api_core.exceptions import NotFound
    from google.cloud import storage

    bucket, name = split_uri(uri)
    try:
        return storage.Client().bucket(bucket).blob(name.rstrip("/")).download_as_bytes()
    except NotFound:
        return None
    except Exception as e:  # no credentials, no access: one sentence
        raise TrainingSetupError(f"cannot read {uri}: {first_line(e)}") from e


class GcsMirror:
    """A gs:// directory and its local staging copy."""

    def __init__(self, uri: str, local_dir: Path | None = None, client: Any = None) -> None:
        from google.cloud import storage

        self.uri = uri.rstrip("/")
        self.local_dir = local_dir or new_staging_dir()
        bucket_name, self.prefix = split_uri(uri)
        try:
            self.bucket = (client or storage.Client()).bucket(bucket_name)
        except Exception as e:  # no credentials, no project: one sentence
            raise TrainingSetupError(f"cannot use {uri}: {first_line(e)}") from e

    def remote_files(self) -> dict[str, int]:
        """Relative path -> size of every object under the prefix."""
        try:
            blobs = list(self.bucket.list_blobs(prefix=self.prefix))
        except Exception as e:
            raise TrainingSetupError(f"cannot list {self.uri}: {first_line(e)}") from e
        return {b.name[len(self.prefix) :]: b.size for b in blobs if not b.name.endswith("/")}

    def restore_checkpoints(self) -> None:
        """Download the bucket's complete checkpoints, the ones a restarted job resumes from.

        The Trainer records the best checkpoint by its absolute path, which was in the staging
        directory of the run that wrote it; it is pointed at this run's copy so that the best
        model is still kept from rotation and loaded at the end.
        """
        remote = self.remote_files()
        # A checkpoint's trainer_state.json is uploaded last: one without it was cut off mid-upload.
        complete = {name.split("/")[0] for name in remote if CHECKPOINT_STATE.match(name)}
        self.download([name for name in remote if name.split("/")[0] in complete])
        for state_file in self.local_dir.glob("checkpoint-*/trainer_state.json"):
            state = json.loads(state_file.read_text(encoding="utf-8"))
            best = state.get("best_model_checkpoint")
            if best and CHECKPOINT_NAME.match(Path(best).name):
                state["best_model_checkpoint"] = str(self.local_dir / Path(best).name)
                state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def download(self, names: Iterable[str] | None = None) -> Path:
        """Copy the remote files `names` (relative paths; default: all) into the local mirror."""
        for name in self.remote_files() if names is None else names:
            target = self.local_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            self.bucket.blob(self.prefix + name).download_to_filename(str(target))
        return self.local_dir

    def upload(self) -> None:
        """Upload what is new or changed; delete remote checkpoints the Trainer has rotated away locally."""
        remote = self.remote_files()
        local = {
            path.relative_to(self.local_dir).as_posix(): path for path in self.local_dir.rglob("*") if path.is_file()
        }
        # A checkpoint's trainer_state.json goes up after its other files and is deleted before them.
        for name, path in sorted(local.items(), key=lambda item: bool(CHECKPOINT_STATE.match(item[0]))):
            unchanged = CHECKPOINT_DIR.match(name) and remote.get(name) == path.stat().st_size
            if not unchanged:
                self.bucket.blob(self.prefix + name).upload_from_filename(str(path))
        for name in sorted(remote.keys() - local.keys(), key=lambda name: not CHECKPOINT_STATE.match(name)):
            if CHECKPOINT_DIR.match(name):
                self.bucket.blob(self.prefix + name).delete()

    def remove_local(self) -> None:
        """Delete the staging directory: the bucket holds the run."""
        shutil.rmtree(self.local_dir, ignore_errors=True)


class UploadOnSave(TrainerCallback):
    """Mirror the output directory to Cloud Storage after each checkpoint, from the main process only."""

    def __init__(self, mirror: GcsMirror) -> None:
        self.mirror = mirror

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.mirror.upload()
