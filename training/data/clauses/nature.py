"""Weather, the properties of materials, what animals do, and languages."""

from __future__ import annotations

import random

from training.data.clauses.sentence import FREQUENCY, Clause, Subject, join, pick_time, polarity, time_lemmas, turkish
from training.data.english import en_be, en_clause
from training.data.lexicon import (
    ADJECTIVES,
    NOUNS,
    VERBS,
    EnVerb,
    nouns_with,
)
from training.data.phrases import (
    np_noun,
    person_subject,
)
from training.data.turkish import conjugate, copula, decline, negative_copula


def weather_clause(rng: random.Random, *, statement: bool = False) -> Clause:
    """Hava soğuk. "The weather is cold." Yağmur yağıyor. "It is raining." Yarın kar yağacak."""
    if rng.random() < 0.5:
        a = rng.choice([x for x in ADJECTIVES if "weather" in x.tags])
        en_adj = a.weather_en or a.en
        when = rng.choice((None, None, "pres", "past", "fut"))
        neg, question = (False, False) if statement else polarity(rng, neg_chance=0.15)
        very = not neg and rng.random() < 0.3
        adj_tr = join("çok" if very else None, a.tr)
        en_pred = join("very" if very else None, en_adj)
        city = rng.choice(nouns_with("city")) if rng.random() < 0.2 else None
        place_tr, place_en = (decline(city, "loc"), city.loc_en) if city else (None, None)
        if when == "fut":
            time = rng.choice((("yarın", "tomorrow"), ("bu akşam", "this evening"), ("hafta sonu", "at the weekend")))
            olacak = conjugate(VERBS["ol"], "fut", 2, neg=neg, question=question)
            tr = join(time[0], place_tr, "hava", adj_tr, olacak)
            en = en_be("the weather", 2, join(en_pred, place_en, time[1]), fut=True, neg=neg, question=question)
            return Clause(tr, en, ["n:hava", f"a:{a.tr}", "v:ol", *time_lemmas(time)], question, "fut")
        else:
            past = when == "past"
            time = ("dün", "yesterday") if past else (("bugün", "today") if when == "pres" else None)
            if neg:
                pred = join(adj_tr, negative_copula(2, past=past))
            else:
                pred = copula(adj_tr, 2, past=past, question=question)
            tr = join(time[0] if time else None, place_tr, "hava", pred)
            en = en_be(
                "the weather",
                2,
                join(en_pred, place_en, time[1] if time else None),
                past=past,
                neg=neg,
                question=question,
            )
        return Clause(tr, en, ["n:hava", f"a:{a.tr}", *time_lemmas(time)], question, "past" if past else "pc")
    what = rng.choice((("yağmur", "rain", "raining", "rained", "rains"), ("kar", "snow", "snowing", "snowed", "snows")))
    tense = rng.choice(("pc", "pc", "past", "fut") if statement else ("pc", "pc", "past", "fut", "aor"))
    neg, question = (False, False) if statement else polarity(rng, neg_chance=0 if tense == "aor" else 0.15)
    city = rng.choice(nouns_with("city")) if rng.random() < 0.3 else None
    if tense == "aor":
        time = rng.choice((("kışın", "in winter"), ("her kış", "every winter"), ("sonbaharda", "in autumn")))
        if what[0] == "kar" and time[0] == "sonbaharda":
            time = ("kışın", "in winter")
    else:
        time = pick_time(rng, tense, 0.5)
    verb_tr = conjugate(VERBS["yağ"], tense, 2, neg=neg, question=question)
    tr = join(time[0] if time else None, decline(city, "loc") if city else None, what[0], verb_tr)
    v = EnVerb(what[1], what[4], what[3], what[2])
    en = en_clause(
        "it", 2, v, tense, neg=neg, question=question, rest=[city.loc_en if city else None, time[1] if time else None]
    )
    lemmas = [f"n:{what[0]}", "v:yağ", *time_lemmas(time)] + ([f"n:{city.key}"] if city else [])
    return Clause(tr, en, lemmas, question, tense)


# Which materials do what, as general truths: (noun key, verb key) → true or false.
PROPERTIES: dict[tuple[str, str], bool | None] = {
    ("odun", "yan"): True, ("kağıt", "yan"): True, ("mum", "yan"): True, ("taş", "yan"): False,
    ("cam", "yan"): False, ("buz", "yan"): False,
    ("cam", "kırıl"): True, ("bardak", "kırıl"): True, ("tabak", "kırıl"): True, ("yumurta", "kırıl"): True,
    ("ayna", "kırıl"): True, ("şişe", "kırıl"): True,
    ("buz", "eri"): True, ("kar", "eri"): True, ("çikolata", "eri"): True, ("dondurma", "eri"): True,
    ("mum", "eri"): True, ("taş", "eri"): False,
    ("taş", "bat"): True, ("odun", "bat"): False, ("buz", "bat"): False,
    ("odun", "yüz (float)"): True, ("buz", "yüz (float)"): True, ("taş", "yüz (float)"): False,
    # Doors open and close, but saying so in general is no news: only "this door" sentences.
    ("kapı", "açıl"): None, ("pencere", "açıl"): None, ("kutu", "açıl"): None, ("şişe", "açıl"): None,
    ("kapı", "kapan"): None, ("pencere", "kapan"): None, ("dolap", "kapan"): None,
}  # fmt: skip
# How well or easily: the positive sentences about one thing use one of these.
MANNER = {
    "yan": (("iyi", "well"), ("kolay", "easily"), ("çabuk", "quickly")),
    "kırıl": (("kolay", "easily"),),
    "eri": (("çabuk", "quickly"),),
    "açıl": (("kolay", "easily"),),
    "kapan": (("kolay", "easily"),),
}
# Wet wood does not burn; dry wood burns well.
CONDITION = {"odun": (("ıslak", "wet", False), ("kuru", "dry", True)), "kağıt": (("ıslak", "wet", False),)}


def property_clause(rng: random.Random) -> Clause:
    """The "Bu odun yanmaz." family: what materials and things do, in general and this one here.

    General truths stay true (Taş yanmaz. "Stones don't burn."); about one thing here both are
    possible (Bu odun yanmaz. "This wood won't burn."), except what cannot happen at all.
    """
    # Burning gets a larger share: it is the family of the project's example sentence.
    burning = rng.random() < 0.4
    (key, vkey), truth = rng.choice([item for item in PROPERTIES.items() if (item[0][1] == "yan") == burning])
    n, v = NOUNS[key], VERBS[vkey]
    water = ("suda", "on water") if vkey == "yüz (float)" else None
    lemmas = [f"n:{key}", f"v:{vkey}"] + (["n:su"] if water else [])
    roll = rng.random()
    if roll < 0.3 and truth is not None:
        # A general truth in the aorist: Odun yanar. "Wood burns." Taş suda yüzmez.
        question = rng.random() < 0.2
        neg = not truth and not question
        generic = n.generic_en or n.en
        person = 5 if n.generic_en and not n.mass else 2
        tr = join(n.tr, water[0] if water else None, conjugate(v, "aor", 2, neg=neg, question=question))
        en = en_clause(generic, person, v.en, "aor", neg=neg, question=question, rest=[water[1] if water else None])
        return Clause(tr, en, lemmas, question)
    if roll < 0.45 and key in CONDITION and vkey == "yan":
        # Islak odun yanmaz. "Wet wood won't burn." Kuru odun iyi yanar. "Dry wood burns well."
        cond_tr, cond_en, burns = rng.choice(CONDITION[key])
        manner = ("iyi", "well") if burns else None
        tr = join(cond_tr, n.tr, manner[0] if manner else None, conjugate(v, "aor", 2, neg=not burns))
        en = en_clause(
            f"{cond_en} {n.en}", 2, v.en, "aor", neg=not burns, wont=True, rest=[manner[1] if manner else None]
        )
        return Clause(tr, en, [*lemmas, f"a:{cond_tr}"] + (["x:iyi"] if manner else []))
    if roll < 0.8 or truth is False:
        # This one here: Bu odun yanmaz. "This wood won't burn." Bu bardak kolay kırılır.
        subj = np_noun(n, rng.choice(("this", "this", "this", "that")), plural=not n.mass and rng.random() < 0.25)
        question = rng.random() < 0.2
        neg = not question and (truth is False or rng.random() < 0.6)
        manner = rng.choice(MANNER[vkey]) if not neg and not question and vkey in MANNER else None
        tr = join(
            subj.tr(),
            water[0] if water else None,
            manner[0] if manner else None,
            conjugate(v, "aor", 2, neg=neg, question=question),
        )
        en = en_clause(
            subj.en,
            subj.en_person,
            v.en,
            "aor",
            neg=neg,
            question=question,
            wont=True,
            rest=[water[1] if water else None, manner[1] if manner else None],
        )
        return Clause(tr, en, [*lemmas, *subj.lemmas] + ([f"x:{manner[0]}"] if manner else []), question)
    # What happened or will happen: Kar eridi. "The snow melted." Bu odun yanmayacak. (A door "is opening"
    # only in a story, so açıl and kapan keep to the past and the future.)
    tense = rng.choice(("past", "past", "fut") if vkey in ("açıl", "kapan") else ("past", "past", "fut", "pc"))
    neg, question = polarity(rng, neg_chance=0.3, question_chance=0.15)
    det = "the" if tense == "past" else rng.choice(("the", "this"))
    subj = np_noun(n, det, plural=not n.mass and rng.random() < 0.3)
    when = {"past": [("dün", "yesterday"), ("bu sabah", "this morning")], "fut": [("yakında", "soon")]}.get(tense)
    time = rng.choice(when) if when and not neg and rng.random() < 0.3 else None
    tr = join(
        time[0] if time else None,
        subj.tr(),
        water[0] if water else None,
        conjugate(v, tense, 2, neg=neg, question=question),
    )
    en = en_clause(
        subj.en,
        subj.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[water[1] if water else None, time[1] if time else None],
    )
    return Clause(tr, en, [*lemmas, *subj.lemmas, *time_lemmas(time)], question)


# What animals do, in general: (animal, verb, object or None) → true or false.
ANIMAL_FACTS: list[tuple[str, str, str | None, bool]] = [
    ("kuş", "uç", None, True), ("arı", "uç", None, True), ("kelebek", "uç", None, True),
    ("ördek", "uç", None, True), ("penguen", "uç", None, False), ("balık", "uç", None, False),
    ("köpek", "uç", None, False), ("at", "uç", None, False), ("balık", "yüz (swim)", None, True),
    ("ördek", "yüz (swim)", None, True), ("penguen", "yüz (swim)", None, True), ("köpek", "havla", None, True),
    ("kedi", "havla", None, False), ("at", "koş", None, True),
    ("kedi", "iç", "süt", True), ("kedi", "ye", "balık/yemek", True), ("köpek", "ye", "et", True),
    ("inek", "ye", "ot", True), ("at", "ye", "ot", True), ("koyun", "ye", "ot", True),
    ("tavşan", "ye", "havuç", True), ("maymun", "ye", "muz", True), ("ayı", "ye", "bal", True),
    ("inek", "ye", "et", False), ("tavşan", "ye", "et", False), ("fare", "ye", "peynir", True),
    ("ayı", "ye", "balık/yemek", True), ("penguen", "ye", "balık/yemek", True),
]  # fmt: skip


def animal_fact_clause(rng: random.Random) -> Clause:
    """Kuşlar uçar. "Birds fly." Balıklar uçmaz. Kediler süt içer mi? "Do cats drink milk?" """
    animal_key, vkey, obj_key, truth = rng.choice(ANIMAL_FACTS)
    n, v = NOUNS[animal_key], VERBS[vkey]
    question = rng.random() < 0.25
    neg = not truth and not question
    obj = NOUNS[obj_key] if obj_key else None
    obj_en = None
    if obj:
        obj_en = obj.en if obj.mass else obj.en_pl  # Tavşanlar havuç yer. "Rabbits eat carrots."
    frequency = None
    if truth and not question and vkey != "uç" and rng.random() < 0.2:
        frequency = rng.choice(FREQUENCY[:3])
    tr = join(
        decline(n, plural=True),
        frequency[0] if frequency else None,
        obj.tr if obj else None,
        conjugate(v, "aor", 2, neg=neg, question=question),
    )
    en = en_clause(n.en_pl, 5, v.en, "aor", neg=neg, question=question, rest=[obj_en])
    if frequency:
        en = en.replace(f"{n.en_pl} ", f"{n.en_pl} {frequency[1]} ", 1)
    lemmas = [f"n:{animal_key}", f"v:{vkey}"] + ([f"n:{obj_key}"] if obj_key else [])
    return Clause(tr, en, lemmas + ([f"x:{frequency[0]}"] if frequency else []), question)


def language_clause(rng: random.Random) -> Clause:
    """Türkçe öğreniyorum. "I am learning Turkish." İngilizce konuşuyor musun? "Do you speak English?" """
    lang = rng.choice(nouns_with("language"))
    key = rng.choice(("öğren", "konuş (dil)", "bil"))
    v = VERBS[key]
    subj_np = person_subject(rng, pronoun_share=0.6)
    subject = Subject.of(subj_np, rng)
    tense = rng.choice(("pc", "pc", "fut")) if key == "öğren" else "pc"
    neg, question = polarity(rng, neg_chance=0.2, question_chance=0.3)
    tr = turkish(subject, None, [lang.tr, conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)], rng)
    en = en_clause(
        subj_np.en, subj_np.en_person, v.en, tense, neg=neg, question=question, rest=[lang.en], stative=v.stative
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", f"n:{lang.key}"], question)


