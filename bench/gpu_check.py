"""The GPU check: half precisions against float32 on one CUDA device, in-process, in a few minutes.

    python -m bench.gpu_check                 # what `make gpu-check` runs; needs a CUDA device
    python -m bench.gpu_check --quick --device cpu   # the same code on tiny models (the tests)

No TorchServe and no Java: the transformers backend (and CTranslate2 if installed) is loaded
directly. It measures:
  1. quality: greedy translations of the demo test split in float32, float16 and bfloat16 (where
     the GPU has it): the share identical to float32's, BLEU and chrF of each (sacrebleu, if
     installed); CTranslate2 int8_float16 the same way;
  2. speed: the benchmark model (opus-mt-tr-en's architecture, 32 tokens per sentence, see
     bench/workload.py) at batch 1, 32 and 128 in each precision: sentences/s and peak GPU memory.
The demo model is read from --demo-model-dir (artifacts/demo-model: carry it to the GPU machine,
25 MiB); if it is absent it is trained there first with `python -m training.demo_model` (a minute
or two on a GPU; needs the project's train extras), and if that fails the quality part is skipped
with the reason. The benchmark model is built in --bench-model-dir if absent. Parts that would run
past --budget seconds are skipped and reported so. Writes --output (JSON) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PRECISIONS = ("float32", "float16", "bfloat16")
# (batch size, sentences): enough batches at each size for a stable rate, small enough for minutes.
FULL_BATCHES = ((1, 16), (32, 128), (128, 256))
QUICK_BATCHES = ((1, 2), (8, 8))


class NoDevice(Exception):
    pass


def check_device(device: str) -> str:
    """`device` as torch names it; NoDevice when CUDA was asked for and there is none."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise NoDevice("no CUDA device: torch.cuda.is_available() is False, so there is nothing to check")
    return "cuda:0" if device == "cuda" else device


def precisions_on(device: str) -> list[str]:
    import torch

    if device.startswith("cuda") and not torch.cuda.is_bf16_supported():
        return ["float32", "float16"]
    return list(PRECISIONS)


class Clock:
    """Seconds left of the budget; a part that would start past it is skipped."""

    def __init__(self, budget: float) -> None:
        self.deadline = time.monotonic() + budget

    def left(self) -> float:
        return self.deadline - time.monotonic()


def synchronize(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def peak_memory_mib(device: str) -> float | None:
    import torch

    return torch.cuda.max_memory_allocated(device) / 2**20 if device.startswith("cuda") else None


def reset_peak_memory(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def ensure_demo_model(model_dir: Path, quick: bool) -> tuple[Path | None, str]:
    """(the demo model, a note): trained here when absent; None with the reason when that fails."""
    if (model_dir / "model.safetensors").is_file():
        return model_dir, f"demo model: {model_dir}"
    command = [sys.executable, "-m", "training.demo_model", "--output_dir", str(model_dir)]
    if quick:
        command += ["--max_steps", "20", "--eval_steps", "20", "--architecture", "tiny"]
    print(f"no demo model in {model_dir}: training it ({' '.join(command[1:])})", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0 or not (model_dir / "model.safetensors").is_file():
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"quality skipped: training the demo model failed ({tail[0]})"
    return model_dir, f"demo model trained here in {time.monotonic() - started:.0f} s: {model_dir}"


def bleu_chrf(hypotheses: list[str], references: list[str]) -> dict[str, float | None]:
    try:
        import sacrebleu
    except ImportError:  # BLEU is optional here; agreement is not
        return {"bleu": None, "chrf": None}
    return {
        "bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2),
        "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 2),
    }


def ctranslate2_available(device: str) -> str | None:
    """None when CTranslate2 can run int8_float16 (int8 on a CPU run) here, else why not."""
    try:
        import ctranslate2
    except ImportError:
        return "ctranslate2 is not installed (pip install ctranslate2)"
    kind = "cuda" if device.startswith("cuda") else "cpu"
    wanted = "int8_float16" if kind == "cuda" else "int8"
    if wanted not in ctranslate2.get_supported_compute_types(kind):
        return f"this ctranslate2 build cannot run {wanted} on {kind}"
    return None


def load(name: str, model_dir: Path, device: str, dtype: str, workdir: Path) -> Any:
    """A backend for `name` ("transformers" or "ctranslate2") at `dtype`; CTranslate2 converts into workdir first."""
    if name == "transformers":
        from handler.backends.transformers_backend import TransformersBackend

        return TransformersBackend(str(model_dir), device, dtype=dtype)
    import shutil

    from handler.backends.ctranslate2_backend import CTranslate2Backend, convert_model
    from handler.backends.precision import ctranslate2_quantization

    converted = workdir / f"ct2-{model_dir.name}"
    if not converted.exists():
        shutil.copytree(model_dir, converted, ignore=shutil.ignore_patterns("checkpoint-*", "untrained"))
        convert_model(converted, converted, quantization=ctranslate2_quantization(dtype))
    return CTranslate2Backend(str(converted), device, compute=dtype)


def ct2_dtype(device: str) -> str:
    return "int8_float16" if device.startswith("cuda") else "int8"


def check_quality(
    model_dir: Path, device: str, workdir: Path, clock: Clock, limit: int | None = None
) -> tuple[list[dict], list[str]]:
    from bench.precision import agreement, read_split, translate_split
    from handler.backends import GenerationParams

    sources, references = read_split()
    sources, references = sources[:limit], references[:limit]
    greedy = GenerationParams(1, 64, 1)
    rows, notes, reference = [], [], None
    variants = [("transformers", p) for p in precisions_on(device)]
    if (why := ctranslate2_available(device)) is None:
        variants.append(("ctranslate2", ct2_dtype(device)))
    else:
        notes.append(f"ctranslate2 skipped: {why}")
    for name, dtype in variants:
        if clock.left() < 30:
            notes.append(f"quality {name} {dtype}: skipped, out of time")
            continue
        backend = load(name, model_dir, device, dtype, workdir)
        started = time.perf_counter()
        hypotheses = translate_split(backend, sources, greedy)
        synchronize(device)
        seconds = time.perf_counter() - started
        reference = reference or hypotheses
        rows.append({
            "backend": name, "dtype": dtype, "sentences": len(sources), "seconds": round(seconds, 2),
            "agreement_with_float32": round(agreement(hypotheses, reference), 3),
            **bleu_chrf(hypotheses, references),
        })  # fmt: skip
        del backend
    return rows, notes


def check_speed(
    model_dir: Path, device: str, workdir: Path, clock: Clock, batches, max_new_tokens: int
) -> tuple[list[dict], list[str]]:
    from bench.workload import bench_sentences
    from handler.backends import GenerationParams

    params = GenerationParams(1, max_new_tokens, 1)
    rows, notes, texts = [], [], None
    variants = [("transformers", p) for p in precisions_on(device)]
    if ctranslate2_available(device) is None:
        variants.append(("ctranslate2", ct2_dtype(device)))
    for name, dtype in variants:
        if clock.left() < 45:
            notes.append(f"speed {name} {dtype}: skipped, out of time")
            continue
        reset_peak_memory(device)
        backend = load(name, model_dir, device, dtype, workdir)
        texts = texts or bench_sentences(backend.count_tokens, max(n for _, n in batches))
        backend.translate(texts[:2], params)  # warm-up: kernels, allocator
        for batch_size, count in batches:
            synchronize(device)
            started = time.perf_counter()
            for i in range(0, count, batch_size):
                backend.translate(texts[i : i + batch_size], params)
            synchronize(device)
            seconds = time.perf_counter() - started
            rows.append({
                "backend": name, "dtype": dtype, "batch": batch_size, "sentences": count,
                "sentences_per_s": round(count / seconds, 2),
                "tokens_per_s": round(count * max_new_tokens / seconds, 1),
            })  # fmt: skip
        peak = peak_memory_mib(device)
        for row in rows:
            if row["backend"] == name and row["dtype"] == dtype:
                row["peak_gpu_mib"] = round(peak, 0) if peak is not None else None
        del backend
    return rows, notes


def table(quality: list[dict], speed: list[dict]) -> str:
    lines = [f"{'quality (demo test split, greedy)':<36} {'= float32':>9} {'BLEU':>6} {'chrF':>6} {'s':>6}"]
    fmt = lambda v: f"{v:6.2f}" if isinstance(v, float) else f"{'-':>6}"  # noqa: E731
    for r in quality:
        lines.append(
            f"{r['backend'] + ' ' + r['dtype']:<36} {r['agreement_with_float32']:9.3f} {fmt(r['bleu'])} "
            f"{fmt(r['chrf'])} {r['seconds']:6.1f}"
        )
    lines.append(f"\n{'speed (benchmark model)':<36} {'batch':>5} {'sent/s':>8} {'tok/s':>9} {'peak MiB':>9}")
    for r in speed:
        peak = f"{r['peak_gpu_mib']:9.0f}" if r.get("peak_gpu_mib") is not None else f"{'-':>9}"
        lines.append(
            f"{r['backend'] + ' ' + r['dtype']:<36} {r['batch']:5d} {r['sentences_per_s']:8.2f} "
            f"{r['tokens_per_s']:9.1f} {peak}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gpu_check",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu for a dry run")
    parser.add_argument("--demo-model-dir", type=Path, default=REPO_ROOT / "artifacts" / "demo-model",
                        help="the trained demo model (trained here if absent)")  # fmt: skip
    parser.add_argument("--bench-model-dir", type=Path, default=REPO_ROOT / "artifacts" / "bench-model",
                        help="the benchmark model (built here if absent)")  # fmt: skip
    parser.add_argument("--budget", type=float, default=480, help="seconds for the whole check (default 480)")
    parser.add_argument("--quick", action="store_true", help="tiny benchmark model, small batches (tests)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "bench" / "results" / "gpu_check.json")
    args = parser.parse_args(argv)
    try:
        device = check_device(args.device)
    except NoDevice as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    import tempfile

    import torch

    from bench.workload import build_bench_model

    clock = Clock(args.budget)
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else "CPU (dry run)"
    print(f"GPU check on {name}, budget {args.budget:.0f} s", flush=True)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tr_en-gpu-check-") as tmp:
        workdir = Path(tmp)
        demo, note = ensure_demo_model(args.demo_model_dir, args.quick)
        notes.append(note)
        limit = 16 if args.quick else None
        quality, more = check_quality(demo, device, workdir, clock, limit) if demo else ([], [])
        notes += more
        if args.quick:
            bench_dir = build_bench_model(workdir / "bench-model", "tiny", vocab_size=2000)
        else:
            bench_dir = build_bench_model(args.bench_model_dir)
        batches = QUICK_BATCHES if args.quick else FULL_BATCHES
        speed, more = check_speed(bench_dir, device, workdir, clock, batches, 8 if args.quick else 32)
        notes += more
    text = table(quality, speed) + ("\n\n" + "\n".join(notes) if notes else "")
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    raw = {"device": name, "torch": torch.__version__, "quality": quality, "speed": speed, "notes": notes}
    args.output.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output} after {args.budget - clock.left():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
