# ccstd — every target sets up (or refreshes) the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup browser demo test test-slow lint bench rules-doc compat-doc docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## browser: Debian chromium, for the test that opens report.html in a real browser
browser:
	bash scripts/ensure_chromium.sh

## demo: validate the bundled examples and a deliberately broken vendor export
demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

## test: lint, type-check, then the fast test suite (with the browser test)
test: lint browser
	$(BIN)/python -m pytest

## test-slow: the tests marked slow (1M-record memory check and friends)
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPY="$(CURDIR)/$(BIN)/mypy" bash scripts/typecheck.sh

## bench: the validation benchmark (figures as ratios against baselines measured in the same run)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.fhir
	$(BIN)/python -m benchmarks.xml
	$(BIN)/python -m benchmarks.orders
	$(BIN)/python -m benchmarks.certify

## rules-doc: regenerate docs/rules.md from the rule catalogue and rule sets
rules-doc: $(STAMP)
	$(BIN)/python -m ccstd.conformance.rulesdoc > docs/rules.md

## compat-doc: regenerate docs/compatibility.md from the compatibility rule table
compat-doc: $(STAMP)
	$(BIN)/python -m ccstd.standard.compatreport > docs/compatibility.md

## docs: regenerate the reference (docs/reference/) and build the site (build/site/, strict)
docs: $(STAMP) rules-doc compat-doc
	$(BIN)/ccstd docs --out docs/reference
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build demo-output .pytest_cache .mypy_cache .ruff_cache
