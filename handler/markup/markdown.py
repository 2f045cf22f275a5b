"""Markdown: parsed with markdown-it-py (CommonMark, tables, strikethrough); only text ranges are rewritten.

The parser gives each paragraph, heading and table cell its source lines (`map`) and its inline
content. That content is found in its lines and replaced by its translation, so every marker
around it (heading hashes, list numbers and bullets, quote marks, table pipes, indentation) and
every block the parser does not see as text (code, HTML blocks, front matter) stays byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from handler.markup.inline import Element, Item, Text, Verbatim

FRONT_MATTER = re.compile(r"\A(---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z))", re.DOTALL)
# Characters that would start markup in translated text.
SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
# What a paragraph line may hold besides its text: indentation and quote marks.
PREFIX_ONLY = re.compile(r"^[ \t>]*$")
TEXT_BLOCKS = ("paragraph_open", "heading_open", "th_open", "td_open")


def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Link and image targets are written back as the source has them, not percent-encoded.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda url: url  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


@dataclass
class Link:
    href: str
    title: str


@dataclass
class Image:
    src: str
    title: str
    alt: str


class LineBreak(str):
    """A hard line break and the next line's indentation: the space a translation puts after it goes."""


@dataclass
class Place:
    """Where one inline token's text is: a range on each of its source lines."""

    ranges: list[tuple[int, int, int]]  # (line, start, end)


def document(text: str, protector, split_sentences: bool, prepare_block: Callable):  # noqa: ANN001, ANN201
    from handler.markup import MarkedDocument  # the package imports this module

    front = FRONT_MATTER.match(text)
    head = front.group(1) if front else ""
    body = text[len(head) :]
    lines = body.split("\n")
    cursor: dict[int, int] = {}

    def text_items(value: str) -> list[Item]:
        if not value:
            return []
        return protector.items(value) if protector.active else [Text(value)]

    images: list[Image] = []
    alt_blocks = []
    places: list[Place] = []
    blocks = []
    tokens = parser().parse(body)
    for previous, token in zip([None, *tokens], tokens):
        if token.type != "inline" or previous is None or previous.type not in TEXT_BLOCKS or token.map is None:
            continue
        place = _locate(token, lines, cursor)
        if place is None:
            continue  # not found as written (a construct we do not rewrite): left as it is
        continuation = [lines[line][:start] for line, start, _ in place.ranges[1:]]
        items = _items(token.children or [], text_items, images, continuation)
        block = prepare_block(items, split=split_sentences)
        if block.sentences:
            places.append(place)
            blocks.append(block)
    for image in images:
        alt_blocks.append(prepare_block(text_items(image.alt), split=split_sentences))

    def write(placed: list[list[Item]]) -> str:
        for image, block, items in zip(images, alt_blocks, placed[: len(images)]):
            image.alt = write_items(items) if block.sentences else image.alt
        out = list(lines)
        edits = sorted(
            ((line, start, end, write_items(items) if k == 0 else "")
             for place, items in zip(places, placed[len(images) :])
             for k, (line, start, end) in enumerate(place.ranges)),
            key=lambda e: (e[0], -e[1]),
        )  # fmt: skip
        emptied: set[int] = set()
        for line, start, end, new in edits:
            out[line] = out[line][:start] + new + out[line][end:]
            if not new and PREFIX_ONLY.match(out[line]):
                emptied.add(line)
        return head + "\n".join(line for i, line in enumerate(out) if i not in emptied)

    return MarkedDocument(alt_blocks + blocks, write)


def _locate(token: Token, lines: list[str], cursor: dict[int, int]) -> Place | None:
    first, last = token.map  # type: ignore[misc]
    ranges = []
    for k, content in enumerate(token.content.split("\n")):
        content = content.strip()
        line = first + k
        if line >= last or line >= len(lines):
            return None
        start = lines[line].find(content, cursor.get(line, 0)) if content else -1
        if start < 0:
            return None
        cursor[line] = start + len(content)
        ranges.append((line, start, start + len(content)))
    return Place(ranges)


def _items(
    children: list[Token], text_items: Callable[[str], list[Item]], images: list[Image], continuation: list[str]
) -> list[Item]:
    """markdown-it's inline tokens as items: emphasis and links as elements, code and images verbatim."""
    root: list[Item] = []
    stack: list[list[Item]] = [root]
    breaks = iter(continuation)
    for token in children:
        here = stack[-1]
        if token.type == "text":
            here.extend(text_items(token.content))
        elif token.type == "softbreak":
            here.append(Text(" "))
            next(breaks, "")
        elif token.type == "hardbreak":
            # Written as a backslash break, which no editor strips (trailing spaces are easily lost).
            here.append(Verbatim(LineBreak("\\\n" + next(breaks, "")), spacing=True))
        elif token.type == "code_inline":
            pad = " " if token.content.startswith("`") or token.content.endswith("`") else ""
            here.append(Verbatim(f"{token.markup}{pad}{token.content}{pad}{token.markup}", token.content))
        elif token.type == "html_inline":
            here.append(Verbatim(token.content))
        elif token.type == "image":
            image = Image(str(token.attrs.get("src", "")), str(token.attrs.get("title") or ""), token.content)
            images.append(image)
            here.append(Verbatim(image, spacing=False))
        elif token.type == "link_open" and token.markup == "autolink":
            stack.append([])  # the link's text is its address: kept verbatim below
        elif token.type == "link_close" and token.markup == "autolink":
            inner = stack.pop()
            address = "".join(item.text for item in inner if isinstance(item, (Text, Verbatim)))
            stack[-1].append(Verbatim(f"<{address}>", address))
        elif token.type.endswith("_open"):
            payload = (
                Link(str(token.attrs.get("href", "")), str(token.attrs.get("title") or ""))
                if token.type == "link_open"
                else token.markup
            )
            element = Element(payload, [])
            here.append(element)
            stack.append(element.children)
        elif token.type.endswith("_close") and len(stack) > 1:
            stack.pop()
        else:
            here.append(Verbatim(token.content))
    return root


def write_items(items: list[Item]) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, Text):
            text = item.text[1:] if out and isinstance(out[-1], LineBreak) and item.text.startswith(" ") else item.text
            out.append(SPECIAL.sub(r"\\\1", text))
        elif isinstance(item, Verbatim):
            payload = item.payload
            if isinstance(payload, Image):
                title = f' "{payload.title}"' if payload.title else ""
                out.append(f"![{payload.alt}]({payload.src}{title})")
            else:
                out.append(payload if isinstance(payload, LineBreak) else str(payload))
        else:
            inner = write_items(item.children)
            if isinstance(item.payload, Link):
                title = f' "{item.payload.title}"' if item.payload.title else ""
                out.append(f"[{inner}]({item.payload.href}{title})")
            else:
                out.append(f"{item.payload}{inner}{item.payload}")
    return "".join(out)
