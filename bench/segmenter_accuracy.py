"""Accuracy of sentence segmenters on the Turkish boundary test set (tests/data/turkish_sentences.jsonl).

    python -m bench.segmenter_accuracy            # every candidate that is installed
    python -m bench.segmenter_accuracy --show-errors

A case is right when the segmenter returns exactly its sentences; boundary precision and recall
count the cut points (positions between non-space characters), so a segmenter that misses one cut
in a three-sentence case still gets credit for the other.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

TEST_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "turkish_sentences.jsonl"

Segmenter = Callable[[str], list[str]]


def load_cases(path: Path = TEST_SET) -> list[tuple[str, str, list[str]]]:
    """(name, text, expected sentences); a case without "text" is its sentences joined by spaces."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        cases.append((row["case"], row.get("text", " ".join(row["sentences"])), row["sentences"]))
    return cases


def candidates() -> dict[str, Segmenter]:
    """Each installed library with its Turkish setting (or the nearest it has), and this project's segmenter."""
    found: dict[str, Segmenter] = {}
    try:
        from sentencex import segment

        found[f"sentencex {version('sentencex')} (tr)"] = lambda text: list(segment("tr", text))
    except ImportError:
        pass
    try:
        from sentence_splitter import SentenceSplitter

        splitter = SentenceSplitter(language="tr")
        found[f"sentence-splitter {version('sentence-splitter')} (tr)"] = splitter.split
    except ImportError:
        pass
    try:
        import pysbd

        # pysbd has no Turkish; English rules are the closest it offers.
        english = pysbd.Segmenter(language="en", clean=False)
        found[f"pysbd {version('pysbd')} (en, no tr)"] = english.segment
    except ImportError:
        pass
    try:
        from syntok import segmenter as syntok_segmenter

        def syntok_split(text: str) -> list[str]:
            return [
                "".join(t.spacing + t.value for t in sentence)
                for paragraph in syntok_segmenter.process(text)
                for sentence in paragraph
            ]

        found[f"syntok {version('syntok')} (no language setting)"] = syntok_split
    except ImportError:
        pass
    try:
        import blingfire

        def blingfire_split(text: str) -> list[str]:
            return blingfire.text_to_sentences(text).split("\n")

        found[f"blingfire {version('blingfire')} (no language setting)"] = blingfire_split
    except ImportError:
        pass
    from handler.segmenting import SENTENCE_END
    from handler.sentences import split_sentences

    found["regex of release 0.1 (baseline)"] = SENTENCE_END.split
    found["handler.sentences (sentence-splitter + Turkish prefixes)"] = split_sentences
    return found


def cut_points(sentences: list[str]) -> set[int]:
    """Where one sentence ends, counted in non-space characters from the start."""
    points, position = set(), 0
    for sentence in sentences[:-1]:
        position += len("".join(sentence.split()))
        points.add(position)
    return points


def score(segment: Segmenter, cases: list[tuple[str, str, list[str]]]) -> tuple[int, float, float, list[str]]:
    """(cases right, boundary precision, boundary recall, names of the cases it got wrong)."""
    right, true_cuts, found_cuts, matched, wrong = 0, 0, 0, 0, []
    for name, text, expected in cases:
        got = [s.strip() for s in segment(text) if s and s.strip()]
        if got == expected:
            right += 1
        else:
            wrong.append(f"{name}: {got}")
        want, have = cut_points(expected), cut_points(got)
        true_cuts, found_cuts, matched = true_cuts + len(want), found_cuts + len(have), matched + len(want & have)
    return right, matched / max(1, found_cuts), matched / max(1, true_cuts), wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--test-set", type=Path, default=TEST_SET, help="JSON lines: case, sentences, optional text")
    parser.add_argument("--show-errors", action="store_true", help="print each case a segmenter got wrong")
    args = parser.parse_args(argv)
    if not args.test_set.is_file():
        print(f"no test set at {args.test_set}", file=sys.stderr)
        return 2
    cases = load_cases(args.test_set)
    print(f"{len(cases)} cases, {sum(len(cut_points(s)) for _, _, s in cases)} boundaries")
    print(f"{'segmenter':56} {'cases right':>12} {'precision':>10} {'recall':>8}")
    for label, segment in candidates().items():
        right, precision, recall, wrong = score(segment, cases)
        print(f"{label:56} {right:>5}/{len(cases):<6} {precision:>10.3f} {recall:>8.3f}")
        if args.show_errors:
            for line in wrong:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
