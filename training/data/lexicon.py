"""The corpus's lexicon: nouns, adjectives and verbs, each with its Turkish and English forms and the
sentence families they may appear in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from training.data.phonology import softened

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
