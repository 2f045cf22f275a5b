"""The benchmark: its workload is what it claims, and `make bench QUICK=1` runs end to end."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bench.batches import BatchCounter
from bench.cost import CpuMeter, tree_cpu_seconds, unit_costs
from bench.result import Result
from bench.workload import MAX_TOKENS, MIN_TOKENS, bench_sentences, build_bench_model
from handler.backends import GenerationParams
from handler.backends.transformers_backend import TransformersBackend

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench_model(tmp_path_factory) -> Path:
    return build_bench_model(tmp_path_factory.mktemp("bench-model"), "tiny", vocab_size=3000)


def test_bench_model_never_ends_a_sentence_early(bench_model):
    backend = TransformersBackend(str(bench_model), "cpu")
    assert backend.model.config.vocab_size == 3000 and len(backend.tokenizer) == 3000
    texts = ["Bu odun yanmaz.", "Kedi uyuyor."]
    for max_new_tokens in (6, 12):
        batch = backend.tokenizer(texts, return_tensors="pt", padding=True)
        output = backend.model.generate(**batch, num_beams=1, max_new_tokens=max_new_tokens, do_sample=False)
        # The decoder start token plus exactly max_new_tokens, the last one the forced end-of-sentence.
        assert output.shape[1] == 1 + max_new_tokens
        assert (output[:, 1:-1] != backend.tokenizer.eos_token_id).all()


def test_bench_sentences_have_realistic_lengths(bench_model):
    backend = TransformersBackend(str(bench_model), "cpu")
    texts = bench_sentences(backend.count_tokens, 40)
    lengths = backend.count_tokens(texts)
    assert len(texts) == 40 and min(lengths) >= MIN_TOKENS and max(lengths) <= MAX_TOKENS
    assert max(lengths) - min(lengths) > 30, "lengths should spread over the range"
    assert texts == bench_sentences(backend.count_tokens, 40), "the workload must be the same every run"
    assert backend.translate(texts[:2], GenerationParams(1, 4, 1))


# A child that burns at least 0.3 s of its own CPU time, then sleeps until told to stop.
BURN = "import time, sys\nwhile time.process_time() < 0.3: pass\nprint('done', flush=True)\nsys.stdin.read()"


def test_cpu_meter_charges_the_server_tree_and_the_load_generator_apart():
    server = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               + repr(BURN) + "]); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        with CpuMeter(server.pid) as meter:
            assert server.stdout.readline().strip() == "done"  # the grandchild has burnt its 0.3 s
            started = time.process_time()
            while time.process_time() - started < 0.2:  # this process: the load generator
                pass
            # Read before the grandchild exits: a process that is gone no longer counts.
            tree = tree_cpu_seconds(server.pid)
        # psutil counts in clock ticks (10 ms) and rounds each of user and system down: hence the margins.
        assert sum(tree.values()) >= 0.3 - 0.02
        assert sum(meter.server.values()) >= 0.3 - 0.05, meter
        assert 0.2 - 0.02 <= meter.load_generator < 1.0, meter
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    costs = unit_costs(2.0, 500, 40_000)
    assert costs == {"cpu_s_per_1k_sentences": 4.0, "cpu_s_per_m_chars": 50.0, "sentences_per_s_per_vcpu": 250.0}


@pytest.mark.bench
@pytest.mark.torchserve
def test_make_bench_quick_runs_end_to_end(tmp_path):
    result = subprocess.run(
        ["make", "bench", "QUICK=1", f"ARGS=--out {tmp_path} --rounds 2"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    raw = json.loads((tmp_path / "results.json").read_text())
    labels = {r["label"] for r in raw["results"]}
    for backend in ("transformers", "ctranslate2"):
        assert f"{backend} in-process batch 1" in labels
        assert f"{backend} torchserve c=1 x1" in labels and f"{backend} torchserve c=8 x16" in labels
    assert "transformers naive c=8 x1" in labels
    # The other precisions beside auto; float32 skipped only where auto is float32.
    if raw["environment"]["auto_dtypes"]["transformers"] != "float32":
        assert {"transformers float32 in-process batch 8", "transformers float32 torchserve c=8 x1"} <= labels
    assert "ctranslate2 float32 in-process batch 8" in labels
    for r in raw["results"]:
        assert r["errors"] == 0 and r["sentences"] > 0 and r["sentences_per_s"] > 0, r["label"]
        assert r["p50_s"] <= r["p95_s"] <= r["p99_s"]
        assert r["source_chars"] > r["sentences"], r["label"]
        if r["system"] == "torchserve":
            assert r["server_cpu"].get("worker", 0) > 0, r["label"]
            # Every request of the run in exactly one of the batches TorchServe formed (the handler's counters).
            assert r["batched_requests"] == len(r["latencies"]) and r["requests_per_batch"] >= 1, r["label"]
            # The worker's time in the handler fits in the run's wall time (one worker).
            assert 0 < r["handling_s"] <= r["seconds"] and 0 < r["worker_busy"] <= 1, r["label"]
    # The server's cost is counted per part, the load generator's apart (summed over the runs: psutil
    # counts in 10 ms ticks, which a run of four requests may not fill).
    served = [r for r in raw["results"] if r["system"] == "torchserve"]
    assert sum(r["server_cpu"].get("frontend", 0) for r in served) > 0
    assert sum(r["load_generator_cpu"] for r in served) > 0
    assert "s/1k sent" in result.stdout
    # Batch sizes and concurrencies with the same sentences ran in pairs, batch by batch: as many
    # in-process batches as waves of concurrent requests, each wave one TorchServe batch or more.
    by_label = {r["label"]: r for r in raw["results"]}
    for backend in ("transformers", "ctranslate2"):
        for size in (1, 8):
            local, served = (
                by_label[f"{backend} in-process batch {size}"],
                by_label[f"{backend} torchserve c={size} x1"],
            )
            assert served["sentences"] == local["sentences"] == len(served["latencies"])
            assert len(local["latencies"]) * size == local["sentences"]
            assert len(local["latencies"]) <= served["batches"] <= served["batched_requests"] == served["sentences"]
            assert f"{backend} torchserve c={size} x1" in result.stdout.split("pairs: per batch, ms", 1)[1]
    # Each backend and precision measured in a fresh process of its own, none in the benchmark's.
    processes = raw["environment"]["processes"]
    measured = {f"{r['backend']} {r['dtype'] or 'auto'}" for r in raw["results"] if r["system"] != "naive"}
    assert set(processes) == measured and "ctranslate2 float32" in measured
    assert len(set(processes.values())) == len(processes) and raw["environment"]["bench_pid"] not in processes.values()
    assert {t["what"] for t in raw["targets"]} >= {"transformers: server c=8 / naive c=8"}
    # Each backend's in-process and server runs in alternated rounds (--rounds 2; QUICK has one), summed
    # in "results"; a server's ratio to its own in-process runs is the median of the rounds' ratios.
    rounds = raw["environment"]["plan"]["rounds"]
    assert rounds == 2
    for r in raw["results"]:
        each = [x for x in raw["rounds"] if x["label"] == r["label"]]
        assert len(each) == (1 if r["system"] == "naive" else rounds), r["label"]
        assert sum(x["sentences"] for x in each) == r["sentences"]
    paired = {t["what"]: t for t in raw["targets"] if t["rounds"]}
    assert {
        "transformers: server c=8 / in-process batch 8",
        "ctranslate2: server p50 c=1 / in-process one sentence",
    } <= set(paired)
    for t in paired.values():
        assert len(t["rounds"]) == rounds and t["value"] == pytest.approx(statistics.median(t["rounds"])), t
    assert (tmp_path / "results.png").stat().st_size > 10_000
    assert (tmp_path / "targets.png").stat().st_size > 10_000
    # The request path's workloads, each setting (on one backend when quick), every request answered.
    path = {(r["workload"], r["setting"]): r for r in raw["request_path"]}
    for backend in ("transformers",):
        for workload, setting in [("documents", "split on"), ("documents", "split off"), ("repeats", "cache off"),
                                  ("repeats", "cache on"), ("runaway", "cap on"), ("runaway", "cap off")]:  # fmt: skip
            row = path[(workload, f"{backend} {setting}")]
            assert row["errors"] == 0 and row["chars_per_s"] > 0, row
        # The cap bounds what the degenerate benchmark model generates; without it it runs on.
        on, off = path[("runaway", f"{backend} cap on")], path[("runaway", f"{backend} cap off")]
        assert on["counters"]["translation_decoding_cap_hits_total"] > 0
        assert (
            on["counters"]["translation_generated_tokens_total"] < off["counters"]["translation_generated_tokens_total"]
        )
    # Markup's cost: the same paragraphs as HTML and as plain text, the server's CPU of each, their ratio.
    html, plain = path[("markup", "transformers text/html")], path[("markup", "transformers text/plain")]
    assert html["errors"] == plain["errors"] == 0 and html["server_cpu_s"] > 0 and plain["server_cpu_s"] > 0
    assert raw["markup_cost"]["ratios"]["transformers"] == pytest.approx(html["server_cpu_s"] / plain["server_cpu_s"])
    assert "markup's server CPU over plain text" in result.stdout
    # The container path: one entrypoint, its edge and TorchServe direct in each round, every request
    # answered and batched; the entrypoint's own CPU is the cost table's "edge" part.
    container = {r["label"]: r for r in raw["results"] if r["system"].startswith("container-")}
    assert set(container) == {f"transformers container-{side} c={c} x1" for side in ("edge", "direct") for c in (32, 1)}
    for r in container.values():
        assert r["errors"] == 0 and r["batched_requests"] == len(r["latencies"]), r["label"]
    assert container["transformers container-edge c=32 x1"]["server_cpu"].get("edge", 0) > 0
    edge_targets = {t["what"]: t for t in raw["targets"] if t["what"].startswith("container:")}
    first_target = "container: p99 first 8 / next 24 after ready"
    assert set(edge_targets) == {"container: edge / direct throughput c=32", "container: edge p50 - direct p50 c=1, ms",
                                 first_target}  # fmt: skip
    assert all(len(t["rounds"]) == rounds for what, t in edge_targets.items() if what != first_target)
    # A new replica's first requests, through the edge from the moment it was ready (QUICK: 8 and 24).
    first = raw["first_requests"]
    assert (first["first"], first["next"], first["errors"]) == (8, 24, 0) and first["ready_s"] > 0
    assert edge_targets[first_target]["value"] == pytest.approx(first["first_p99_s"] / first["next_p99_s"])
    assert "first requests through the edge: ready after" in result.stdout
    assert "targets" in result.stdout


def test_first_requests_are_the_first_answered_against_the_rest():
    from bench.first_requests import first_and_next

    figures = first_and_next([0.5] * 7 + [2.0] + [1.0] * 24, first=8)
    assert figures["first_max_s"] == 2.0 and figures["next_p50_s"] == figures["next_p99_s"] == 1.0
    assert figures["first_p99_s"] == pytest.approx(2.0 - 0.01 * 1.5 * 7)  # numpy's linear percentile
    assert figures["ratio"] == pytest.approx(figures["first_p99_s"])


@pytest.mark.slow
def test_batches_come_from_the_handler_counters_and_floor_refuses_bad_flags():
    # A metrics port as TorchServe's frontend serves it: the handler's counters, one line per label set.
    pages = [
        'translation_batches_total{Level="Model",ModelName="tr_en",} 4.0\n'
        'translation_batch_requests_total{Level="Model",ModelName="tr_en",} 10.0\n',
        'translation_batches_total{Level="Model",ModelName="tr_en",} 7.0\n'
        'translation_batch_requests_total{Level="Model",ModelName="tr_en",} 45.0\n'
        'translation_handler_seconds_total{Level="Model",ModelName="tr_en",} 1.25\n'
        'translation_batches_total{Level="Model",ModelName="other",} 1.0\n'
        "ts_inference_requests_total 99.0\n",
    ]

    showing = [0]  # the page the port serves now

    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages[showing[0]].encode() if self.path == "/metrics" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        counter, result = BatchCounter(f"http://127.0.0.1:{server.server_address[1]}"), Result("torchserve", "x", 8, 1)
        counter.start()
        # The run's 35 answers came back; their batches' counters reach the port a moment later, and
        # record() waits for them.
        result.latencies = [0.01] * 35
        threading.Timer(0.3, showing.__setitem__, (0, 1)).start()
        counter.record(result)
    finally:
        server.shutdown()
    assert (result.batches, result.batched_requests, result.handling_s) == (4, 35, 1.25)
    assert result.summary()["requests_per_batch"] == 35 / 4
    none = Result("naive", "x", 8, 1)
    BatchCounter(None).record(none)  # a server without the handler's counters: nothing recorded
    assert (none.batches, none.batched_requests, none.handling_s) == (0, 0, 0.0)
    bad = subprocess.run([sys.executable, "-m", "bench.floor", "--delays", "five"], cwd=REPO_ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and "--delays takes whole numbers" in bad.stderr
    none = subprocess.run([sys.executable, "-m", "bench.run", "--rounds", "0"], cwd=REPO_ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert none.returncode == 2 and "--rounds must be at least 1, not 0" in none.stderr


@pytest.mark.bench
@pytest.mark.torchserve
def test_soak_runs_with_parameters_and_handler_config_and_plots(tmp_path, tiny_model_dir):
    from bench import soak

    out = tmp_path / "soak"
    code = soak.main(["--model-dir", str(tiny_model_dir), "--duration", "4", "--rate", "4", "--warmup", "1",
                      "--parameters", '{"num_beams": 1, "max_new_tokens": 6}', "--pool", "40",
                      "--handler-config", "max_batch_sentences=16", "--handler-config", "cache_mib=1",
                      "--out", str(out)])  # fmt: skip
    report = json.loads((out / "soak.json").read_text())
    assert (report["sent"], report["failed"], report["lost"], report["duplicated"]) == (16, 0, 0, 0)
    assert report["parameters"] == {"num_beams": 1, "max_new_tokens": 6} and report["warmup_s"] == 1
    # The 40 corpus sentences were learned (so cached) first: the steady part is answered from the
    # cache, and the server's own counters say so.
    assert report["pool"] == 40 and report["cache_hits"] >= report["sent"] and report["cache_misses"] == 0
    assert (out / "soak.png").stat().st_size > 10_000
    assert code == (0 if report["rss_growth_pct"] < 5 else 1)


def test_soak_pools_come_from_the_shipped_corpus_and_refuse_more_than_it_has():
    from bench import soak
    from bench.workload import corpus_sentences

    assert soak.sentence_pool(0) == soak.SENTENCES
    assert soak.sentence_pool(5) == corpus_sentences()[0][:5]
    with pytest.raises(ValueError, match="--pool 99999 is more than the 3000 distinct sentences"):
        soak.sentence_pool(99999)


def test_soak_refuses_an_unknown_handler_key():
    from bench import soak

    with pytest.raises(ValueError, match="unknown keys \\['cache_sise'\\]"):
        soak.model_config(["cache_sise=10"])
    with pytest.raises(ValueError, match="KEY=VALUE"):
        soak.model_config(["novalue"])


def test_the_closed_loop_keeps_each_answer_with_its_body_and_counts_failures():
    import asyncio

    from aiohttp import web

    from bench.load import closed_loop

    in_flight, most = 0, 0

    async def predict(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        body = await request.json()
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        if body["instances"] == ["bad"]:
            return web.json_response({"error": "no"}, status=400)
        if body["instances"] == ["short"]:
            return web.json_response({"predictions": []})
        return web.json_response({"predictions": [t.upper() for t in body["instances"]]})

    async def run() -> object:
        app = web.Application()
        app.router.add_post("/p", predict)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        bodies = [{"instances": [t]} for t in ["a", "bad", "b", "short", "c", "d"]]
        try:
            return await closed_loop(f"http://127.0.0.1:{port}/p", bodies, 3, "test")
        finally:
            await runner.cleanup()

    outcome = asyncio.run(run())
    assert [a and a["predictions"] for a in outcome.answers] == [["A"], None, ["B"], None, ["C"], ["D"]]
    assert outcome.errors == 2 and len(outcome.latencies) == 6 and outcome.seconds > 0
    assert most == 3  # three clients, never more requests in flight


def raw_http_server(replies):
    """A loopback HTTP server answering the n-th request it reads (counted across connections) with
    `replies(n)`: the exact bytes to write, or None to drop the connection unanswered. It records how
    many connections it accepted in `connections[0]`."""
    import asyncio

    connections = [0]
    served = [0]

    async def handle(reader, writer):
        connections[0] += 1
        try:
            while line := await reader.readline():
                assert line.startswith(b"POST /p HTTP/1.1")
                length = 0
                while (header := await reader.readline()) != b"\r\n":
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                json.loads(await reader.readexactly(length))
                served[0] += 1
                reply = replies(served[0])
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if b"close" in reply.split(b"\r\n\r\n")[0].lower() or reply.startswith(b"HTTP/1.0"):
                    break
        finally:
            writer.close()

    async def start():
        return await asyncio.start_server(handle, "127.0.0.1", 0)

    return start, connections


def json_reply(value: object, *, chunked: bool = False, close: bool = False, http10: bool = False) -> bytes:
    body = json.dumps(value).encode()
    if http10:  # no length: the body runs to the end of the connection
        return b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n" + body
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + (b"Connection: close\r\n" if close else b"")
    if chunked:
        middle = len(body) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:middle], body[middle:]))
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_the_load_generator_reads_each_kind_of_reply_and_reconnects_after_a_closed_connection():
    import asyncio

    from bench.load import closed_loop

    kinds = {
        1: json_reply({"predictions": ["A"]}),
        2: json_reply({"predictions": ["B"]}, chunked=True),
        3: json_reply({"predictions": ["C"]}, close=True),  # the next request needs a new connection
        4: None,  # dropped unanswered: that request fails, the next one reconnects
        5: json_reply({"predictions": ["E"]}, http10=True),
        6: json_reply({"predictions": ["F", "extra"]}),  # one prediction too many: a failure
        7: json_reply({"predictions": ["G"]}),
    }
    start, connections = raw_http_server(lambda n: kinds.get(n, json_reply({"predictions": ["Z"]})))

    async def run(bodies, concurrency):
        server = await start()
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await closed_loop(f"http://127.0.0.1:{port}/p", bodies, concurrency, "test", timeout_s=10)

    outcome = asyncio.run(run([{"instances": [t]} for t in "abcdefg"], 1))
    assert [a and a["predictions"] for a in outcome.answers] == [["A"], ["B"], ["C"], None, ["E"], None, ["G"]]
    assert outcome.errors == 2
    # 1-3 on the first connection; 4 dropped it; 5 on the third, which HTTP/1.0 closed; 6-7 on the fourth.
    assert connections[0] == 4
    # Every client connects before the clock starts, even one that gets no request.
    outcome = asyncio.run(run([{"instances": ["z"]}], 3))
    assert [a and a["predictions"] for a in outcome.answers] == [["Z"]] and connections[0] == 4 + 3


def test_the_load_generator_gives_up_on_a_silent_server_at_its_timeout_and_refuses_https():
    import asyncio

    from bench.load import Connection, post

    never = asyncio.Event()

    async def silent(reader, writer):
        await reader.readline()
        await never.wait()

    async def run():
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = Connection(f"http://127.0.0.1:{port}/p", timeout_s=0.3)
        t0 = time.perf_counter()
        answer = await post(connection, {"instances": ["a"]})
        waited = time.perf_counter() - t0
        connection.close()
        never.set()
        server.close()
        return answer, waited

    answer, waited = asyncio.run(run())
    assert answer is None and 0.3 <= waited < 5
    with pytest.raises(ValueError, match="plain http"):
        Connection("https://example.org/p")


@pytest.mark.slow  # 105 s on the shared machine: a loaded model translating hundreds of batches
def test_memory_trace_samples_rss_and_the_python_heap_and_plots(tmp_path, tiny_model_dir):
    from bench import memory

    out = tmp_path / "memory"
    code = memory.main(["--model-dir", str(tiny_model_dir), "--pool", "30", "--batches", "6", "--every", "2",
                        "--dtype", "float32", "--out", str(out)])  # fmt: skip
    trace = json.loads((out / "memory.json").read_text())
    assert code == 0 and trace["pool"] == 30 and [b for b, _, _ in trace["samples"]] == [0, 2, 4, 6]
    # RSS includes the model; the Python heap traced from the first batch on is far smaller.
    assert all(rss > 50 and 0 <= heap < rss for _, rss, heap in trace["samples"])
    assert (out / "memory.png").stat().st_size > 10_000
    assert memory.main(["--model-dir", str(tmp_path / "none")]) == 2


@pytest.mark.slow  # 22 s: both backends loaded at each thread count
def test_threads_measures_each_backend_at_each_thread_count(tiny_model_dir, capsys):
    from bench import threads

    code = threads.main(["--bench-model-dir", str(tiny_model_dir), "--threads", "1,2", "--max-new-tokens", "4"])
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith(("transformers", "ctr"))]
    # CTranslate2's two threads both ways: on one replica, and a replica each.
    assert code == 0 and [tuple(r[:3]) for r in rows] == [
        ("transformers", "1", "1"), ("transformers", "2", "1"),
        ("ctranslate2", "1", "1"), ("ctranslate2", "2", "1"), ("ctranslate2", "2", "2"),
    ]  # fmt: skip
    assert all(float(rate) > 0 for r in rows for rate in (r[3], r[5]))
    for bad, message in ((["--threads", "x"], "whole numbers"), (["--backends", "onnx"], "unknown backends")):
        with pytest.raises(SystemExit):
            threads.main(bad)
        assert message in capsys.readouterr().err
