"""How well documents keep their markup: the case set's checks and two rates, per backend, on a real model.

    python -m bench.markup_quality --model-dir artifacts/demo-model
    python -m bench.markup_quality --model-dir artifacts/demo-model --backends transformers --show-errors

(a) markup invariance: over the sentences with inline markup (tests/data/markup_cases.json
"placement"), the share whose translation, tags stripped, equals the plain translation of the same
sentence; beside it the same rate for translating each text node on its own (LibreTranslate's way).
(b) tag placement: over the same spans whose word has a known English word found in the plain
translation, the share where the tag wraps that word (and at most two words besides).
Also: glossary terms back exactly, the case set's structural checks, and markup's CPU cost
(process CPU seconds for the HTML documents against the same content as plain text).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tqdm import tqdm

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "markup_cases.json"
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def load_cases(path: Path = CASES) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- structural checks


def html_nodes(text: str) -> tuple[list[tuple[str, tuple]], list[str]]:
    """(start tags with their kept attributes in document order, kept content: comments and untouched subtrees)."""
    from handler.markup import html

    root = html.parse(text)
    tags: list[tuple[str, tuple]] = []
    kept: list[str] = []

    def walk(node) -> None:  # noqa: ANN001
        for child in node:
            if html.is_comment(child):
                kept.append(html.serialize_node(child))
                continue
            attributes = tuple(sorted((k, v) for k, v in child.attrib.items() if k not in html.TRANSLATED_ATTRIBUTES))
            tags.append((child.tag, attributes))
            if html.untouched(child):
                kept.append(html.serialize_node(child))
            walk(child)

    walk(root)
    return tags, kept


def check_html(source: str, output: str) -> list[str]:
    """What is wrong with `output` as the translation of `source`: [] when nothing."""
    from handler.markup import html

    problems = []
    source_tags, source_kept = html_nodes(source)
    output_tags, output_kept = html_nodes(output)
    if Counter(source_tags) != Counter(output_tags):
        problems.append(f"start tags differ: {sorted(set(source_tags) ^ set(output_tags))}")
    blocks = [t for t, _ in source_tags if t not in html.INLINE]
    if blocks != [t for t, _ in output_tags if t not in html.INLINE]:
        problems.append("block elements out of order")
    if html.serialize(html.parse(output)) != output:
        problems.append("not well-formed: a parser repairs it")
    if source_kept != output_kept:
        problems.append("protected content changed")
    if html.is_document(source) != html.is_document(output):
        problems.append("fragment/document changed")
    problems += check_protected(html_text(source), html_text(output))
    return problems


def html_text(text: str) -> str:
    from handler.markup import html

    root = html.parse(text)
    return "".join(root.itertext()) + " ".join(v for n in root.iter() for k, v in n.attrib.items())


def check_protected(source: str, output: str) -> list[str]:
    """Every placeholder, URL and address of the source exactly as often in the output."""
    from handler.markup.protect import Protector

    expected = Counter(value for _, _, value in Protector(True).spans(source))
    problems = []
    for value, count in expected.items():
        if output.count(value) < count:
            problems.append(f"{value!r} {output.count(value)} times, not {count}")
    return problems


def check_markdown(source: str, output: str) -> list[str]:
    from handler.markup.markdown import FRONT_MATTER, parser

    problems = []

    def shape(text: str) -> list[tuple[str, str, Any]]:
        tokens = parser().parse(text[len(m.group(1)) if (m := FRONT_MATTER.match(text)) else 0 :])
        kept = []
        for token in tokens:
            if token.type in ("fence", "code_block", "html_block"):
                kept.append((token.type, token.info, token.content))
            elif token.nesting == 1 or token.type == "hr":
                kept.append(
                    (token.type, token.markup, token.info if token.type != "ordered_list_open" else token.attrs)
                )
            for child in token.children or []:
                if child.type in ("link_open", "image"):
                    kept.append((child.type, child.attrs.get("href") or child.attrs.get("src"), ""))
                elif child.type == "code_inline":
                    kept.append((child.type, child.content, ""))
        return kept

    if shape(source) != shape(output):
        problems.append("blocks, markers, code or link targets changed")
    front = FRONT_MATTER.match(source)
    if front and not output.startswith(front.group(1)):
        problems.append("front matter changed")
    return problems + check_protected(source, output)


# ----------------------------------------------------------------------------- rates


def strip_tags(text: str) -> str:
    from handler.markup import html

    return " ".join("".join(html.parse(text).itertext()).split())


def text_nodes(source: str) -> list[str]:
    """The text nodes of a fragment, as a per-node translator sees them."""
    from handler.markup import html

    root = html.parse(source)
    nodes = []
    for node in root.iter():
        if not html.is_comment(node):
            nodes.extend(t for t in (node.text, node.tail) if t and t.strip())
    return nodes


def rates(service, cases: dict[str, Any], params) -> dict[str, Any]:  # noqa: ANN001
    """Invariance (ours and per text node) and placement over the placement cases."""
    from handler.markup import prepare

    same = same_per_node = placed = known = 0
    misses = []
    for source, word in tqdm(cases["placement"], desc="placement", leave=False):
        plain_source = strip_tags(source)
        plain = service.translate([plain_source], params)[0][0]
        document = prepare(source, "text/html")
        units = service.translate_units(list(document.sentences), params, False, _counts(), True)
        output = document.render([units[s][0] for s in document.sentences])
        same += strip_tags(output) == " ".join(plain.split())
        per_node = " ".join(service.translate(text_nodes(source), params)[i][0] for i in range(len(text_nodes(source))))
        same_per_node += " ".join(per_node.split()) == " ".join(plain.split())
        if re.search(rf"\b{re.escape(word)}\b", plain, re.IGNORECASE):
            known += 1
            inner = re.search(r"<(b|i|em|strong|span|a)\b[^>]*>(.*?)</\1>", output)
            words = WORD.findall(inner.group(2)) if inner else []
            hit = any(w.lower() == word.lower() for w in words) and len(words) <= 3
            placed += hit
            if not hit:
                misses.append((source, output))
    n = len(cases["placement"])
    return {
        "invariance": same / n,
        "invariance_per_text_node": same_per_node / n,
        "placement": placed / max(1, known),
        "placement_cases": known,
        "sentences": n,
        "misplaced": misses,
    }


def glossary_rate(service, cases: dict[str, Any], params) -> tuple[float, int]:  # noqa: ANN001
    """Share of expected glossary terms that come back exactly."""
    from handler.markup import prepare

    found = expected = 0
    for source, glossary, terms in cases["glossary"]:
        document = prepare(source, glossary=tuple(glossary.items()))
        units = service.translate_units(list(document.sentences), params, False, _counts(), True)
        output = document.render([units[s][0] for s in document.sentences])
        for term in terms:
            expected += 1
            found += term in output
    return found / max(1, expected), expected


def structural_failures(service, cases: dict[str, Any], params) -> list[tuple[str, str, list[str]]]:  # noqa: ANN001
    """(source, output, problems) of every case of the set that fails a check."""
    failures = []
    for mime, kind, check in (("text/html", "html", check_html), ("text/markdown", "markdown", check_markdown)):
        for source in cases[kind]:
            output = translate_one(service, source, mime, params)
            problems = check(source, output)
            if problems:
                failures.append((source, output, problems))
    for source in cases["placeholders"]:
        output = translate_one(service, source, "text/plain", params)
        problems = check_protected(source, output)
        if problems:
            failures.append((source, output, problems))
    return failures


def translate_one(service, text: str, mime: str, params) -> str:  # noqa: ANN001
    from handler.markup import prepare

    document = prepare(text, mime)
    units = service.translate_units(list(document.sentences), params, False, _counts(), document.needs_alignment)
    return document.render([units[s][0] for s in document.sentences])


def markup_cost(service, cases: dict[str, Any], params, rounds: int) -> tuple[float, float]:  # noqa: ANN001
    """Process CPU seconds (all threads) for the HTML cases through the service, and for the same sentences as
    plain text; each measured `rounds` times, alternating, without the cache."""
    from handler.markup import prepare
    from handler.vertex_protocol import encode_reply

    documents = [c for c in cases["html"] if prepare(c, "text/html").sentences]
    # The same sentences as plain text, one a line: what the HTML costs beyond its words.
    plain = ["\n".join(prepare(c, "text/html").sentences) for c in documents]
    seconds = {"text/html": 0.0, "text/plain": 0.0}
    service.cache = None  # every round translates again
    for _ in range(rounds):
        for texts, mime in ((documents, "text/html"), (plain, "text/plain")):
            body = encode_reply({"instances": texts, "parameters": {"mime_type": mime}})
            start = time.process_time()
            (reply,) = service.handle_batch([body])
            seconds[mime] += time.process_time() - start
            assert reply.status == 200, reply.body
    return seconds["text/html"] / rounds, seconds["text/plain"] / rounds


def _counts():  # noqa: ANN202
    from handler.metrics import Counts

    return Counts()


def load_service(backend_name: str, model_dir: Path, work: Path):  # noqa: ANN001, ANN201
    from handler.backends import load_backend
    from handler.service import TranslationService
    from handler.settings import load_settings

    if backend_name == "ctranslate2":
        from handler.backends.ctranslate2_backend import CONVERTED_DIR, convert_model

        converted = work / "ct2"
        if not (converted / CONVERTED_DIR / "model.bin").is_file():
            import shutil

            shutil.copytree(model_dir, converted, dirs_exist_ok=True)
            convert_model(model_dir, converted)
        model_dir = converted
    backend = load_backend(backend_name, str(model_dir), "cpu", dtype="float32")
    return TranslationService(backend, load_settings())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.markup_quality",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model-dir", type=Path, default=Path("artifacts/demo-model"))
    parser.add_argument("--backends", nargs="+", default=["transformers", "ctranslate2"])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--cost-rounds", type=int, default=3, help="rounds of the CPU cost measurement (0: skip)")
    parser.add_argument("--show-errors", action="store_true", help="print misplaced tags and failed checks")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not (args.model_dir / "config.json").is_file():
        print(f"{args.model_dir} holds no model (make demo-model)", file=sys.stderr)
        return 2
    cases = load_cases(args.cases)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for name in args.backends:
            service = load_service(name, args.model_dir, Path(work))
            params = service.defaults
            figures = rates(service, cases, params)
            figures["glossary"], figures["glossary_terms"] = glossary_rate(service, cases, params)
            failures = structural_failures(service, cases, params)
            figures["case_failures"] = len(failures)
            if args.cost_rounds:
                figures["cpu_html_s"], figures["cpu_plain_s"] = markup_cost(service, cases, params, args.cost_rounds)
            results[name] = figures
            print(
                f"{name}: invariance {figures['invariance']:.0%} "
                f"(per text node {figures['invariance_per_text_node']:.0%}) "
                f"over {figures['sentences']} sentences; placement {figures['placement']:.0%} over "
                f"{figures['placement_cases']} spans; glossary {figures['glossary']:.0%} "
                f"of {figures['glossary_terms']} terms; case set failures {len(failures)}"
                + (
                    f"; CPU s html {figures['cpu_html_s']:.2f} vs plain {figures['cpu_plain_s']:.2f} "
                    f"({figures['cpu_html_s'] / figures['cpu_plain_s'] - 1:+.0%})"
                    if args.cost_rounds
                    else ""
                )
            )
            if args.show_errors:
                for source, output in figures["misplaced"]:
                    print(f"  misplaced: {source}\n          -> {output}")
                for source, output, problems in failures:
                    print(f"  failed: {source!r}\n      -> {output!r}\n      {problems}")
    if args.json:
        args.json.write_text(
            json.dumps({k: {f: v for f, v in r.items() if f != "misplaced"} for k, r in results.items()}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
