"""The TorchServe adapter, driven with TorchServe's own Context and RequestProcessor objects."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest
import torch
import ts
import yaml
from ts.context import Context, RequestProcessor
from ts.metrics.metric_cache_yaml_impl import MetricsCacheYamlImpl

from handler.backends.transformers_backend import model_dtype
from handler.device_failures import DeviceUnavailableError
from handler.settings import read_model_config
from handler.ts_handler import TranslationHandler, nvidia_driver, select_device


@pytest.fixture(scope="module")
def handler(tiny_model_dir):
    context = Context("tr_en", str(tiny_model_dir), {}, 32, None, "0.12.0", model_yaml_config=read_model_config())
    handler = TranslationHandler()
    handler.initialize(context)
    return handler


def make_context(headers: list[dict]) -> Context:
    # The worker's own metrics cache, as TorchServe's model_service_worker builds it.
    metrics = MetricsCacheYamlImpl(config_file_path=str(Path(ts.__file__).parent / "configs" / "metrics.yaml"))
    metrics.initialize_cache()
    context = Context("tr_en", "", {}, 32, None, "0.12.0", metrics=metrics)
    context.request_processor = [RequestProcessor(h) for h in headers]
    return context


def test_batch_replies_carry_their_own_status_and_json(handler, caplog):
    good = json.dumps({"instances": ["Bu odun yanmaz."], "parameters": {"num_beams": 1, "max_new_tokens": 4}})
    data = [{"body": good.encode()}, {"body": b'{"instances": []}'}, {"data": bytearray(good.encode())}, {}]
    headers = [{"Content-Type": "application/json"}] * 3 + [{"content-type": "application/x-www-form-urlencoded"}]
    context = make_context(headers)
    caplog.set_level(logging.INFO, logger="ts.metrics")
    replies = handler.handle(data, context)
    assert len(replies) == 4
    statuses = [context.get_response_status(i)[0] for i in range(4)]
    assert statuses == [200, 400, 200, 415]
    assert all(context.get_response_content_type(i) == "application/json" for i in range(4))
    bodies = [json.loads(r) for r in replies]
    assert bodies[0] == bodies[2] and isinstance(bodies[0]["predictions"][0], str)
    assert bodies[1] == {"error": '"instances" is empty; send at least one instance'}
    assert "application/x-www-form-urlencoded" in bodies[3]["error"]
    # The counts went to the worker's metrics cache, which logs them for the frontend.
    metric_lines = [r.getMessage() for r in caplog.records if "[METRICS]translation_" in r.getMessage()]
    assert any(
        "[METRICS]translation_requests_total.Count:2|#ModelName:tr_en,Level:Model|" in line for line in metric_lines
    )
    assert any(
        "[METRICS]translation_errors_total.Count:1|#ModelName:tr_en,Level:Model,status:415|" in line
        for line in metric_lines
    )


def test_threads_are_set_for_the_worker(handler):
    assert torch.get_num_threads() == handler.service.settings.torch_threads()


def test_device_and_precision_selection(monkeypatch):
    assert select_device(None) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_device(1) == "cuda:1"
    assert select_device(None) == "cpu"
    # A T4 (7.5): torch's default is_bf16_supported() says yes through emulation; the choice is float16.
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 5))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    assert model_dtype(torch.device("cuda:1")) == torch.float16
    with pytest.raises(ValueError, match="native bfloat16 .* this one has 7.5"):
        model_dtype(torch.device("cuda:1"), "bfloat16")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))  # an H100
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert model_dtype(torch.device("cuda:0")) == torch.bfloat16
    assert model_dtype(torch.device("cpu"), "float32") == torch.float32


def test_a_gpu_torch_cannot_use_fails_the_load_in_one_sentence(monkeypatch, tmp_path):
    """This machine's torch is a CPU build: a gpu_id from TorchServe must not quietly become the CPU."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailableError) as raised:
        select_device(0)
    message = str(raised.value)
    assert message.startswith(f"TorchServe assigned GPU 0 to this worker but torch {torch.__version__} (")
    cuda = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    assert cuda in message and "number_of_gpu=0" in message and message.count(". ") == 0
    version = tmp_path / "version"
    version.write_text(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
        "GCC version:  gcc version 12.2.0\n"
    )
    assert nvidia_driver(version) == "550.54.15"
    assert nvidia_driver(tmp_path / "absent") is None
    # Through TorchServe's own Context: the worker's load fails instead of serving on the CPU.
    context = Context("tr_en", "", {}, 32, 0, "0.12.0", model_yaml_config=read_model_config())
    with pytest.raises(DeviceUnavailableError, match="cannot use it"):
        TranslationHandler().initialize(context)


def test_half_precision_path_runs_on_the_cpu_twin(tiny_model_dir, tiny_backend):
    from handler.backends import GenerationParams
    from handler.backends.transformers_backend import TransformersBackend

    half = TransformersBackend(str(tiny_model_dir), "cpu", dtype=torch.float16)
    assert next(half.model.parameters()).dtype == torch.float16
    params = GenerationParams(num_beams=2, max_new_tokens=6, num_return_sequences=2)
    texts = ["Bu odun yanmaz.", "Kedi bahçede uyuyor ve köpek havlıyor."]
    out = half.translate(texts, params)
    assert [len(h) for h in out] == [2, 2]
    assert all(isinstance(t, str) and t for h in out for t in h)
    assert half.count_tokens(texts) == tiny_backend.count_tokens(texts)


@pytest.mark.parametrize("inter_threads, replicas", [(0, 2), (1, 1)])
def test_a_ctranslate2_worker_takes_its_replicas_from_the_packed_config(
    tmp_path, tiny_ct2_archive, inter_threads, replicas
):
    with zipfile.ZipFile(tiny_ct2_archive) as archive:
        archive.extractall(tmp_path)
        config = yaml.safe_load(archive.read("model-config.yaml"))
    config["handler"].update(threads_per_worker=2, inter_threads=inter_threads)
    threads = torch.get_num_threads()
    try:
        handler = TranslationHandler()
        handler.initialize(Context("tr_en", str(tmp_path), {}, 32, None, "0.12.0", model_yaml_config=config))
    finally:
        torch.set_num_threads(threads)
    backend = handler.service.backend
    assert (backend.replicas, backend.translator.num_translators) == (replicas, replicas)


def test_a_reply_holding_nan_is_sent_as_a_500_not_as_invalid_json():
    context = make_context([{}])
    text = TranslationHandler._encode({"predictions": [{"translation": "", "score": float("nan")}]}, context, 0)
    assert context.get_response_status(0)[0] == 500
    assert json.loads(text) == {
        "error": "the reply held a non-finite number (Out of range float values are not JSON compliant); "
        "try dtype float32"
    }


def test_gpu_memory_gauges_are_reported_on_a_gpu_and_nothing_on_the_cpu(handler, monkeypatch, caplog):
    from handler.metrics import GPU_GAUGES, gpu_memory_mib, report_gauges

    assert gpu_memory_mib("cpu") == {}
    caplog.set_level(logging.INFO, logger="ts.metrics")
    handler.handle([{"body": json.dumps({"instances": ["Evet."]}).encode()}], make_context([{}]))
    assert not [r for r in caplog.records if "translation_gpu_memory" in r.getMessage()]  # the worker is on the CPU
    # The CUDA branch, with torch's answers as a 16 GiB GPU with 4 GiB free would give them.
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (4 * 2**30, 16 * 2**30))
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 3 * 2**30)
    gauges = gpu_memory_mib("cuda:0")
    assert gauges == {"translation_gpu_memory_used_mib": 12288.0, "translation_gpu_memory_allocated_mib": 3072.0}
    assert set(gauges) == set(GPU_GAUGES)
    report_gauges(gauges, make_context([{}]).metrics, "tr_en")
    lines = [r.getMessage() for r in caplog.records if "[METRICS]translation_gpu_memory" in r.getMessage()]
    assert any("translation_gpu_memory_used_mib.Megabytes:12288.0|#ModelName:tr_en,Level:Model|" in x for x in lines)
