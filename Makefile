# The front door. `make run` and `make test` install what is missing first (scripts/setup.sh).
PY := .venv/bin/python
POSTGIS_URL ?= postgis://frontline:frontline@127.0.0.1:5432/frontline
HOST ?= 127.0.0.1
PORT ?= 8000
# Two workers (one per core), each with its own test database, live server and Chromium. A test file stays on
# one worker, so a module's demo is loaded once; the costliest files of the last run are handed out first
# (tests/balance.py). XDIST= runs in one process (for -x or --pdb).
# var/test-cache/ keeps a migrated SpatiaLite test database, the country gazetteer's rows and the tests' times
# between runs, each under a digest of what made it (tests/conftest.py); `make clean` drops them. On PostGIS the
# migrated database is kept on the server as a template, fa_tmpl_<digest> (the newest three are kept).
XDIST ?= -n 2 --dist loadfile
# The settings refuse to start without SECRET_KEY (unless DEBUG): a random key made once in var/ (never committed).
SECRET_KEY ?= $(shell mkdir -p var && { test -s var/secret_key || (umask 077 && head -c 48 /dev/urandom | base64 > var/secret_key); } && cat var/secret_key)
export SECRET_KEY
# A shell or image that sets PYTHONDONTWRITEBYTECODE makes each test process compile the apps' modules and rewrite
# the test modules' asserts again on every run (8 s of CPU a process against 3.5 s with the .pyc files kept).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup setup-postgis run worker dev demo test test-fast test-postgis lint format bench clean messages cluster cluster-test \
	cluster-stop

setup:
	@scripts/setup.sh

setup-postgis:
	@scripts/setup.sh --postgis

demo: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo

# The production server: gunicorn (deploy/gunicorn.conf.py: workers and threads from the cores, access log on
# stdout, `kill -HUP` reloads gracefully), static files collected under hashed names with gzip/brotli copies;
# beside it the background worker (manage.py db_worker: imports and other jobs), stopped when gunicorn stops.
run: export STATIC_MANIFEST = true
run: demo
	$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	.venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT)

# The background worker alone (beside `make dev`, whose server does not start one).
worker: demo
	$(PY) manage.py db_worker --interval 1

# Django's development server, reloading on every code change; static files straight from static/.
dev: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Two gunicorn app servers behind nginx, PostGIS with a streaming replica, Redis: scripts/cluster.sh.
cluster: setup
	@scripts/cluster.sh start

cluster-test: setup
	@scripts/cluster.sh test

cluster-stop:
	@scripts/cluster.sh stop

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
	rm -rf var/frontline.sqlite3 var/test-cache test-artifacts .pytest_cache
