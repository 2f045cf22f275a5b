"""Training throughput of the demo model's configuration on this machine, in samples per second.

    python -m training.throughput            # what `make train-bench` runs

The demo's own arguments (training.demo_model.DEMO_ARGS: batch size, lengths, label smoothing)
and a freshly built model of its architecture, trained through the same Seq2SeqTrainer loop
without evaluation or checkpoints; the clock runs over a fixed number of steps after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer, TrainerCallback

from training.args import parse_args
from training.demo_model import DEMO_ARGS, cpu_cores
from training.marian_scratch import build_model_dir
from training.model import load_seq2seq
from training.splits import load_splits, tokenize_splits


class StepClock(TrainerCallback):
    """Times the optimizer steps after the first `warmup` ones (allocations, first-call overheads)."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.started: float | None = None
        self.elapsed = 0.0

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.global_step == self.warmup:
            self.started = time.perf_counter()
        elif self.started is not None:
            self.elapsed = time.perf_counter() - self.started


def measure(architecture: str = "demo", vocab_size: int = 2000, warmup: int = 10, steps: int = 50) -> dict[str, Any]:
    """Train `warmup + steps` steps of the demo configuration; samples/s over the last `steps`."""
    import torch

    torch.set_num_threads(cpu_cores())
    with tempfile.TemporaryDirectory(prefix="train-throughput-") as tmp:
        overrides = [
            "--output_dir", str(Path(tmp, "out")),
            "--max_steps", str(warmup + steps),
            "--eval_strategy", "no",
            "--save_strategy", "no",
            "--logging_strategy", "no",
            "--load_best_model_at_end", "false",
            "--early_stopping_patience", "0",
            "--disable_tqdm", "true",
        ]  # fmt: skip
        model_args, data_args, training_args = parse_args(DEMO_ARGS + overrides)
        splits = load_splits(data_args)
        pairs = splits["train"]["translation"]
        build_model_dir(
            [p[data_args.source_lang] for p in pairs],
            [p[data_args.target_lang] for p in pairs],
            Path(tmp, "model"),
            architecture,
            vocab_size,
            training_args.seed,
        )
        model, tokenizer = load_seq2seq(str(Path(tmp, "model")))
        clock = StepClock(warmup)
        trainer = Seq2SeqTrainer(
            model=model,
            args=training_args,
            data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
            train_dataset=tokenize_splits(splits, tokenizer, data_args)["train"],
            processing_class=tokenizer,
            callbacks=[clock],
        )
        trainer.train()
    batch = training_args.per_device_train_batch_size
    return {
        "architecture": architecture,
        "parameters": sum(p.numel() for p in model.parameters()),
        "batch_size": batch,
        "measured_steps": steps,
        "warmup_steps": warmup,
        "seconds": round(clock.elapsed, 2),
        "samples_per_second": round(steps * batch / clock.elapsed, 1),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--architecture", default="demo", help="a training.marian_scratch architecture")
    parser.add_argument("--warmup", type=int, default=10, help="steps before the clock starts")
    parser.add_argument("--steps", type=int, default=50, help="steps timed")
    parser.add_argument("--output_json", type=Path, default=Path("artifacts/train-throughput.json"))
    args = parser.parse_args(argv)
    result = measure(args.architecture, warmup=args.warmup, steps=args.steps)
    args.output_json.parent.mkdir(parents=True, exist_ok=True)
    args.output_json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"{result['architecture']} config, batch {result['batch_size']}, {result['torch_threads']} threads: "
        f"{result['samples_per_second']} training samples/s ({args.steps} steps in {result['seconds']} s)"
    )
    print(f"wrote {args.output_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
