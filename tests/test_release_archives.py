"""The wall of shared/design-review.md: archives built by an earlier release keep loading.

Every .mar carries its own copy of ts_handler.py and model-config.yaml; the serving image brings
today's `handler` package. An archive packed with release 0.1's files must still serve.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from handler.archive import model_files
from handler.service import TranslationService
from handler.settings import ServingSettings, read_model_config
from handler.torchserve import loopback_torchserve

RELEASE_0_1 = Path(__file__).with_name("release_0_1")

pytestmark = pytest.mark.torchserve


def pack_release_0_1(model_dir: Path, store: Path) -> Path:
    """torch-model-archiver as release 0.1's `make archive` ran it."""
    store.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "model_archiver.model_packaging",
        "--model-name", "tr_en", "--version", "1.0",
        "--handler", str(RELEASE_0_1 / "ts_handler.py"),
        "--extra-files", ",".join(str(f) for f in model_files(model_dir)),
        "--config-file", str(RELEASE_0_1 / "model-config.yaml"),
        "--export-path", str(store), "--force",
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return store / "tr_en.mar"


def test_release_0_1_settings_are_accepted():
    settings = ServingSettings.from_model_config(read_model_config(RELEASE_0_1 / "model-config.yaml"))
    assert settings.backend == "transformers"


def test_release_0_1_archive_serves_with_todays_package(tmp_path, tiny_model_dir, settings):
    mar = pack_release_0_1(tiny_model_dir, tmp_path / "store")
    server = loopback_torchserve(mar.parent, tmp_path / "ts")
    server.start()
    try:
        server.wait_ready()
        url = f"{server.inference_address}/predictions/tr_en"
        payload = {"instances": ["Bu odun yanmaz.", ["Elma nerede?"]], "parameters": {"num_beams": 1}}
        reply = requests.post(url, data=json.dumps(payload), headers={"Content-Type": "application/json"}, timeout=60)
        form = requests.post(  # curl -d without a Content-Type sends this type
            url, data=json.dumps(payload), headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60
        )
        bad = requests.post(url, json={"instances": []}, timeout=60)
    finally:
        server.kill()
    # Release 0.1's YAML has no dtype: it runs `auto`, so the reference does too.
    from handler.backends.transformers_backend import TransformersBackend

    auto = TransformersBackend(str(tiny_model_dir), "cpu")
    (expected,) = TranslationService(auto, settings).handle_batch([json.dumps(payload)])
    assert reply.status_code == 200 and reply.json() == expected.body
    assert form.status_code == 415 and "Content-Type: application/json" in form.json()["error"]
    assert bad.status_code == 400 and "empty" in bad.json()["error"]
