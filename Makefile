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

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

# The browser tests (tests/browser) drive JupyterLab and Voila in Debian's Chromium; they
# skip, saying why, when it is missing. Installed through apt only when missing, as root.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser tests (apt-get)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "notice: chromium did not install; the browser tests will be skipped"; \
	else \
		echo "notice: $(CHROMIUM) is missing (install it with: sudo apt-get install chromium); the browser tests will be skipped"; \
	fi

demo: setup
	$(PY) -m nasbench_kit demo --out $(DEMO_OUT)

clean:
	rm -rf $(VENV) .pytest_cache results
