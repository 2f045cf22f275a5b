"""The shipped Turkish–English corpus in training/data/ and the generator that writes it
(the package training.data: its grammar modules and generate_corpus)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from training.data import english, generate_corpus, lexicon, phonology, phrases, turkish

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "training" / "data"
SPLITS = ("train", "validation", "test")
MIN_SIZES = {"train": 2000, "validation": 200, "test": 200}


def read_rows(split: str) -> list[dict]:
    with open(DATA_DIR / f"{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[tuple[str, str]]]:
    return {
        split: [(row["translation"]["tr"], row["translation"]["en"]) for row in read_rows(split)] for split in SPLITS
    }


# ---------------------------------------------------------------------------- the shipped files


@pytest.mark.parametrize("split", SPLITS)
def test_every_line_is_one_translation_pair(split):
    path = DATA_DIR / f"{split}.jsonl"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text
    for number, line in enumerate(text.splitlines(), start=1):
        row = json.loads(line)
        assert list(row) == ["translation"], f"line {number}"
        assert sorted(row["translation"]) == ["en", "tr"], f"line {number}"
        for lang, sentence in row["translation"].items():
            assert isinstance(sentence, str) and sentence.strip() == sentence and sentence, f"line {number} {lang}"
        # Written as UTF-8 text, not \u escapes.
        assert line == json.dumps(row, ensure_ascii=False)


@pytest.mark.parametrize("split", SPLITS)
def test_split_sizes(corpus, split):
    assert len(corpus[split]) >= MIN_SIZES[split]


def test_splits_are_disjoint_on_the_turkish_side(corpus):
    seen: dict[str, str] = {}
    for split in SPLITS:
        sources = [tr for tr, _ in corpus[split]]
        assert len(sources) == len(set(sources)), f"a Turkish sentence repeats inside {split}"
        for tr in sources:
            assert tr not in seen, f"{tr!r} is in {seen.get(tr)} and {split}"
            seen[tr] = split


def test_the_example_pair_is_in_train(corpus):
    assert ("Bu odun yanmaz.", "This wood won't burn.") in corpus["train"]


# Aorists of what materials do: yanar/yanmaz, kırılır/kırılmaz, erir/erimez, batar/batmaz, açılır/açılmaz.
PROPERTY_AORIST = re.compile(r"\b(yan|kırıl|eri|bat|açıl|kapan)(ar|ır|r|maz|mez)\b")


def test_its_sentence_family_is_spread_over_the_splits(corpus):
    for split in SPLITS:
        family = [tr for tr, _ in corpus[split] if PROPERTY_AORIST.search(tr)]
        assert len(family) >= (20 if split == "train" else 2), (split, family)
    train = [tr for tr, _ in corpus["train"]]
    assert any(tr.startswith(("Bu kağıt", "Şu kağıt")) and "yan" in tr for tr in train)


def test_sentences_look_like_sentences(corpus):
    for split in SPLITS:
        for tr, en in corpus[split]:
            assert tr[-1] in ".?" and en[-1] == tr[-1], (tr, en)
            assert tr[0].isupper() and en[0].isupper(), (tr, en)
            assert 2 <= len(tr.split()) <= 25 and 2 <= len(en.split()) <= 25, (tr, en)
            assert "  " not in tr + en, (tr, en)


def test_turkish_letters_are_used(corpus):
    text = " ".join(tr for split in SPLITS for tr, _ in corpus[split])
    for letter in "çğıİöşüÇÖŞÜ":
        assert letter in text, letter


# ---------------------------------------------------------------------------- the generator


def test_regenerating_gives_byte_identical_files(tmp_path):
    assert generate_corpus.main(["--out-dir", str(tmp_path)]) == 0
    for split in SPLITS:
        assert (tmp_path / f"{split}.jsonl").read_bytes() == (DATA_DIR / f"{split}.jsonl").read_bytes(), split


def test_the_generator_runs_with_its_own_options(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}  # this checkout's package, from any folder
    help_text = subprocess.run(
        [sys.executable, "-m", "training.data.generate_corpus", "--help"],
        check=True, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip
    for option in ("--out-dir", "--seed", "--train-size", "--validation-size", "--test-size"):
        assert option in help_text
    subprocess.run(
        [sys.executable, "-m", "training.data.generate_corpus", "--out-dir", str(tmp_path), "--seed", "7",
         "--train-size", "300", "--validation-size", "40", "--test-size", "30"],
        check=True, capture_output=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    sizes = {split: len((tmp_path / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()) for split in SPLITS}
    assert sizes == {"train": 300, "validation": 40, "test": 30}


def test_held_out_splits_use_only_words_from_train():
    splits = generate_corpus.build_corpus()
    known = {lemma for pair in splits["train"] for lemma in pair.lemmas}
    for split in ("validation", "test"):
        for pair in splits[split]:
            assert set(pair.lemmas) <= known, (pair.tr, set(pair.lemmas) - known)


def test_another_seed_gives_another_corpus():
    assert generate_corpus.build_corpus(seed=1)["train"] != generate_corpus.build_corpus(seed=2)["train"]


# ---------------------------------------------------------------------------- Turkish morphology

N, V = lexicon.NOUNS, lexicon.VERBS


@pytest.mark.parametrize(
    ("noun", "case", "expected"),
    [
        # Two-way (A) harmony and hardening of D after a voiceless consonant.
        ("ev", "loc", "evde"), ("okul", "loc", "okulda"), ("park", "loc", "parkta"), ("kitap", "abl", "kitaptan"),
        ("ev", "dat", "eve"), ("okul", "dat", "okula"),
        # Four-way (I) harmony, with the y buffer after a vowel.
        ("ev", "acc", "evi"), ("kız", "acc", "kızı"), ("top", "acc", "topu"), ("süt", "acc", "sütü"),
        ("kedi", "acc", "kediyi"), ("araba", "acc", "arabayı"), ("su", "acc", "suyu"), ("kedi", "dat", "kediye"),
        # Softening before a vowel: kitap → kitabı, ağaç → ağacı, çocuk → çocuğu, kağıt → kağıdı.
        ("kitap", "acc", "kitabı"), ("ağaç", "acc", "ağacı"), ("çocuk", "dat", "çocuğa"), ("kağıt", "acc", "kağıdı"),
        ("armut", "acc", "armudu"), ("kitap", "gen", "kitabın"), ("kedi", "gen", "kedinin"),
        # Loans that keep their consonant, and saat with front harmony.
        ("bisiklet", "acc", "bisikleti"), ("saat", "acc", "saati"), ("saat", "loc", "saatte"),
        # A dropped vowel: şehir → şehre, but şehirde.
        ("şehir", "dat", "şehre"), ("şehir", "loc", "şehirde"), ("resim", "acc", "resmi"),
        # Compounds take -n- (buzdolabında), names and cities an apostrophe.
        ("buzdolabı", "loc", "buzdolabında"), ("meyve suyu", "acc", "meyve suyunu"),
        ("Ali", "dat", "Ali'ye"), ("Mehmet", "acc", "Mehmet'i"), ("İstanbul", "loc", "İstanbul'da"),
        ("Ankara", "abl", "Ankara'dan"), ("Türkçe", "acc", "Türkçeyi"),
        # The instrumental -(y)lA.
        ("otobüs", "ins", "otobüsle"), ("araba", "ins", "arabayla"),
    ],
)  # fmt: skip
def test_noun_cases(noun, case, expected):
    assert turkish.decline(N[noun], case) == expected


@pytest.mark.parametrize(
    ("noun", "kwargs", "expected"),
    [
        ("kitap", {"plural": True}, "kitaplar"), ("ev", {"plural": True}, "evler"),
        ("kitap", {"poss": 0}, "kitabım"), ("araba", {"poss": 0}, "arabam"), ("araba", {"poss": 2}, "arabası"),
        ("araba", {"poss": 2, "case": "acc"}, "arabasını"), ("ev", {"poss": 2, "case": "loc"}, "evinde"),
        ("köpek", {"poss": 3}, "köpeğimiz"), ("kitap", {"plural": True, "poss": 0, "case": "acc"}, "kitaplarımı"),
        ("oğul", {"poss": 0}, "oğlum"), ("anne", {"poss": 0, "case": "gen"}, "annemin"),
        ("kız kardeş", {"poss": 1}, "kız kardeşin"), ("ödev", {"poss": 5, "case": "acc"}, "ödevlerini"),
        # A compound's marker gives way to a possessive and is the third person one itself.
        ("buzdolabı", {"poss": 0}, "buzdolabım"), ("meyve suyu", {"poss": 2, "case": "acc"}, "meyve suyunu"),
    ],
)  # fmt: skip
def test_plural_and_possessive(noun, kwargs, expected):
    kwargs = dict(kwargs)
    assert turkish.decline(N[noun], kwargs.pop("case", "nom"), **kwargs) == expected


@pytest.mark.parametrize(
    ("verb", "tense", "person", "kwargs", "expected"),
    [
        # Present continuous: the stem vowel gives way, t softens in git and et.
        ("git", "pc", 2, {}, "gidiyor"), ("gel", "pc", 0, {}, "geliyorum"), ("bekle", "pc", 2, {}, "bekliyor"),
        ("oku", "pc", 3, {}, "okuyoruz"), ("şarkı söyle", "pc", 2, {}, "şarkı söylüyor"), ("ye", "pc", 1, {}, "yiyorsun"),
        ("yardım et", "pc", 2, {}, "yardım ediyor"), ("gel", "pc", 2, {"neg": True}, "gelmiyor"),
        ("oku", "pc", 5, {"neg": True}, "okumuyorlar"),
        # Past: -DI hardens after voiceless consonants.
        ("gel", "past", 0, {}, "geldim"), ("git", "past", 2, {}, "gitti"), ("iç", "past", 3, {}, "içtik"),
        ("oku", "past", 2, {"neg": True}, "okumadı"), ("gel", "past", 5, {}, "geldiler"),
        # Future: the k of -AcAk softens before a vowel.
        ("git", "fut", 0, {}, "gideceğim"), ("oku", "fut", 2, {}, "okuyacak"), ("ye", "fut", 3, {}, "yiyeceğiz"),
        ("gel", "fut", 1, {"neg": True}, "gelmeyeceksin"),
        # Aorist: -r, -Ar, -Ir and the thirteen -Ir verbs; the negative -mAz, -mAm, -mAyIz.
        ("oku", "aor", 2, {}, "okur"), ("yan", "aor", 2, {}, "yanar"), ("git", "aor", 2, {}, "gider"),
        ("gel", "aor", 2, {}, "gelir"), ("al", "aor", 0, {}, "alırım"), ("bil", "aor", 2, {}, "bilir"),
        ("ol", "aor", 2, {}, "olur"), ("çalış", "aor", 2, {}, "çalışır"), ("kaybet", "aor", 2, {}, "kaybeder"),
        ("yan", "aor", 2, {"neg": True}, "yanmaz"), ("gel", "aor", 0, {"neg": True}, "gelmem"),
        ("gel", "aor", 3, {"neg": True}, "gelmeyiz"), ("iç", "aor", 1, {"neg": True}, "içmezsin"),
        # Yes/no questions: the particle mI harmonises and carries the person ending.
        ("gel", "pc", 1, {"question": True}, "geliyor musun"), ("gel", "past", 1, {"question": True}, "geldin mi"),
        ("gel", "pc", 5, {"question": True}, "geliyorlar mı"), ("git", "fut", 3, {"question": True}, "gidecek miyiz"),
        ("yan", "aor", 2, {"question": True}, "yanar mı"), ("iç", "aor", 1, {"question": True}, "içer misin"),
    ],
)  # fmt: skip
def test_verb_forms(verb, tense, person, kwargs, expected):
    assert turkish.conjugate(V[verb], tense, person, **kwargs) == expected


def test_nominal_predicates():
    assert turkish.copula("yorgun", 0) == "yorgunum"
    assert turkish.copula("hasta", 0) == "hastayım"
    assert turkish.copula("öğrenci", 3) == "öğrenciyiz"
    assert turkish.copula("büyük", 0, v_stem="büyüğ") == "büyüğüm"
    assert turkish.copula("hasta", 0, past=True) == "hastaydım"
    assert turkish.copula("sıcak", 2, past=True) == "sıcaktı"
    assert turkish.copula("evde", 1, question=True) == "evde misin"
    assert turkish.copula("yorgun", 5, question=True) == "yorgunlar mı"
    assert turkish.copula("yorgun", 1, past=True, question=True) == "yorgun muydun"
    assert turkish.negative_copula(0) == "değilim"
    assert turkish.negative_copula(2, past=True) == "değildi"


def test_turkish_capitals_and_harmony_helpers():
    assert phonology.tr_capitalize("iki elma") == "İki elma"
    assert phonology.tr_capitalize("ılık su") == "Ilık su"
    assert phonology.question_particle("gelecek") == "mi" and phonology.question_particle("okul") == "mu"
    assert phonology.attach("göz", "(y)I") == "gözü" and phonology.attach("kapı", "(s)I") == "kapısı"


def test_english_agreement():
    eat, go = V["ye"].en, V["git"].en
    assert english.en_clause("he", 2, eat, "aor") == "he eats"
    assert english.en_clause("he", 2, eat, "aor", neg=True) == "he doesn't eat"
    assert english.en_clause("they", 5, eat, "past", question=True) == "did they eat"
    assert english.en_clause("I", 0, go, "pc", neg=True) == "I'm not going"
    assert english.en_clause("this wood", 2, V["yan"].en, "aor", neg=True, wont=True) == "this wood won't burn"
    assert english.en_clause("she", 2, V["yaşa"].en, "pc", stative=True, rest=["in Izmir"]) == "she lives in Izmir"
    assert english.en_be("the house", 2, "big") == "the house is big"
    assert english.en_be("you", 1, "at home", past=True, question=True) == "were you at home"
    assert [english.a_or_an(w) for w in ("apple", "umbrella", "pear", "old car")] == ["an", "an", "a", "an"]


def test_noun_phrases_agree_in_both_languages():
    three = phrases.np_noun(N["elma"], "num", number=3)
    assert (three.tr("acc"), three.en) == ("üç elma", "three apples")  # Turkish counts with the singular
    mine = phrases.np_noun(N["kitap"], "poss", poss=0, plural=True)
    assert (mine.tr("acc"), mine.en) == ("kitaplarımı", "my books")
    alis = phrases.np_noun(N["kedi"], "owner", owner=phrases.np_noun(N["Ali"], "the"))
    assert (alis.tr("dat"), alis.en) == ("Ali'nin kedisine", "Ali's cat")
    shoes = phrases.np_noun(N["ayakkabı"], "a")
    assert (shoes.tr(), shoes.en) == ("bir çift ayakkabı", "a pair of shoes")
