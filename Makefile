# ccstd — every target sets up (or refreshes) the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup browser node demo test test-slow lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip uninstall --quiet --yes ccstd 2>/dev/null || true  # the distribution was renamed ccstd-toolkit
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## browser: Debian chromium, for the test that opens report.html in a real browser
browser:
	bash scripts/ensure_chromium.sh

## node: Node.js (Debian, if missing) and the pinned interop tools (tests/interop/package-lock.json)
node:
	bash scripts/ensure_node_deps.sh

## demo: validate the bundled examples and a deliberately broken vendor export
demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

## test: lint, type-check, then the fast test suite (with the browser and interop tests)
test: lint browser node
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
	$(BIN)/python -c "import check_jsonschema" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.startup
	$(BIN)/python -m benchmarks.fhir
	$(BIN)/python -m benchmarks.xml
	$(BIN)/python -m benchmarks.orders
	$(BIN)/python -m benchmarks.certify
	$(BIN)/python -m benchmarks.serve
	$(BIN)/python -m benchmarks.scale
	$(BIN)/python -m benchmarks.lifecircle

## docs: regenerate the reference (docs/reference/: the standard by version, finding codes and
## rule sets, compatibility rules) and build the site (build/site/, mkdocs --strict)
docs: $(STAMP)
	$(BIN)/ccstd docs --out docs/reference
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build demo-output .pytest_cache .mypy_cache .ruff_cache
