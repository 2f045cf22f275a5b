"""The translation cache: bounded by memory, exact keys, only successes, answers identical to fresh ones."""

from __future__ import annotations

import dataclasses
import json

import torch

from handler.backends.base import GenerationParams, Hypothesis
from handler.cache import TranslationCache, entry_bytes
from handler.metrics import Counts
from handler.service import TranslationService
from handler.vertex_protocol import encode_reply
from tests.test_service import FailingBackend, RecordingBackend

GREEDY = GenerationParams(1, 8, 1)


def hypotheses(text: str) -> tuple[Hypothesis, ...]:
    return (Hypothesis(text, 3, -1.5),)


def test_least_recently_used_entries_go_first_within_the_byte_bound():
    size = entry_bytes(("Kedi uyuyor.", GREEDY), hypotheses("The cat sleeps."))
    cache = TranslationCache(max_bytes=2 * size)
    cache.put(("Kedi uyuyor.", GREEDY), hypotheses("The cat sleeps."))
    cache.put(("Kedi uyumaz.", GREEDY), hypotheses("The cat wakes."))
    assert cache.get(("Kedi uyuyor.", GREEDY)) is not None  # now the most recently used
    cache.put(("Kedi uyudu.", GREEDY), hypotheses("The cat slept."))
    assert cache.get(("Kedi uyumaz.", GREEDY)) is None
    assert cache.get(("Kedi uyuyor.", GREEDY)) == hypotheses("The cat sleeps.")
    assert len(cache) == 2 and cache.bytes <= cache.max_bytes
    # Larger than the whole cache: not put in, nothing evicted for it.
    cache.put(("x" * 10 * size, GREEDY), hypotheses("y"))
    assert len(cache) == 2
    assert TranslationCache.of_mib(0) is None and TranslationCache.of_mib(2).max_bytes == 2 * 1024 * 1024


def test_keys_are_exact_text_and_every_parameter():
    cache = TranslationCache(max_bytes=1 << 20)
    cache.put(("İzmir'e gittim.", GREEDY), hypotheses("I went to Izmir."))
    # Turkish dotted and dotless I are different letters; no case folding or normalisation.
    assert cache.get(("izmir'e gittim.", GREEDY)) is None
    assert cache.get(("Izmir'e gittim.", GREEDY)) is None
    assert cache.get(("İzmir'e gittim. ", GREEDY)) is None
    for other in (
        dataclasses.replace(GREEDY, num_beams=2),
        dataclasses.replace(GREEDY, max_new_tokens=9),
        dataclasses.replace(GREEDY, no_repeat_ngram_size=2),
        dataclasses.replace(GREEDY, repetition_penalty=1.2),
    ):
        assert cache.get(("İzmir'e gittim.", other)) is None
    assert cache.get(("İzmir'e gittim.", GREEDY)) is not None
    # An entry stored without scores does not answer a request that needs them.
    cache.put(("Ev büyük.", GREEDY), (Hypothesis("The house is big.", 5),))
    assert cache.get(("Ev büyük.", GREEDY)) is not None and cache.get(("Ev büyük.", GREEDY), scores=True) is None


def body(instances, **parameters):
    return json.dumps({"instances": instances, "parameters": {"num_beams": 2, "max_new_tokens": 8, **parameters}})


def test_a_cached_answer_is_byte_identical_to_a_fresh_one(tiny_backend, settings):
    requests = [
        body(["Bu odun yanmaz. Kedi uyuyor.", ["İzmir'e gittim.\n\nEv büyük."]]),
        body(["Bu odun yanmaz. Kedi uyuyor."], return_details=True, num_return_sequences=2),
    ]
    recording = RecordingBackend(tiny_backend)
    cached = TranslationService(recording, dataclasses.replace(settings, cache_mib=1))
    first = [encode_reply(r.body) for r in cached.handle_batch(requests)]
    generated = len(recording.calls)
    counts = Counts()
    again = [encode_reply(r.body) for r in cached.handle_batch(requests, counts)]
    assert len(recording.calls) == generated, "the second batch was answered from the cache alone"
    assert counts.get("translation_cache_hits_total") == 4 + 2 and counts.get("translation_cache_misses_total") == 0
    fresh = TranslationService(tiny_backend, dataclasses.replace(settings, cache_mib=0))
    assert again == first == [encode_reply(r.body) for r in fresh.handle_batch(requests)]
    # And one by one: each request alone, without a cache, gives the same bytes.
    assert [encode_reply(fresh.handle_batch([r])[0].body) for r in requests] == first


def test_only_successful_translations_are_cached(tiny_backend, settings):
    service = TranslationService(
        FailingBackend(tiny_backend, torch.OutOfMemoryError("CUDA out of memory")),
        dataclasses.replace(settings, cache_mib=1),
    )
    (failed,) = service.handle_batch([body(["Bu odun yanmaz."])])
    assert failed.status == 507 and len(service.cache) == 0
    (ok,) = service.handle_batch([body(["Bu odun yanmaz."])])
    assert ok.status == 200 and len(service.cache) == 1
