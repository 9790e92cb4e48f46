# The front door. `make run` and `make test` install what is missing first (scripts/setup.sh).
PY := .venv/bin/python
POSTGIS_URL ?= postgis://frontline:frontline@127.0.0.1:5432/frontline
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers (one per core), each with its own test database, live server and Chromium. A test file stays on
# one worker, so a module's demo is loaded once. XDIST= runs in one process (for -x or --pdb).
XDIST ?= -n 2 --dist loadfile

.PHONY: setup setup-postgis run demo test test-fast test-postgis lint format bench clean messages

setup:
	@scripts/setup.sh

setup-postgis:
	@scripts/setup.sh --postgis

demo: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# The edit-test loop: everything but the browser tests.
test-fast: setup
	$(PY) -m pytest $(XDIST) -m "not browser" $(PYTEST_ARGS)

test-postgis: setup-postgis
	DATABASE_URL=$(POSTGIS_URL) $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: setup
	$(PY) -m bench $(BENCH_ARGS)

# The Arabic catalogue: extract the strings, then compile the .mo that is committed (needs GNU gettext).
messages: setup
	$(PY) manage.py makemessages -l ar --no-location --ignore=var --ignore=test-artifacts --ignore=static
	$(PY) manage.py compilemessages -l ar

clean:
	rm -rf var/frontline.sqlite3 test-artifacts .pytest_cache
