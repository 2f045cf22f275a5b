"""English forms: articles, plurals, possessives, the verb phrase for each tense and person."""

from __future__ import annotations

from collections.abc import Sequence

from training.data.lexicon import EnVerb

# ============================================================================ English

EN_SUBJECT = {0: "I", 1: "you", 3: "we", 4: "you", 5: "they"}
EN_OBJECT = {0: "me", 1: "you", 3: "us", 4: "you", 5: "them"}
EN_POSSESSIVE = {0: "my", 1: "your", 3: "our", 4: "your", 5: "their"}
HE_SHE = {"m": ("he", "him", "his"), "f": ("she", "her", "her")}
BE = {0: "am", 1: "are", 2: "is", 3: "are", 4: "are", 5: "are"}
BE_NOT = {0: "am not", 1: "aren't", 2: "isn't", 3: "aren't", 4: "aren't", 5: "aren't"}
NUMBERS = {2: ("iki", "two"), 3: ("üç", "three"), 4: ("dört", "four"), 5: ("beş", "five"), 6: ("altı", "six")}


def a_or_an(phrase: str) -> str:
    """The indefinite article for `phrase` by its sound: an apple, a university, an hour."""
    word = phrase.lower()
    if word.startswith(("uni", "use", "eu", "one")):
        return "a"
    if word.startswith(("hour", "honest")) or word[0] in "aeiou":
        return "an"
    return "a"


def en_possessive(owner: str) -> str:
    """Ali → Ali's, the students → the students'."""
    return owner + ("'" if owner.endswith("s") and not owner.endswith("ss") else "'s")


def en_clause(
    subj: str,
    person: int,
    v: EnVerb,
    tense: str,
    *,
    neg: bool = False,
    question: bool = False,
    rest: Sequence[str] = (),
    stative: bool = False,
    wont: bool = False,
) -> str:
    """An English clause agreeing with `person` (0..5; nouns are 2 or 5), without final punctuation.

    Questions come out inverted ("are you reading the book"), ready for a wh-word in front.
    `stative` keeps the simple present for the Turkish -Iyor; `wont` renders a negative aorist of
    a property as "won't" (Bu odun yanmaz. → This wood won't burn.).
    """
    third = person == 2
    aux: str | None
    if tense == "pc" and not stative:
        aux, main = (BE_NOT if neg else BE)[person], v.ing
    elif tense in ("pc", "aor"):
        if wont and (neg or question):
            aux, main = ("won't" if neg else "will"), v.base
        elif neg or question:
            aux = ("does" if third else "do") + ("n't" if neg else "")
            main = v.base
        else:
            aux, main = None, v.s3 if third else v.base
    elif tense == "past":
        aux, main = ("didn't" if neg else "did") if (neg or question) else None, v.base if (neg or question) else v.past
    elif tense == "fut":
        aux, main = ("won't" if neg else "will"), v.base
    else:
        raise ValueError(tense)
    verb_phrase = " ".join(w for w in (main, v.tail, *rest) if w)
    if question:
        return " ".join(w for w in (aux, subj, verb_phrase) if w)
    if aux == "am not" and subj == "I":
        return f"I'm not {verb_phrase}"
    return " ".join(w for w in (subj, aux, verb_phrase) if w)


def en_be(
    subj: str,
    person: int,
    pred: str,
    *,
    past: bool = False,
    fut: bool = False,
    neg: bool = False,
    question: bool = False,
) -> str:
    """subject + be + predicate: "the house is big", "were you at home", "I'm not tired"."""
    if fut:
        aux = "won't" if neg else "will"
        return f"{aux} {subj} be {pred}" if question else f"{subj} {aux} be {pred}"
    if past:
        form = "was" if person in (0, 2) else "were"
        form += "n't" if neg else ""
    else:
        form = (BE_NOT if neg else BE)[person]
    if question:
        return f"{form} {subj} {pred}"
    if neg and not past and person == 0 and subj == "I":
        return f"I'm not {pred}"
    return f"{subj} {form} {pred}"
