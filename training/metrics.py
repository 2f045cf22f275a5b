"""Scoring: BLEU and chrF with sacrebleu, on detokenized text as sacrebleu intends.

The one place scores are made, for the Trainer's validation (make_compute_metrics), the test
split before and after fine-tuning (score_split) and `python -m training.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sacrebleu
from datasets import Dataset
from transformers import EvalPrediction, Seq2SeqTrainer

# Generated and label ids are padded with -100 between batches; it is not a token id.
IGNORE_INDEX = -100


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU and chrF (0-100), rounded as they are reported."""
    hypotheses, references = list(hypotheses), list(references)
    return {
        "bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2),
        "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 2),
    }


def decode(tokenizer: Any, ids: np.ndarray | Sequence[Sequence[int]]) -> list[str]:
    ids = np.where(np.asarray(ids) == IGNORE_INDEX, tokenizer.pad_token_id, ids)
    return [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]


def make_compute_metrics(tokenizer: Any) -> Callable[[EvalPrediction], dict[str, float]]:
    """The Trainer's compute_metrics: BLEU/chrF of generated ids against the label ids, decoded."""

    def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
        predictions = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        return corpus_scores(decode(tokenizer, predictions), decode(tokenizer, prediction.label_ids))

    return compute_metrics


def score_split(trainer: Seq2SeqTrainer, tokenized: Dataset, references: list[str]) -> tuple[dict[str, Any], list[str]]:
    """({"bleu", "chrf", "samples"}, translations) of the trainer's model on a tokenized split."""
    output = trainer.predict(tokenized, metric_key_prefix="test")
    # Under DDP the gathered predictions may repeat a few rows to even out the ranks.
    hypotheses = decode(trainer.processing_class, output.predictions)[: len(references)]
    return {**corpus_scores(hypotheses, references), "samples": len(references)}, hypotheses


def with_delta(base: dict[str, Any], finetuned: dict[str, Any]) -> dict[str, Any]:
    return {
        "base": base,
        "finetuned": finetuned,
        "delta": {metric: round(finetuned[metric] - base[metric], 2) for metric in ("bleu", "chrf")},
    }


def results_table(rows: dict[str, dict[str, Any]]) -> str:
    """A small text table of BLEU/chrF rows; a "delta" row is shown signed."""
    width = max(len(name) for name in rows)
    lines = [f"{'':{width}}   {'BLEU':>6}  {'chrF':>6}"]
    for name, scores in rows.items():
        sign = "+" if name == "delta" else ""
        lines.append(f"{name:{width}}   {scores['bleu']:{sign}6.2f}  {scores['chrf']:{sign}6.2f}")
    return "\n".join(lines)
