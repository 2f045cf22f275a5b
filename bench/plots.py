"""The benchmark's PNG plots: throughput and latency per run, and the targets with their rounds."""

from __future__ import annotations

import os
from pathlib import Path

from bench.result import Result
from bench.targets import Measured


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r.label for r in results]
    colors = {"in-process": "#4c72b0", "torchserve": "#55a868", "naive": "#c44e52",
              "container-edge": "#8172b2", "container-direct": "#937860"}  # fmt: skip
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 0.42 * len(results) + 2), sharey=True)
    y = range(len(results))
    left.barh(y, [r.summary()["sentences_per_s"] for r in results], color=[colors[r.system] for r in results])
    left.set_yticks(list(y), labels, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("sentences / s (higher is better)")
    right.barh(y, [r.summary()["p50_s"] for r in results], color=[colors[r.system] for r in results])
    right.errorbar([r.summary()["p50_s"] for r in results], list(y),
                   xerr=[[0] * len(results), [r.summary()["p95_s"] - r.summary()["p50_s"] for r in results]],
                   fmt="none", ecolor="black", capsize=3)  # fmt: skip
    right.set_xlabel("latency p50 (bar) to p95 (whisker), s: per request, per batch in-process")
    fig.suptitle(f"tr_en serving on {os.cpu_count()} CPU cores, greedy, {results[0].max_new_tokens} tokens/sentence")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_targets(rows: list[Measured], path: Path) -> None:
    """Each ratio target: its rounds as dots, the value as a bar, the target as a tick."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [row for row in rows if row.target.metric != "bleu"]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(ratios) + 1.5))
    y = list(range(len(ratios)))
    ax.barh(y, [r.value for r in ratios], color=["#55a868" if r.met else "#c44e52" for r in ratios], alpha=0.6)
    for i, row in enumerate(ratios):
        ax.plot([row.target.threshold] * 2, [i - 0.4, i + 0.4], color="black")
        ax.scatter(row.rounds, [i] * len(row.rounds), color="black", s=12, zorder=3)
    ax.set_yticks(y, [r.target.name for r in ratios], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ratio (bar: the value judged, green met, red missed; dots: rounds; black tick: the target)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

