"""Both generation backends behind the same contract: shapes, parameters, errors, archives."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests
import torch
import yaml

from handler.backends import GenerationParams
from handler.backends.ctranslate2_backend import CTranslate2Backend, compute_type, convert_model, thread_layout
from handler.backends.precision import ctranslate2_quantization
from handler.service import TranslationService, default_params
from handler.settings import MODEL_CONFIG_PATH, read_model_config, usable_cores
from tests.conftest import REPO_ROOT, read_pairs

TEXTS = ["Bu odun yanmaz.", "Kedi uyuyor.", "Her kış İzmir'de kar yağar ve çocuklar okula yürüyerek gider."]


@pytest.fixture(params=["transformers", "ctranslate2"], scope="module")
def backend(request):
    return request.getfixturevalue("tiny_backend" if request.param == "transformers" else "tiny_ct2_backend")


@pytest.mark.parametrize(
    "params",
    [
        GenerationParams(1, 5, 1),
        GenerationParams(4, 12, 1),
        GenerationParams(4, 12, 3),
        GenerationParams(2, 1, 2),
        GenerationParams(3, 1, 1),
    ],
    ids=str,
)
def test_every_text_gets_num_return_sequences_translations(backend, params):
    out = backend.translate(TEXTS, params)
    assert len(out) == len(TEXTS)
    for hypotheses in out:
        assert len(hypotheses) == params.num_return_sequences
        assert all(isinstance(h, str) for h in hypotheses)
        # The tiny vocabulary has no piece longer than this; more would mean max_new_tokens was ignored.
        assert all(len(h.split()) <= params.max_new_tokens for h in hypotheses)
    if params.num_return_sequences > 1 and params.max_new_tokens > 1:
        assert any(len(set(h)) > 1 for h in out), "beam search returned identical hypotheses"


def test_both_backends_share_tokenization_and_defaults(tiny_backend, tiny_ct2_backend, settings):
    assert tiny_ct2_backend.count_tokens(TEXTS) == tiny_backend.count_tokens(TEXTS)
    assert tiny_ct2_backend.max_source_tokens == tiny_backend.max_source_tokens
    assert default_params(tiny_ct2_backend, settings) == default_params(tiny_backend, settings)


def test_greedy_search_is_deterministic_and_batch_independent(backend):
    greedy = GenerationParams(1, 10, 1)
    together = backend.translate(TEXTS, greedy)
    assert together == backend.translate(TEXTS, greedy)
    assert [backend.translate([t], greedy)[0] for t in TEXTS] == together


def test_source_padding_bounds_shapes_without_changing_translations(tiny_model_dir, tiny_backend):
    """Rows padded to a multiple of 8 (the shipped default) give the translations and scores of the
    longest-row padding, while the encoder sees only lengths that are multiples of 8 (or a row alone)."""
    from handler.backends.transformers_backend import TransformersBackend

    exact = TransformersBackend(str(tiny_model_dir), "cpu", dtype="float32", pad_to_multiple_of=1)
    assert tiny_backend.pad_to_multiple_of == 8 and exact.pad_to_multiple_of == 1
    shapes: dict[int, list[tuple[int, int]]] = {1: [], 8: []}
    for backend in (tiny_backend, exact):
        model_generate = backend.model.generate

        def recording(*args, _generate=model_generate, _seen=shapes[backend.pad_to_multiple_of], **kwargs):
            _seen.append(tuple(kwargs["input_ids"].shape))
            return _generate(*args, **kwargs)

        backend.model.generate = recording
    try:
        texts = [*TEXTS, "Evet.", "Bugün hava çok güzel, ama yarın yağmur yağacakmış."]
        for params in (GenerationParams(1, 10, 1), GenerationParams(3, 8, 2)):
            for group in ([t] for t in texts), [texts]:
                for batch in group:
                    padded = tiny_backend.generate(batch, params, scores=True)
                    plain = exact.generate(batch, params, scores=True)
                    assert [[h.text for h in hs] for hs in padded] == [[h.text for h in hs] for hs in plain]
                    for hs, ps in zip(padded, plain):
                        assert [h.log_prob for h in hs] == pytest.approx([p.log_prob for p in ps], abs=1e-4)
        # The same batches unpadded: lengths that are not multiples of 8, each the longest row's.
        assert any(n % 8 for rows, n in shapes[1] if rows > 1)
        assert [(rows, n if rows == 1 else -(-n // 8) * 8) for rows, n in shapes[1]] == shapes[8]
        assert {rows for rows, _ in shapes[8]} == {1, 5}
        # Never past the source window: with a window as long as the longest row, rows are not rounded up.
        longest = max(tiny_backend.count_tokens(texts))
        assert longest % 8, "pick texts whose longest is not a multiple of 8"
        window = tiny_backend.max_source_tokens
        tiny_backend.max_source_tokens = longest
        try:
            tiny_backend.generate(texts, GenerationParams(1, 4, 1))
        finally:
            tiny_backend.max_source_tokens = window
        assert shapes[8][-1] == (len(texts), longest)
    finally:
        for backend in (tiny_backend, exact):
            del backend.model.generate


def body(instances, **parameters):
    return json.dumps({"instances": instances, "parameters": {"num_beams": 1, "max_new_tokens": 6, **parameters}})


def test_the_service_answers_alike_on_both_backends(tiny_backend, tiny_ct2_backend, settings):
    long_text = " ".join(["Çocuk okula gidiyor ve annesi evde kalıyor."] * 200)
    batch = [
        body(["Bu odun yanmaz.", ["Kedi uyuyor.", "Ev büyük."], {"text": long_text}], split_sentences=False),
        body(["ok", 3]),
        body(["Kedi uyuyor."], num_beams=3, num_return_sequences=2),
        body(["Kedi uyuyor."], num_beams=9),
        b"\xff",
    ]
    replies = {
        name: TranslationService(b, settings).handle_batch(batch)
        for name, b in (("transformers", tiny_backend), ("ctranslate2", tiny_ct2_backend))
    }
    a, b = replies["transformers"], replies["ctranslate2"]
    assert [r.status for r in a] == [r.status for r in b] == [200, 400, 200, 400, 400]
    for i in (1, 3, 4):
        assert a[i].body == b[i].body
    for i in (0, 2):
        assert shape(a[i].body) == shape(b[i].body)
    # The long text (about 2,000 tokens) was split into pieces of at most max_segment_tokens and every
    # piece translated with up to 5 words: one segment alone could give no more than 5.
    for reply in (a[0], b[0]):
        assert len(reply.body["predictions"][2].split()) > 5 * 5


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_ct2_archive_carries_the_converted_model_instead_of_weights(tiny_ct2_archive):
    names = set(zipfile.ZipFile(tiny_ct2_archive).namelist())
    assert {"ctranslate2/model.bin", "ctranslate2/config.json", "source.spm", "target.spm", "vocab.json"} <= names
    assert not [n for n in names if n.endswith(".safetensors")]
    config = yaml.safe_load(zipfile.ZipFile(tiny_ct2_archive).read("model-config.yaml"))
    assert config["handler"]["backend"] == "ctranslate2"
    # The per-backend batching delay replaces the shipped one; everything else is the shipped config.
    shipped = read_model_config(MODEL_CONFIG_PATH)
    overrides = shipped["backends"]["ctranslate2"]
    assert set(overrides) == {"maxBatchDelay"}
    for key, value in overrides.items():
        assert config[key] == value != shipped[key], key
    assert {k: v for k, v in config.items() if k not in (*overrides, "handler")} == {
        k: v for k, v in shipped.items() if k not in (*overrides, "handler", "backends")
    }


# Sentences of the demo test split: the agreement tests below compare many inputs, not three.
AGREEMENT_TEXTS = [tr for tr, _ in read_pairs("test")[:30]]
# Largest difference in log-probability of one token between the backends, measured on the tuned tiny
# model below: float32 below 1e-6, int8 about 2e-3; with margin.
LOG_PROB_TOLERANCE = {"float32": 1e-4, "int8": 2e-2, "int8_float32": 2e-2}


@pytest.fixture(scope="module")
def tuned_model_dir(tmp_path_factory, tiny_model_dir):
    """The tiny model with a non-zero <pad> embedding, the decoder's start token, as fine-tuning with
    transformers leaves it (the embeddings are tied with the output layer, which trains that row)."""
    from transformers import MarianMTModel

    model_dir = tmp_path_factory.mktemp("tuned") / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    model = MarianMTModel.from_pretrained(model_dir)
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        # Large enough to matter in this flat random model: starting from a zero vector instead moves
        # token log-probabilities by about 0.13.
        row = torch.randn(embeddings.shape[1], generator=torch.Generator().manual_seed(0))
        embeddings[model.config.pad_token_id] = 0.1 * row
    model.save_pretrained(model_dir)
    return model_dir


@pytest.fixture(scope="module")
def tuned_transformers(tuned_model_dir):
    from handler.backends.transformers_backend import TransformersBackend

    # float32: the reference the CTranslate2 precisions are held to.
    return TransformersBackend(str(tuned_model_dir), "cpu", dtype="float32")


@pytest.fixture(scope="module", params=["float32", "int8", "int8_float32"])
def ct2_precision(request, tmp_path_factory, tuned_model_dir):
    """The tuned model converted with and without quantization, each run at its own precision
    (the CPU compute types CTranslate2 has; int8_float32 is stored as int8, as an archive does)."""
    precision = request.param
    model_dir = tmp_path_factory.mktemp(f"ct2-{precision}") / "model"
    shutil.copytree(tuned_model_dir, model_dir)
    convert_model(model_dir, model_dir, quantization=ctranslate2_quantization(precision))
    return precision, CTranslate2Backend(str(model_dir), "cpu", threads=2, compute=precision)


def greedy_with_log_probs(backend, text: str, max_new_tokens: int):
    """transformers' greedy output ids (without the decoder start) and the log-probabilities of every step."""
    batch = backend.tokenizer([text], return_tensors="pt")
    with torch.inference_mode():
        output = backend.model.generate(**batch, num_beams=1, max_new_tokens=max_new_tokens, do_sample=False)
        logits = backend.model(**batch, decoder_input_ids=output[:, :-1]).logits[0]
    return batch, output[0, 1:].tolist(), torch.log_softmax(logits, dim=-1)


def test_ctranslate2_scores_transformers_translations_alike(tuned_transformers, ct2_precision):
    """Teacher-forced: both backends give each token of transformers' greedy translation the same log-probability."""
    precision, ct2 = ct2_precision
    worst = 0.0
    for text in AGREEMENT_TEXTS:
        batch, ids, log_probs = greedy_with_log_probs(tuned_transformers, text, 12)
        source = tuned_transformers.tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
        # score_batch appends the end-of-sentence itself.
        target = tuned_transformers.tokenizer.convert_ids_to_tokens(ids[:-1])
        scored = ct2.translator.score_batch([source], [target])[0].log_probs
        expected = [log_probs[i, token].item() for i, token in enumerate(ids)]
        assert len(scored) == len(expected)
        worst = max(worst, max(abs(a - b) for a, b in zip(scored, expected)))
    assert worst <= LOG_PROB_TOLERANCE[precision]


@pytest.mark.slow
def test_greedy_translations_agree_up_to_near_ties(tuned_transformers, ct2_precision):
    """Mostly the same greedy translations; where they part, transformers' own log-probabilities of the two
    tokens at the first differing step are closer than the backends' numerical difference, so either is right.
    (Random tiny weights give flat distributions, so such near-ties do occur.)"""
    precision, ct2 = ct2_precision
    greedy = GenerationParams(1, 16, 1)
    identical = 0
    for text in AGREEMENT_TEXTS:
        batch, ids, log_probs = greedy_with_log_probs(tuned_transformers, text, greedy.max_new_tokens)
        ours = tuned_transformers.translate([text], greedy)
        theirs = ct2.translate([text], greedy)
        if ours == theirs:
            identical += 1
            continue
        source = tuned_transformers.tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
        # The backend's own call: max_new_tokens less the forced end-of-sentence.
        tokens = ct2.translator.translate_batch(
            [source], beam_size=1, max_decoding_length=len(ids) - 1, suppress_sequences=ct2.suppressed
        )[0]
        other = tuned_transformers.tokenizer.convert_tokens_to_ids(tokens.hypotheses[0])
        step = next(i for i, (a, b) in enumerate(zip(ids, other)) if a != b)
        gap = log_probs[step, ids[step]].item() - log_probs[step, other[step]].item()
        assert 0 <= gap <= 2 * LOG_PROB_TOLERANCE[precision], (text, step, gap)
    # Without quantization CTranslate2 reproduces transformers exactly.
    assert identical == len(AGREEMENT_TEXTS) if precision == "float32" else identical >= len(AGREEMENT_TEXTS) * 2 // 3


@pytest.mark.parametrize("capability, supported, expected", [((7, 5), ["int8_float16"], "int8_float16"),
                                                              ((8, 9), ["int8_bfloat16", "bfloat16"], "int8_bfloat16")])  # fmt: skip
def test_compute_type_follows_the_device(monkeypatch, capability, supported, expected):
    import ctranslate2

    assert compute_type("cpu") == "int8"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda index=None: capability)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda kind, index=0: {"float32", *supported})
    assert compute_type("cuda:1") == expected


def test_thread_layout_shares_the_worker_threads_between_replicas():
    assert thread_layout("cpu", 2) == (2, 1)  # auto on a CPU: a replica per thread
    assert thread_layout("cpu", 8, inter_threads=2) == (2, 4)
    assert thread_layout("cpu", 2, inter_threads=1) == (1, 2)
    assert thread_layout("cpu", 1, inter_threads=2) == (2, 1)  # never below one thread each
    assert thread_layout("cuda:0", 4) == (1, 4)  # auto on a GPU: one replica holds it


@pytest.fixture(scope="module")
def ct2_unpacked(tmp_path_factory, tiny_ct2_archive) -> Path:
    unpacked = tmp_path_factory.mktemp("ct2-layouts")
    zipfile.ZipFile(tiny_ct2_archive).extractall(unpacked)
    return unpacked


def test_replicas_translate_a_batch_in_pieces_as_one_replica_does(ct2_unpacked):
    """Cut into one piece per replica, a batch gets the translations and scores it gets in one piece."""
    one = CTranslate2Backend(str(ct2_unpacked), "cpu", threads=2, inter_threads=1)
    two = CTranslate2Backend(str(ct2_unpacked), "cpu", threads=2)
    assert (one.replicas, two.replicas, two.translator.num_translators) == (1, 2, 2)
    assert (one._piece_size(25), two._piece_size(25), two._piece_size(1)) == (0, 13, 1)
    texts = [tr for tr, _ in read_pairs("test")[:25]]
    for params in (GenerationParams(1, 12, 1), GenerationParams(4, 12, 2)):
        whole, pieces = one.generate(texts, params, scores=True), two.generate(texts, params, scores=True)
        assert [[(h.text, h.tokens) for h in row] for row in pieces] == [
            [(h.text, h.tokens) for h in row] for row in whole
        ]
        for a, b in zip(pieces, whole):
            assert [h.log_prob for h in a] == pytest.approx([h.log_prob for h in b], abs=1e-4)


def test_without_a_thread_count_every_backend_in_a_process_gets_one_replica_per_core(ct2_unpacked):
    """A Translator sets the process's OpenMP thread count to its own threads (1 per replica), which
    torch.get_num_threads() then reports: the default must not come from there, or a second backend
    in the same process (bench/run.py loads several) would run one replica."""
    first = CTranslate2Backend(str(ct2_unpacked), "cpu")
    second = CTranslate2Backend(str(ct2_unpacked), "cpu")
    assert first.replicas == second.replicas == second.translator.num_translators == usable_cores()


def test_replicas_run_the_pieces_of_one_batch_at_once(ct2_unpacked):
    """The point of replicas: one call keeps all of them busy (CTranslate2 counts the batches it is running)."""

    def most_running_at_once(backend) -> int:
        seen, done = [0], threading.Event()

        def watch() -> None:
            while not done.is_set():
                translator = backend.translator
                seen.append(translator.num_active_batches - translator.num_queued_batches)
                time.sleep(0.0005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            backend.translate([tr for tr, _ in read_pairs("test")[:64]], GenerationParams(1, 48, 1))
        finally:
            done.set()
            watcher.join()
        return max(seen)

    assert most_running_at_once(CTranslate2Backend(str(ct2_unpacked), "cpu", threads=2, inter_threads=2)) == 2
    assert most_running_at_once(CTranslate2Backend(str(ct2_unpacked), "cpu", threads=2, inter_threads=1)) == 1


DOCUMENT = "Bu odun yanmaz. Kedi uyuyor.\n\nDr. Ayşe 19. yüzyılı anlattı."
DOCUMENT_PARAMETERS = {"num_beams": 2, "max_new_tokens": 10, "no_repeat_ngram_size": 2, "repetition_penalty": 1.3}


def assert_same_details(served: dict, in_process: dict) -> None:
    """The served details are the in-process ones, scores equal up to float noise between processes."""
    (a,), (b,) = served["predictions"], in_process["predictions"]
    assert a["translation"] == b["translation"] and a["translation"].count("\n\n") == 1
    assert [s["source"] for s in a["sentences"]] == ["Bu odun yanmaz.", "Kedi uyuyor.", "Dr. Ayşe 19. yüzyılı anlattı."]
    assert [s["translation"] for s in a["sentences"]] == [s["translation"] for s in b["sentences"]]
    assert a["score"] == pytest.approx(b["score"], abs=1e-5)


@pytest.mark.torchserve
def test_ct2_archive_serves_through_torchserve(tmp_path_factory, tiny_ct2_archive, tiny_ct2_backend, settings):
    from handler.torchserve import loopback_torchserve

    server = loopback_torchserve(tiny_ct2_archive.parent, tmp_path_factory.mktemp("ts-ct2"))
    server.start()
    try:
        server.wait_ready()
        url = server.inference_address + "/predictions/tr_en"
        params = {"num_beams": 2, "max_new_tokens": 8, "num_return_sequences": 2}
        response = requests.post(url, json={"instances": [TEXTS[0], [TEXTS[1]]], "parameters": params}, timeout=60)
        assert response.status_code == 200, response.text
        expected = tiny_ct2_backend.translate([TEXTS[0], TEXTS[1]], GenerationParams(2, 8, 2))
        assert response.json() == {"predictions": [expected[0], [expected[1]]]}
        bad = requests.post(url, json={"instances": [""]}, timeout=60)
        assert bad.status_code == 400 and "instances[0]" in bad.json()["error"]
        # This request path: sentences and layout, repetition controls, details with scores.
        document = {"instances": [DOCUMENT], "parameters": {**DOCUMENT_PARAMETERS, "return_details": True}}
        response = requests.post(url, json=document, timeout=60)
        assert response.status_code == 200, response.text
        (expected,) = TranslationService(tiny_ct2_backend, settings).handle_batch([json.dumps(document)])
        assert_same_details(response.json(), expected.body)
        assert "loaded ctranslate2 backend" in server.log_tail(400)
    finally:
        server.kill()


def mean_scores(backend, texts, params):
    return [[(h.text, h.log_prob / h.tokens) for h in row] for row in backend.generate(texts, params, scores=True)]


# Largest difference in mean log-probability per token between the backends' scores of the same
# translation, measured on 30 sentences greedy and beam 4: tuned tiny model float32 8.6e-7, int8 3.5e-4;
# demo model (beam 4, 2 hypotheses) float32 9.5e-7, int8 1.5e-2: its peaked distributions put more
# weight on the quantization error of unlikely tokens. The tolerance keeps a margin of 3 to 10.
SCORE_TOLERANCE = {"float32": 1e-5, "int8": 5e-2, "int8_float32": 5e-2}  # int8_float32: int8 weights too


@pytest.mark.parametrize("params", [GenerationParams(1, 16, 1), GenerationParams(4, 16, 2)], ids=str)
def test_both_backends_score_the_same_translation_alike(tuned_transformers, ct2_precision, params):
    precision, ct2 = ct2_precision
    ours, theirs = mean_scores(tuned_transformers, AGREEMENT_TEXTS, params), mean_scores(ct2, AGREEMENT_TEXTS, params)
    compared = [(a[1], b[1]) for row_a, row_b in zip(ours, theirs) for a, b in zip(row_a, row_b) if a[0] == b[0]]
    assert len(compared) >= len(AGREEMENT_TEXTS) * params.num_return_sequences // 2
    worst = max(abs(a - b) for a, b in compared)
    print(f"{precision} {params}: {len(compared)} translations compared, worst score difference {worst:.2e}")
    assert worst <= SCORE_TOLERANCE[precision]
    assert all(a < 0 for a, _ in compared)


DEMO_MODEL = Path(os.environ.get("DEMO_MODEL_DIR", REPO_ROOT / "artifacts" / "demo-model"))


@pytest.mark.slow
@pytest.mark.skipif(not (DEMO_MODEL / "model.safetensors").is_file(), reason="no demo model (make demo-model)")
@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_both_backends_score_the_demo_models_translations_alike(tmp_path, precision):
    """The same on the trained demo model, whose distributions are peaked, unlike the random tiny one."""
    from handler.backends.transformers_backend import TransformersBackend

    model_dir = tmp_path / "model"
    shutil.copytree(DEMO_MODEL, model_dir, ignore=shutil.ignore_patterns("checkpoint-*", "untrained", "*.png"))
    convert_model(model_dir, model_dir, quantization=precision)
    ct2 = CTranslate2Backend(str(model_dir), "cpu", threads=2, compute=precision)
    transformers = TransformersBackend(str(model_dir), "cpu", dtype="float32")  # the reference, as above
    params = GenerationParams(4, 64, 2)
    ours, theirs = mean_scores(transformers, AGREEMENT_TEXTS, params), mean_scores(ct2, AGREEMENT_TEXTS, params)
    compared = [(a[1], b[1]) for row_a, row_b in zip(ours, theirs) for a, b in zip(row_a, row_b) if a[0] == b[0]]
    assert len(compared) >= len(AGREEMENT_TEXTS)
    worst = max(abs(a - b) for a, b in compared)
    print(f"demo model {precision}: {len(compared)} translations compared, worst score difference {worst:.2e}")
    assert worst <= SCORE_TOLERANCE[precision]


def test_the_scoring_pass_is_chunked_by_target_tokens_with_the_same_scores(tiny_model_dir, tiny_backend):
    """handler.score_chunk_tokens bounds rows x target length per forward pass; the scores do not depend on it."""
    from handler.backends.transformers_backend import TransformersBackend, score_chunk_rows

    assert [score_chunk_rows(2048, n) for n in (512, 64, 5000, 0)] == [4, 32, 1, 2048]
    one_row = TransformersBackend(str(tiny_model_dir), "cpu", dtype="float32", score_chunk_tokens=1)
    texts = ["Bu odun yanmaz.", "Kedi bahçede uyuyor ve köpek havlıyor.", "Evet."]
    params = GenerationParams(num_beams=2, max_new_tokens=10, num_return_sequences=2)
    calls = []
    forward = one_row.model.model.forward
    # The scoring pass is the one forward without a key/value cache (generate's steps use one).
    one_row.model.model.forward = lambda *a, **k: (
        (calls.append(k["decoder_input_ids"].shape) if k.get("use_cache") is False else None) or forward(*a, **k)
    )
    chunked = one_row.generate(texts, params, scores=True)
    whole = tiny_backend.generate(texts, params, scores=True)
    assert [h.log_prob for row in chunked for h in row] == pytest.approx(
        [h.log_prob for row in whole for h in row], abs=1e-4
    )
    assert [shape[0] for shape in calls] == [1] * 6  # six rows (3 texts x 2), one per pass
