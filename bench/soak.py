"""Soak test: hold a steady request rate for minutes and check nothing is lost, mixed up or leaking.

    python -m bench.soak --model-dir artifacts/demo-model --duration 240 --rate 10
    python -m bench.soak --duration 1800 --rate 12 --warmup 120 --pool 3000 --handler-config cache_mib=1
                                                   # the 30-minute soak: cache on, hits, misses and evictions

Starts the project's TorchServe on loopback, learns each sentence's translation from the server
itself, then sends requests of 1 to 4 random sentences at a fixed rate. The sentences are 16
fixed ones, or with --pool N the first N of the shipped training corpus: with a cache smaller
than the pool, requests mix cache hits, misses and evictions the whole time. Every response must be
200 and equal the translations of exactly the sentences its request carried, each request must
get exactly one response, and the worker's memory must not grow by more than 5% after the
warm-up. Writes soak.json and soak.png (latency and worker memory over time).

--handler-config KEY=VALUE changes the `handler:` section of model-config.yaml packed into the
soak's archive (the translation cache's settings, say); --parameters is sent with every request.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import psutil
import yaml
from tqdm import tqdm

from bench.batches import scrape
from bench.cli import add_out_flag
from bench.workload import corpus_sentences
from handler.archive import build_archive
from handler.settings import ServingSettings, read_model_config
from handler.torchserve import PREDICT_ROUTE, loopback_torchserve

SENTENCES = [
    "Bu odun yanmaz.",
    "Çocuk okula gidiyor.",
    "Kedi bahçede uyuyor.",
    "Ev çok büyük.",
    "Annem bugün ekmek aldı.",
    "Yarın kitabı okuyacağım.",
    "Köpek suyu içti.",
    "Biz dün sinemaya gittik.",
    "Bu elma tatlı değil.",
    "Onlar her gün parkta koşuyor.",
    "Kadın mektubu yazdı.",
    "Sen nereye gidiyorsun?",
    "Babam arabayı yıkıyor.",
    "Öğretmen kapıyı açtı.",
    "Bu kağıt yanmaz.",
    "Kuşlar ağaçta şarkı söylüyor.",
]
PARAMETERS = {"num_beams": 1, "max_new_tokens": 64}


@dataclass
class SoakReport:
    duration_s: float
    target_rate: float
    warmup_s: float = 0.0
    parameters: dict = field(default_factory=dict)
    sent: int = 0
    ok: int = 0
    failed: int = 0
    mismatched: int = 0
    duplicated: int = 0
    lost: int = 0
    latency_p50_ms: float = 0.0
    latency_p99_ms: float = 0.0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_max_mib: float = 0.0
    rss_growth_pct: float = 0.0
    pool: int = 0  # distinct sentences the requests draw from
    cache_hits: int = 0  # the server's own counters over the steady part (after learning)
    cache_misses: int = 0
    errors: list[str] = field(default_factory=list)
    rss_samples: list[tuple[float, float]] = field(default_factory=list)
    latencies: list[tuple[float, float]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        # Memory: the last quarter after warm-up within 5% of its first quarter.
        steady = self.rss_growth_pct < 5.0
        return self.failed == self.mismatched == self.duplicated == self.lost == 0 and steady and self.sent > 0


def sentence_pool(size: int) -> list[str]:
    """The 16 fixed sentences, or the first `size` distinct sources of the shipped training corpus."""
    if size <= 0:
        return list(SENTENCES)
    pool = list(dict.fromkeys(corpus_sentences()[0]))[:size]
    if len(pool) < size:
        raise ValueError(f"--pool {size} is more than the {len(pool)} distinct sentences of the shipped corpus")
    return pool


async def learn_translations(
    session: aiohttp.ClientSession, url: str, parameters: dict, sentences: list[str], per_request: int = 8
) -> dict[str, str]:
    """Each sentence's translation as the server gives it: the reference for matching."""
    reference = {}
    for i in tqdm(range(0, len(sentences), per_request), desc="learning translations", unit="req", leave=False):
        chunk = sentences[i : i + per_request]
        async with session.post(url, json={"instances": chunk, "parameters": parameters}) as response:
            response.raise_for_status()
            reference.update(zip(chunk, (await response.json())["predictions"], strict=True))
    return reference


def cache_counts(metrics_address: str | None) -> tuple[int, int]:
    """(hits, misses) of the translation cache on the server's metrics port; zeros without one."""
    if metrics_address is None:
        return 0, 0
    counts = scrape(metrics_address)
    return int(counts.get("translation_cache_hits_total", 0)), int(counts.get("translation_cache_misses_total", 0))


async def soak(
    url: str,
    worker_pids: list[int],
    duration: float,
    rate: float,
    seed: int,
    parameters: dict | None = None,
    warmup: float = 0.0,
    pool: list[str] | None = None,
    metrics_address: str | None = None,
) -> SoakReport:
    parameters = PARAMETERS if parameters is None else parameters
    pool = SENTENCES if pool is None else pool
    report = SoakReport(duration_s=duration, target_rate=rate, warmup_s=warmup, parameters=parameters, pool=len(pool))
    rng = random.Random(seed)
    answered: dict[int, int] = {}
    client_errors: set[int] = set()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        reference = await learn_translations(session, url, parameters, pool)
        hits_before, misses_before = cache_counts(metrics_address)
        start = time.monotonic()

        async def one(request_id: int, sentences: list[str]) -> None:
            sent_at = time.monotonic()
            try:
                async with session.post(url, json={"instances": sentences, "parameters": parameters}) as response:
                    body = await response.json(content_type=None)
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as e:
                report.failed += 1
                client_errors.add(request_id)
                report.errors.append(f"request {request_id}: {type(e).__name__}: {e}")
                return
            answered[request_id] = answered.get(request_id, 0) + 1
            report.latencies.append((sent_at - start, (time.monotonic() - sent_at) * 1000))
            if status != 200:
                report.failed += 1
                report.errors.append(f"request {request_id}: HTTP {status}: {body}")
            elif body.get("predictions") != [reference[s] for s in sentences]:
                report.mismatched += 1
                report.errors.append(f"request {request_id}: predictions do not match its sentences")
            else:
                report.ok += 1

        async def sample_memory() -> None:
            while True:
                rss = sum(_rss(pid) for pid in worker_pids) / 2**20
                report.rss_samples.append((time.monotonic() - start, rss))
                await asyncio.sleep(2.0)

        sampler = asyncio.create_task(sample_memory())
        tasks = []
        total = int(duration * rate)
        with tqdm(total=total, desc="soak", unit="req") as bar:
            for request_id in range(total):
                # Open loop: requests leave on schedule whether or not earlier ones came back.
                await asyncio.sleep(max(0.0, start + request_id / rate - time.monotonic()))
                sentences = rng.sample(pool, rng.randint(1, 4))
                task = asyncio.create_task(one(request_id, sentences))
                task.add_done_callback(lambda _: bar.update())
                tasks.append(task)
            report.sent = total
            await asyncio.gather(*tasks)
        sampler.cancel()
    hits, misses = cache_counts(metrics_address)
    report.cache_hits, report.cache_misses = hits - hits_before, misses - misses_before
    report.duplicated = sum(1 for n in answered.values() if n > 1)
    # A request with neither a response nor a client-side error has vanished.
    report.lost = report.sent - len(answered) - len(client_errors)
    latencies = sorted(ms for _, ms in report.latencies)
    if latencies:
        report.latency_p50_ms = statistics.median(latencies)
        report.latency_p99_ms = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    steady = [r for t, r in report.rss_samples if t >= warmup] or [r for _, r in report.rss_samples]
    quarter = max(1, len(steady) // 4)
    report.rss_start_mib = statistics.mean(steady[:quarter])
    report.rss_end_mib = statistics.mean(steady[-quarter:])
    report.rss_max_mib = max(r for _, r in report.rss_samples)
    report.rss_growth_pct = 100 * (report.rss_end_mib - report.rss_start_mib) / report.rss_start_mib
    return report


def _rss(pid: int) -> int:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def plot(report: SoakReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot([t for t, _ in report.latencies], [ms for _, ms in report.latencies], ".", markersize=2)
    top.set_ylabel("latency (ms)")
    top.set_title(f"soak: {report.sent} requests at {report.target_rate}/s, {report.failed} failed")
    bottom.plot([t for t, _ in report.rss_samples], [r for _, r in report.rss_samples])
    if report.warmup_s:
        bottom.axvline(report.warmup_s, color="grey", linestyle=":", label="end of warm-up")
        bottom.legend()
    bottom.set_ylabel(f"worker RSS (MiB), {report.rss_growth_pct:+.1f}% after warm-up")
    bottom.set_xlabel("time since start (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def model_config(overrides: list[str]) -> dict | None:
    """handler/model-config.yaml with `KEY=VALUE` overrides in its handler section; None without any."""
    if not overrides:
        return None
    config = copy.deepcopy(read_model_config())
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--handler-config takes KEY=VALUE, not {item!r}")
        config["handler"][key] = yaml.safe_load(value)
    ServingSettings.from_model_config(config)  # an unknown key fails here, not in the worker minutes later
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("artifacts/demo-model"), help="Marian model to serve")
    parser.add_argument("--duration", type=float, default=240.0, help="seconds of steady load")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (must be sustainable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=float, default=0.0, help="seconds left out of the memory-growth check")
    parser.add_argument("--pool", type=int, default=0,
                        help="draw from the first N sentences of the shipped corpus (default: 16 fixed)")  # fmt: skip
    parser.add_argument("--parameters", type=json.loads, default=PARAMETERS,
                        help=f"request parameters, JSON (default {json.dumps(PARAMETERS)})")  # fmt: skip
    parser.add_argument("--handler-config", action="append", default=[], metavar="KEY=VALUE",
                        help="set a key of model-config.yaml's handler: section (YAML value); repeatable")  # fmt: skip
    add_out_flag(parser, Path("bench/results"), "soak.json and soak.png")
    args = parser.parse_args(argv)
    if not (args.model_dir / "config.json").is_file():
        print(f"error: {args.model_dir} is not a model directory (run make demo-model first)", file=sys.stderr)
        return 2
    try:
        config = model_config(args.handler_config)
        pool = sentence_pool(args.pool)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        store = build_archive(args.model_dir, Path(tmp) / "store", model_config=config).parent
        server = loopback_torchserve(store, Path(tmp) / "torchserve")
        server.start()
        try:
            server.wait_ready()
            url = f"{server.inference_address}{PREDICT_ROUTE}"
            pids = server.worker_pids()
            report = asyncio.run(soak(url, pids, args.duration, args.rate, args.seed, args.parameters, args.warmup,
                                      pool, server.metrics_address))  # fmt: skip
        finally:
            server.stop()
    (args.out / "soak.json").write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    plot(report, args.out / "soak.png")
    print(
        f"sent {report.sent}, ok {report.ok}, failed {report.failed}, mismatched {report.mismatched}, "
        f"duplicated {report.duplicated}, lost {report.lost}; latency p50 {report.latency_p50_ms:.0f} ms, "
        f"p99 {report.latency_p99_ms:.0f} ms; worker RSS {report.rss_start_mib:.0f} → {report.rss_end_mib:.0f} MiB "
        f"({report.rss_growth_pct:+.1f}% after {report.warmup_s:g} s warm-up, max {report.rss_max_mib:.0f}); "
        f"{report.pool} distinct sentences, cache {report.cache_hits} hits / {report.cache_misses} misses"
    )
    for error in report.errors[:10]:
        print(f"  {error}")
    print("PASS" if report.passed else "FAIL", f"(results in {args.out}/soak.json, plot in {args.out}/soak.png)")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
