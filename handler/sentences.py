"""Split a text into the sentences the model is trained on, and put their translations back in its layout.

OPUS-MT models are trained on single sentences and drop or merge sentences of a longer input,
so every text is translated sentence by sentence. The splitting is sentence-splitter's Moses
rules for Turkish (the most accurate of five libraries on tests/data/turkish_sentences.jsonl,
see bench/segmenter_accuracy.py), with Turkish abbreviations that its list lacks. Line breaks
are boundaries of their own and come back in the output as they were.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import sentence_splitter

# Abbreviations written before a name or a number, missing from sentence-splitter's Turkish list:
# street and district (Sok., Mah., Cd., Sk., Blv.), titles (Yrd. Doç., Op. Dr., Sn., Müh., Öğr.
# Gör., Uzm.), firms (Ltd. Şti.), references (bkz., örn., Tel.). Moses never breaks after them.
TURKISH_PREFIXES = (
    "Sok", "Sk", "Mah", "Cd", "Blv", "Yrd", "Op", "Sn", "Müh", "Öğr", "Gör", "Uzm", "Ltd", "Şti",
    "bkz", "Bkz", "örn", "Örn", "Tel", "vb", "vs", "yy",
)  # fmt: skip

# A run of white space holding at least one line break: the boundary between two lines.
LINE_BREAK = re.compile(r"([^\S\r\n]*(?:\r\n|\r|\n)\s*)")


@dataclass(frozen=True)
class Document:
    """A text as sentences and what goes between them: `separators[i]` precedes `sentences[i]`,
    the last separator follows the last sentence. Separators are line breaks (kept as they were,
    blank lines included), a space between sentences of one line, or nothing."""

    sentences: tuple[str, ...]
    separators: tuple[str, ...]
    # Plain text goes back without alignments (handler/markup's documents need them).
    needs_alignment: ClassVar[bool] = False

    def render(self, hypotheses: Sequence[Any]) -> str:
        """The translated text from one hypothesis (handler.backends.Hypothesis) per sentence."""
        return self.join([h.text for h in hypotheses])

    def join(self, translations: list[str]) -> str:
        """The translated text: one translation per sentence, in the source's layout."""
        out: list[str] = []
        after_text = False  # whether the line so far has a translation a space may follow
        for separator, translation in zip(self.separators, translations):
            translation = translation.strip()
            if separator != " ":
                out.append(separator)
                after_text = False
            elif translation and after_text:
                out.append(separator)  # no stray space around a sentence that came back empty
            if translation:
                out.append(translation)
                after_text = True
        out.append(self.separators[-1])
        return "".join(out)


def whole_text(text: str) -> Document:
    """The text as one segment (`split_sentences: false`), as release 0.1 translated it."""
    return Document((text,), ("", ""))


def split_document(text: str) -> Document:
    """The sentences of `text` with its line breaks; every sentence is stripped and non-empty."""
    parts = LINE_BREAK.split(text)
    sentences: list[str] = []
    separators: list[str] = []
    pending = ""
    for i, part in enumerate(parts):
        if i % 2:  # a line break run: keep its line breaks, drop the spaces and tabs around them
            pending += re.sub(r"[^\r\n]", "", part)
            continue
        for sentence in segment_line(part):
            separators.append(pending if pending or not sentences else " ")
            sentences.append(sentence)
            pending = ""
    if not sentences:  # a whitespace-only text never reaches here (the protocol refuses it), but stay total
        return whole_text(text)
    separators.append(pending)
    return Document(tuple(sentences), tuple(separators))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, line breaks included as boundaries."""
    return list(split_document(text).sentences)


def segment_line(line: str) -> list[str]:
    """Sentences of one line of text."""
    if not line.strip():
        return []
    return [s.strip() for s in _splitter().split(line) if s.strip()]


@functools.cache
def _splitter() -> sentence_splitter.SentenceSplitter:
    # sentence-splitter reads its prefixes from one file only: give it its Turkish list and ours.
    shipped = Path(sentence_splitter.__file__).parent / "non_breaking_prefixes" / "tr.txt"
    combined = shipped.read_text(encoding="utf-8") + "\n" + "\n".join(TURKISH_PREFIXES) + "\n"
    fd, path = tempfile.mkstemp(suffix=".txt", prefix="tr-prefixes-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(combined)
        return sentence_splitter.SentenceSplitter(language="tr", non_breaking_prefix_file=path)
    finally:
        os.unlink(path)
