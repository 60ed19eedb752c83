# journeyboard: `make serve` runs it, `make test` tests it. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CLIENT_SOURCES := $(shell find client/src client/index.html client/vite.config.ts client/svelte.config.js shared_schema -type f 2>/dev/null)

.PHONY: setup serve test test-fast check client-test py-test system-deps clean

setup: $(VENV)/.installed server/journeyboard/static/index.html

client/node_modules/.package-lock.json: client/package-lock.json
	cd client && npm ci --no-audit --no-fund

server/journeyboard/static/index.html: client/node_modules/.package-lock.json $(CLIENT_SOURCES)
	cd client && npm run build

$(VENV)/.installed: pyproject.toml hatch_build.py client/node_modules/.package-lock.json
	scripts/system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

serve: setup
	$(BIN)/journeyboard serve $(ARGS)

check: setup
	$(BIN)/ruff format --check server tests scripts benchmarks hatch_build.py
	$(BIN)/ruff check server tests scripts benchmarks hatch_build.py
	$(BIN)/mypy
	cd client && npm run check

client-test: setup
	cd client && npm test

system-deps:
	scripts/system-deps

py-test: setup system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: check client-test py-test

# The edit-test loop: the in-process tests only (no server, database, Node or browser process;
# the `process` marker, tests/conftest.py), in seconds. `make test` stays the whole suite.
test-fast: setup
	$(BIN)/python -m pytest -q -m "not process and not browser" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) client/node_modules server/journeyboard/static
