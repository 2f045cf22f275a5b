"""The parts every clause family shares: a Clause and its Pair, time and frequency adverbs,
polarity and the subject."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from training.data.english import NUMBERS
from training.data.phonology import tr_capitalize
from training.data.phrases import (
    NP,
)


@dataclass
class Clause:
    tr: str
    en: str
    lemmas: list[str] = field(default_factory=list)
    question: bool = False
    tense: str | None = None


@dataclass(frozen=True)
class Pair:
    tr: str
    en: str
    lemmas: tuple[str, ...]  # the lexicon entries it uses, to keep held-out words inside train's vocabulary
    kind: str = ""  # the template it comes from, to spread every kind over the splits


def finish(c: Clause) -> Pair:
    """Capitalise and punctuate a clause into a sentence pair."""
    mark = "?" if c.question else "."
    en = c.en[0].upper() + c.en[1:]
    return Pair(tr_capitalize(c.tr) + mark, en + mark, tuple(sorted(set(c.lemmas))))


def join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


# Time adverbs by tense. The aorist ones make a habit (her gün "every day").
TIMES = {
    "pc": [("şimdi", "now"), ("bugün", "today"), ("şu anda", "at the moment")],
    "past": [
        ("dün", "yesterday"), ("dün akşam", "yesterday evening"), ("bu sabah", "this morning"),
        ("geçen hafta", "last week"), ("geçen yaz", "last summer"), ("bugün", "today"),
    ],
    "fut": [
        ("yarın", "tomorrow"), ("yarın sabah", "tomorrow morning"), ("bu akşam", "this evening"),
        ("gelecek hafta", "next week"), ("yakında", "soon"),
    ],
    "aor": [("her gün", "every day"), ("her sabah", "every morning"), ("her akşam", "every evening"),
            ("hafta sonları", "on weekends"), ("her yaz", "every summer")],
}  # fmt: skip
# Frequency adverbs go before the English verb: "I often drink tea".
FREQUENCY = [("sık sık", "often"), ("genellikle", "usually"), ("bazen", "sometimes"), ("her zaman", "always")]
# The adverbs that make a habit of a household chore or a meal.
DAILY = [t for t in TIMES["aor"] if t[0] in ("her gün", "her sabah", "her akşam", "hafta sonları")]


def pick_time(rng: random.Random, tense: str, chance: float = 0.35) -> tuple[str, str] | None:
    if rng.random() >= chance:
        return None
    if tense == "past" and rng.random() < 0.15:
        number = rng.choice(list(NUMBERS))
        unit = rng.choice((("gün", "days"), ("hafta", "weeks")))
        return f"{NUMBERS[number][0]} {unit[0]} önce", f"{NUMBERS[number][1]} {unit[1]} ago"
    if tense == "fut" and rng.random() < 0.1:
        number = rng.choice(list(NUMBERS))
        return f"{NUMBERS[number][0]} gün sonra", f"in {NUMBERS[number][1]} days"
    return rng.choice(TIMES[tense])


def time_lemmas(time: tuple[str, str] | None) -> list[str]:
    return [f"t:{w}" for w in time[0].split()] if time else []


def polarity(rng: random.Random, *, neg_chance: float = 0.2, question_chance: float = 0.2) -> tuple[bool, bool]:
    roll = rng.random()
    if roll < neg_chance:
        return True, False
    if roll < neg_chance + question_chance:
        return False, True
    return False, False


@dataclass
class Subject:
    """A subject as the Turkish sentence shows it (pronouns are often dropped) and as English needs it."""

    np: NP
    tr: str | None

    @classmethod
    def of(cls, np: NP, rng: random.Random, *, drop_chance: float = 0.6) -> Subject:
        if np.is_pronoun and rng.random() < drop_chance:
            return cls(np, None)
        return cls(np, np.tr())

    def kept(self) -> Subject:
        return Subject(self.np, self.np.tr())


def predicate_person(subject: Subject) -> int:
    """The person ending of a nominal predicate: "Onlar yorgun." but "Yorgunlar."; nouns take none."""
    if subject.np.tr_person == 5:
        return 5 if subject.tr is None else 2
    return subject.np.tr_person


def turkish(subject: Subject, time: tuple[str, str] | None, rest: Sequence[str | None], rng: random.Random) -> str:
    """Subject – time – rest, or time first; a dropped subject leaves the time in front."""
    when = time[0] if time else None
    if subject.tr and when and rng.random() < 0.35:
        return join(when, subject.tr, *rest)
    return join(subject.tr, when, *rest)


def ensure_two_words(tr: str, subject: Subject) -> str:
    """A dropped pronoun comes back when the sentence would be one word ("Yorgunum." → "Ben yorgunum.")."""
    if subject.tr is None and len(tr.split()) < 2:
        return join(subject.np.tr(), tr)
    return tr


