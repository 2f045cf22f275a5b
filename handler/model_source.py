"""Where a model to serve comes from, and the directory that is packed from it.

    local directory   a save_pretrained Marian directory, or a training.finetune output as it is
    org/name[@rev]    a Hugging Face hub id, fetched once into the normal HF cache
    gs://bucket/path  a Cloud Storage folder (google-cloud-storage, STORAGE_EMULATOR_HOST honoured)

`locate` brings the files to local disk; `prepare` checks that they are a Marian translation model
and lays out what serving loads: safetensors weights (PyTorch .bin weights are converted, loaded
with weights_only so that no pickle runs and none is packed), a generation_config.json (written
from config.json's legacy fields when missing, as from_pretrained reads them) and a record of the
source that the worker logs at start-up. Everything else in the folder (checkpoints, logs, plots,
training_args.bin) is left out.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Written into the archive; the worker logs it (handler/ts_handler.py). Old archives lack it.
SOURCE_FILE = "model-source.json"
CONFIG_FILE = "config.json"
GENERATION_FILE = "generation_config.json"
TOKENIZER_FILES = ("tokenizer_config.json", "source.spm", "target.spm", "vocab.json")
OPTIONAL_FILES = ("special_tokens_map.json", "target_vocab.json")
SAFE_WEIGHTS, SAFE_INDEX = "model.safetensors", "model.safetensors.index.json"
TORCH_WEIGHTS, TORCH_INDEX = "pytorch_model.bin", "pytorch_model.bin.index.json"
WEIGHT_FILE = re.compile(
    r"model(-\d+-of-\d+)?\.safetensors|pytorch_model(-\d+-of-\d+)?\.bin|(model\.safetensors|pytorch_model\.bin)\.index\.json"
)
# From a hub repo only what serving can use: not the TensorFlow, Flax or Rust weights beside them.
HUB_PATTERNS = ["*.json", "*.spm", "*.safetensors", "pytorch_model*.bin"]
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+(@[\w./-]+)?")
COMMIT = re.compile(r"[0-9a-f]{40}")


class ModelSourceError(Exception):
    """A model that cannot be served, told in one sentence naming the file or the source."""


@dataclass(frozen=True)
class LocatedModel:
    directory: Path
    source: dict[str, str]


def is_model_file(name: str) -> bool:
    """The files of a model folder that serving may need (not checkpoints, logs or training_args.bin)."""
    known = (CONFIG_FILE, GENERATION_FILE, *TOKENIZER_FILES, *OPTIONAL_FILES)
    return name in known or WEIGHT_FILE.fullmatch(name) is not None


def describe(source: dict[str, Any] | None) -> str:
    """One line for logs: where the model came from."""
    if not source:
        return "not recorded (archive built before sources were recorded)"
    if source.get("kind") == "hub":
        return f"Hugging Face hub {source['id']}@{source['revision']} (commit {source.get('commit', '?')})"
    if source.get("kind") == "gcs":
        return f"Cloud Storage {source['uri']}"
    return f"local directory {source.get('path')}"


def locate(spec: str, download_dir: Path) -> LocatedModel:
    """The model `spec` names, on local disk; gs:// folders are downloaded into `download_dir`."""
    spec = str(spec)
    if spec.startswith("gs://"):
        return LocatedModel(download_gcs_folder(spec, download_dir), {"kind": "gcs", "uri": spec.rstrip("/")})
    path = Path(spec).expanduser()
    if path.is_dir():
        return LocatedModel(path, {"kind": "path", "path": str(path.resolve())})
    if path.exists():
        raise ModelSourceError(f"{spec} is a file, not a model directory")
    if HUB_ID.fullmatch(spec) and not spec.startswith((".", "/", "~")):
        return from_hub(spec)
    raise ModelSourceError(f"model directory {spec} does not exist")


def from_hub(spec: str) -> LocatedModel:
    """A hub id, from the HF cache when it is there (and the only place with HF_HUB_OFFLINE=1)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    repo_id, _, revision = spec.partition("@")
    try:
        path = cached_commit(repo_id, revision) or Path(
            snapshot_download(repo_id, revision=revision or None, allow_patterns=HUB_PATTERNS)
        )
    except LocalEntryNotFoundError:
        raise ModelSourceError(
            f"{spec} is not a local directory and not in the Hugging Face cache, and the hub is unreachable "
            "(no network or HF_HUB_OFFLINE=1): download it where the hub is reachable, or pass a local "
            "save_pretrained directory instead"
        ) from None
    except RevisionNotFoundError:
        raise ModelSourceError(f"{repo_id} has no revision {revision!r} on the Hugging Face hub") from None
    except RepositoryNotFoundError:
        raise ModelSourceError(f"{spec} is neither a local directory nor a model on the Hugging Face hub") from None
    except (HfHubHTTPError, OSError) as e:
        raise ModelSourceError(f"cannot fetch {spec} from the Hugging Face hub: {_first_line(e)}") from None
    source = {"kind": "hub", "id": repo_id, "revision": revision or "main", "commit": path.name}
    return LocatedModel(path, source)


def cached_commit(repo_id: str, revision: str) -> Path | None:
    """The snapshot of a pinned commit when the HF cache holds its config and weights whole, else None.

    A commit never changes, so the hub is not asked. huggingface_hub would first list the commit's files
    on the hub unless its cache kept that list (older versions' caches and hand-made ones do not), and an
    unreachable hub costs about 20 s of its retries there.
    """
    if not COMMIT.fullmatch(revision):
        return None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(repo_id, revision=revision, allow_patterns=HUB_PATTERNS, local_files_only=True))
        whole = (path / CONFIG_FILE).is_file() and bool(safetensors_files(path) or pytorch_weight_files(path))
    except (LocalEntryNotFoundError, ModelSourceError):  # not cached, or cut short: the hub decides
        return None
    return path if whole else None


def gcs_folder_names(uri: str) -> tuple[str, str, list[str]]:
    """(bucket, prefix, names of the folder's own files): subfolders such as checkpoints are not listed."""
    bucket, _, prefix = uri.removeprefix("gs://").partition("/")
    if not bucket:
        raise ModelSourceError(f"{uri!r} names no bucket; use gs://<bucket>/<folder>")
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    from handler.gcs_download import client

    try:
        blobs = client().list_blobs(bucket, prefix=prefix, delimiter="/")
        return bucket, prefix, [b.name[len(prefix) :] for b in blobs]
    except Exception as e:  # credentials, permissions, network: one sentence, not a traceback
        raise ModelSourceError(f"cannot list {uri}: {type(e).__name__}: {_first_line(e)}") from None


def download_gcs_folder(uri: str, target: Path) -> Path:
    """The model files of a gs:// folder (not its checkpoints or logs), downloaded into `target`."""
    from tqdm import tqdm

    bucket, prefix, names = gcs_folder_names(uri)
    wanted = sorted(n for n in names if is_model_file(n))
    if CONFIG_FILE not in wanted:
        raise ModelSourceError(f"{uri} holds no {CONFIG_FILE}: it is not a model directory")
    from handler.gcs_download import GcsDownloadError, download_folder

    target.mkdir(parents=True, exist_ok=True)
    try:
        # In parallel, retried on transient errors, checked against the objects' checksums, renamed into place.
        with tqdm(total=len(wanted), desc=f"downloading {uri}", unit="file") as progress:
            download_folder(f"gs://{bucket}/{prefix}", target, names=wanted, on_file=progress.update)
    except GcsDownloadError as e:
        raise ModelSourceError(str(e)) from None
    return target


def prepare(model_dir: Path, out: Path, source: dict[str, str]) -> Path:
    """Check `model_dir` and write the directory to pack into `out` (links to unchanged files)."""
    check_config(model_dir)
    missing = [name for name in TOKENIZER_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ModelSourceError(
            f"{model_dir} is not a Marian model directory: missing {', '.join(missing)} "
            "(save it with model.save_pretrained() and tokenizer.save_pretrained())"
        )
    out.mkdir(parents=True, exist_ok=True)
    for name in (CONFIG_FILE, *TOKENIZER_FILES, *OPTIONAL_FILES):
        if (model_dir / name).is_file():
            _link(model_dir / name, out / name)
    if safetensors_files(model_dir):
        for path in safetensors_files(model_dir):
            check_safetensors(path)
            _link(path, out / path.name)
    else:
        convert_pytorch_weights(model_dir, out)
    write_generation_config(model_dir, out)
    check_tokenizer(out, model_dir)
    (out / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    return out


def check_config(model_dir: Path) -> dict[str, Any]:
    """config.json, if it describes a Marian encoder-decoder (the only architecture the backends run)."""
    path = model_dir / CONFIG_FILE
    if not path.is_file():
        raise ModelSourceError(f"{model_dir} is not a model directory: it has no {CONFIG_FILE}")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelSourceError(f"{path} is not valid JSON: {_first_line(e)}") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type != "marian" or config.get("is_encoder_decoder") is False:
        architectures = ", ".join(config.get("architectures") or []) if isinstance(config, dict) else ""
        raise ModelSourceError(
            f"{path} describes a {model_type or 'untyped'} model{f' ({architectures})' if architectures else ''}, "
            "not a Marian translation model (model_type marian, as Helsinki-NLP/opus-mt-* have)"
        )
    return config


def safetensors_files(model_dir: Path) -> list[Path]:
    """model.safetensors, or the shards its index names plus the index."""
    if (model_dir / SAFE_WEIGHTS).is_file():
        return [model_dir / SAFE_WEIGHTS]
    if (model_dir / SAFE_INDEX).is_file():
        return [*_indexed_shards(model_dir / SAFE_INDEX), model_dir / SAFE_INDEX]
    return []


def pytorch_weight_files(model_dir: Path) -> list[Path]:
    if (model_dir / TORCH_WEIGHTS).is_file():
        return [model_dir / TORCH_WEIGHTS]
    if (model_dir / TORCH_INDEX).is_file():
        return _indexed_shards(model_dir / TORCH_INDEX)
    raise ModelSourceError(
        f"{model_dir} has no model weights: expected {SAFE_WEIGHTS}, {SAFE_INDEX}, {TORCH_WEIGHTS} or {TORCH_INDEX}"
    )


def _indexed_shards(index: Path) -> list[Path]:
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        names = sorted(set(weight_map.values()))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelSourceError(f"{index} is not a weights index (no weight_map): {_first_line(e)}") from None
    missing = [n for n in names if not (index.parent / n).is_file()]
    if missing:
        raise ModelSourceError(f"{index} names shards that are missing: {', '.join(missing)}")
    return [index.parent / n for n in names]


def check_safetensors(path: Path) -> None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            if not list(f.keys()):
                raise ValueError("it holds no tensors")
    except Exception as e:  # safetensors raises its own error types for a bad header or size
        raise ModelSourceError(f"{path} is not a valid safetensors weights file: {_first_line(e)}") from None


def convert_pytorch_weights(model_dir: Path, out: Path) -> None:
    """PyTorch .bin weights re-saved as safetensors into `out`, through transformers' own loader and writer.

    Every file is first opened with torch.load(weights_only=True), so that a corrupt or
    code-carrying file is named before anything runs; from_pretrained loads with weights_only too.
    """
    import tempfile

    import torch
    from transformers import AutoModelForSeq2SeqLM

    for path in pytorch_weight_files(model_dir):
        try:
            torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:
            raise ModelSourceError(
                f"{path} cannot be loaded as PyTorch weights with weights_only=True: {_first_line(e)}"
            ) from None
    print(f"converting the PyTorch weights of {model_dir} to safetensors", flush=True)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype="auto")
    with tempfile.TemporaryDirectory(prefix="safetensors-", dir=out) as tmp:
        model.save_pretrained(tmp)
        for path in Path(tmp).iterdir():
            if path.name.endswith(".safetensors") or path.name == SAFE_INDEX:
                shutil.move(str(path), out / path.name)


def write_generation_config(model_dir: Path, out: Path) -> None:
    """generation_config.json as from_pretrained would use it: the file, else config.json's legacy fields.

    transformers 5 drops generation fields from the model config; from_pretrained then builds the
    generation config from config.json itself (GenerationConfig.from_pretrained with
    config_file_name="config.json"). The same call here makes the served defaults those of
    from_pretrained + generate (num_beams 6 of a 2022 opus-mt config.json, for instance).
    """
    from transformers import GenerationConfig

    if (model_dir / GENERATION_FILE).is_file():
        _link(model_dir / GENERATION_FILE, out / GENERATION_FILE)
        return
    config = GenerationConfig.from_pretrained(model_dir, config_file_name=CONFIG_FILE, _from_model_config=True)
    config.save_pretrained(out)


def check_tokenizer(prepared: Path, model_dir: Path) -> None:
    from transformers import AutoTokenizer

    try:
        AutoTokenizer.from_pretrained(prepared)
    except Exception as e:
        raise ModelSourceError(f"the tokenizer files of {model_dir} do not load: {_first_line(e)}") from None


def _link(source: Path, target: Path) -> None:
    """A symbolic link: torch-model-archiver copies what it points to, so nothing is copied twice."""
    target.unlink(missing_ok=True)
    target.symlink_to(source.resolve())


def _first_line(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]
