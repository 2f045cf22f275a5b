"""model-config.yaml as the one source of handler settings, and the .mar that packs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml

from handler.archive import ArchiveError, build_archive
from handler.settings import MODEL_CONFIG_PATH, ServingSettings, read_model_config


def test_shipped_model_config_is_valid():
    config = read_model_config()
    settings = ServingSettings.from_model_config(config)
    assert settings.backend == "transformers"
    assert settings.workers == config["minWorkers"] == config["maxWorkers"]
    # Below a Vertex shared endpoint's 60 s, so the server answers first.
    assert config["responseTimeout"] < 60


def test_the_shipped_yaml_does_not_offer_what_make_archive_overrides(tiny_model_dir, tmp_path):
    """handler.backend and handler.dtype come from `make archive BACKEND= DTYPE=`: editing them in the
    YAML would change nothing, so it does not carry them; the archive's YAML does, and old ones load."""
    import zipfile

    import yaml

    from handler.archive import build_archive

    config = read_model_config()
    assert not {"backend", "dtype"} & set(config["handler"])
    packed = yaml.safe_load(
        zipfile.ZipFile(build_archive(tiny_model_dir, tmp_path, dtype="float32")).read("model-config.yaml")
    )
    assert (packed["handler"]["backend"], packed["handler"]["dtype"]) == ("transformers", "float32")
    settings = ServingSettings.from_model_config(packed)
    assert (settings.backend, settings.dtype) == ("transformers", "float32")


def test_threads_share_the_cores_between_workers():
    config = read_model_config()
    two_workers = ServingSettings.from_model_config({**config, "minWorkers": 2})
    assert two_workers.torch_threads(cpu_count=8) == 4
    assert ServingSettings.from_model_config(config).torch_threads(cpu_count=2) == 2
    assert two_workers.torch_threads(cpu_count=1) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"batch_size": 3}, "unknown keys ['batch_size']"),
        ({"backend": "onnx"}, "handler.backend must be one of"),
        ({"max_instances": -1}, "handler.max_instances must be a non-negative integer"),
        ({"max_instances": "many"}, "handler.max_instances must be a non-negative integer"),
    ],
)
def test_bad_model_config_is_refused_at_load(change, message):
    config = read_model_config()
    config["handler"].update(change)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ServingSettings.from_model_config(config)
    del config["handler"]["max_segment_tokens"]
    with pytest.raises(ValueError, match="missing keys"):
        ServingSettings.from_model_config(config)


def test_archive_packs_only_what_serving_needs(tiny_model_dir, tmp_path):
    model_dir = tmp_path / "finetuned"
    shutil.copytree(tiny_model_dir, model_dir)
    # A fine-tuning output directory also holds checkpoints and logs: they stay out.
    (model_dir / "checkpoint-10").mkdir()
    (model_dir / "checkpoint-10" / "optimizer.pt").write_bytes(b"x" * 1000)
    (model_dir / "trainer_state.json").write_text("{}")
    (model_dir / "training_args.bin").write_bytes(b"a pickle, never loaded")
    (model_dir / "training_curves.png").write_bytes(b"png")
    mar = build_archive(model_dir, tmp_path / "store")
    with zipfile.ZipFile(mar) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("MAR-INF/MANIFEST.json"))
        packed_config = yaml.safe_load(z.read("model-config.yaml"))
        source = json.loads(z.read("model-source.json"))
    assert names == {
        "MAR-INF/MANIFEST.json",
        "ts_handler.py",
        "model-config.yaml",
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "source.spm",
        "target.spm",
        "vocab.json",
        "tokenizer_config.json",
        "model-source.json",
    }
    assert source == {"kind": "path", "path": str(model_dir.resolve())}
    assert manifest["model"]["modelName"] == "tr_en"
    assert manifest["model"]["handler"] == "ts_handler.py"
    shipped = read_model_config(MODEL_CONFIG_PATH)
    # The shipped YAML less its per-backend map, which was applied (transformers changes nothing),
    # with the backend and the dtype that `make archive` writes.
    expected = {k: v for k, v in shipped.items() if k != "backends"}
    expected["handler"] = {**shipped["handler"], "backend": "transformers", "dtype": "auto"}
    assert packed_config == expected
    assert shipped["backends"]["transformers"] == {}


def test_archive_refuses_what_it_cannot_serve(tiny_model_dir, tmp_path):
    with pytest.raises(ArchiveError, match="does not exist"):
        build_archive(tmp_path / "nope", tmp_path / "store")
    broken = tmp_path / "no-tokenizer"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "source.spm").unlink()
    with pytest.raises(ArchiveError, match="missing source.spm"):
        build_archive(broken, tmp_path / "store")
    unreadable = tmp_path / "unreadable"
    shutil.copytree(tiny_model_dir, unreadable)
    # safetensors bytes under the PyTorch name: torch.load(weights_only=True) refuses them.
    (unreadable / "model.safetensors").rename(unreadable / "pytorch_model.bin")
    with pytest.raises(ArchiveError, match="pytorch_model.bin cannot be loaded as PyTorch weights"):
        build_archive(unreadable, tmp_path / "store")


@pytest.mark.slow
def test_archive_command_line(tiny_model_dir, tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "handler.archive", "--model-dir", str(tiny_model_dir), "--export-path", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "tr_en.mar").is_file()
    bad = subprocess.run(
        [sys.executable, "-m", "handler.archive", "--model-dir", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == f"error: model directory {tmp_path / 'missing'} does not exist"


def test_keys_added_after_release_0_1_have_defaults_and_are_checked():
    config = read_model_config()
    added = ("decode_length_factor", "decode_length_offset", "cache_mib", "pad_to_multiple_of", "inter_threads")
    old = {**config, "handler": {k: v for k, v in config["handler"].items() if k not in added}}
    settings = ServingSettings.from_model_config(old)
    assert [getattr(settings, k) for k in added] == [3.0, 10, 0, 8, 0]
    whole = ServingSettings.from_model_config({**config, "handler": {**config["handler"], "decode_length_factor": 2}})
    assert whole.decode_length_factor == 2.0 and isinstance(whole.decode_length_factor, float)
    for key, value in [("decode_length_factor", "3"), ("decode_length_factor", -1.0), ("cache_mib", 1.5),
                       ("pad_to_multiple_of", -8), ("pad_to_multiple_of", True), ("inter_threads", 1.5)]:  # fmt: skip
        with pytest.raises(ValueError, match=f"handler.{key} must be a non-negative"):
            ServingSettings.from_model_config({**config, "handler": {**config["handler"], key: value}})


@pytest.mark.parametrize(
    "change, message",
    [
        ({"batchsize": 8}, "model-config.yaml: unknown TorchServe keys ['batchsize']"),
        ({"handler": {"max_beams": 4}}, "model-config.yaml handler section: unknown keys ['max_beams']"),
        ({"backends": {"onnx": {}}}, "model-config.yaml backends must map some of transformers, ctranslate2"),
        ({"backends": {"transformers": {"handler": {}}}}, "backends.transformers may set TorchServe keys only"),
        ({"backends": {"transformers": {"maxBatchDelai": 5}}}, "unknown TorchServe keys ['maxBatchDelai']"),
    ],
)
def test_a_bad_model_config_fails_at_archive_time(tiny_model_dir, tmp_path, change, message):
    """The packed YAML is checked as a worker checks it, so a typo stops `make archive`, not the worker's load."""
    config = read_model_config()
    for key, value in change.items():
        config[key] = {**config[key], **value} if key == "handler" else value
    with pytest.raises(ArchiveError) as refused:
        build_archive(tiny_model_dir, tmp_path / "store", model_config=config)
    assert message in str(refused.value)
    assert not (tmp_path / "store").exists()


def test_each_backend_packs_its_own_overrides():
    from handler.archive import packed_model_config

    shipped = read_model_config()
    for backend in ("transformers", "ctranslate2"):
        packed = packed_model_config(backend)
        assert "backends" not in packed and packed["handler"]["backend"] == backend
        assert packed["maxBatchDelay"] == shipped["backends"][backend].get("maxBatchDelay", shipped["maxBatchDelay"])
        ServingSettings.from_model_config(packed)


def test_per_request_limits_follow_the_containers_body_limit(monkeypatch):
    """MAX_REQUEST_BYTES (the container's body limit, in the workers' environment) scales the archive's
    per-request limits, which are set for a shared endpoint's 1.5 MB; a dedicated endpoint's 10 MB raises them."""
    from handler.settings import REQUEST_BYTES_ENV, SHARED_ENDPOINT_REQUEST_BYTES, ServingSettings, read_model_config

    config = read_model_config()
    monkeypatch.delenv(REQUEST_BYTES_ENV, raising=False)
    shared = ServingSettings.from_model_config(config)
    monkeypatch.setenv(REQUEST_BYTES_ENV, str(SHARED_ENDPOINT_REQUEST_BYTES))
    assert ServingSettings.from_model_config(config) == shared
    monkeypatch.setenv(REQUEST_BYTES_ENV, str(10 * 1024 * 1024))
    dedicated = ServingSettings.from_model_config(config)
    assert dedicated.max_instances == round(shared.max_instances * 10 * 1024 * 1024 / SHARED_ENDPOINT_REQUEST_BYTES)
    assert dedicated.max_request_chars > 6 * shared.max_request_chars
    assert (dedicated.max_text_chars, dedicated.max_new_tokens) == (shared.max_text_chars, shared.max_new_tokens)
    monkeypatch.setenv(REQUEST_BYTES_ENV, str(SHARED_ENDPOINT_REQUEST_BYTES // 64))
    assert ServingSettings.from_model_config(config).max_instances == 2
