"""A PNG of training loss and validation BLEU over steps, from a run's trainer_state.json.

python -m training.plots artifacts/demo-model      # writes artifacts/demo-model/training_curves.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PLOT_NAME = "training_curves.png"


def plot_training_curves(log_history: list[dict], png: Path, title: str = "") -> Path:
    """Training loss (left axis) and validation BLEU (right axis) against the global step."""
    import matplotlib

    matplotlib.use("Agg")  # no display on training machines
    import matplotlib.pyplot as plt

    loss = [(e["step"], e["loss"]) for e in log_history if "loss" in e]
    bleu = [(e["step"], e["eval_bleu"]) for e in log_history if "eval_bleu" in e]
    fig, loss_axis = plt.subplots(figsize=(7, 4), dpi=120)
    if loss:
        loss_axis.plot(*zip(*loss), color="tab:blue", label="training loss")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("training loss", color="tab:blue")
    bleu_axis = loss_axis.twinx()
    if bleu:
        bleu_axis.plot(*zip(*bleu), color="tab:orange", marker="o", label="validation BLEU")
    bleu_axis.set_ylabel("validation BLEU", color="tab:orange")
    loss_axis.set_title(title or "training loss and validation BLEU")
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
    return png


def plot_run(output_dir: Path, title: str = "") -> Path:
    state = json.loads((output_dir / "trainer_state.json").read_text(encoding="utf-8"))
    return plot_training_curves(state["log_history"], output_dir / PLOT_NAME, title)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.plots", description=__doc__.split("\n\n")[0])
    parser.add_argument("output_dir", type=Path, help="a fine-tuning output directory with trainer_state.json")
    args = parser.parse_args(argv)
    if not (args.output_dir / "trainer_state.json").is_file():
        print(f"error: {args.output_dir} has no trainer_state.json", file=sys.stderr)
        return 2
    print(plot_run(args.output_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
