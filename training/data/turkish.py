"""Turkish morphology: verb forms (tense, person, negation, questions) and noun forms (case, possession)."""

from __future__ import annotations

from training.data.lexicon import AORIST_IR, Noun, Verb
from training.data.phonology import VOWELS, attach, question_particle, syllables

# ============================================================================ Turkish verb forms

PERSONS = (0, 1, 2, 3, 4, 5)  # ben, sen, o, biz, siz, onlar
# Personal endings after -Iyor, -AcAk, the aorist and on nominal predicates (the "z" type) ...
Z_ENDINGS = {0: "(y)Im", 1: "sIn", 2: "", 3: "(y)Iz", 4: "sInIz", 5: "lAr"}
# ... and after the past -DI (the "k" type).
K_ENDINGS = {0: "m", 1: "n", 2: "", 3: "k", 4: "nIz", 5: "lAr"}
TENSES = ("pc", "past", "fut", "aor")  # present continuous -Iyor, past -DI, future -(y)AcAk, aorist


def _split_stem(v: Verb) -> tuple[str, str]:
    head, _, last = v.tr.rpartition(" ")
    return (head + " " if head else ""), last


def aorist_stem(v: Verb) -> str:
    """The positive aorist: -r after a vowel, -Ar after one syllable, -Ir after more (and the 13)."""
    _, last = _split_stem(v)
    if v.aor:
        return v.aor
    if last[-1] in VOWELS:
        return last + "r"
    if syllables(last) > 1 or last in AORIST_IR:
        return attach(last, "Ir", v_stem=v.v_stem)
    return attach(last, "Ar", v_stem=v.v_stem)


def tense_stem(v: Verb, tense: str, neg: bool) -> tuple[str, dict[int, str]]:
    """The last word of the verb up to the person ending, and the endings that follow it."""
    _, last = _split_stem(v)
    if tense == "pc":
        if neg:
            return attach(last, "mIyor"), Z_ENDINGS
        if v.pc:
            return v.pc, Z_ENDINGS
        if last[-1] in VOWELS:  # the stem vowel gives way: bekle → bekliyor, oku → okuyor
            return attach(last[:-1], "Iyor"), Z_ENDINGS
        return attach(last, "Iyor", v_stem=v.v_stem), Z_ENDINGS
    if tense == "past":
        return attach(last, "mAdI" if neg else "DI"), K_ENDINGS
    if tense == "fut":
        if neg:
            return attach(last, "mAyAcAk"), Z_ENDINGS
        return (v.fut or attach(last, "(y)AcAk", v_stem=v.v_stem)), Z_ENDINGS
    if tense == "aor":
        return (attach(last, "mAz") if neg else aorist_stem(v)), Z_ENDINGS
    raise ValueError(tense)


def conjugate(v: Verb, tense: str, person: int, *, neg: bool = False, question: bool = False) -> str:
    """The finite verb, e.g. conjugate(git, "fut", 0) == "gideceğim"; questions add the particle mI."""
    head, last = _split_stem(v)
    if tense == "aor" and neg and not question and person in (0, 3):
        # The negative aorist is -mAz, but -mAm and -mAyIz in the first persons: gelmem, gelmeyiz.
        return head + attach(last, "mAm" if person == 0 else "mAyIz")
    stem, endings = tense_stem(v, tense, neg)
    # A final k of -AcAk softens before a vowel: geleceğim.
    v_stem = stem[:-1] + "ğ" if stem.endswith("k") else None
    if not question:
        return head + attach(stem, endings[person], v_stem=v_stem) if endings[person] else head + stem
    if tense == "past" or person == 5:
        # The person ending stays on the verb: geldin mi?, geliyorlar mı?
        word = attach(stem, endings[person], v_stem=v_stem) if endings[person] else stem
        return f"{head}{word} {question_particle(word)}"
    particle = question_particle(stem)
    return f"{head}{stem} {attach(particle, Z_ENDINGS[person]) if Z_ENDINGS[person] else particle}"


def infinitive(v: Verb) -> str:
    head, last = _split_stem(v)
    return head + attach(last, "mAk")


def copula(word: str, person: int, *, past: bool = False, question: bool = False, v_stem: str | None = None) -> str:
    """A nominal predicate with its person ending: yorgunum, hastaydık, evde misin?, yorgunlar mı?"""
    if question:
        if person == 5:  # the plural stays on the word: yorgunlar mı(ydı)?
            word = attach(word, "lAr")
            particle = question_particle(word)
            return f"{word} {attach(particle, '(y)DI') if past else particle}"
        particle = question_particle(word)
        if past:
            particle = attach(particle, "(y)DI")
            return f"{word} {attach(particle, K_ENDINGS[person]) if K_ENDINGS[person] else particle}"
        return f"{word} {attach(particle, Z_ENDINGS[person]) if Z_ENDINGS[person] else particle}"
    if past:
        stem = attach(word, "(y)DI")
        return attach(stem, K_ENDINGS[person]) if K_ENDINGS[person] else stem
    return attach(word, Z_ENDINGS[person], v_stem=v_stem) if Z_ENDINGS[person] else word


def negative_copula(person: int, *, past: bool = False) -> str:
    """değil with its person ending: değilim, değildik."""
    if past:
        return copula("değil", person, past=True)
    return attach("değil", Z_ENDINGS[person]) if Z_ENDINGS[person] else "değil"


# ============================================================================ Turkish nouns

CASES = {"nom": "", "acc": "(y)I", "dat": "(y)A", "loc": "DA", "abl": "DAn", "gen": "(n)In", "ins": "(y)lA"}
# After a third-person possessive (or the compound marker) the cases take a pronominal n.
CASES_AFTER_3RD = {"nom": "", "acc": "nI", "dat": "nA", "loc": "nDA", "abl": "nDAn", "gen": "nIn", "ins": "(y)lA"}
POSSESSIVE = {0: "(I)m", 1: "(I)n", 2: "(s)I", 3: "(I)mIz", 4: "(I)nIz", 5: "lArI"}


def decline(n: Noun, case: str = "nom", *, plural: bool = False, poss: int | None = None) -> str:
    """The inflected noun: decline(kitap, "acc", poss=0) == "kitabımı"; decline(şehir, "dat") == "şehre"."""
    head, _, last = n.tr.rpartition(" ")
    form, v_stem, harmony = last, n.v_stem, n.harmony
    third = n.compound
    if n.compound and (plural or poss == 5):
        raise ValueError(f"{n.tr}: plurals of compounds (buzdolapları) are not modelled")
    if n.proper and (plural or poss is not None or case != "nom"):
        form = last + "'"
    if plural:
        form = attach(form, "lAr", harmony=harmony)
        v_stem = harmony = None
    if poss is not None:
        # A compound's own -(s)I gives way to the possessive (buzdolab-ım) and stands for the third
        # person itself (Can'ın meyve suyu); after its vowel the possessive surfaces as "buzdolabı" + "m".
        if not (n.compound and poss == 2):
            form = attach(form, POSSESSIVE[poss], v_stem=v_stem, harmony=harmony)
        v_stem = harmony = None
        third = poss in (2, 5)
    if case != "nom":
        form = attach(form, (CASES_AFTER_3RD if third else CASES)[case], v_stem=v_stem, harmony=harmony)
    return f"{head} {form}" if head else form


PRONOUNS = {
    0: {"nom": "ben", "acc": "beni", "dat": "bana", "loc": "bende", "abl": "benden", "gen": "benim", "ins": "benimle"},
    1: {"nom": "sen", "acc": "seni", "dat": "sana", "loc": "sende", "abl": "senden", "gen": "senin", "ins": "seninle"},
    2: {"nom": "o", "acc": "onu", "dat": "ona", "loc": "onda", "abl": "ondan", "gen": "onun", "ins": "onunla"},
    3: {"nom": "biz", "acc": "bizi", "dat": "bize", "loc": "bizde", "abl": "bizden", "gen": "bizim", "ins": "bizimle"},
    4: {"nom": "siz", "acc": "sizi", "dat": "size", "loc": "sizde", "abl": "sizden", "gen": "sizin", "ins": "sizinle"},
    5: {
        "nom": "onlar", "acc": "onları", "dat": "onlara", "loc": "onlarda",
        "abl": "onlardan", "gen": "onların", "ins": "onlarla",
    },
}  # fmt: skip
