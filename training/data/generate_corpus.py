"""Generate the project's own small Turkish–English parallel corpus (train/validation/test JSON lines).

    python -m training.data.generate_corpus               # rewrites the shipped files in this folder
    python -m training.data.generate_corpus --out-dir /tmp/corpus --seed 7 --train-size 5000

Every sentence pair comes from a template grammar over a hand-written lexicon: the Turkish side is
built with rules for vowel harmony, consonant alternation, buffer consonants, case, possession and
person agreement; the English side is built in parallel from the same choices. The output is
deterministic: the same seed and sizes give byte-identical files. See README.md in this folder.

The grammar lives in the package's other modules, one per part: phonology, lexicon, turkish
(morphology), english (forms), phrases (noun phrases) and the clauses package (sentence families); this one
draws the corpus from them and writes it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from training.data.clauses.activities import activity_clause, early_late_clause, motion_clause
from training.data.clauses.compound import (
    and_clause,
    because_clause,
    but_clause,
    coordinated_subject_clause,
    shopping_list_clause,
)
from training.data.clauses.nature import animal_fact_clause, language_clause, property_clause, weather_clause
from training.data.clauses.questions import wh_clause, what_is_this
from training.data.clauses.sentence import Clause, Pair, finish
from training.data.clauses.stative import (
    adjective_clause,
    afraid_clause,
    existential_clause,
    have_clause,
    location_clause,
    occupation_clause,
    stative_clause,
    want_to_clause,
)
from training.data.clauses.transitive import dative_clause, ditransitive_clause, homework_clause, transitive_clause

DEFAULT_SEED = 20240611
DEFAULT_SIZES = {"train": 3000, "validation": 250, "test": 250}
SPLITS = ("train", "validation", "test")
# The pair the serving examples and the README use; it is always in train.
FORCED_TRAIN_PAIR = ("Bu odun yanmaz.", "This wood won't burn.")

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
        help="folder for the three files (default: this package's folder, training/data)",
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
