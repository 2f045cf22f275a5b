"""Turkish phonology: vowel harmony, consonant hardening and softening, Turkish casing."""

from __future__ import annotations

# ============================================================================ Turkish phonology

FRONT_VOWELS = "eiöü"
BACK_VOWELS = "aıou"
VOWELS = FRONT_VOWELS + BACK_VOWELS
# The four-way (I) harmony: the suffix vowel copies frontness and rounding of the last stem vowel.
FOUR_WAY = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}
# "Fıstıkçı şahap": after these, suffix-initial d/c harden to t/ç (kitapta, gitti).
VOICELESS = "çfhkpsşt"
SOFTENING = {"p": "b", "ç": "c", "t": "d", "k": "ğ"}


def tr_lower(text: str) -> str:
    """Lower-case with the Turkish dotted/dotless i (str.lower turns İ into i + a combining dot)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def tr_capitalize(text: str) -> str:
    """Upper-case the first letter the Turkish way: i → İ, ı → I."""
    if not text:
        return text
    return {"i": "İ", "ı": "I"}.get(text[0], text[0].upper()) + text[1:]


def last_vowel(word: str) -> str:
    for ch in reversed(tr_lower(word)):
        if ch in VOWELS:
            return ch
    raise ValueError(f"no vowel in {word!r}")


def syllables(word: str) -> int:
    return sum(ch in VOWELS for ch in tr_lower(word))


def softened(word: str) -> str | None:
    """The form a word takes before a vowel-initial suffix by the regular rule, or None if unchanged.

    Words of two or more syllables ending in p, ç, t, k soften (kitap → kitabı, ağaç → ağacı,
    çocuk → çocuğu; after n, k becomes g). One-syllable words mostly keep their consonant
    (top → topu, süt → sütü); the exceptions either way are written in the lexicon.
    """
    if word[-1] not in SOFTENING or syllables(word) < 2:
        return None
    if word.endswith("nk"):
        return word[:-1] + "g"
    return word[:-1] + SOFTENING[word[-1]]


def _emit(symbol: str, prev: str, vowel: str, out: list[str]) -> tuple[str, str]:
    """Realise one suffix symbol after `prev`; A and I harmonise with `vowel`, D and C with `prev`."""
    if symbol == "A":
        letter = "e" if vowel in FRONT_VOWELS else "a"
    elif symbol == "I":
        letter = FOUR_WAY[vowel]
    elif symbol == "D":
        letter = "t" if prev in VOICELESS else "d"
    elif symbol == "C":
        letter = "ç" if prev in VOICELESS else "c"
    else:
        letter = symbol
    out.append(letter)
    return letter, letter if letter in VOWELS else vowel


def attach(base: str, template: str, *, v_stem: str | None = None, harmony: str | None = None) -> str:
    """`base` with a suffix written in archiphonemes: A (a/e), I (ı/i/u/ü), D (d/t), C (c/ç).

    A parenthesised part is a buffer: a consonant kept only after a vowel ("(y)I": kediyi but
    evi), a vowel kept only after a consonant ("(I)m": evim but kedim). `v_stem` replaces the
    base when the realised suffix starts with a vowel (softening or a dropped vowel: kitab-ı,
    şehr-e); `harmony` overrides the vowel the suffix harmonises with (saat → saati).
    """
    prev = next(ch for ch in reversed(tr_lower(base)) if ch.isalpha())
    vowel = harmony or last_vowel(base)
    out: list[str] = []
    i = 0
    while i < len(template):
        if template[i] == "(":
            end = template.index(")", i)
            optional = template[i + 1 : end]
            starts_with_vowel = optional[0] in "AI" + VOWELS
            if starts_with_vowel != (prev in VOWELS):
                for symbol in optional:
                    prev, vowel = _emit(symbol, prev, vowel, out)
            i = end + 1
            continue
        prev, vowel = _emit(template[i], prev, vowel, out)
        i += 1
    suffix = "".join(out)
    if v_stem and suffix[:1] in VOWELS:
        return v_stem + suffix
    return base + suffix


def question_particle(word: str) -> str:
    """The yes/no particle mI, written apart but harmonising with the word before it."""
    return "m" + FOUR_WAY[last_vowel(word)]
