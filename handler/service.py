"""One way through for a batch of requests: parse → segments → micro-batches → backend → replies.

TorchServe hands several HTTP requests over at once. Each gets its own reply: a bad request
gets its 4xx without touching the others, and the good ones share `generate` calls.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import torch

from handler.backends.base import GenerationParams, TranslationBackend
from handler.batching import plan_micro_batches
from handler.errors import ServingError
from handler.parameters import default_params
from handler.segmenting import join_pieces, split_long_text
from handler.settings import ServingSettings
from handler.vertex_protocol import VertexRequest, decode_body, format_predictions, parse_request

__all__ = ["Reply", "TranslationService", "default_params"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


class TranslationService:
    def __init__(self, backend: TranslationBackend, settings: ServingSettings) -> None:
        self.backend = backend
        self.settings = settings
        self.defaults = default_params(backend, settings)
        self.max_segment_tokens = max(2, min(settings.max_segment_tokens, backend.max_source_tokens))

    def handle_batch(self, bodies: Sequence[Any]) -> list[Reply]:
        """One reply per body, in order."""
        replies: list[Reply | None] = [None] * len(bodies)
        by_params: dict[GenerationParams, list[tuple[int, VertexRequest]]] = defaultdict(list)
        for i, body in enumerate(bodies):
            try:
                request = parse_request(decode_body(body), self.defaults, self.settings)
            except ServingError as e:
                replies[i] = Reply(e.status, e.body())
            else:
                by_params[request.params].append((i, request))
        # Requests with the same parameters share generate calls; others cannot.
        for params, group in by_params.items():
            try:
                translations = self.translate([text for _, r in group for text in r.texts], params)
            except ServingError as e:
                for i, _ in group:
                    replies[i] = Reply(e.status, e.body())
                continue
            start = 0
            for i, request in group:
                end = start + len(request.texts)
                replies[i] = Reply(HTTPStatus.OK, format_predictions(request, translations[start:end]))
                start = end
        return replies  # type: ignore[return-value]

    def translate(self, texts: list[str], params: GenerationParams) -> list[list[str]]:
        """Hypotheses for each text; long texts are split into segments and joined back."""
        segments: list[str] = []
        lengths: list[int] = []
        owner: list[int] = []
        for t, (text, length) in enumerate(zip(texts, self.backend.count_tokens(texts))):
            for piece, n in split_long_text(text, length, self.backend.count_tokens, self.max_segment_tokens):
                segments.append(piece)
                lengths.append(n)
                owner.append(t)
        hypotheses: list[list[str]] = [[] for _ in segments]
        batches = plan_micro_batches(
            lengths, self.settings.batch_token_budget, self.settings.max_batch_sentences, params.num_beams
        )
        for batch in batches:
            outputs = self._generate([segments[i] for i in batch.indices], params)
            for i, output in zip(batch.indices, outputs):
                hypotheses[i] = output
        per_text: list[list[list[str]]] = [[] for _ in texts]
        for t, output in zip(owner, hypotheses):
            per_text[t].append(output)
        # Join the k-th hypothesis of every piece of a text into its k-th translation.
        return [[join_pieces(list(k)) for k in zip(*pieces)] for pieces in per_text]

    def _generate(self, segments: list[str], params: GenerationParams) -> list[list[str]]:
        try:
            return self.backend.translate(segments, params)
        except (torch.OutOfMemoryError, MemoryError):
            logger.exception("out of memory translating %d segments", len(segments))
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise ServingError(
                HTTPStatus.INSUFFICIENT_STORAGE, "out of memory while translating; send fewer or shorter instances"
            ) from None
        except ServingError:
            raise
        except Exception as e:
            if isinstance(e, torch.AcceleratorError) or "CUDA" in str(e):
                # A CUDA error leaves the context unusable: end this worker so TorchServe starts a clean one.
                logger.critical("CUDA error, ending the worker: %s", e, exc_info=True)
                for handler in logging.getLogger().handlers:
                    handler.flush()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(1)
            logger.exception("translation failed")
            raise ServingError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"translation failed: {type(e).__name__}: {e}"
            ) from None
