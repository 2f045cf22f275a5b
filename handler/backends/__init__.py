"""Generation backends: load a model directory, count tokens, translate a list of strings.

The service only knows this interface; which library runs the model is chosen at archive time.
"""

from __future__ import annotations

from typing import Any, Protocol

from handler.vertex_protocol import GenerationParams


class TranslationBackend(Protocol):
    # Source tokens (end-of-sentence included) the model accepts in one segment.
    max_source_tokens: int

    def generation_defaults(self) -> dict[str, int]:
        """num_beams / max_new_tokens that the model's own generation config sets, if any."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Source tokens of each text, end-of-sentence included."""

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        """num_return_sequences translations of each text, best first."""


class MarianTokens:
    """What both backends share: the Marian tokenizer's view of source lengths and generation defaults.

    Subclasses set `tokenizer` and `generation_config`.
    """

    tokenizer: Any
    generation_config: Any

    def generation_defaults(self) -> dict[str, int]:
        config = self.generation_config
        max_new_tokens = config.max_new_tokens
        # generate() without max_new_tokens stops at max_length tokens, the decoder's start token
        # included, so a model's max_length (512 for opus-mt) means max_length - 1 new tokens. Only a
        # max_length the model sets counts: transformers' own default of 20 is a placeholder.
        if not max_new_tokens and "max_length" in config.to_diff_dict():
            max_new_tokens = config.max_length - 1
        defaults = {"num_beams": config.num_beams, "max_new_tokens": max_new_tokens}
        return {k: v for k, v in defaults.items() if v}

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]


def load_backend(name: str, model_dir: str, device: str, threads: int | None = None) -> TranslationBackend:
    """`device` is "cpu" or "cuda:N"; `threads` is the worker's CPU thread count (default: torch's)."""
    if name == "transformers":
        from handler.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model_dir, device)
    if name == "ctranslate2":
        from handler.backends.ctranslate2_backend import CTranslate2Backend

        return CTranslate2Backend(model_dir, device, threads=threads)
    raise ValueError(f"unknown backend {name!r}; use transformers or ctranslate2")
