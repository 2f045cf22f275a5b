"""Generation backends: load a model directory, count tokens, translate a list of strings.

The service only knows this interface; which library runs the model is chosen at archive time.
"""

from __future__ import annotations

from typing import Protocol

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


def load_backend(name: str, model_dir: str, device: str) -> TranslationBackend:
    """`device` is "cpu" or "cuda:N"."""
    if name == "transformers":
        from handler.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model_dir, device)
    if name == "ctranslate2":
        from handler.backends.ctranslate2_backend import CTranslate2Backend

        return CTranslate2Backend(model_dir, device)
    raise ValueError(f"unknown backend {name!r}; use transformers or ctranslate2")
