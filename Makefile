# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test test-all lint bench clean notebooks fuzz

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(STAMP_DEV): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -q -c constraints.txt -e '.[dev,generate,onnx,stats,dask]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/neyman demo

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks tools docs/scripts
	$(BIN)/ruff format --check src tests benchmarks tools docs/scripts
	$(BIN)/mypy --strict src/neyman

# test files in parallel (pytest-xdist), one process per CPU up to 4: a file's tests stay in
# one process, so module fixtures run once
XDIST := -n auto --maxprocesses 4 --dist loadfile

test: lint
	MPLBACKEND=Agg $(BIN)/pytest -q $(XDIST)

test-all: lint
	MPLBACKEND=Agg $(BIN)/pytest -q $(XDIST) -m ''

# hypothesis fuzzing of the readers, the config parser and the expression evaluator for
# FUZZ_SECONDS (10 minutes), in rounds with fresh seeds; `make test` runs them briefly
FUZZ_SECONDS ?= 600
fuzz: $(STAMP_DEV)
	MPLBACKEND=Agg $(BIN)/python -m tests.fuzz --seconds $(FUZZ_SECONDS)

bench: $(STAMP_DEV)
	MPLBACKEND=Agg $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# regenerate every lab notebook and execute it (nbclient, this venv's Python as the kernel)
notebooks: $(STAMP_DEV)
	MPLBACKEND=Agg $(BIN)/python -m neyman.labs.notebooks examples/labs
