# crescent: `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint system-packages bench-extract bench-search bench-crawl bench-watch \
	clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crescent demo

# Debian packages that some tests start (Redis, Chromium): see system-packages.txt.
system-packages:
	bash scripts/install-system-packages

test: $(STAMP) system-packages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

EVAL ?= ../shared/eval
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench-extract: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.extraction $(EVAL)

lint: $(STAMP)
	$(BIN)/ruff check .

bench-search: $(STAMP)
	$(BIN)/python -m benchmarks.search

# 100 watches on a 100,000-article archive after 1,000 new articles; target ≤ 3 s per engine.
bench-watch: $(STAMP)
	$(BIN)/python -m benchmarks.watch

# Pages the size of real news pages (the eval pages average 245 KiB), then the bare replica pages.
bench-crawl: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.crawl --articles 2000 --pad-kib 200
	$(BIN)/python -m benchmarks.crawl --articles 2000

clean:
	rm -rf $(VENV) demo-data .pytest_cache .ruff_cache *.egg-info
