"""The command-line flags the bench tools share, spelled the same in each."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_out_flag(parser: argparse.ArgumentParser, default: Path, what: str) -> None:
    """`--out DIR` (args.out), where the tool writes `what`; `--output` is the older spelling of bench.run."""
    parser.add_argument("--out", "--output", dest="out", type=Path, default=default,
                        help=f"folder for {what} (default: {default})")  # fmt: skip
