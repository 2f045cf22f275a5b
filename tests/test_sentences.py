"""Sentence segmentation: the Turkish boundary test set, and the layout a translation comes back in."""

from __future__ import annotations

import pytest

from bench.segmenter_accuracy import candidates, load_cases, score
from handler.sentences import Document, split_document, split_sentences, whole_text

CASES = load_cases()


@pytest.mark.parametrize("name, text, expected", CASES, ids=[name for name, _, _ in CASES])
def test_every_case_of_the_turkish_set_is_split_right(name, text, expected):
    assert split_sentences(text) == expected


def test_the_accuracy_script_scores_a_segmenter_that_never_splits_below_ours():
    never = score(lambda text: [text], CASES)
    ours = score(candidates()["handler.sentences (sentence-splitter + Turkish prefixes)"], CASES)
    assert ours[:3] == (len(CASES), 1.0, 1.0)
    # Only the one-sentence cases are right for a segmenter that never splits, and it finds no cut.
    assert never[0] == sum(len(s) == 1 for _, _, s in CASES) and never[2] == 0.0


def test_line_breaks_and_blank_lines_come_back_as_they_were():
    document = split_document("\nBaşlık\n\n  Bu bir paragraf.  İkinci cümle. \r\nSon.\n")
    assert document.sentences == ("Başlık", "Bu bir paragraf.", "İkinci cümle.", "Son.")
    assert document.join(["Title", "A paragraph.", "Second.", "End."]) == ("\nTitle\n\nA paragraph. Second.\r\nEnd.\n")


def test_an_empty_translation_leaves_no_stray_space_and_keeps_line_breaks():
    document = split_document("Bir. İki. Üç.\nDört.")
    assert document.join(["One.", "", "Three.", "Four."]) == "One. Three.\nFour."
    assert document.join(["", "Two.", "", ""]) == "Two.\n"


def test_a_text_kept_whole_is_one_segment():
    assert whole_text(" Bir. İki.\n") == Document((" Bir. İki.\n",), ("", ""))
    assert whole_text(" Bir. İki.\n").join([" One. Two. "]) == "One. Two."
