"""Warm a worker before it reports ready: one generate call per input shape its traffic will bring.

PyTorch pays a one-time cost the first time it meets a shape (in bfloat16 on a CPU, oneDNN builds
its kernels per shape: the benchmark model's first batch of 32 took 1.92 s, the next ones 0.99 s).
TorchServe marks a worker READY when the handler's initialize returns, and Vertex sends traffic as
soon as the container says ready, so the worker pays that cost here instead, within a time bound
(model-config.yaml handler.warmup_seconds; 0 turns warm-up off).

Which shapes: a micro-batch is `rows` sentences padded to a multiple of pad_to_multiple_of tokens
(handler/batching.py). Most of a batch's time is its decoder steps, whose shapes depend on the rows
only (and on the step), so every row count is visited once before any is visited at a second length:
the most rows first (a loaded server's batches, and the costliest call, which bounds the others),
then one row (a quiet server's), then the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from handler.batching import padded_width
from handler.service import TranslationService, decoding_limit
from handler.settings import DECODE_LENGTH_FACTOR, DECODE_LENGTH_OFFSET

logger = logging.getLogger(__name__)

# Source lengths in tokens, most common first: a sentence of the benchmark's corpus has 5 to 60
# tokens, most 10 to 30. The first is the one each row count is warmed at first.
TYPICAL_LENGTHS = (24, 16, 32, 8, 40, 48, 56, 64)
# Words the synthetic sentences are made of; any text of the right token count would do.
FILLER_WORDS = "bu odun yanmaz ama yarın sabah erkenden kalkıp şehre gideceğiz ve akşam dönmeyi umuyoruz".split()


@dataclass(frozen=True)
class WarmupShape:
    rows: int
    # Source tokens each row is padded to.
    length: int


@dataclass
class WarmupReport:
    # (shape, seconds) of each generate call made, in order.
    runs: list[tuple[WarmupShape, float]] = field(default_factory=list)
    seconds: float = 0.0
    # Shapes left out when the time ran out.
    skipped: int = 0


def warmup_shapes(
    max_rows: int, multiple: int, max_length: int, token_budget: int, num_beams: int = 1
) -> list[WarmupShape]:
    """The shapes to warm, most benefit first: every row count (`max_rows`, 1, then `max_rows` - 1
    down to 2) at the first typical length, then the other lengths in the same order. Lengths are rounded
    up as the backend pads them and kept within `max_length`; shapes over the token budget (padded
    tokens x beams) cannot occur and are left out."""
    lengths = list(dict.fromkeys(padded_width(n, 2, multiple) for n in TYPICAL_LENGTHS if n <= max_length))
    row_counts = [max_rows, 1, *range(max_rows - 1, 1, -1)] if max_rows > 1 else [1]
    shapes = [
        WarmupShape(rows, length)
        for length in lengths
        for rows in row_counts
        if rows * length * num_beams <= token_budget or rows == 1
    ]
    return list(dict.fromkeys(shapes))


def filler_text(length: int, count_tokens: Callable[[list[str]], list[int]]) -> str:
    """A text of at most `length` source tokens and as close to it as whole words allow."""
    words: list[str] = []
    for i in range(length):
        candidate = [*words, FILLER_WORDS[i % len(FILLER_WORDS)]]
        if count_tokens([" ".join(candidate)])[0] > length:
            break
        words = candidate
    return " ".join(words)


def warm_up(service: TranslationService, seconds: float, max_rows: int, clock=time.monotonic) -> WarmupReport:
    """Run the shapes of `warmup_shapes` through the service's backend with its default generation
    parameters while `seconds` last: a call starts only if it fits at the highest time per source
    token of length seen so far (a call with fewer rows costs less; the first call always runs).

    `max_rows`: the most sentences a micro-batch may hold (TorchServe's batchSize for requests of
    one sentence, at most max_batch_sentences). Nothing goes through the cache or the metrics."""
    report = WarmupReport()
    if seconds <= 0:
        return report
    settings, backend = service.settings, service.backend
    started = clock()
    shapes = warmup_shapes(
        max(1, min(max_rows, settings.max_batch_sentences)),
        backend.pad_to_multiple_of,
        min(settings.max_segment_tokens, backend.max_source_tokens),
        settings.batch_token_budget,
        service.defaults.num_beams,
    )
    texts: dict[int, str] = {}
    # Decoding bounded as the default cap bounds it even where the archive turns the cap off (the
    # benchmark's archives): a model that never ends a sentence would otherwise hold each call for its
    # whole max_new_tokens (minutes at 32 rows x 4 beams), and traffic rarely decodes past the cap.
    cap = settings if settings.decode_length_factor > 0 else replace(
        settings, decode_length_factor=DECODE_LENGTH_FACTOR, decode_length_offset=DECODE_LENGTH_OFFSET
    )
    # The highest seconds per token of padded length so far: the most rows come first, and a call's
    # time grows with its length (encoder, decoding cap) and less than in proportion with its rows.
    rate = 0.0
    for i, shape in enumerate(shapes):
        if report.runs and clock() - started + rate * shape.length > seconds:
            report.skipped = len(shapes) - i
            break
        if shape.length not in texts:
            texts[shape.length] = filler_text(shape.length, backend.count_tokens)
        limit = decoding_limit(service.defaults.max_new_tokens, shape.length, cap)
        t0 = clock()
        backend.generate([texts[shape.length]] * shape.rows, replace(service.defaults, max_new_tokens=limit))
        took = clock() - t0
        rate = max(rate, took / shape.length)
        report.runs.append((shape, took))
    report.seconds = clock() - started
    logger.info(
        "warm-up: %d shapes in %.1f s (%d left out for time; warmup_seconds %g)",
        len(report.runs), report.seconds, report.skipped, seconds,
    )  # fmt: skip
    return report
