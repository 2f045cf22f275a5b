"""Protected spans: placeholders, URLs, e-mail addresses and glossary terms, found in a text.

Each is taken out of the sentence the model sees and put back, byte for byte, at the place aligned
with its neighbours (handler/markup/align.py), so neither its count nor its text can change. A
glossary term comes back as the English term the request gives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from handler.markup.inline import Item, Text, Verbatim

# In priority order where two start at the same character: a URL or an address before the
# placeholders that may occur inside one.
PROTECTED_PATTERNS: dict[str, str] = {
    "url": r"(?:https?|ftp)://[^\s<>\"'`]+|www\.[^\s<>\"'`]+\.[^\s<>\"'`]+",
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "double_brace": r"\{\{[^{}\n]*\}\}",
    "dollar_brace": r"\$\{[^{}\n]*\}",
    "brace": r"\{[^{}\s][^{}\n]*\}|\{\}",
    # printf: %s %d %1$s %(name)s %.2f %5d %%; not Turkish percentages such as %50 or %50'si.
    # A width or precision only before s, d or f: "%100e" is Turkish for "to 100%".
    "printf": r"%(?:\d+\$)?(?:\([A-Za-z_]\w*\))?(?:[-+ 0#]?(?:\d+)?(?:\.\d+)?[sdf]|[ieEgGxXoucr])(?![^\W\d_])|%%",
}
PROTECTED = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in PROTECTED_PATTERNS.items()))
# A URL or address does not end with the punctuation of the sentence around it.
TRAILING = ".,;:!?)]'\""


def trim_url(url: str) -> str:
    """The URL without the sentence's punctuation after it; a closing bracket it opened stays."""
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


# Turkish letters whose other case is not what Python's lower()/upper() gives.
TURKISH_CASES = {"i": "iİ", "İ": "iİ", "ı": "ıI", "I": "ıI"}
# The suffix Turkish writes after an apostrophe behind a name: Vertex'te, TorchServe'ün.
APOSTROPHE_SUFFIX = r"(?:['’][^\W\d_]+)?"


def glossary_pattern(glossary: Sequence[tuple[str, str]]) -> re.Pattern[str] | None:
    """One pattern for all terms, longest first, each a whole word in either Turkish case, with its suffix."""
    if not glossary:
        return None
    terms = sorted({term for term, _ in glossary}, key=len, reverse=True)
    alternatives = []
    for term in terms:
        letters = "".join(f"[{re.escape(_cases(ch))}]" if _cases(ch) != ch else re.escape(ch) for ch in term)
        alternatives.append(letters)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)}){APOSTROPHE_SUFFIX}(?!\w)")


def _cases(ch: str) -> str:
    if ch in TURKISH_CASES:
        return TURKISH_CASES[ch]
    both = {ch, ch.lower(), ch.upper()}
    return "".join(sorted(c for c in both if len(c) == 1))


def turkish_fold(text: str) -> str:
    """Case-folded as Turkish folds it: İ -> i, I -> ı."""
    return text.replace("İ", "i").replace("I", "ı").lower()


class Protector:
    """Finds the protected spans of a request: patterns (unless turned off) and its glossary."""

    def __init__(self, patterns: bool, glossary: Sequence[tuple[str, str]] = ()) -> None:
        self.patterns = patterns
        self.glossary = glossary_pattern(glossary)
        self.english = {turkish_fold(term): english for term, english in glossary}

    @property
    def active(self) -> bool:
        return self.patterns or self.glossary is not None

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, what comes back) of each protected span, in order, not overlapping."""
        found: list[tuple[int, int, str]] = []
        if self.patterns:
            for match in PROTECTED.finditer(text):
                start, end = match.span()
                if match.lastgroup in ("url", "email"):
                    end = start + len(trim_url(match.group()))
                if end > start:
                    found.append((start, end, text[start:end]))
        if self.glossary is not None:
            for match in self.glossary.finditer(text):
                start, end = match.span()
                if any(a < end and start < b for a, b, _ in found):
                    continue  # inside a URL or a placeholder
                term = re.sub(APOSTROPHE_SUFFIX + "$", "", match.group())
                found.append((start, end, self.english[turkish_fold(term)]))
        return sorted(found)

    def items(self, text: str) -> list[Item]:
        """`text` as texts and verbatim pieces."""
        out: list[Item] = []
        cursor = 0
        for start, end, value in self.spans(text):
            if start > cursor:
                out.append(Text(text[cursor:start]))
            out.append(Verbatim(value, value))
            cursor = end
        if cursor < len(text):
            out.append(Text(text[cursor:]))
        return out
