"""The handler's settings: the `handler:` section of model-config.yaml, checked once at load."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handler.backends.base import PAD_TO_MULTIPLE_OF, SCORE_CHUNK_TOKENS
from handler.backends.precision import DTYPES

MODEL_CONFIG_PATH = Path(__file__).with_name("model-config.yaml")
BACKENDS = ("transformers", "ctranslate2")
# The per-backend map of model-config.yaml; resolved at archive time and not packed.
BACKENDS_KEY = "backends"
# TorchServe 0.12's model-config.yaml keys (its ModelConfig), `handler` and `pt2` (read by Python):
# anything else at the top level is a typo, refused at archive time.
TORCHSERVE_KEYS = frozenset(
    "minWorkers maxWorkers batchSize maxBatchDelay responseTimeout startupTimeout deviceType deviceIds "
    "parallelLevel parallelType torchrun jobQueueSize clientTimeoutInMills maxRetryTimeoutInSec useJobTicket "
    "asyncCommunication sequenceMaxIdleMSec sequenceTimeoutMSec maxNumSequence maxSequenceJobQueueSize "
    "sequenceBatching continuousBatching useVenv handler pt2".split()
)
# The request body limit the container sets (container/settings.py, MAX_REQUEST_BYTES) and passes to
# the workers' environment. The archive's per-request limits (max_instances, max_request_chars) are
# for a Vertex shared endpoint's 1.5 MB; a dedicated endpoint's larger bodies scale them.
REQUEST_BYTES_ENV = "MAX_REQUEST_BYTES"
# The decoding cap's defaults (the shipped model-config.yaml's values): ceil(factor x source) + offset.
DECODE_LENGTH_FACTOR = 3.0
DECODE_LENGTH_OFFSET = 10
# Replaces the archive's handler.warmup_seconds when set: a deployment (or a test run) chooses its
# warm-up without repacking the archive. The container checks it at start; a worker refuses a bad value.
WARMUP_SECONDS_ENV = "WARMUP_SECONDS"
SHARED_ENDPOINT_REQUEST_BYTES = 1572864


def warmup_seconds_from_env(env: Mapping[str, str]) -> float | None:
    """WARMUP_SECONDS as a number of seconds, None when unset or empty; ValueError naming a bad value."""
    value = env.get(WARMUP_SECONDS_ENV, "")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{WARMUP_SECONDS_ENV} must be a non-negative number of seconds, not {value!r}")
    return seconds


@dataclass(frozen=True)
class ServingSettings:
    threads_per_worker: int
    max_instances: int
    max_text_chars: int
    max_request_chars: int
    max_num_beams: int
    max_new_tokens: int
    default_max_new_tokens: int
    max_segment_tokens: int
    batch_token_budget: int
    max_batch_sentences: int
    # Keys added after release 0.1 have defaults, so that the YAML of archives built before them still loads.
    # backend and dtype are written by `make archive` (BACKEND=, DTYPE=) into every archive's YAML, old ones
    # included; the shipped YAML does not offer them, since editing them there would change nothing.
    backend: str = "transformers"
    # The arithmetic the backend runs (handler/backends/precision.py); `auto` as before the key existed.
    dtype: str = "auto"
    # Decoding cap per micro-batch: ceil(factor x longest source length) + offset tokens (factor 0: no cap).
    decode_length_factor: float = DECODE_LENGTH_FACTOR
    decode_length_offset: int = DECODE_LENGTH_OFFSET
    # Translation cache per worker, in MiB (0: off).
    cache_mib: int = 0
    # Source rows padded to a multiple of this many tokens (0 or 1: to the longest row only), so that
    # a worker sees a bounded set of input shapes; the transformers backend's native memory grows
    # with every new shape (docs/operations.md "Worker memory"). The default serves old archives too.
    pad_to_multiple_of: int = PAD_TO_MULTIPLE_OF
    # CTranslate2 replicas per worker, each translating its own piece of a batch (0: one per thread on a
    # CPU, one on a GPU); the worker's threads are shared between them. transformers ignores it.
    inter_threads: int = 0
    # Target tokens (rows x length) per forward pass of return_details' scoring pass (transformers): bounds
    # its logits to this many x the vocabulary, however long the rows. The default serves old archives too.
    score_chunk_tokens: int = SCORE_CHUNK_TOKENS
    # Seconds a worker spends before it reports ready running the input shapes its traffic will bring
    # (handler/warmup.py), so that the first requests do not pay PyTorch's first-use costs; 0: no warm-up.
    warmup_seconds: float = 20.0
    # TorchServe's own key, read here so that threads can be shared between the workers.
    workers: int = 1

    @classmethod
    def from_model_config(cls, config: Mapping[str, Any]) -> ServingSettings:
        """Build from a parsed model-config.yaml (TorchServe's `context.model_yaml_config`)."""
        section = dict(config.get("handler") or {})
        keys = {f.name: f for f in dataclasses.fields(cls) if f.name != "workers"}
        required = {name for name, f in keys.items() if f.default is dataclasses.MISSING}
        unknown = sorted(set(section) - set(keys))
        missing = sorted(required - set(section))
        if unknown or missing:
            raise ValueError(f"model-config.yaml handler section: unknown keys {unknown}, missing keys {missing}")
        backend = section.get("backend", keys["backend"].default)
        if backend not in BACKENDS:
            raise ValueError(f"model-config.yaml handler.backend must be one of {BACKENDS}, not {backend!r}")
        dtypes = DTYPES[backend]
        if section.get("dtype", "auto") not in dtypes:
            raise ValueError(
                f"model-config.yaml handler.dtype must be one of {dtypes} for {backend}, not {section['dtype']!r}"
            )
        for name, value in section.items():
            if name in ("backend", "dtype"):  # text keys, checked above
                continue
            if keys[name].type in (float, "float"):  # a float key takes whole numbers too
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
                    raise ValueError(f"model-config.yaml handler.{name} must be a non-negative number, not {value!r}")
                section[name] = float(value)
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"model-config.yaml handler.{name} must be a non-negative integer, not {value!r}")
        workers = int(config.get("minWorkers") or 1)
        settings = cls(**section, workers=workers)
        warmup = warmup_seconds_from_env(os.environ)
        if warmup is not None:
            settings = dataclasses.replace(settings, warmup_seconds=warmup)
        request_bytes = os.environ.get(REQUEST_BYTES_ENV, "")
        if request_bytes.isdigit() and int(request_bytes) > 0:
            return settings.for_request_bytes(int(request_bytes))
        return settings

    def for_request_bytes(self, request_bytes: int) -> ServingSettings:
        """These settings with the per-request limits scaled from a 1.5 MB body to `request_bytes`."""
        factor = request_bytes / SHARED_ENDPOINT_REQUEST_BYTES
        return dataclasses.replace(
            self,
            max_instances=max(1, round(self.max_instances * factor)),
            max_request_chars=max(1, round(self.max_request_chars * factor)),
        )

    def torch_threads(self, cpu_count: int | None = None) -> int:
        """Threads for one worker so that workers x threads fit the cores."""
        if self.threads_per_worker:
            return self.threads_per_worker
        cores = cpu_count or usable_cores()
        return max(1, cores // max(1, self.workers))


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the OS has one (a container's
    cpuset), else the machine's count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def read_model_config(path: Path = MODEL_CONFIG_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def config_for_backend(config: Mapping[str, Any], backend: str) -> dict[str, Any]:
    """model-config.yaml as an archive for `backend` packs it: that backend's entries of the
    `backends:` map over the top-level ones, the map itself left out, handler.backend set.

    Raises ValueError for an unknown backend, a bad map or a key TorchServe does not know."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    resolved = {k: v for k, v in config.items() if k != BACKENDS_KEY}
    overrides = config.get(BACKENDS_KEY) or {}
    if not isinstance(overrides, Mapping) or set(overrides) - set(BACKENDS):
        raise ValueError(f"model-config.yaml {BACKENDS_KEY} must map some of {', '.join(BACKENDS)} to settings")
    for key, value in (overrides.get(backend) or {}).items():
        if key == "handler":  # the handler's settings stay in one place
            raise ValueError(f"model-config.yaml {BACKENDS_KEY}.{backend} may set TorchServe keys only, not handler")
        resolved[key] = value
    unknown = sorted(set(resolved) - TORCHSERVE_KEYS)
    if unknown:
        raise ValueError(f"model-config.yaml: unknown TorchServe keys {unknown}")
    resolved["handler"] = {**(resolved.get("handler") or {}), "backend": backend}
    ServingSettings.from_model_config(resolved)  # the check a worker makes at load, made now
    return resolved


def load_settings(path: Path = MODEL_CONFIG_PATH) -> ServingSettings:
    return ServingSettings.from_model_config(read_model_config(path))
