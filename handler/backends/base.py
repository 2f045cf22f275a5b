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


class TranslationBackend(Protocol):
    # Source tokens (end-of-sentence included) the model accepts in one segment.
    max_source_tokens: int
    # generate pads a batch's rows to a multiple of this many tokens (1: to the longest row).
    pad_to_multiple_of: int

    def generation_defaults(self) -> dict[str, float]:
        """The GenerationParams fields that the model's own generation config sets, if any."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source tokens of each text, end-of-sentence included."""

    def generate(self, texts: list[str], params: GenerationParams, scores: bool = False) -> list[list[Hypothesis]]:
        """num_return_sequences hypotheses of each text, best first; with `scores`, their log_prob too."""

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

    def generate(self, texts: list[str], params: GenerationParams, scores: bool = False) -> list[list[Hypothesis]]:
        raise NotImplementedError

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        return [[h.text for h in hypotheses] for hypotheses in self.generate(texts, params)]

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]
