"""Generate the project's own small Turkish–English parallel corpus (train/validation/test JSON lines).

    python training/data/generate_corpus.py                 # rewrites the shipped files next to this script
    python training/data/generate_corpus.py --out-dir /tmp/corpus --seed 7 --train-size 5000

Every sentence pair comes from a template grammar over a hand-written lexicon: the Turkish side is
built with rules for vowel harmony, consonant alternation, buffer consonants, case, possession and
person agreement; the English side is built in parallel from the same choices. The output is
deterministic: the same seed and sizes give byte-identical files. See README.md in this folder.

This file is run as a script (not `python -m training.data...`): training/data.py, the data
loader, owns the module name `training.data`, so this folder cannot also be a package.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SEED = 20240611
DEFAULT_SIZES = {"train": 3000, "validation": 250, "test": 250}
SPLITS = ("train", "validation", "test")
# The pair the serving examples and the README use; it is always in train.
FORCED_TRAIN_PAIR = ("Bu odun yanmaz.", "This wood won't burn.")

# ============================================================================ Turkish phonology

FRONT_VOWELS = "eiöü"
BACK_VOWELS = "aıou"
VOWELS = FRONT_VOWELS + BACK_VOWELS
# The four-way (I) harmony: the suffix vowel copies frontness and rounding of the last stem vowel.
FOUR_WAY = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}
# "Fıstıkçı şahap": after these, suffix-initial d/c harden to t/ç (kitapta, gitti).
VOICELESS = "çfhkpsşt"
SOFTENING = {"p": "b", "ç": "c", "t": "d", "k": "ğ"}


def tr_lower(text: str) -> str:
    """Lower-case with the Turkish dotted/dotless i (str.lower turns İ into i + a combining dot)."""
    return text.replace("I", "ı").replace("İ", "i").lower()


def tr_capitalize(text: str) -> str:
    """Upper-case the first letter the Turkish way: i → İ, ı → I."""
    if not text:
        return text
    return {"i": "İ", "ı": "I"}.get(text[0], text[0].upper()) + text[1:]


def last_vowel(word: str) -> str:
    for ch in reversed(tr_lower(word)):
        if ch in VOWELS:
            return ch
    raise ValueError(f"no vowel in {word!r}")


def syllables(word: str) -> int:
    return sum(ch in VOWELS for ch in tr_lower(word))


def softened(word: str) -> str | None:
    """The form a word takes before a vowel-initial suffix by the regular rule, or None if unchanged.

    Words of two or more syllables ending in p, ç, t, k soften (kitap → kitabı, ağaç → ağacı,
    çocuk → çocuğu; after n, k becomes g). One-syllable words mostly keep their consonant
    (top → topu, süt → sütü); the exceptions either way are written in the lexicon.
    """
    if word[-1] not in SOFTENING or syllables(word) < 2:
        return None
    if word.endswith("nk"):
        return word[:-1] + "g"
    return word[:-1] + SOFTENING[word[-1]]


def _emit(symbol: str, prev: str, vowel: str, out: list[str]) -> tuple[str, str]:
    """Realise one suffix symbol after `prev`; A and I harmonise with `vowel`, D and C with `prev`."""
    if symbol == "A":
        letter = "e" if vowel in FRONT_VOWELS else "a"
    elif symbol == "I":
        letter = FOUR_WAY[vowel]
    elif symbol == "D":
        letter = "t" if prev in VOICELESS else "d"
    elif symbol == "C":
        letter = "ç" if prev in VOICELESS else "c"
    else:
        letter = symbol
    out.append(letter)
    return letter, letter if letter in VOWELS else vowel


def attach(base: str, template: str, *, v_stem: str | None = None, harmony: str | None = None) -> str:
    """`base` with a suffix written in archiphonemes: A (a/e), I (ı/i/u/ü), D (d/t), C (c/ç).

    A parenthesised part is a buffer: a consonant kept only after a vowel ("(y)I": kediyi but
    evi), a vowel kept only after a consonant ("(I)m": evim but kedim). `v_stem` replaces the
    base when the realised suffix starts with a vowel (softening or a dropped vowel: kitab-ı,
    şehr-e); `harmony` overrides the vowel the suffix harmonises with (saat → saati).
    """
    prev = next(ch for ch in reversed(tr_lower(base)) if ch.isalpha())
    vowel = harmony or last_vowel(base)
    out: list[str] = []
    i = 0
    while i < len(template):
        if template[i] == "(":
            end = template.index(")", i)
            optional = template[i + 1 : end]
            starts_with_vowel = optional[0] in "AI" + VOWELS
            if starts_with_vowel != (prev in VOWELS):
                for symbol in optional:
                    prev, vowel = _emit(symbol, prev, vowel, out)
            i = end + 1
            continue
        prev, vowel = _emit(template[i], prev, vowel, out)
        i += 1
    suffix = "".join(out)
    if v_stem and suffix[:1] in VOWELS:
        return v_stem + suffix
    return base + suffix


def question_particle(word: str) -> str:
    """The yes/no particle mI, written apart but harmonising with the word before it."""
    return "m" + FOUR_WAY[last_vowel(word)]


# ============================================================================ lexicon: nouns


@dataclass(frozen=True)
class Noun:
    key: str  # lemma id, unique in the lexicon
    tr: str  # citation form; the last word is the one that inflects ("kız kardeş")
    en: str
    en_pl: str
    tags: frozenset[str]
    mass: bool = False
    proper: bool = False  # names and cities: apostrophe before suffixes, no article in English
    compound: bool = False  # ends in the compound marker -(s)I: cases take -n- (buzdolabında)
    v_stem: str | None = None  # last word before a vowel-initial suffix, when it changes
    harmony: str | None = None  # harmony vowel when it is not the last vowel (saat → saati)
    gender: str | None = None  # "m"/"f" for names and relatives: English he/she
    loc_en: str | None = None  # "in the garden"
    to_en: str | None = None  # "to the garden"
    from_en: str | None = None  # "from the garden"
    holds: tuple[str, ...] = ()  # tags or keys of what can be found at this place
    bare_en: str | None = None  # English when used bare as an activity object (televizyon → TV)
    generic_en: str | None = None  # English for a generic statement (cam → glass, taş → stones)


def _en_plural(word: str) -> str:
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _place_en(en: str, prep: str) -> dict[str, str]:
    return {"loc_en": f"{prep} the {en}", "to_en": f"to the {en}", "from_en": f"from the {en}"}


NOUNS: dict[str, Noun] = {}


def noun(
    tr: str,
    en: str,
    tags: str,
    *,
    pl: str | None = None,
    key: str | None = None,
    soft: bool = True,
    v_stem: str | None = None,
    place: str | None = None,
    **extra: object,
) -> Noun:
    """Add a noun to NOUNS. `place` is the English preposition of its location ("in", "on", "at")."""
    last = tr.split()[-1]
    if v_stem is None and soft and not extra.get("proper") and not extra.get("compound"):
        v_stem = softened(last)
    fields: dict[str, object] = dict(extra)
    if place:
        fields = {**_place_en(en, place), **fields}
        tags += " place"
    if "holds" in fields:
        fields["holds"] = tuple(h.strip() for h in str(fields["holds"]).split(","))
    entry = Noun(
        key=key or tr,
        tr=tr,
        en=en,
        en_pl=pl or _en_plural(en),
        tags=frozenset(tags.split()),
        v_stem=v_stem,
        **fields,  # type: ignore[arg-type]
    )
    if entry.key in NOUNS:
        raise ValueError(f"duplicate noun key {entry.key}")
    NOUNS[entry.key] = entry
    return entry


# People. "kin" nouns are used with a possessor (annem "my mother").
noun("çocuk", "child", "person young", pl="children")
noun("kadın", "woman", "person adult", pl="women")
noun("adam", "man", "person adult", pl="men")
noun("kız", "girl", "person young")
noun("bebek", "baby", "baby")
noun("öğretmen", "teacher", "person adult occupation", to_en="to the teacher")
noun("öğrenci", "student", "person occupation")
noun("doktor", "doctor", "person adult occupation", to_en="to the doctor")
noun("polis", "police officer", "person adult occupation")
noun("aşçı", "cook", "person adult occupation")
noun("çiftçi", "farmer", "person adult occupation")
noun("komşu", "neighbor", "person adult")
noun("arkadaş", "friend", "person kin")
noun("anne", "mother", "person adult kin", gender="f")
noun("baba", "father", "person adult kin", gender="m")
noun("kız kardeş", "sister", "person kin", gender="f")
noun("erkek kardeş", "brother", "person kin", gender="m")
noun("dede", "grandfather", "person adult kin", gender="m")
noun("büyükanne", "grandmother", "person adult kin", gender="f")
noun("oğul", "son", "person kin", v_stem="oğl", gender="m")  # vowel drop: oğlum, oğlu

NAMES = {"Ali": "m", "Ayşe": "f", "Mehmet": "m", "Zeynep": "f", "Can": "m", "Elif": "f", "Emre": "m", "Selin": "f"}
for _name, _gender in NAMES.items():
    noun(_name, _name, "person name", proper=True, gender=_gender)

# Cities: the English name drops the Turkish dotted capital İ.
for _city, _city_en in {"İstanbul": "Istanbul", "Ankara": "Ankara", "İzmir": "Izmir", "Antalya": "Antalya"}.items():
    noun(
        _city,
        _city_en,
        "place city dest",
        proper=True,
        loc_en=f"in {_city_en}",
        to_en=f"to {_city_en}",
        from_en=f"from {_city_en}",
    )

# Animals.
noun("kedi", "cat", "animal pet colored")
noun("köpek", "dog", "animal pet colored")
noun("kuş", "bird", "animal pet flyer")
noun("at", "horse", "animal farm colored")
noun("inek", "cow", "animal farm")
noun("koyun", "sheep", "animal farm", pl="sheep")
noun("tavuk", "chicken", "animal farm")
noun("balık", "fish", "animal water", pl="fish")
noun("fare", "mouse", "animal small", pl="mice")
noun("tavşan", "rabbit", "animal pet wild")
noun("ayı", "bear", "animal wild")
noun("maymun", "monkey", "animal wild")
noun("arı", "bee", "animal insect flyer")
noun("kelebek", "butterfly", "animal insect flyer")
noun("ördek", "duck", "animal farm water flyer")
noun("penguen", "penguin", "animal wild water")

# Food and drink. edible: ye; cookable: pişir; makeable: yap.
noun("elma", "apple", "food fruit edible buyable colored portable")
noun("armut", "pear", "food fruit edible buyable portable")  # armudu
noun("muz", "banana", "food fruit edible buyable portable")
noun("portakal", "orange", "food fruit edible buyable portable")
noun("çilek", "strawberry", "food fruit edible buyable", pl="strawberries")
noun("patates", "potato", "food veg buyable cookable", pl="potatoes")
noun("havuç", "carrot", "food veg edible buyable")  # havucu
noun("ekmek", "bread", "food edible buyable", mass=True)
noun("peynir", "cheese", "food edible buyable", mass=True)
noun("yumurta", "egg", "food edible buyable cookable breakable", generic_en="eggs")
noun("pilav", "rice", "food dish edible cookable", mass=True)
noun("çorba", "soup", "food dish cookable makeable", mass=True)
noun("et", "meat", "food edible buyable cookable", mass=True)
noun("balık", "fish", "food edible buyable cookable", key="balık/yemek", mass=True)
noun("tavuk", "chicken", "food edible buyable cookable", key="tavuk/yemek", mass=True)
noun("kek", "cake", "food dish edible buyable makeable")
noun("çikolata", "chocolate", "food edible buyable meltable", mass=True)
noun("dondurma", "ice cream", "food edible buyable meltable", mass=True)
noun("bal", "honey", "food edible buyable", mass=True)
noun("makarna", "pasta", "food dish edible cookable", mass=True)
noun("sandviç", "sandwich", "food dish edible makeable", soft=False)  # sandviçi: a loan, no softening
noun("ot", "grass", "plant", mass=True)
noun("su", "water", "drink buyable", mass=True)  # suyu, suya: the y buffer after a vowel
noun("çay", "tea", "drink buyable makeable", mass=True)
noun("kahve", "coffee", "drink buyable makeable", mass=True)
noun("süt", "milk", "drink buyable", mass=True)
noun("meyve suyu", "fruit juice", "drink buyable", mass=True, compound=True)

# Things to read, write, know, watch and listen to.
noun("kitap", "book", "readable writable buyable portable artifact ownable colored")  # kitabı
noun("gazete", "newspaper", "readable buyable portable artifact")
noun("mektup", "letter", "readable writable sendable portable artifact long")  # mektubu
noun("defter", "notebook", "buyable portable artifact colored")
noun("kalem", "pen", "buyable portable artifact findable colored ownable")
noun("harita", "map", "readable drawable lookable portable artifact findable")
noun("şiir", "poem", "readable writable learnable long")
noun("soru", "question", "understandable task")
noun("cevap", "answer", "knowable understandable")  # cevabı
noun("ders", "lesson", "understandable task")
noun("ödev", "homework", "task", mass=True)
noun("şarkı", "song", "listenable learnable knowable")
noun("film", "film", "watchable long")
noun("televizyon", "TV", "fixable artifact", bare_en="TV")
noun("radyo", "radio", "listenable fixable artifact", bare_en="the radio")
noun("müzik", "music", "listenable", mass=True)

# Household things.
noun("kapı", "door", "openable paintable fixable artifact colored", generic_en="doors")
noun("pencere", "window", "openable cleanable artifact breakable", generic_en="windows")
noun("kutu", "box", "openable portable artifact colored container weighty", place="in", generic_en="boxes")
noun("şişe", "bottle", "openable breakable artifact container", generic_en="bottles")
noun("çanta", "bag", "openable portable buyable artifact colored ownable findable container weighty", place="in")
noun("dolap", "cupboard", "openable artifact furniture container weighty", place="in")  # dolabı
noun("buzdolabı", "fridge", "openable artifact container", compound=True, place="in")
noun("sepet", "basket", "portable artifact container weighty", soft=False, place="in")  # sepeti
noun("bardak", "glass", "kitchenware washable breakable artifact", generic_en="glasses")
noun("tabak", "plate", "kitchenware washable breakable artifact", generic_en="plates")
noun("kaşık", "spoon", "kitchenware washable artifact")
noun("bıçak", "knife", "kitchenware washable artifact", pl="knives")
noun("masa", "table", "furniture cleanable paintable artifact colored weighty", place="on")
noun("sandalye", "chair", "furniture paintable fixable artifact buyable colored weighty")
noun("yatak", "bed", "furniture artifact buyable weighty", place="on")  # yatağı
noun("ayna", "mirror", "breakable cleanable artifact buyable", generic_en="mirrors")
noun("raf", "shelf", "artifact", pl="shelves", place="on")

# Small things one carries, buys, loses and finds.
noun("anahtar", "key", "portable findable artifact")
noun("telefon", "phone", "portable findable fixable buyable artifact ownable")
noun("şemsiye", "umbrella", "portable findable buyable artifact colored ownable")
# saat keeps its t (saati) and, as a loan, takes front-vowel suffixes (saatte, saatim).
noun("saat", "watch", "portable findable fixable buyable artifact ownable", harmony="e", soft=False)
noun("bilgisayar", "computer", "fixable buyable artifact ownable weighty")
noun("top", "ball", "portable findable buyable artifact toy colored")
noun("oyuncak", "toy", "portable buyable artifact toy giftable")  # oyuncağı
noun("bilet", "ticket", "portable findable buyable", soft=False)  # bileti
noun("para", "money", "findable", mass=True)
noun("hediye", "present", "portable buyable giftable sendable artifact")
noun("resim", "picture", "drawable lookable giftable artifact", v_stem="resm")  # resmi: vowel drop
noun("çiçek", "flower", "plant buyable giftable drawable colored")

# Clothes.
noun("gömlek", "shirt", "clothing buyable washable artifact colored")  # gömleği
noun("ceket", "jacket", "clothing buyable artifact colored", soft=False)  # ceketi
noun("elbise", "dress", "clothing buyable washable artifact colored")
noun("şapka", "hat", "clothing buyable artifact colored")
# Shoes and socks come in pairs: bir çift ayakkabı "a pair of shoes".
noun("ayakkabı", "shoe", "clothing buyable artifact colored pair")

# Vehicles.
noun("araba", "car", "vehicle washable fixable buyable artifact colored ownable", place="in")
noun("bisiklet", "bicycle", "vehicle fixable buyable artifact colored ownable", soft=False)
noun("otobüs", "bus", "vehicle boardable artifact", place="on")
noun("tren", "train", "vehicle boardable artifact", place="on")
noun("uçak", "plane", "vehicle boardable artifact flyer")  # uçağı

# Nature and materials (the "Bu odun yanmaz." family).
noun("ağaç", "tree", "plant drawable")  # ağacı
noun("yıldız", "star", "sky")
noun("bulut", "cloud", "sky", soft=False)  # bulutu
noun("kar", "snow", "material meltable", mass=True)
noun("yağmur", "rain", "weather", mass=True)
noun("odun", "wood", "material", mass=True)
noun("kağıt", "paper", "material", mass=True)  # kağıdı
noun("cam", "glass", "material breakable", mass=True)
noun("taş", "stone", "material", generic_en="stones")
noun("buz", "ice", "material meltable", mass=True)
noun("mum", "candle", "material meltable", generic_en="candles")

# Places.
noun("ev", "house", "place dest building cleanable ownable", loc_en="at home", to_en="home", from_en="from home")
noun("okul", "school", "place dest building", loc_en="at school", to_en="to school", from_en="from school")
noun("iş", "work", "place dest", mass=True, loc_en="at work", to_en="to work", from_en="from work")
noun("park", "park", "dest town", place="in", holds="person, pet, plant, ördek")
noun("market", "supermarket", "dest shop building", place="at", soft=False)
noun("pazar", "market", "dest shop town", place="at", holds="person, fruit, veg")
noun("fırın", "bakery", "dest shop building", place="at")
noun("hastane", "hospital", "dest building", place="at", holds="occupation")
noun("kütüphane", "library", "dest building", place="in")
noun("sinema", "cinema", "dest building", place="at")
noun("restoran", "restaurant", "dest building", place="at")
noun("istasyon", "station", "dest building", place="at", holds="person")
noun("havaalanı", "airport", "dest", compound=True, place="at", holds="person")
noun("plaj", "beach", "dest", place="on", holds="person, pet")
noun("deniz", "sea", "dest water_place", place="in", holds="balık")
noun("orman", "forest", "dest town", place="in", holds="wild, plant, kuş")
noun("köy", "village", "dest town", place="in", holds="farm, person")
noun("şehir", "city", "dest town", place="in", v_stem="şehr")  # şehre, şehirde: vowel drop
noun("göl", "lake", "dest water_place", place="in", holds="balık, ördek")
noun("çiftlik", "farm", "dest", place="on", holds="farm, person")  # çiftliği
noun("bahçe", "garden", "dest cleanable", place="in", holds="pet, farm, person, plant")
noun("mutfak", "kitchen", "dest room cleanable", place="in", holds="food, kitchenware, person, kedi, fare")
noun("oda", "room", "room cleanable paintable", place="in", holds="furniture, person, pet")
noun("sınıf", "classroom", "room cleanable", place="in", holds="öğrenci, öğretmen, çocuk, masa, sandalye, harita")
noun("sokak", "street", "town long", place="on", holds="person, pet, vehicle")  # sokağı
noun("gökyüzü", "sky", "", compound=True, loc_en="in the sky", holds="sky, kuş, uçak")

# Languages: capitalised in Turkish but written without an apostrophe (Türkçeyi).
for _lang, _lang_en in {
    "Türkçe": "Turkish",
    "İngilizce": "English",
    "Almanca": "German",
    "Fransızca": "French",
}.items():
    noun(_lang, _lang_en, "language", mass=True)

# What the containers, surfaces and vehicles above may hold (existential sentences): tags or keys.
_HOLDS = {
    "masa": "fruit, ekmek, peynir, kitap, gazete, mektup, anahtar, telefon, kalem, kitchenware, kedi",
    "kutu": "oyuncak, top, kalem, anahtar, mektup, resim, hediye",
    "çanta": "kitap, defter, kalem, anahtar, telefon, şemsiye, elma, para, bilet, harita",
    "dolap": "clothing, kitchenware",
    "buzdolabı": "süt, meyve suyu, peynir, yumurta, et, tavuk/yemek, balık/yemek, çikolata, dondurma",
    "sepet": "fruit, veg, yumurta, ekmek",
    "raf": "kitap, gazete, kitchenware, şişe",
    "yatak": "kedi, köpek, kitap",
    "araba": "person, köpek, çanta",
    "otobüs": "person",
    "tren": "person",
}
for _key, _holds in _HOLDS.items():
    NOUNS[_key] = replace(NOUNS[_key], holds=tuple(h.strip() for h in _holds.split(",")))


def nouns_with(*tags: str, exclude: Sequence[str] = ()) -> list[Noun]:
    """Nouns carrying any of `tags` (or whose key is one of them), in lexicon order."""
    return [
        n for n in NOUNS.values() if (n.tags.intersection(tags) or n.key in tags) and not n.tags.intersection(exclude)
    ]


def what_is_held(place: Noun) -> list[Noun]:
    """What may be found at `place`: common nouns only (no names, no "my mother")."""
    return [n for n in nouns_with(*place.holds) if not n.proper and "kin" not in n.tags]


# ============================================================================ lexicon: adjectives


@dataclass(frozen=True)
class Adj:
    tr: str
    en: str
    tags: frozenset[str]  # noun tags (or noun keys) it can describe
    v_stem: str | None = None
    weather_en: str | None = None  # güzel: "beautiful" for things, "nice" for the weather


ADJECTIVES: list[Adj] = []


def adj(tr: str, en: str, tags: str, *, v_stem: str | None = None, soft: bool = True, **extra: str) -> None:
    if v_stem is None and soft:
        v_stem = softened(tr.split()[-1])
    ADJECTIVES.append(Adj(tr, en, frozenset(tags.split()), v_stem, **extra))


THINGS = "artifact vehicle furniture clothing building"
adj("büyük", "big", f"{THINGS} animal town room fruit")  # büyüğüm
adj("küçük", "small", f"{THINGS} animal town room fruit")
adj("yeni", "new", THINGS)
adj("eski", "old", THINGS)
adj("güzel", "beautiful", f"{THINGS} town plant weather person", weather_en="nice")
adj("sıcak", "hot", "çay kahve süt su çorba pilav makarna weather")
adj("soğuk", "cold", "su süt çorba weather water_place")
adj("temiz", "clean", "room clothing kitchenware cleanable vehicle")
adj("kirli", "dirty", "room clothing kitchenware cleanable vehicle")
adj("pahalı", "expensive", "buyable")
adj("ucuz", "cheap", "buyable")
adj("ağır", "heavy", "weighty")
adj("hafif", "light", "weighty")
adj("uzun", "long", "long")
adj("kısa", "short", "long")
adj("tatlı", "sweet", "fruit kek")
adj("ekşi", "sour", "elma çilek portakal")
adj("taze", "fresh", "food")
adj("lezzetli", "delicious", "food")
adj("boş", "empty", "container room building")
adj("dolu", "full", "container")
adj("açık", "open", "openable building")
adj("kapalı", "closed", "openable building")
adj("kolay", "easy", "task")
adj("zor", "difficult", "task")
adj("ilginç", "interesting", "readable watchable")
adj("sıkıcı", "boring", "readable watchable")
adj("karanlık", "dark", "room")
adj("sessiz", "quiet", "room town person")
adj("gürültülü", "noisy", "room town")
adj("hızlı", "fast", "vehicle")
adj("yavaş", "slow", "vehicle")
adj("ıslak", "wet", "material clothing")
adj("kuru", "dry", "material clothing")
adj("derin", "deep", "water_place")
for _tr, _en in {
    "kırmızı": "red", "mavi": "blue", "yeşil": "green", "sarı": "yellow", "beyaz": "white",
    "siyah": "black", "kahverengi": "brown",
}.items():  # fmt: skip
    adj(_tr, _en, "colored")
# People (and a few for animals).
adj("yorgun", "tired", "person animal")
adj("hasta", "sick", "person animal")
adj("mutlu", "happy", "person")
adj("üzgün", "sad", "person")
adj("aç", "hungry", "person animal")  # açım: one syllable, no softening
adj("tok", "full", "person")
adj("hazır", "ready", "person")
adj("genç", "young", "person", v_stem="genc")  # gencim: a one-syllable word that softens
adj("yaşlı", "old", "person animal")
adj("akıllı", "clever", "person animal")
adj("çalışkan", "hard-working", "person")
adj("tembel", "lazy", "person")
adj("nazik", "kind", "person")  # naziğim
adj("zengin", "rich", "person")
adj("uzun boylu", "tall", "person")
# Weather only.
adj("güneşli", "sunny", "weather")
adj("bulutlu", "cloudy", "weather")
adj("rüzgarlı", "windy", "weather")
adj("yağmurlu", "rainy", "weather")


# States that come and go, so that "today" or "yesterday" fits them (Bugün yorgunum.); being tall does not.
TEMPORARY = ("sıcak", "soğuk", "temiz", "kirli", "pahalı", "ucuz", "taze", "boş", "dolu", "açık", "kapalı",
             "ıslak", "kuru", "yorgun", "hasta", "mutlu", "üzgün", "aç", "tok", "hazır", "sessiz", "gürültülü",
             "karanlık")  # fmt: skip


# Fruit colours are not free: a red apple, a yellow banana.
FRUIT_COLORS = {"elma": ("kırmızı", "yeşil", "sarı"), "muz": ("sarı", "yeşil"), "armut": ("yeşil", "sarı")}


def adjective_fits(a: Adj, n: Noun) -> bool:
    if n.key in FRUIT_COLORS and "colored" in a.tags:
        return a.tr in FRUIT_COLORS[n.key]
    if n.proper or "kin" in n.tags or "name" in n.tags:
        return False
    if "insect" in n.tags and "person" in a.tags:
        return False  # a hungry dog, but not a hungry butterfly
    return bool(a.tags & n.tags or n.key in a.tags)


# ============================================================================ lexicon: verbs


@dataclass(frozen=True)
class EnVerb:
    base: str
    s3: str
    past: str
    ing: str
    tail: str = ""  # a particle or fixed complement after the verb: look *at*, wake *up*, go *to bed*


def en_verb(forms: str, tail: str = "") -> EnVerb:
    """'base past [ing]' → EnVerb; the third person and (when not given) the -ing form by rule."""
    parts = forms.split()
    base, past = parts[0], parts[1]
    if base in ("go", "do"):
        s3 = base + "es"
    elif base.endswith(("s", "sh", "ch", "x", "z")):
        s3 = base + "es"
    elif base.endswith("y") and base[-2] not in "aeiou":
        s3 = base[:-1] + "ies"
    else:
        s3 = base + "s"
    if len(parts) > 2:
        ing = parts[2]
    elif base.endswith("e") and not base.endswith("ee"):
        ing = base[:-1] + "ing"
    else:
        ing = base + "ing"
    return EnVerb(base, s3, past, ing, tail)


@dataclass(frozen=True)
class Verb:
    key: str
    tr: str  # stem; the last word inflects ("yardım et")
    en: EnVerb
    v_stem: str | None = None  # last word before a vowel-initial suffix: git → gid(iyor), et → ed(er)
    pc: str | None = None  # irregular -Iyor stem: ye → yiyor
    fut: str | None = None  # irregular future stem: ye → yiyecek
    aor: str | None = None  # irregular positive aorist
    stative: bool = False  # English keeps the simple present for the Turkish -Iyor (istiyorum "I want")


VERBS: dict[str, Verb] = {}


def verb(tr: str, en: str, *, key: str | None = None, tail: str = "", **extra: object) -> Verb:
    entry = Verb(key=key or tr, tr=tr, en=en_verb(en, tail), **extra)  # type: ignore[arg-type]
    if entry.key in VERBS:
        raise ValueError(f"duplicate verb key {entry.key}")
    VERBS[entry.key] = entry
    return entry


# Going and coming.
verb("gel", "come came coming")  # gelir: one of the thirteen -Ir aorists
verb("git", "go went", v_stem="gid")  # gidiyor, gidecek, gider
verb("dön", "return returned")
# Intransitive activities.
verb("uyu", "sleep slept")
verb("uyan", "wake woke waking", tail="up")
verb("kalk", "get got getting", tail="up")
verb("yat", "go went", tail="to bed")
verb("koş", "run ran running")
verb("yürü", "walk walked")
verb("otur", "sit sat sitting")
verb("çalış", "work worked")
verb("oyna", "play played")
verb("gül", "laugh laughed")
verb("ağla", "cry cried")
verb("bekle", "wait waited")
verb("yüz", "swim swam swimming", key="yüz (swim)")
verb("uç", "fly flew")
verb("havla", "bark barked")
verb("dinlen", "rest rested")
verb("şarkı söyle", "sing sang")
verb("dans et", "dance danced", v_stem="ed")
verb("kal", "stay stayed")  # kalır
verb("yaşa", "live lived", stative=True)
verb("yemek ye", "eat ate", pc="yiyor", fut="yiyecek")
verb("kahvaltı yap", "have had having", tail="breakfast")
verb("konuş", "talk talked")
# Things that happen to materials.
verb("yan", "burn burned")
verb("kırıl", "break broke")
verb("eri", "melt melted")
verb("bat", "sink sank")
verb("yüz", "float floated", key="yüz (float)")
verb("açıl", "open opened")
verb("kapan", "close closed")
verb("yağ", "fall fell")  # yağmur yağıyor; the English side uses "rain"/"snow" instead
# Transitive.
verb("ye", "eat ate", pc="yiyor", fut="yiyecek")  # yer, yemez by rule
verb("iç", "drink drank")
verb("oku", "read read")
verb("yaz", "write wrote")
verb("al", "buy bought")  # alır
verb("sat", "sell sold")
verb("gör", "see saw seeing", stative=True)  # görür; görüyorum is "I see", not "I am seeing"
verb("sev", "like liked", stative=True)
verb("sev", "love loved", key="sev (love)", stative=True)
verb("iste", "want wanted", stative=True)
verb("bil", "know knew", stative=True)  # bilir
verb("tanı", "know knew", key="tanı", stative=True)
verb("anla", "understand understood", stative=True)
verb("aç", "open opened")
verb("kapat", "close closed")
verb("yıka", "wash washed")
verb("temizle", "clean cleaned")
verb("pişir", "cook cooked")
verb("yap", "make made")
verb("yap", "do did", key="yap (do)")
verb("getir", "bring brought")
verb("bul", "find found")  # bulur
verb("ara", "look looked", tail="for")
verb("kaybet", "lose lost", v_stem="kaybed", aor="kaybeder")  # the aorist follows et, not the -Ir rule
verb("izle", "watch watched")
verb("dinle", "listen listened", tail="to")
verb("çiz", "draw drew")
verb("boya", "paint painted")
verb("tamir et", "fix fixed", v_stem="ed")
verb("giy", "wear wore")
verb("öğren", "learn learned")
verb("konuş", "speak spoke", key="konuş (dil)", stative=True)
# With a dative object.
verb("bak", "look looked", tail="at")
verb("yardım et", "help helped", v_stem="ed")
verb("telefon et", "call called", v_stem="ed")
verb("bin", "get got getting", tail="on")
# Two objects.
verb("ver", "give gave")  # verir
verb("koy", "put put putting")
verb("göster", "show showed")
verb("gönder", "send sent")
verb("götür", "take took")
# "to be": only its future, for "Yarın hava güzel olacak." (olur is one of the thirteen -Ir aorists).
verb("ol", "be was being")
# With an ablative object: korkmak "to be afraid of" (the English side is built with "be").
verb("kork", "fear feared", stative=True)

# The thirteen one-syllable verbs whose aorist is -Ir, not -Ar (gelir but gider).
AORIST_IR = ("al", "bil", "bul", "dur", "gel", "gör", "kal", "ol", "öl", "san", "var", "ver", "vur")


# ============================================================================ Turkish verb forms

PERSONS = (0, 1, 2, 3, 4, 5)  # ben, sen, o, biz, siz, onlar
# Personal endings after -Iyor, -AcAk, the aorist and on nominal predicates (the "z" type) ...
Z_ENDINGS = {0: "(y)Im", 1: "sIn", 2: "", 3: "(y)Iz", 4: "sInIz", 5: "lAr"}
# ... and after the past -DI (the "k" type).
K_ENDINGS = {0: "m", 1: "n", 2: "", 3: "k", 4: "nIz", 5: "lAr"}
TENSES = ("pc", "past", "fut", "aor")  # present continuous -Iyor, past -DI, future -(y)AcAk, aorist


def _split_stem(v: Verb) -> tuple[str, str]:
    head, _, last = v.tr.rpartition(" ")
    return (head + " " if head else ""), last


def aorist_stem(v: Verb) -> str:
    """The positive aorist: -r after a vowel, -Ar after one syllable, -Ir after more (and the 13)."""
    _, last = _split_stem(v)
    if v.aor:
        return v.aor
    if last[-1] in VOWELS:
        return last + "r"
    if syllables(last) > 1 or last in AORIST_IR:
        return attach(last, "Ir", v_stem=v.v_stem)
    return attach(last, "Ar", v_stem=v.v_stem)


def tense_stem(v: Verb, tense: str, neg: bool) -> tuple[str, dict[int, str]]:
    """The last word of the verb up to the person ending, and the endings that follow it."""
    _, last = _split_stem(v)
    if tense == "pc":
        if neg:
            return attach(last, "mIyor"), Z_ENDINGS
        if v.pc:
            return v.pc, Z_ENDINGS
        if last[-1] in VOWELS:  # the stem vowel gives way: bekle → bekliyor, oku → okuyor
            return attach(last[:-1], "Iyor"), Z_ENDINGS
        return attach(last, "Iyor", v_stem=v.v_stem), Z_ENDINGS
    if tense == "past":
        return attach(last, "mAdI" if neg else "DI"), K_ENDINGS
    if tense == "fut":
        if neg:
            return attach(last, "mAyAcAk"), Z_ENDINGS
        return (v.fut or attach(last, "(y)AcAk", v_stem=v.v_stem)), Z_ENDINGS
    if tense == "aor":
        return (attach(last, "mAz") if neg else aorist_stem(v)), Z_ENDINGS
    raise ValueError(tense)


def conjugate(v: Verb, tense: str, person: int, *, neg: bool = False, question: bool = False) -> str:
    """The finite verb, e.g. conjugate(git, "fut", 0) == "gideceğim"; questions add the particle mI."""
    head, last = _split_stem(v)
    if tense == "aor" and neg and not question and person in (0, 3):
        # The negative aorist is -mAz, but -mAm and -mAyIz in the first persons: gelmem, gelmeyiz.
        return head + attach(last, "mAm" if person == 0 else "mAyIz")
    stem, endings = tense_stem(v, tense, neg)
    # A final k of -AcAk softens before a vowel: geleceğim.
    v_stem = stem[:-1] + "ğ" if stem.endswith("k") else None
    if not question:
        return head + attach(stem, endings[person], v_stem=v_stem) if endings[person] else head + stem
    if tense == "past" or person == 5:
        # The person ending stays on the verb: geldin mi?, geliyorlar mı?
        word = attach(stem, endings[person], v_stem=v_stem) if endings[person] else stem
        return f"{head}{word} {question_particle(word)}"
    particle = question_particle(stem)
    return f"{head}{stem} {attach(particle, Z_ENDINGS[person]) if Z_ENDINGS[person] else particle}"


def infinitive(v: Verb) -> str:
    head, last = _split_stem(v)
    return head + attach(last, "mAk")


def copula(word: str, person: int, *, past: bool = False, question: bool = False, v_stem: str | None = None) -> str:
    """A nominal predicate with its person ending: yorgunum, hastaydık, evde misin?, yorgunlar mı?"""
    if question:
        if person == 5:  # the plural stays on the word: yorgunlar mı(ydı)?
            word = attach(word, "lAr")
            particle = question_particle(word)
            return f"{word} {attach(particle, '(y)DI') if past else particle}"
        particle = question_particle(word)
        if past:
            particle = attach(particle, "(y)DI")
            return f"{word} {attach(particle, K_ENDINGS[person]) if K_ENDINGS[person] else particle}"
        return f"{word} {attach(particle, Z_ENDINGS[person]) if Z_ENDINGS[person] else particle}"
    if past:
        stem = attach(word, "(y)DI")
        return attach(stem, K_ENDINGS[person]) if K_ENDINGS[person] else stem
    return attach(word, Z_ENDINGS[person], v_stem=v_stem) if Z_ENDINGS[person] else word


def negative_copula(person: int, *, past: bool = False) -> str:
    """değil with its person ending: değilim, değildik."""
    if past:
        return copula("değil", person, past=True)
    return attach("değil", Z_ENDINGS[person]) if Z_ENDINGS[person] else "değil"


# ============================================================================ Turkish nouns

CASES = {"nom": "", "acc": "(y)I", "dat": "(y)A", "loc": "DA", "abl": "DAn", "gen": "(n)In", "ins": "(y)lA"}
# After a third-person possessive (or the compound marker) the cases take a pronominal n.
CASES_AFTER_3RD = {"nom": "", "acc": "nI", "dat": "nA", "loc": "nDA", "abl": "nDAn", "gen": "nIn", "ins": "(y)lA"}
POSSESSIVE = {0: "(I)m", 1: "(I)n", 2: "(s)I", 3: "(I)mIz", 4: "(I)nIz", 5: "lArI"}


def decline(n: Noun, case: str = "nom", *, plural: bool = False, poss: int | None = None) -> str:
    """The inflected noun: decline(kitap, "acc", poss=0) == "kitabımı"; decline(şehir, "dat") == "şehre"."""
    head, _, last = n.tr.rpartition(" ")
    form, v_stem, harmony = last, n.v_stem, n.harmony
    third = n.compound
    if n.compound and (plural or poss == 5):
        raise ValueError(f"{n.tr}: plurals of compounds (buzdolapları) are not modelled")
    if n.proper and (plural or poss is not None or case != "nom"):
        form = last + "'"
    if plural:
        form = attach(form, "lAr", harmony=harmony)
        v_stem = harmony = None
    if poss is not None:
        # A compound's own -(s)I gives way to the possessive (buzdolab-ım) and stands for the third
        # person itself (Can'ın meyve suyu); after its vowel the possessive surfaces as "buzdolabı" + "m".
        if not (n.compound and poss == 2):
            form = attach(form, POSSESSIVE[poss], v_stem=v_stem, harmony=harmony)
        v_stem = harmony = None
        third = poss in (2, 5)
    if case != "nom":
        form = attach(form, (CASES_AFTER_3RD if third else CASES)[case], v_stem=v_stem, harmony=harmony)
    return f"{head} {form}" if head else form


PRONOUNS = {
    0: {"nom": "ben", "acc": "beni", "dat": "bana", "loc": "bende", "abl": "benden", "gen": "benim", "ins": "benimle"},
    1: {"nom": "sen", "acc": "seni", "dat": "sana", "loc": "sende", "abl": "senden", "gen": "senin", "ins": "seninle"},
    2: {"nom": "o", "acc": "onu", "dat": "ona", "loc": "onda", "abl": "ondan", "gen": "onun", "ins": "onunla"},
    3: {"nom": "biz", "acc": "bizi", "dat": "bize", "loc": "bizde", "abl": "bizden", "gen": "bizim", "ins": "bizimle"},
    4: {"nom": "siz", "acc": "sizi", "dat": "size", "loc": "sizde", "abl": "sizden", "gen": "sizin", "ins": "sizinle"},
    5: {
        "nom": "onlar", "acc": "onları", "dat": "onlara", "loc": "onlarda",
        "abl": "onlardan", "gen": "onların", "ins": "onlarla",
    },
}  # fmt: skip

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


# ============================================================================ the corpus

# Sentence kinds and how often each is drawn.
TEMPLATES: list[tuple[Callable[[random.Random], Clause], float]] = [
    (activity_clause, 10),
    (early_late_clause, 2),
    (motion_clause, 9),
    (transitive_clause, 16),
    (homework_clause, 1.5),
    (dative_clause, 4),
    (ditransitive_clause, 6),
    (stative_clause, 5),
    (want_to_clause, 3),
    (afraid_clause, 1.5),
    (adjective_clause, 9),
    (occupation_clause, 3),
    (location_clause, 5),
    (existential_clause, 6),
    (have_clause, 5),
    (wh_clause, 9),
    (what_is_this, 2),
    (weather_clause, 3),
    (property_clause, 5),
    (animal_fact_clause, 2),
    (language_clause, 2),
    (and_clause, 5),
    (but_clause, 4.5),
    (because_clause, 3),
    (coordinated_subject_clause, 1.5),
    (shopping_list_clause, 1.5),
]


# Yes/no questions one hardly asks about oneself: "Did I stay in Izmir?", "Am I reading a book?"
ODD_QUESTIONS = ("Did I ", "Am I ", "Do I ", "Was I ", "Did we ", "Were we ", "Are we ", "Do we ")


def plausible(pair: Pair) -> bool:
    return not pair.en.startswith(ODD_QUESTIONS)


def generate_pairs(rng: random.Random, count: int) -> list[Pair]:
    """`count` pairs with distinct Turkish sides, the forced pair first."""
    builders = [t for t, _ in TEMPLATES]
    weights = [w for _, w in TEMPLATES]
    forced = Pair(*FORCED_TRAIN_PAIR, ("n:odun", "v:yan", "d:bu"), "property_clause")
    pairs, seen = [forced], {forced.tr}
    attempts = 0
    while len(pairs) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError(f"only {len(pairs)} distinct sentences after {attempts} attempts")
        builder = rng.choices(builders, weights)[0]
        pair = finish(builder(rng))
        if pair.tr not in seen and plausible(pair):
            seen.add(pair.tr)
            pairs.append(Pair(pair.tr, pair.en, pair.lemmas, builder.__name__))
    return pairs


def stratified_order(pairs: Sequence[Pair], rng: random.Random) -> list[Pair]:
    """The pairs shuffled so that every kind is spread evenly along the list: each kind is shuffled and
    its i-th of n pairs sorts at (i + 0.5) / n. Any stretch of the result then holds each kind in
    proportion, so cutting it into splits stratifies them by kind."""
    kinds: dict[str, list[Pair]] = {}
    for pair in pairs:
        kinds.setdefault(pair.kind, []).append(pair)
    keyed = []
    for group in kinds.values():
        rng.shuffle(group)
        keyed += [((i + rng.random()) / len(group), pair.tr, pair) for i, pair in enumerate(group)]
    return [pair for *_, pair in sorted(keyed)]


def deal(pairs: Sequence[Pair], quotas: dict[str, int]) -> dict[str, list[Pair]]:
    """Deal pairs out in order, each to the bucket with the largest share of its quota still open."""
    buckets: dict[str, list[Pair]] = {name: [] for name in quotas}
    for pair in pairs:
        name = max(quotas, key=lambda b: (quotas[b] - len(buckets[b])) / quotas[b] if quotas[b] else -1)
        buckets[name].append(pair)
    return buckets


def build_corpus(seed: int = DEFAULT_SEED, sizes: dict[str, int] | None = None) -> dict[str, list[Pair]]:
    """Generate, deduplicate and split.

    Splits are disjoint on the Turkish side (deduplication comes first), stratified by sentence kind,
    train holds the forced pair, and validation and test only use lexicon entries that train has,
    so they test new combinations of known words rather than new words.
    """
    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    rng = random.Random(seed)
    total = sum(sizes.values())
    # Some held-out candidates are set aside for a word train lacks; the spare pairs replace them.
    pool = generate_pairs(rng, int(total * 1.15) + 50)
    forced, rest = pool[0], stratified_order(pool[1:], rng)
    quotas = {"train": sizes["train"] - 1, "validation": sizes["validation"], "test": sizes["test"]}
    buckets = deal(rest, {**quotas, "spare": len(rest) - sum(quotas.values())})
    train = [forced] + buckets["train"]
    rng.shuffle(train)
    known = {lemma for pair in train for lemma in pair.lemmas}
    spare = [pair for pair in buckets["spare"] if set(pair.lemmas) <= known]
    splits = {"train": train}
    for split in ("validation", "test"):
        kept = [pair for pair in buckets[split] if set(pair.lemmas) <= known]
        while len(kept) < sizes[split]:
            if not spare:
                raise RuntimeError(f"not enough held-out sentences that use only train's words for {split}")
            kept.append(spare.pop(0))
        splits[split] = kept
    return splits


def write_jsonl(path: Path, pairs: Sequence[Pair]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for pair in pairs:
            f.write(json.dumps({"translation": {"tr": pair.tr, "en": pair.en}}, ensure_ascii=False) + "\n")


def token_counts(pairs: Sequence[Pair]) -> tuple[int, int]:
    """Whitespace-separated words on the Turkish and the English side."""
    return sum(len(p.tr.split()) for p in pairs), sum(len(p.en.split()) for p in pairs)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="generate_corpus.py",
        description=(
            "Write the project's synthetic Turkish-English parallel corpus as train.jsonl, validation.jsonl and "
            'test.jsonl, one {"translation": {"tr": ..., "en": ...}} object per line (the wmt16 layout). '
            "Sentences come from a template grammar over a hand-written lexicon with Turkish morphology rules; "
            "the same seed and sizes always give byte-identical files."
        ),
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder for the three files (default: the folder of this script, training/data)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    for split in SPLITS:
        parser.add_argument(
            f"--{split}-size",
            type=int,
            default=DEFAULT_SIZES[split],
            metavar="N",
            help=f"sentence pairs in {split}.jsonl (default: {DEFAULT_SIZES[split]})",
        )
    args = parser.parse_args(argv)
    if args.train_size < 1 or args.validation_size < 1 or args.test_size < 1:
        parser.error("each split needs at least one pair")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = {"train": args.train_size, "validation": args.validation_size, "test": args.test_size}
    splits = build_corpus(args.seed, sizes)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for split, pairs in splits.items():
        path = args.out_dir / f"{split}.jsonl"
        write_jsonl(path, pairs)
        tr_tokens, en_tokens = token_counts(pairs)
        print(f"{path}: {len(pairs)} pairs, {tr_tokens} Turkish / {en_tokens} English words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
