# make run   — set up and run everything (broker, four services, demo data) on SQLite
# make test  — set up and run the whole test suite (SQLite; PostgreSQL when TIDU_TEST_POSTGRES_URL is set)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup run test lint format bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/tidu dev

test: setup
	$(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -qq wrk) || echo "wrk missing: the HTTP load benchmark is skipped"
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache
