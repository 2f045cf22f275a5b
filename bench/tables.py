"""The benchmark's tables: throughput and latency, CPU cost, pairs, quality and the targets."""

from __future__ import annotations

from bench.precision import scores_table
from bench.result import Result
from bench.targets import Measured


def report(results: list[Result], rows: list[Measured], bleu: dict[str, dict[str, float]], notes: list[str]) -> str:
    lines = [
        f"{'configuration':<44} {'sent/s':>8} {'tok/s':>8} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'err':>4} {'MiB':>6}"
        f" {'req/batch':>9} {'busy':>5}"
    ]
    for r in results:
        s = r.summary()
        lines.append(
            f"{r.label:<44} {s['sentences_per_s']:8.2f} {s['tokens_per_s']:8.1f} {s['p50_s']:7.3f} "
            f"{s['p95_s']:7.3f} {s['p99_s']:7.3f} {r.errors:4d} {r.peak_rss_mib:6.0f}"
            + (f" {s['requests_per_batch']:9.1f} {s['worker_busy']:5.2f}" if r.batches else "")
        )
    lines.append("\n" + cost_table(results))
    pairs = pair_table(results)
    if pairs:
        lines.append("\n" + pairs)
    if bleu:
        lines.append("\nquality on the demo test split (served defaults; greedy agreement with the first row)")
        lines.append(scores_table(bleu))
    if notes:
        lines.append("")
        lines += notes
    lines.append("\ntargets (a server against its own in-process runs: the median of the rounds)")
    for row in rows:
        rounds = f"  rounds {' '.join(f'{v:.2f}' for v in row.rounds)}" if row.rounds else ""
        verdict = "met " if row.met else "MISS"
        lines.append(f"  {verdict} {row.target.name:<62} {row.value:6.2f} (target {row.target.bound}){rounds}")
    return "\n".join(lines)


def pair_table(results: list[Result]) -> str:
    """Where a served batch's time goes against its in-process twin, for the runs measured in pairs
    (paired_runs: the same sentences in-process and as concurrent requests): per batch, the wall time
    of the served one, the worker's time in the handler on it, the in-process batch, and what the
    server adds outside the handler (HTTP, the Java frontend, its batching delay, the worker protocol).
    Empty without pairs."""
    local = {(r.name, r.concurrency): r for r in results if r.system == "in-process"}
    rows = []
    for r in results:
        twin = local.get((r.name, r.concurrency))
        if r.system != "torchserve" or r.instances != 1 or twin is None or not r.batches or not r.handling_s:
            continue
        if r.sentences + r.errors != twin.sentences:  # not paired (paired_sizes): other sentences
            continue
        n = len(twin.latencies)  # in-process batches, each paired with one served batch of requests
        rows.append(
            f"{r.label:<44} {1000 * r.seconds / n:9.1f} {1000 * r.handling_s / n:10.1f} "
            f"{1000 * twin.seconds / n:11.1f} {1000 * (r.seconds - r.handling_s) / n:14.1f} "
            f"{r.handling_s / twin.seconds:17.3f}"
        )
    if not rows:
        return ""
    head = (
        f"{'pairs: per batch, ms':<44} {'served':>9} {'handler':>10} {'in-process':>11} {'outside handler':>14} "
        f"{'handler/in-process':>17}"
    )
    return "\n".join([head, *rows])


def cost_table(results: list[Result]) -> str:
    """CPU cost per unit of work (the server's, load generator apart) and where each request's time goes;
    "edge": the container's entrypoint process (bench/edge.py), for the container path's runs."""
    lines = [
        f"{'cost (server CPU, load generator apart)':<44} {'s/1k sent':>9} {'s/M char':>9} {'sent/s/vCPU':>11} "
        f"{'frontend ms/req':>15} {'worker ms/req':>13} {'loadgen ms/req':>14} {'edge ms/req':>11}"
    ]
    for r in results:
        s = r.summary()
        requests = len(r.latencies) or 1
        per = lambda seconds, n=requests: 1000 * seconds / n  # noqa: E731
        served = r.system != "in-process"
        torchserve = r.system == "torchserve" or r.system.startswith("container-")
        worker = r.server_cpu.get("worker", 0.0) if torchserve else sum(r.server_cpu.values())
        lines.append(
            f"{r.label:<44} {s['cpu_s_per_1k_sentences']:9.1f} {s['cpu_s_per_m_chars']:9.0f} "
            f"{s['sentences_per_s_per_vcpu']:11.2f} "
            + (f"{per(r.server_cpu.get('frontend', 0.0)):15.1f} " if torchserve else f"{'':15} ")
            + (f"{per(worker):13.1f} {per(r.load_generator_cpu):14.1f}" if served else "")
            + (f" {per(r.server_cpu.get('edge', 0.0)):11.2f}" if r.system.startswith("container-") else "")
        )
    return "\n".join(lines)
