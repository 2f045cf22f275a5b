"""Transitive verbs: objects definite or not, homework, dative and ditransitive clauses."""

from __future__ import annotations

import random

from training.data.clauses.sentence import (
    DAILY,
    FREQUENCY,
    TIMES,
    Clause,
    Subject,
    pick_time,
    polarity,
    time_lemmas,
    turkish,
)
from training.data.english import EN_POSSESSIVE, HE_SHE, en_clause
from training.data.lexicon import (
    NOUNS,
    VERBS,
    nouns_with,
    what_is_held,
)
from training.data.phrases import (
    NP,
    np_kin,
    np_name,
    np_noun,
    np_pronoun,
    object_np,
    person_subject,
    pick_adj,
)
from training.data.turkish import PERSONS, TENSES, conjugate, decline

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


