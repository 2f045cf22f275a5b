"""Readiness check: exit 0 only when every worker of the tr_en model is READY and the replica is not draining.

    python -m container.readiness      # Vertex startup/health exec probe and the image's HEALTHCHECK

TorchServe's /ping answers Healthy while the model is still loading and after it failed to load,
so this asks the management API on loopback (port TS_MANAGEMENT_PORT, default 8081) instead, and
then the public port's health route (AIP_HTTP_PORT, AIP_HEALTH_ROUTE), which turns 503 the moment
SIGTERM arrives.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

from handler.torchserve import HEALTH_ROUTE, INFERENCE_PORT, MANAGEMENT_PORT, MODEL_NAME, model_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m container.readiness", description=__doc__.split("\n\n")[0])
    default_port = os.environ.get("TS_MANAGEMENT_PORT") or str(MANAGEMENT_PORT)
    parser.add_argument("--management-url", default=f"http://127.0.0.1:{default_port}",
                        help="TorchServe's management API (default: http://127.0.0.1:$TS_MANAGEMENT_PORT)")  # fmt: skip
    route = os.environ.get("AIP_HEALTH_ROUTE") or HEALTH_ROUTE
    default_health = f"http://127.0.0.1:{os.environ.get('AIP_HTTP_PORT') or INFERENCE_PORT}{route}"
    parser.add_argument("--health-url", default=default_health,
                        help="the public health route (default: from AIP_HTTP_PORT and AIP_HEALTH_ROUTE)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the answer")
    args = parser.parse_args(argv)
    ready, reason = model_status(args.management_url, MODEL_NAME, timeout=args.timeout)
    if ready:
        ready, reason = health(args.health_url, args.timeout)
    print(f"{'ready' if ready else 'not ready'}: {reason}")
    return 0 if ready else 1


def health(url: str, timeout: float) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True, "health route answers 200"
    except urllib.error.HTTPError as e:
        return False, f"health route answers {e.code}: {e.read().decode(errors='replace')[:200]}"
    except OSError as e:
        return False, f"health route not answering: {e}"


if __name__ == "__main__":
    sys.exit(main())
