# NAS Workbench: `make lab` opens the course, `make test` runs every test, `make demo`
# runs the main job headless. Each creates .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# A CPU build of torch: on this project's machines `pip install torch==2.13.0` finds a
# local CPU wheel; elsewhere it takes PyPI's default build. Override for a GPU build:
#   make TORCH_SPEC="torch==2.13.0" TORCH_INDEX="--index-url <your CUDA wheel index>" lab
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.installed
DEMO_OUT ?= results/demo
PYTEST_ARGS ?=
LAB_ARGS ?=

.PHONY: lab test demo setup clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# torch first, pinned: an unpinned resolve could pull a multi-GB CUDA build.
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q $(TORCH_INDEX) "$(TORCH_SPEC)" 2>&1 | grep -v "is ignored: it is neither" || true
	@$(PY) -c "import torch" 2>/dev/null || { echo "torch failed to install (see above)"; exit 1; }
	$(PIP) install -q -e ".[ui,dev]" 2>&1 | grep -v "is ignored: it is neither" || true
	@$(PY) -c "import nasbench_kit, widgets" || { echo "installing the kit failed (see above)"; exit 1; }
	@touch $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --allow-root $(LAB_ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

demo: setup
	$(PY) -m nasbench_kit demo --out $(DEMO_OUT)

clean:
	rm -rf $(VENV) .pytest_cache results
