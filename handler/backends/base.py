"""The backend contract: what the service asks of a model, whichever library runs it.

A backend loads a model directory, counts source tokens and translates a list of strings with
`GenerationParams`. The Vertex protocol, the service and the benchmark all speak this contract;
none of them knows which library is behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# Marian's position table when a config does not say (opus-mt models have 512).
DEFAULT_POSITIONS = 512
# Source padding granularity in tokens (model-config.yaml handler.pad_to_multiple_of).
PAD_TO_MULTIPLE_OF = 8
# Target tokens (rows x length) per forward pass when scoring (model-config.yaml handler.score_chunk_tokens):
# the logits held at once are this many x the vocabulary (58,101 for opus-mt: 476 MB in float32).
SCORE_CHUNK_TOKENS = 2048


class ModelNumericsError(ArithmeticError):
    """The model's arithmetic overflowed: NaN or inf scores, or nothing generated for a real source.

    Raised by a backend or the service; the service answers 500 naming the model's numerics."""


@dataclass(frozen=True)
class GenerationParams:
    """How to decode one group of segments. The rules for each field (defaults, ranges) live in
    handler/parameters.py; a field added here is a request parameter once it has a rule there."""

    num_beams: int = 1
    max_new_tokens: int = 256
    num_return_sequences: int = 1
    # Never repeat an n-gram of this size (0: no constraint).
    no_repeat_ngram_size: int = 0
    # Above 1.0, tokens already generated become less likely (1.0: no penalty).
    repetition_penalty: float = 1.0


@dataclass(frozen=True)
class Hypothesis:
    """One translation of one segment: its text, how many tokens it took, and how likely the model found it."""

    text: str
    # Generated tokens, end-of-sentence included (the forced one at the length limit too).
    tokens: int
    # Sum of the model's log-probabilities of those tokens, teacher-forced on the unprocessed
    # distribution; None when not asked for (it costs a second decoder pass).
    log_prob: float | None = None
    # For each word of `text` (split at white space), the word of the source text it aligns with
    # most (split the same way); None when not asked for. handler/markup places tags and protected
    # spans by it.
    alignment: tuple[int, ...] | None = None


class TranslationBackend(Protocol):
    # Source tokens (end-of-sentence included) the model accepts in one segment.
    max_source_tokens: int
    # generate pads a batch's rows to a multiple of this many tokens (1: to the longest row).
    pad_to_multiple_of: int

    def generation_defaults(self) -> dict[str, float]:
        """The GenerationParams fields that the model's own generation config sets, if any."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source tokens of each text, end-of-sentence included."""

    def generate(
        self, texts: list[str], params: GenerationParams, scores: bool = False, alignments: bool = False
    ) -> list[list[Hypothesis]]:
        """num_return_sequences hypotheses of each text, best first; with `scores`, their log_prob too;
        with `alignments`, their word alignment."""

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        """num_return_sequences translations of each text, best first (the texts of `generate`)."""


def source_window(config: Any, tokenizer: Any) -> int:
    """Source tokens one segment may have: the model's positions, or the tokenizer's limit if lower."""
    positions = getattr(config, "max_position_embeddings", None) or DEFAULT_POSITIONS
    return min(positions, tokenizer.model_max_length or positions)


class MarianTokens:
    """What both backends share: the Marian tokenizer's view of source lengths and generation defaults.

    Subclasses set `tokenizer` and `generation_config`.
    """

    tokenizer: Any
    generation_config: Any
    pad_to_multiple_of: int = 1

    def generation_defaults(self) -> dict[str, float]:
        config = self.generation_config
        max_new_tokens = config.max_new_tokens
        # generate() without max_new_tokens stops at max_length tokens, the decoder's start token
        # included, so a model's max_length (512 for opus-mt) means max_length - 1 new tokens. Only a
        # max_length the model sets counts: transformers' own default of 20 is a placeholder.
        if not max_new_tokens and "max_length" in config.to_diff_dict():
            max_new_tokens = config.max_length - 1
        defaults = {
            "num_beams": config.num_beams,
            "max_new_tokens": max_new_tokens,
            "no_repeat_ngram_size": config.no_repeat_ngram_size,
            "repetition_penalty": config.repetition_penalty,
        }
        return {k: v for k, v in defaults.items() if v}

    def generate(
        self, texts: list[str], params: GenerationParams, scores: bool = False, alignments: bool = False
    ) -> list[list[Hypothesis]]:
        raise NotImplementedError

    def word_alignment(self, source_pieces: list[str], target_pieces: list[str], attention: Any) -> tuple[int, ...]:
        """For each target word, the source word it attends to most: `attention` is target pieces x source
        pieces (sentencepiece pieces, a word starts at a piece with "▁"); special tokens are left out."""
        # <unk> stands for a real word (a digit, a brace the vocabulary lacks) and is aligned like one.
        special = set(self.tokenizer.all_special_tokens) - {self.tokenizer.unk_token}
        return word_alignment(source_pieces, target_pieces, attention, special)

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        return [[h.text for h in hypotheses] for hypotheses in self.generate(texts, params)]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]


WORD_START = "\u2581"  # sentencepiece's mark of a piece that begins a word


def piece_words(pieces: list[str], special: set[str]) -> list[int]:
    """The word index of each piece, -1 for special tokens: a word starts at a piece that begins with ▁."""
    words: list[int] = []
    current = -1
    for piece in pieces:
        if piece in special:
            words.append(-1)
            continue
        if current < 0 or piece.startswith(WORD_START):
            current += 1
        words.append(current)
    return words


def word_alignment(
    source_pieces: list[str], target_pieces: list[str], attention: Any, special: set[str]
) -> tuple[int, ...]:
    """Target words' most attended source words; attention rows are target pieces, columns source pieces."""
    source_words = piece_words(source_pieces, special)
    target_words = piece_words(target_pieces, special)
    n_source = max(source_words, default=-1) + 1
    n_target = max(target_words, default=-1) + 1
    if n_source == 0:
        return tuple(0 for _ in range(n_target))
    weights = [[0.0] * n_source for _ in range(n_target)]
    for t, tw in enumerate(target_words):
        if tw < 0 or t >= len(attention):
            continue
        row = attention[t]
        for s, sw in enumerate(source_words):
            if sw >= 0 and s < len(row):
                weights[tw][sw] += float(row[s])
    return tuple(max(range(n_source), key=row.__getitem__) for row in weights)
