# Otklik: `make run` starts a working help desk; `make test` runs the whole suite (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The PostgreSQL run of the suite; pytest-django creates (and drops) test_<name> beside it.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/otklik
PYTEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres lint fmt migrations messages screenshots bench-seed bench-api bench-pages bench-calendar bench-timers bench-notify bench-notify-latency bench-quality bench-quality-refresh bench-peers clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Otklik needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

# The notifier's package is part of the main distribution (pyproject.toml); its desktop dependencies
# are the notifier's own, installed here for its tests.
$(BIN)/.installed-dev: $(BIN)/.installed notifier/pyproject.toml notifier/src/otklik_notifier/requirements.txt
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet -r notifier/src/otklik_notifier/requirements.txt
	@touch $@

run: $(BIN)/.installed
	$(BIN)/otklik migrate --noinput
	$(BIN)/otklik demo --history 8
	$(BIN)/otklik serve

test: $(BIN)/.installed-dev lint migrations test-sqlite test-postgres

# ruff, then mypy with the django-stubs plugin over all of src/otklik (settings in pyproject.toml;
# its cache in .mypy_cache). The plugin loads the settings, which want a data directory: a
# temporary one, removed afterwards.
lint: $(BIN)/.installed-dev
	$(BIN)/ruff check src tests bench scripts notifier
	@data=$$(mktemp -d) && echo "OTKLIK_DATA_DIR=$$data $(BIN)/mypy" && OTKLIK_DATA_DIR=$$data $(BIN)/mypy \
		&& OTKLIK_DATA_DIR=$$data $(BIN)/mypy --strict -p otklik_notifier; \
		status=$$?; rm -rf "$$data"; exit $$status

fmt: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix src tests bench scripts notifier
	$(BIN)/ruff format src tests bench scripts notifier

migrations: $(BIN)/.installed-dev
	OTKLIK_DATA_DIR=$$(mktemp -d) $(BIN)/otklik makemigrations --check --dry-run

# The browser tests (tests/e2e: a real `otklik serve` and headless Chromium, about two minutes)
# share one server: loadgroup keeps them on one worker. Every browser step has a 15 s limit and the
# server 90 s to start, so a hang fails the run instead of stalling it.
test-sqlite: $(BIN)/.installed-dev
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -p no:cacheprovider

test-postgres: $(BIN)/.installed-dev
	@if $(BIN)/python scripts/pg_ready.py "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider --create-db; \
	else \
		echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! PostgreSQL is NOT reachable at $(PG_TEST_URL)"; \
		echo "!!! The PostgreSQL half of the suite (concurrency, SKIP LOCKED, triggers) was SKIPPED."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; echo; \
	fi

# PNGs of the main pages in Russian and English (docs/screenshots/<language>/), taken with Debian's
# Chromium from a fresh server with the demo.
screenshots: $(BIN)/.installed-dev
	env -u DATABASE_URL $(BIN)/python scripts/screenshots.py

messages: $(BIN)/.installed-dev
	cd src/otklik && ../../$(BIN)/otklik makemessages -l ru --no-obsolete --no-wrap && ../../$(BIN)/otklik compilemessages -l ru

bench-seed: $(BIN)/.installed-dev
	$(BIN)/python bench/seed.py --requests 100000

bench-api: $(BIN)/.installed-dev
	$(BIN)/python bench/api.py

bench-pages: $(BIN)/.installed-dev
	$(BIN)/python bench/pages.py

bench-calendar: $(BIN)/.installed-dev
	$(BIN)/python bench/sla_calendar.py

bench-timers: $(BIN)/.installed-dev
	$(BIN)/python bench/sla_timers.py

bench-notify: $(BIN)/.installed-dev
	$(BIN)/python bench/notify.py

bench-notify-latency: $(BIN)/.installed-dev
	$(BIN)/python bench/notify_latency.py

bench-quality: $(BIN)/.installed-dev
	$(BIN)/python bench/quality.py

bench-quality-refresh: $(BIN)/.installed-dev
	$(BIN)/python bench/quality_refresh.py

bench-peers: $(BIN)/.installed-dev
	$(BIN)/python bench/peers.py

clean:
	rm -rf $(VENV) build src/*.egg-info
