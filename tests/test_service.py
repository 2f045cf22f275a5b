"""TranslationService with a real (tiny, random) Marian backend: the whole request path without TorchServe."""

from __future__ import annotations

import dataclasses
import json
import math
import weakref

import pytest
import torch

from handler.backends import GenerationParams
from handler.metrics import Counts
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


def test_repetition_defaults_come_from_the_generation_config_within_range(tiny_backend, settings):
    class Configured(RecordingBackend):
        def generation_defaults(self):
            return {**self.backend.generation_defaults(), "no_repeat_ngram_size": 20, "repetition_penalty": 1.2}

    defaults = default_params(Configured(tiny_backend), settings)
    assert (defaults.no_repeat_ngram_size, defaults.repetition_penalty) == (10, 1.2)
    assert (
        default_params(tiny_backend, settings).no_repeat_ngram_size,
        default_params(tiny_backend, settings).repetition_penalty,
    ) == (0, 1.0)


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


@pytest.mark.slow
def test_long_text_kept_whole_is_translated_piece_by_piece(tiny_backend, settings):
    """split_sentences false: release 0.1's path, the text split only beyond the source window."""
    service = TranslationService(tiny_backend, dataclasses.replace(settings, max_segment_tokens=32))
    text = " ".join(["Çocuk her gün okula gidiyor.", "Bu odun yanmaz."] * 200)
    assert len(text) > 8000
    reply = service.handle_batch([body([text], max_new_tokens=4, split_sentences=False)])[0]
    assert reply.status == 200
    (length,) = tiny_backend.count_tokens([text])
    pieces = [p for p, _ in split_long_text(text, length, tiny_backend.count_tokens, 32)]
    assert len(pieces) > 20
    one_by_one = [tiny_backend.translate([p], GenerationParams(1, 4, 1))[0][0] for p in pieces]
    assert reply.body["predictions"][0] == join_pieces(one_by_one)


class WrappedBackend:
    """The real backend behind a wrapper: everything but generate is passed through."""

    def __init__(self, backend):
        self.backend = backend
        self.max_source_tokens = backend.max_source_tokens
        self.pad_to_multiple_of = backend.pad_to_multiple_of

    def generation_defaults(self):
        return self.backend.generation_defaults()

    def count_tokens(self, texts):
        return self.backend.count_tokens(texts)


class FailingBackend(WrappedBackend):
    """Wraps the real backend and raises a chosen error from its first generate call, as a device would."""

    def __init__(self, backend, error):
        super().__init__(backend)
        self.error = error

    def generate(self, texts, params, scores=False):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.backend.generate(texts, params, scores)


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


@pytest.mark.parametrize(
    "error",
    [
        torch.AcceleratorError("CUDA error: an illegal memory access was encountered"),
        RuntimeError("cuBLAS failed with status CUBLAS_STATUS_EXECUTION_FAILED"),  # CTranslate2's words
        RuntimeError("CUDA failed with error unspecified launch failure"),
        RuntimeError("cuDNN error: CUDNN_STATUS_INTERNAL_ERROR"),
    ],
    ids=str,
)
def test_cuda_error_ends_the_worker(tiny_backend, settings, monkeypatch, error):
    """A CUDA, cuBLAS or cuDNN error (not out of memory) leaves the device unusable: the process exits
    for a clean restart, whichever backend's words say so."""
    exits = []

    def fake_exit(code):
        exits.append(code)
        raise SystemExit(code)

    monkeypatch.setattr("handler.service.os._exit", fake_exit)
    service = TranslationService(FailingBackend(tiny_backend, error), settings)
    with pytest.raises(SystemExit):
        service.handle_batch([body(["Bu odun yanmaz."])])
    assert exits == [1]


class Held:
    """Stands for the batch's device tensors that an out-of-memory traceback's frames hold."""


class OutOfMemoryBackend(WrappedBackend):
    def __init__(self, backend):
        super().__init__(backend)
        self.held = None

    def generate(self, texts, params, scores=False):
        activations = Held()
        self.held = weakref.ref(activations)
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_frees_after_the_traceback_is_gone(tiny_backend, settings, monkeypatch):
    backend = OutOfMemoryBackend(tiny_backend)
    seen = []
    # At the moment the cache is emptied, nothing may hold the failed batch's tensors any more.
    monkeypatch.setattr("handler.service.free_device_memory", lambda: seen.append(backend.held()))
    counts = Counts()
    (reply,) = TranslationService(backend, settings).handle_batch([body(["Bu odun yanmaz."])], counts)
    assert reply.status == 507 and "out of memory while translating" in reply.body["error"]
    assert seen == [None]
    assert counts.get("translation_errors_total", status="507") == 1


class RecordingBackend(WrappedBackend):
    """The real backend, with every generate call's segments and parameters written down."""

    def __init__(self, backend):
        super().__init__(backend)
        self.calls = []

    def generate(self, texts, params, scores=False):
        out = self.backend.generate(texts, params, scores)
        self.calls.append((list(texts), params, out))
        return out


def one(backend, sentence, **parameters):
    return backend.translate([sentence], dataclasses.replace(GenerationParams(1, 8, 1), **parameters))[0][0]


def test_every_sentence_is_translated_alone_and_the_layout_comes_back(service, tiny_backend):
    text = "Bu odun yanmaz. Kedi uyuyor.\n\nEv büyük."
    (reply,) = service.handle_batch([body([text])])
    a, b, c = (one(tiny_backend, s) for s in ("Bu odun yanmaz.", "Kedi uyuyor.", "Ev büyük."))
    assert reply.body == {"predictions": [f"{a} {b}\n\n{c}"]}
    (whole,) = service.handle_batch([body([text], split_sentences=False)])
    assert whole.body == {"predictions": [one(tiny_backend, text)]}


def test_sentences_of_all_requests_share_micro_batches_and_repeats_are_translated_once(tiny_backend, settings):
    recording = RecordingBackend(tiny_backend)
    service = TranslationService(recording, dataclasses.replace(settings, cache_mib=0))
    counts = Counts()
    replies = service.handle_batch(
        [body(["Bu odun yanmaz. Kedi uyuyor."]), body([["Ev büyük.", "Kedi uyuyor. Bu odun yanmaz. Elma nerede?"]])],
        counts,
    )
    assert [r.status for r in replies] == [200, 200]
    # One generate call for the four distinct sentences of both requests, longest first.
    ((segments, params, _),) = recording.calls
    assert sorted(segments) == sorted(["Bu odun yanmaz.", "Kedi uyuyor.", "Ev büyük.", "Elma nerede?"])
    lengths = tiny_backend.count_tokens(segments)
    assert lengths == sorted(lengths, reverse=True)
    assert counts.get("translation_sentences_total") == 6 and counts.get("translation_requests_total") == 2
    assert counts.get("translation_micro_batches_total") == 1
    assert counts.get("translation_real_tokens_total") == sum(lengths)
    # Every row padded to the longest, rounded up to the backend's multiple of 8 tokens.
    assert counts.get("translation_padded_tokens_total") == -(-max(lengths) // 8) * 8 * len(lengths)
    assert "translation_cache_hits_total" not in {name for name, _ in counts.values}


def test_decoding_is_capped_by_the_longest_source_of_each_micro_batch(tiny_backend, settings):
    recording = RecordingBackend(tiny_backend)
    capped = dataclasses.replace(settings, decode_length_factor=1.5, decode_length_offset=2, max_batch_sentences=1)
    service = TranslationService(recording, capped)
    counts = Counts()
    short, long = "Ev büyük.", "Her kış İzmir'de kar yağar ve çocuklar okula yürüyerek gider."
    (reply,) = service.handle_batch([body([short, long], max_new_tokens=100)], counts)
    assert reply.status == 200
    limits = {segments[0]: params.max_new_tokens for segments, params, _ in recording.calls}
    for text, n in zip((short, long), tiny_backend.count_tokens([short, long])):
        assert limits[text] == math.ceil(1.5 * n) + 2 < 100
    # The random tiny model rarely ends a sentence by itself: whatever reached the cap was counted.
    reached = sum(any(h.tokens >= p.max_new_tokens for h in out[0]) for _, p, out in recording.calls)
    assert counts.get("translation_decoding_cap_hits_total") == reached
    # An explicit max_new_tokens below the cap still decides, and is no cap hit.
    recording.calls.clear()
    service.handle_batch([body([long], max_new_tokens=3)], counts)
    assert [p.max_new_tokens for _, p, _ in recording.calls] == [3]
    assert counts.get("translation_decoding_cap_hits_total") == reached
    # Factor 0 turns the cap off.
    recording.calls.clear()
    TranslationService(recording, dataclasses.replace(capped, decode_length_factor=0.0)).handle_batch(
        [body([short], max_new_tokens=100)]
    )
    assert [p.max_new_tokens for _, p, _ in recording.calls] == [100]


def test_details_carry_scores_per_text_and_per_sentence(service):
    text = "Bu odun yanmaz. Kedi uyuyor."
    (plain, detailed, several) = service.handle_batch(
        [
            body([text]),
            body([text, [text]], return_details=True),
            body([text], return_details=True, num_beams=3, num_return_sequences=2),
        ]
    )
    details = detailed.body["predictions"][0]
    assert details["translation"] == plain.body["predictions"][0]
    assert detailed.body["predictions"][1] == [details]
    assert [s["source"] for s in details["sentences"]] == ["Bu odun yanmaz.", "Kedi uyuyor."]
    assert " ".join(s["translation"] for s in details["sentences"]) == details["translation"]
    assert all(isinstance(s["score"], float) and s["score"] < 0 for s in details["sentences"])
    # The text's score is per generated token over both sentences, so it lies between theirs.
    low, high = sorted(s["score"] for s in details["sentences"])
    assert low <= details["score"] <= high
    (hypotheses,) = several.body["predictions"]
    assert [sorted(h) for h in hypotheses] == [["score", "sentences", "translation"]] * 2
    assert hypotheses[0]["translation"] != hypotheses[1]["translation"]


@pytest.mark.parametrize("backend_name", ["tiny_backend", "tiny_ct2_backend"])
def test_repetition_controls_reach_both_backends(request, backend_name):
    backend = request.getfixturevalue(backend_name)
    text = "Her kış İzmir'de kar yağar ve çocuklar okula yürüyerek gider."
    free = one(backend, text, max_new_tokens=24).split()
    assert len(set(free)) < len(free), "the random tiny model repeats itself without constraints"
    distinct = one(backend, text, max_new_tokens=24, no_repeat_ngram_size=1).split()
    assert len(set(distinct)) == len(distinct)
    assert one(backend, text, max_new_tokens=24, repetition_penalty=2.0).split() != free


@pytest.fixture(scope="module")
def nan_service(nan_model_dir, settings):
    from handler.backends.transformers_backend import TransformersBackend

    return TranslationService(TransformersBackend(str(nan_model_dir), "cpu", dtype="float32"), settings)


@pytest.mark.parametrize("details", [False, True])
def test_nan_scores_are_a_500_naming_the_numerics_never_an_empty_200(nan_service, details):
    """A model whose arithmetic overflows (NaN logits pick id 0, `</s>`, so the text would be "")."""
    counts = Counts()
    good_and_bad = [body(["Bu odun yanmaz."], return_details=details), body([])]
    replies = nan_service.handle_batch(good_and_bad, counts)
    assert [r.status for r in replies] == [500, 400]
    message = replies[0].body["error"]
    assert message.startswith("the model produced non-finite or empty output (the model's scores held NaN or inf")
    assert message.endswith("its precision may overflow: try dtype float32 (make archive DTYPE=float32)")
    assert counts.get("translation_numerics_errors_total") == 1
    assert counts.get("translation_errors_total", status="500") == 1
    assert counts.get("translation_requests_total") == 0


class EmptyBackend(WrappedBackend):
    """The real backend, ending every hypothesis at once: what NaN logits give (id 0 is `</s>`) unreported."""

    def generate(self, texts, params, scores=False):
        return [
            [dataclasses.replace(h, text="", tokens=1) for h in row]
            for row in self.backend.generate(texts, params, scores)
        ]


def test_an_empty_greedy_translation_of_a_real_source_is_a_500_unless_the_length_limit_cut_it(tiny_backend, settings):
    service = TranslationService(EmptyBackend(tiny_backend), settings)
    counts = Counts()
    (reply,) = service.handle_batch([body(["Bu odun yanmaz."])], counts)
    assert reply.status == 500 and "an empty translation of 15 characters of source" in reply.body["error"]
    assert counts.get("translation_numerics_errors_total") == 1
    # max_new_tokens 1 leaves room for `</s>` alone: an empty text is what was asked for.
    (reply,) = service.handle_batch([body(["Bu odun yanmaz."], max_new_tokens=1)])
    assert reply.status == 200 and reply.body["predictions"] == [""]
    # Beam search's length normalisation may rank a lone `</s>` first for a sound model: not a sign there.
    (reply,) = service.handle_batch([body(["Bu odun yanmaz."], num_beams=2)])
    assert reply.status == 200 and reply.body["predictions"] == [""]


def test_the_load_check_passes_a_sound_model_and_names_the_numerics_of_a_broken_one(service, nan_service):
    from handler.backends import ModelNumericsError

    service.check_model()
    with pytest.raises(ModelNumericsError) as raised:
        nan_service.check_model()
    message = str(raised.value)
    assert message.startswith("the model failed its load check (the model's scores held NaN or inf in torch.float32)")
    assert message.endswith("its precision may overflow: try dtype float32 (make archive DTYPE=float32)")


def test_replies_with_nan_are_refused_by_the_encoder():
    from handler.vertex_protocol import encode_reply

    assert encode_reply({"predictions": [{"translation": "a", "score": -0.5}]}) == (
        '{"predictions": [{"translation": "a", "score": -0.5}]}'
    )
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="not JSON compliant"):
            encode_reply({"predictions": [{"translation": "", "score": value}]})
