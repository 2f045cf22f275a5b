"""Split texts longer than the model's source limit into pieces that fit, and join them back.

Marian has a fixed number of source positions; a longer text would be truncated or fail. It
is split at sentence boundaries into as few pieces as fit, a single over-long sentence at
word boundaries, and a single over-long word into character chunks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A sentence ends at . ! ? … (optionally followed by closing quotes or brackets) and white space,
# or at a line break.
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]»”’]*\s+|\n+")

CountTokens = Callable[[list[str]], list[int]]


def split_long_text(text: str, length: int, count_tokens: CountTokens, max_tokens: int) -> list[tuple[str, int]]:
    """Pieces of `text` (which has `length` tokens) of at most `max_tokens` tokens each, with their lengths."""
    if length <= max_tokens:
        return [(text, length)]
    sentences = [s for s in (part.strip() for part in SENTENCE_END.split(text)) if s]
    units: list[Unit] = []
    for sentence, n in zip(sentences, count_tokens(sentences)):
        units.extend([(sentence, n, " ")] if n <= max_tokens else _split_sentence(sentence, count_tokens, max_tokens))
    return [(piece, n) for piece, n, _ in _pack(units, count_tokens, max_tokens)]


# A unit of text, its token count, and what joins it to the unit before it.
Unit = tuple[str, int, str]


def _split_sentence(sentence: str, count_tokens: CountTokens, max_tokens: int) -> list[Unit]:
    words = sentence.split()
    units: list[Unit] = []
    for word, n in zip(words, count_tokens(words)):
        units.extend([(word, n, " ")] if n <= max_tokens else _split_word(word, count_tokens, max_tokens))
    return _pack(units, count_tokens, max_tokens)


def _split_word(word: str, count_tokens: CountTokens, max_tokens: int) -> list[Unit]:
    # No sub-word piece is shorter than one character, so chunks of max_tokens // 2 characters
    # leave room for the end-of-sentence token; shrink until every chunk fits.
    size = max(1, max_tokens // 2)
    while True:
        chunks = [word[i : i + size] for i in range(0, len(word), size)]
        lengths = count_tokens(chunks)
        if max(lengths) <= max_tokens or size == 1:
            # Chunks of one word join back without a space.
            return [(chunk, n, " " if i == 0 else "") for i, (chunk, n) in enumerate(zip(chunks, lengths))]
        size //= 2


def _pack(units: list[Unit], count_tokens: CountTokens, max_tokens: int) -> list[Unit]:
    """Greedily join consecutive units while the joined text still fits."""
    pieces: list[Unit] = []
    for text, n, glue in units:
        if pieces:
            last, last_n, last_glue = pieces[-1]
            # Each unit's count includes one end-of-sentence token, so the sum bounds the join.
            if last_n + n - 1 <= max_tokens:
                joined = f"{last}{glue}{text}"
                (joined_n,) = count_tokens([joined])
                if joined_n <= max_tokens:
                    pieces[-1] = (joined, joined_n, last_glue)
                    continue
        pieces.append((text, n, glue))
    return pieces


def join_pieces(translations: list[str]) -> str:
    return " ".join(t.strip() for t in translations if t.strip())
