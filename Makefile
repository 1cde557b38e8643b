# crescent: `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint system-packages bench-extract bench-search bench-web bench-crawl \
	bench-distributed bench-scale bench-export bench-watch clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crescent demo
	@echo "To browse the demo's data: $(BIN)/crescent demo --serve (or crescent serve --data demo-data)"

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

# The web page through HTTP, 10 concurrent clients, on bench-search's 100,000-article archive.
bench-web: $(STAMP)
	$(BIN)/python -m benchmarks.web

# Time and peak memory of each export format over 100,000 synthetic articles.
bench-export: $(STAMP)
	$(BIN)/python -m benchmarks.export

# 100 watches on a 100,000-article archive after 1,000 new articles; target ≤ 3 s per engine.
bench-watch: $(STAMP)
	$(BIN)/python -m benchmarks.watch

# Copies of the evaluation pages (1,000 articles, read from $(EVAL) at run time; crescent with
# its index in Whoosh, then in tantivy), then the bare
# replica pages (information: 8 KiB pages flatter no one's extractor).
bench-crawl: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.crawl --real $(EVAL) --articles 1000 --with-tantivy
	$(BIN)/python -m benchmarks.crawl --articles 2000 --no-stages

# Crawls on many machines: 1, 2 and 4 workers on a site that answers after 300 ms (it starts
# its own redis-server on 127.0.0.1; see README, Crawling on many machines).
bench-distributed: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.distributed --articles 600 --concurrency 2

# The cost curve: 10,000, 100,000 and 1,000,000 articles (about 5 GB of disk under /tmp; Whoosh
# is measured up to 100,000: its million-article rebuild takes most of an hour).
bench-scale: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.scale

clean:
	rm -rf $(VENV) demo-data .pytest_cache .ruff_cache *.egg-info
