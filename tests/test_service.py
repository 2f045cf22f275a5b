"""TranslationService with a real (tiny, random) Marian backend: the whole request path without TorchServe."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from handler.backends import GenerationParams
from handler.segmenting import join_pieces, split_long_text
from handler.service import TranslationService, default_params
from tests.conftest import TINY_MAX_LENGTH

GREEDY = {"num_beams": 1, "max_new_tokens": 8}


def body(instances, **parameters):
    return json.dumps({"instances": instances, "parameters": {**GREEDY, **parameters}})


@pytest.fixture(scope="module")
def service(tiny_backend, settings):
    return TranslationService(tiny_backend, settings)


def test_defaults_come_from_the_generation_config(tiny_backend, settings):
    # The tiny model's generation_config.json sets num_beams=4 and max_length, no max_new_tokens:
    # generate() then makes up to max_length - 1 new tokens (the decoder's start token counts in max_length).
    assert default_params(tiny_backend, settings) == GenerationParams(
        num_beams=4, max_new_tokens=TINY_MAX_LENGTH - 1, num_return_sequences=1
    )


def test_without_a_max_length_the_default_is_the_settings(settings):
    from transformers import GenerationConfig

    from handler.backends import MarianTokens

    backend = MarianTokens()
    backend.generation_config = GenerationConfig(num_beams=2)  # max_length is transformers' placeholder 20
    assert default_params(backend, settings).max_new_tokens == settings.default_max_new_tokens


def test_batch_of_requests_matches_one_by_one_translation(service, tiny_backend):
    texts = ["Bu odun yanmaz.", "Kedi uyuyor.", "Çocuk okula gidiyor ve annesi evde kalıyor.", "Ev büyük."]
    expected = [tiny_backend.translate([t], GenerationParams(1, 8, 1))[0][0] for t in texts]
    replies = service.handle_batch([body([texts[0], [texts[1], texts[2]]]), body([{"text": texts[3]}])])
    assert [r.status for r in replies] == [200, 200]
    assert replies[0].body == {"predictions": [expected[0], [expected[1], expected[2]]]}
    assert replies[1].body == {"predictions": [expected[3]]}


def test_bad_request_fails_alone(service):
    replies = service.handle_batch(
        [body(["Bu odun yanmaz."]), body(["ok", 3]), b"\xff", body(["Kedi uyuyor."], num_beams=99)]
    )
    assert [r.status for r in replies] == [200, 400, 400, 400]
    assert replies[1].body == {
        "error": 'instances[1] must be a string, a list of strings or {"text": ...}, not a number'
    }
    assert "UTF-8" in replies[2].body["error"]
    assert "num_beams" in replies[3].body["error"]
    assert isinstance(replies[0].body["predictions"][0], str)


def test_requests_with_different_parameters_are_generated_apart(service, tiny_backend):
    replies = service.handle_batch(
        [body(["Bu odun yanmaz."]), body(["Bu odun yanmaz."], num_beams=3, num_return_sequences=3)]
    )
    assert (
        replies[0].body["predictions"][0]
        == tiny_backend.translate(["Bu odun yanmaz."], GenerationParams(1, 8, 1))[0][0]
    )
    three = replies[1].body["predictions"][0]
    assert isinstance(three, list) and len(three) == 3
    assert three == tiny_backend.translate(["Bu odun yanmaz."], GenerationParams(3, 8, 3))[0]


def test_long_text_is_translated_piece_by_piece(tiny_backend, settings):
    service = TranslationService(tiny_backend, dataclasses.replace(settings, max_segment_tokens=32))
    text = " ".join(["Çocuk her gün okula gidiyor.", "Bu odun yanmaz."] * 200)
    assert len(text) > 8000
    reply = service.handle_batch([body([text], max_new_tokens=4)])[0]
    assert reply.status == 200
    (length,) = tiny_backend.count_tokens([text])
    pieces = [p for p, _ in split_long_text(text, length, tiny_backend.count_tokens, 32)]
    assert len(pieces) > 20
    one_by_one = [tiny_backend.translate([p], GenerationParams(1, 4, 1))[0][0] for p in pieces]
    assert reply.body["predictions"][0] == join_pieces(one_by_one)


class FailingBackend:
    """Wraps the real backend and raises a chosen error from its first generate call, as a device would."""

    def __init__(self, backend, error):
        self.backend, self.error = backend, error
        self.max_source_tokens = backend.max_source_tokens

    def generation_defaults(self):
        return self.backend.generation_defaults()

    def count_tokens(self, texts):
        return self.backend.count_tokens(texts)

    def translate(self, texts, params):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.backend.translate(texts, params)


@pytest.mark.parametrize(
    "error, status, message",
    [
        (torch.OutOfMemoryError("CUDA out of memory"), 507, "out of memory while translating"),
        (MemoryError(), 507, "out of memory while translating"),
        (ValueError("boom"), 500, "translation failed: ValueError: boom"),
    ],
)
def test_generation_errors_become_json_replies_and_the_service_recovers(tiny_backend, settings, error, status, message):
    service = TranslationService(FailingBackend(tiny_backend, error), settings)
    replies = service.handle_batch([body(["Bu odun yanmaz."]), body([])])
    assert replies[0].status == status and message in replies[0].body["error"]
    assert replies[1].status == 400
    (again,) = service.handle_batch([body(["Bu odun yanmaz."])])
    assert again.status == 200


def test_cuda_error_ends_the_worker(tiny_backend, settings, monkeypatch):
    """A CUDA error other than out-of-memory leaves the device unusable: the process exits for a clean restart."""
    exits = []

    def fake_exit(code):
        exits.append(code)
        raise SystemExit(code)

    monkeypatch.setattr("handler.service.os._exit", fake_exit)
    error = torch.AcceleratorError("CUDA error: an illegal memory access was encountered")
    service = TranslationService(FailingBackend(tiny_backend, error), settings)
    with pytest.raises(SystemExit):
        service.handle_batch([body(["Bu odun yanmaz."])])
    assert exits == [1]
