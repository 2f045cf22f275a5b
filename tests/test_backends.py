"""Both generation backends behind the same contract: shapes, parameters, errors, archives."""

from __future__ import annotations

import json
import zipfile

import pytest
import requests

from handler.backends.ctranslate2_backend import compute_type
from handler.service import TranslationService, default_params
from handler.vertex_protocol import GenerationParams

TEXTS = ["Bu odun yanmaz.", "Kedi uyuyor.", "Her kış İzmir'de kar yağar ve çocuklar okula yürüyerek gider."]


@pytest.fixture(params=["transformers", "ctranslate2"], scope="module")
def backend(request):
    return request.getfixturevalue("tiny_backend" if request.param == "transformers" else "tiny_ct2_backend")


@pytest.mark.parametrize(
    "params",
    [
        GenerationParams(1, 5, 1),
        GenerationParams(4, 12, 1),
        GenerationParams(4, 12, 3),
        GenerationParams(2, 1, 2),
        GenerationParams(3, 1, 1),
    ],
    ids=str,
)
def test_every_text_gets_num_return_sequences_translations(backend, params):
    out = backend.translate(TEXTS, params)
    assert len(out) == len(TEXTS)
    for hypotheses in out:
        assert len(hypotheses) == params.num_return_sequences
        assert all(isinstance(h, str) for h in hypotheses)
        # The tiny vocabulary has no piece longer than this; more would mean max_new_tokens was ignored.
        assert all(len(h.split()) <= params.max_new_tokens for h in hypotheses)
    if params.num_return_sequences > 1 and params.max_new_tokens > 1:
        assert any(len(set(h)) > 1 for h in out), "beam search returned identical hypotheses"


def test_both_backends_share_tokenization_and_defaults(tiny_backend, tiny_ct2_backend, settings):
    assert tiny_ct2_backend.count_tokens(TEXTS) == tiny_backend.count_tokens(TEXTS)
    assert tiny_ct2_backend.max_source_tokens == tiny_backend.max_source_tokens
    assert default_params(tiny_ct2_backend, settings) == default_params(tiny_backend, settings)


def test_greedy_search_is_deterministic_and_batch_independent(backend):
    greedy = GenerationParams(1, 10, 1)
    together = backend.translate(TEXTS, greedy)
    assert together == backend.translate(TEXTS, greedy)
    assert [backend.translate([t], greedy)[0] for t in TEXTS] == together


def body(instances, **parameters):
    return json.dumps({"instances": instances, "parameters": {"num_beams": 1, "max_new_tokens": 6, **parameters}})


def test_the_service_answers_alike_on_both_backends(tiny_backend, tiny_ct2_backend, settings):
    long_text = " ".join(["Çocuk okula gidiyor ve annesi evde kalıyor."] * 200)
    batch = [
        body(["Bu odun yanmaz.", ["Kedi uyuyor.", "Ev büyük."], {"text": long_text}]),
        body(["ok", 3]),
        body(["Kedi uyuyor."], num_beams=3, num_return_sequences=2),
        body(["Kedi uyuyor."], num_beams=9),
        b"\xff",
    ]
    replies = {
        name: TranslationService(b, settings).handle_batch(batch)
        for name, b in (("transformers", tiny_backend), ("ctranslate2", tiny_ct2_backend))
    }
    a, b = replies["transformers"], replies["ctranslate2"]
    assert [r.status for r in a] == [r.status for r in b] == [200, 400, 200, 400, 400]
    for i in (1, 3, 4):
        assert a[i].body == b[i].body
    for i in (0, 2):
        assert shape(a[i].body) == shape(b[i].body)
    # The long text (about 2,000 tokens) was split into pieces of at most max_segment_tokens and every
    # piece translated with up to 5 words: one segment alone could give no more than 5.
    for reply in (a[0], b[0]):
        assert len(reply.body["predictions"][2].split()) > 5 * 5


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_ct2_archive_carries_the_converted_model_instead_of_weights(tiny_ct2_archive):
    names = set(zipfile.ZipFile(tiny_ct2_archive).namelist())
    assert {"ctranslate2/model.bin", "ctranslate2/config.json", "source.spm", "target.spm", "vocab.json"} <= names
    assert not [n for n in names if n.endswith(".safetensors")]
    config = zipfile.ZipFile(tiny_ct2_archive).read("model-config.yaml").decode()
    assert "backend: ctranslate2" in config


def test_compute_type_follows_the_device():
    assert compute_type("cpu") == "int8"
    assert compute_type("cuda:1") == "int8_float16"


@pytest.mark.torchserve
def test_ct2_archive_serves_through_torchserve(tmp_path_factory, tiny_ct2_archive, tiny_ct2_backend):
    from handler.server import loopback_torchserve

    server = loopback_torchserve(tiny_ct2_archive.parent, tmp_path_factory.mktemp("ts-ct2"))
    server.start()
    try:
        server.wait_ready()
        url = server.inference_address + "/predictions/tr_en"
        params = {"num_beams": 2, "max_new_tokens": 8, "num_return_sequences": 2}
        response = requests.post(url, json={"instances": [TEXTS[0], [TEXTS[1]]], "parameters": params}, timeout=60)
        assert response.status_code == 200, response.text
        expected = tiny_ct2_backend.translate([TEXTS[0], TEXTS[1]], GenerationParams(2, 8, 2))
        assert response.json() == {"predictions": [expected[0], [expected[1]]]}
        bad = requests.post(url, json={"instances": [""]}, timeout=60)
        assert bad.status_code == 400 and "instances[0]" in bad.json()["error"]
        assert "loaded ctranslate2 backend" in server.log_tail(400)
    finally:
        server.stop()
