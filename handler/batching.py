"""Cut a flat list of segments into micro-batches of similar length under a token budget.

Sorting by length keeps padding small; the budget bounds padded tokens x beams per
`generate` call, which bounds memory whatever mix of lengths TorchServe hands over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MicroBatch:
    # Positions in the flat segment list, longest first.
    indices: tuple[int, ...]
    # Source tokens of the longest segment.
    longest: int
    # What every row is padded to: `longest` rounded up to the backend's padding multiple (a batch of
    # one row is not padded).
    padded_length: int

    @property
    def padded_tokens(self) -> int:
        return self.padded_length * len(self.indices)


def padded_width(longest: int, rows: int, multiple: int, limit: int | None = None) -> int:
    """Tokens each of `rows` rows is padded to when the longest has `longest`: `longest` rounded up
    to `multiple`, but not for a row alone, nor past `limit` (the model's source window)."""
    if rows < 2 or multiple < 2:
        return longest
    rounded = -(-longest // multiple) * multiple
    return rounded if limit is None or rounded <= limit else longest


def plan_micro_batches(
    lengths: Sequence[int],
    token_budget: int,
    max_sentences: int,
    num_beams: int = 1,
    pad_to_multiple_of: int = 1,
    source_limit: int | None = None,
) -> list[MicroBatch]:
    """Group segment positions by descending length so that padded tokens x beams stay in budget.

    A segment longer than the budget on its own still gets a batch of one: the budget shapes
    batches, it never drops work. Rows are counted as the backend pads them (`padded_width`).
    """

    def width(longest: int, rows: int) -> int:
        return padded_width(longest, rows, pad_to_multiple_of, source_limit)

    def batch(members: list[int]) -> MicroBatch:
        longest = lengths[members[0]]
        return MicroBatch(tuple(members), longest, width(longest, len(members)))

    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[MicroBatch] = []
    current: list[int] = []
    for i in order:
        # Longest first, so the first member of a batch sets its padded length.
        padded = width(lengths[current[0]] if current else lengths[i], len(current) + 1)
        if current and (len(current) >= max_sentences or (len(current) + 1) * padded * num_beams > token_budget):
            batches.append(batch(current))
            current = []
        current.append(i)
    if current:
        batches.append(batch(current))
    return batches
