"""Long-text splitting and length-sorted micro-batching."""

from __future__ import annotations

import random

import pytest

from handler.batching import padded_width, plan_micro_batches
from handler.segmenting import join_pieces, split_long_text


def count_words(texts: list[str]) -> list[int]:
    """A stand-in tokenizer: one token per word plus end-of-sentence."""
    return [len(t.split()) + 1 for t in texts]


def split(text: str, max_tokens: int, count=count_words):
    (length,) = count([text])
    return split_long_text(text, length, count, max_tokens)


def test_short_text_is_one_piece():
    assert split("Bu odun yanmaz.", 10) == [("Bu odun yanmaz.", 4)]


def test_long_text_is_split_at_sentence_boundaries_and_packed():
    text = "Bir iki üç. Dört beş altı! Yedi sekiz? Dokuz on."
    pieces = split(text, 8)
    assert [p for p, _ in pieces] == ["Bir iki üç. Dört beş altı!", "Yedi sekiz? Dokuz on."]
    assert all(n <= 8 for _, n in pieces)
    assert " ".join(p for p, _ in pieces) == text


def test_over_long_sentence_is_cut_at_words_and_over_long_word_into_chunks():
    sentence = " ".join(f"w{i}" for i in range(30)) + "."
    pieces = split(sentence, 6)
    assert all(n <= 6 for _, n in pieces)
    assert " ".join(p for p, _ in pieces) == sentence

    def count_chars(texts):
        return [len(t) + 1 for t in texts]

    word = "x" * 50
    pieces = split(word, 8, count_chars)
    assert all(n <= 8 for _, n in pieces)
    assert "".join(p for p, _ in pieces) == word


def test_real_tokenizer_several_thousand_characters(tiny_backend):
    sentences = ["Çocuk her gün okula gidiyor.", "Bu odun yanmaz.", "Kedi bahçede uyuyor ve köpek havlıyor."]
    rng = random.Random(0)
    text = " ".join(rng.choice(sentences) for _ in range(250))
    assert len(text) > 5000
    (length,) = tiny_backend.count_tokens([text])
    assert length > 512
    pieces = split_long_text(text, length, tiny_backend.count_tokens, 64)
    assert len(pieces) > 10
    assert all(n <= 64 for _, n in pieces)
    assert [n for _, n in pieces] == tiny_backend.count_tokens([p for p, _ in pieces])
    assert " ".join(p for p, _ in pieces) == text


def test_join_pieces_skips_empty_translations():
    assert join_pieces(["This wood won't burn. ", "", " It is wet."]) == "This wood won't burn. It is wet."


@pytest.mark.parametrize(
    "budget, max_sentences, beams, multiple",
    [(64, 100, 1, 1), (200, 4, 1, 1), (1000, 64, 4, 1), (10, 8, 1, 1), (64, 100, 1, 8), (1000, 64, 4, 8)],
)
def test_micro_batches_cover_every_segment_once_within_budget(budget, max_sentences, beams, multiple):
    lengths = [random.Random(i).randint(2, 40) for i in range(57)]
    batches = plan_micro_batches(lengths, budget, max_sentences, beams, multiple)
    covered = sorted(i for b in batches for i in b.indices)
    assert covered == list(range(len(lengths)))
    for batch in batches:
        assert len(batch.indices) <= max_sentences
        assert batch.longest == max(lengths[i] for i in batch.indices)
        # The budget counts the padding the backend adds: rows rounded up to the multiple, one row alone not.
        if len(batch.indices) == 1:
            assert batch.padded_length == batch.longest
        else:
            assert batch.padded_length % multiple == 0 and 0 <= batch.padded_length - batch.longest < multiple
        # A segment that alone exceeds the budget still gets a batch of its own.
        assert batch.padded_tokens * beams <= budget or len(batch.indices) == 1
    ordered = [lengths[i] for b in batches for i in b.indices]
    assert ordered == sorted(lengths, reverse=True)


def test_padded_width_rounds_several_rows_up_within_the_window():
    assert [padded_width(n, 2, 8) for n in (1, 8, 9, 17)] == [8, 8, 16, 24]
    assert padded_width(9, 1, 8) == 9  # a row alone
    assert padded_width(9, 4, 1) == padded_width(9, 4, 0) == 9  # padding off
    assert padded_width(509, 4, 8, limit=512) == 512  # rounded up to the window exactly
    assert padded_width(505, 4, 8, limit=510) == 505  # 512 would pass a 510-position window
    # The planner counts what the backend pads to, the window included.
    (batch,) = plan_micro_batches([505, 500], 100_000, 64, pad_to_multiple_of=8, source_limit=510)
    assert (batch.longest, batch.padded_length) == (505, 505)


def test_micro_batches_fill_up_to_the_budget():
    batches = plan_micro_batches([10] * 10, token_budget=40, max_sentences=64)
    assert [len(b.indices) for b in batches] == [4, 4, 2]
    assert plan_micro_batches([], 100, 8) == []
    # Rounded up to 16 tokens a row, only two rows of 10 fit in 40; the last one alone is not padded.
    batches = plan_micro_batches([10] * 5, 40, 64, pad_to_multiple_of=16)
    assert [(len(b.indices), b.padded_tokens) for b in batches] == [(2, 32), (2, 32), (1, 10)]
