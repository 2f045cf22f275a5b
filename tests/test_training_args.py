"""Bad input stops training.finetune with one sentence naming the problem, before any training starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training_fixtures import data_args, write_jsonl
from training import demo_model, evaluate, finetune, plots, throughput
from training.args import TrainingArguments, _gpu_half_precision, mixed_precision, parse_args

PAIRS = [("Bu odun yanmaz.", "This wood won't burn."), ("Kedi uyuyor.", "The cat is sleeping.")]


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    return {split: write_jsonl(tmp_path / f"{split}.jsonl", PAIRS) for split in ("train", "validation", "test")}


def fails_with(capsys, argv: list[str], message: str, output_dir: Path) -> None:
    """finetune.main exits 2 with `error: <message>` on one line and nothing trained."""
    assert finetune.main(argv + ["--output_dir", str(output_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: {message}"
    assert not (output_dir / "trainer_state.json").exists()


def test_missing_data_file(capsys, tmp_path, files):
    missing = tmp_path / "nope.jsonl"
    fails_with(
        capsys, data_args(missing, files["validation"]), f"train file {missing} does not exist", tmp_path / "out"
    )


def test_malformed_json_line(capsys, tmp_path, files):
    files["train"].write_text(files["train"].read_text() + '{"translation": {"tr": "x", \n', encoding="utf-8")
    message = (
        f"line 3 of train file {files['train']} is not valid JSON (Expecting property name enclosed in double quotes)"
    )
    fails_with(capsys, data_args(files["train"], files["validation"]), message, tmp_path / "out")


def test_data_file_that_is_not_utf8(capsys, tmp_path, files):
    files["train"].write_bytes("Bu odun yanmaz.".encode("utf-16"))
    message = f"train file {files['train']} is not UTF-8 text (byte 0)"
    fails_with(capsys, data_args(files["train"], files["validation"]), message, tmp_path / "out")


@pytest.mark.parametrize(
    "row",
    [{"translation": {"tr": "Kedi uyuyor."}}, {"tr": "Kedi uyuyor.", "en": "The cat is sleeping."}, ["Kedi"]],
    ids=["no-en", "flat", "list"],
)
def test_row_without_translation_fields(capsys, tmp_path, files, row):
    files["validation"].write_text(json.dumps(row) + "\n", encoding="utf-8")
    missing = "en" if row == {"translation": {"tr": "Kedi uyuyor."}} else "tr"
    message = (
        f"line 1 of validation file {files['validation']} has no translation.{missing} text; "
        'each line must be {"translation": {"tr": ..., "en": ...}}'
    )
    fails_with(capsys, data_args(files["train"], files["validation"]), message, tmp_path / "out")


def test_empty_split(capsys, tmp_path, files):
    files["test"].write_text("\n", encoding="utf-8")
    argv = data_args(files["train"], files["validation"], files["test"])
    fails_with(capsys, argv, f"test file {files['test']} has no examples", tmp_path / "out")


def test_no_validation_split(capsys, tmp_path, files):
    message = (
        "--validation_file gives no validation split; fine-tuning needs one (validation BLEU picks the best checkpoint)"
    )
    fails_with(capsys, ["--train_file", str(files["train"])], message, tmp_path / "out")


def test_no_data_at_all(capsys, tmp_path):
    fails_with(capsys, [], "no training data: pass --dataset_name (e.g. wmt16) or --train_file", tmp_path / "out")


def test_dataset_and_files_together(capsys, tmp_path, files):
    argv = ["--dataset_name", "wmt16", *data_args(files["train"], files["validation"])]
    message = "give either --dataset_name or --train_file/--validation_file/--test_file, not both"
    fails_with(capsys, argv, message, tmp_path / "out")


@pytest.fixture
def local_dataset(tmp_path, files) -> Path:
    """A dataset directory with one config, tr-en, as the datasets library reads it from the hub."""
    root = tmp_path / "dataset"
    (root / "tr-en").mkdir(parents=True)
    for split, path in files.items():
        (root / "tr-en" / f"{split}.jsonl").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    splits = "".join(f"  - split: {s}\n    path: tr-en/{s}.jsonl\n" for s in files)
    (root / "README.md").write_text(f"---\nconfigs:\n- config_name: tr-en\n  data_files:\n{splits}---\n")
    return root


def test_unknown_dataset_config(capsys, tmp_path, local_dataset):
    argv = ["--dataset_name", str(local_dataset), "--dataset_config_name", "de-en"]
    fails_with(capsys, argv, f"unknown dataset config 'de-en' for {local_dataset}; available: tr-en", tmp_path / "out")


def test_dataset_without_the_language(capsys, tmp_path, local_dataset):
    argv = ["--dataset_name", str(local_dataset), "--source_lang", "de"]
    message = f"split train of dataset {local_dataset} has no translation.de field; it has tr, en"
    fails_with(capsys, argv, message, tmp_path / "out")


def test_dataset_config_is_found_from_the_languages(local_dataset):
    from training.splits import load_splits

    _, data, _ = parse_args(["--dataset_name", str(local_dataset), "--output_dir", "unused"])
    assert {split: len(ds) for split, ds in load_splits(data).items()} == {"train": 2, "validation": 2, "test": 2}


def test_model_that_is_not_seq2seq(capsys, tmp_path, files):
    from transformers import BertConfig

    bert = tmp_path / "bert"
    BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64).save_pretrained(bert)
    argv = ["--model_name_or_path", str(bert), *data_args(files["train"], files["validation"])]
    fails_with(
        capsys, argv, f"{bert} is a bert model, not a sequence-to-sequence model such as marian", tmp_path / "out"
    )


def test_missing_model_directory(capsys, tmp_path, files):
    missing = tmp_path / "no-model"
    argv = ["--model_name_or_path", str(missing), *data_args(files["train"], files["validation"])]
    fails_with(capsys, argv, f"model directory {missing} does not exist", tmp_path / "out")


def test_missing_checkpoint(capsys, tmp_path, files, tiny_model_dir):
    argv = ["--model_name_or_path", str(tiny_model_dir), *data_args(files["train"], files["validation"])]
    argv += ["--resume_from_checkpoint", str(tmp_path / "checkpoint-7")]
    fails_with(capsys, argv, f"checkpoint {tmp_path / 'checkpoint-7'} does not exist", tmp_path / "out")


def test_checkpoint_directory_without_trainer_state(capsys, tmp_path, files, tiny_model_dir):
    argv = ["--model_name_or_path", str(tiny_model_dir), *data_args(files["train"], files["validation"])]
    argv += ["--resume_from_checkpoint", str(tiny_model_dir)]
    fails_with(capsys, argv, f"checkpoint {tiny_model_dir} has no trainer_state.json", tmp_path / "out")


def test_demo_model_wants_a_local_output_dir(capsys):
    assert demo_model.main(["--output_dir", "gs://bucket/demo"]) == 2
    assert capsys.readouterr().err == (
        "error: the demo model trains into a local --output_dir; copy it to Cloud Storage after\n"
    )


def test_output_dir_defaults_to_vertex_model_dir(monkeypatch, files):
    monkeypatch.setenv("AIP_MODEL_DIR", "gs://bucket/model")
    _, _, training_args = parse_args(data_args(files["train"], files["validation"]))
    assert training_args.output_dir == "gs://bucket/model"
    monkeypatch.delenv("AIP_MODEL_DIR")
    assert finetune.main(data_args(files["train"], files["validation"])) == 2


def test_incompatible_trainer_options_are_one_sentence(capsys, tmp_path, files):
    argv = data_args(files["train"], files["validation"]) + ["--eval_strategy", "epoch", "--save_strategy", "steps"]
    assert finetune.main(argv + ["--output_dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --load_best_model_at_end requires the save and eval strategy")


def test_defaults_follow_run_translation_with_bleu_checkpoints(files):
    model, data, training_args = parse_args(data_args(files["train"], files["validation"]) + ["--output_dir", "o"])
    assert model.model_name_or_path == "Helsinki-NLP/opus-mt-tr-en"
    assert (data.source_lang, data.target_lang) == ("tr", "en")
    assert training_args.predict_with_generate and training_args.load_best_model_at_end
    assert (training_args.metric_for_best_model, training_args.greater_is_better) == ("bleu", True)
    assert training_args.save_steps == training_args.eval_steps
    # Generation while evaluating stops at the target length, not at the model's 512 tokens.
    assert training_args.generation_max_length == data.max_target_length
    assert not (training_args.fp16 or training_args.bf16)  # CPU: fp32


@pytest.mark.parametrize(
    "cuda, bf16_supported, expected",
    [(False, False, (False, False)), (False, True, (False, False)), (True, True, (True, False)),
     (True, False, (False, True))],
    ids=["cpu", "cpu-bf16-flag", "ampere", "v100"],
)  # fmt: skip
def test_mixed_precision(cuda, bf16_supported, expected):
    assert mixed_precision(cuda, bf16_supported) == expected


def test_mixed_precision_reads_the_gpu(monkeypatch):
    import torch
    import transformers.utils

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(transformers.utils, "is_torch_bf16_gpu_available", lambda: False)
    assert _gpu_half_precision() == (False, True)


def test_evaluate_cli_reports_bad_input(capsys, tmp_path):
    assert evaluate.main(["--model", str(tmp_path / "m"), "--test_file", str(tmp_path / "t.jsonl")]) == 2
    assert capsys.readouterr().err == f"error: test file {tmp_path / 't.jsonl'} does not exist\n"


@pytest.mark.parametrize(
    "module, flag",
    [(finetune, "--model_name_or_path"), (evaluate, "--test_file"), (demo_model, "--architecture"),
     (plots, "output_dir"), (throughput, "--steps")],
)  # fmt: skip
def test_every_cli_has_help(capsys, module, flag):
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    assert flag in capsys.readouterr().out


def test_training_arguments_are_seq2seq_training_arguments():
    from transformers import Seq2SeqTrainingArguments

    assert issubclass(TrainingArguments, Seq2SeqTrainingArguments)
