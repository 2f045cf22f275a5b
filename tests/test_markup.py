"""The markup stage (handler/markup): protected spans, HTML, Markdown, placement by alignment, the parameters.

Placement is tested with hand-written and random alignments (what a backend gives), the service with
the tiny model (a random model: its words mean nothing, but every tag and placeholder must come back).
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from bench.markup_quality import check_html, check_markdown, check_protected, load_cases
from handler.backends.base import GenerationParams, Hypothesis, piece_words
from handler.errors import ServingError
from handler.markup import html, prepare
from handler.markup.protect import Protector
from handler.parameters import parse_all
from handler.service import TranslationService

CASES = load_cases()


def translate_words(sentence: str, words: list[str] | None = None, alignment: tuple[int, ...] | None = None):
    """A hypothesis: the given target words (default: the source's, upper-cased) and their alignment."""
    source = sentence.split()
    words = words if words is not None else [w.upper() for w in source]
    alignment = alignment if alignment is not None else tuple(range(len(words)))
    return Hypothesis(" ".join(words), len(words), None, alignment)


def render(text: str, mime: str = "text/html", hypothesis=translate_words, **kwargs) -> str:
    document = prepare(text, mime, **kwargs)
    return document.render([hypothesis(s) for s in document.sentences])


def random_hypothesis(rng: random.Random):
    """Target words in a shuffled order, some dropped or repeated, each aligned with a random source word."""

    def make(sentence: str) -> Hypothesis:
        source = sentence.split()
        # Never empty: a sentence that comes back empty is the backend's failure (service.py checks it).
        words = [w.lower() for w in source if rng.random() > 0.2] + ["extra"] * rng.randrange(1, 3)
        rng.shuffle(words)
        return Hypothesis(" ".join(words), len(words), None, tuple(rng.randrange(len(source)) for _ in words))

    return make


# ----------------------------------------------------------------------------- parameters


def test_mime_type_and_protection_parameters(settings):
    params, options = parse_all(
        {"mime_type": "text/html", "protect_spans": False, "glossary": {"Vertex": "Vertex AI"}},
        GenerationParams(),
        settings,
    )
    assert (options.mime_type, options.protect_spans, options.glossary) == (
        "text/html",
        False,
        (("Vertex", "Vertex AI"),),
    )
    assert parse_all(None, GenerationParams(), settings)[1].mime_type == "text/plain"


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"mime_type": "text/xml"}, "parameters.mime_type must be one of text/plain, text/html, text/markdown"),
        ({"mime_type": 3}, "parameters.mime_type must be one of"),
        ({"protect_spans": "yes"}, "parameters.protect_spans must be true or false"),
        ({"glossary": ["Vertex"]}, "parameters.glossary must be an object"),
        ({"glossary": {"Vertex": 1}}, 'parameters.glossary["Vertex"] must be a string'),
        ({"glossary": {" ": "x"}}, "parameters.glossary has an empty term"),
        ({"glossary": {"a" * 101: "x"}}, "has 101 characters, the limit is 100"),
        ({"glossary": {f"t{i}": "x" for i in range(201)}}, "parameters.glossary has 201 entries, the limit is 200"),
        ({"glossary": {"a\nb": "x"}}, "holds a control character"),
    ],
)
def test_bad_markup_parameters_are_400s_naming_the_problem(settings, raw, message):
    with pytest.raises(ServingError) as e:
        parse_all(raw, GenerationParams(), settings)
    assert e.value.status == 400 and message in e.value.message


# ----------------------------------------------------------------------------- protected spans


@pytest.mark.parametrize(
    "text, spans",
    [
        ("Merhaba {name}, 3 yeni mesaj.", ["{name}"]),
        ("{{ user.name }} ve {{x}}", ["{{ user.name }}", "{{x}}"]),
        ("%s %d %1$s %(user)s %.2f %5d %%", ["%s", "%d", "%1$s", "%(user)s", "%.2f", "%5d", "%%"]),
        ("${HOME} ve {}", ["${HOME}", "{}"]),
        ("Bkz. https://example.com/a?b=1&c=2.", ["https://example.com/a?b=1&c=2"]),
        ("(https://example.com/a_(b)) www.example.com.tr", ["https://example.com/a_(b)", "www.example.com.tr"]),
        ("Yazın: ali.veli+tr@example.com.tr.", ["ali.veli+tr@example.com.tr"]),
        ("İndirim %50 ve %50'si, %100e kadar", []),
    ],
)
def test_protected_patterns(text, spans):
    assert [value for _, _, value in Protector(True).spans(text)] == spans


@pytest.mark.parametrize(
    "text, found",
    [
        ("Vertex'te çalışır, TorchServe’ün içinde.", ["Vertex AI", "TorchServe"]),
        ("VERTEX ve vertex", ["Vertex AI", "Vertex AI"]),
        ("Vertexler ve AVertex", []),
        ("İzmir ve izmir ve IZMIR", ["Smyrna", "Smyrna"]),  # IZMIR: I is the capital of ı, not of i
        ("ışık ve IŞIK ve işik", ["light", "light"]),
    ],
)
def test_glossary_terms_are_whole_words_with_turkish_case_and_suffixes(text, found):
    glossary = (("Vertex", "Vertex AI"), ("TorchServe", "TorchServe"), ("İzmir", "Smyrna"), ("ışık", "light"))
    assert [value for _, _, value in Protector(False, glossary).spans(text)] == found


def test_placeholders_come_back_exactly_in_plain_text():
    text = "Merhaba {name}, 3 yeni mesajınız var.\n%1$s dosyası %d kez açıldı. Bkz. https://example.com/a."
    document = prepare(text)
    assert document.sentences == ("Merhaba, 3 yeni mesajınız var.", "dosyası kez açıldı.", "Bkz..")
    out = document.render([translate_words(s) for s in document.sentences])
    assert out == "MERHABA {name}, 3 YENI MESAJINIZ VAR.\n%1$s DOSYASI %d KEZ AÇILDI. BKZ. https://example.com/a."


def test_protect_spans_false_translates_them_as_words():
    assert prepare("Merhaba {name}.", protect_spans=False).sentences == ("Merhaba {name}.",)
    assert prepare("Merhaba dünya.").needs_alignment is False  # nothing protected: plain text as before


def test_a_placeholder_goes_after_the_target_word_aligned_with_the_word_before_it():
    document = prepare("Dosya %s bulunamadı.")
    (sentence,) = document.sentences
    # "The file was not found.": "file" aligned with "Dosya", the rest with "bulunamadı."
    hypothesis = Hypothesis("The file was not found.", 5, None, (0, 0, 1, 1, 1))
    assert document.render([hypothesis]) == "The file %s was not found."


def test_protected_spans_survive_any_alignment():
    rng = random.Random(7)
    for text in CASES["placeholders"]:
        for _ in range(5):
            out = render(text, "text/plain", random_hypothesis(rng))
            assert check_protected(text, out) == [], (text, out)


def test_glossary_term_comes_back_as_the_english_term():
    out = render("Model Vertex'te çalışıyor.", "text/plain", glossary=(("Vertex", "Vertex AI"),))
    assert out.count("Vertex AI") == 1 and "Vertex'te" not in out


# ----------------------------------------------------------------------------- HTML


def test_inline_tags_wrap_the_aligned_words():
    document = prepare("<p>Bu <b>odun</b> yanmaz.</p>", "text/html")
    assert document.sentences == ("Bu odun yanmaz.",)
    hypothesis = Hypothesis("This wood won't burn.", 5, None, (0, 1, 2, 2))
    assert document.render([hypothesis]) == "<p>This <b>wood</b> won't burn.</p>"


def test_reordered_words_take_their_tags_along():
    document = prepare("<p><i>Dün</i> <b>Ali</b> geldi.</p>", "text/html")
    hypothesis = Hypothesis("Ali came yesterday.", 3, None, (1, 2, 0))
    assert document.render([hypothesis]) == "<p><b>Ali</b> came <i>yesterday</i>.</p>"


def test_a_tag_without_aligned_words_comes_back_empty_not_dropped():
    document = prepare('<p>Bu <a href="/x">odun</a> yanmaz.</p>', "text/html")
    hypothesis = Hypothesis("It won't burn.", 4, None, (0, 2, 2))  # nothing aligned with "odun"
    assert document.render([hypothesis]) == '<p>It <a href="/x"></a> won\'t burn.</p>'


def test_fragment_stays_a_fragment_and_a_document_a_document():
    assert render("<p>Elma nerede?</p>") == "<p>ELMA NEREDE?</p>"
    page = '<!-- c --><!DOCTYPE html><html lang="tr"><head><title>Elma</title></head><body><p>Kedi</p></body></html>'
    assert render(page) == page.replace("Elma", "ELMA").replace("Kedi", "KEDI")


def test_entities_stay_escaped_and_untouched_parts_stay_as_they_were():
    source = (
        '<p>3 &lt; 5 &amp; Elma</p><script>if (a < b) {}</script><pre>Bu  odun</pre><p translate="no">Elma</p>'
        '<p class="a notranslate">Elma</p><textarea>Elma</textarea><p>Kurulum <code>make serve</code> bitti</p>'
    )
    out = render(source)
    assert out == (
        '<p>3 &lt; 5 &amp; ELMA</p><script>if (a < b) {}</script><pre>Bu  odun</pre><p translate="no">Elma</p>'
        '<p class="a notranslate">Elma</p><textarea>Elma</textarea><p>KURULUM <code>make serve</code> BITTI</p>'
    )


def test_only_readable_attributes_are_translated():
    out = render('<img src="elma.png" alt="Bir elma" title="Elma" data-x="elma"><input placeholder="Ara" name="q">')
    assert out == '<img src="elma.png" alt="BIR ELMA" title="ELMA" data-x="elma"><input placeholder="ARA" name="q">'


@pytest.mark.parametrize(
    "source", ["<p>a <b>b <i>c</b> d", "</p><p>x", "<<<>>>", "<table><td>x<p>y</table>", "&#xD800;x"]
)
def test_malformed_html_is_repaired_not_refused(source):
    out = render(source)
    assert html.serialize(html.parse(out)) == out


def test_every_html_case_keeps_its_structure_under_any_alignment():
    rng = random.Random(11)
    for source in CASES["html"]:
        for _ in range(3):
            out = render(source, "text/html", random_hypothesis(rng))
            assert check_html(source, out) == [], (source, out)


def test_case_set_is_as_large_as_promised():
    assert len(CASES["html"]) >= 30 and len(CASES["markdown"]) >= 15 and len(CASES["placeholders"]) >= 30


# ----------------------------------------------------------------------------- Markdown


def test_markdown_keeps_its_markers():
    source = (
        "---\ntitle: Elma\n---\n# Başlık *bir*\n\n3. Bir\n4. İki\n   - iç\n\n> Alıntı\n> devam.\n\n"
        '| A | B |\n|---|---|\n| Elma | Kedi |\n\n```\nkod\n```\n\nBu [odun](http://a.b/ğ "t") `x` yanmaz.\n'
    )
    assert render(source, "text/markdown") == (
        "---\ntitle: Elma\n---\n# BAŞLIK *BIR*\n\n3. BIR\n4. İKI\n   - IÇ\n\n> ALINTI DEVAM.\n\n"
        '| A | B |\n|---|---|\n| ELMA | KEDI |\n\n```\nkod\n```\n\nBU [ODUN](http://a.b/ğ "t") `x` YANMAZ.\n'
    )


def test_every_markdown_case_keeps_its_structure_under_any_alignment():
    rng = random.Random(5)
    for source in CASES["markdown"]:
        for _ in range(3):
            out = render(source, "text/markdown", random_hypothesis(rng))
            assert check_markdown(source, out) == [], (source, out)


# ----------------------------------------------------------------------------- alignment from the backends


def test_piece_words_follow_sentencepiece_word_starts():
    assert piece_words(["▁Bu", "▁od", "un", "▁", "<unk>", ".", "</s>"], {"</s>"}) == [0, 1, 1, 2, 2, 2, -1]


@pytest.mark.parametrize("name", ["tiny_backend", "tiny_ct2_backend"])
def test_backends_align_every_target_word_with_a_source_word(request, name):
    backend = request.getfixturevalue(name)
    texts = ["Bu odun yanmaz.", "Emre ve Elif dün akşam ormanda yürüdü."]
    for text, (hypothesis, *_) in zip(texts, backend.generate(texts, GenerationParams(2, 12, 2), alignments=True)):
        assert hypothesis.alignment is not None
        assert len(hypothesis.alignment) == len(hypothesis.text.split())
        assert all(0 <= a < len(text.split()) for a in hypothesis.alignment)
    assert all(h.alignment is None for row in backend.generate(texts, GenerationParams(1, 8, 1)) for h in row)


# ----------------------------------------------------------------------------- through the service


def body(instances, **parameters) -> bytes:
    return json.dumps({"instances": instances, "parameters": parameters}).encode()


def test_html_through_the_service_with_details(tiny_backend, settings):
    service = TranslationService(tiny_backend, settings)
    source = '<p>Bu <b class="x">odun</b> yanmaz. Merhaba {name}.</p><ul><li><a href="/e">Elma</a> nerede?</li></ul>'
    (reply,) = service.handle_batch([body([source], mime_type="text/html", return_details=True, max_new_tokens=8)])
    assert reply.status == 200, reply.body
    (prediction,) = reply.body["predictions"]
    assert check_html(source, prediction["translation"]) == []
    assert [s["source"] for s in prediction["sentences"]] == ["Bu odun yanmaz.", "Merhaba.", "Elma nerede?"]
    assert all("<" not in s["translation"] for s in prediction["sentences"])


def test_a_bad_request_does_not_fail_the_markup_requests_beside_it(tiny_backend, settings):
    service = TranslationService(tiny_backend, settings)
    replies = service.handle_batch(
        [
            body(["<p>Bu <b>odun</b></p>"], mime_type="text/html", max_new_tokens=6),
            body(["x"], mime_type="text/rtf"),
            body(["# Elma *nerede*"], mime_type="text/markdown", max_new_tokens=6),
            body(["{a} {b}"], max_new_tokens=6),
        ]
    )
    assert [r.status for r in replies] == [200, 400, 200, 200]
    assert replies[0].body["predictions"][0].count("<b>") == 1
    assert replies[2].body["predictions"][0].startswith("# ")
    assert replies[3].body["predictions"][0] == "{a} {b}"  # nothing left to translate: as it was


def test_markup_over_the_text_limit_is_a_413_naming_it(tiny_backend, settings):
    service = TranslationService(tiny_backend, settings)
    text = "<p>" + "<b>a</b>" * (settings.max_text_chars // 8) + "</p>"
    (reply,) = service.handle_batch([body([text], mime_type="text/html")])
    assert reply.status == 413
    assert "(text/html, markup included)" in reply.body["error"]


def test_cached_translations_without_alignment_are_aligned_when_markup_asks(tiny_backend, settings):
    service = TranslationService(tiny_backend, settings)
    plain, marked = service.handle_batch([body(["Bu odun yanmaz."], max_new_tokens=6)])[0], None
    marked = service.handle_batch([body(["<p>Bu <b>odun</b> yanmaz.</p>"], mime_type="text/html", max_new_tokens=6)])[0]
    assert plain.status == marked.status == 200
    assert Counter(marked.body["predictions"][0].split("<b>"))  # the tag is back
    assert marked.body["predictions"][0].count("<b>") == 1
    assert "".join(html.parse(marked.body["predictions"][0]).itertext()).split() == plain.body["predictions"][0].split()
