"""Download from Cloud Storage so that a flaky network never leaves a half file behind as a model.

    download_blob("gs://bucket/models/run-7/model.mar", Path("store/tr_en.mar"))
    download_folder("gs://bucket/models/run-7", Path("model-dir"))

google-cloud-storage does the work: its download checks the bytes against the object's CRC32C
(MD5 where the object carries no CRC32C) and raises DataCorruption; its retry policy
(google.cloud.storage.retry.DEFAULT_RETRY: 429 and 5xx answers, resets, timeouts) decides what is
transient, here with DataCorruption added and a cap on attempts; its transfer manager fetches a
folder's objects in parallel. Each object goes to a temporary name beside its destination and is
renamed into place only once the library has verified it. Failures are one GcsDownloadError
sentence naming the object. The library itself goes anonymous when STORAGE_EMULATOR_HOST is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from google.api_core import exceptions as api_exceptions
from google.api_core.retry import Retry

T = TypeVar("T")

ATTEMPTS = 5
FIRST_DELAY = 1.0  # seconds; doubled after each failed attempt
MAX_DELAY = 30.0
# (connect, read) seconds: a stalled connection is a failed attempt, not a hang.
TIMEOUT = (10.0, 60.0)
# crc32c rather than the library's "auto": every Cloud Storage object carries a CRC32C, composites no MD5.
CHECKSUM = "crc32c"
# Parallel downloads of a folder's objects; threads, as the files are few and the work is I/O.
FOLDER_WORKERS = 4


class GcsDownloadError(Exception):
    """A download that failed for good, told in one sentence that names the object."""


def split_uri(uri: str) -> tuple[str, str]:
    """("bucket", "path/in/bucket") of a gs:// URI."""
    if not uri.startswith("gs://"):
        raise GcsDownloadError(f"{uri!r} is not a gs:// URI")
    bucket, _, name = uri.removeprefix("gs://").partition("/")
    if not bucket:
        raise GcsDownloadError(f"{uri!r} names no bucket")
    return bucket, name


def client() -> Any:
    """The one storage client factory: the project's credentials, or anonymous against STORAGE_EMULATOR_HOST."""
    from google.cloud import storage

    return storage.Client()


def is_transient(error: Exception) -> bool:
    """The library's own test for a transient failure, and a damaged transfer, worth another attempt."""
    from google.cloud.storage.exceptions import DataCorruption
    from google.cloud.storage.retry import DEFAULT_RETRY

    return isinstance(error, DataCorruption) or DEFAULT_RETRY._predicate(error)


def retry_policy(what: str | Callable[[], str], attempts: int | None = None, first_delay: float | None = None) -> Retry:
    """google-api-core's Retry with exponential back-off that gives up after `attempts` failures.

    Retry itself bounds time, not attempts; its on_error hook counts them and its error escapes the loop.
    `what` names the object in that error (a callable: the object that failed last).
    """
    attempts = attempts or ATTEMPTS
    failures = 0

    def give_up_after_attempts(error: Exception) -> None:
        nonlocal failures
        failures += 1
        if failures >= attempts:
            name = what() if callable(what) else what
            raise GcsDownloadError(f"cannot download {name} after {attempts} attempts: {_describe(error)}")

    return Retry(
        predicate=is_transient,
        initial=FIRST_DELAY if first_delay is None else first_delay,
        maximum=MAX_DELAY,
        multiplier=2.0,
        timeout=None,
        on_error=give_up_after_attempts,
    )


def _run(what: str | Callable[[], str], action: Callable[[], T]) -> T:
    """action(), its failures turned into one GcsDownloadError sentence naming `what`."""
    try:
        return action()
    except GcsDownloadError:
        raise
    except api_exceptions.NotFound:
        name = what() if callable(what) else what
        raise GcsDownloadError(f"cannot download {name}: no such object or bucket") from None
    except Exception as e:  # credentials, permissions: retrying does not help
        name = what() if callable(what) else what
        raise GcsDownloadError(f"cannot download {name}: {_describe(e)}") from None


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def list_names(uri: str, **retry: Any) -> list[str]:
    """Names of the objects under a gs:// folder, relative to it (sub-folders included)."""
    bucket, prefix = split_uri(uri)
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    policy = retry_policy(uri, **retry)

    def listing() -> list[str]:
        blobs = client().list_blobs(bucket, prefix=prefix, timeout=TIMEOUT, retry=policy)
        return [b.name[len(prefix) :] for b in blobs if not b.name.endswith("/")]

    return _run(uri, listing)


def _partial(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.partial")


def download_blob(uri: str, dest: Path, timeout: tuple[float, float] | None = None, **retry: Any) -> Path:
    """Download one object to `dest`, which appears only once complete and verified.

    `timeout` is (connect, read) seconds, default TIMEOUT; `retry` may set attempts and first_delay.
    """
    bucket_name, name = split_uri(uri)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    blob = client().bucket(bucket_name).blob(name)

    def attempt() -> Path:
        try:
            # retry=None inside: the library resumes a cut transfer with a range request whose bytes it
            # cannot verify, so each attempt of the policy around it fetches the whole object again.
            blob.download_to_filename(str(partial), timeout=timeout or TIMEOUT, retry=None, checksum=CHECKSUM)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, dest)
        return dest

    return _run(uri, lambda: retry_policy(uri, **retry)(attempt)())


def download_folder(
    uri: str,
    dest: Path,
    timeout: tuple[float, float] | None = None,
    names: Sequence[str] | None = None,
    on_file: Callable[[int], None] | None = None,
    **retry: Any,
) -> list[Path]:
    """Download every object under a gs:// folder (or only `names`, relative to it) into `dest`.

    The transfer manager fetches the objects in parallel; an attempt fetches those still missing,
    and `on_file(n)` hears how many more are in place after each one.
    """
    from google.cloud.storage import transfer_manager

    names = list(list_names(uri, **retry) if names is None else names)
    if not names:
        raise GcsDownloadError(f"{uri} holds no objects")
    bucket_name, prefix = split_uri(uri)
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    bucket = client().bucket(bucket_name)
    targets = {name: Path(dest) / name for name in names}
    for path in targets.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    missing = list(names)

    def attempt() -> None:
        pairs = [(bucket.blob(prefix + name), str(_partial(targets[name]))) for name in missing]
        results = transfer_manager.download_many(
            pairs,
            download_kwargs={"timeout": timeout or TIMEOUT, "retry": None, "checksum": CHECKSUM},
            worker_type=transfer_manager.THREAD,
            max_workers=FOLDER_WORKERS,
        )
        failures = []
        for name, result in zip(list(missing), results):
            if isinstance(result, Exception):
                _partial(targets[name]).unlink(missing_ok=True)
                failures.append((name, result))
            else:
                os.replace(_partial(targets[name]), targets[name])
                missing.remove(name)
        if on_file:
            on_file(len(results) - len(failures))
        if failures:
            # A lasting failure first, so that it ends the download; else the next attempt fetches the rest.
            failures.sort(key=lambda failure: is_transient(failure[1]))
            failed[0] = failures[0][0]
            raise failures[0][1]

    failed = [missing[0]]

    def failed_object() -> str:
        return f"gs://{bucket_name}/{prefix}{failed[0]}"

    _run(failed_object, lambda: retry_policy(failed_object, **retry)(attempt)())
    return list(targets.values())
