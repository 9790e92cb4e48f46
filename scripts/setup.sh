#!/usr/bin/env bash
# Install what is missing, and nothing else: Debian packages, a virtual environment whose Python can load
# SQLite extensions (SpatiaLite needs that), and the pinned requirements. Safe to run again: a second run
# checks and returns in a few seconds. `scripts/setup.sh --postgis` also makes sure a local PostgreSQL with
# PostGIS answers, with a role and database for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
BASE_PACKAGES=(python3-venv python3-dev build-essential libsqlite3-mod-spatialite gdal-bin libgdal-dev libproj-dev proj-bin libgeos-dev
  chromium fonts-noto-core fonts-dejavu-core ffmpeg esbuild)
POSTGIS_PACKAGES=(postgresql-15 postgresql-15-postgis-3 postgresql-client-15)
# make cluster: a load balancer and a shared cache beside PostGIS (scripts/cluster.sh); ab to measure it.
CLUSTER_PACKAGES=(nginx-light redis-server apache2-utils)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$pkg"
  done
}

ensure_packages() {
  local missing
  if ! command -v dpkg-query >/dev/null 2>&1 || [ ! -f /etc/debian_version ]; then
    say "this is not Debian: install by hand the equivalents of: $*"
    say "(GDAL/GEOS/PROJ, the SpatiaLite SQLite extension, Chromium, a Python 3.11 whose sqlite3 can load extensions)"
    return 0
  fi
  missing=$(missing_packages "$@")
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != "0" ]; then
    die "missing Debian packages: $missing
  install them as root:  apt-get update && apt-get install -y $missing"
  fi
  say "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?); install by hand: $missing"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || die "apt-get install failed; install by hand: apt-get install -y $missing"
}

can_load_extensions() {
  "$1" - <<'PY' 2>/dev/null
import sqlite3, sys
connection = sqlite3.connect(":memory:")
connection.enable_load_extension(True)
connection.load_extension("mod_spatialite")
sys.exit(0)
PY
}

ensure_venv() {
  if [ -x "$VENV/bin/python" ] && can_load_extensions "$VENV/bin/python"; then
    return 0
  fi
  local candidate chosen=""
  for candidate in /usr/bin/python3 "$(command -v python3 || true)" /usr/local/bin/python3; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if can_load_extensions "$candidate"; then chosen=$candidate; break; fi
  done
  if [ -z "$chosen" ]; then
    die "no Python here can load SQLite extensions, which SpatiaLite needs.
  The pyenv python3 is built without extension loading; Debian's /usr/bin/python3 has it:
    apt-get install -y python3 python3-venv libsqlite3-mod-spatialite
  or build Python with: ./configure --enable-loadable-sqlite-extensions"
  fi
  say "creating $VENV with $chosen ($("$chosen" --version))"
  rm -rf "$VENV"
  "$chosen" -m venv "$VENV" || die "could not create a virtual environment; apt-get install -y python3-venv"
}

ensure_requirements() {
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  say "installing Python requirements"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt \
    || die "pip install -r requirements.txt failed (no network to PyPI?)"
  echo "$want" > "$stamp"
}

# pyproj 3.6.1 is the last release that builds against Debian 12's PROJ 9.1, and compiled with Cython 3.1 or
# later every CRS fails ("TypeError: expected bytes, str found", pyproj4/pyproj#1451, fixed only in 3.7): build
# it with Cython 3.0, without build isolation, and check that it can read a CRS. Runs every time (cheap check)
# so that a virtual environment built before this fix is repaired too.
ensure_pyproj() {
  local check='import pyproj; pyproj.Transformer.from_crs(3857, 4326, always_xy=True)'
  "$VENV/bin/python" -c "$check" >/dev/null 2>&1 && return 0
  say "building pyproj 3.6.1 with Cython 3.0"
  "$VENV/bin/pip" install -q --disable-pip-version-check "cython==3.0.12" "setuptools>=61" wheel \
    || die "could not install Cython 3.0 to build pyproj"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-cache-dir --no-build-isolation --no-deps \
    --force-reinstall --no-binary pyproj "pyproj==3.6.1" || die "could not build pyproj 3.6.1"
  "$VENV/bin/python" -c "$check" || die "pyproj still cannot build a CRS"
}

ensure_postgis() {
  ensure_packages "${POSTGIS_PACKAGES[@]}"
  local host=${PGHOST_FOR_TESTS:-127.0.0.1} port=${PGPORT_FOR_TESTS:-5432}
  if ! pg_isready -q -h "$host" -p "$port"; then
    [ "$(id -u)" = "0" ] || die "PostgreSQL does not answer on $host:$port and only root can start it here"
    if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
      say "creating PostgreSQL cluster 15/main"
      pg_createcluster 15 main >/dev/null
    fi
    say "starting PostgreSQL 15/main"
    pg_ctlcluster --skip-systemctl-redirect 15 main start || die "could not start PostgreSQL 15/main"
    for _ in $(seq 1 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 0.5; done
    pg_isready -q -h "$host" -p "$port" || die "PostgreSQL did not come up on $host:$port"
  fi
  if [ "$(id -u)" = "0" ]; then
    # A superuser role, because the test runner creates (and drops) its database with the postgis extension.
    su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname='frontline'\"" | grep -q 1 \
      || su postgres -c "psql -q -c \"CREATE ROLE frontline LOGIN SUPERUSER PASSWORD 'frontline'\""
    su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_database WHERE datname='frontline'\"" | grep -q 1 \
      || su postgres -c "createdb -O frontline frontline"
    su postgres -c "psql -q -d frontline -c 'CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null
  fi
}

ensure_packages "${BASE_PACKAGES[@]}"
ensure_venv
ensure_requirements
ensure_pyproj
if [ "${1:-}" = "--postgis" ]; then
  ensure_postgis
fi
if [ "${1:-}" = "--cluster" ]; then
  ensure_packages "${POSTGIS_PACKAGES[@]}" "${CLUSTER_PACKAGES[@]}"
fi
