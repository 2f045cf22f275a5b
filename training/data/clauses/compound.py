"""Two clauses: and, but, because, coordinated subjects and shopping lists."""

from __future__ import annotations

import random
from collections.abc import Callable

from training.data.clauses.activities import ACTIVITIES, activity_clause, motion_clause
from training.data.clauses.nature import weather_clause
from training.data.clauses.sentence import Clause, Subject, join, pick_time, polarity, time_lemmas, turkish
from training.data.clauses.stative import LIKES
from training.data.clauses.transitive import transitive_clause
from training.data.english import HE_SHE, a_or_an, en_be, en_clause
from training.data.lexicon import (
    ADJECTIVES,
    NAMES,
    NOUNS,
    VERBS,
    Noun,
    adjective_fits,
    nouns_with,
)
from training.data.phrases import (
    np_kin,
    np_name,
    np_noun,
    np_pronoun,
    ownable,
    person_subject,
)
from training.data.turkish import PERSONS, conjugate, copula, decline

STATEMENT_CLAUSES: list[Callable[..., Clause]] = [activity_clause, motion_clause, transitive_clause]


def and_clause(rng: random.Random) -> Clause:
    """Two statements in the same tense joined by ve: Ali kitap okuyor ve Ayşe müzik dinliyor."""
    tense = rng.choice(("pc", "past", "fut"))
    first = rng.choice(STATEMENT_CLAUSES)(rng, tense, statement=True)
    second = rng.choice(STATEMENT_CLAUSES)(rng, tense, statement=True)
    if first.en.split()[0] == second.en.split()[0]:
        return and_clause(rng)  # the same subject twice reads oddly without a pronoun
    return Clause(f"{first.tr} ve {second.tr}", f"{first.en} and {second.en}", first.lemmas + second.lemmas + ["x:ve"])


# Adjectives that make sense together with "but": small but clean.
BUT_PAIRS = [
    ("küçük", "temiz"), ("küçük", "güzel"), ("eski", "temiz"), ("eski", "güzel"), ("pahalı", "güzel"),
    ("ucuz", "güzel"), ("büyük", "ucuz"), ("küçük", "pahalı"), ("eski", "hızlı"), ("küçük", "lezzetli"),
    ("pahalı", "lezzetli"), ("ucuz", "lezzetli"), ("uzun", "ilginç"), ("kısa", "ilginç"), ("eski", "ilginç"),
]  # fmt: skip


def but_clause(rng: random.Random) -> Clause:
    """Contrasts with ama: likes, two adjectives, the weather, someone did and someone did not."""
    kind = rng.choice(("likes", "adjectives", "adjectives", "weather", "did_didnt"))
    if kind == "likes":
        subj_np = person_subject(rng, plural_ok=False)
        subject = Subject.of(subj_np, rng)
        a, b = rng.sample(LIKES[rng.choice(list(LIKES))], 2)

        def liked(n: Noun) -> tuple[str, str]:
            return (n.tr, n.en) if n.mass else (decline(n, "acc", plural=True), n.en_pl)

        (a_tr, a_en), (b_tr, b_en) = liked(a), liked(b)
        tense = rng.choice(("aor", "pc"))
        v = VERBS["sev"]
        tr = join(
            subject.tr,
            a_tr,
            conjugate(v, tense, subj_np.tr_person),
            "ama",
            b_tr,
            conjugate(v, tense, subj_np.tr_person, neg=True),
        )
        pos = en_clause(subj_np.en, subj_np.en_person, v.en, tense, rest=[a_en], stative=True)
        neg = en_clause("", subj_np.en_person, v.en, tense, neg=True, rest=[b_en], stative=True)
        return Clause(tr, f"{pos} but {neg.strip()}", [*subj_np.lemmas, "v:sev", f"n:{a.key}", f"n:{b.key}", "x:ama"])
    if kind == "adjectives":
        first, second = rng.choice(BUT_PAIRS)
        a1 = next(x for x in ADJECTIVES if x.tr == first)
        a2 = next(x for x in ADJECTIVES if x.tr == second)
        options = [n for n in NOUNS.values() if adjective_fits(a1, n) and adjective_fits(a2, n)]
        n = rng.choice(options)
        subj = np_noun(
            n,
            rng.choice(("the", "this", "poss") if ownable(n) else ("the", "this")),
            poss=rng.choice((0, 1, 3, 4)),
            plural=not n.mass and rng.random() < 0.2,
        )
        very = rng.random() < 0.4
        past = rng.random() < 0.2
        first_tr = copula(a1.tr, 2, past=past)
        second_tr = copula(join("çok" if very else None, a2.tr), 2, past=past)
        tr = join(subj.tr(), first_tr, "ama", second_tr)
        en = en_be(subj.en, subj.en_person, f"{a1.en} but {'very ' if very else ''}{a2.en}", past=past)
        return Clause(tr, en, [*subj.lemmas, f"a:{first}", f"a:{second}", "x:ama"])
    if kind == "weather":
        return weather_but_clause(rng)
    # Someone did it, someone else did not: Ali geldi ama Ayşe gelmedi.
    key = rng.choice(("gel", "uyu", "ağla", "bekle", "çalış", "yüz (swim)", "dans et", "gül"))
    v = VERBS[key]
    tense = rng.choice(("pc", "past", "fut"))
    s1 = person_subject(rng, pronoun_share=0.3)
    s2 = person_subject(rng, pronoun_share=0.3)
    if s1.en == s2.en or s1.en_person == s2.en_person and s1.is_pronoun and s2.is_pronoun:
        return but_clause(rng)
    tr1 = join(s1.tr(), conjugate(v, tense, s1.tr_person))
    tr2 = join(s2.tr(), conjugate(v, tense, s2.tr_person, neg=True))
    en1 = en_clause(s1.en, s1.en_person, v.en, tense)
    en2 = en_clause(s2.en, s2.en_person, v.en, tense, neg=True)
    return Clause(f"{tr1} ama {tr2}", f"{en1}, but {en2}", [*s1.lemmas, *s2.lemmas, f"v:{key}", "x:ama"])


BAD_WEATHER = ("a:soğuk", "a:rüzgarlı", "a:yağmurlu", "a:bulutlu", "v:yağ")
GOOD_WEATHER = ("a:güzel", "a:güneşli", "a:sıcak")
OUTDOOR_PLACES = ("park", "bahçe", "plaj", "sokak", "orman", "deniz", "göl")


def weather_but_clause(rng: random.Random) -> Clause:
    """Bad weather and still outside, or good weather and still inside:
    Hava soğuk ama çocuklar parkta oynuyor. Hava güzel ama evde kalacağız."""
    weather = weather_clause(rng, statement=True)
    bad = any(lemma in BAD_WEATHER for lemma in weather.lemmas)
    if not bad and not any(lemma in GOOD_WEATHER for lemma in weather.lemmas):
        return weather_but_clause(rng)
    tense = weather.tense or "pc"
    subj_np = person_subject(rng, pronoun_share=0.4)
    neg = False
    if bad and rng.random() < 0.6:
        key = rng.choice(("oyna", "koş", "yürü", "yüz (swim)"))
        place, case = NOUNS[rng.choice([p for p in ACTIVITIES[key] if p in OUTDOOR_PLACES])], "loc"
    elif bad or rng.random() < 0.5:
        key, case = "git", "dat"
        place = NOUNS[rng.choice(("park", "plaj", "deniz", "orman", "göl"))]
        neg = not bad  # Hava güzel ama parka gitmedik.
    else:
        key, case = rng.choice(("kal", "çalış", "uyu")), "loc"
        place = NOUNS[rng.choice(("ev", "kütüphane") if key == "çalış" else ("ev",))]
    v = VERBS[key]
    other_tr = join(subj_np.tr(), decline(place, case), conjugate(v, tense, subj_np.tr_person, neg=neg))
    other_en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        stative=v.stative,
        rest=[place.loc_en if case == "loc" else place.to_en],
    )
    lemmas = weather.lemmas + [*subj_np.lemmas, f"v:{key}", f"n:{place.key}", "x:ama"]
    return Clause(f"{weather.tr} ama {other_tr}", f"{weather.en}, but {other_en}", lemmas)


# Reasons and what follows from them: (adjective, [(verb key, complement tr, complement en, negated)]).
BECAUSE = {
    "hasta": [("git", "okula", "to school", True), ("kal", "evde", "at home", False),
              ("git", "doktora", "to the doctor", False), ("git", "işe", "to work", True)],
    "yorgun": [("yat", "erken", "early", False), ("kal", "evde", "at home", False), ("uyu", None, None, False),
               ("çalış", None, None, True)],
    "aç": [("yemek ye", None, None, False), ("git", "mutfağa", "to the kitchen", False)],
    "mutlu": [("şarkı söyle", None, None, False), ("gül", None, None, False), ("dans et", None, None, False)],
    "üzgün": [("ağla", None, None, False), ("konuş", None, None, True)],
}  # fmt: skip


def because_clause(rng: random.Random) -> Clause:
    """çünkü: Okula gitmedim çünkü hastaydım. "I didn't go to school because I was sick." """
    adj_tr = rng.choice(list(BECAUSE))
    a = next(x for x in ADJECTIVES if x.tr == adj_tr)
    key, comp_tr, comp_en, negated = rng.choice(BECAUSE[adj_tr])
    v = VERBS[key]
    roll = rng.random()
    if roll < 0.65:
        subj = np_pronoun(rng.choice(PERSONS), rng)
    elif roll < 0.85:
        subj = np_name(rng)
    else:
        subj = np_kin(rng, plural_ok=False)
        if subj.head is not None and subj.head.key == "arkadaş":
            subj = np_name(rng)
    tense = rng.choice(("past", "past", "pc"))
    past = tense == "past"
    person = subj.tr_person
    subject_tr = None if subj.is_pronoun and rng.random() < 0.7 else subj.tr()
    action = join(subject_tr, comp_tr, conjugate(v, tense, person, neg=negated))
    reason = copula(adj_tr, person, past=past, v_stem=a.v_stem)
    if subj.is_pronoun:
        pronoun = subj.en if subj.en_person != 2 else subj.en
    else:
        pronoun = HE_SHE[subj.gender or "m"][0]
    en_action = en_clause(subj.en, subj.en_person, v.en, tense, neg=negated, rest=[comp_en])
    en_reason = en_be(pronoun, subj.en_person, a.en, past=past)
    return Clause(
        f"{action} çünkü {reason}",
        f"{en_action} because {en_reason}",
        [*subj.lemmas, f"v:{key}", f"a:{adj_tr}", "x:çünkü"],
    )


def coordinated_subject_clause(rng: random.Random) -> Clause:
    """Ali ve Ayşe parkta oynuyor. "Ali and Ayşe are playing in the park." """
    first, second = rng.sample(list(NAMES), 2)
    key = rng.choice(("oyna", "yüz (swim)", "koş", "yürü", "bekle", "dans et", "çalış"))
    v = VERBS[key]
    place = NOUNS[rng.choice(ACTIVITIES[key])]
    tense = rng.choice(("pc", "past", "fut"))
    neg, question = polarity(rng, neg_chance=0.1)
    time = pick_time(rng, tense, 0.3)
    subject = Subject(np_noun(NOUNS[first], "the"), f"{first} ve {second}")
    tr = turkish(subject, time, [decline(place, "loc"), conjugate(v, tense, 2, neg=neg, question=question)], rng)
    en = en_clause(
        f"{first} and {second}",
        5,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[place.loc_en, time[1] if time else None],
    )
    return Clause(
        tr, en, [f"n:{first}", f"n:{second}", f"v:{key}", f"n:{place.key}", "x:ve", *time_lemmas(time)], question
    )


def shopping_list_clause(rng: random.Random) -> Clause:
    """Two objects with ve: Marketten ekmek ve peynir aldım. "I bought bread and cheese at the supermarket." """
    key = "al"
    a, b = rng.sample([n for n in nouns_with("buyable") if "food" in n.tags or "drink" in n.tags], 2)
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng)
    tense = rng.choice(("past", "past", "fut"))

    def thing(n: Noun) -> tuple[str, str]:
        return (n.tr, n.en) if n.mass else (f"bir {n.tr}", f"{a_or_an(n.en)} {n.en}")

    (a_tr, a_en), (b_tr, b_en) = thing(a), thing(b)
    place = NOUNS[rng.choice(("market", "pazar"))] if key == "al" and rng.random() < 0.5 else None
    time = pick_time(rng, tense, 0.3)
    tr = turkish(
        subject,
        time,
        [decline(place, "abl") if place else None, a_tr, "ve", b_tr, conjugate(VERBS[key], tense, subj_np.tr_person)],
        rng,
    )
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        VERBS[key].en,
        tense,
        rest=[f"{a_en} and {b_en}", place.loc_en if place else None, time[1] if time else None],
    )
    lemmas = [*subj_np.lemmas, f"v:{key}", f"n:{a.key}", f"n:{b.key}", "x:ve", *time_lemmas(time)]
    return Clause(tr, en, lemmas + ([f"n:{place.key}"] if place else []))
