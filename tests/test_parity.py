"""Served translations equal offline generation: model.generate(**tokenizer([text], return_tensors="pt"))
on the same directory with the same parameters, at the model's defaults and with explicit ones.

One real TorchServe serves three archives side by side (registered under their own names): the
safetensors layout, the original sample's (pytorch_model.bin, generation fields in config.json) and
a sharded .bin with the legacy config. The generation defaults are set small (max_length 24) so that
the random tiny model, which never stops by itself, generates few tokens at its defaults.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests
import torch

from handler.archive import build_archive
from handler.torchserve import loopback_torchserve
from tests.model_layouts import original_sample_layout

pytestmark = pytest.mark.torchserve

TEXTS = ["Bu odun yanmaz.", "Her kış İzmir'de kar yağar ve çocuklar okula yürüyerek gider."]
# Explicit parameters; max_new_tokens 1 leaves room for Marian's forced end-of-sentence only.
PARAMETERS = [{}, {"num_beams": 2, "max_new_tokens": 7}, {"num_beams": 1, "max_new_tokens": 12}, {"max_new_tokens": 1}]


def modern_layout(tiny_model_dir: Path, out: Path) -> Path:
    shutil.copytree(tiny_model_dir, out)
    config = json.loads((out / "generation_config.json").read_text())
    (out / "generation_config.json").write_text(json.dumps({**config, "num_beams": 3, "max_length": 24}))
    return out


@pytest.fixture(scope="module")
def layouts(tmp_path_factory, tiny_model_dir) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("layouts")
    return {
        "safetensors": modern_layout(tiny_model_dir, root / "safetensors"),
        "sample": original_sample_layout(tiny_model_dir, root / "sample", num_beams=2, max_length=24),
        "sharded_legacy": original_sample_layout(
            tiny_model_dir, root / "sharded", shards=2, num_beams=5, max_length=20
        ),
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory, layouts):
    store = tmp_path_factory.mktemp("parity-store")
    for name, model_dir in layouts.items():
        # float32 as from_pretrained loads it: `auto` would pick bfloat16 on CPUs that have it.
        build_archive(model_dir, store / name, dtype="float32").rename(store / f"{name}.mar")
    archives = ",".join(f"{name}={name}.mar" for name in layouts)
    ts = loopback_torchserve(store, tmp_path_factory.mktemp("parity-ts"), archive=archives)
    ts.start()
    try:
        ts.wait_ready(timeout=300, models=tuple(layouts))
        yield ts
    finally:
        ts.kill()


@pytest.fixture(scope="module")
def offline(layouts):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    def load(model_dir: Path):
        return AutoTokenizer.from_pretrained(model_dir), AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()

    return {name: load(model_dir) for name, model_dir in layouts.items()}


def generate(tokenizer, model, text: str, parameters: dict) -> str:
    with torch.inference_mode():
        ids = model.generate(**tokenizer([text], return_tensors="pt"), **parameters)
    return tokenizer.decode(ids[0], skip_special_tokens=True).strip()


@pytest.mark.parametrize("layout", ["safetensors", "sample", "sharded_legacy"])
def test_served_translation_equals_generate(server, offline, layout):
    tokenizer, model = offline[layout]
    url = f"{server.inference_address}/predictions/{layout}"
    for parameters in PARAMETERS:
        for text in TEXTS:
            response = requests.post(url, json={"instances": [text], "parameters": parameters}, timeout=120)
            assert response.status_code == 200, response.text
            (served,) = response.json()["predictions"]
            assert served == generate(tokenizer, model, text, parameters), (layout, parameters, text)


def test_defaults_are_the_models_own(offline):
    """The three layouts set different defaults, so a served default that ignored them would show above."""
    beams = {name: model.generation_config.num_beams for name, (_, model) in offline.items()}
    lengths = {name: model.generation_config.max_length for name, (_, model) in offline.items()}
    assert beams == {"safetensors": 3, "sample": 2, "sharded_legacy": 5}
    assert lengths == {"safetensors": 24, "sample": 24, "sharded_legacy": 20}
