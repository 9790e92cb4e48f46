# The front door. `make run` and `make test` install what is missing first (scripts/setup.sh).
PY := .venv/bin/python
POSTGIS_URL ?= postgis://frontline:frontline@127.0.0.1:5432/frontline
HOST ?= 127.0.0.1
PORT ?= 8000
# The settings refuse to start without SECRET_KEY (unless DEBUG): a random key made once in var/ (never committed).
SECRET_KEY ?= $(shell mkdir -p var && { test -s var/secret_key || (umask 077 && head -c 48 /dev/urandom | base64 > var/secret_key); } && cat var/secret_key)
export SECRET_KEY

.PHONY: setup setup-postgis run demo test test-postgis lint format bench clean messages

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
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgis: setup-postgis
	DATABASE_URL=$(POSTGIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

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
