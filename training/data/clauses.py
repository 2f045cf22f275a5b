"""Clause and sentence families: activities, motion, transitive verbs, likes and wants, nominal
predicates and the rest, each producing a Turkish–English pair from the same choices."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from training.data.english import EN_POSSESSIVE, HE_SHE, NUMBERS, a_or_an, en_be, en_clause
from training.data.lexicon import (
    ADJECTIVES,
    NAMES,
    NOUNS,
    TEMPORARY,
    VERBS,
    Adj,
    EnVerb,
    Noun,
    adjective_fits,
    nouns_with,
    what_is_held,
)
from training.data.phonology import attach, question_particle, tr_capitalize
from training.data.phrases import (
    NP,
    _with_adj,
    np_kin,
    np_name,
    np_noun,
    np_owner,
    np_pronoun,
    object_np,
    ownable,
    person_subject,
    pick_adj,
)
from training.data.turkish import PERSONS, TENSES, conjugate, copula, decline, infinitive, negative_copula

# ============================================================================ clauses and sentences


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


# ---------------------------------------------------------------------------- activities

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


# ---------------------------------------------------------------------------- transitive verbs

# verb key → (object tags, places where it happens, place case)
TRANSITIVE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ye": (("edible",), ("mutfak", "bahçe", "restoran", "park")),
    "iç": (("drink",), ("mutfak", "bahçe", "restoran")),
    "oku": (("readable",), ("kütüphane", "bahçe", "park", "oda", "sınıf", "otobüs", "tren")),
    "yaz": (("writable",), ("oda", "kütüphane", "sınıf")),
    "al": (("buyable",), ("market", "pazar", "fırın")),
    "sat": (("buyable",), ("pazar",)),
    "gör": (("animal", "vehicle", "person", "plant", "sky"), ("park", "bahçe", "sokak", "orman", "köy", "plaj")),
    "aç": (("openable",), ()),
    "kapat": (("openable",), ()),
    "yıka": (("washable",), ("mutfak", "bahçe")),
    "temizle": (("cleanable",), ()),
    "pişir": (("cookable",), ("mutfak", "bahçe")),
    "yap": (("makeable",), ("mutfak",)),
    "getir": (("portable", "drink"), ()),
    "bul": (("findable",), ("bahçe", "oda", "sokak", "park", "mutfak", "otobüs")),
    "ara": (("findable",), ("bahçe", "oda", "sokak", "park", "mutfak")),
    "kaybet": (("findable",), ("park", "otobüs", "tren", "sokak", "okul", "plaj")),
    "izle": (("watchable", "televizyon"), ("sinema", "ev", "oda")),
    "dinle": (("listenable",), ("oda", "mutfak", "araba")),
    "çiz": (("drawable",), ("sınıf", "oda", "bahçe")),
    "boya": (("paintable",), ()),
    "tamir et": (("fixable",), ()),
    "giy": (("clothing",), ()),
    "öğren": (("learnable", "language"), ("okul",)),
}
# One loses a key, but is not "losing" it for a while.
TRANSITIVE_TENSES = {"kaybet": ("past",), "bul": ("past", "past", "fut")}
# What is made is nobody's yet: "writing my message" is odd.
CREATION = ("yaz", "çiz", "yap")
# A door is opened or painted, not "a door": these take a definite object.
DEFINITE_OBJECT = ("aç", "kapat", "temizle", "boya", "yıka", "tamir et")
# Where one buys a thing is said with the ablative: Ekmeği fırından aldım. "at the bakery"
ABLATIVE_PLACES = ("al",)


# Verbs whose indefinite object makes a habit ("Her sabah bir elma yerim."); others need a definite one.
HABIT_WITH_INDEFINITE = ("ye", "iç", "oku", "yaz", "çiz", "pişir", "yap", "izle", "dinle")
# Verbs that make a habit with a definite object (Her sabah pencereyi açarım.); the others that are not
# in HABIT_WITH_INDEFINITE are odd as habits (one does not lose the key or paint the door every day).
HABIT_WITH_DEFINITE = ("temizle", "yıka")
NO_HABIT = tuple(k for k in TRANSITIVE if k not in HABIT_WITH_INDEFINITE + HABIT_WITH_DEFINITE)
# The adverbs that make a habit of a household chore or a meal.
DAILY = [t for t in TIMES["aor"] if t[0] in ("her gün", "her sabah", "her akşam", "hafta sonları")]


def transitive_clause(rng: random.Random, tense: str | None = None, *, statement: bool = False) -> Clause:
    """Someone does something to something: Annem mutfakta çorba pişiriyor."""
    key = rng.choice([k for k in TRANSITIVE if tense is None or tense in TRANSITIVE_TENSES.get(k, TENSES)])
    v = VERBS[key]
    tags, places = TRANSITIVE[key]
    candidates = [x for x in nouns_with(*tags) if not x.proper and not x.tags & {"kin", "language"}]
    n = rng.choice(candidates)
    tense = tense or rng.choice(TRANSITIVE_TENSES.get(key, TENSES[:3] if key in NO_HABIT else TENSES))
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng, drop_chance=0 if statement else 0.6)
    neg, question = (False, False) if statement else polarity(rng)
    habitual = tense == "aor"
    if n.bare_en and key in ("izle", "dinle"):
        obj = np_noun(n, "bare")  # televizyon izliyor "watching TV", radyo dinliyor "listening to the radio"
    elif habitual and n.mass:
        obj = np_noun(n, "bare", a=pick_adj(rng, n, 0.1))  # Her sabah çay içerim. "I drink tea every morning."
    elif habitual and key in HABIT_WITH_INDEFINITE:
        neg = False  # "I don't eat an apple every day" says little; a mass noun can be denied (Et yemem.)
        obj = np_noun(n, "a", a=pick_adj(rng, n, 0.1))
    elif habitual:
        obj = np_noun(n, "the")  # Hafta sonları arabayı yıkarım. "I wash the car on weekends."
    else:
        # Negative sentences talk about a definite thing: Elmayı yemedim. "I didn't eat the apple."
        obj = object_np(
            rng,
            n,
            subject=subj_np,
            specific_only=neg or key in DEFINITE_OBJECT,
            possessed_ok=key not in CREATION,
            plural_chance=0 if key == "giy" else 0.25,
            number_ok=key not in ("izle", "dinle", "oku", "öğren", "giy"),  # not "wearing six hats"
        )
    if statement:
        time = None
    elif habitual:
        time = rng.choice(DAILY) if rng.random() < 0.6 else None
    else:
        time = pick_time(rng, tense, 0.3)
    frequency = None
    if habitual and not (neg or question) and key in HABIT_WITH_INDEFINITE and rng.random() < 0.3:
        frequency, time = rng.choice(FREQUENCY), None
    if habitual and time is None and frequency is None and not (n.mass or n.bare_en):
        time = rng.choice(DAILY)  # "Ali reads a book" is not a habit without "every day"
    place = NOUNS[rng.choice(places)] if places and rng.random() < 0.35 else None
    place_case = "abl" if key in ABLATIVE_PLACES else "loc"
    verb_tr = conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)
    tr_rest = [
        frequency[0] if frequency else None,
        decline(place, place_case) if place else None,
        obj.tr("acc"),
        verb_tr,
    ]
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        stative=v.stative,
        rest=[obj.en_obj, place.loc_en if place else None, time[1] if time else None],
    )
    if frequency:
        en = en.replace(f"{subj_np.en} ", f"{subj_np.en} {frequency[1]} ", 1)
    tr = turkish(subject, time, tr_rest, rng)
    lemmas = [*subj_np.lemmas, f"v:{key}", *obj.lemmas, *time_lemmas(time)]
    lemmas += ([f"n:{place.key}"] if place else []) + ([f"x:{frequency[0]}"] if frequency else [])
    return Clause(tr, en, lemmas, question, tense)


def homework_clause(rng: random.Random) -> Clause:
    """Ödevimi yaptım. "I did my homework." The possessor is the subject, as in English."""
    person = rng.choice(PERSONS)
    subj_np = np_pronoun(person, rng) if rng.random() < 0.7 else np_name(rng)
    owner = subj_np.tr_person
    subject = Subject.of(subj_np, rng, drop_chance=0.7)
    tense = rng.choice(("pc", "past", "past", "fut"))
    neg, question = polarity(rng)
    if question and subj_np.en_person == 0:
        question = False
    # Homework is for today, last night or tomorrow, not "last summer".
    times = {"pc": TIMES["pc"], "past": TIMES["past"][:3], "fut": TIMES["fut"][:3]}[tense]
    time = rng.choice(times) if rng.random() < 0.4 else None
    his_her = HE_SHE[subj_np.gender][2] if subj_np.gender else EN_POSSESSIVE[subj_np.en_person]
    hw = decline(NOUNS["ödev"], "acc", poss=owner)
    tr = turkish(subject, time, [hw, conjugate(VERBS["yap (do)"], tense, owner, neg=neg, question=question)], rng)
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        VERBS["yap (do)"].en,
        tense,
        neg=neg,
        question=question,
        rest=[f"{his_her} homework", time[1] if time else None],
    )
    return Clause(tr, en, [*subj_np.lemmas, "v:yap (do)", "n:ödev", *time_lemmas(time)], question)


def dative_clause(rng: random.Random, tense: str | None = None, *, statement: bool = False) -> Clause:
    """Verbs with a dative object: Kediye bakıyor. "She is looking at the cat." Anneme yardım ettim."""
    key = rng.choice(("bak", "bak", "yardım et", "telefon et", "bin"))
    v = VERBS[key]
    tense = tense or rng.choice(TENSES[:3])
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng)
    neg, question = (False, False) if statement else polarity(rng)
    if key == "bak":
        n = rng.choice(nouns_with("animal", "lookable", "sky", "plant"))
        obj = object_np(rng, n, subject=subj_np, specific_only=True)
    elif key == "bin":
        obj = np_noun(rng.choice(nouns_with("boardable")), "the")
    else:
        obj = people_object(rng, subj_np)
    time = pick_time(rng, tense)
    tr = turkish(
        subject, time, [obj.tr("dat"), conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)], rng
    )
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        neg=neg,
        question=question,
        rest=[obj.en_obj, time[1] if time else None],
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", *obj.lemmas, *time_lemmas(time)], question)


def people_object(rng: random.Random, subject: NP) -> NP:
    """Another person as an object: a name, a relative, a person noun or a pronoun unlike the subject."""
    roll = rng.random()
    if roll < 0.3:
        return np_name(rng)
    if roll < 0.6:
        return np_kin(rng)
    if roll < 0.8:
        # Not the subject itself, nor a group that includes it (ben → bize, sen → size).
        overlapping = {0: (0, 3), 3: (0, 3), 1: (1, 4), 4: (1, 4), 2: (2,), 5: (5,)}.get(subject.tr_person, ())
        if not subject.is_pronoun:
            overlapping = ()
        others = [p for p in PERSONS if p not in overlapping]
        return np_pronoun(rng.choice(others), rng)
    n = rng.choice(nouns_with("person", exclude=("kin", "name")))
    return np_noun(n, "the", plural=rng.random() < 0.3)


def ditransitive_clause(rng: random.Random, tense: str | None = None) -> Clause:
    """Giving, sending, showing, putting, taking: Kitabı Ali'ye verdim. Sütü buzdolabına koydu."""
    key = rng.choice(("ver", "ver", "göster", "gönder", "koy", "koy", "götür"))
    v = VERBS[key]
    tense = tense or rng.choice(TENSES[:3])
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng)
    neg, question = polarity(rng, neg_chance=0.1)
    if key == "koy":
        container = rng.choice([c for c in nouns_with("container") + [NOUNS["masa"], NOUNS["raf"]] if c.holds])
        n = rng.choice([x for x in what_is_held(container) if not x.tags & {"person", "animal"}])
        obj = object_np(rng, n, subject=subj_np, specific_only=True, number_ok=False)
        goal_tr, goal_en, goal_lemmas = decline(container, "dat"), container.loc_en, [f"n:{container.key}"]
    elif key == "götür":
        if rng.random() < 0.5:
            obj = np_noun(NOUNS["çocuk"], "the", plural=rng.random() < 0.5) if rng.random() < 0.5 else np_kin(rng)
        else:
            obj = object_np(rng, rng.choice(nouns_with("portable")), subject=subj_np, specific_only=True)
        place = rng.choice([p for p in nouns_with("dest") if not p.proper and p.key != "iş"])
        goal_tr, goal_en, goal_lemmas = decline(place, "dat"), place.to_en, [f"n:{place.key}"]
    else:
        tags = {"ver": ("giftable", "portable", "edible"), "göster": ("lookable", "readable"), "gönder": ("sendable",)}
        obj = object_np(rng, rng.choice(nouns_with(*tags[key])), subject=subj_np, specific_only=neg, number_ok=True)
        recipient = people_object(rng, subj_np)
        goal_tr, goal_lemmas = recipient.tr("dat"), list(recipient.lemmas)
        goal_en = None if recipient.is_pronoun else f"to {recipient.en_obj}"
    time = pick_time(rng, tense)
    verb_tr = conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)
    # A specific object comes before the goal, an indefinite one right before the verb.
    middle = [obj.tr("acc"), goal_tr] if obj.specific else [goal_tr, obj.tr("acc")]
    tr = turkish(subject, time, [*middle, verb_tr], rng)
    if goal_en is None:  # gave me the book: a pronoun recipient goes first in English
        rest = [recipient.en_obj, obj.en_obj]
    else:
        rest = [obj.en_obj, goal_en]
    en = en_clause(
        subj_np.en, subj_np.en_person, v.en, tense, neg=neg, question=question, rest=[*rest, time[1] if time else None]
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", *obj.lemmas, *goal_lemmas, *time_lemmas(time)], question)


# ---------------------------------------------------------------------------- likes, wants, knows


# What people like or dislike in general, in groups that can be contrasted (kedileri sever ama köpekleri sevmez).
LIKES = {
    "animals": [NOUNS[k] for k in ("kedi", "köpek", "kuş", "at", "tavşan", "maymun", "arı", "fare", "penguen")],
    "fruit": nouns_with("fruit") + [NOUNS["havuç"]],
    "food": [NOUNS[k] for k in ("et", "balık/yemek", "peynir", "çikolata", "dondurma", "bal", "makarna", "pilav")],
    "drinks": [NOUNS[k] for k in ("çay", "kahve", "süt", "meyve suyu")],
    "things to read and watch": [NOUNS[k] for k in ("kitap", "film", "şiir", "şarkı", "gazete")],
}


def stative_clause(rng: random.Random) -> Clause:
    """sev/iste/bil/tanı/anla: Ali kedileri sever. Yeni bir bisiklet istiyorum. Cevabı biliyor musun?"""
    key = rng.choice(("sev", "sev", "sev (love)", "iste", "iste", "bil", "tanı", "anla", "konuş (dil)"))
    v = VERBS[key]
    subj_np = np_pronoun(rng.choice((0, 1, 3, 4)), rng) if key == "sev (love)" else person_subject(rng)
    subject = Subject.of(subj_np, rng)
    tense = "aor" if key == "sev" and rng.random() < 0.5 else "pc"
    neg, question = polarity(rng, neg_chance=0.25, question_chance=0.25)
    if key == "sev":
        # Likes in general: count nouns in the plural accusative, mass nouns bare; English has no
        # article for either (Ali kedileri sever. "Ali likes cats.").
        n = rng.choice(LIKES[rng.choice(list(LIKES))])
        obj = np_noun(n, "bare") if n.mass else replace(np_noun(n, "the", plural=True), en=n.en_pl, en_obj=n.en_pl)
    elif key == "sev (love)":
        neg = False
        # One's own family: Annemi seviyorum. "I love my mother."
        obj = np_noun(rng.choice(nouns_with("kin")), "poss", poss=subj_np.tr_person)
    elif key == "iste":
        n = rng.choice(nouns_with("edible", "drink", "buyable"))
        obj = np_noun(n, "bare" if n.mass else "a", a=pick_adj(rng, n, 0.3))
        if neg:
            obj = np_noun(n, "the" if not n.mass else "bare")
    elif key == "bil":
        obj = np_noun(rng.choice(nouns_with("knowable")), rng.choice(("the", "this")))
    elif key == "tanı":
        obj = people_object(rng, subj_np)
    elif key == "anla":
        obj = np_noun(rng.choice(nouns_with("understandable")), rng.choice(("the", "this")))
        tense = rng.choice(("pc", "past"))
    else:
        obj = np_noun(rng.choice(nouns_with("language")), "bare")
    tr = turkish(
        subject, None, [obj.tr("acc"), conjugate(v, tense, subj_np.tr_person, neg=neg, question=question)], rng
    )
    en = en_clause(
        subj_np.en, subj_np.en_person, v.en, tense, neg=neg, question=question, rest=[obj.en_obj], stative=True
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", *obj.lemmas], question)


def want_to_clause(rng: random.Random) -> Clause:
    """-mAk istemek: Denize gitmek istiyorum. "I want to go to the sea." """
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng)
    past = rng.random() < 0.3
    neg, question = polarity(rng)
    roll = rng.random()
    if roll < 0.4:
        place = rng.choice(nouns_with("dest"))
        action_tr, action_en, lemmas = [decline(place, "dat"), infinitive(VERBS["git"])], f"go {place.to_en}", place.key
        v_key = "git"
    elif roll < 0.7:
        v_key = rng.choice(("uyu", "yüz (swim)", "dinlen", "oyna", "dans et", "şarkı söyle", "yemek ye"))
        action_tr, action_en, lemmas = [infinitive(VERBS[v_key])], VERBS[v_key].en.base, ""
    else:
        v_key = rng.choice(("ye", "iç", "oku", "izle", "al"))
        n = rng.choice(nouns_with(*TRANSITIVE[v_key][0]))
        obj = np_noun(n, "bare" if n.mass or n.bare_en else "a")
        tail = VERBS[v_key].en.tail
        action_tr = [obj.tr("acc"), infinitive(VERBS[v_key])]
        action_en, lemmas = join(VERBS[v_key].en.base, tail, obj.en_obj), n.key
    tense = "past" if past else "pc"
    verb_tr = conjugate(VERBS["iste"], tense, subj_np.tr_person, neg=neg, question=question)
    tr = turkish(subject, None, [*action_tr, verb_tr], rng)
    en = en_clause(
        subj_np.en,
        subj_np.en_person,
        VERBS["iste"].en,
        tense,
        neg=neg,
        question=question,
        rest=[f"to {action_en}"],
        stative=True,
    )
    return Clause(tr, en, [*subj_np.lemmas, "v:iste", f"v:{v_key}"] + ([f"n:{lemmas}"] if lemmas else []), question)


def afraid_clause(rng: random.Random) -> Clause:
    """korkmak + ablative: Köpeklerden korkar mısın? "Are you afraid of dogs?" """
    subj_np = person_subject(rng)
    subject = Subject.of(subj_np, rng)
    tense = rng.choice(("pc", "aor", "past"))
    neg, question = polarity(rng, neg_chance=0.25, question_chance=0.3)
    n = rng.choice(nouns_with("animal", exclude=("insect",)) + [NOUNS["arı"]])
    if tense == "past":  # Köpekten korktu. "She was afraid of the dog."
        obj_tr, obj_en = decline(n, "abl"), f"the {n.en}"
    else:  # Köpeklerden korkar. "She is afraid of dogs."
        obj_tr, obj_en = decline(n, "abl", plural=True), n.en_pl
    verb_tr = conjugate(VERBS["kork"], tense, subj_np.tr_person, neg=neg, question=question)
    tr = turkish(subject, None, [obj_tr, verb_tr], rng)
    en = en_be(subj_np.en, subj_np.en_person, f"afraid of {obj_en}", past=tense == "past", neg=neg, question=question)
    return Clause(tr, en, [*subj_np.lemmas, "v:kork", f"n:{n.key}"], question)


# ---------------------------------------------------------------------------- nominal predicates


def described_subject(rng: random.Random, a: Adj) -> NP:
    """A subject adjective `a` can describe: someone for "tired", something for "red", either for "beautiful"."""
    things = [n for n in NOUNS.values() if adjective_fits(a, n) and "person" not in n.tags]
    if "person" in a.tags and (not things or rng.random() < 0.6):
        return person_subject(rng, pronoun_share=0.6)
    n = rng.choice(things)
    det = rng.choice(("the", "the", "this", "this", "that", "yon") + (("poss", "owner") if ownable(n) else ()))
    plural = not n.mass and rng.random() < 0.25
    if det == "poss":
        return np_noun(n, "poss", poss=rng.choice((0, 1, 3, 4)), plural=plural)
    if det == "owner":
        return np_noun(n, "owner", owner=np_owner(rng), plural=plural)
    return np_noun(n, det, plural=plural)


def nominal_subject(np: NP, rng: random.Random, *, one_word: bool, drop_chance: float = 0.7) -> Subject:
    """Drop a pronoun subject, unless the sentence would be a single word ("Ben yorgunum.")."""
    subject = Subject.of(np, rng, drop_chance=drop_chance)
    return subject.kept() if subject.tr is None and one_word else subject


# Either-or adjectives that "çok" (very) does not go with.
NOT_VERY = ("açık", "kapalı", "hazır", "uzun boylu", "boş")


def adjective_clause(rng: random.Random, *, statement: bool = False, tense: str | None = None) -> Clause:
    """Ev büyük. "The house is big." Yorgun musun? Çorba sıcak değildi. Bu elmalar çok tatlı."""
    # The adjective comes first, so that every adjective gets its share of sentences.
    a = rng.choice([x for x in ADJECTIVES if x.tags != {"weather"}])
    subj_np = described_subject(rng, a)
    past = rng.random() < 0.25 if tense is None else tense == "past"
    neg, question = (False, False) if statement else polarity(rng, neg_chance=0.2, question_chance=0.25)
    very = rng.random() < 0.25 and not neg and a.tr not in NOT_VERY and "colored" not in a.tags
    time = None
    if a.tr in TEMPORARY and rng.random() < 0.3:
        time = rng.choice((TIMES["past"][0], TIMES["past"][2])) if past else rng.choice(TIMES["pc"][:2])
    tr_adj = join("çok" if very else None, a.tr)
    one_word = not (very or neg or question or time or " " in a.tr)
    subject = nominal_subject(subj_np, rng, one_word=one_word)
    person = predicate_person(subject)
    if neg:
        pred_tr = join(tr_adj, negative_copula(person, past=past))
    else:
        pred_tr = copula(tr_adj, person, past=past, question=question, v_stem=_adj_v_stem(a, very))
    tr = turkish(subject, time, [pred_tr], rng)
    en_adj = ("very " if very else "") + a.en
    en = en_be(
        subj_np.en, subj_np.en_person, join(en_adj, time[1] if time else None), past=past, neg=neg, question=question
    )
    return Clause(tr, en, [*subj_np.lemmas, f"a:{a.tr}", *time_lemmas(time)], question, "past" if past else "pc")


def _adj_v_stem(a: Adj, very: bool) -> str | None:
    """The adjective before a vowel-initial person ending: büyüğüm, gencim."""
    if not a.v_stem:
        return None
    head = a.tr.rsplit(" ", 1)[0] + " " if " " in a.tr else ""
    return ("çok " if very else "") + head + a.v_stem


def occupation_clause(rng: random.Random) -> Clause:
    """Ben öğretmenim. "I am a teacher." Ali doktor değil. Onlar öğrenci mi?"""
    n = rng.choice(nouns_with("occupation"))
    roll = rng.random()
    subj_np = np_pronoun(rng.choice(PERSONS), rng) if roll < 0.55 else (np_name(rng) if roll < 0.8 else np_kin(rng))
    neg, question = polarity(rng, neg_chance=0.25, question_chance=0.25)
    past = rng.random() < 0.15
    # siz is also the polite "you" of one person.
    plural = subj_np.en_person in (3, 5) or (subj_np.en_person == 4 and rng.random() < 0.5)
    # "Öğretmenim." alone would read as "my teacher": keep the pronoun in the first person singular.
    subject = nominal_subject(subj_np, rng, one_word=not (neg or question) or subj_np.tr_person == 0, drop_chance=0.5)
    person = predicate_person(subject)
    if neg:
        pred_tr = join(n.tr, negative_copula(person, past=past))
    else:
        pred_tr = copula(n.tr, person, past=past, question=question)
    en_pred = n.en_pl if plural else f"{a_or_an(n.en)} {n.en}"
    tr = join(subject.tr, pred_tr)
    en = en_be(subj_np.en, subj_np.en_person, en_pred, past=past, neg=neg, question=question)
    return Clause(tr, en, [*subj_np.lemmas, f"n:{n.key}"], question)


# Where people can be: places, and a few vehicles.
PEOPLE_PLACES = ("dest", "room")


def location_clause(rng: random.Random, *, statement: bool = False, tense: str | None = None) -> Clause:
    """Kedi bahçede. "The cat is in the garden." Ben evdeyim. Dün neredeydin? Annem mutfakta mı?"""
    if rng.random() < 0.5:
        subj_np = person_subject(rng, pronoun_share=0.5)
        place = rng.choice(nouns_with(*PEOPLE_PLACES) + [NOUNS["araba"], NOUNS["otobüs"], NOUNS["tren"]])
    else:
        place = rng.choice([p for p in NOUNS.values() if p.holds and p.loc_en])
        n = rng.choice([x for x in what_is_held(place) if not x.mass])
        det = rng.choice(("the", "the", "poss")) if "portable" in n.tags else "the"
        subj_np = np_noun(n, det, poss=rng.choice((0, 3, 4)), plural=rng.random() < 0.3)
    past = rng.random() < 0.25 if tense is None else tense == "past"
    neg, question = (False, False) if statement else polarity(rng, neg_chance=0.15, question_chance=0.25)
    time = rng.choice(TIMES["past"][:3]) if past and rng.random() < 0.4 else None
    subject = nominal_subject(subj_np, rng, one_word=not (neg or question or time))
    person = predicate_person(subject)
    loc = decline(place, "loc")
    if neg:
        pred_tr = join(loc, negative_copula(person, past=past))
    else:
        pred_tr = copula(loc, person, past=past, question=question)
    tr = turkish(subject, time, [pred_tr], rng)
    en = en_be(
        subj_np.en,
        subj_np.en_person,
        join(place.loc_en, time[1] if time else None),
        past=past,
        neg=neg,
        question=question,
    )
    return Clause(tr, en, [*subj_np.lemmas, f"n:{place.key}", *time_lemmas(time)], question, "past" if past else "pc")


# ---------------------------------------------------------------------------- var / yok


def existential_clause(rng: random.Random) -> Clause:
    """Bahçede bir kedi var. "There is a cat in the garden." Buzdolabında süt yok. Masada üç elma vardı."""
    place = rng.choice([p for p in NOUNS.values() if p.holds and p.loc_en])
    n = rng.choice(what_is_held(place))
    past = rng.random() < 0.25
    neg, question = polarity(rng, neg_chance=0.3, question_chance=0.25)
    if neg or question:
        # Bare in Turkish: Bahçede kedi yok. "There is no cat", Buzdolabında süt var mı? "Is there any milk"
        thing = np_noun(n, "bare")
        plural_en = "pair" in n.tags
        en_thing = n.en_pl if plural_en else (n.en if n.mass or neg else f"{a_or_an(n.en)} {n.en}")
        if question and (n.mass or plural_en):
            en_thing = "any " + en_thing
    elif not n.mass and rng.random() < 0.35:
        thing = np_noun(n, "num", number=rng.choice(list(NUMBERS)))
        plural_en, en_thing = True, thing.en
    else:
        thing = np_noun(n, "bare" if n.mass else "a", a=pick_adj(rng, n, 0.25))
        plural_en, en_thing = False, thing.en
    word = "yok" if neg else "var"
    pred = attach(word, "DI") if past else word
    if question:
        particle = question_particle(word)
        pred = f"{word} {attach(particle, '(y)DI') if past else particle}"
    tr = join(decline(place, "loc"), thing.tr(), pred)
    be = ("were" if plural_en else "was") if past else ("are" if plural_en else "is")
    if question:
        en = f"{be} there {en_thing} {place.loc_en}"
    else:
        en = f"there {be} {'no ' if neg else ''}{en_thing} {place.loc_en}"
    return Clause(tr, en, [f"n:{place.key}", *thing.lemmas], question)


def have_clause(rng: random.Random) -> Clause:
    """Bir köpeğim var. "I have a dog." Ali'nin arabası yok. İki kedin var mı?"""
    n = rng.choice(nouns_with("ownable", "pet") + [NOUNS["kız kardeş"], NOUNS["erkek kardeş"], NOUNS["para"]])
    roll = rng.random()
    if roll < 0.6:
        owner = np_pronoun(rng.choice(PERSONS), rng)
        owner_tr = owner.tr("gen") if rng.random() < 0.25 or owner.tr_person == 5 else None
        poss = 2 if owner.tr_person == 5 else owner.tr_person  # onların bir köpeği var
    else:
        owner = np_name(rng) if roll < 0.8 else np_kin(rng, plural_ok=False)
        owner_tr, poss = owner.tr("gen"), 2
    past = rng.random() < 0.2
    neg, question = polarity(rng, neg_chance=0.3, question_chance=0.3)
    owned = decline(n, poss=poss)
    number = None
    if n.mass:
        if not (neg or question):
            return have_clause(rng)
        thing_en = "any " + n.en
    elif neg or question:
        thing_en = f"{a_or_an(n.en)} {n.en}"
    elif rng.random() < 0.3:
        number = rng.choice(list(NUMBERS)[:3])
        owned = f"{NUMBERS[number][0]} {owned}"
        thing_en = f"{NUMBERS[number][1]} {n.en_pl}"
    else:
        owned = f"bir {owned}"
        thing_en = f"{a_or_an(n.en)} {n.en}"
    word = "yok" if neg else "var"
    pred = attach(word, "DI") if past else word
    if question:
        particle = question_particle(word)
        pred = f"{word} {attach(particle, '(y)DI') if past else particle}"
    tr = join(owner_tr, owned, pred)
    have = EnVerb("have", "has", "had", "having")
    en = en_clause(
        owner.en, owner.en_person, have, "past" if past else "aor", neg=neg, question=question, rest=[thing_en]
    )
    lemmas = [*owner.lemmas, f"n:{n.key}"] + ([f"x:{NUMBERS[number][0]}"] if number else [])
    return Clause(tr, en, lemmas, question)


# ---------------------------------------------------------------------------- questions with a wh-word

# "Ne yapıyorsun?" is "What are you doing?", so yap takes its "do" sense here.
WH_OBJECT_VERBS = ("ye", "iç", "oku", "yaz", "al", "pişir", "izle", "çiz", "yap (do)", "iste")


def wh_clause(rng: random.Random) -> Clause:
    """ne, kim, nerede, nereye, nereden, ne zaman, neden, nasıl, kaç, hangi, kimin."""
    kind = rng.choice(
        (
            "what",
            "what",
            "who",
            "where",
            "where",
            "whither",
            "whence",
            "when",
            "why",
            "how",
            "how_many",
            "which",
            "whose",
            "price",
        )
    )
    return WH_BUILDERS[kind](rng)


def _wh_subject(rng: random.Random, pronoun_share: float = 0.6) -> tuple[NP, Subject]:
    """Who the question is about; one seldom asks "What am I eating?", so ben/biz become sen/siz."""
    subj_np = person_subject(rng, pronoun_share=pronoun_share)
    if subj_np.pron in (0, 3):
        subj_np = np_pronoun(subj_np.pron + 1, rng)
    return subj_np, Subject.of(subj_np, rng, drop_chance=0.8)


def wh_what(rng: random.Random) -> Clause:
    """Ne yiyorsun? "What are you eating?" Hafta sonları ne yaparsın? "What do you do on weekends?" """
    key = rng.choice(WH_OBJECT_VERBS)
    v = VERBS[key]
    subj_np, subject = _wh_subject(rng)
    habit_ok = key not in NO_HABIT
    tense = "pc" if key == "iste" else rng.choice(("pc", "pc", "past", "fut") + (("aor",) if habit_ok else ()))
    time = rng.choice(DAILY) if tense == "aor" else pick_time(rng, tense, 0.35)
    tr = turkish(subject, time, ["ne", conjugate(v, tense, subj_np.tr_person)], rng)
    en = "what " + en_clause(
        subj_np.en, subj_np.en_person, v.en, tense, question=True, stative=v.stative, rest=[time[1] if time else None]
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", "x:ne", *time_lemmas(time)], True)


def wh_who(rng: random.Random) -> Clause:
    """Kim geldi? "Who came?" Kim pencereyi açtı? "Who opened the window?" """
    tense = rng.choice(("pc", "past", "past", "fut"))
    if rng.random() < 0.4:
        key = rng.choice(("gel", "ağla", "gül", "konuş", "uyu"))
        v, obj = VERBS[key], None
    else:
        key = rng.choice(("ye", "iç", "oku", "aç", "kapat", "yıka", "getir", "bul", "kaybet", "temizle", "boya"))
        v = VERBS[key]
        obj = object_np(rng, rng.choice(nouns_with(*TRANSITIVE[key][0])), specific_only=True, adj_chance=0.1)
    if key in TRANSITIVE_TENSES:
        tense = rng.choice(TRANSITIVE_TENSES[key])
    tr = join("kim", obj.tr("acc") if obj else None, conjugate(v, tense, 2))
    en = en_clause("who", 2, v.en, tense, rest=[obj.en_obj if obj else None])
    return Clause(tr, en, [f"v:{key}", "x:kim", *(obj.lemmas if obj else ())], True)


def wh_where(rng: random.Random) -> Clause:
    """X nerede? "Where is X?" Dün neredeydin? "Where were you yesterday?" """
    if rng.random() < 0.5:
        subj_np = person_subject(rng, pronoun_share=0.5)
    else:
        n = rng.choice([x for x in nouns_with("portable", "pet", "findable") if not x.mass])
        det = rng.choice(("the", "poss", "poss", "owner"))
        subj_np = np_noun(
            n,
            det,
            poss=rng.choice((0, 1, 3, 4)),
            owner=np_owner(rng) if det == "owner" else None,
            plural=rng.random() < 0.3,
        )
    past = rng.random() < 0.3
    time = (
        rng.choice((("dün", "yesterday"), ("dün akşam", "yesterday evening"))) if past and rng.random() < 0.5 else None
    )
    subject = nominal_subject(subj_np, rng, one_word=time is None, drop_chance=0.8)
    pred = copula("nerede", predicate_person(subject), past=past)
    tr = turkish(subject, time, [pred], rng)
    en = "where " + en_be(subj_np.en, subj_np.en_person, time[1] if time else "", past=past, question=True).strip()
    return Clause(tr, en, [*subj_np.lemmas, "x:nerede", *time_lemmas(time)], True)


def wh_whither(rng: random.Random, *, whence: bool = False) -> Clause:
    """Nereye gidiyorsun? "Where are you going?" Nereden geldin? "Where did you come from?" """
    subj_np, subject = _wh_subject(rng)
    tense = rng.choice(("pc", "past") if whence else ("pc", "past", "fut"))
    v = VERBS["gel"] if whence else VERBS["git"]
    time = pick_time(rng, tense, 0.4)
    word = "nereden" if whence else "nereye"
    tr = turkish(subject, time, [word, conjugate(v, tense, subj_np.tr_person)], rng)
    en = "where " + en_clause(
        subj_np.en,
        subj_np.en_person,
        v.en,
        tense,
        question=True,
        rest=["from" if whence else None, time[1] if time else None],
    )
    return Clause(tr, en, [*subj_np.lemmas, f"v:{v.key}", f"x:{word}", *time_lemmas(time)], True)


def wh_when(rng: random.Random) -> Clause:
    subj_np, subject = _wh_subject(rng, pronoun_share=0.5)
    key = rng.choice(("gel", "dön", "kalk", "uyan", "yat", "git"))
    v = VERBS[key]
    tense = rng.choice(("past", "fut"))
    tr = join(subject.tr, "ne zaman", conjugate(v, tense, subj_np.tr_person))
    en = "when " + en_clause(subj_np.en, subj_np.en_person, v.en, tense, question=True)
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", "x:ne zaman"], True)


def wh_why(rng: random.Random) -> Clause:
    """Neden ağlıyorsun? "Why are you crying?" Neden gelmedin? "Why didn't you come?" """
    subj_np, subject = _wh_subject(rng, pronoun_share=0.6)
    key = rng.choice(("ağla", "gül", "gel", "uyu", "bekle", "koş", "git"))
    tense = rng.choice(("pc", "past"))
    neg = key in ("gel", "uyu", "git") and rng.random() < 0.6
    v = VERBS[key]
    tr = join(subject.tr, "neden", conjugate(v, tense, subj_np.tr_person, neg=neg))
    en = "why " + en_clause(subj_np.en, subj_np.en_person, v.en, tense, neg=neg, question=True)
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", "x:neden"], True)


def wh_how(rng: random.Random) -> Clause:
    """Bugün nasılsın? "How are you today?" Annen nasıl? Film nasıldı? "How was the film?" """
    if rng.random() < 0.4:
        subj_np = np_pronoun(rng.choice((1, 4)), rng) if rng.random() < 0.5 else np_kin(rng, owners=(1, 4))
        past = False
    else:
        n = NOUNS[rng.choice(("film", "çorba", "kek", "ders", "okul", "restoran", "şehir", "kitap", "pilav"))]
        subj_np = np_noun(n, rng.choice(("the", "the", "poss")), poss=rng.choice((1, 4)))
        past = rng.random() < 0.5
    time = ("bugün", "today") if not past and subj_np.is_pronoun and rng.random() < 0.6 else None
    subject = nominal_subject(subj_np, rng, one_word=time is None, drop_chance=1.0)
    pred = copula("nasıl", subj_np.tr_person, past=past)
    tr = turkish(subject, time, [pred], rng)
    en = "how " + en_be(subj_np.en, subj_np.en_person, time[1] if time else "", past=past, question=True).strip()
    return Clause(tr, en, [*subj_np.lemmas, "x:nasıl", *time_lemmas(time)], True)


def wh_how_many(rng: random.Random) -> Clause:
    """Kaç kedin var? Bahçede kaç ağaç var? Kaç elma aldın? (kaç counts with the singular)"""
    roll = rng.random()
    if roll < 0.35:
        n = rng.choice(nouns_with("pet", "ownable", exclude=("mass",)) + [NOUNS["arkadaş"]])
        person = rng.choice((1, 4, 2))
        owner = np_pronoun(person, rng)
        past = rng.random() < 0.2
        tr = join("kaç", decline(n, poss=person), "vardı" if past else "var")
        have = EnVerb("have", "has", "had", "having")
        en = f"how many {n.en_pl} " + en_clause(
            owner.en, owner.en_person, have, "past" if past else "aor", question=True
        )
        return Clause(tr, en, [*owner.lemmas, f"n:{n.key}", "x:kaç"], True)
    if roll < 0.65:
        place = rng.choice([p for p in NOUNS.values() if p.holds and p.loc_en])
        counted = [x for x in what_is_held(place) if not x.mass and not x.proper and "kin" not in x.tags]
        n = rng.choice(counted)
        tr = join(decline(place, "loc"), "kaç", n.tr, "var")
        return Clause(
            tr, f"how many {n.en_pl} are there {place.loc_en}", [f"n:{place.key}", f"n:{n.key}", "x:kaç"], True
        )
    key = rng.choice(("al", "ye", "oku", "yaz", "gör"))
    n = rng.choice([x for x in nouns_with(*TRANSITIVE[key][0]) if not x.mass and not x.tags & {"person"}])
    subj_np, subject = _wh_subject(rng)
    tense = rng.choice(("past", "fut"))
    tr = join(subject.tr, "kaç", n.tr, conjugate(VERBS[key], tense, subj_np.tr_person))
    en = f"how many {n.en_pl} " + en_clause(subj_np.en, subj_np.en_person, VERBS[key].en, tense, question=True)
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", f"n:{n.key}", "x:kaç"], True)


def wh_which(rng: random.Random) -> Clause:
    """Hangi kitabı okuyorsun? "Which book are you reading?" """
    key = rng.choice(("oku", "al", "izle", "iste", "giy", "sev"))
    tags = ("clothing", "readable", "watchable", "toy", "vehicle") if key in ("iste", "sev") else TRANSITIVE[key][0]
    n = rng.choice([x for x in nouns_with(*tags) if not x.mass and not x.bare_en])
    subj_np, subject = _wh_subject(rng, pronoun_share=0.7)
    tense = "pc" if key in ("iste", "sev") else rng.choice(("pc", "past", "fut"))
    v = VERBS[key]
    tr = join(subject.tr, "hangi", decline(n, "acc"), conjugate(v, tense, subj_np.tr_person))
    en = f"which {n.en} " + en_clause(subj_np.en, subj_np.en_person, v.en, tense, question=True, stative=v.stative)
    return Clause(tr, en, [*subj_np.lemmas, f"v:{key}", f"n:{n.key}", "x:hangi"], True)


def wh_whose(rng: random.Random) -> Clause:
    """Bu kimin çantası? "Whose bag is this?" """
    n = rng.choice(nouns_with("ownable", "portable", "clothing", exclude=("food", "mass")))
    this = rng.choice((("bu", "this"), ("şu", "that")))
    plural = rng.random() < 0.2
    if plural:
        this = {"bu": ("bunlar", "these"), "şu": ("şunlar", "those")}[this[0]]
    tr = join(this[0], "kimin", decline(n, plural=plural, poss=2))
    en = f"whose {n.en_pl if plural else n.en} {'are' if plural else 'is'} {this[1]}"
    return Clause(tr, en, [f"n:{n.key}", "x:kimin", f"d:{this[0]}"], True)


def wh_price(rng: random.Random) -> Clause:
    """Bu elmalar ne kadar? "How much are these apples?" """
    n = rng.choice([x for x in nouns_with("buyable") if not x.mass])
    plural = rng.random() < 0.4
    det = rng.choice(("this", "that"))
    subj = np_noun(n, det, plural=plural, a=pick_adj(rng, n, 0.25))
    tr = join(subj.tr(), "ne kadar")
    en = f"how much {'are' if plural else 'is'} {subj.en}"
    return Clause(tr, en, [*subj.lemmas, "x:ne kadar"], True)


WH_BUILDERS: dict[str, Callable[[random.Random], Clause]] = {
    "what": wh_what,
    "who": wh_who,
    "where": wh_where,
    "whither": wh_whither,
    "whence": lambda rng: wh_whither(rng, whence=True),
    "when": wh_when,
    "why": wh_why,
    "how": wh_how,
    "how_many": wh_how_many,
    "which": wh_which,
    "whose": wh_whose,
    "price": wh_price,
}


def what_is_this(rng: random.Random) -> Clause:
    """Bu ne? "What is this?" and Bu bir kedi. "This is a cat." """
    this = rng.choice((("bu", "this"), ("şu", "that"), ("o", "that")))
    if rng.random() < 0.15:
        return Clause(join(this[0], "ne"), f"what is {this[1]}", [f"d:{this[0]}", "x:ne"], True)
    n = rng.choice(
        [x for x in NOUNS.values() if not x.mass and not x.proper and not x.tags & {"place", "occupation", "kin"}]
    )
    a = pick_adj(rng, n, 0.3)
    adj_tr, adj_en = _with_adj(n, a)
    neg, question = polarity(rng, neg_chance=0.2, question_chance=0.3)
    if neg:
        tr = join(this[0], *adj_tr, "bir", n.tr, "değil")
    elif question:
        tr = join(this[0], *adj_tr, "bir", n.tr, question_particle(n.tr))
    else:
        tr = join(this[0], *adj_tr, "bir", n.tr)
    en = en_be(this[1], 2, f"{a_or_an(adj_en + n.en)} {adj_en}{n.en}", neg=neg, question=question)
    return Clause(tr, en, [f"d:{this[0]}", f"n:{n.key}"] + ([f"a:{a.tr}"] if a else []), question)


# ---------------------------------------------------------------------------- weather and nature


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


# ---------------------------------------------------------------------------- two clauses

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
