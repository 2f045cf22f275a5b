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


def round_up(length: int, multiple: int) -> int:
    return -(-length // multiple) * multiple if multiple > 1 else length


def plan_micro_batches(
    lengths: Sequence[int], token_budget: int, max_sentences: int, num_beams: int = 1, pad_to_multiple_of: int = 1
) -> list[MicroBatch]:
    """Group segment positions by descending length so that padded tokens x beams stay in budget.

    A segment longer than the budget on its own still gets a batch of one: the budget shapes
    batches, it never drops work.
    """

    def batch(members: list[int]) -> MicroBatch:
        longest = lengths[members[0]]
        return MicroBatch(tuple(members), longest, round_up(longest, pad_to_multiple_of if len(members) > 1 else 1))

    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[MicroBatch] = []
    current: list[int] = []
    for i in order:
        # Longest first, so the first member of a batch sets its padded length.
        padded = round_up(lengths[current[0]] if current else lengths[i], pad_to_multiple_of)
        if current and (len(current) >= max_sentences or (len(current) + 1) * padded * num_beams > token_budget):
            batches.append(batch(current))
            current = []
        current.append(i)
    if current:
        batches.append(batch(current))
    return batches
