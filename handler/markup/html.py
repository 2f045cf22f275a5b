"""HTML documents and fragments: parsed by html5lib as browsers parse them, written back by its serializer.

Every block element's inline content (text, `b`, `a`, `code`...) becomes one `Block`; elements that
must stay as they are (`script`, `pre`, `translate="no"`...) are never looked into; the attributes
people read (alt, title, placeholder, aria-label) are translated as blocks of their own.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import html5lib
from html5lib.serializer import HTMLSerializer

from handler.markup.inline import Element, Item, Text, Verbatim

# Elements that flow within a line of text; every other element starts a block of its own.
INLINE = frozenset(
    "a abbr b bdi bdo big br cite code data del dfn em font i img input ins kbd label mark q s samp small "
    "span strike strong sub sup time tt u var wbr".split()
)
# Inline elements that come back as they were, content and all, placed as one piece.
INLINE_VERBATIM = frozenset("br code img input kbd samp var wbr".split())
# Inline pieces that separate words as a space does.
SPACING = frozenset("br img input wbr".split())
# Elements whose content is never translated.
UNTOUCHED = frozenset(
    "script style pre code textarea template noscript svg math iframe object canvas video audio select "
    "head-meta".split()
)
# Attributes a person reads; every other attribute is kept as it is.
TRANSLATED_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
DOCUMENT_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL)
SERIALIZER_OPTIONS = dict(omit_optional_tags=False, quote_attr_values="always", alphabetical_attributes=False)


def is_document(text: str) -> bool:
    """A whole page (it starts with a doctype, html, head or body) rather than a fragment."""
    return DOCUMENT_START.match(text) is not None


def parse(text: str) -> ElementTree.Element:
    """The tree html5lib builds, repaired as a browser repairs it: a document with its doctype and
    comments, or the fragment's nodes under one root."""
    if is_document(text):
        parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree", fullTree=True), namespaceHTMLElements=False)
        return parser.parse(text)
    return html5lib.parseFragment(text, treebuilder="etree", namespaceHTMLElements=False)


def serialize(root: ElementTree.Element) -> str:
    walker = html5lib.getTreeWalker("etree")
    return HTMLSerializer(**SERIALIZER_OPTIONS).render(walker(root))


def is_comment(node: ElementTree.Element) -> bool:
    return node.tag is ElementTree.Comment or not isinstance(node.tag, str) or node.tag.startswith("<!")


def untouched(node: ElementTree.Element) -> bool:
    """Whether nothing inside `node` is translated."""
    if is_comment(node) or node.tag in UNTOUCHED:
        return True
    if node.get("translate", "").lower() == "no":
        return True
    return "notranslate" in node.get("class", "").split()


@dataclass
class Run:
    """Inline content between block boundaries: the text slot it starts at (the parent's text or a
    block child's tail) and the inline children that follow."""

    parent: ElementTree.Element
    # The node whose text (before the first child) or tail holds the run's leading text.
    lead: ElementTree.Element
    lead_is_tail: bool
    children: list[ElementTree.Element]

    def leading_text(self) -> str:
        return (self.lead.tail if self.lead_is_tail else self.lead.text) or ""

    def raw_text(self) -> str:
        return self.leading_text() + "".join(_all_text(child) + (child.tail or "") for child in self.children)

    def replace(self, items: list[Item], write: Callable[[list[Item], ElementTree.Element], None]) -> None:
        """Put `items` in place of the run, keeping the white space it had around its words."""
        raw = self.raw_text()
        before = raw[: len(raw) - len(raw.lstrip())]
        after = raw[len(raw.rstrip()) :] if raw.strip() else ""
        holder = ElementTree.Element("holder")
        write([Text(before), *items, Text(after)], holder)
        index = list(self.parent).index(self.children[0]) if self.children else _insert_index(self)
        for child in self.children:
            self.parent.remove(child)
        if self.lead_is_tail:
            self.lead.tail = holder.text
        else:
            self.lead.text = holder.text
        for offset, child in enumerate(list(holder)):
            self.parent.insert(index + offset, child)


def _insert_index(run: Run) -> int:
    return list(run.parent).index(run.lead) + 1 if run.lead_is_tail else 0


def _all_text(node: ElementTree.Element) -> str:
    if is_comment(node):
        return ""
    return (node.text or "") + "".join(_all_text(child) + (child.tail or "") for child in node)


def runs(root: ElementTree.Element) -> Iterator[Run]:
    """The runs of inline content of every translatable block, in document order."""
    if untouched(root) and root.tag not in ("DOCUMENT_ROOT", "DOCUMENT_FRAGMENT"):
        return
    children = list(root)
    current = Run(root, root, False, [])
    for child in children:
        if is_comment(child) and not current.children and not current.leading_text().strip():
            current = Run(root, child, True, [])  # a comment between blocks stays where it is
            continue
        if child.tag in INLINE or is_comment(child):
            current.children.append(child)
            continue
        yield current
        yield from runs(child)
        current = Run(root, child, True, [])
    yield current


def attribute_holders(root: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """Elements whose alt, title, placeholder or aria-label are translated: all outside untouched ones."""
    for child in root:
        if is_comment(child) or untouched(child):
            if not is_comment(child) and child.tag in ("img", "input", "code", "kbd", "samp", "var"):
                if not (child.get("translate", "").lower() == "no" or "notranslate" in child.get("class", "").split()):
                    yield child  # inline pieces kept verbatim still have their alt and title read
            continue
        yield child
        yield from attribute_holders(child)


def run_items(run: Run, text_items: Callable[[str], list[Item]]) -> list[Item]:
    """A run as inline items: `text_items` turns a text into texts and protected pieces."""
    items = text_items(run.leading_text())
    for child in run.children:
        items.append(_node_item(child, text_items))
        items.extend(text_items(child.tail or ""))
    return items


def _node_item(node: ElementTree.Element, text_items: Callable[[str], list[Item]]) -> Item:
    if is_comment(node) or node.tag in INLINE_VERBATIM or untouched(node) or node.tag not in INLINE:
        return Verbatim(node, _all_text(node), spacing=node.tag in SPACING)
    children = text_items(node.text or "")
    for child in node:
        children.append(_node_item(child, text_items))
        children.extend(text_items(child.tail or ""))
    return Element(node, children)


def write_items(items: list[Item], parent: ElementTree.Element) -> None:
    """Append `items` to `parent` (its text, new children and their tails)."""
    for item in items:
        last = parent[-1] if len(parent) else None
        if isinstance(item, Text) or (isinstance(item, Verbatim) and isinstance(item.payload, str)):
            text = item.text if isinstance(item, Text) else item.payload
            if last is None:
                parent.text = (parent.text or "") + text
            else:
                last.tail = (last.tail or "") + text
        elif isinstance(item, Verbatim):
            node = item.payload
            node.tail = None
            parent.append(node)
        else:
            node = ElementTree.SubElement(parent, item.payload.tag, dict(item.payload.attrib))
            write_items(item.children, node)


def serialize_node(node: ElementTree.Element) -> str:
    """One node as HTML, without the text that follows it."""
    alone = copy.copy(node)
    alone.tail = None
    return serialize(alone)
