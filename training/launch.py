"""Start the trainer on every process of this machine: what a Vertex AI training job runs.

    python -m training.launch -- --train_file gs://B/train.jsonl --num_train_epochs 3
    python -m training.launch --dry_run -- ...      # print the command instead of running it

Everything after `--` goes to `python -m training.finetune`. On a replica of a distributed
Vertex job (CLUSTER_SPEC set) it starts torchrun with one node per replica, this replica's node
rank, one process per GPU (one on a CPU-only machine) and the primary replica as the rendezvous
host. On one machine with several GPUs it starts torchrun --standalone; on one machine with one
GPU or none it runs the trainer directly, in this process.

What Vertex sets (see vertex/README.md for the sources): CLUSTER_SPEC, a JSON object whose
"cluster" maps worker pools to "host:port" lists ("workerpool0" is the one primary replica,
"workerpool1" the workers) and whose "task" says which pool and index this replica is; for
PyTorch also MASTER_ADDR, MASTER_PORT, WORLD_SIZE (replicas) and RANK (this replica's index).
Without CLUSTER_SPEC those four variables alone describe the cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TRAINER_MODULE = "training.finetune"
# Pools that train: the primary replica and the workers. workerpool2 (parameter or reduction
# servers) and workerpool3 (evaluators) take no part in DDP.
TRAINING_POOLS = ("workerpool0", "workerpool1")


class ClusterError(Exception):
    """The environment describes no cluster this launcher can start: one sentence, exit code 2."""


@dataclass(frozen=True)
class Cluster:
    """The machines of a job, from this machine's point of view."""

    nodes: int
    node_rank: int
    master_addr: str
    master_port: int


def cluster_from_env(env: Mapping[str, str]) -> Cluster | None:
    """The cluster Vertex describes in `env`, or None on a single machine."""
    if env.get("CLUSTER_SPEC"):
        return _from_cluster_spec(env["CLUSTER_SPEC"], env.get("MASTER_PORT"))
    names = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK")
    if all(env.get(name) for name in names):
        nodes, rank = _integer("WORLD_SIZE", env["WORLD_SIZE"]), _integer("RANK", env["RANK"])
        if not 0 <= rank < nodes:
            raise ClusterError(f"RANK {rank} is not below WORLD_SIZE {nodes}")
        return Cluster(nodes, rank, env["MASTER_ADDR"], _integer("MASTER_PORT", env["MASTER_PORT"]))
    return None


def _from_cluster_spec(text: str, master_port: str | None) -> Cluster:
    try:
        spec = json.loads(text)
        pools, task = spec["cluster"], spec["task"]
        kind, index = task["type"], int(task["index"])
        primary = pools["workerpool0"]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise ClusterError(f"CLUSTER_SPEC is not the JSON Vertex sets ({type(e).__name__}: {e})") from None
    if kind not in TRAINING_POOLS:
        raise ClusterError(f"this replica is in {kind}, but only {' and '.join(TRAINING_POOLS)} train")
    if len(primary) != 1:
        raise ClusterError(f"workerpool0 must hold exactly one replica, not {len(primary)}")
    workers = pools.get("workerpool1", [])
    node_rank = 0 if kind == "workerpool0" else 1 + index
    nodes = 1 + len(workers)
    if node_rank >= nodes:
        raise ClusterError(f"task {kind} index {index} is not in the cluster's {kind}")
    host, _, port = primary[0].rpartition(":")
    if not host:
        raise ClusterError(f"workerpool0 address {primary[0]!r} is not host:port")
    # MASTER_PORT, where set, is the port Vertex opened for PyTorch; otherwise the pool's own.
    return Cluster(nodes, node_rank, host, _integer("the workerpool0 port", master_port or port))


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ClusterError(f"{name} must be a whole number, not {text!r}") from None


def local_processes() -> int:
    """One process per GPU; one on a machine without."""
    import torch

    return torch.cuda.device_count() or 1


def command(cluster: Cluster | None, nproc: int, trainer_args: Sequence[str]) -> list[str] | None:
    """The torchrun command line, or None when the trainer runs alone in this process."""
    trainer = ["-m", TRAINER_MODULE, *trainer_args]
    torchrun = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"]
    if cluster is None or cluster.nodes == 1:
        return None if nproc == 1 else [*torchrun, "--standalone", *trainer]
    return [
        *torchrun,
        f"--nnodes={cluster.nodes}",
        f"--node_rank={cluster.node_rank}",
        # Static rendezvous: the primary replica hosts the store at a fixed address.
        f"--master_addr={cluster.master_addr}",
        f"--master_port={cluster.master_port}",
        *trainer,
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.launch",
        usage="%(prog)s [--nproc_per_node N] [--dry_run] -- TRAINER_ARGS...",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--nproc_per_node", type=int, metavar="N",
                        help="processes on this machine (default: its GPUs, or 1 without)")  # fmt: skip
    parser.add_argument("--dry_run", action="store_true", help="print the command that would run, and stop")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    ours, trainer_args = argv[:cut], argv[cut + 1 :]
    parser = build_parser()
    args = parser.parse_args(ours)
    try:
        cluster = cluster_from_env(os.environ)
    except ClusterError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return 2
    if args.nproc_per_node is not None and args.nproc_per_node < 1:
        parser.error(f"--nproc_per_node must be at least 1, not {args.nproc_per_node}")
    nproc = args.nproc_per_node or local_processes()
    line = command(cluster, nproc, trainer_args)
    where = f"node {cluster.node_rank} of {cluster.nodes}" if cluster else "a single machine"
    shown = shlex.join(line) if line else f"{sys.executable} -m {TRAINER_MODULE} (in this process)"
    print(f"{parser.prog}: {where}, {nproc} process(es) here: {shown}", file=sys.stderr, flush=True)
    if args.dry_run:
        print(shlex.join(line or [sys.executable, "-m", TRAINER_MODULE, *trainer_args]))
        return 0
    if line is None:
        from training import finetune

        return finetune.main(trainer_args)
    # torchrun replaces this process: in a container it becomes PID 1 and gets the SIGTERM Vertex
    # sends on preemption, which it forwards to the trainers; its exit status is theirs.
    sys.stdout.flush()
    os.execv(line[0], line)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
