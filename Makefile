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
# transformers or ctranslate2 (see README "Backends").
BACKEND ?= transformers
# The arithmetic: auto, or e.g. float32/bfloat16/float16, int8 for ctranslate2 (see README "Precision").
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

setup: $(STAMP) java ## create .venv with the pinned dependencies (once) and check Java 17

java: ## check for the Java 17 runtime that TorchServe needs
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1); \
	if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then \
	  echo "TorchServe needs Java 17 or newer (found: $${v:-none}). Install it with: sudo apt-get install openjdk-17-jre-headless" >&2; exit 1; fi

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

serve: archive ## serve model_store/tr_en.mar on http://127.0.0.1:8080 in the foreground
	@echo
	@echo "Serving $(SERVE_MODEL_DIR) ($(BACKEND)). Once the worker is READY, try:"
	@echo "  curl -X POST http://127.0.0.1:8080/predictions/tr_en -H 'Content-Type: application/json' -d '{\"instances\": [\"Bu odun yanmaz.\"]}'"
	@echo
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/torchserve --start --ncs --foreground --ts-config config.properties --log-config handler/log4j2.xml

bench: setup $(if $(QUICK),,demo-model) ## the benchmark (about 27 min; QUICK=1: a 1-minute check); results in bench/results/
	$(BIN)/python -m bench.run $(if $(QUICK),--quick) $(ARGS)

# No set-up step: a GPU machine brings its own CUDA torch, which `make setup`'s CPU pin would replace.
gpu-check: ## half precisions vs float32 on a CUDA GPU, in-process, under 8 minutes (bench/gpu_check.py)
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m bench.gpu_check $(ARGS)

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

test-fast: setup ## the tests that do not start TorchServe, train or benchmark
	$(BIN)/python -m pytest -q -m "not torchserve and not slow and not bench" $(ARGS)

lint: setup ## ruff over the code
	$(BIN)/ruff check handler training vertex bench tests docker

clean: ## remove build output (keeps .venv and the demo model)
	rm -rf build logs model_store/*.mar .pytest_cache
