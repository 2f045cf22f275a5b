"""Put the archive to serve in the model store: baked into the image, fetched from AIP_STORAGE_URI
(a gs:// folder or a local path holding a .mar), or built at start from a model directory; and
give it the response timeout the container was told (REQUEST_TIMEOUT_SECONDS)."""

from __future__ import annotations

import logging
import re
import shutil
import zipfile
from pathlib import Path

from container.settings import DEFAULT_BACKEND, EntrypointError
from handler.torchserve import MODEL_NAME

ARCHIVE = f"{MODEL_NAME}.mar"
log = logging.getLogger("entrypoint")


def pick_archive(names: list[str], where: str) -> str:
    """The one .mar of a folder: tr_en.mar if present, else the only one (Google's samples call it model.mar)."""
    archives = sorted(n for n in names if n.endswith(".mar"))
    if ARCHIVE in archives:
        return ARCHIVE
    if len(archives) == 1:
        return archives[0]
    if not archives:
        raise EntrypointError(
            f"AIP_STORAGE_URI {where} holds no .mar archive and no model directory (config.json); "
            f"upload model_store/{ARCHIVE} or a model directory there"
        )
    raise EntrypointError(f"AIP_STORAGE_URI {where} holds several archives ({', '.join(archives)}); keep one")


def fetch_from_gcs(uri: str, target: Path) -> None:
    """Download the folder's archive: retried on transient errors, verified, renamed into place."""
    from handler.gcs_download import GcsDownloadError, download_blob, list_names, split_uri

    try:
        split_uri(uri)
        # The folder's own files: an archive in a sub-folder is not this model's.
        name = pick_archive([n for n in list_names(uri) if "/" not in n], uri)
        download_blob(f"{uri.rstrip('/')}/{name}", target)
    except GcsDownloadError as e:  # credentials, permissions, network: one sentence, not a traceback
        raise EntrypointError(str(e)) from None


def is_model_directory(storage_uri: str) -> bool:
    """A folder with config.json and no .mar: a model directory, to be archived here."""
    from handler.model_source import CONFIG_FILE, ModelSourceError, gcs_folder_names

    if storage_uri.startswith("gs://"):
        try:
            names = gcs_folder_names(storage_uri)[2]
        except ModelSourceError as e:
            raise EntrypointError(f"AIP_STORAGE_URI {e}") from None
    else:
        path = Path(storage_uri)
        names = [p.name for p in path.iterdir()] if path.is_dir() else []
    return CONFIG_FILE in names and not any(n.endswith(".mar") for n in names)


def archive_model_directory(storage_uri: str, store: Path, backend: str) -> None:
    """Build store/tr_en.mar from a model directory, as `make archive` would."""
    from handler.archive import ArchiveError, build_archive

    log.info(f"{storage_uri} holds a model directory; archiving it ({backend} backend)")
    try:
        build_archive(storage_uri, store, backend=backend)
    except ArchiveError as e:
        raise EntrypointError(f"cannot serve the model directory in AIP_STORAGE_URI: {e}") from None


def install_model(storage_uri: str, baked_store: Path, store: Path, backend: str = DEFAULT_BACKEND) -> Path:
    """Put the archive to serve at `store/tr_en.mar` and return the model store to serve from."""
    if not storage_uri:
        if not (baked_store / ARCHIVE).is_file():
            raise EntrypointError(
                f"no model: AIP_STORAGE_URI is empty and {baked_store / ARCHIVE} does not exist; "
                "bake model_store/tr_en.mar into the image or upload the model with an artifact_uri"
            )
        return baked_store
    store.mkdir(parents=True, exist_ok=True)
    target = store / ARCHIVE
    if is_model_directory(storage_uri):
        archive_model_directory(storage_uri, store, backend)
    elif storage_uri.startswith("gs://"):
        fetch_from_gcs(storage_uri, target)
    else:
        source = Path(storage_uri)
        if source.is_dir():
            source = source / pick_archive([p.name for p in source.iterdir()], storage_uri)
        elif not source.is_file():
            raise EntrypointError(f"AIP_STORAGE_URI {storage_uri} is neither a gs:// folder nor a local path")
        shutil.copyfile(source, target)
    return store


# TorchServe reads a model's responseTimeout from the archive's model-config.yaml, over any
# config.properties setting (`models=` and default_response_timeout included; checked with 0.12).
RESPONSE_TIMEOUT_LINE = re.compile(rb"^responseTimeout:.*$", re.M)
PACKED_CONFIG = "model-config.yaml"


def with_response_timeout(store: Path, target_store: Path, seconds: int) -> Path:
    """The model store whose tr_en.mar has `responseTimeout: seconds`: `store` when it has already,
    else `target_store` with a copy of the archive whose packed model-config.yaml says so (the
    members are recompressed: seconds for a large model, spent only when the timeout was changed)."""
    archive = store / ARCHIVE
    with zipfile.ZipFile(archive) as source:
        if PACKED_CONFIG not in source.namelist():
            return store  # no YAML: TorchServe's default_response_timeout applies
        config = source.read(PACKED_CONFIG)
        line = b"responseTimeout: %d" % seconds
        packed = RESPONSE_TIMEOUT_LINE.search(config)
        if packed and packed.group(0).strip() == line:
            return store
        changed = RESPONSE_TIMEOUT_LINE.sub(line, config) if packed else line + b"\n" + config
        log.info(f"setting the archive's responseTimeout to {seconds} s (REQUEST_TIMEOUT_SECONDS)")
        target_store.mkdir(parents=True, exist_ok=True)
        partial = target_store / f".{ARCHIVE}.partial"
        with zipfile.ZipFile(partial, "w", compresslevel=1) as target:
            for item in source.infolist():
                target.writestr(item, changed if item.filename == PACKED_CONFIG else source.read(item))
    partial.replace(target_store / ARCHIVE)
    return target_store
