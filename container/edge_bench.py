"""Measure what the edge costs: the same TorchServe answered through the entrypoint's edge and directly.

    python -m container.edge_bench --archive model_store/tr_en.mar

Starts `python -m container.entrypoint` on free ports (edge and TorchServe), then, on that one
server: a lone request's latency (p50 over --lone requests, edge and direct alternating), and the
throughput of --concurrency clients (edge and direct in alternating rounds after a warm-up round of
each), with the batch sizes TorchServe formed in each round (the handler's "handled a batch of"
lines in TorchServe's log, which the entrypoint echoes). Prints a table and writes --out (JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from tqdm import tqdm

from handler.torchserve import free_ports, model_status

BATCH_LINE = re.compile(r"handled a batch of (\d+) requests")
BODY = json.dumps({"instances": ["Bu odun yanmaz."], "parameters": {"max_new_tokens": 16}}).encode()


def start_entrypoint(archive: Path, workdir: Path) -> tuple[subprocess.Popen, dict[str, str], Path]:
    names = ["AIP_HTTP_PORT", "TS_INFERENCE_PORT", "TS_MANAGEMENT_PORT", "TS_METRICS_PORT",
             "TS_GRPC_INFERENCE_PORT", "TS_GRPC_MANAGEMENT_PORT"]  # fmt: skip
    env = {**os.environ, **dict(zip(names, map(str, free_ports(len(names))))),
           "AIP_PREDICT_ROUTE": "/predict", "AIP_HEALTH_ROUTE": "/health"}  # fmt: skip
    log = workdir / "entrypoint.log"
    command = [sys.executable, "-m", "container.entrypoint", "--model-store", str(archive.parent),
               "--workdir", str(workdir / "ts"), "--host", "127.0.0.1"]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, env, log


def batch_sizes(log: Path, start: int) -> tuple[list[int], int]:
    text = log.read_bytes()
    return [int(n) for n in BATCH_LINE.findall(text[start:].decode(errors="replace"))], len(text)


async def lone(session: aiohttp.ClientSession, urls: dict[str, str], count: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in urls}
    for i in tqdm(range(count), desc="lone requests", unit="pair"):
        for name in sorted(urls, reverse=i % 2 == 1):  # alternate which goes first
            started = time.perf_counter()
            async with session.post(urls[name], data=BODY, headers={"Content-Type": "application/json"}) as r:
                await r.read()
                assert r.status == 200, r.status
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


async def throughput(session: aiohttp.ClientSession, url: str, clients: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.post(url, data=BODY, headers={"Content-Type": "application/json"}) as r:
                await r.read()
                assert r.status == 200, r.status
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.perf_counter() - started)


async def measure(args: argparse.Namespace, urls: dict[str, str], log: Path) -> dict:
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        result: dict = {"lone_p50_ms": await lone(session, urls, args.lone), "rounds": []}
        order = ["direct", "edge"]
        for i in tqdm(range(args.rounds * 2 + 2), desc=f"rounds at concurrency {args.concurrency}", unit="round"):
            name = order[i % 2] if (i // 2) % 2 == 0 else order[1 - i % 2]  # ABBA: neither always goes first
            offset = batch_sizes(log, 0)[1]
            rate = await throughput(session, urls[name], args.concurrency, args.round_seconds)
            sizes = batch_sizes(log, offset)[0]
            result["rounds"].append({"target": name, "warm_up": i < 2, "requests_per_s": rate,
                                     "batch_sizes": dict(sorted(Counter(sizes).items(), reverse=True))})  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m container.edge_bench", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--archive", type=Path, default=Path("model_store/tr_en.mar"), help="the .mar to serve")
    parser.add_argument("--lone", type=int, default=50, help="lone requests to each target (default 50)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per target after a warm-up (default 3)")
    parser.add_argument("--round-seconds", type=float, default=15, help="seconds per round (default 15)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures here (JSON)")
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        parser.error(f"--archive {args.archive} does not exist; make archive builds model_store/tr_en.mar")
    workdir = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    process, env, log = start_entrypoint(args.archive.resolve(), workdir)
    try:
        management = f"http://127.0.0.1:{env['TS_MANAGEMENT_PORT']}"
        deadline = time.monotonic() + 900
        while not model_status(management)[0]:
            if process.poll() is not None or time.monotonic() > deadline:
                print(f"the entrypoint did not become ready; see {log}", file=sys.stderr)
                return 1
            time.sleep(1)
        urls = {"edge": f"http://127.0.0.1:{env['AIP_HTTP_PORT']}/predict",
                "direct": f"http://127.0.0.1:{env['TS_INFERENCE_PORT']}/predictions/tr_en"}  # fmt: skip
        result = asyncio.run(measure(args, urls, log))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    lone_ms = result["lone_p50_ms"]
    print(f"lone request p50: edge {lone_ms['edge']:.2f} ms, direct {lone_ms['direct']:.2f} ms "
          f"(edge adds {lone_ms['edge'] - lone_ms['direct']:.2f} ms)")  # fmt: skip
    for r in result["rounds"]:
        print(f"{'warm-up' if r['warm_up'] else 'round  '} {r['target']:6} {r['requests_per_s']:7.1f} requests/s  "
              f"batches {r['batch_sizes']}")  # fmt: skip
    measured = {t: [r["requests_per_s"] for r in result["rounds"] if r["target"] == t and not r["warm_up"]]
                for t in ("edge", "direct")}  # fmt: skip
    ratio = statistics.mean(measured["edge"]) / statistics.mean(measured["direct"])
    print(f"throughput at concurrency {args.concurrency}: edge / direct = {ratio:.3f}")
    if args.out:
        args.out.write_text(json.dumps({**result, "edge_over_direct": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
