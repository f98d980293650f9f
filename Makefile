# Two commands from a fresh clone: `make demo` and `make test`.
# Each creates .venv when missing and installs what it needs first.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-slow bench bench-tensor lint clean

demo: $(VENV)/.installed-base
	$(PY) -m autograd demo

test: $(VENV)/.installed-test
	$(PY) -m pytest

test-slow: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -m "slow or not slow"

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/scalar_mlp.py

# The Tensor benchmark against numpy by hand, PyTorch, MyGrad and DeZero. The peers are
# optional (never needed by `make test`): when they cannot be installed, the benchmark
# runs without them. torch==2.13.0 is the CPU build; DeZero's import needs matplotlib.
bench-tensor: $(VENV)/.installed-peers
	$(PY) benchmarks/tensor_mlp.py

lint: $(VENV)/.installed-test
	$(PIP) install ruff
	$(PY) -m ruff check autograd tests benchmarks

$(PY):
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; editing pyproject.toml reinstalls.
$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e ".[test,bench]"
	touch $@

$(VENV)/.installed-peers: $(VENV)/.installed-base
	-$(PIP) install "torch==2.13.0" mygrad dezero matplotlib
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
