# Carnet: `make run` to try it, `make test` to check it. See README.md.

SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
HOST := 127.0.0.1
PORT := 8000
POSTGRES_URL := postgres://postgres@127.0.0.1:5432/carnet
PYTEST_ARGS ?=

# The first Python that is 3.11 or newer: python3.11 preferred, the project's target.
ifndef PYTHON
PYTHON := $(shell for candidate in python3.11 python3; do \
	if command -v $$candidate >/dev/null 2>&1 && \
	   $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  echo $$candidate; break; \
	fi; done)
endif

.PHONY: install run test test-postgres lint chromium messages

## install: create .venv and install Carnet with its test tools (only when needed)
install: $(INSTALLED)
	@:

$(INSTALLED): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Python 3.11 or newer is required (python3.11 or python3 on the PATH)." >&2; exit 1; \
	fi
	@if [ ! -x $(BIN)/python ]; then \
	  echo "Creating $(VENV) with $$($(PYTHON) --version)…"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@echo "Installing Carnet and its dependencies into $(VENV)…"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(INSTALLED)

## run: install, migrate the database under var/, load the demo once, serve on port 8000
run: install
	@$(BIN)/carnet migrate
	@$(BIN)/carnet demo
	@echo
	@echo "Open http://$(HOST):$(PORT) and log in with the demo login above. Ctrl+C stops."
	@echo
	@exec $(BIN)/carnet serve --host $(HOST) --port $(PORT)

## test: install what is missing, then run every test (SQLite, browser journeys included)
test: install chromium
	@data_dir=$$(mktemp -d) && trap 'rm -rf "$$data_dir"' EXIT && \
	echo "Running the test suite on SQLite…" && \
	env -u DATABASE_URL CARNET_DATA_DIR="$$data_dir" $(BIN)/pytest -q $(PYTEST_ARGS)

## test-postgres: the same suite on PostgreSQL ($$DATABASE_URL, else a local server)
test-postgres: install chromium
	@data_dir=$$(mktemp -d) && trap 'rm -rf "$$data_dir"' EXIT && \
	url="$${DATABASE_URL:-$(POSTGRES_URL)}" && \
	echo "Running the test suite on PostgreSQL ($$url)…" && \
	DATABASE_URL="$$url" CARNET_DATA_DIR="$$data_dir" $(BIN)/pytest -q $(PYTEST_ARGS)

## lint: ruff (lint and format check) and mypy
lint: install
	@$(BIN)/ruff check src bench && $(BIN)/ruff format --check --quiet src bench
	@data_dir=$$(mktemp -d) && trap 'rm -rf "$$data_dir"' EXIT && \
	CARNET_DATA_DIR="$$data_dir" $(BIN)/mypy src/carnet

# The browser journeys drive the system's Chromium. Installed when missing and allowed
# (root with apt-get); otherwise the journeys fail and say why.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests…"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing at $(CHROMIUM): install it (apt-get install chromium)," \
	         "or the browser tests will fail." >&2; \
	  fi; \
	fi

## messages: extract and compile translations (maintainers; needs GNU gettext)
messages: install
	@cd src/carnet && CARNET_DATA_DIR="$(CURDIR)/var" ../../$(BIN)/django-admin makemessages \
	  --settings=carnet.settings -l en --no-location \
	  --ignore 'tests/*' --ignore 'tests_browser/*' --ignore 'testing/*' && \
	  CARNET_DATA_DIR="$(CURDIR)/var" ../../$(BIN)/django-admin compilemessages \
	  --settings=carnet.settings

## bench: search, lists, picker, list page, bulk tagging at 1,000,000 clients (docs/PERFORMANCE.md)
# SQLite then PostgreSQL; both scripts share one cached data set per database.
BENCH_CLIENTS ?= 1000000
.PHONY: bench
bench: install
	$(BIN)/python bench/search.py --db sqlite --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/organize.py --db sqlite --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/search.py --db postgres --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/organize.py --db postgres --clients $(BENCH_CLIENTS)

## bench-imports: import 100,000 rows (CSV, XLSX), export them and a million clients (docs/PERFORMANCE.md)
.PHONY: bench-imports
bench-imports: install
	$(BIN)/python bench/imports.py --db sqlite --export-clients $(BENCH_CLIENTS)
	$(BIN)/python bench/imports.py --db postgres --export-clients $(BENCH_CLIENTS)

## bench-duplicates: duplicate detection at 1 and 2 million clients, a scan from the database, merge and undo (docs/PERFORMANCE.md)
.PHONY: bench-duplicates
bench-duplicates: install
	$(BIN)/python bench/duplicates.py --clients 1000000,2000000
	$(BIN)/python bench/duplicate_scan.py --db sqlite --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/duplicate_scan.py --db postgres --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/merge.py --db sqlite
	$(BIN)/python bench/merge.py --db postgres

## bench-sales: a client with 10,000 documents, sort=revenue at 1,000,000 clients, concurrent numbering (docs/PERFORMANCE.md)
.PHONY: bench-sales
bench-sales: install
	$(BIN)/python bench/sales.py --db sqlite --clients $(BENCH_CLIENTS)
	$(BIN)/python bench/sales.py --db postgres --clients $(BENCH_CLIENTS)
