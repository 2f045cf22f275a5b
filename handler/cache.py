"""A per-worker LRU of sentence translations, bounded by the memory its entries hold.

Batch jobs over catalogues repeat many strings; a repeated sentence is answered from here without
a generate call. The key is the exact source text and every generation parameter: never
case-folded or normalised, since Turkish İ/ı/I/i are different letters and a different
parameter gives a different translation. Only successful translations are put in.
"""

from __future__ import annotations

import sys
from collections import OrderedDict

from handler.backends.base import GenerationParams, Hypothesis

CacheKey = tuple[str, GenerationParams]
# What an entry costs besides its strings: the key tuple, the params, the hypothesis objects and
# the dictionary slot (measured with sys.getsizeof on CPython 3.11, rounded up).
ENTRY_OVERHEAD_BYTES = 400
HYPOTHESIS_OVERHEAD_BYTES = 120


def entry_bytes(key: CacheKey, hypotheses: tuple[Hypothesis, ...]) -> int:
    return (
        ENTRY_OVERHEAD_BYTES
        + sys.getsizeof(key[0])
        + sum(
            HYPOTHESIS_OVERHEAD_BYTES + sys.getsizeof(h.text) + (sys.getsizeof(h.alignment) if h.alignment else 0)
            for h in hypotheses
        )
    )


class TranslationCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[CacheKey, tuple[tuple[Hypothesis, ...], int]] = OrderedDict()

    @classmethod
    def of_mib(cls, mib: int) -> TranslationCache | None:
        """The cache model-config.yaml asks for, or None when `cache_mib` is 0."""
        return cls(mib * 1024 * 1024) if mib > 0 else None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey, scores: bool = False, alignments: bool = False) -> tuple[Hypothesis, ...] | None:
        """The cached hypotheses, or None; with `scores`, an entry without log-probabilities is a miss,
        with `alignments` one without word alignments."""
        entry = self._entries.get(key)
        if entry is None or (scores and any(h.log_prob is None for h in entry[0])):
            return None
        if alignments and any(h.alignment is None for h in entry[0]):
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: CacheKey, hypotheses: tuple[Hypothesis, ...]) -> None:
        size = entry_bytes(key, hypotheses)
        if size > self.max_bytes:
            return  # one entry larger than the whole cache would only empty it
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._entries[key] = (hypotheses, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted
