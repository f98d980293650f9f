# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates .venv when missing and installs what it needs first.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo playground test test-slow bench lint vendor clean system-demo system-test notebooks notebooks-sync

demo: $(VENV)/.installed-demo system-demo
	$(PY) -m autograd demo --out autograd-demo
	@echo "Next: \`make playground\` opens the live playground (type an expression, drag a value, watch every gradient)."

# The chain rule, live, in the browser: `make playground PLAYGROUND_ARGS='"sin(x*y)" x=1 y=2'`. Ctrl-C stops it.
playground: $(VENV)/.installed-demo system-demo
	$(PY) -m autograd playground $(PLAYGROUND_ARGS)

test: $(VENV)/.installed-test system-test
	$(PY) -m pytest

test-slow: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -m "slow or not slow"

# Every workload against every peer that installs; the peers get their own environments
# under benchmarks/.envs/ (made once). Never part of `make test`. BENCH_ARGS=--quick to try it.
# (The test extra: the playground's workload drives its server and headless Chromium.)
bench: $(VENV)/.installed-test
	cd benchmarks && ../$(PY) run.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(PIP) install ruff
	$(PY) -m ruff check autograd tests benchmarks

# Open the teaching notebooks in JupyterLab (each NAME.ipynb is paired with NAME.py by jupytext).
notebooks: $(VENV)/.installed-notebooks system-demo
	$(VENV)/bin/jupyter lab notebooks/

# After editing a notebook's .py (or .ipynb) outside Jupyter: bring its twin up to date.
notebooks-sync: $(VENV)/.installed-test
	$(VENV)/bin/jupytext --sync notebooks/*.ipynb

$(PY):
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; editing pyproject.toml reinstalls.
$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PIP) install -e ".[demo]"
	touch $@

$(VENV)/.installed-notebooks: pyproject.toml | $(PY)
	$(PIP) install -e ".[notebooks]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e ".[test,bench]"
	touch $@

# System programs, from Debian packages: Graphviz's `dot` renders drawings;
# Chromium and ChromeDriver run the stepper's browser test. As root, missing
# ones are installed with apt-get; otherwise a note names them (and the tests
# that need them are skipped, saying why).
define system_packages
	@missing=""; \
	for pair in $(1); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	     DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	    echo "WARNING: apt-get could not install$$missing"; \
	  else \
	    echo "NOTE: missing system packages:$$missing. Install them (Debian: sudo apt-get install$$missing;"; \
	    echo "      macOS: brew install graphviz; conda: conda install -c conda-forge graphviz);"; \
	    echo "      until then the drawings are DOT text only and the tests that need them are skipped."; \
	  fi; \
	fi
endef

system-demo:
	$(call system_packages,dot:graphviz)

system-test:
	$(call system_packages,dot:graphviz chromium:chromium chromedriver:chromium-driver)

# The graph explorer's one JavaScript library, Viz.js (Graphviz in WebAssembly), is vendored as
# package data so that pip never needs npm. This rebuilds it from the registry, as pinned by the lock file.
VENDOR := autograd/explain/assets/vendor
vendor:
	cd $(VENDOR) && npm ci --ignore-scripts --no-audit --no-fund
	cp $(VENDOR)/node_modules/@viz-js/viz/dist/viz-global.js $(VENDOR)/viz-global.js
	rm -rf $(VENDOR)/node_modules

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis autograd-demo test-artifacts
