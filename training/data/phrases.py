"""Noun phrases built in both languages at once: determiners, possessors, adjectives, numbers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from training.data.english import EN_OBJECT, EN_POSSESSIVE, EN_SUBJECT, HE_SHE, NUMBERS, a_or_an, en_possessive
from training.data.lexicon import ADJECTIVES, NAMES, NOUNS, Adj, Noun, adjective_fits, nouns_with
from training.data.turkish import PERSONS, PRONOUNS, decline

# ============================================================================ noun phrases


@dataclass(frozen=True)
class NP:
    """A noun phrase with its Turkish (any case) and English forms and agreement."""

    head: Noun | None = None
    pre: tuple[str, ...] = ()  # Turkish words before the head: ("bu",), ("kırmızı", "bir"), ("Ali'nin",)
    plural: bool = False
    poss: int | None = None
    pron: int | None = None
    specific: bool = True  # takes the accusative as a direct object (bir elma, su do not)
    en: str = ""
    en_obj: str = ""
    tr_person: int = 2  # noun subjects agree in the third person singular, even when plural
    en_person: int = 2
    gender: str | None = None
    lemmas: tuple[str, ...] = ()

    def tr(self, case: str = "nom") -> str:
        if self.pron is not None:
            return PRONOUNS[self.pron][case]
        if case == "acc" and not self.specific:
            case = "nom"
        assert self.head is not None
        return " ".join((*self.pre, decline(self.head, case, plural=self.plural, poss=self.poss)))

    @property
    def is_pronoun(self) -> bool:
        return self.pron is not None


def np_pronoun(person: int, rng: random.Random) -> NP:
    if person == 2:
        gender = rng.choice("mf")
        subj, obj, _ = HE_SHE[gender]
    else:
        gender, subj, obj = None, EN_SUBJECT[person], EN_OBJECT[person]
    return NP(
        pron=person, en=subj, en_obj=obj, tr_person=person, en_person=person, gender=gender, lemmas=(f"p:{person}",)
    )


def _with_adj(n: Noun, a: Adj | None) -> tuple[tuple[str, ...], str]:
    return ((a.tr,) if a else ()), (f"{a.en} " if a else "")


def np_noun(
    n: Noun,
    det: str,
    *,
    plural: bool = False,
    a: Adj | None = None,
    number: int | None = None,
    poss: int | None = None,
    owner: NP | None = None,
) -> NP:
    """A noun phrase for `n`. det: the (bare Turkish noun), a (bir), bare (mass/indefinite plural),
    this/that/yon (bu/şu/o), num, poss (my/your/our), owner (Ali'nin kedisi, the teacher's bag)."""
    adj_tr, adj_en = _with_adj(n, a)
    lemmas = [f"n:{n.key}"] + ([f"a:{a.tr}"] if a else [])
    if "pair" in n.tags and det not in ("a", "num", "bare"):
        plural = True  # ayakkabıları "the shoes", not "the shoe"
    if n.compound:
        plural = False  # buzdolapları: not modelled
    en_noun = n.en_pl if plural or number else n.en
    person = 5 if (plural or number) and not n.mass else 2
    specific = True
    tr_poss = None  # the possessive suffix on the Turkish head, only for "poss" and "owner"
    if det == "the":
        pre, en = adj_tr, ("" if n.proper else "the ") + adj_en + en_noun
    elif det == "a" and "pair" in n.tags:
        pre, en, specific = ("bir", "çift", *adj_tr), f"a pair of {adj_en}{n.en_pl}", False
    elif det == "a":
        pre, en, specific = (*adj_tr, "bir"), f"{a_or_an(adj_en + en_noun)} {adj_en}{en_noun}", False
    elif det == "bare":
        pre, en, specific = adj_tr, (adj_en + (n.bare_en or en_noun)), False
    elif det in ("this", "that", "yon"):
        word = {"this": "bu", "that": "şu", "yon": "o"}[det]
        en_det = {"this": "these", "that": "those", "yon": "those"}[det] if plural else det.replace("yon", "that")
        pre, en = (word, *adj_tr), f"{en_det} {adj_en}{en_noun}"
        lemmas.append(f"d:{word}")
    elif det == "num":
        assert number is not None
        num_tr, num_en = NUMBERS[number]
        # Turkish counts with the singular: üç elma "three apples".
        pre, en, specific, plural = (num_tr, *adj_tr), f"{num_en} {adj_en}{en_noun}", False, False
        lemmas.append(f"x:{num_tr}")
    elif det == "poss":
        assert poss is not None
        pre, en, tr_poss = adj_tr, f"{EN_POSSESSIVE[poss]} {adj_en}{en_noun}", poss
    elif det == "owner":
        assert owner is not None
        pre = (owner.tr("gen"), *adj_tr)
        en, tr_poss = f"{en_possessive(owner.en)} {adj_en}{en_noun}", 2
        lemmas.extend(owner.lemmas)
    else:
        raise ValueError(det)
    return NP(
        head=n,
        pre=pre,
        plural=plural,
        poss=tr_poss,
        specific=specific,
        en=en,
        en_obj=en,
        en_person=person,
        gender=n.gender,
        lemmas=tuple(lemmas),
    )


def np_name(rng: random.Random) -> NP:
    return np_noun(NOUNS[rng.choice(list(NAMES))], "the")


def np_kin(rng: random.Random, *, owners: Sequence[int] = (0, 3, 4), plural_ok: bool = True) -> NP:
    """annem "my mother", arkadaşlarımız "our friends" (2nd singular needs context, see object_np)."""
    n = rng.choice(nouns_with("kin"))
    plural = plural_ok and n.key == "arkadaş" and rng.random() < 0.3
    return np_noun(n, "poss", poss=rng.choice(list(owners)), plural=plural)


def np_owner(rng: random.Random) -> NP:
    """A possessor in the genitive: a name, a relative or a person noun."""
    roll = rng.random()
    if roll < 0.5:
        return np_name(rng)
    if roll < 0.75:
        return np_kin(rng, plural_ok=False)
    n = rng.choice(nouns_with("occupation") + [NOUNS["çocuk"], NOUNS["komşu"]])
    return np_noun(n, "the", plural=rng.random() < 0.3)


def person_subject(rng: random.Random, *, pronoun_share: float = 0.45, plural_ok: bool = True) -> NP:
    """Who does things: a pronoun, a name, a relative, a person noun, someone's relative."""
    roll = rng.random()
    if roll < pronoun_share:
        return np_pronoun(rng.choice(PERSONS), rng)
    roll = (roll - pronoun_share) / (1 - pronoun_share)
    if roll < 0.35:
        return np_name(rng)
    if roll < 0.6:
        return np_kin(rng, plural_ok=plural_ok)
    if roll < 0.9:
        n = rng.choice(nouns_with("person", exclude=("kin", "name")))
        plural = plural_ok and rng.random() < 0.35
        det = "the" if rng.random() < 0.8 else rng.choice(("this", "that"))
        return np_noun(n, det, plural=plural)
    # Ali'nin annesi, öğretmenin oğlu; not "my sister's sister".
    owner = np_name(rng) if rng.random() < 0.7 else np_noun(rng.choice(nouns_with("occupation")), "the")
    kin = rng.choice(nouns_with("kin"))
    return np_noun(kin, "owner", owner=owner)


# Nouns one does not say "my ..." or "Ali's ..." of: wild animals, the sky, the lake, the hospital.
UNOWNED_TAGS = frozenset({"wild", "insect", "water", "sky", "material", "water_place", "town", "shop", "weather"})
OWNED_PLACES = ("ev", "oda", "bahçe", "okul", "mutfak", "sınıf", "çiftlik")


def ownable(n: Noun) -> bool:
    if n.tags & UNOWNED_TAGS or n.proper:
        return False
    return "place" not in n.tags or n.key in OWNED_PLACES


def pick_adj(rng: random.Random, n: Noun, chance: float) -> Adj | None:
    if rng.random() >= chance:
        return None
    options = [a for a in ADJECTIVES if adjective_fits(a, n)]
    return rng.choice(options) if options else None


def object_np(
    rng: random.Random,
    n: Noun,
    *,
    subject: NP | None = None,
    specific_only: bool = False,
    adj_chance: float = 0.2,
    number_ok: bool = True,
    possessed_ok: bool = True,
    plural_chance: float = 0.25,
) -> NP:
    """A direct object for `n`, with a determiner that suits mass and count nouns."""
    a = pick_adj(rng, n, adj_chance)
    if n.mass:
        det = rng.choice(("the", "the", "this") if specific_only else ("bare", "bare", "bare", "the", "the", "this"))
        return np_noun(n, det, a=a)
    dets = ["the", "the", "this", "that"] + (["poss", "owner"] if possessed_ok and ownable(n) else [])
    if not specific_only:
        dets += ["a", "a", "a"] + (["num"] if number_ok else [])
    det = rng.choice(dets)
    if det == "poss":
        # kitabını is both "your book" and "his book": the second singular only for a "sen" subject.
        owners = [0, 3, 4] + ([1] if subject is not None and subject.tr_person == 1 else [])
        return np_noun(n, "poss", poss=rng.choice(owners), a=a, plural=rng.random() < plural_chance)
    if det == "owner":
        return np_noun(n, "owner", owner=np_owner(rng), a=a)
    if det == "num":
        return np_noun(n, "num", number=rng.choice(list(NUMBERS)), a=a)
    return np_noun(n, det, a=a, plural=det != "a" and rng.random() < plural_chance)
