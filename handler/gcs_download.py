"""Download from Cloud Storage so that a flaky network never leaves a half file behind as a model.

    download_blob("gs://bucket/models/run-7/model.mar", Path("store/tr_en.mar"))
    download_folder("gs://bucket/models/run-7", Path("model-dir"))

Each object goes to a temporary name beside its destination, is checked against the object's
metadata (size, then CRC32C or MD5, whichever it carries), and only then renamed into place.
Transient failures (429 and 5xx answers, resets, timeouts, a checksum that does not match) are
retried with exponential back-off; anything else (no such object, no permission) fails at once.
Failures are one GcsDownloadError sentence naming the object. STORAGE_EMULATOR_HOST is honoured.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import google_crc32c
import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

T = TypeVar("T")

ATTEMPTS = 5
FIRST_DELAY = 1.0  # seconds; doubled after each failed attempt
MAX_DELAY = 30.0
# (connect, read) seconds: a stalled connection is a failed attempt, not a hang.
TIMEOUT = (10.0, 60.0)
TRANSIENT = (
    api_exceptions.TooManyRequests,
    api_exceptions.InternalServerError,
    api_exceptions.BadGateway,
    api_exceptions.ServiceUnavailable,
    api_exceptions.GatewayTimeout,
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    auth_exceptions.TransportError,
    ConnectionError,
    TimeoutError,
)


class GcsDownloadError(Exception):
    """A download that failed for good, told in one sentence that names the object."""


class ChecksumMismatch(Exception):
    """The bytes received differ from the object's metadata: a transfer cut short or damaged."""


def split_uri(uri: str) -> tuple[str, str]:
    """("bucket", "path/in/bucket") of a gs:// URI."""
    if not uri.startswith("gs://"):
        raise GcsDownloadError(f"{uri!r} is not a gs:// URI")
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    if not bucket:
        raise GcsDownloadError(f"{uri!r} names no bucket")
    return bucket, name


def client() -> Any:
    from google.cloud import storage

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(project="emulator", credentials=AnonymousCredentials())
    return storage.Client()


def with_retries(
    what: str, action: Callable[[], T], attempts: int | None = None, first_delay: float | None = None
) -> T:
    """action(), tried again after transient failures; GcsDownloadError naming `what` when it gives up."""
    attempts = attempts or ATTEMPTS
    delay = FIRST_DELAY if first_delay is None else first_delay
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (*TRANSIENT, ChecksumMismatch) as e:
            if attempt == attempts:
                raise GcsDownloadError(f"cannot download {what} after {attempts} attempts: {_describe(e)}") from None
            time.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
        except api_exceptions.NotFound:
            raise GcsDownloadError(f"cannot download {what}: no such object or bucket") from None
        except Exception as e:  # credentials, permissions: retrying does not help
            raise GcsDownloadError(f"cannot download {what}: {_describe(e)}") from None
    raise AssertionError("unreachable")


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def list_names(uri: str, **retry: Any) -> list[str]:
    """Names of the objects under a gs:// folder, relative to it (sub-folders included)."""
    bucket, prefix = split_uri(uri)
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def listing() -> list[str]:
        blobs = client().list_blobs(bucket, prefix=prefix, timeout=TIMEOUT, retry=None)
        return [b.name[len(prefix) :] for b in blobs if not b.name.endswith("/")]

    return with_retries(uri, listing, **retry)


def download_blob(uri: str, dest: Path, timeout: tuple[float, float] | None = None, **retry: Any) -> Path:
    """Download one object to `dest`, which appears only once complete and verified.

    `timeout` is (connect, read) seconds, default TIMEOUT; `retry` may set attempts and first_delay.
    """
    bucket_name, name = split_uri(uri)
    timeout = timeout or TIMEOUT
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")

    def attempt() -> Path:
        bucket = client().bucket(bucket_name)
        blob = bucket.get_blob(name, timeout=timeout, retry=None)
        if blob is None:
            raise api_exceptions.NotFound(uri)
        try:
            # Our own checks below cover the whole file; the library's would only raise its own type.
            blob.download_to_filename(str(partial), timeout=timeout, retry=None, checksum=None)
            verify(partial, blob)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, dest)
        return dest

    return with_retries(uri, attempt, **retry)


def download_folder(uri: str, dest: Path, timeout: tuple[float, float] | None = None, **retry: Any) -> list[Path]:
    """Download every object under a gs:// folder into `dest`, keeping the relative paths."""
    names = list_names(uri, **retry)
    if not names:
        raise GcsDownloadError(f"{uri} holds no objects")
    base = uri.rstrip("/")
    return [download_blob(f"{base}/{name}", Path(dest) / name, timeout, **retry) for name in names]


def verify(path: Path, blob: Any) -> None:
    """Raise ChecksumMismatch unless the file's size and checksum are the object's."""
    size = path.stat().st_size
    if blob.size is not None and size != blob.size:
        raise ChecksumMismatch(f"received {size} bytes of {blob.size}")
    if blob.crc32c:
        digest = _file_digest(path, google_crc32c.Checksum())
        if base64.b64encode(digest).decode() != blob.crc32c:
            raise ChecksumMismatch("CRC32C of the bytes received differs from the object's")
    elif blob.md5_hash:
        digest = _file_digest(path, hashlib.md5())
        if base64.b64encode(digest).decode() != blob.md5_hash:
            raise ChecksumMismatch("MD5 of the bytes received differs from the object's")


def _file_digest(path: Path, hasher: Any) -> bytes:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.digest()
