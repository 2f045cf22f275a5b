"""training.launch: the cluster Vertex describes, and a real two-replica DDP run on loopback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training_fixtures import DATA_DIR, data_args, read_pairs, write_jsonl
from training import launch

REPO_ROOT = Path(__file__).resolve().parent.parent


def cluster_spec(workers: int, kind: str, index: int) -> str:
    """CLUSTER_SPEC as Vertex sets it (docs: training/distributed-training, "The format of CLUSTER_SPEC")."""
    pools = {"workerpool0": ["cmle-training-workerpool0-ab-0:2222"]}
    if workers:
        pools["workerpool1"] = [f"cmle-training-workerpool1-ab-{i}:2222" for i in range(workers)]
    return json.dumps(
        {"cluster": pools, "environment": "cloud", "task": {"type": kind, "index": index, "trial": "1"}, "job": {}}
    )


def test_the_primary_replica_is_node_0_and_hosts_the_rendezvous():
    cluster = launch.cluster_from_env({"CLUSTER_SPEC": cluster_spec(2, "workerpool0", 0)})
    assert cluster == launch.Cluster(
        nodes=3, node_rank=0, master_addr="cmle-training-workerpool0-ab-0", master_port=2222
    )


def test_a_worker_is_node_1_plus_its_index():
    env = {"CLUSTER_SPEC": cluster_spec(2, "workerpool1", 1), "MASTER_PORT": "3333"}
    # MASTER_PORT, where Vertex sets it, wins over the pool's port.
    assert launch.cluster_from_env(env) == launch.Cluster(3, 2, "cmle-training-workerpool0-ab-0", 3333)


def test_pytorch_variables_alone_describe_a_cluster():
    env = {"MASTER_ADDR": "10.0.0.2", "MASTER_PORT": "29500", "WORLD_SIZE": "4", "RANK": "3"}
    assert launch.cluster_from_env(env) == launch.Cluster(4, 3, "10.0.0.2", 29500)
    assert launch.cluster_from_env({}) is None


def test_torchrun_command_for_each_shape():
    cluster = launch.Cluster(2, 1, "host0", 2222)
    line = launch.command(cluster, 4, ["--output_dir", "out"])
    assert line[1:] == [
        "-m", "torch.distributed.run", "--nproc_per_node=4", "--nnodes=2", "--node_rank=1",
        "--master_addr=host0", "--master_port=2222", "-m", "training.finetune", "--output_dir", "out",
    ]  # fmt: skip
    assert launch.command(None, 4, ["x"])[1:] == [
        "-m", "torch.distributed.run", "--nproc_per_node=4", "--standalone", "-m", "training.finetune", "x",
    ]  # fmt: skip
    # One process on one machine: the trainer runs in the launcher's own process.
    assert launch.command(None, 1, ["x"]) is None
    assert launch.command(launch.Cluster(1, 0, "h", 1), 1, ["x"]) is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLUSTER_SPEC": "{not json"}, "CLUSTER_SPEC is not the JSON Vertex sets (JSONDecodeError"),
        ({"CLUSTER_SPEC": cluster_spec(1, "workerpool3", 0)}, "this replica is in workerpool3, but only workerpool0 and workerpool1 train"),
        ({"CLUSTER_SPEC": cluster_spec(1, "workerpool1", 5)}, "task workerpool1 index 5 is not in the cluster's workerpool1"),
        ({"MASTER_ADDR": "h", "MASTER_PORT": "p", "WORLD_SIZE": "2", "RANK": "0"}, "MASTER_PORT must be a whole number, not 'p'"),
        ({"MASTER_ADDR": "h", "MASTER_PORT": "1", "WORLD_SIZE": "2", "RANK": "2"}, "RANK 2 is not below WORLD_SIZE 2"),
    ],
)  # fmt: skip
def test_bad_cluster_description_exits_2(monkeypatch, capsys, env, message):
    for name in ("CLUSTER_SPEC", "MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert launch.main(["--dry_run", "--", "--output_dir", "x"]) == 2
    assert capsys.readouterr().err.startswith(f"python -m training.launch: error: {message}")


def test_dry_run_prints_the_command(monkeypatch, capsys):
    monkeypatch.setenv("CLUSTER_SPEC", cluster_spec(1, "workerpool1", 0))
    monkeypatch.delenv("MASTER_PORT", raising=False)
    assert launch.main(["--nproc_per_node", "2", "--dry_run", "--", "--output_dir", "gs://b/o"]) == 0
    out = capsys.readouterr().out
    assert "--nnodes=2 --node_rank=1 --master_addr=cmle-training-workerpool0-ab-0 --master_port=2222" in out
    assert out.strip().endswith("-m training.finetune --output_dir gs://b/o")


# --- two replicas on loopback ------------------------------------------------------------

TRAIN_PAIRS, EVAL_PAIRS, BATCH = 192, 16, 8


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ddp-corpus")
    return {
        "train": write_jsonl(root / "train.jsonl", read_pairs(DATA_DIR / "train.jsonl")[:TRAIN_PAIRS]),
        "validation": write_jsonl(root / "validation.jsonl", read_pairs(DATA_DIR / "validation.jsonl")[:EVAL_PAIRS]),
        "test": write_jsonl(root / "test.jsonl", read_pairs(DATA_DIR / "test.jsonl")[:EVAL_PAIRS]),
    }


@pytest.mark.slow
def test_two_replicas_train_one_model_with_ddp(tmp_path, tiny_model_dir, small_corpus):
    """Two processes, each given the environment Vertex gives a replica of a two-replica job,
    train one model over gloo: world size 2, the same number of optimizer steps on both ranks
    (half an epoch's batches each), and one output directory written by rank 0 that archives."""
    from handler.archive import build_archive
    from handler.torchserve import free_ports

    master_port, worker_port = free_ports(2)
    output = tmp_path / "out"
    metric_file = tmp_path / "hypertune" / "output.metrics"
    trainer_args = [
        "--model_name_or_path", str(tiny_model_dir),
        *data_args(small_corpus["train"], small_corpus["validation"], small_corpus["test"]),
        "--output_dir", str(output),
        "--num_train_epochs", "1", "--per_device_train_batch_size", str(BATCH), "--per_device_eval_batch_size", "16",
        "--eval_steps", "8", "--logging_steps", "4", "--learning_rate", "5e-3",
        "--max_target_length", "24", "--generation_num_beams", "1", "--seed", "3",
    ]  # fmt: skip
    pools = {"workerpool0": [f"127.0.0.1:{master_port}"], "workerpool1": [f"127.0.0.1:{worker_port}"]}
    replicas = []
    for rank, (kind, index) in enumerate((("workerpool0", 0), ("workerpool1", 0))):
        spec = {"cluster": pools, "environment": "cloud", "task": {"type": kind, "index": index}, "job": {}}
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "CLUSTER_SPEC": json.dumps(spec),
            "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(master_port), "WORLD_SIZE": "2", "RANK": str(rank),
            "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
            # As in a tuning trial: the trainer reports validation BLEU where Vertex reads it.
            "CLOUD_ML_TRIAL_ID": "7", "CLOUD_ML_HP_METRIC_FILE": str(metric_file),
        }  # fmt: skip
        replicas.append(
            subprocess.Popen(
                [sys.executable, "-m", "training.launch", "--", *trainer_args],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
        )
    logs = []
    try:
        for replica in replicas:
            logs.append(replica.communicate(timeout=300)[0])
    finally:
        for replica in replicas:
            replica.kill()
    for replica, log in zip(replicas, logs):
        assert replica.returncode == 0, log[-3000:]

    steps = {int(r): int(s) for log in logs for r, s in re.findall(r"rank (\d) of 2: (\d+) optimizer steps", log)}
    expected = -(-TRAIN_PAIRS // (BATCH * 2))  # each rank sees half the pairs
    assert steps == {0: expected, 1: expected}
    assert "node 1 of 2" in logs[1] and "--node_rank=1" in logs[1]

    results = json.loads((output / "eval_results.json").read_text(encoding="utf-8"))
    assert results["world_size"] == 2
    state = json.loads((output / "trainer_state.json").read_text())
    assert state["global_step"] == expected
    # Rank 0 alone reports and writes: the base and fine-tuned scores are printed once.
    assert sum(log.count("base model on the test split") for log in logs) == 1
    assert sum(log.count("\nfine-tuned ") for log in logs) == 1
    assert (output / "model.safetensors").is_file() and (output / "training_curves.png").is_file()
    assert build_archive(output, tmp_path / "store").stat().st_size > 0

    # cloudml-hypertune's format: one JSON object per line, the metric under its tag as a string.
    reports = [json.loads(line) for line in metric_file.read_text().splitlines()]
    scores = [entry for entry in state["log_history"] if "eval_bleu" in entry]
    assert len(reports) == len(scores) + 1  # every validation score, then the kept model's, once (rank 0)
    assert [float(r["bleu"]) for r in reports[:-1]] == [e["eval_bleu"] for e in scores]
    assert float(reports[-1]["bleu"]) == results["best_validation_bleu"]
    assert {r["trial"] for r in reports} == {"7"} and reports[-1]["global_step"] == str(expected)
    assert set(reports[0]) == {"timestamp", "trial", "bleu", "global_step", "checkpoint_path"}
