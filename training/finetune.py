"""Fine-tune a MarianMT model (any sequence-to-sequence model) for translation with Seq2SeqTrainer.

    python -m training.finetune --dataset_name wmt16 --dataset_config_name tr-en --output_dir out/opus-mt-tr-en-wmt16
    python -m training.finetune --model_name_or_path DIR --train_file train.jsonl --validation_file val.jsonl \\
        --test_file test.jsonl --output_dir out/run
    torchrun --nproc_per_node 4 -m training.finetune ...      # one process per GPU (DDP)

The base model is scored on the test split (BLEU, chrF) before training and the best checkpoint
(by validation BLEU) after it; both go to <output_dir>/eval_results.json. The output directory is
a save_pretrained model that `make archive MODEL_DIR=<output_dir>` packs as it is. A run restarted
with the same --output_dir resumes from its last checkpoint.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transformers import DataCollatorForSeq2Seq, EarlyStoppingCallback, Seq2SeqTrainer, TrainerCallback, set_seed
from transformers.trainer_utils import get_last_checkpoint

from training.args import DataArguments, ModelArguments, TrainingArguments, parse_args
from training.errors import TrainingSetupError
from training.gcs import GcsMirror, UploadOnSave, is_gcs_uri
from training.hypertune import MetricReporter, ReportValidationBleu
from training.metrics import make_compute_metrics, results_table, score_split, with_delta
from training.model import load_seq2seq
from training.plots import plot_run
from training.splits import load_splits, references, tokenize_splits

RESULTS_NAME = "eval_results.json"
EXAMPLES = 5


class TimeBudget(TrainerCallback):
    """--max_train_minutes: end training once the time is up, scoring and checkpointing the last step.

    Rank 0's clock decides for every rank, so that DDP processes stop at the same step.
    """

    def __init__(self, minutes: float) -> None:
        self.seconds = minutes * 60
        self.started = time.monotonic()

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.monotonic()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        import torch
        import torch.distributed as dist

        over = time.monotonic() - self.started >= self.seconds
        if dist.is_available() and dist.is_initialized():
            flag = torch.tensor(float(over), device=args.device)
            dist.broadcast(flag, src=0)
            over = bool(flag.item())
        if over and state.global_step < state.max_steps:
            if state.is_world_process_zero:
                print(f"\n{self.seconds / 60:g}-minute training budget used up at step {state.global_step}", flush=True)
            control.should_training_stop = True
            scored = [entry["step"] for entry in state.log_history if any(key.startswith("eval_") for key in entry)]
            # A score from a few steps ago is as good as a new one, which takes long on a busy machine.
            recent = scored and state.eval_steps and state.global_step - scored[-1] < state.eval_steps / 2
            control.should_evaluate = args.eval_strategy != "no" and not recent
            control.should_save = args.save_strategy != "no" and not recent


def resume_checkpoint(
    requested: str | None, training_args: TrainingArguments, mirror: GcsMirror | None, staged: list[GcsMirror]
) -> str | None:
    """The checkpoint to resume from: --resume_from_checkpoint (a directory or gs:// URI), else the
    output directory's last one; for a gs:// output, the last one in the bucket."""
    requested_mirror = GcsMirror(requested) if is_gcs_uri(requested) else None
    if requested_mirror:
        staged.append(requested_mirror)
    # One process per machine downloads; the others wait for it, so that every rank resumes alike.
    with training_args.main_process_first(local=True, desc="fetching checkpoints from Cloud Storage"):
        if training_args.local_process_index == 0:
            if requested_mirror:
                requested_mirror.download()
            elif mirror and not requested:
                mirror.restore_checkpoints()
    if requested_mirror:
        requested = str(requested_mirror.local_dir)
    if requested:
        named = training_args.resume_from_checkpoint
        if not Path(requested, "trainer_state.json").is_file():
            problem = "has no trainer_state.json" if Path(requested).is_dir() else "does not exist"
            raise TrainingSetupError(f"checkpoint {named} {problem}")
        return requested
    output = Path(training_args.output_dir)
    return get_last_checkpoint(str(output)) if output.is_dir() else None


def run(
    model_args: ModelArguments,
    data_args: DataArguments,
    training_args: TrainingArguments,
    base_name: str | None = None,
    callbacks: Sequence[TrainerCallback] = (),
) -> dict[str, Any]:
    """Score the base model, fine-tune, score the result; returns what eval_results.json holds.

    Everything that can be wrong with the arguments, data or model raises TrainingSetupError
    before the first training step. `callbacks` are added to the Trainer's.
    """
    set_seed(training_args.seed)
    staged: list[GcsMirror] = []  # local copies of gs:// directories, deleted when the run ends
    mirror = None
    if is_gcs_uri(training_args.output_dir):
        mirror = GcsMirror(training_args.output_dir)
        staged.append(mirror)
        training_args.output_dir = str(mirror.local_dir)
    try:
        return _run(model_args, data_args, training_args, base_name, callbacks, mirror, staged)
    finally:
        if training_args.local_process_index == 0:
            for copy in staged:
                copy.remove_local()


def _run(
    model_args: ModelArguments,
    data_args: DataArguments,
    training_args: TrainingArguments,
    base_name: str | None,
    callbacks: Sequence[TrainerCallback],
    mirror: GcsMirror | None,
    staged: list[GcsMirror],
) -> dict[str, Any]:
    splits = load_splits(data_args)
    model, tokenizer = load_seq2seq(model_args.model_name_or_path, model_args.tokenizer_name, model_args.cache_dir)
    checkpoint = resume_checkpoint(training_args.resume_from_checkpoint, training_args, mirror, staged)
    with training_args.main_process_first(desc="tokenizing"):
        tokenized = tokenize_splits(splits, tokenizer, data_args)

    callbacks = [*callbacks, *([UploadOnSave(mirror)] if mirror else [])]
    reporter = MetricReporter() if training_args.report_hypertune else None
    if reporter:
        callbacks.append(ReportValidationBleu(reporter))
    if training_args.max_train_minutes is not None:
        callbacks.append(TimeBudget(training_args.max_train_minutes))
    if training_args.early_stopping_patience > 0 and training_args.eval_strategy != "no":
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=training_args.early_stopping_patience))
    half = training_args.fp16 or training_args.bf16
    trainer = Seq2SeqTrainer(
        model=model,
        args=training_args,
        # Pads each batch to its longest row; label padding becomes -100, which the loss ignores.
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, pad_to_multiple_of=8 if half else None),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(tokenizer),
        callbacks=callbacks,
    )
    main_process = trainer.is_world_process_zero()
    test_references = references(splits, "test", data_args)

    base, _ = score_split(trainer, tokenized["test"], test_references)
    if main_process:
        print(f"\nbase model on the test split: BLEU {base['bleu']:.2f}  chrF {base['chrf']:.2f}\n", flush=True)
    if checkpoint and main_process:
        staged_here = mirror is not None and Path(checkpoint).parent == mirror.local_dir
        where = f"{mirror.uri}/{Path(checkpoint).name}" if staged_here else checkpoint
        print(f"resuming from {where} (start afresh with a new --output_dir)", flush=True)
    train_result = trainer.train(resume_from_checkpoint=checkpoint)
    # Every rank says how far it got: under DDP they must agree, and the logs show the world.
    print(
        f"rank {training_args.process_index} of {training_args.world_size}: "
        f"{trainer.state.global_step} optimizer steps",
        flush=True,
    )
    trainer.save_model()  # the best checkpoint's weights: load_best_model_at_end
    trainer.save_state()
    finetuned, translations = score_split(trainer, tokenized["test"], test_references)

    sources = [pair[data_args.source_lang] for pair in splits["test"]["translation"]]
    results = {
        "model": base_name or model_args.model_name_or_path,
        "test_split": _describe_test_split(data_args),
        "world_size": training_args.world_size,
        **with_delta(base, finetuned),
        # Relative to the output directory, local or gs://.
        "best_checkpoint": Path(best).name if (best := trainer.state.best_model_checkpoint) else None,
        "best_validation_bleu": trainer.state.best_metric,
        "train": train_result.metrics,
        "examples": [
            {"source": s, "reference": r, "translation": t}
            for s, r, t in list(zip(sources, test_references, translations))[:EXAMPLES]
        ],
    }
    if main_process:
        output = Path(training_args.output_dir)
        (output / RESULTS_NAME).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        shown = mirror.uri if mirror else training_args.output_dir
        plot_run(output, title=f"{shown} (from {results['model']})\ntraining loss and validation BLEU")
        print_results(results)
        if reporter and trainer.state.best_metric is not None:
            # Last line of the metric file: the BLEU of the model this run keeps (the best checkpoint).
            reporter.report(trainer.state.best_metric, trainer.state.global_step)
            print(f"reported validation BLEU {trainer.state.best_metric:.2f} to {reporter.path}")
        if mirror:
            mirror.upload()
            print(f"uploaded to {mirror.uri}")
    return results


def print_results(results: dict[str, Any]) -> None:
    for example in results["examples"]:
        print(f"  {example['source']}\n    -> {example['translation']}\n    (reference: {example['reference']})")
    samples = results["finetuned"]["samples"]
    print(f"\n{results['test_split']}, {samples} sentences")
    rows = {f"base ({results['model']})": results["base"], "fine-tuned": results["finetuned"]}
    print(results_table({**rows, "delta": results["delta"]}), flush=True)


def _describe_test_split(args: DataArguments) -> str:
    if args.dataset_name:
        return f"{args.dataset_name} {args.dataset_config_name or ''} test".replace("  ", " ")
    return args.test_file or args.validation_file or ""


def main(argv: list[str] | None = None) -> int:
    try:
        run(*parse_args(argv))
    except TrainingSetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
