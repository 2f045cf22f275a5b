"""gs:// output directories: train into a local staging directory and mirror it to Cloud Storage.

The Trainer writes only to local paths, so a `gs://bucket/run` output is staged on local disk,
uploaded after every checkpoint (a preempted Vertex job loses at most the work since the last
one) and once more at the end. Checkpoints the Trainer rotates away are deleted remotely too.
google-cloud-storage honours STORAGE_EMULATOR_HOST, which the tests use.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from training.errors import TrainingSetupError, first_line

# Checkpoint files are written once; files outside them (model, results) change between uploads.
CHECKPOINT_DIR = re.compile(r"^checkpoint-(\d+)/")


def is_gcs_uri(path: str | None) -> bool:
    return bool(path) and str(path).startswith("gs://")


def split_uri(uri: str) -> tuple[str, str]:
    """("bucket", "prefix/") of gs://bucket/prefix; the prefix is empty or ends with a slash."""
    bucket, _, prefix = uri.removeprefix("gs://").partition("/")
    if not bucket:
        raise TrainingSetupError(f"{uri} names no bucket; use gs://<bucket>/<path>")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def staging_dir(uri: str) -> Path:
    """The local mirror of `uri`: the same path for every process on the machine and after a restart,
    so that the paths the Trainer records in its checkpoints stay valid."""
    return Path(tempfile.gettempdir()) / "gcs-staging" / hashlib.sha1(uri.encode()).hexdigest()[:16]


class GcsMirror:
    """A gs:// directory and its local staging copy."""

    def __init__(self, uri: str, local_dir: Path | None = None, client: Any = None) -> None:
        from google.cloud import storage

        self.uri = uri.rstrip("/")
        self.local_dir = local_dir or staging_dir(uri)
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

    def checkpoints(self) -> list[str]:
        """checkpoint-N folder names stored remotely, oldest first."""
        steps = {int(m.group(1)) for name in self.remote_files() if (m := CHECKPOINT_DIR.match(name))}
        return [f"checkpoint-{step}" for step in sorted(steps)]

    def restore_checkpoints(self) -> None:
        """Make the local checkpoints those of the bucket: the staging directory may hold leftovers
        of an older run to the same URI on this machine, and the bucket is what a job resumes from."""
        remote = set(self.checkpoints())
        for local in self.local_dir.glob("checkpoint-*"):
            if local.is_dir() and local.name not in remote:
                shutil.rmtree(local)
        self.download("checkpoint-")

    def download(self, name_prefix: str = "") -> Path:
        """Copy the remote files whose relative path starts with `name_prefix` into the local mirror."""
        for name in self.remote_files():
            if name.startswith(name_prefix):
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
        for name, path in local.items():
            unchanged = CHECKPOINT_DIR.match(name) and remote.get(name) == path.stat().st_size
            if not unchanged:
                self.bucket.blob(self.prefix + name).upload_from_filename(str(path))
        for name in remote.keys() - local.keys():
            if CHECKPOINT_DIR.match(name):
                self.bucket.blob(self.prefix + name).delete()


class UploadOnSave(TrainerCallback):
    """Mirror the output directory to Cloud Storage after each checkpoint, from the main process only."""

    def __init__(self, mirror: GcsMirror) -> None:
        self.mirror = mirror

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.mirror.upload()
