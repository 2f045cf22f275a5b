"""Translate a block's words without its markup, then put the markup back where its words went.

This is how Bergamot places tags: the sentence the model sees is the same with or without markup,
so markup never changes the words. Each inline element wraps the target words aligned with the
source words it wrapped; verbatim pieces (placeholders, URLs, inline code, line breaks) are put
after the target word aligned with the source word before them. An element whose words have no
aligned target word comes back empty at the nearest place, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from handler.backends.base import Hypothesis
from handler.markup.inline import Element, Item, Text, Verbatim
from handler.sentences import segment_line

WORD = re.compile(r"\S+")
# What may close a word after its letters: the translation keeps it outside a tag that ended before it.
TRAILING_PUNCTUATION = re.compile(r"[.,;:!?…)\]\"'»”’]+$")
CLOSING = ",.;:!?)]…"


@dataclass
class Block:
    """A run of inline content cut into the sentences the model translates, with where its markup was."""

    items: list[Item]
    # The words without markup, white space collapsed: what is translated, sentence by sentence.
    plain: str = ""
    sentences: list[str] = field(default_factory=list)
    # Character offset of each sentence in `plain`.
    offsets: list[int] = field(default_factory=list)
    # id(element) -> (start, end) characters in `plain`; id(verbatim) -> its offset and its spacing.
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    points: dict[int, tuple[int, bool, bool]] = field(default_factory=dict)
    # id(element) -> whether white space came before it (kept when it comes back empty).
    spaced: dict[int, bool] = field(default_factory=dict)


def prepare_block(items: list[Item], split: bool = True) -> Block:
    """The block's plain text, sentences (with `split`; else the whole text as one) and where each
    element and verbatim piece was in it."""
    raw: list[str] = []
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    points: dict[int, int] = {}
    spacing: set[int] = set()  # verbatim pieces that stand for a space: their own spacing is that space
    removed_at: set[int] = set()  # raw offsets where a verbatim piece was taken out

    def walk(children: list[Item]) -> None:
        for item in children:
            if isinstance(item, Text):
                raw.append(item.text)
            elif isinstance(item, Element):
                starts[id(item)] = sum(map(len, raw))
                walk(item.children)
                ends[id(item)] = sum(map(len, raw))
            else:
                points[id(item)] = sum(map(len, raw))
                removed_at.add(points[id(item)])
                if item.spacing:
                    raw.append(" ")
                    spacing.add(id(item))

    walk(items)
    text = "".join(raw)
    # Keep one space of each run of white space, none at the ends, none where a verbatim piece was
    # taken out just before punctuation ("Merhaba {name}, ..." is translated as "Merhaba, ...").
    kept = [True] * len(text)
    i = 0
    while i < len(text):
        if not text[i].isspace():
            i += 1
            continue
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        drop_all = i == 0 or j == len(text)
        if not drop_all and j < len(text) and text[j] in CLOSING and any(i <= p <= j for p in removed_at):
            drop_all = True
        for k in range(i, j):
            kept[k] = not drop_all and k == i
        i = j
    index = [0] * (len(text) + 1)
    plain_chars: list[str] = []
    for k, ch in enumerate(text):
        index[k] = len(plain_chars)
        if kept[k]:
            plain_chars.append(" " if ch.isspace() else ch)
    index[len(text)] = len(plain_chars)
    block = Block(items, "".join(plain_chars))
    for key, start in starts.items():
        block.spans[key] = (index[start], index[ends[key]])
        block.spaced[key] = start > 0 and text[start - 1].isspace()
    for key, at in points.items():
        space_before = at > 0 and text[at - 1].isspace() and key not in spacing
        space_after = at < len(text) and text[at].isspace() and key not in spacing
        block.points[key] = (index[at], space_before, space_after)
    cursor = 0
    for sentence in segment_line(block.plain) if split else [block.plain] if block.plain else []:
        at = block.plain.find(sentence, cursor)
        block.sentences.append(sentence)
        block.offsets.append(at)
        cursor = at + len(sentence)
    return block


@dataclass
class _Target:
    """The block's translation as words: each word's text split into letters and closing punctuation,
    the white space before it, and the source word it aligns with."""

    cores: list[str]
    puncts: list[str]
    gaps: list[str]
    aligned: list[int]


def _target(block: Block, hypotheses: Sequence[Hypothesis], source_words: list[tuple[int, int]]) -> _Target:
    target = _Target([], [], [], [])
    for sentence, offset, hypothesis in zip(block.sentences, block.offsets, hypotheses):
        first = sum(1 for start, _ in source_words if start < offset)
        count = len(WORD.findall(sentence))
        words = hypothesis.text.split()
        alignment = hypothesis.alignment
        if alignment is None or len(alignment) != len(words):
            # No usable alignment (a unit joined from pieces, a tokenizer that splits words differently):
            # spread the target words evenly over the source words.
            alignment = tuple(min(count - 1, j * count // max(1, len(words))) for j in range(len(words)))
        for j, word in enumerate(words):
            match = TRAILING_PUNCTUATION.search(word)
            core, punct = (word[: match.start()], match.group()) if match and match.start() > 0 else (word, "")
            target.cores.append(core)
            target.puncts.append(punct)
            target.gaps.append(" " if target.cores[:-1] else "")
            target.aligned.append(first + min(max(alignment[j], 0), max(0, count - 1)))
    return target


def place(block: Block, hypotheses: Sequence[Hypothesis]) -> list[Item]:
    """The block's items in the target language: one hypothesis per sentence of `block.sentences`."""
    source_words = [(m.start(), m.end()) for m in WORD.finditer(block.plain)]
    target = _target(block, hypotheses, source_words)
    n_target = len(target.cores)
    by_source: dict[int, list[int]] = {}
    for j, s in enumerate(target.aligned):
        by_source.setdefault(s, []).append(j)

    def words_of(start: int, end: int) -> list[int]:
        """Source words that overlap characters [start, end)."""
        return [w for w, (a, b) in enumerate(source_words) if a < end and b > start]

    def gap_of(at: int) -> tuple[int, str]:
        """Target gap (0..n_target) for a source character offset, and, for a piece taken out of a word
        before its closing punctuation ("Merhaba{x},"), that punctuation: the piece goes before it."""
        if not n_target:
            return 0, ""
        before = [w for w, (a, _) in enumerate(source_words) if a < at]
        if not before:
            return 0, ""
        if len(before) == len(source_words) and at >= source_words[-1][1]:
            return n_target, ""
        w = before[-1]
        rest = block.plain[at : source_words[w][1]]
        for distance in range(len(source_words)):
            for candidate, after in ((w - distance, True), (w + 1 + distance, False)):
                if 0 <= candidate < len(source_words) and candidate in by_source:
                    targets = by_source[candidate]
                    return (max(targets) + 1, rest if distance == 0 else "") if after else (min(targets), "")
        return n_target, ""

    def span_of(element: Element) -> tuple[int, int] | None:
        """The target words the element wraps: of the words aligned with its source words, the largest
        contiguous group (the most letters on a tie), so that one stray word does not stretch the tag
        over the sentence."""
        start, end = block.spans[id(element)]
        targets = sorted({j for w in words_of(start, end) for j in by_source.get(w, [])})
        if not targets:
            return None
        groups: list[list[int]] = [[targets[0]]]
        for j in targets[1:]:
            if j == groups[-1][-1] + 1:
                groups[-1].append(j)
            else:
                groups.append([j])
        best = max(groups, key=lambda g: (len(g), sum(len(target.cores[j]) for j in g)))
        return best[0], best[-1]

    def covers_punct(element: Element) -> bool:
        """Whether the element wraps the closing punctuation of its last word, as `<b>yanmaz.</b>` does."""
        start, end = block.spans[id(element)]
        words = words_of(start, end)
        if not words:
            return True
        last_start, last_end = source_words[words[-1]]
        return end >= last_end and TRAILING_PUNCTUATION.search(block.plain[last_start:last_end]) is not None

    def build(children: list[Item], lo: int, hi: int, with_punct: bool, bare: bool = False) -> list[Item]:
        """Items for target words lo..hi (inclusive; hi < lo: none) holding `children`'s elements and
        pieces; `with_punct`: whether word hi's closing punctuation is inside too; `bare`: inside an
        element without words, where the spacing goes outside."""
        ranged: list[tuple[int, int, Element]] = []
        pending: list[tuple[Item, int, bool]] = []
        for child in children:
            if isinstance(child, Element):
                span = span_of(child)
                if span is not None and max(span[0], lo) <= min(span[1], hi):
                    ranged.append((max(span[0], lo), min(span[1], hi), child))
                else:
                    pending.append((child, gap_of(block.spans[id(child)][0])[0], ""))
            elif isinstance(child, Verbatim):
                pending.append((child, *gap_of(block.points[id(child)][0])))
        # Siblings may not overlap: a later one (in target order) starts after the one before it.
        ranged.sort(key=lambda r: (r[0], -r[1]))
        disjoint: list[tuple[int, int, Element]] = []
        for a, b, child in ranged:
            if disjoint and a <= disjoint[-1][1]:
                a = disjoint[-1][1] + 1
            if a > b:
                pending.append((child, a, ""))
            else:
                disjoint.append((a, b, child))
        at_gap: dict[tuple[int, bool], list[Item]] = {}
        punct_tail: dict[int, str] = {}  # gap -> the punctuation that pieces before punctuation go before
        for item, gap, tail in pending:
            gap = max(lo, min(gap, hi + 1))
            for a, b, _ in disjoint:  # never inside a sibling: to its nearer edge
                if a < gap <= b:
                    gap, tail = (a, "") if gap - a <= b + 1 - gap else (b + 1, tail)
            at_gap.setdefault((gap, bool(tail)), []).append(item)
            if tail:
                punct_tail.setdefault(gap, tail)
        starting = {a: (b, child) for a, b, child in disjoint}
        out: list[Item] = []

        def emit_gap(gap: int, before_punct: bool) -> None:
            for item in at_gap.pop((gap, before_punct), []):
                if isinstance(item, Verbatim):
                    _, space_before, space_after = block.points[id(item)]
                    # With no words at all, pieces keep the spaces they had between them.
                    if (gap > 0 or (not n_target and out)) and space_before and not bare:
                        out.append(Text(" "))
                    out.append(item)
                    if gap == 0 and space_after and n_target and not bare:
                        out.append(Text(" "))
                else:  # an element without aligned words: empty, or around its verbatim pieces
                    if gap > 0 and block.spaced[id(item)] and not bare:
                        out.append(Text(" "))
                    out.append(Element(item.payload, build(item.children, gap, gap - 1, True, True)))
                    if gap == 0 and n_target and not bare:
                        out.append(Text(" "))

        emit_gap(lo, False)
        j = lo
        while j <= hi:
            if j > lo:
                out.append(Text(target.gaps[j]))
            if j in starting:
                b, child = starting[j]
                inside = covers_punct(child)
                out.append(Element(child.payload, build(child.children, j, b, inside)))
                last = b
            else:
                out.append(Text(target.cores[j]))
                inside, last = False, j
            punct = target.puncts[last] if not inside and (last < hi or with_punct) else ""
            tail = punct_tail.get(last + 1, "")
            keep = len(tail) if tail and punct.endswith(tail) else len(punct)
            out.append(Text(punct[: len(punct) - keep]))
            emit_gap(last + 1, True)
            out.append(Text(punct[len(punct) - keep :]))
            j = last + 1
            emit_gap(j, False)
        for key in sorted(at_gap):  # whatever is left (an empty range): nothing is dropped
            emit_gap(*key)
        return out

    return _merge_text(build(block.items, 0, n_target - 1, True))


def _merge_text(items: list[Item]) -> list[Item]:
    """Adjacent texts as one; empty texts dropped."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Text):
            if not item.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + item.text)
                continue
        elif isinstance(item, Element):
            item = Element(item.payload, _merge_text(item.children))
        out.append(item)
    return out


def sentences_text(items: list[Item]) -> str:
    """A person's view of the items: words and the text of verbatim pieces, markup left out."""
    out: list[str] = []
    for item in items:
        if isinstance(item, Text):
            out.append(item.text)
        elif isinstance(item, Element):
            out.append(sentences_text(item.children))
        else:
            out.append(item.text)
    return "".join(out)
