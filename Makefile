# The README's two commands are `make demo` and `make test`; both work on a fresh clone
# with only Python 3.11+, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check lint typecheck format clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime install only: what a user of the demo needs.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

# Dev install: the test, lint and type-check tools.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python examples/quickstart/demo.py

# The whole suite, with branch coverage of the engine and the broker (both must stay >= 90%).
test: $(VENV)/.installed-dev
	rm -f .coverage .coverage.*
	COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml $(BIN)/python -m pytest --cov=headrace --cov-branch --cov-report= $(PYTEST_ARGS)
	$(BIN)/python -m coverage combine --append --quiet 2>/dev/null || true
	$(BIN)/python -m coverage report --include='src/headrace/esm/*,src/headrace/broker/*' --fail-under=90

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests examples bench
	$(BIN)/ruff check src tests examples bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

check: lint typecheck test

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests examples bench
	$(BIN)/ruff check --fix src tests examples bench

clean:
	rm -rf $(VENV) .coverage .coverage.* .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (issue 5): headrace beside its peers and this machine's ceilings, in one run;
# writes bench/RESULTS.md. Peers live in their own venv, bench/.venv. Not part of `test`.
BENCH_VENV := bench/.venv
$(BENCH_VENV)/.installed: bench/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt -e .
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m bench.run $(BENCH_ARGS)
