"""Likes, wants and fears; nominal predicates (adjectives, occupations, locations); var / yok."""

from __future__ import annotations

import random
from dataclasses import replace

from training.data.clauses.sentence import (
    TIMES,
    Clause,
    Subject,
    join,
    polarity,
    predicate_person,
    time_lemmas,
    turkish,
)
from training.data.clauses.transitive import TRANSITIVE, people_object
from training.data.english import NUMBERS, a_or_an, en_be, en_clause
from training.data.lexicon import (
    ADJECTIVES,
    NOUNS,
    TEMPORARY,
    VERBS,
    Adj,
    EnVerb,
    adjective_fits,
    nouns_with,
    what_is_held,
)
from training.data.phonology import attach, question_particle
from training.data.phrases import (
    NP,
    np_kin,
    np_name,
    np_noun,
    np_owner,
    np_pronoun,
    ownable,
    person_subject,
    pick_adj,
)
from training.data.turkish import PERSONS, conjugate, copula, decline, infinitive, negative_copula

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


