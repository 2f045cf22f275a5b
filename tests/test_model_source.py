"""What `make archive MODEL_DIR=X` accepts: layouts users have, hub ids from the cache, gs:// folders; and what it refuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from handler.archive import ArchiveError, build_archive
from handler.model_source import SOURCE_FILE, describe
from tests.model_layouts import (
    HUB_COMMIT,
    hub_cache,
    legacy_generation_config,
    original_sample_layout,
    state_dict,
    write_pytorch_weights,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
HUB_ID = "Helsinki-NLP/opus-mt-tr-en"


def unpack(mar: Path, out: Path) -> Path:
    zipfile.ZipFile(mar).extractall(out)
    return out


def archive_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handler.archive", *args],
        capture_output=True, text=True, cwd=REPO_ROOT, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("shards", [1, 3], ids=["pytorch_model.bin", "sharded-bin"])
def test_pytorch_weights_are_packed_as_the_same_safetensors(tiny_model_dir, tmp_path, shards):
    model_dir = write_pytorch_weights(tiny_model_dir, tmp_path / "bin", shards)
    packed = unpack(build_archive(model_dir, tmp_path / "store"), tmp_path / "unpacked")
    names = sorted(p.name for p in packed.iterdir())
    assert "model.safetensors" in names and not [n for n in names if n.endswith(".bin")]
    expected = state_dict(tiny_model_dir)
    loaded = state_dict(packed)
    assert loaded.keys() == expected.keys()
    assert all(torch.equal(loaded[k], expected[k]) for k in expected)
    # Tied embeddings are stored once, as save_pretrained stores them.
    assert len(load_file(packed / "model.safetensors")) < len(expected)


def test_legacy_generation_fields_become_the_generation_config_from_pretrained_uses(tiny_model_dir, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, GenerationConfig

    model_dir = tmp_path / "legacy"
    shutil.copytree(tiny_model_dir, model_dir)
    legacy_generation_config(model_dir, num_beams=6, max_length=512)
    packed = unpack(build_archive(model_dir, tmp_path / "store"), tmp_path / "unpacked")
    served = GenerationConfig.from_pretrained(packed)
    offline = AutoModelForSeq2SeqLM.from_pretrained(model_dir).generation_config
    assert served.to_diff_dict() == offline.to_diff_dict()
    assert (served.num_beams, served.max_length, served.bad_words_ids) == (6, 512, offline.bad_words_ids)


@pytest.mark.slow
def test_the_original_sample_layout_archives_with_the_command(tiny_model_dir, tmp_path):
    model_dir = original_sample_layout(tiny_model_dir, tmp_path / "model-output-tr-en", num_beams=6)
    result = archive_cli("--model-dir", str(model_dir), "--export-path", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    assert f"model source: local directory {model_dir.resolve()}" in result.stdout
    with zipfile.ZipFile(tmp_path / "store" / "tr_en.mar") as z:
        names = set(z.namelist())
        assert json.loads(z.read("generation_config.json"))["num_beams"] == 6
    assert {"model.safetensors", "generation_config.json", "special_tokens_map.json", SOURCE_FILE} <= names
    assert "training_args.bin" not in names and "pytorch_model.bin" not in names


def unreachable_hub() -> dict[str, str]:
    """No HF_HUB_OFFLINE, but the hub's address answers nothing: a machine without network."""
    from handler.torchserve import free_port

    return {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}"}


@pytest.mark.slow
@pytest.mark.parametrize("hub", ["HF_HUB_OFFLINE=1", "unreachable"])
def test_hub_id_is_served_from_the_cache_when_the_hub_is_offline(tiny_model_dir, tmp_path, hub):
    hub_cache(tmp_path / "hf", HUB_ID, tiny_model_dir)
    env = {"HF_HOME": str(tmp_path / "hf"), **({"HF_HUB_OFFLINE": "1"} if hub != "unreachable" else unreachable_hub())}
    for spec, revision in ((HUB_ID, "main"), (f"{HUB_ID}@{HUB_COMMIT}", HUB_COMMIT)):
        result = archive_cli("--model-dir", spec, "--export-path", str(tmp_path / "store"), env=env)
        assert result.returncode == 0, result.stderr
        with zipfile.ZipFile(tmp_path / "store" / "tr_en.mar") as z:
            source = json.loads(z.read(SOURCE_FILE))
        assert source == {"kind": "hub", "id": HUB_ID, "revision": revision, "commit": HUB_COMMIT}
        assert f"model source: Hugging Face hub {HUB_ID}@{revision} (commit {HUB_COMMIT})" in result.stdout


@contextmanager
def recording_hub() -> Iterator[tuple[str, list[str]]]:
    """A stand-in hub on loopback that answers every request 404 and records its path."""
    paths: list[str] = []

    class Hub(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            paths.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", paths
    finally:
        server.shutdown()
        server.server_close()


def locate_in_process_of_its_own(spec: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """handler.model_source.locate in a fresh interpreter: huggingface_hub reads HF_* when imported."""
    code = "import sys; from handler.model_source import locate; print(locate(sys.argv[1], None).directory)"
    return subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, **env}, timeout=120)  # fmt: skip


def test_a_pinned_commit_whole_in_the_cache_is_served_without_asking_the_hub(tiny_model_dir, tmp_path):
    snapshot = hub_cache(tmp_path / "hf", HUB_ID, tiny_model_dir)
    with recording_hub() as (endpoint, asked):
        env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": endpoint}
        result = locate_in_process_of_its_own(f"{HUB_ID}@{HUB_COMMIT}", env)
        assert result.returncode == 0, result.stderr
        assert Path(result.stdout.strip()) == snapshot and asked == []
        # A branch can move: the hub is asked what it points at (and, answering nothing, the cache serves).
        result = locate_in_process_of_its_own(HUB_ID, env)
        assert result.returncode == 0 and Path(result.stdout.strip()) == snapshot, result.stderr
        assert f"/api/models/{HUB_ID}/revision/main" in asked, asked
        # A snapshot cut short (its weights not there yet) is the hub's to complete: it is asked.
        asked.clear()
        (snapshot / "model.safetensors").unlink()
        locate_in_process_of_its_own(f"{HUB_ID}@{HUB_COMMIT}", env)
        assert any(HUB_COMMIT in path for path in asked), asked


@pytest.mark.parametrize("hub", ["HF_HUB_OFFLINE=1", "unreachable"])
def test_hub_id_missing_from_the_cache_offline_is_one_sentence(tmp_path, hub):
    offline = {"HF_HUB_OFFLINE": "1"} if hub != "unreachable" else unreachable_hub()
    env = {"HF_HOME": str(tmp_path / "empty-hf"), **offline}
    result = archive_cli("--model-dir", HUB_ID, "--export-path", str(tmp_path / "store"), env=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {HUB_ID} is not a local directory and not in the Hugging Face cache, and the hub is unreachable "
        "(no network or HF_HUB_OFFLINE=1): download it where the hub is reachable, or pass a local "
        "save_pretrained directory instead\n"
    )


def test_gcs_folder_archives_without_its_checkpoints(tiny_model_dir, tmp_path, gcs_bucket):
    from google.cloud import storage

    bucket = storage.Client().bucket(gcs_bucket)
    model_dir = write_pytorch_weights(tiny_model_dir, tmp_path / "bin")
    for path in model_dir.iterdir():
        bucket.blob(f"runs/7/{path.name}").upload_from_filename(str(path))
    for name in ("checkpoint-10/optimizer.pt", "training_args.bin", "training_curves.png"):
        bucket.blob(f"runs/7/{name}").upload_from_string(b"not part of the model")
    mar = build_archive(f"gs://{gcs_bucket}/runs/7/", tmp_path / "store")
    with zipfile.ZipFile(mar) as z:
        names = set(z.namelist())
        source = json.loads(z.read(SOURCE_FILE))
    assert source == {"kind": "gcs", "uri": f"gs://{gcs_bucket}/runs/7"}
    assert "model.safetensors" in names
    assert not {"optimizer.pt", "training_args.bin", "training_curves.png", "pytorch_model.bin"} & names


def test_gcs_folder_without_a_model_is_refused(gcs_bucket, tmp_path):
    from google.cloud import storage

    storage.Client().bucket(gcs_bucket).blob("empty/notes.txt").upload_from_string("nothing")
    with pytest.raises(
        ArchiveError, match=f"^gs://{gcs_bucket}/empty holds no config.json: it is not a model directory$"
    ):
        build_archive(f"gs://{gcs_bucket}/empty", tmp_path / "store")


def broken(tiny_model_dir: Path, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    shutil.copytree(tiny_model_dir, out)
    return out


@pytest.mark.slow
def test_what_is_not_a_marian_model_is_refused_naming_the_file(tiny_model_dir, tmp_path, capsys):
    from handler import archive

    def refusal(model_dir: Path) -> str:
        """The command's exit status and its one line on stderr (its main() here; the command once below)."""
        capsys.readouterr()  # what the test's own set-up printed
        assert archive.main(["--model-dir", str(model_dir), "--export-path", str(tmp_path / "store")]) == 1
        stderr = capsys.readouterr().err
        assert stderr.count("\n") == 1, stderr
        return stderr

    encoder_only = broken(tiny_model_dir, tmp_path, "bert")
    (encoder_only / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    expected = (
        f"error: {encoder_only / 'config.json'} describes a bert model (BertModel), not a Marian translation model "
        "(model_type marian, as Helsinki-NLP/opus-mt-* have)\n"
    )
    assert refusal(encoder_only) == expected
    command = archive_cli("--model-dir", str(encoder_only), "--export-path", str(tmp_path / "store"))
    assert (command.returncode, command.stderr) == (1, expected)
    no_tokenizer = broken(tiny_model_dir, tmp_path, "no-vocab")
    (no_tokenizer / "vocab.json").unlink()
    assert f"{no_tokenizer} is not a Marian model directory: missing vocab.json" in refusal(no_tokenizer)

    corrupt = broken(tiny_model_dir, tmp_path, "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage")
    assert f"error: {corrupt / 'model.safetensors'} is not a valid safetensors weights file: " in refusal(corrupt)

    truncated = write_pytorch_weights(tiny_model_dir, tmp_path / "truncated-bin")
    data = (truncated / "pytorch_model.bin").read_bytes()
    (truncated / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
    message = f"error: {truncated / 'pytorch_model.bin'} cannot be loaded as PyTorch weights with weights_only=True: "
    assert refusal(truncated).startswith(message)

    shard_missing = write_pytorch_weights(tiny_model_dir, tmp_path / "shard-missing", shards=2)
    (shard_missing / "pytorch_model-00002-of-00002.bin").unlink()
    assert "names shards that are missing: pytorch_model-00002-of-00002.bin" in refusal(shard_missing)

    no_weights = broken(tiny_model_dir, tmp_path, "no-weights")
    (no_weights / "model.safetensors").unlink()
    assert f"{no_weights} has no model weights: expected model.safetensors" in refusal(no_weights)


def test_pickled_code_in_a_weights_file_is_refused_before_it_runs(tiny_model_dir, tmp_path):
    model_dir = write_pytorch_weights(tiny_model_dir, tmp_path / "evil")
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    torch.save({"model.shared.weight": Payload()}, model_dir / "pytorch_model.bin")
    with pytest.raises(ArchiveError, match="cannot be loaded as PyTorch weights with weights_only=True"):
        build_archive(model_dir, tmp_path / "store")
    assert not marker.exists()


def test_the_worker_logs_the_source_and_old_archives_still_load(tiny_archive, tmp_path, caplog):
    from ts.context import Context

    from handler.settings import read_model_config
    from handler.ts_handler import TranslationHandler

    for name, keep_source in (("new", True), ("old", False)):
        unpacked = unpack(tiny_archive, tmp_path / name)
        if not keep_source:
            (unpacked / SOURCE_FILE).unlink()
        context = Context("tr_en", str(unpacked), {}, 32, None, "0.12.0",
                          model_yaml_config=read_model_config(unpacked / "model-config.yaml"))  # fmt: skip
        caplog.clear()
        with caplog.at_level("INFO", logger="handler.ts_handler"):
            TranslationHandler().initialize(context)
        source = json.loads((tmp_path / "new" / SOURCE_FILE).read_text()) if keep_source else None
        assert f"model source: {describe(source)}" in caplog.text
    assert "local directory" in describe(json.loads((tmp_path / "new" / SOURCE_FILE).read_text()))
