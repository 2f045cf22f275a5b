"""Warm-up before a worker reports ready (handler/warmup.py): its shapes, its time bound, its switch."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from handler.batching import padded_width
from handler.service import TranslationService
from handler.settings import ServingSettings, read_model_config
from handler.warmup import WarmupShape, filler_text, warm_up, warmup_shapes


@pytest.fixture(scope="module")
def short(settings) -> ServingSettings:
    """The shipped settings with segments of at most 16 tokens, so that a full warm-up is two lengths
    (8 and 16) and quick on the tiny model."""
    return dataclasses.replace(settings, max_segment_tokens=16)


class RecordingBackend:
    """The real tiny backend; each generate call is recorded as the shape the model received (a lone
    row is not padded: its length is recorded rounded up as a batch's would be), and
    moves a test clock on by `seconds_per_row_token` x rows x padded length (a deterministic time)."""

    def __init__(self, backend, seconds_per_row_token: float = 0.0) -> None:
        self.backend = backend
        self.shapes: list[WarmupShape] = []
        self.max_new_tokens: list[int] = []
        self.now = 0.0
        self.seconds_per_row_token = seconds_per_row_token

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def clock(self) -> float:
        return self.now

    def generate(self, texts, params, scores=False):
        longest = max(self.backend.count_tokens(texts))
        shape = WarmupShape(len(texts), padded_width(longest, 2, self.backend.pad_to_multiple_of))
        self.shapes.append(shape)
        self.max_new_tokens.append(params.max_new_tokens)
        self.now += self.seconds_per_row_token * shape.rows * shape.length
        return self.backend.generate(texts, params, scores)


def test_every_row_count_comes_before_a_second_length():
    shapes = warmup_shapes(max_rows=4, multiple=8, max_length=256, token_budget=6144)
    assert shapes[:4] == [WarmupShape(r, 24) for r in (4, 1, 3, 2)]
    assert shapes[4:8] == [WarmupShape(r, 16) for r in (4, 1, 3, 2)]
    assert {s.length for s in shapes} == {8, 16, 24, 32, 40, 48, 56, 64}
    assert len(shapes) == len(set(shapes)) == 4 * 8


def test_shapes_stay_within_the_token_budget_and_the_source_window():
    shapes = warmup_shapes(max_rows=64, multiple=8, max_length=40, token_budget=6144, num_beams=4)
    assert max(s.length for s in shapes) == 40
    assert all(s.rows * s.length * 4 <= 6144 for s in shapes)
    assert WarmupShape(64, 24) in shapes and WarmupShape(64, 32) not in shapes  # 64 x 32 x 4 > 6144
    # Lengths are rounded up to the padding multiple, as the backend pads them.
    assert {s.length for s in warmup_shapes(2, 16, 256, 6144)} == {16, 32, 48, 64}


def test_filler_text_has_the_length_asked_for(tiny_backend):
    for length in (8, 24, 64):
        tokens = tiny_backend.count_tokens([filler_text(length, tiny_backend.count_tokens)])[0]
        assert length - 4 <= tokens <= length


def test_warm_up_runs_the_planned_shapes_through_the_backend(tiny_backend, short):
    recording = RecordingBackend(tiny_backend)
    report = warm_up(TranslationService(recording, short), 600, max_rows=2, clock=recording.clock)
    planned = warmup_shapes(2, tiny_backend.pad_to_multiple_of, 16, short.batch_token_budget)
    assert planned == [WarmupShape(r, n) for n in (16, 8) for r in (2, 1)]
    # What the model received is the plan, in its order, and all of it (the clock never moved).
    assert recording.shapes == [shape for shape, _ in report.runs] == planned
    assert report.skipped == 0


def test_warm_up_stops_within_its_time(tiny_backend, short):
    # 1 ms per row-token: the shapes 8x16, 1x16, 7x16, 6x16 ... cost 0.128, 0.016, 0.112, 0.096 ... s.
    recording = RecordingBackend(tiny_backend, seconds_per_row_token=0.001)
    report = warm_up(TranslationService(recording, short), 0.5, max_rows=8, clock=recording.clock)
    planned = warmup_shapes(8, tiny_backend.pad_to_multiple_of, 16, short.batch_token_budget)
    assert 0 < len(report.runs) < len(planned)
    assert recording.shapes == planned[: len(report.runs)]
    assert report.seconds <= 0.5
    assert report.skipped == len(planned) - len(report.runs)
    # It stopped only when the next shape, at the highest time per token of length so far, would not fit.
    rate = max(took / shape.length for shape, took in report.runs)
    assert report.seconds + rate * planned[len(report.runs)].length > 0.5
    assert [shape.rows for shape, _ in report.runs] == [8, 1, 7, 6, 5]


@pytest.mark.parametrize("factor", [3.0, 0.0], ids=["cap-on", "cap-off"])
def test_warm_up_decodes_within_the_default_cap_even_where_the_archive_turns_it_off(tiny_backend, short, factor):
    """A model that never ends a sentence (the benchmark's) in an archive without the cap would hold
    each warm-up call for its whole max_new_tokens."""
    settings = dataclasses.replace(short, decode_length_factor=factor, decode_length_offset=10)
    service = TranslationService(RecordingBackend(tiny_backend), settings)
    service.defaults = dataclasses.replace(service.defaults, max_new_tokens=511)
    recording = service.backend
    warm_up(service, 600, max_rows=2, clock=recording.clock)
    assert recording.max_new_tokens == [3 * shape.length + 10 for shape in recording.shapes]


def test_zero_seconds_turns_warm_up_off(tiny_backend, short):
    recording = RecordingBackend(tiny_backend)
    report = warm_up(TranslationService(recording, short), 0, max_rows=32, clock=recording.clock)
    assert recording.shapes == [] and report.runs == []


def test_warm_up_leaves_the_cache_and_answers_alone(tiny_backend, short):
    service = TranslationService(tiny_backend, short)
    before = service.translate(["Bu odun yanmaz."], service.defaults)
    warm_up(service, 600, max_rows=2)
    assert service.cache is not None and len(service.cache) == 1  # only the sentence translated above
    assert service.translate(["Bu odun yanmaz."], service.defaults) == before


def test_the_setting_defaults_for_archives_without_it(monkeypatch):
    monkeypatch.delenv("WARMUP_SECONDS", raising=False)  # the tests' own (tests/conftest.py)
    config = read_model_config()
    assert ServingSettings.from_model_config(config).warmup_seconds == 20.0  # the shipped value
    old = {**config, "handler": {k: v for k, v in config["handler"].items() if k != "warmup_seconds"}}
    assert ServingSettings.from_model_config(old).warmup_seconds == 20.0
    with pytest.raises(ValueError, match="handler.warmup_seconds must be a non-negative number, not -1"):
        ServingSettings.from_model_config({**config, "handler": {**config["handler"], "warmup_seconds": -1}})


def test_the_environment_replaces_the_archives_value(monkeypatch):
    config = read_model_config()
    monkeypatch.setenv("WARMUP_SECONDS", "2.5")
    assert ServingSettings.from_model_config(config).warmup_seconds == 2.5
    monkeypatch.setenv("WARMUP_SECONDS", "")  # empty: the archive's
    assert ServingSettings.from_model_config(config).warmup_seconds == config["handler"]["warmup_seconds"]
    for bad in ("soon", "-1", "inf"):
        monkeypatch.setenv("WARMUP_SECONDS", bad)
        with pytest.raises(ValueError, match=f"WARMUP_SECONDS must be a non-negative number of seconds, not '{bad}'"):
            ServingSettings.from_model_config(config)


@pytest.mark.torchserve
@pytest.mark.parametrize("archive_seconds, env_seconds", [(4, None), (0, "4"), (4, "0")], ids=["archive", "env", "env-off"])
def test_worker_is_ready_only_after_its_warm_up(tmp_path, tiny_model_dir, monkeypatch, archive_seconds, env_seconds):
    """The archive's handler.warmup_seconds, or WARMUP_SECONDS in TorchServe's environment (which reaches
    its workers) in its place."""
    from handler.archive import build_archive
    from handler.torchserve import loopback_torchserve, model_status

    if env_seconds is None:
        monkeypatch.delenv("WARMUP_SECONDS", raising=False)
    else:
        monkeypatch.setenv("WARMUP_SECONDS", env_seconds)
    seconds = float(env_seconds if env_seconds is not None else archive_seconds)
    config = read_model_config()
    config["handler"]["warmup_seconds"] = archive_seconds
    config["handler"]["max_segment_tokens"] = 16  # two lengths to warm, as in `short`
    build_archive(tiny_model_dir, tmp_path / "store", model_config=config, dtype="float32")
    server = loopback_torchserve(tmp_path / "store", tmp_path / "ts").start()
    try:
        deadline = time.monotonic() + 180
        while not model_status(server.management_address)[0]:
            assert time.monotonic() < deadline, server.log_tail()
            assert server.process.poll() is None, server.log_tail()
            time.sleep(0.05)
        # Read at the first moment the worker is READY: the warm-up had finished by then.
        log = server.model_log.read_text(errors="replace")
    finally:
        server.kill()
    lines = [line for line in log.splitlines() if "warm-up:" in line]
    if seconds:
        assert len(lines) == 1, log[-3000:]
        shapes = re.search(r"warm-up: (\d+) shapes in [\d.]+ s \(\d+ left out for time; warmup_seconds 4\)", lines[0])
        assert shapes and int(shapes.group(1)) > 0, lines[0]
    else:
        assert lines == []
