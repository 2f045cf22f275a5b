"""handler/backends/precision.py and each precision path: the choice `auto` makes, and the translations."""

from __future__ import annotations

import math
import subprocess
import sys
import zipfile

import pytest
import torch
import yaml

from handler.archive import ArchiveError, build_archive
from handler.backends import GenerationParams
from handler.backends.precision import (
    cpu_flags,
    cpu_has_bf16,
    ctranslate2_compute_type,
    ctranslate2_quantization,
    gpu_dtype,
    gpu_has_bf16,
    transformers_dtype,
)
from handler.backends.transformers_backend import TransformersBackend
from handler.settings import ServingSettings, read_model_config
from tests.conftest import read_pairs

# Flags as /proc/cpuinfo lists them on machines a Vertex CPU endpoint may run on (abridged).
GENOA = "fpu sse4_2 avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 avx512vl"  # AMD EPYC 9004, c3d/n4d
SAPPHIRE_RAPIDS = "avx2 fma avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8"  # Intel 4th gen, c3/n4
SPR_WITHOUT_AVX512_BF16 = "avx2 avx512f amx_bf16 amx_tile"  # AMX alone is enough
CASCADE_LAKE = "avx2 fma avx512f avx512bw avx512_vnni"  # n2, c2: VNNI but no bfloat16
MILAN = "avx2 fma sse4_2"  # AMD EPYC 7003, n2d/c2d: no AVX-512
GRAVITON_STYLE = ""  # no x86 flags at all


@pytest.mark.parametrize(
    "flags, expected",
    [
        (GENOA, "bfloat16"),
        (SAPPHIRE_RAPIDS, "bfloat16"),
        (SPR_WITHOUT_AVX512_BF16, "bfloat16"),
        (CASCADE_LAKE, "float32"),
        (MILAN, "float32"),
        (GRAVITON_STYLE, "float32"),
    ],
)
def test_auto_picks_bfloat16_only_on_cpus_with_native_bfloat16(flags, expected):
    assert cpu_has_bf16(flags.split()) == (expected == "bfloat16")
    assert transformers_dtype("auto", "cpu", flags.split()) == expected
    # On a GPU the GPU decides, whatever the host CPU has.
    assert transformers_dtype("auto", "cuda", flags.split(), (7, 5)) == "float16"
    assert transformers_dtype("auto", "cuda", flags.split(), (9, 0)) == "bfloat16"


# The GPUs Vertex AI offers, by compute capability: (name, capability, what torch's default
# is_bf16_supported() answers, counting emulation), and what auto picks for each backend.
VERTEX_GPUS = [
    ("T4", (7, 5), True, "float16", "int8_float16"),  # bfloat16 emulated: is_bf16_supported() says yes
    ("V100", (7, 0), True, "float16", "int8_float16"),
    ("P100", (6, 0), False, "float16", "int8_float16"),
    ("L4", (8, 9), True, "bfloat16", "int8_bfloat16"),
    ("A100", (8, 0), True, "bfloat16", "int8_bfloat16"),
    ("H100", (9, 0), True, "bfloat16", "int8_bfloat16"),
]


@pytest.mark.parametrize("name, capability, emulated_yes, transformers, ctranslate2", VERTEX_GPUS)
def test_auto_on_each_vertex_gpu(name, capability, emulated_yes, transformers, ctranslate2):
    # torch.cuda.is_bf16_supported(including_emulation=False) says yes from 8.0 only; the default says
    # yes on a T4 too, and the capability alone still keeps bfloat16 off there.
    for reported in (True, emulated_yes, capability >= (8, 0)):
        native = gpu_has_bf16(capability, reported)
        assert native == (reported and capability >= (8, 0))
    assert transformers_dtype("auto", "cuda", [], capability, bf16_reported=capability >= (8, 0)) == transformers
    assert transformers_dtype("auto", "cuda", [], capability, bf16_reported=emulated_yes) == transformers
    assert ctranslate2_compute_type("auto", "cuda", capability, capability >= (8, 0)) == ctranslate2
    # Explicit types are kept where the GPU runs them natively, refused where it would emulate bfloat16.
    for backend, dtype in (("transformers", "float32"), ("transformers", "float16"), ("ctranslate2", "int8_float16")):
        assert gpu_dtype(backend, dtype, capability) == dtype
    for backend, dtype in (("transformers", "bfloat16"), ("ctranslate2", "int8_bfloat16"), ("ctranslate2", "bfloat16")):
        if transformers == "bfloat16":
            assert gpu_dtype(backend, dtype, capability) == dtype
        else:
            with pytest.raises(ValueError, match=f"native bfloat16 .*this one has {capability[0]}.{capability[1]}"):
                gpu_dtype(backend, dtype, capability, bf16_reported=emulated_yes)


def test_a_gpu_of_unknown_capability_or_a_torch_without_bf16_kernels_gets_float16():
    assert gpu_dtype("transformers", "auto", None) == "float16"
    assert gpu_dtype("ctranslate2", "auto", None) == "int8_float16"
    assert gpu_dtype("transformers", "auto", (9, 0), bf16_reported=False) == "float16"


def test_explicit_dtypes_are_kept_and_unknown_ones_refused():
    for dtype in ("float32", "bfloat16", "float16"):
        assert transformers_dtype(dtype, "cpu", MILAN.split()) == dtype
    assert transformers_dtype("bfloat16", "cuda", [], (8, 0)) == "bfloat16"
    with pytest.raises(ValueError, match="compute capability 8.0"):
        transformers_dtype("bfloat16", "cuda", [], (7, 5))
    with pytest.raises(ValueError, match="'int8' is not one of transformers's"):
        transformers_dtype("int8", "cpu", [])
    assert ctranslate2_compute_type("auto", "cpu") == "int8"
    assert ctranslate2_compute_type("auto", "cuda") == "int8_float16"
    assert ctranslate2_compute_type("int8_float32", "cpu") == "int8_float32"
    with pytest.raises(ValueError, match="'fp8' is not one of ctranslate2's"):
        ctranslate2_compute_type("fp8", "cpu")
    # Weights are stored as int8 unless a float compute type needs them in full.
    assert [ctranslate2_quantization(d) for d in ("auto", "int8", "int8_bfloat16", "float32", "bfloat16")] == [
        "int8", "int8", "int8", "float32", "bfloat16",
    ]  # fmt: skip


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    x86 = tmp_path / "x86"
    x86.write_text(f"processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: {GENOA}\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(x86) == frozenset(GENOA.split())
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd bf16 sve\n")
    assert cpu_flags(arm) == {"fp", "asimd", "bf16", "sve"} and not cpu_has_bf16(cpu_flags(arm))
    assert cpu_flags(tmp_path / "absent") == frozenset()


def test_dtype_key_is_checked_per_backend():
    config = read_model_config()
    # The shipped YAML leaves it to `make archive DTYPE=`; archives packed before the key existed lack it too.
    assert "dtype" not in config["handler"]
    assert ServingSettings.from_model_config(config).dtype == "auto"
    for backend, dtype in (("transformers", "bfloat16"), ("ctranslate2", "int8_float32")):
        config["handler"].update(backend=backend, dtype=dtype)
        assert ServingSettings.from_model_config(config).dtype == dtype
    config["handler"].update(backend="transformers", dtype="int8")
    with pytest.raises(ValueError, match=r"handler.dtype must be one of \('auto', 'float32'"):
        ServingSettings.from_model_config(config)


def test_archive_packs_the_dtype(tiny_model_dir, tmp_path):
    mar = build_archive(tiny_model_dir, tmp_path / "store", dtype="bfloat16")
    packed = yaml.safe_load(zipfile.ZipFile(mar).read("model-config.yaml"))
    assert packed["handler"]["dtype"] == "bfloat16"
    with pytest.raises(ArchiveError, match="dtype 'int8' is not one of transformers's"):
        build_archive(tiny_model_dir, tmp_path / "store", dtype="int8")
    bad = subprocess.run(
        [sys.executable, "-m", "handler.archive", "--model-dir", str(tiny_model_dir), "--dtype", "half"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: dtype 'half' is not one of transformers's: auto, float32, bfloat16, float16"


def test_auto_runs_what_this_cpu_supports(tiny_model_dir):
    backend = TransformersBackend(str(tiny_model_dir), "cpu")
    expected = torch.bfloat16 if cpu_has_bf16(cpu_flags()) else torch.float32
    assert backend.dtype == expected and next(backend.model.parameters()).dtype == expected


# Largest difference of one token's log-probability between bfloat16 and float32, measured on the tiny
# model: 2e-3; with margin.
BF16_LOG_PROB_TOLERANCE = 2e-2


def test_bfloat16_translates_like_float32(tiny_model_dir):
    """Teacher-forced log-probabilities within tolerance; greedy translations identical except at near-ties
    (the random tiny model's distributions are flat), where float32 itself barely prefers its token."""
    reference = TransformersBackend(str(tiny_model_dir), "cpu", dtype="float32")
    bf16 = TransformersBackend(str(tiny_model_dir), "cpu", dtype="bfloat16")
    assert next(bf16.model.parameters()).dtype == torch.bfloat16
    texts = [tr for tr, _ in read_pairs("test")[:30]]
    identical = 0
    for text in texts:
        batch = reference.tokenizer([text], return_tensors="pt")
        with torch.inference_mode():
            ours = reference.model.generate(**batch, num_beams=1, max_new_tokens=12, do_sample=False)[0]
            theirs = bf16.model.generate(**batch, num_beams=1, max_new_tokens=12, do_sample=False)[0]
            decoder = ours[None, :-1]
            a = torch.log_softmax(reference.model(**batch, decoder_input_ids=decoder).logits[0].float(), -1)
            b = torch.log_softmax(bf16.model(**batch, decoder_input_ids=decoder).logits[0].float(), -1)
        ids = ours[1:]
        steps = torch.arange(len(ids))
        assert (a[steps, ids] - b[steps, ids]).abs().max().item() <= BF16_LOG_PROB_TOLERANCE, text
        if torch.equal(ours, theirs):
            identical += 1
            continue
        step = next(i for i, (x, y) in enumerate(zip(ours[1:], theirs[1:])) if x != y)
        gap = a[step, ours[step + 1]].item() - a[step, theirs[step + 1]].item()
        assert 0 <= gap <= 2 * BF16_LOG_PROB_TOLERANCE, (text, step, gap)
    assert identical >= len(texts) // 2
    # The served path: the same shapes and beams come back.
    out = bf16.translate(texts[:2], GenerationParams(num_beams=2, max_new_tokens=6, num_return_sequences=2))
    assert [len(h) for h in out] == [2, 2] and all(t for h in out for t in h)


def test_padded_bfloat16_batches_run_eager_attention_and_score_as_the_fused_kernel(tiny_model_dir):
    """On a CPU in bfloat16, a batch of texts switches to eager attention and a text alone back to the
    fused kernel; on the same padded batch both give the same log-probabilities (within bfloat16's
    tolerance) and the batched translations match float32's as closely as rows alone do."""
    bf16 = TransformersBackend(str(tiny_model_dir), "cpu", dtype="bfloat16")
    fused = bf16.row_attention
    assert fused != "eager" and bf16.batch_attention == "eager"
    texts = [tr for tr, _ in read_pairs("test")[:12]]
    params = GenerationParams(num_beams=1, max_new_tokens=12)
    batched = bf16.translate(texts, params)
    assert bf16.model.config._attn_implementation == "eager"
    bf16.translate(texts[:1], params)
    assert bf16.model.config._attn_implementation == fused

    batch = bf16.tokenizer(texts, padding=True, return_tensors="pt")
    assert not batch["attention_mask"].all()  # the mask is what the two kernels handle differently
    with torch.inference_mode():
        output = bf16.model.generate(**batch, num_beams=1, max_new_tokens=12, do_sample=False)
        log_probs = {}
        for implementation in (fused, "eager"):
            bf16.model.set_attn_implementation(implementation)
            logits = bf16.model(**batch, decoder_input_ids=output[:, :-1]).logits.float()
            log_probs[implementation] = torch.gather(torch.log_softmax(logits, -1), 2, output[:, 1:, None])
    assert (log_probs[fused] - log_probs["eager"]).abs().max().item() <= BF16_LOG_PROB_TOLERANCE

    reference = TransformersBackend(str(tiny_model_dir), "cpu", dtype="float32")
    assert reference.batch_attention == reference.row_attention == fused  # float32 keeps the fused kernel
    expected = reference.translate(texts, params)
    assert sum(ours == theirs for ours, theirs in zip(batched, expected)) >= len(texts) - 2


def test_float16_overflow_is_guarded_in_the_decoder_too(float16_edge_model_dir):
    """Activations past 65,504 in the decoder: transformers' own guard (the encoder, after LayerNorm) lets
    them become NaN; ours clamps each projection where the value arises, so the scores stay finite."""
    from handler.backends.base import ModelNumericsError

    params = GenerationParams(num_beams=1, max_new_tokens=8)
    text = "Bu odun yanmaz."
    (full,) = TransformersBackend(str(float16_edge_model_dir), "cpu", dtype="float32").generate([text], params, True)
    assert full[0].text and math.isfinite(full[0].log_prob)
    half = TransformersBackend(str(float16_edge_model_dir), "cpu", dtype=torch.float16)
    (guarded,) = half.generate([text], params, True)
    assert guarded[0].text and math.isfinite(guarded[0].log_prob)
    for module in half.model.modules():  # the model as transformers alone runs it
        module._forward_hooks.clear()
    with pytest.raises(ModelNumericsError, match="NaN or inf in torch.float16"):
        half.generate([text], params, True)
