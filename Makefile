# Two commands on a fresh machine: `make run` (install + demo) and `make test` (install + tests).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist): each has its own database, stand-ins and media directory (4 keep 2 cores busy).
TEST_WORKERS ?= 4
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --durations=15

.PHONY: install run serve test test-sqlite test-postgres test-clock lint bench clean

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# No package needs its install scripts (Leaflet, Chart.js, axe-core): they stay off.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/guichet demo

serve: install
	$(BIN)/guichet serve

test: install lint test-sqlite test-postgres

test-sqlite: install
	GUICHET_TEST_DATABASE=sqlite $(PYTEST)

test-postgres: install
	GUICHET_TEST_DATABASE=$(PG_TEST_URL) $(PYTEST)

# The SQLite suite with the present moved (GUICHET_TEST_CLOCK, ticking); tests that start other processes
# or a browser keep the real clock and are left out.
TEST_CLOCK ?= 2027-10-31T02:50:00+02:00
test-clock: install
	GUICHET_TEST_CLOCK=$(TEST_CLOCK) GUICHET_TEST_DATABASE=sqlite $(PYTEST) -m "not processes and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/pipeline_bench.py --rate 5 --duration 10
	$(BIN)/python bench/pipeline_bench.py --rate 300 --duration 15 --workers 1
	$(BIN)/python bench/pipeline_bench.py --rate 300 --duration 15 --workers 2
	$(BIN)/python bench/nlu_bench.py
	$(BIN)/python bench/webhook_bench.py
	$(BIN)/python bench/phone_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache
