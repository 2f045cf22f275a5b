"""training.metrics: the scoring that validation, the test split and training.evaluate share."""

from __future__ import annotations

from training import metrics


def test_corpus_scores_are_sacrebleus():
    references = ["The cat is sleeping.", "This wood won't burn."]
    assert metrics.corpus_scores(references, references) == {"bleu": 100.0, "chrf": 100.0}
    worse = metrics.corpus_scores(["The dog is sleeping.", "This wood burns."], references)
    assert 0 < worse["bleu"] < 100 and 0 < worse["chrf"] < 100


def test_with_delta_and_the_results_table():
    results = metrics.with_delta(
        {"bleu": 10.0, "chrf": 30.5, "samples": 4}, {"bleu": 25.25, "chrf": 40.0, "samples": 4}
    )
    assert results["delta"] == {"bleu": 15.25, "chrf": 9.5}
    table = metrics.results_table(
        {"base": results["base"], "fine-tuned": results["finetuned"], "delta": results["delta"]}
    )
    assert table.splitlines() == [
        "               BLEU    chrF",
        "base          10.00   30.50",
        "fine-tuned    25.25   40.00",
        "delta        +15.25   +9.50",
    ]
