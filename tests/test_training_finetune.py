"""training.finetune end to end on a tiny Marian model and a slice of the shipped corpus.

One fine-tuning run (module fixture) is checked from every side: the loss goes down, BLEU goes
up, the output directory loads with from_pretrained, and it archives and serves over HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.training_fixtures import DATA_DIR, data_args, read_pairs, write_jsonl
from training import demo_model, evaluate, finetune, throughput
from training.args import parse_args
from training.marian_scratch import build_model_dir

pytestmark = pytest.mark.slow

TRAIN_PAIRS, EVAL_PAIRS = 1500, 60
# A few dozen steps of a tiny model at a from-scratch learning rate; greedy decoding keeps it quick.
TRAINING = [
    "--max_steps", "60",
    "--eval_steps", "20",
    "--logging_steps", "5",
    "--per_device_train_batch_size", "32",
    "--per_device_eval_batch_size", "64",
    "--learning_rate", "5e-3",
    "--warmup_steps", "5",
    "--max_target_length", "48",
    "--generation_num_beams", "1",
    "--eval_on_start", "true",
    "--seed", "7",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    return {
        "train": write_jsonl(root / "train.jsonl", read_pairs(DATA_DIR / "train.jsonl")[:TRAIN_PAIRS]),
        "validation": write_jsonl(root / "validation.jsonl", read_pairs(DATA_DIR / "validation.jsonl")[:EVAL_PAIRS]),
        "test": write_jsonl(root / "test.jsonl", read_pairs(DATA_DIR / "test.jsonl")[:EVAL_PAIRS]),
    }


@pytest.fixture(scope="module")
def base_model(tmp_path_factory, corpus) -> Path:
    pairs = read_pairs(corpus["train"])
    out = tmp_path_factory.mktemp("base-model")
    return build_model_dir([tr for tr, _ in pairs], [en for _, en in pairs], out, "tiny", vocab_size=600)


def finetune_argv(base_model: Path, corpus: dict[str, Path], output_dir: Path | str, *extra: str) -> list[str]:
    return [
        "--model_name_or_path", str(base_model),
        *data_args(corpus["train"], corpus["validation"], corpus["test"]),
        "--output_dir", str(output_dir),
        *TRAINING,
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory, base_model, corpus) -> tuple[Path, dict]:
    output_dir = tmp_path_factory.mktemp("finetuned")
    results = finetune.run(*parse_args(finetune_argv(base_model, corpus, output_dir)))
    return output_dir, results


def log_history(output_dir: Path) -> list[dict]:
    return json.loads((output_dir / "trainer_state.json").read_text())["log_history"]


def test_training_loss_goes_down(finetuned):
    losses = [entry["loss"] for entry in log_history(finetuned[0]) if "loss" in entry]
    assert len(losses) >= 10
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3


def test_bleu_is_higher_after_fine_tuning(finetuned):
    output_dir, results = finetuned
    validation = [entry["eval_bleu"] for entry in log_history(output_dir) if "eval_bleu" in entry]
    # --eval_on_start scores the model before the first step.
    assert max(validation) > validation[0]
    assert results["finetuned"]["bleu"] > results["base"]["bleu"]
    assert results["delta"]["bleu"] == pytest.approx(results["finetuned"]["bleu"] - results["base"]["bleu"])
    on_disk = json.loads((output_dir / "eval_results.json").read_text(encoding="utf-8"))
    assert on_disk["base"] == results["base"] and on_disk["finetuned"] == results["finetuned"]
    assert on_disk["finetuned"]["samples"] == 60


def test_output_directory_is_a_model_with_its_records(finetuned):
    output_dir, _ = finetuned
    for name in ("config.json", "model.safetensors", "generation_config.json", "source.spm", "target.spm",
                 "vocab.json", "tokenizer_config.json", "trainer_state.json", "eval_results.json"):  # fmt: skip
        assert (output_dir / name).is_file(), name
    assert (output_dir / "training_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_output_directory_loads_with_from_pretrained_and_is_the_best_model(finetuned):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    output_dir, results = finetuned
    tokenizer = AutoTokenizer.from_pretrained(output_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(output_dir).eval()
    examples = results["examples"]
    batch = tokenizer([e["source"] for e in examples], return_tensors="pt", padding=True)
    output = model.generate(**batch, num_beams=1, max_length=48)
    # The saved weights are the ones that were scored after training.
    assert tokenizer.batch_decode(output, skip_special_tokens=True) == [e["translation"] for e in examples]


def test_evaluate_cli_scores_like_the_run(finetuned, corpus, capsys):
    output_dir, results = finetuned
    argv = ["--model", str(output_dir), "--test_file", str(corpus["test"]), "--num_beams", "1"]
    assert evaluate.main(argv + ["--max_target_length", "48", "--output_json", str(output_dir / "cli.json")]) == 0
    scores = json.loads((output_dir / "cli.json").read_text())
    assert (scores["bleu"], scores["chrf"]) == (results["finetuned"]["bleu"], results["finetuned"]["chrf"])
    assert "BLEU" in capsys.readouterr().out


def test_finetuned_output_archives_and_serves_through_the_handler(finetuned, tmp_path, capsys):
    """`python -m handler.archive` packs the output as it is; the handler, loaded from the unpacked
    archive as a TorchServe worker loads it, serves the fine-tuned weights."""
    import zipfile

    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from ts.context import Context, RequestProcessor

    from handler import archive
    from handler.settings import read_model_config
    from handler.ts_handler import TranslationHandler

    output_dir, _ = finetuned
    assert archive.main(["--model-dir", str(output_dir), "--export-path", str(tmp_path / "store")]) == 0
    assert "wrote" in capsys.readouterr().out
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "store" / "tr_en.mar").extractall(unpacked)
    model_config = read_model_config(unpacked / "model-config.yaml")
    context = Context("tr_en", str(unpacked), {}, 32, None, "0.12.0", model_yaml_config=model_config)
    handler = TranslationHandler()
    handler.initialize(context)
    context.request_processor = [RequestProcessor({"Content-Type": "application/json"})]
    sentence = "Bu odun yanmaz."
    body = {"instances": [sentence], "parameters": {"num_beams": 1, "max_new_tokens": 32}}
    (reply,) = handler.handle([{"body": json.dumps(body).encode()}], context)
    assert context.get_response_status(0)[0] == 200, reply
    (served,) = json.loads(reply)["predictions"]

    tokenizer = AutoTokenizer.from_pretrained(output_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(output_dir).eval()
    with torch.inference_mode():
        ids = model.generate(**tokenizer([sentence], return_tensors="pt"), num_beams=1, max_new_tokens=32)
    assert served == tokenizer.decode(ids[0], skip_special_tokens=True) and served


@pytest.mark.torchserve
def test_finetuned_output_archives_and_serves(finetuned, tmp_path):
    from handler.archive import build_archive
    from handler.torchserve import loopback_torchserve

    output_dir, _ = finetuned
    build_archive(output_dir, tmp_path / "model-store")
    server = loopback_torchserve(tmp_path / "model-store", tmp_path / "torchserve")
    server.start()
    try:
        server.wait_ready()
        response = requests.post(
            f"{server.inference_address}/predictions/tr_en",
            data=json.dumps({"instances": ["Bu odun yanmaz."]}),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
    finally:
        server.kill()
    assert response.status_code == 200, response.text
    (prediction,) = response.json()["predictions"]
    assert isinstance(prediction, str) and prediction


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_from_its_last_checkpoint(base_model, corpus, tmp_path, capsys):
    from transformers import TrainerCallback

    class InterruptAt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 30:
                raise Interrupt

    argv = finetune_argv(base_model, corpus, tmp_path, "--max_steps", "40", "--eval_on_start", "false")
    with pytest.raises(Interrupt):
        finetune.run(*parse_args(argv), callbacks=[InterruptAt()])
    assert sorted(p.name for p in tmp_path.glob("checkpoint-*")) == ["checkpoint-20"]
    capsys.readouterr()
    finetune.run(*parse_args(argv))
    assert f"resuming from {tmp_path / 'checkpoint-20'}" in capsys.readouterr().out
    steps = [entry["step"] for entry in log_history(tmp_path) if "loss" in entry]
    # Steps 21-30 are done again; nothing before the checkpoint is.
    assert steps == list(range(5, 45, 5))


def test_early_stopping_on_validation_bleu_keeps_the_best_model(base_model, corpus, tmp_path, monkeypatch):
    """Validation BLEU scripted by step: the best (step 10) is followed by two worse scores, so
    training stops at step 20 of 60 and the output holds the step-10 weights."""
    from safetensors.torch import load_file
    from transformers import TrainerCallback

    script = {5: 10.0, 10: 30.0, 15: 20.0, 20: 25.0, 25: 40.0}
    step = {"now": 0}

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            step["now"] = state.global_step

    def scripted_metrics(tokenizer):
        return lambda prediction: {"bleu": script.get(step["now"], 0.0), "chrf": 0.0}

    monkeypatch.setattr(finetune, "make_compute_metrics", scripted_metrics)
    argv = finetune_argv(base_model, corpus, tmp_path, "--eval_steps", "5", "--eval_on_start", "false",
                         "--early_stopping_patience", "2")  # fmt: skip
    results = finetune.run(*parse_args(argv), callbacks=[Clock()])
    assert json.loads((tmp_path / "trainer_state.json").read_text())["global_step"] == 20
    assert (results["best_checkpoint"], results["best_validation_bleu"]) == ("checkpoint-10", 30.0)
    # save_total_limit 2 keeps the newest checkpoint and, always, the best one.
    assert sorted(p.name for p in tmp_path.glob("checkpoint-*")) == ["checkpoint-10", "checkpoint-20"]
    saved = load_file(tmp_path / "model.safetensors")
    best, last = (load_file(tmp_path / f"checkpoint-{n}" / "model.safetensors") for n in (10, 20))
    assert all(saved[name].equal(best[name]) for name in saved)
    assert not all(saved[name].equal(last[name]) for name in saved)


def test_training_loss_does_not_depend_on_gradient_accumulation(base_model, corpus, tmp_path):
    """The same 32 pairs as one batch or as two accumulated halves give the same loss: Marian's own
    loss is a batch mean, which the Trainer must divide by the accumulation steps (and must not
    multiply by the number of DDP processes)."""
    losses = []
    for name, batch in (("whole", ["--per_device_train_batch_size", "32"]),
                        ("halves", ["--per_device_train_batch_size", "16", "--gradient_accumulation_steps", "2"])):  # fmt: skip
        argv = finetune_argv(base_model, corpus, tmp_path / name, "--max_steps", "1", "--logging_steps", "1",
                             "--eval_strategy", "no", "--save_strategy", "no", "--load_best_model_at_end", "false",
                             "--eval_on_start", "false", *batch)  # fmt: skip
        finetune.run(*parse_args(argv))
        losses.append(log_history(tmp_path / name)[0]["loss"])
    assert losses[1] == pytest.approx(losses[0], rel=0.05)


@pytest.mark.parametrize(
    "eval_on_start, scored_steps, checkpoints",
    # Scored at step 0 (every 20 steps), step 1 gets no score of its own: one that recent will do.
    [("false", [1], ["checkpoint-1"]), ("true", [0], [])],
    ids=["scores-the-last-step", "recent-score-suffices"],
)
def test_time_budget_ends_training(base_model, corpus, tmp_path, capsys, eval_on_start, scored_steps, checkpoints):
    argv = finetune_argv(base_model, corpus, tmp_path, "--max_train_minutes", "0", "--eval_on_start", eval_on_start)
    finetune.run(*parse_args(argv))
    assert "0-minute training budget used up at step 1\n" in capsys.readouterr().out
    assert [entry["step"] for entry in log_history(tmp_path) if "eval_bleu" in entry] == scored_steps
    assert [p.name for p in tmp_path.glob("checkpoint-*")] == checkpoints


def test_same_seed_same_model(base_model, corpus, tmp_path):
    runs = []
    for name in ("a", "b"):
        argv = finetune_argv(base_model, corpus, tmp_path / name, "--max_steps", "10", "--eval_on_start", "false")
        runs.append(finetune.run(*parse_args(argv))["train"]["train_loss"])
    assert runs[0] == runs[1]


def test_gs_output_is_uploaded_and_resumed_from(gcs_bucket, base_model, corpus, capsys):
    from google.cloud import storage

    uri = f"gs://{gcs_bucket}/runs/tiny"

    def bucket_files() -> set[str]:
        return {b.name.removeprefix("runs/tiny/") for b in storage.Client().list_blobs(gcs_bucket, prefix="runs/tiny/")}

    model_args, data_args_, training_args = parse_args(
        finetune_argv(base_model, corpus, uri, "--max_steps", "20", "--eval_on_start", "false")
    )
    finetune.run(model_args, data_args_, training_args)
    assert {"model.safetensors", "config.json", "source.spm", "eval_results.json", "trainer_state.json",
            "training_curves.png", "checkpoint-20/model.safetensors", "checkpoint-20/optimizer.pt",
            "checkpoint-20/trainer_state.json"} <= bucket_files()  # fmt: skip
    # The local staging copy is gone: the bucket is the output, and what a restarted job resumes from.
    assert not Path(training_args.output_dir).exists()

    capsys.readouterr()
    finetune.run(*parse_args(finetune_argv(base_model, corpus, uri, "--max_steps", "40", "--eval_on_start", "false")))
    assert f"resuming from {uri}/checkpoint-20 " in capsys.readouterr().out
    assert {"checkpoint-20/model.safetensors", "checkpoint-40/model.safetensors"} <= bucket_files()
    state = json.loads(storage.Client().bucket(gcs_bucket).blob("runs/tiny/trainer_state.json").download_as_text())
    # The second run went on from step 20: its log holds the first run's steps and its own, once each.
    assert [entry["step"] for entry in state["log_history"] if "loss" in entry] == list(range(5, 45, 5))
    results = json.loads(storage.Client().bucket(gcs_bucket).blob("runs/tiny/eval_results.json").download_as_text())
    assert results["best_checkpoint"] in ("checkpoint-20", "checkpoint-40")


def test_demo_model_trains_with_the_finetune_code(corpus, tmp_path):
    argv = [
        "--output_dir", str(tmp_path),
        "--architecture", "tiny",
        "--vocab_size", "600",
        *data_args(corpus["train"], corpus["validation"], corpus["test"]),
        "--max_steps", "20",
        "--eval_steps", "10",
    ]  # fmt: skip
    assert demo_model.main(argv) == 0
    assert (tmp_path / "model.safetensors").is_file()
    results = json.loads((tmp_path / "eval_results.json").read_text())
    assert results["model"] == "untrained tiny model"
    # Only the finished model is kept.
    assert not list(tmp_path.glob("checkpoint-*")) and not (tmp_path / demo_model.UNTRAINED).exists()


def test_throughput_measures_samples_per_second(tmp_path, capsys):
    out = tmp_path / "throughput.json"
    assert throughput.main(["--architecture", "tiny", "--warmup", "2", "--steps", "5", "--output_json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["samples_per_second"] > 0 and result["measured_steps"] == 5
    assert "training samples/s" in capsys.readouterr().out
