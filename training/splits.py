"""Load and check the parallel data: local JSON lines files or a datasets hub dataset such as wmt16.

Every problem (missing or malformed file, missing `translation.<lang>` field, empty split,
unknown dataset config) is a TrainingSetupError with one sentence, raised before training starts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from training.args import DataArguments
from training.errors import TrainingSetupError, first_line
from training.gcs import is_gcs_uri, read_gcs_bytes

SPLITS = ("train", "validation", "test")


def read_jsonl(path: str, split: str, source_lang: str, target_lang: str) -> list[dict[str, Any]]:
    """The rows of a local or gs:// JSON lines file, each checked to be {"translation": {source: str, target: str}}."""
    data = read_gcs_bytes(path) if is_gcs_uri(path) else Path(path).read_bytes() if Path(path).is_file() else None
    if data is None:
        raise TrainingSetupError(f"{split} file {path} does not exist")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TrainingSetupError(f"{split} file {path} is not UTF-8 text (byte {e.start})") from e
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise TrainingSetupError(f"line {number} of {split} file {path} is not valid JSON ({e.msg})") from e
        pair = row.get("translation") if isinstance(row, dict) else None
        for lang in (source_lang, target_lang):
            if not isinstance(pair, dict) or not isinstance(pair.get(lang), str):
                raise TrainingSetupError(
                    f"line {number} of {split} file {path} has no translation.{lang} text; "
                    f'each line must be {{"translation": {{"{source_lang}": ..., "{target_lang}": ...}}}}'
                )
        rows.append({"translation": {source_lang: pair[source_lang], target_lang: pair[target_lang]}})
    if not rows:
        raise TrainingSetupError(f"{split} file {path} has no examples")
    return rows


def load_hub_dataset(args: DataArguments) -> DatasetDict:
    """A dataset from the hub (or a local dataset directory), with its config checked first."""
    import datasets

    name, config = args.dataset_name, args.dataset_config_name
    if datasets.config.HF_HUB_OFFLINE and not Path(name).exists():
        # Offline, datasets reads a hub dataset from its own cache (wmt16/tr-en/0.0.0/<hash>/), whose
        # config list it does not know (it lists "default"): the cache itself refuses a config it lacks.
        try:
            return datasets.load_dataset(name, config, cache_dir=None)
        except Exception as e:
            detail = "; ".join(line.strip() for line in str(e).strip().splitlines() if line.strip())
            raise TrainingSetupError(f"cannot load dataset {name} ({config or 'its config'}) offline: {detail}") from e
    try:
        configs = datasets.get_dataset_config_names(name)
    except Exception as e:  # offline, unknown name, no access: all one message
        raise TrainingSetupError(f"cannot load dataset {name}: {first_line(e)}") from e
    if config is None:
        # wmt16 names its configs "tr-en" whichever way one translates.
        guesses = [
            c
            for c in (f"{args.source_lang}-{args.target_lang}", f"{args.target_lang}-{args.source_lang}")
            if c in configs
        ]
        config = guesses[0] if guesses else configs[0] if len(configs) == 1 else None
        if config is None:
            raise TrainingSetupError(
                f"dataset {name} has several configs; pick one with --dataset_config_name ({', '.join(configs)})"
            )
    elif config not in configs:
        raise TrainingSetupError(f"unknown dataset config {config!r} for {name}; available: {', '.join(configs)}")
    try:
        return datasets.load_dataset(name, config, cache_dir=None)
    except Exception as e:
        raise TrainingSetupError(f"cannot load dataset {name} ({config}): {first_line(e)}") from e


def check_hub_split(dataset: Dataset, split: str, args: DataArguments) -> Dataset:
    where = f"split {split} of dataset {args.dataset_name}"
    if len(dataset) == 0:
        raise TrainingSetupError(f"{where} has no examples")
    feature = dataset.features.get("translation")
    # A Translation feature lists its languages; a plain struct has them as keys.
    languages = list(getattr(feature, "languages", None) or (feature.keys() if isinstance(feature, dict) else []))
    for lang in (args.source_lang, args.target_lang):
        if lang not in languages:
            found = (
                f"it has {', '.join(languages)}" if languages else f"its columns are {', '.join(dataset.column_names)}"
            )
            raise TrainingSetupError(f"{where} has no translation.{lang} field; {found}")
    return dataset


def load_splits(args: DataArguments) -> DatasetDict:
    """train, validation and test (the validation split when there is no test split), checked and trimmed."""
    files = {"train": args.train_file, "validation": args.validation_file, "test": args.test_file}
    if args.dataset_name and any(files.values()):
        raise TrainingSetupError("give either --dataset_name or --train_file/--validation_file/--test_file, not both")
    if args.dataset_name:
        hub = load_hub_dataset(args)
        splits = {split: check_hub_split(hub[split], split, args) for split in SPLITS if split in hub}
        source = f"dataset {args.dataset_name}"
    elif files["train"]:
        splits = {
            split: Dataset.from_list(read_jsonl(path, split, args.source_lang, args.target_lang))
            for split, path in files.items()
            if path
        }
        source = "--validation_file"
    else:
        raise TrainingSetupError("no training data: pass --dataset_name (e.g. wmt16) or --train_file")
    for split in ("train", "validation"):
        if split not in splits:
            raise TrainingSetupError(
                f"{source} gives no {split} split; fine-tuning needs one"
                + (" (validation BLEU picks the best checkpoint)" if split == "validation" else "")
            )
    splits.setdefault("test", splits["validation"])
    limits = {"train": args.max_train_samples, "validation": args.max_eval_samples, "test": args.max_predict_samples}
    for split, limit in limits.items():
        if limit is not None:
            if limit < 1:
                raise TrainingSetupError(f"the {split} sample limit must be at least 1, not {limit}")
            splits[split] = splits[split].select(range(min(limit, len(splits[split]))))
    return DatasetDict(splits)


def load_split(args: DataArguments, split: str) -> Dataset:
    """One split on its own (what `python -m training.evaluate` scores), checked and trimmed."""
    if args.dataset_name:
        hub = load_hub_dataset(args)
        if split not in hub:
            raise TrainingSetupError(f"dataset {args.dataset_name} has no {split} split; it has {', '.join(hub)}")
        dataset = check_hub_split(hub[split], split, args)
    else:
        path = {"train": args.train_file, "validation": args.validation_file, "test": args.test_file}[split]
        if not path:
            raise TrainingSetupError(f"no {split} data: pass --{split}_file or --dataset_name")
        dataset = Dataset.from_list(read_jsonl(path, split, args.source_lang, args.target_lang))
    limit = args.max_predict_samples
    return dataset.select(range(min(limit, len(dataset)))) if limit else dataset


def tokenize_splits(splits: DatasetDict, tokenizer: Any, args: DataArguments) -> DatasetDict:
    """input_ids/attention_mask from the source and labels from the target (`text_target`), unpadded.

    Padding is left to DataCollatorForSeq2Seq, which pads each batch to its longest row and fills
    label padding with -100 so that it does not count in the loss.
    """
    src, tgt = args.source_lang, args.target_lang

    def encode(batch: dict[str, list]) -> dict[str, list]:
        sources = [pair[src] for pair in batch["translation"]]
        targets = [pair[tgt] for pair in batch["translation"]]
        encoded = tokenizer(sources, max_length=args.max_source_length, truncation=True)
        encoded["labels"] = tokenizer(text_target=targets, max_length=args.max_target_length, truncation=True)[
            "input_ids"
        ]
        return encoded

    return DatasetDict(
        {
            split: dataset.map(
                encode,
                batched=True,
                remove_columns=dataset.column_names,
                num_proc=args.preprocessing_num_workers,
                desc=f"tokenizing {split}",
            )
            for split, dataset in splits.items()
        }
    )


def references(splits: DatasetDict, split: str, args: DataArguments) -> list[str]:
    """The untokenized target sentences of `split`, which BLEU is scored against."""
    return [pair[args.target_lang] for pair in splits[split]["translation"]]
