"""Readiness check: exit 0 only when every worker of the tr_en model is READY.

    python3 docker/readiness.py        # Vertex startup/health exec probe and the image's HEALTHCHECK

TorchServe's /ping answers Healthy while the model is still loading and after it failed to load,
so this asks the management API on loopback (port TS_MANAGEMENT_PORT, default 8081) instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handler.torchserve import MANAGEMENT_PORT, MODEL_NAME, model_status  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docker/readiness.py", description=__doc__.split("\n\n")[0])
    default_port = os.environ.get("TS_MANAGEMENT_PORT") or str(MANAGEMENT_PORT)
    parser.add_argument("--management-url", default=f"http://127.0.0.1:{default_port}",
                        help="TorchServe's management API (default: http://127.0.0.1:$TS_MANAGEMENT_PORT)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the answer")
    args = parser.parse_args(argv)
    ready, reason = model_status(args.management_url, MODEL_NAME, timeout=args.timeout)
    print(f"{'ready' if ready else 'not ready'}: {reason}")
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
