"""BLEU and chrF with sacrebleu, on detokenized text as sacrebleu intends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sacrebleu
from transformers import EvalPrediction

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
