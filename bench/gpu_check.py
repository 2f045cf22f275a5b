"""The GPU check: each precision of each backend against float32, on the served model, in under 8 minutes.

    make gpu-check                                   # MODEL_DIR, default the demo model; needs a CUDA GPU
    python -m bench.gpu_check --model-dir DIR        # the same
    python -m bench.gpu_check --device cpu --quick --model-dir DIR   # the CPU twin (make test runs it)

No TorchServe and no Java: each backend is loaded in-process on the model that would be served
(a directory, hub id or gs:// folder, prepared as `make archive` prepares it). Every variant
(transformers float32, float16, bfloat16 where the GPU has it natively; CTranslate2 int8_float16 and
int8_bfloat16 likewise) runs in its own guard: a failure is written down and the next one runs.
For each it measures:
  - speed: sentences/s at batch 1, 32 and 128 on the demo test split's Turkish sentences;
  - true peak memory per batch size: the device's used memory (torch.cuda.mem_get_info, which sees
    CTranslate2's allocations too, unlike torch's allocator) sampled every few ms while the batches
    run, less what was used before the model was loaded; process RSS on the CPU twin. Batch sizes
    run in increasing order and torch's cache is emptied between them, so each row is its own peak;
  - quality: BLEU of its translations against transformers float32's (the reference), the count of
    empty translations of non-empty sources and of non-finite scores (return_details' scoring pass).
Results are written as they come, one JSON object a line (--out), then a table is printed.
Parts that would start past --budget seconds (480 by default) are skipped and written down so.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.cli import add_out_flag

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = REPO_ROOT / "artifacts" / "demo-model"
# (batch size, sentences): enough batches at each size for a stable rate, few enough for minutes.
FULL_BATCHES = ((1, 16), (32, 250), (128, 250))
QUICK_BATCHES = ((1, 2), (8, 16))
# Seconds a variant needs at least; one that would start with less left is skipped.
VARIANT_SECONDS = 20
# How often the memory sampler reads the device's used memory.
SAMPLE_SECONDS = 0.002


class NoDevice(Exception):
    pass


def check_device(device: str) -> str:
    """`device` as torch names it; NoDevice when CUDA was asked for and there is none."""
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise NoDevice("no CUDA device: torch.cuda.is_available() is False, so there is nothing to check")
    return "cuda:0" if device == "cuda" else device


def gpu_bf16(device: str) -> bool:
    """Native bfloat16 on `device` (handler/backends/precision.py): never an emulating T4."""
    import torch

    from handler.backends.precision import gpu_has_bf16
    from handler.backends.transformers_backend import cuda_capability

    return gpu_has_bf16(*cuda_capability(torch.device(device)))


def variants(device: str, ctranslate2_why_not: str | None) -> list[tuple[str, str]]:
    """(backend, dtype) to check, the reference (transformers float32) first."""
    if device.startswith("cuda"):
        bf16 = gpu_bf16(device)
        found = [("transformers", "float32"), ("transformers", "float16")] + ([("transformers", "bfloat16")] * bf16)
        ct2 = ["int8_float16"] + ["int8_bfloat16"] * bf16
    else:  # the CPU twin: every code path, on the CPU's kernels
        found = [("transformers", d) for d in ("float32", "float16", "bfloat16")]
        ct2 = ["int8"]
    return found + ([("ctranslate2", d) for d in ct2] if ctranslate2_why_not is None else [])


def ctranslate2_missing(device: str) -> str | None:
    """None when CTranslate2 can run here, else why not."""
    try:
        import ctranslate2
    except ImportError:
        return "ctranslate2 is not installed (pip install ctranslate2)"
    kind = "cuda" if device.startswith("cuda") else "cpu"
    if "int8" not in "".join(ctranslate2.get_supported_compute_types(kind)):
        return f"this ctranslate2 build cannot run int8 on {kind}"
    return None


class Clock:
    """Seconds left of the budget; a part that would start past it is skipped."""

    def __init__(self, budget: float) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + budget

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def spent(self) -> float:
        return time.monotonic() - self.started


def used_memory_mib(device: str) -> float:
    """Memory in use now: on a GPU the whole device's (every allocator's), on the CPU this process's RSS."""
    if device.startswith("cuda"):
        import torch

        free, total = torch.cuda.mem_get_info(device)
        return (total - free) / 2**20
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class PeakMemory:
    """The highest used_memory_mib seen while the block runs, sampled in a thread."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        self.peak = used_memory_mib(self.device)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, used_memory_mib(self.device))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, used_memory_mib(self.device))


def synchronize(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def release(device: str) -> None:
    """Give freed memory back to the device, so the next measurement starts from what is really held."""
    import gc

    import torch

    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def load(name: str, model_dir: Path, device: str, dtype: str, workdir: Path) -> Any:
    """A backend for `name` at `dtype`; CTranslate2 converts into workdir first (once per quantization)."""
    if name == "transformers":
        from handler.backends.transformers_backend import TransformersBackend

        return TransformersBackend(str(model_dir), device, dtype=dtype)
    import shutil

    from handler.backends.ctranslate2_backend import CTranslate2Backend, convert_model
    from handler.backends.precision import ctranslate2_quantization

    quantization = ctranslate2_quantization(dtype)
    converted = workdir / f"ct2-{quantization}"
    if not converted.exists():
        shutil.copytree(model_dir, converted, ignore=shutil.ignore_patterns("checkpoint-*", "untrained"))
        convert_model(converted, converted, quantization=quantization)
    return CTranslate2Backend(str(converted), device, compute=dtype)


def translate_batch(backend: Any, texts: list[str], params: Any) -> int:
    """Translate one batch; 1 if the backend found its arithmetic NaN (the speed is still measured), else 0."""
    from handler.backends import ModelNumericsError

    try:
        backend.translate(texts, params)
    except ModelNumericsError:
        return 1
    return 0


def translate_counted(backend: Any, sources: list[str], batch: int, max_new_tokens: int) -> tuple[list[str], int, int]:
    """(translations, empty ones of non-empty sources, non-finite scores), scored as return_details does.

    A batch whose arithmetic the backend reports as NaN counts all its sentences as non-finite."""
    from handler.backends import GenerationParams, ModelNumericsError

    params = GenerationParams(1, max_new_tokens, 1)
    texts: list[str] = []
    empty = nonfinite = 0
    for i in range(0, len(sources), batch):
        chunk = sources[i : i + batch]
        try:
            hypotheses = [row[0] for row in backend.generate(chunk, params, True)]
        except ModelNumericsError:
            texts += [""] * len(chunk)
            nonfinite += len(chunk)
            continue
        texts += [h.text for h in hypotheses]
        empty += sum(1 for h, s in zip(hypotheses, chunk) if not h.text.strip() and s.strip())
        nonfinite += sum(1 for h in hypotheses if h.log_prob is None or not math.isfinite(h.log_prob))
    return texts, empty, nonfinite


def bleu(hypotheses: list[str], references: list[str]) -> float | None:
    try:
        import sacrebleu
    except ImportError:  # BLEU is optional; agreement is not
        return None
    return round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2)


def check_variant(
    name: str,
    dtype: str,
    model_dir: Path,
    device: str,
    workdir: Path,
    sources: list[str],
    batches: tuple[tuple[int, int], ...],
    max_new_tokens: int,
    reference: list[str] | None,
    write: Callable[[dict], None],
) -> list[str]:
    """Speed and memory per batch size, then quality; each row written as soon as it is known."""
    from handler.backends import GenerationParams

    release(device)
    before = used_memory_mib(device)
    started = time.perf_counter()
    backend = load(name, model_dir, device, dtype, workdir)
    synchronize(device)
    loaded = used_memory_mib(device)
    write({"kind": "load", "backend": name, "dtype": dtype, "seconds": round(time.perf_counter() - started, 2),
           "model_mib": round(loaded - before, 1)})  # fmt: skip
    params = GenerationParams(1, max_new_tokens, 1)
    translate_batch(backend, sources[:2], params)  # warm-up: kernels, allocator
    for batch, count in batches:
        texts = (sources * math.ceil(count / len(sources)))[:count]
        release(device)
        with PeakMemory(device) as memory:
            synchronize(device)
            started = time.perf_counter()
            failed = sum(translate_batch(backend, texts[i : i + batch], params) for i in range(0, count, batch))
            synchronize(device)
            seconds = time.perf_counter() - started
        write({"kind": "speed", "backend": name, "dtype": dtype, "batch": batch, "sentences": count,
               "sentences_per_s": round(count / seconds, 2), "peak_mib": round(memory.peak - before, 1),
               "nonfinite_batches": failed})  # fmt: skip
    quality_batch = max(b for b, _ in batches if b < 64) if any(b < 64 for b, _ in batches) else batches[0][0]
    texts, empty, nonfinite = translate_counted(backend, sources, quality_batch, max_new_tokens)
    reference = reference or texts
    write({"kind": "quality", "backend": name, "dtype": dtype, "sentences": len(sources),
           "bleu_vs_float32": bleu(texts, reference),
           "identical_to_float32": round(sum(a == b for a, b in zip(texts, reference)) / len(texts), 3),
           "empty": empty, "nonfinite": nonfinite})  # fmt: skip
    del backend
    return texts


def check_all(
    todo: list[tuple[str, str]],
    model_dir: Path,
    device: str,
    workdir: Path,
    sources: list[str],
    batches: tuple[tuple[int, int], ...],
    max_new_tokens: int,
    clock: Clock,
    write: Callable[[dict], None],
) -> None:
    """check_variant for each (backend, dtype), each in its own guard; the first one's texts are the reference."""
    from tqdm import tqdm

    reference: list[str] | None = None
    for backend, dtype in tqdm(todo, desc="variants", unit="variant"):
        if clock.left() < VARIANT_SECONDS:
            write({"kind": "skipped", "backend": backend, "dtype": dtype,
                   "message": f"{backend} {dtype}: out of time after {clock.spent():.0f} s"})  # fmt: skip
            continue
        try:
            texts = check_variant(
                backend, dtype, model_dir, device, workdir, sources, batches, max_new_tokens, reference, write
            )
            reference = reference or texts
        except Exception as e:  # one variant's failure must not lose the others' results
            first = (str(e).splitlines() or [""])[0]
            write({"kind": "error", "backend": backend, "dtype": dtype,
                   "message": f"{backend} {dtype}: {type(e).__name__}: {first}"})  # fmt: skip
        release(device)


def served_model(spec: str, workdir: Path) -> Path:
    """The model `make archive` would pack for `spec` (a directory, hub id or gs:// folder), on disk."""
    from handler.model_source import locate, prepare

    located = locate(spec, workdir / "download")
    return prepare(located.directory, workdir / "prepared", located.source)


def table(rows: list[dict]) -> str:
    lines = [f"{'variant':<28} {'batch':>5} {'sent/s':>8} {'peak MiB':>9}"]
    for r in (r for r in rows if r["kind"] == "speed"):
        lines.append(
            f"{r['backend'] + ' ' + r['dtype']:<28} {r['batch']:5d} {r['sentences_per_s']:8.2f} {r['peak_mib']:9.0f}"
        )
    lines.append(f"\n{'variant':<28} {'BLEU vs fp32':>12} {'= fp32':>7} {'empty':>6} {'NaN/inf':>8}")
    for r in (r for r in rows if r["kind"] == "quality"):
        score = f"{r['bleu_vs_float32']:12.2f}" if r["bleu_vs_float32"] is not None else f"{'-':>12}"
        lines.append(
            f"{r['backend'] + ' ' + r['dtype']:<28} {score} {r['identical_to_float32']:7.3f} "
            f"{r['empty']:6d} {r['nonfinite']:8d}"
        )
    failures = [r for r in rows if r["kind"] in ("error", "skipped", "note")]
    return "\n".join(lines + [""] + [f"{r['kind']}: {r['message']}" for r in failures])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gpu_check",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu for the CPU twin")
    parser.add_argument(
        "--model-dir",
        default=str(DEFAULT_MODEL_DIR),
        help="the served model: a directory, hub id or gs:// folder (default: the demo model)",
    )
    parser.add_argument("--budget", type=float, default=480, help="seconds for the whole check (default 480)")
    parser.add_argument("--quick", action="store_true", help="16 sentences, small batches (the CPU twin in tests)")
    add_out_flag(parser, REPO_ROOT / "bench" / "results", "gpu_check.jsonl (one JSON object a result, as they come)")
    args = parser.parse_args(argv)
    output = args.out / "gpu_check.jsonl"
    try:
        device = check_device(args.device)
    except NoDevice as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    import torch

    from bench.precision import read_split

    clock = Clock(args.budget)
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else "CPU (the CPU twin)"
    print(f"GPU check on {name} with torch {torch.__version__}: finishes within {args.budget:.0f} s "
          f"({args.budget / 60:.0f} min); results in {output} as they come", flush=True)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with open(output, "w", encoding="utf-8") as out, tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:

        def write(row: dict) -> None:
            rows.append(row)
            out.write(json.dumps(row, allow_nan=False) + "\n")
            out.flush()

        write({"kind": "device", "device": name, "torch": torch.__version__, "torch_cuda": torch.version.cuda,
               "model": args.model_dir, "budget_s": args.budget})  # fmt: skip
        try:
            model_dir = served_model(args.model_dir, Path(tmp))
        except Exception as e:
            write({"kind": "error", "message": f"model {args.model_dir}: {type(e).__name__}: {e}"})
            print(table(rows), file=sys.stderr)
            return 1
        sources = read_split()[0][: 16 if args.quick else None]
        batches = QUICK_BATCHES if args.quick else FULL_BATCHES
        why_not = ctranslate2_missing(device)
        if why_not:
            write({"kind": "note", "message": f"ctranslate2 skipped: {why_not}"})
        check_all(variants(device, why_not), model_dir, device, Path(tmp), sources, batches,
                  16 if args.quick else 64, clock, write)  # fmt: skip
        write({"kind": "done", "seconds": round(clock.spent(), 1)})
    print("\n" + table(rows))
    print(f"\nwrote {output} after {clock.spent():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
