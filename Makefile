# Two commands do all set-up: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: run test lint typecheck pytest browser screenshot demo bench clean
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: install, then start the app on the built-in demo region
run: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless=true --server.port=$(PORT) \
		--browser.gatherUsageStats=false

## test: install, then lint, type-check and run every test
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check footprints tests benchmarks docs tools app.py app
	$(BIN)/ruff format --check footprints tests benchmarks docs tools app.py app

## typecheck: the package (settings in pyproject.toml), then the app
# `mypy app.py` follows every import into app/; `mypy app app.py` would see two modules `app`
typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy app.py
	$(BIN)/mypy tools

## pytest: every test; the store's run on SQLite and on a throw-away PostgreSQL server that
## tools/with_postgres.sh installs (apt-get postgresql, when missing), starts and stops.
## One worker per core (pytest-xdist), each test file on one worker: its fixtures start once.
PYTEST_WORKERS ?= auto
pytest: $(STAMP) browser
	bash tools/with_postgres.sh $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

## browser: Debian's Chromium and Leaflet for tests/test_browser.py (a no-op when present)
# Another install on the machine may hold apt's locks: wait for them (up to 10 minutes).
APT_GET := $(SUDO) apt-get -o DPkg::Lock::Timeout=600
browser:
	@command -v chromium >/dev/null && test -f /usr/share/javascript/leaflet/leaflet.js || \
		($(APT_GET) update -qq && $(APT_GET) install -y -qq chromium libjs-leaflet)

## screenshot: the browser tests, saving the README's docs/screenshot.png and the CCG lead's
## guide's pictures of Kent and Medway in docs/images (the real data in ../shared/data)
screenshot: $(STAMP) browser
	FOOTPRINTS_SCREENSHOT=$(CURDIR)/docs/screenshot.png \
		FOOTPRINTS_GUIDE_SHOTS=$(CURDIR)/docs/images $(BIN)/python -m pytest tests/test_browser.py

## demo: regenerate the shipped demo region in boundaries/demo (the generator is tools/demo)
demo: $(STAMP)
	$(BIN)/python tools/make_demo.py --out boundaries/demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
