"""Questions with a wh-word, and "what is this?"."""

from __future__ import annotations

import random
from collections.abc import Callable

from training.data.clauses.sentence import (
    DAILY,
    Clause,
    Subject,
    join,
    pick_time,
    polarity,
    predicate_person,
    time_lemmas,
    turkish,
)
from training.data.clauses.stative import nominal_subject
from training.data.clauses.transitive import NO_HABIT, TRANSITIVE, TRANSITIVE_TENSES
from training.data.english import a_or_an, en_be, en_clause
from training.data.lexicon import (
    NOUNS,
    VERBS,
    EnVerb,
    nouns_with,
    what_is_held,
)
from training.data.phonology import question_particle
from training.data.phrases import (
    NP,
    _with_adj,
    np_kin,
    np_noun,
    np_owner,
    np_pronoun,
    object_np,
    person_subject,
    pick_adj,
)
from training.data.turkish import conjugate, copula, decline

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


