# Two set-up-free entry points (see README): `make demo` and `make test`.
# Both build .venv on first use (Python 3.11+ as `python3`, or set PYTHON=...).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= reports/demo

.PHONY: venv demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c 'import rhcos_helpers, papermill, kubernetes, itables'
	touch $(STAMP)

venv: $(STAMP)

## The demo report: every runbook on the bundled 4.16 demo cluster -> $(OUT)/index.html
demo: $(STAMP)
	$(BIN)/rhcos-runbooks run --source demo --out $(OUT)
	@echo "open $(OUT)/index.html"

## The whole gate: format, lint, types, tests (doctests and every notebook included)
test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_runbooks.py

clean:
	rm -rf $(VENV) reports .pytest_cache .mypy_cache .ruff_cache
