"""One way through for a batch of requests: parse → sentences → cache → micro-batches → backend → replies.

TorchServe hands several HTTP requests over at once. Each gets its own reply: a bad request
gets its 4xx without touching the others, and the good ones share `generate` calls.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import traceback
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from traceback import format_exception
from typing import Any

import torch

from handler.backends.base import GenerationParams, Hypothesis, ModelNumericsError, TranslationBackend
from handler.batching import plan_micro_batches
from handler.cache import TranslationCache
from handler.device_failures import breaks_the_device, is_out_of_memory
from handler.errors import ServingError
from handler.markup import TranslatableText
from handler.markup import prepare as prepare_markup
from handler.metrics import Counts
from handler.parameters import RequestOptions, default_params
from handler.segmenting import join_pieces, split_long_text
from handler.sentences import Document, split_document, whole_text
from handler.settings import ServingSettings
from handler.vertex_protocol import VertexRequest, decode_body, format_predictions, parse_request

__all__ = ["Reply", "TranslationService", "default_params"]

logger = logging.getLogger(__name__)
# The sentence the worker translates at load (check_model): a model whose arithmetic overflows fails there.
CHECK_SENTENCE = "Bu bir deneme cümlesidir."
NUMERICS_ADVICE = "its precision may overflow: try dtype float32 (make archive DTYPE=float32)"


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
        self.cache = TranslationCache.of_mib(settings.cache_mib)

    def check_model(self) -> None:
        """Translate CHECK_SENTENCE with its score; ModelNumericsError, in one sentence, if the output
        is empty or not finite (the worker then fails to load instead of answering "" with 200)."""
        params = replace(self.defaults, num_beams=1, num_return_sequences=1, max_new_tokens=16)
        try:
            hypotheses = self.backend.generate([CHECK_SENTENCE], params, True)
            check_numerics([CHECK_SENTENCE], hypotheses, params)
        except ModelNumericsError as e:
            raise ModelNumericsError(
                f"the model failed its load check ({e}) translating {CHECK_SENTENCE!r}: {NUMERICS_ADVICE}"
            ) from None

    def handle_batch(self, bodies: Sequence[Any], counts: Counts | None = None) -> list[Reply]:
        """One reply per body, in order; what was done is added to `counts` (handler/metrics.py)."""
        counts = counts if counts is not None else Counts()
        replies: list[Reply | None] = [None] * len(bodies)
        by_params: dict[GenerationParams, list[tuple[int, VertexRequest]]] = defaultdict(list)
        for i, body in enumerate(bodies):
            try:
                request = parse_request(decode_body(body), self.defaults, self.settings)
            except ServingError as e:
                replies[i] = Reply(e.status, e.body())
            else:
                by_params[request.params].append((i, request))
        # Requests with the same generation parameters share generate calls; others cannot.
        for params, parsed in by_params.items():
            group: list[tuple[int, VertexRequest]] = []
            documents: list[list[TranslatableText]] = []
            for i, request in parsed:
                try:
                    documents.append([self.prepare(text, request.options) for text in request.texts])
                except Exception as e:  # one request's document never fails the others of the batch
                    replies[i] = failed_reply(e, "reading the document failed")
                else:
                    group.append((i, request))
            # Scoring is one extra decoder pass per micro-batch; it is done for the group if any request asks.
            scores = any(r.options.return_details for _, r in group)
            # So is aligning: for the documents whose markup or protected spans go back by alignment.
            alignments = any(d.needs_alignment for texts in documents for d in texts)
            try:
                translated = self.translate_units(
                    [s for texts in documents for d in texts for s in d.sentences], params, scores, counts, alignments
                )
            except ServingError as e:
                for i, _ in group:
                    replies[i] = Reply(e.status, e.body())
                continue
            for (i, request), texts in zip(group, documents):
                n = request.params.num_return_sequences
                try:
                    values = [text_values(d, translated, request.options.return_details, n) for d in texts]
                except Exception as e:
                    replies[i] = failed_reply(e, "writing the translated document failed")
                    continue
                replies[i] = Reply(HTTPStatus.OK, format_predictions(request, values))
                counts.add("translation_texts_total", len(texts))
                counts.add("translation_sentences_total", sum(len(d.sentences) for d in texts))
        for reply in replies:
            if reply.status == HTTPStatus.OK:
                counts.add("translation_requests_total")
            else:
                counts.add("translation_errors_total", status=str(int(reply.status)))
        return replies  # type: ignore[return-value]

    def document(self, text: str, split_sentences: bool) -> Document:
        return split_document(text) if split_sentences else whole_text(text)

    def prepare(self, text: str, options: RequestOptions) -> TranslatableText:
        """The text as sentences to translate and how to write them back (handler/markup)."""
        return prepare_markup(text, options.mime_type, options.split_sentences, options.protect_spans, options.glossary)

    def translate(self, texts: list[str], params: GenerationParams, split_sentences: bool = True) -> list[list[str]]:
        """num_return_sequences translations of each text, best first: the request path without the protocol."""
        documents = [self.document(text, split_sentences) for text in texts]
        translated = self.translate_units([s for d in documents for s in d.sentences], params, False, Counts())
        return [[d.join(list(k)) for k in zip(*(texts_of(translated[s]) for s in d.sentences))] for d in documents]

    def translate_units(
        self, units: list[str], params: GenerationParams, scores: bool, counts: Counts, alignments: bool = False
    ) -> dict[str, tuple[Hypothesis, ...]]:
        """Hypotheses of each distinct unit (a sentence, or a text kept whole): from the cache, or
        translated once however often it occurs; over-long units go in pieces and are joined back."""
        translated: dict[str, tuple[Hypothesis, ...]] = {}
        todo: list[str] = []
        for unit in dict.fromkeys(units):
            cached = self.cache.get((unit, params), scores, alignments) if self.cache is not None else None
            if cached is not None:
                translated[unit] = cached
            else:
                todo.append(unit)
        if self.cache is not None:
            counts.add("translation_cache_hits_total", len(translated))
            counts.add("translation_cache_misses_total", len(todo))
        segments: list[str] = []
        lengths: list[int] = []
        owner: list[int] = []
        for u, (unit, length) in enumerate(zip(todo, self.backend.count_tokens(todo))):
            for piece, n in split_long_text(unit, length, self.backend.count_tokens, self.max_segment_tokens):
                segments.append(piece)
                lengths.append(n)
                owner.append(u)
        hypotheses = self._generate_all(segments, lengths, params, scores, counts, alignments)
        pieces: list[list[list[Hypothesis]]] = [[] for _ in todo]
        for u, output in zip(owner, hypotheses):
            pieces[u].append(output)
        for unit, unit_pieces in zip(todo, pieces):
            # The k-th hypothesis of every piece joined into the unit's k-th translation.
            joined = tuple(join_hypotheses(list(k)) for k in zip(*unit_pieces))
            translated[unit] = joined
            if self.cache is not None:
                self.cache.put((unit, params), joined)
        return translated

    def _generate_all(
        self,
        segments: list[str],
        lengths: list[int],
        params: GenerationParams,
        scores: bool,
        counts: Counts,
        alignments: bool = False,
    ) -> list[list[Hypothesis]]:
        """Length-sorted micro-batches under the token budget, each decoded under its length cap."""
        hypotheses: list[list[Hypothesis]] = [[] for _ in segments]
        batches = plan_micro_batches(
            lengths,
            self.settings.batch_token_budget,
            self.settings.max_batch_sentences,
            params.num_beams,
            self.backend.pad_to_multiple_of,
            self.backend.max_source_tokens,
        )
        for batch in batches:
            limit = decoding_limit(params.max_new_tokens, batch.longest, self.settings)
            outputs = self._generate(
                [segments[i] for i in batch.indices],
                replace(params, max_new_tokens=limit),
                scores,
                counts,
                alignments,
            )
            real = sum(lengths[i] for i in batch.indices)
            counts.add("translation_micro_batches_total")
            counts.add("translation_source_tokens_total", real)
            counts.add("translation_real_tokens_total", real)
            counts.add("translation_padded_tokens_total", batch.padded_tokens)
            for i, output in zip(batch.indices, outputs):
                hypotheses[i] = output
                counts.add("translation_generated_tokens_total", sum(h.tokens for h in output))
                if limit < params.max_new_tokens and any(h.tokens >= limit for h in output):
                    counts.add("translation_decoding_cap_hits_total")
        return hypotheses

    def _generate(
        self,
        segments: list[str],
        params: GenerationParams,
        scores: bool,
        counts: Counts,
        alignments: bool = False,
    ) -> list[list[Hypothesis]]:
        try:
            # Asked for only when wanted, so that a backend from before alignments keeps working.
            if alignments:
                outputs = self.backend.generate(segments, params, scores, alignments=True)
            else:
                outputs = self.backend.generate(segments, params, scores)
            check_numerics(segments, outputs, params)
            return outputs
        except ServingError:
            raise
        except ModelNumericsError as e:
            logger.error("translating %d segments: %s", len(segments), e)
            counts.add("translation_numerics_errors_total")
            error = ServingError(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                f"the model produced non-finite or empty output ({e}); {NUMERICS_ADVICE}",
            )
        except Exception as e:
            if breaks_the_device(e):
                end_worker(e)
            if not is_out_of_memory(e):
                logger.exception("translation failed")
                raise ServingError(
                    HTTPStatus.INTERNAL_SERVER_ERROR, f"translation failed: {type(e).__name__}: {e}"
                ) from None
            # The traceback's frames hold the batch's tensors: logged as text (a record keeps no frame),
            # then cleared, so that the memory is free once this block ends.
            logger.error("out of memory translating %d segments\n%s", len(segments), "".join(format_exception(e)))
            traceback.clear_frames(e.__traceback__)
            e.__traceback__ = None
            error = ServingError(
                HTTPStatus.INSUFFICIENT_STORAGE, "out of memory while translating; send fewer or shorter instances"
            )
        if error.status == HTTPStatus.INSUFFICIENT_STORAGE:
            # Here, outside the except block, the exception and its frames are gone.
            free_device_memory()
        raise error


def check_numerics(segments: list[str], outputs: list[list[Hypothesis]], params: GenerationParams) -> None:
    """ModelNumericsError if a hypothesis's log-probability is NaN or infinite, or its text is empty
    while its source is not: what overflowing arithmetic gives (NaN logits pick id 0, `</s>`).

    Empty texts count in greedy search only, where NaN logits make the argmax `</s>`: beam search's
    length normalisation can rank a lone `</s>` first for a sound model, and its NaN shows in the
    scores. Nor does a text the length limit cut (max_new_tokens 1 leaves room for `</s>` only)."""
    for segment, hypotheses in zip(segments, outputs):
        for h in hypotheses:
            if h.log_prob is not None and not math.isfinite(h.log_prob):
                raise ModelNumericsError(f"score {h.log_prob} for {len(segment)} characters of source")
            if params.num_beams == 1 and not h.text.strip() and segment.strip() and h.tokens < params.max_new_tokens:
                raise ModelNumericsError(f"an empty translation of {len(segment)} characters of source")


def free_device_memory() -> None:
    """Give the CUDA caching allocator's free blocks back after an out-of-memory failure."""
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def end_worker(error: BaseException) -> None:
    """A CUDA, cuBLAS or cuDNN failure leaves the context unusable: end this worker so that TorchServe
    starts a clean one (handler/device_failures.py tells which failures do)."""
    logger.critical("device failure, ending the worker: %s", error, exc_info=error)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def decoding_limit(max_new_tokens: int, longest_source: int, settings: ServingSettings) -> int:
    """Tokens one micro-batch may decode: min(max_new_tokens, ceil(a x longest source) + b), a factor 0 no cap.

    A degenerate hypothesis otherwise runs to max_new_tokens and holds its whole batch that long.
    """
    if settings.decode_length_factor <= 0:
        return max_new_tokens
    cap = math.ceil(settings.decode_length_factor * longest_source) + settings.decode_length_offset
    return max(1, min(max_new_tokens, cap))


def join_hypotheses(pieces: list[Hypothesis]) -> Hypothesis:
    """The pieces of one over-long unit as one hypothesis: texts joined, tokens and log-probabilities summed."""
    if len(pieces) == 1:
        return pieces[0]
    log_probs = [h.log_prob for h in pieces]
    return Hypothesis(
        join_pieces([h.text for h in pieces]),
        sum(h.tokens for h in pieces),
        None if None in log_probs else sum(log_probs),  # type: ignore[arg-type]
    )


def texts_of(hypotheses: tuple[Hypothesis, ...]) -> list[str]:
    return [h.text for h in hypotheses]


def text_values(
    document: TranslatableText, translated: dict[str, tuple[Hypothesis, ...]], details: bool, n: int = 1
) -> list[Any]:
    """The num_return_sequences (`n`) predictions of one text, best first: strings, or detail objects."""
    per_sentence = [translated[s] for s in document.sentences]
    values: list[Any] = []
    # A text of protected spans only has no sentence to translate and comes back as it was, n times.
    for k in range(len(per_sentence[0]) if per_sentence else n):
        chosen = [hypotheses[k] for hypotheses in per_sentence]
        translation = document.render(chosen)
        if not details:
            values.append(translation)
            continue
        values.append(
            {
                "translation": translation,
                "score": mean_log_prob(chosen),
                "sentences": [
                    {"source": source, "translation": h.text, "score": mean_log_prob([h])}
                    for source, h in zip(document.sentences, chosen)
                ],
            }
        )
    return values


def failed_reply(error: Exception, what: str) -> Reply:
    """The reply of one request whose own step failed: its ServingError, or a 500 (logged) for a bug."""
    if isinstance(error, ServingError):
        return Reply(error.status, error.body())
    logger.exception("%s", what)
    return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{what}: {type(error).__name__}: {error}"})


def mean_log_prob(hypotheses: list[Hypothesis]) -> float:
    """Mean log-probability per generated token over the hypotheses together."""
    return sum(h.log_prob or 0.0 for h in hypotheses) / max(1, sum(h.tokens for h in hypotheses))
