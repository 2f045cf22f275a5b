"""Inline content as the markup stage sees it, whatever the format: text, elements around words, verbatim pieces.

A format (html.py, markdown.py) turns each block of its document into a list of `Item`s; align.py
translates the block's words without the markup and gives back a new list of items in target order.
`payload` is the format's own: align.py only moves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Text:
    """Words to translate."""

    text: str


@dataclass
class Element:
    """An inline element (bold, a link...) around some of the block's words, placed by alignment."""

    payload: Any
    children: list[Item] = field(default_factory=list)


@dataclass
class Verbatim:
    """Content that comes back exactly as it was (a placeholder, a URL, inline code, a line break),
    left out of the sentence and put back at the place aligned with its neighbours.
    `text` is what a sentence shown to a person holds in its place (return_details)."""

    payload: Any
    text: str = ""
    # Whether it separates the words around it as a space does (a line break, an image).
    spacing: bool = False


Item = Text | Element | Verbatim


def plain_text(items: list[Item]) -> str:
    """The words of the items, markup and verbatim pieces left out (white space not normalised)."""
    out: list[str] = []
    for item in items:
        if isinstance(item, Text):
            out.append(item.text)
        elif isinstance(item, Element):
            out.append(plain_text(item.children))
    return "".join(out)


def has_markup(items: list[Item]) -> bool:
    return any(not isinstance(item, Text) for item in items)
