"""Intransitive activities (where, who, when) and motion to and from places."""

from __future__ import annotations

import random

from training.data.clauses.sentence import (
    DAILY,
    FREQUENCY,
    Clause,
    Subject,
    ensure_two_words,
    pick_time,
    polarity,
    time_lemmas,
    turkish,
)
from training.data.english import en_clause
from training.data.lexicon import (
    NOUNS,
    VERBS,
    nouns_with,
)
from training.data.phrases import (
    np_kin,
    np_name,
    np_noun,
    person_subject,
)
from training.data.turkish import TENSES, conjugate, decline

# Where each intransitive activity happens (keys of place nouns) and who does it.
ACTIVITIES: dict[str, tuple[str, ...]] = {
    "uyu": ("oda", "ev", "bahçe"),
    "oyna": ("park", "bahçe", "sokak", "oda", "plaj"),
    "koş": ("park", "bahçe", "plaj", "orman", "sokak"),
    "yürü": ("park", "plaj", "orman", "şehir", "sokak"),
    "otur": ("bahçe", "mutfak", "oda", "park", "sınıf"),
    "çalış": ("kütüphane", "hastane", "okul", "restoran", "çiftlik", "market", "ev", "mutfak", "bahçe"),
    "bekle": ("istasyon", "havaalanı", "okul", "park", "sokak"),
    "yüz (swim)": ("deniz", "göl", "plaj"),
    "gül": (),
    "ağla": (),
    "dinlen": ("ev", "bahçe", "oda", "plaj"),
    "şarkı söyle": ("mutfak", "okul", "bahçe"),
    "dans et": ("bahçe", "oda", "restoran"),
    "kal": ("ev", "köy", "İstanbul", "İzmir", "Ankara", "Antalya"),
    "yaşa": ("köy", "şehir", "İstanbul", "İzmir", "Ankara", "Antalya"),
    "yemek ye": ("restoran", "mutfak", "bahçe", "ev"),
    "kahvaltı yap": ("mutfak", "bahçe", "ev"),
    "konuş": (),
    "havla": ("bahçe", "sokak", "park"),
}
# Activities that make a habit with "every day" (Her sabah parkta koşarım.); the rest are not used in the aorist.
HABITS = ("oyna", "koş", "yürü", "çalış", "yüz (swim)", "dinlen", "kahvaltı yap", "dans et")
# The animals that may do an activity (the rest are for people).
ANIMAL_ACTIVITIES = {
    "uyu": ("kedi", "köpek", "bebek"),
    "oyna": ("kedi", "köpek"),
    "koş": ("köpek", "at"),
    "yüz (swim)": ("balık", "ördek", "köpek"),
    "ağla": ("bebek",),
    "gül": ("bebek",),
    "havla": ("köpek",),
}
# Activities only animals do.
ANIMAL_ONLY = ("havla",)


def activity_clause(rng: random.Random, tense: str | None = None, *, statement: bool = False) -> Clause:
    """Someone (or an animal) does something somewhere: Çocuklar parkta oynuyor."""
    key = rng.choice(list(ACTIVITIES))
    v = VERBS[key]
    tense = tense or rng.choice(("pc", "pc", "past", "fut", "aor") if key in HABITS else ("pc", "pc", "past", "fut"))
    if tense == "aor" and key not in HABITS:
        tense = "pc"
    if key in ANIMAL_ACTIVITIES and (key in ANIMAL_ONLY or rng.random() < 0.35):
        n = NOUNS[rng.choice(ANIMAL_ACTIVITIES[key])]
        subj_np = np_noun(n, rng.choice(("the", "the", "this")), plural=rng.random() < 0.3 and n.key != "bebek")
    else:
        subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng, drop_chance=0 if statement else 0.6)
    neg, question = (False, False) if statement else polarity(rng, neg_chance=0 if tense == "aor" else 0.2)
    places = ACTIVITIES[key]
    place = NOUNS[rng.choice(places)] if places and (rng.random() < 0.7 or key in ("yaşa", "kal")) else None
    # A bare aorist of an activity reads as a habit only with an adverb: Her sabah parkta koşarım.
    time = rng.choice(DAILY) if tense == "aor" else (None if statement else pick_time(rng, tense, 0.3))
    companion = None
    if key in ("konuş", "oyna", "dans et") and rng.random() < 0.5:
        companion = np_name(rng) if rng.random() < 0.5 else np_kin(rng, plural_ok=False)
    tr_rest = [
        companion.tr("ins") if companion else None,
        decline(place, "loc") if place else None,
        conjugate(v, tense, subj_np.tr_person, neg=neg, question=question),
    ]
    en_with = (("to " if key == "konuş" else "with ") + companion.en) if companion else None
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[en_with, place.loc_en if place else None, time[1] if time else None],
        stative=v.stative,
    )
    tr = ensure_two_words(turkish(subject, time, tr_rest, rng), subject)
    lemmas = [*subj_np.lemmas, f"v:{key}", *time_lemmas(time)]
    lemmas += ([f"n:{place.key}"] if place else []) + (list(companion.lemmas) if companion else [])
    return Clause(tr, en, lemmas, question)


def early_late_clause(rng: random.Random) -> Clause:
    """Erken kalktım. "I got up early." Dün geç yattık. "We went to bed late yesterday." """
    key = rng.choice(("kalk", "yat", "uyan"))
    v = VERBS[key]
    tense = rng.choice(("past", "past", "fut", "aor"))
    subj_np = person_subject(rng, pronoun_share=0.6)
    subject = Subject.of(subj_np, rng)
    when_tr, when_en = rng.choice((("erken", "early"), ("geç", "late")))
    # One goes to bed in the evening and gets up in the morning.
    evening = key == "yat"
    times = {
        "aor": [("her akşam", "every evening")]
        if evening
        else [("her sabah", "every morning"), ("her gün", "every day")],
        "past": [("dün", "yesterday"), ("dün akşam", "yesterday evening")]
        if evening
        else [("dün", "yesterday"), ("bu sabah", "this morning"), ("bugün", "today")],
        "fut": [("bu akşam", "this evening"), ("yarın", "tomorrow")]
        if evening
        else [("yarın", "tomorrow"), ("yarın sabah", "tomorrow morning")],
    }[tense]
    time = rng.choice(times) if tense == "aor" or rng.random() < 0.5 else None
    neg, question = polarity(rng, neg_chance=0 if tense == "aor" else 0.1)
    tr = turkish(subject, time, [when_tr, conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)], rng)
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[when_en, time[1] if time else None],
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", f"x:{when_tr}", *time_lemmas(time)], question)


# ---------------------------------------------------------------------------- motion


# Close enough to cycle to.
BIKE_PLACES = ("okul", "park", "market", "fırın", "pazar", "kütüphane", "plaj", "köy", "göl")
SUMMER_PLACES = ("köy", "plaj", "deniz", "göl", "çiftlik", "İstanbul", "İzmir", "Ankara", "Antalya")


def motion_clause(rng: random.Random, tense: str | None = None, *, statement: bool = False) -> Clause:
    """Going somewhere or coming back from somewhere: Yarın okula otobüsle gideceğim."""
    tense = tense or rng.choice(TENSES)
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng, drop_chance=0 if statement else 0.6)
    # Habits are stated or asked about, not denied ("I don't go to the market every summer").
    neg, question = (False, False) if statement else polarity(rng, neg_chance=0 if tense == "aor" else 0.15)
    going = rng.random() < 0.65 or tense == "aor"
    v = VERBS["git"] if going else VERBS[rng.choice(("gel", "dön"))]
    destinations = nouns_with("dest") + [NOUNS["doktor"]]
    if tense == "aor":  # one goes to the kitchen, but not as a habit worth telling
        destinations = [d for d in destinations if d.key not in ("mutfak", "bahçe", "doktor", "havaalanı")]
    sources = [d for d in destinations if d.from_en and d.key not in ("ev", "bahçe", "mutfak", "deniz", "göl")]
    place = rng.choice(destinations if going else sources)
    if tense == "aor":
        # Every day to school, every summer to the village or the seaside.
        time = ("her yaz", "every summer") if place.key in SUMMER_PLACES else rng.choice(DAILY)
    else:
        time = None if statement else pick_time(rng, tense, 0.45)
    frequency = None
    if tense == "aor" and not (neg or question) and rng.random() < 0.4:
        frequency, time = rng.choice(FREQUENCY), None
    means = None
    if rng.random() < 0.25 and (
        place.proper or place.key in BIKE_PLACES + ("havaalanı", "istasyon", "şehir", "hastane")
    ):
        # By plane to another city, by bike to the park: İzmir'e uçakla, okula bisikletle.
        if place.proper:
            vehicles: tuple[str, ...] = ("otobüs", "tren", "uçak", "araba")
        else:
            vehicles = ("otobüs", "araba") + (("bisiklet",) if place.key in BIKE_PLACES else ())
        vehicle = NOUNS[rng.choice(vehicles)]
        means = (decline(vehicle, "ins"), "by " + ("bike" if vehicle.key == "bisiklet" else vehicle.en), vehicle)
    companion = None
    if means is None and rng.random() < 0.2:
        companion = np_name(rng) if rng.random() < 0.5 else np_kin(rng, plural_ok=False)
    case = "dat" if going else "abl"
    tr_rest = [
        frequency[0] if frequency else None,
        decline(place, case),
        companion.tr("ins") if companion else None,
        means[0] if means else None,
        conjugate(v, tense, subj_np.tr_person, neg=neg, question=question),
    ]
    en_place = place.to_en if going else place.from_en
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[
            en_place,
            f"with {companion.en}" if companion else None,
            means[1] if means else None,
            time[1] if time else None,
        ],
    )
    if frequency:
        en = en.replace(f"{subj_np.en} ", f"{subj_np.en} {frequency[1]} ", 1)
    tr = turkish(subject, time, tr_rest, rng)
    lemmas = [*subj_np.lemmas, f"v:{v.key}", f"n:{place.key}", *time_lemmas(time)]
    lemmas += [f"n:{means[2].key}"] if means else []
    lemmas += list(companion.lemmas) if companion else []
    lemmas += [f"x:{frequency[0]}"] if frequency else []
    return Clause(tr, en, lemmas, question)


