"""The request path's own workloads, end to end through TorchServe (part of `python -m bench.run`).

    python -m bench.run --request-path-only           # only these three (minutes)
    python -m bench.run --request-path-only --quick   # a tiny model, one backend: a check that they run

  documents  paragraphs of 3 to 8 held-out sentences, one per request: sentence splitting on vs off
             (characters per second, and how many sentences the translations have against the source's)
  repeats    requests of 8 sentences where every sentence occurs twice: translation cache on vs off
  runaway    short sentences on the benchmark model (end-of-sentence forbidden) at the model's default
             parameters (beam 4, max_new_tokens 511: its max_length 512 - 1): decoding cap on vs off
  markup     the documents' paragraphs as HTML (`<p>`, a `<b>` word in every sentence, a link) against
             the same text as plain text: the server CPU that markup costs (issue 26: at most 1.15x)

The counters of each run come from the server's own /metrics (handler/metrics.py).
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.batches import after_requests, steady
from bench.cost import CpuMeter
from bench.load import closed_loop
from bench.workload import DATA_DIR, build_bench_model
from handler.archive import build_archive
from handler.sentences import split_sentences
from handler.settings import MODEL_CONFIG_PATH, read_model_config
from handler.torchserve import TorchServe, loopback_torchserve

COUNTERS = (
    "translation_sentences_total",
    "translation_generated_tokens_total",
    "translation_micro_batches_total",
    "translation_cache_hits_total",
    "translation_decoding_cap_hits_total",
)


@dataclass(frozen=True)
class Sizes:
    paragraphs: int
    repeated: int  # distinct sentences of the repeats workload; each is sent twice
    runaway: int
    concurrency: int
    rounds: int  # each setting is measured this many times, alternating with the setting it is compared with


FULL_SIZES = Sizes(paragraphs=16, repeated=48, runaway=8, concurrency=8, rounds=2)
QUICK_SIZES = Sizes(paragraphs=4, repeated=8, runaway=4, concurrency=4, rounds=1)


@dataclass
class PathResult:
    workload: str
    setting: str
    requests: int = 0
    sentences: int = 0  # source sentences sent
    characters: int = 0  # source characters sent
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    output_sentences: int = 0  # sentences in the translations (documents)
    server_cpu_s: float = 0.0  # TorchServe's processes (frontend and worker), load generator apart
    counters: dict[str, float] = field(default_factory=dict)  # the server's counters during the run

    def summary(self) -> dict[str, float]:
        per = lambda n: n / self.seconds if self.seconds else 0.0  # noqa: E731
        return {
            "chars_per_s": per(self.characters),
            "sentences_per_s": per(self.sentences),
            "p50_s": statistics.median(self.latencies or [0.0]),
        }


def held_out_sentences() -> list[str]:
    """The demo test split's Turkish sentences: the demo model has not seen them."""
    with (DATA_DIR / "test.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line)["translation"]["tr"] for line in f]


def paragraphs(count: int, seed: int = 0) -> list[list[str]]:
    """`count` paragraphs of 3 to 8 sentences, no sentence used twice while the split lasts."""
    rng = random.Random(seed)
    pool = held_out_sentences()
    rng.shuffle(pool)
    out = []
    for _ in range(count):
        size = rng.randint(3, 8)
        if len(pool) < size:
            pool = held_out_sentences()
            rng.shuffle(pool)
        out.append([pool.pop() for _ in range(size)])
    return out


def as_html(paragraph: list[str]) -> str:
    """`paragraph` as an HTML paragraph whose sentences each hold a bold word, the last one a link: the
    markup a web page brings, around the same text that the plain side sends."""
    sentences = []
    for sentence in paragraph:
        words = sentence.split(" ")
        k = len(words) // 2
        words[k] = f"<b>{html.escape(words[k], quote=False)}</b>"
        sentences.append(" ".join(w if w.startswith("<b>") else html.escape(w, quote=False) for w in words))
    last = sentences[-1].split(" ")
    last[0] = f'<a href="https://example.com/belge">{last[0]}</a>'
    sentences[-1] = " ".join(last)
    return f"<p>{' '.join(sentences)}</p>"


def repeated_requests(distinct: int, rounds: int, per_request: int = 8, seed: int = 1) -> list[list[list[str]]]:
    """For each round, requests of `per_request` sentences in which each of `distinct` sentences occurs
    twice; no sentence occurs in two rounds, so that a round never finds the last one's in the cache."""
    rng = random.Random(seed)
    pool = held_out_sentences()
    rng.shuffle(pool)
    out = []
    for r in range(rounds):
        sentences = pool[r * distinct : (r + 1) * distinct] * 2
        rng.shuffle(sentences)
        out.append([sentences[i : i + per_request] for i in range(0, len(sentences), per_request)])
    return out


async def post_all(url: str, bodies: list[dict[str, Any]], concurrency: int, label: str) -> tuple[PathResult, list]:
    """Closed-loop load (bench/load.py); the answers, None where a request failed."""
    outcome = await closed_loop(url, bodies, concurrency, label, timeout_s=900)
    result = PathResult("", "", latencies=outcome.latencies, seconds=outcome.seconds, errors=outcome.errors)
    return result, outcome.answers


@dataclass(frozen=True)
class Setting:
    """A setting under measurement: one model of the request path's TorchServe (see `serving`)."""

    server: TorchServe
    url: str  # the model's predictions route


def measure(served: Setting, workload: str, setting: str, bodies: list[dict[str, Any]], concurrency: int):
    server = served.server
    before = steady(server.metrics_address)
    assert server.process is not None
    with CpuMeter(server.process.pid) as cpu:
        result, answers = asyncio.run(post_all(served.url, bodies, concurrency, f"{workload} {setting}"))
    result.server_cpu_s = round(sum(cpu.server.values()), 3)
    after = after_requests(server.metrics_address, before, sum(a is not None for a in answers))
    result.workload, result.setting, result.requests = workload, setting, len(bodies)
    texts = [text for body in bodies for text in body["instances"]]
    result.characters = sum(len(t) for t in texts)
    result.sentences = sum(len(split_sentences(t)) for t in texts)
    result.output_sentences = sum(len(split_sentences(p)) for a in answers if a for p in a["predictions"] if p)
    result.counters = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in COUNTERS}
    return result


@contextmanager
def serving(backend: str, workdir: Path, models: dict[str, tuple[Path, dict]]) -> Iterator[dict[str, Setting]]:
    """One TorchServe serving each of `models` (name: model directory and the handler keys that differ
    from the shipped model-config.yaml) as a model of its own. The settings are measured one at a time,
    so the idle workers of the others cost nothing, and one server starts instead of one per setting."""
    store = workdir / "store-request-path"
    store.mkdir(parents=True, exist_ok=True)
    for name, (model_dir, handler) in models.items():
        config = read_model_config(MODEL_CONFIG_PATH)
        config["handler"] = {**config["handler"], **handler}
        mar = build_archive(model_dir, workdir / f"archive-{name}", backend=backend, model_config=config)
        mar.rename(store / f"{name}.mar")
    archives = ",".join(f"{name}={name}.mar" for name in models)
    server = loopback_torchserve(store, workdir / "ts-request-path", archive=archives)
    server.start()
    try:
        server.wait_ready(timeout=600, models=tuple(models))
        settings = {name: Setting(server, f"{server.inference_address}/predictions/{name}") for name in models}
        # One request to each first, so that no run pays for a worker's first call.
        for each in settings.values():
            asyncio.run(post_all(each.url, [{"instances": ["Ev."]}], 1, "warm-up"))
        yield settings
    finally:
        server.stop()


Run = tuple[Setting, str, str, list[list[dict[str, Any]]]]


def alternate(runs: list[Run], concurrency: int) -> list[PathResult]:
    """Each (model, workload, setting, bodies of every round) in turn, round after round, summed per setting.

    The machine is shared: load that drifts over minutes then weighs on both settings of a comparison alike.
    """
    totals: list[PathResult] = []
    for r in range(len(runs[0][3])):
        for k, (served, workload, setting, rounds) in enumerate(runs):
            result = measure(served, workload, setting, rounds[r], concurrency)
            if r == 0:
                totals.append(result)
                continue
            total = totals[k]
            for name in ("requests", "sentences", "characters", "seconds", "errors", "output_sentences",
                         "server_cpu_s"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
            total.latencies += result.latencies
            total.counters = {n: total.counters[n] + result.counters[n] for n in COUNTERS}
    return totals


def run_request_path(
    demo_model: Path, bench_model_dir: Path, backend: str, workdir: Path, quick: bool
) -> list[PathResult]:
    sizes = QUICK_SIZES if quick else FULL_SIZES
    rounds = range(sizes.rounds)
    documents = [[{"instances": [" ".join(p)]} for p in paragraphs(sizes.paragraphs, seed=r)] for r in rounds]
    split = [[{**b, "parameters": {"split_sentences": True}} for b in bodies] for bodies in documents]
    whole = [[{**b, "parameters": {"split_sentences": False}} for b in bodies] for bodies in documents]
    # The markup workload's plain side is the split-on documents: the same sentences, joined the same way.
    marked_up = [[{"instances": [as_html(p)], "parameters": {"mime_type": "text/html"}}
                  for p in paragraphs(sizes.paragraphs, seed=r)] for r in rounds]  # fmt: skip
    repeats = [[{"instances": texts} for texts in rnd] for rnd in repeated_requests(sizes.repeated, sizes.rounds)]
    short = [s for s in held_out_sentences() if len(s.split()) <= 4][: sizes.runaway]
    runaway = [[{"instances": [s]} for s in short]] * sizes.rounds
    # Quick runs use the tiny random model throughout; it rarely ends a sentence either, so it runs away too.
    runaway_model = demo_model if quick else build_bench_model(bench_model_dir)
    models = {
        "cache-off": (demo_model, {"cache_mib": 0}),
        "cache-on": (demo_model, {"cache_mib": 64}),
        "cap-off": (runaway_model, {"cache_mib": 0, "decode_length_factor": 0}),
    }
    if not quick:  # quick runs measure "cap on" on cache-off: the same model, the same settings
        models["cap-on"] = (runaway_model, {"cache_mib": 0})
    with serving(backend, workdir, models) as served:
        off, on = served["cache-off"], served["cache-on"]
        runs = [(off, "documents", "split on", split), (off, "documents", "split off", whole),
                (off, "markup", "text/plain", split), (off, "markup", "text/html", marked_up),
                (off, "repeats", "cache off", repeats), (on, "repeats", "cache on", repeats)]  # fmt: skip
        results = alternate(runs, sizes.concurrency)
        # Last, and apart: without the cap the transformers requests outlive responseTimeout, and
        # TorchServe restarts that worker, which must not overlap the other workloads' runs.
        runaways = [(served.get("cap-on", off), "runaway", "cap on", runaway),
                    (served["cap-off"], "runaway", "cap off", runaway)]  # fmt: skip
        results += alternate(runaways, sizes.concurrency)
    for r in results:
        r.setting = f"{backend} {r.setting}"
    return results


def report(results: list[PathResult]) -> str:
    lines = [
        f"{'workload':<10} {'setting':<26} {'req':>4} {'sent':>5} {'chars/s':>8} {'sent/s':>7} {'p50 s':>7} "
        f"{'out/in sent':>11} {'gen tok':>8} {'batches':>7} {'cache hits':>10} {'cap hits':>8} {'err':>4}"
    ]
    for r in results:
        s, c = r.summary(), r.counters
        lines.append(
            f"{r.workload:<10} {r.setting:<26} {r.requests:4d} {r.sentences:5d} {s['chars_per_s']:8.1f} "
            f"{s['sentences_per_s']:7.2f} {s['p50_s']:7.2f} {r.output_sentences / max(1, r.sentences):11.2f} "
            f"{c['translation_generated_tokens_total']:8.0f} {c['translation_micro_batches_total']:7.0f} "
            f"{c['translation_cache_hits_total']:10.0f} {c['translation_decoding_cap_hits_total']:8.0f} "
            f"{r.server_cpu_s:7.1f} {r.errors:4d}"
        )
    for backend, ratio in markup_cost(results).items():
        lines.append(f"markup's server CPU over plain text of the same content, {backend}: {ratio:.2f} "
                     f"(issue 26's target: at most {MARKUP_COST_TARGET})")  # fmt: skip
    return "\n".join(lines)


MARKUP_COST_TARGET = 1.15


def markup_cost(results: list[PathResult]) -> dict[str, float]:
    """Per backend: the markup workload's server CPU for HTML over that for the same text as plain text."""
    cpu = {r.setting: r.server_cpu_s for r in results if r.workload == "markup"}
    ratios = {}
    for setting, seconds in cpu.items():
        backend = setting.removesuffix(" text/html")
        plain = cpu.get(f"{backend} text/plain")
        if setting.endswith(" text/html") and plain:
            ratios[backend] = seconds / plain
    return ratios
