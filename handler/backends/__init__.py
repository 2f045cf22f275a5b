"""Generation backends: load a model directory, count tokens, translate a list of strings.

The contract is in `handler.backends.base`; which library runs the model is chosen at archive time.
"""

from __future__ import annotations

from handler.backends.base import (
    PAD_TO_MULTIPLE_OF,
    SCORE_CHUNK_TOKENS,
    GenerationParams,
    Hypothesis,
    MarianTokens,
    ModelNumericsError,
    TranslationBackend,
)

__all__ = ["GenerationParams", "Hypothesis", "MarianTokens", "ModelNumericsError", "TranslationBackend", "load_backend"]


def load_backend(
    name: str,
    model_dir: str,
    device: str,
    threads: int | None = None,
    dtype: str = "auto",
    pad_to_multiple_of: int = PAD_TO_MULTIPLE_OF,
    inter_threads: int = 0,
    score_chunk_tokens: int = SCORE_CHUNK_TOKENS,
) -> TranslationBackend:
    """`device` is "cpu" or "cuda:N"; `threads` is the worker's CPU thread count (default: torch's for
    transformers, the usable cores for CTranslate2);
    `dtype` is model-config.yaml's handler.dtype (handler/backends/precision.py); `pad_to_multiple_of`
    its handler.pad_to_multiple_of (transformers only: CTranslate2 manages its own buffers);
    `inter_threads` its handler.inter_threads (CTranslate2 only: batches run in parallel, 0 one per thread);
    `score_chunk_tokens` its handler.score_chunk_tokens (transformers only: CTranslate2 scores in its own buffers)."""
    if name == "transformers":
        from handler.backends.transformers_backend import TransformersBackend

        return TransformersBackend(
            model_dir, device, dtype=dtype, pad_to_multiple_of=pad_to_multiple_of, score_chunk_tokens=score_chunk_tokens
        )
    if name == "ctranslate2":
        from handler.backends.ctranslate2_backend import CTranslate2Backend

        return CTranslate2Backend(model_dir, device, threads=threads, compute=dtype, inter_threads=inter_threads)
    raise ValueError(f"unknown backend {name!r}; use transformers or ctranslate2")
