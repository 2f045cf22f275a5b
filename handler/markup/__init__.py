"""The markup stage, between the protocol and the backend: a text becomes sentences plus what to put back.

`prepare` turns one text of a request into a document: its `sentences` are what the model
translates (plain words: no tags, no placeholders), and `render` takes one hypothesis per sentence,
with its word alignment, and writes the translated text with the markup and protected spans put
back. A plain text without anything protected is the segmenter's `Document`, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from handler.backends.base import Hypothesis
from handler.markup import html, markdown
from handler.markup.align import Block, place, prepare_block
from handler.markup.inline import Item, Text, Verbatim
from handler.markup.protect import Protector
from handler.sentences import Document, split_document, whole_text

__all__ = ["MarkedDocument", "TranslatableText", "prepare"]


class TranslatableText(Protocol):
    """What the service needs of a text: the sentences to translate and how to put their translations back."""

    sentences: tuple[str, ...]
    # Whether render needs the hypotheses' word alignment.
    needs_alignment: bool

    def render(self, hypotheses: Sequence[Hypothesis]) -> str: ...


class MarkedDocument:
    """A text whose blocks hold markup or protected spans: the format parses and writes it."""

    needs_alignment = True

    def __init__(self, blocks: list[Block], write: Callable[[list[list[Item]]], str]) -> None:
        # `write` takes the placed items of each block, in order, and gives the translated text.
        self.blocks = blocks
        self.write = write
        self.sentences = tuple(sentence for block in blocks for sentence in block.sentences)

    def render(self, hypotheses: Sequence[Hypothesis]) -> str:
        given = iter(hypotheses)
        placed = [place(block, [next(given) for _ in block.sentences]) for block in self.blocks]
        return self.write(placed)


def prepare(
    text: str,
    mime_type: str = "text/plain",
    split_sentences: bool = True,
    protect_spans: bool = True,
    glossary: Sequence[tuple[str, str]] = (),
) -> TranslatableText:
    """The text as the sentences the model translates and how to write their translations back."""
    protector = Protector(protect_spans, glossary)
    if mime_type == "text/html":
        return html_document(text, protector, split_sentences)
    if mime_type == "text/markdown":
        return markdown.document(text, protector, split_sentences, prepare_block)
    return plain_document(text, protector, split_sentences)


def plain_document(text: str, protector: Protector, split_sentences: bool) -> TranslatableText:
    """Plain text: the segmenter's sentences; those with protected spans are translated without them."""
    document: Document = split_document(text) if split_sentences else whole_text(text)
    if not protector.active:
        return document
    items = [protector.items(sentence) for sentence in document.sentences]
    if not any(isinstance(item, Verbatim) for sentence in items for item in sentence):
        return document
    blocks = [prepare_block(sentence, split=False) for sentence in items]
    return MarkedDocument(blocks, lambda placed: document.join([items_text(p) for p in placed]))


def items_text(items: list[Item]) -> str:
    """Plain text: words and the protected spans' text."""
    out = []
    for item in items:
        if isinstance(item, Text):
            out.append(item.text)
        elif isinstance(item, Verbatim):
            out.append(item.payload)
        else:
            out.append(items_text(item.children))
    return "".join(out)


class HtmlDocument(MarkedDocument):
    """An HTML document or fragment; each rendering parses the source again (a rendering moves nodes)."""

    def __init__(self, text: str, protector: Protector, split_sentences: bool) -> None:
        self.source = (text, protector, split_sentences)
        root = html.parse(text)

        def text_items(value: str) -> list[Item]:
            if not value:
                return []
            return protector.items(value) if protector.active else [Text(value)]

        self.attributes = [
            (node, name, prepare_block(text_items(node.get(name)), split=split_sentences))
            for node in html.attribute_holders(root)
            for name in html.TRANSLATED_ATTRIBUTES
            if (node.get(name) or "").strip()
        ]
        self.runs = []
        for run in html.runs(root):
            block = prepare_block(html.run_items(run, text_items), split=split_sentences)
            if block.sentences:
                self.runs.append((run, block))
        self.root = root
        self.used = False
        super().__init__([b for _, _, b in self.attributes] + [b for _, b in self.runs], self._write)

    def render(self, hypotheses: Sequence[Hypothesis]) -> str:
        if self.used:  # the tree has been written over: start again from the source
            return HtmlDocument(*self.source).render(hypotheses)
        self.used = True
        return super().render(hypotheses)

    def _write(self, placed: list[list[Item]]) -> str:
        for (node, name, _), items in zip(self.attributes, placed):
            node.set(name, items_text(items))
        for (run, _), items in zip(self.runs, placed[len(self.attributes) :]):
            run.replace(items, html.write_items)
        return html.serialize(self.root)


def html_document(text: str, protector: Protector, split_sentences: bool) -> TranslatableText:
    return HtmlDocument(text, protector, split_sentences)
