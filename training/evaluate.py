"""Score a translation model on a test split with sacrebleu BLEU and chrF.

    python -m training.evaluate --model artifacts/demo-model --test_file training/data/test.jsonl
    python -m training.evaluate --model Helsinki-NLP/opus-mt-tr-en --dataset_name wmt16 --dataset_config_name tr-en

The same generation path and scoring as training.finetune (Seq2SeqTrainer.predict, then
training.metrics), so its figures compare with a fine-tuning run's eval_results.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from datasets import DatasetDict
from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments

from training.args import DataArguments, has_accelerator
from training.errors import TrainingSetupError
from training.metrics import make_compute_metrics, results_table, score_split
from training.model import load_seq2seq
from training.splits import load_split, tokenize_splits


def prediction_trainer(model: Any, tokenizer: Any, args: Seq2SeqTrainingArguments) -> Seq2SeqTrainer:
    return Seq2SeqTrainer(
        model=model,
        args=args,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(tokenizer),
    )


def evaluate_model(
    model_name: str, data: DataArguments, split: str = "test", num_beams: int | None = None, batch_size: int = 32
) -> tuple[dict[str, Any], list[str], list[str]]:
    """(scores, sources, translations) of `model_name` on one split."""
    dataset = load_split(data, split)
    model, tokenizer = load_seq2seq(model_name)
    tokenized = tokenize_splits(DatasetDict({split: dataset}), tokenizer, data)[split]
    with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
        args = Seq2SeqTrainingArguments(
            output_dir=tmp,
            per_device_eval_batch_size=batch_size,
            predict_with_generate=True,
            generation_num_beams=num_beams,
            generation_max_length=data.val_max_target_length or data.max_target_length,
            report_to="none",
            use_cpu=not has_accelerator(),
        )
        pairs = dataset["translation"]
        scores, hypotheses = score_split(
            prediction_trainer(model, tokenizer, args), tokenized, [p[data.target_lang] for p in pairs]
        )
    return {"model": model_name, "split": split, **scores}, [p[data.source_lang] for p in pairs], hypotheses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="hub id or save_pretrained directory")
    parser.add_argument("--test_file", help='JSON lines {"translation": {"tr": ..., "en": ...}}')
    parser.add_argument("--dataset_name", help="a datasets hub id instead of --test_file, e.g. wmt16")
    parser.add_argument("--dataset_config_name", help="e.g. tr-en")
    parser.add_argument("--split", default="test", choices=("train", "validation", "test"), help="which split to score")
    parser.add_argument("--source_lang", default=DataArguments.source_lang)
    parser.add_argument("--target_lang", default=DataArguments.target_lang)
    parser.add_argument("--num_beams", type=int, help="beam size (default: the model's generation_config)")
    parser.add_argument("--batch_size", type=int, default=32, help="sentences per generate call")
    parser.add_argument("--max_source_length", type=int, default=DataArguments.max_source_length)
    parser.add_argument("--max_target_length", type=int, default=DataArguments.max_target_length)
    parser.add_argument("--max_samples", type=int, help="score only the first N pairs")
    parser.add_argument("--examples", type=int, default=5, help="translations to print")
    parser.add_argument("--output_json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    data = DataArguments(
        source_lang=args.source_lang,
        target_lang=args.target_lang,
        dataset_name=args.dataset_name,
        dataset_config_name=args.dataset_config_name,
        **{f"{args.split}_file": args.test_file},
        max_source_length=args.max_source_length,
        max_target_length=args.max_target_length,
        max_predict_samples=args.max_samples,
    )
    try:
        scores, sources, hypotheses = evaluate_model(args.model, data, args.split, args.num_beams, args.batch_size)
    except TrainingSetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for source, hypothesis in list(zip(sources, hypotheses))[: args.examples]:
        print(f"  {source}  ->  {hypothesis}")
    print(f"\n{args.model} on {scores['samples']} {args.split} sentences")
    print(results_table({"score": scores}))
    if args.output_json:
        args.output_json.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
