"""Load the model to fine-tune or evaluate: a sequence-to-sequence model and its tokenizer, or one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel
from transformers.models.auto.modeling_auto import MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES

from training.errors import TrainingSetupError, first_line


def load_seq2seq(
    name: str, tokenizer_name: str | None = None, cache_dir: str | None = None
) -> tuple[PreTrainedModel, Any]:
    """(model, tokenizer) from a hub id or save_pretrained directory; TrainingSetupError if it is not seq2seq."""
    if not Path(name).is_dir() and _looks_like_path(name):
        raise TrainingSetupError(f"model directory {name} does not exist")
    try:
        config = AutoConfig.from_pretrained(name, cache_dir=cache_dir)
    except (OSError, ValueError) as e:
        raise TrainingSetupError(f"cannot load model {name}: {first_line(e)}") from e
    if config.model_type not in MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES:
        raise TrainingSetupError(
            f"{name} is a {config.model_type} model, not a sequence-to-sequence model such as marian"
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_name or name, cache_dir=cache_dir)
        model = AutoModelForSeq2SeqLM.from_pretrained(name, config=config, cache_dir=cache_dir)
    except (OSError, ValueError) as e:
        raise TrainingSetupError(f"cannot load model {name}: {first_line(e)}") from e
    # Marian, like most seq2seq models, averages its loss over the batch and ignores the Trainer's
    # num_items_in_batch, though its forward takes **kwargs. Believing otherwise, the Trainer would
    # multiply loss and gradients by the number of DDP processes and not divide them by
    # --gradient_accumulation_steps.
    model.accepts_loss_kwargs = False
    return model, tokenizer


def _looks_like_path(name: str) -> bool:
    # A hub id is "name" or "owner/name"; anything else can only be meant as a directory.
    return name.startswith((".", "/", "~")) or name.count("/") > 1
