"""Command-line arguments, in the shape of transformers' examples/pytorch/translation/run_translation.py.

Three dataclasses parsed by HfArgumentParser: ModelArguments, DataArguments and TrainingArguments
(Seq2SeqTrainingArguments with this project's defaults: BLEU-driven checkpoints and early stopping,
generation during evaluation, mixed precision on a GPU, Vertex AI's AIP_MODEL_DIR as output).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from transformers import HfArgumentParser, Seq2SeqTrainingArguments

from training.errors import TrainingSetupError
from training.hypertune import tuning_trial

BASE_MODEL = "Helsinki-NLP/opus-mt-tr-en"


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default=BASE_MODEL,
        metadata={"help": "A hub id or a save_pretrained directory of a sequence-to-sequence model."},
    )
    tokenizer_name: str | None = field(
        default=None, metadata={"help": "Tokenizer hub id or directory, if not the model's own."}
    )
    cache_dir: str | None = field(default=None, metadata={"help": "Where downloads from the hub are cached."})


@dataclass
class DataArguments:
    source_lang: str = field(default="tr", metadata={"help": "Source language key in `translation`."})
    target_lang: str = field(default="en", metadata={"help": "Target language key in `translation`."})
    dataset_name: str | None = field(
        default=None, metadata={"help": "A datasets hub id (e.g. wmt16) or local dataset directory."}
    )
    dataset_config_name: str | None = field(default=None, metadata={"help": "The dataset config, e.g. tr-en."})
    train_file: str | None = field(
        default=None, metadata={"help": 'JSON lines file of {"translation": {"tr": ..., "en": ...}} rows.'}
    )
    validation_file: str | None = field(
        default=None, metadata={"help": "JSON lines validation file: scored during training (BLEU)."}
    )
    test_file: str | None = field(
        default=None,
        metadata={"help": "JSON lines test file: base and fine-tuned model are scored on it (default: validation)."},
    )
    max_source_length: int = field(default=128, metadata={"help": "Source tokens kept per example (truncation)."})
    max_target_length: int = field(default=128, metadata={"help": "Target tokens kept per training example."})
    val_max_target_length: int | None = field(
        default=None,
        metadata={"help": "Longest generated translation when evaluating (default: --max_target_length)."},
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "Use only the first N training pairs."})
    max_eval_samples: int | None = field(default=None, metadata={"help": "Use only the first N validation pairs."})
    max_predict_samples: int | None = field(default=None, metadata={"help": "Use only the first N test pairs."})
    preprocessing_num_workers: int | None = field(
        default=None, metadata={"help": "Processes for tokenizing the dataset."}
    )


@dataclass
class TrainingArguments(Seq2SeqTrainingArguments):
    """Seq2SeqTrainingArguments with the defaults a translation fine-tuning run wants here."""

    output_dir: str | None = field(
        default=None,
        metadata={
            "help": "Local directory or gs:// URI for the model, checkpoints and results (default: $AIP_MODEL_DIR)."
        },
    )
    eval_strategy: str = field(
        default="steps", metadata={"help": "When to score the validation split: steps or epoch."}
    )
    eval_steps: float | None = field(default=500, metadata={"help": "Update steps between validation scores."})
    save_strategy: str = field(default="steps", metadata={"help": "When to checkpoint; must match --eval_strategy."})
    save_steps: float | None = field(
        default=None, metadata={"help": "Update steps between checkpoints (default: --eval_steps)."}
    )
    save_total_limit: int | None = field(default=2, metadata={"help": "Checkpoints kept (the best one always is)."})
    logging_steps: float = field(default=50, metadata={"help": "Update steps between training-loss log entries."})
    load_best_model_at_end: bool = field(default=True, metadata={"help": "Finish with the best validation checkpoint."})
    metric_for_best_model: str | None = field(default="bleu", metadata={"help": "Validation metric that picks it."})
    predict_with_generate: bool = field(default=True, metadata={"help": "Generate translations to score BLEU/chrF."})
    report_to: None | str | list[str] = field(default="none", metadata={"help": "Experiment trackers to log to."})
    early_stopping_patience: int = field(
        default=5, metadata={"help": "Stop after this many validation scores without a BLEU gain (0: never)."}
    )
    max_train_minutes: float | None = field(
        default=None,
        metadata={
            "help": "Stop training after this many minutes, with a validation score and checkpoint of the last "
            "step; the best checkpoint is still the one kept."
        },
    )
    warmup_ratio: float = field(
        default=0.0,
        metadata={"help": "Linear warmup over this fraction of the training steps (--warmup_steps wins when set)."},
    )
    report_hypertune: bool | None = field(
        default=None,
        metadata={
            "help": "Write validation BLEU where Vertex's hyperparameter tuning reads it (CLOUD_ML_HP_METRIC_FILE; "
            "default: inside a tuning trial, when CLOUD_ML_TRIAL_ID is set)."
        },
    )
    auto_mixed_precision: bool = field(
        default=True,
        metadata={"help": "On a GPU without --fp16/--bf16, train in bf16 where supported, else fp16; CPUs stay fp32."},
    )

    def __post_init__(self) -> None:
        self.output_dir = self.output_dir or os.environ.get("AIP_MODEL_DIR")
        if not self.output_dir:
            raise TrainingSetupError("no output directory: pass --output_dir or set AIP_MODEL_DIR")
        if self.save_steps is None:
            self.save_steps = self.eval_steps
        if self.warmup_ratio and not self.warmup_steps and "warmup_ratio" not in _PARENT_FIELDS:
            # transformers 5 folds the ratio into --warmup_steps (a float below 1); 4.x has its own
            # warmup_ratio. The flag works with both, as vertex.tune_job passes it.
            self.warmup_steps = self.warmup_ratio
        if self.report_hypertune is None:
            self.report_hypertune = tuning_trial()
        if not self.use_cpu and not has_accelerator():
            # Without it, torchrun on a CPU-only machine starts N unrelated copies instead of DDP over gloo.
            self.use_cpu = True
        if self.auto_mixed_precision and not (self.fp16 or self.bf16 or self.use_cpu):
            self.bf16, self.fp16 = _gpu_half_precision()
        super().__post_init__()


_PARENT_FIELDS = {f.name for f in fields(Seq2SeqTrainingArguments)}


def has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available() or torch.backends.mps.is_available()


def mixed_precision(cuda: bool, bf16_supported: bool) -> tuple[bool, bool]:
    """(bf16, fp16): bf16 on GPUs that have it (Ampere and newer), fp16 on older ones (V100), fp32 on CPU."""
    if not cuda:
        return False, False
    return (True, False) if bf16_supported else (False, True)


def _gpu_half_precision() -> tuple[bool, bool]:
    """mixed_precision() for this machine."""
    import torch
    from transformers.utils import is_torch_bf16_gpu_available

    cuda = torch.cuda.is_available()
    return mixed_precision(cuda, cuda and is_torch_bf16_gpu_available())


def argument_parser() -> HfArgumentParser:
    return HfArgumentParser(
        (ModelArguments, DataArguments, TrainingArguments),
        prog="python -m training.finetune",
        description="Fine-tune a sequence-to-sequence model for translation (Seq2SeqTrainer); "
        "the flags follow transformers' examples/pytorch/translation/run_translation.py.",
    )


def parse_args(argv: list[str] | None = None) -> tuple[ModelArguments, DataArguments, TrainingArguments]:
    """Parse the command line; argument combinations the Trainer rejects become TrainingSetupError."""
    try:
        model_args, data_args, training_args = argument_parser().parse_args_into_dataclasses(args=argv)
    except ValueError as e:
        raise TrainingSetupError(" ".join(str(e).split())) from e
    if data_args.val_max_target_length is None:
        data_args.val_max_target_length = data_args.max_target_length
    if training_args.generation_max_length is None:
        # Without it, generation runs to the model's max_length (512 for opus-mt) while evaluating.
        training_args.generation_max_length = data_args.val_max_target_length
    return model_args, data_args, training_args


# Flags whose check needs the machine the job runs on (a GPU): check_args leaves them to it.
DEVICE_FLAGS = ("--fp16", "--bf16", "--tf32", "--half_precision_backend", "--fp16_full_eval", "--bf16_full_eval")


def check_args(argv: list[str]) -> None:
    """Refuse, with TrainingSetupError, arguments the trainer would refuse, without a GPU or the data.

    For submitting jobs: flag names, types and choices are checked by the trainer's own parser,
    and the argument combinations by its dataclasses (with a stand-in output directory, which
    Vertex gives the job as AIP_MODEL_DIR), unless device-dependent flags are among them.
    """
    parser = argument_parser()

    def refuse(message: str) -> None:
        raise TrainingSetupError(f"the trainer refuses its arguments: {message}")

    parser.error = refuse  # argparse would print the usage and exit
    parser.parse_args(argv)
    if any(arg.split("=")[0] in DEVICE_FLAGS for arg in argv):
        return
    previous = os.environ.get("AIP_MODEL_DIR")
    os.environ["AIP_MODEL_DIR"] = previous or "gs://stand-in/model"
    try:
        parse_args(argv)
    except TrainingSetupError as e:
        refuse(str(e))
    finally:
        if previous is None:
            del os.environ["AIP_MODEL_DIR"]


def main(argv: list[str] | None = None) -> int:
    """`python -m training.args TRAINER_ARGS...`: exit 0 if the trainer would accept them, else say why (exit 2)."""
    import sys

    try:
        check_args(sys.argv[1:] if argv is None else argv)
    except TrainingSetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
