#!/usr/bin/env bash
# A whole deployment on this one machine, for trying and testing more than one app server (README, "Deploying"):
#   nginx :8110  ->  gunicorn app servers :8111 and :8112  ->  PostgreSQL 15/PostGIS primary :5442
#                                                           ->  its streaming replica :5443 (public reads)
#                                                           ->  Redis :6390 (the shared cache)
#   one background worker (manage.py db_worker: imports and other jobs, queued in the primary)
# Its own PostgreSQL clusters (15/fa-primary, 15/fa-replica, made with pg_createcluster and pg_basebackup) and
# ports, so it never touches the PostgreSQL on 5432 that `make test-postgis` uses. Everything else lives in
# var/cluster/. Needs root (it installs Debian packages and makes PostgreSQL clusters).
#
#   scripts/cluster.sh start          install what is missing, start everything, load the demo
#   scripts/cluster.sh stop           stop everything and drop the two PostgreSQL clusters
#   scripts/cluster.sh test           start, run tests/cluster/check.py against it, stop (also on failure)
#   scripts/cluster.sh app-stop N     stop app server N (1 or 2) gracefully; app-start N starts it again
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=$ROOT/var/cluster
PG_VERSION=15
PRIMARY=fa-primary
REPLICA=fa-replica
PRIMARY_PORT=${CLUSTER_PRIMARY_PORT:-5442}
REPLICA_PORT=${CLUSTER_REPLICA_PORT:-5443}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6390}
LB_PORT=${CLUSTER_LB_PORT:-8110}
APP_PORTS=(8111 8112)
DB=frontline_cluster
PASSWORD=frontline
export DATABASE_URL="postgis://frontline:$PASSWORD@127.0.0.1:$PRIMARY_PORT/$DB"
export DATABASE_REPLICA_URL="postgis://frontline:$PASSWORD@127.0.0.1:$REPLICA_PORT/$DB"
export CACHE_URL="redis://127.0.0.1:$REDIS_PORT/0"
export STATIC_MANIFEST=true
export STATIC_ROOT=$STATE/static
export SITE_URL="http://127.0.0.1:$LB_PORT"
# Two app servers on a small machine: two workers of four threads each (README: WEB_WORKERS, WEB_THREADS).
export WEB_WORKERS=${WEB_WORKERS:-2}
export WEB_THREADS=${WEB_THREADS:-4}
# Connections kept a minute: a new PostgreSQL connection per request costs more than a small answer.
export DATABASE_CONN_MAX_AGE=${DATABASE_CONN_MAX_AGE:-60}
PY=$ROOT/.venv/bin/python

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'cluster: ERROR: %s\n' "$*" >&2; exit 1; }
as_postgres() { su postgres -s /bin/bash -c "$*"; }
has_cluster() { pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $1"; }
wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
  local seconds=$1; shift
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}

start_primary() {
  if ! has_cluster "$PRIMARY"; then
    say "creating PostgreSQL $PG_VERSION/$PRIMARY on port $PRIMARY_PORT"
    pg_createcluster "$PG_VERSION" "$PRIMARY" -p "$PRIMARY_PORT" >/dev/null
    cat > "/etc/postgresql/$PG_VERSION/$PRIMARY/conf.d/frontline-cluster.conf" <<EOF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '256MB'
EOF
  fi
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PRIMARY" start 2>/dev/null || true
  wait_for 30 pg_isready -q -h 127.0.0.1 -p "$PRIMARY_PORT" || die "the primary did not come up"
  as_postgres "psql -p $PRIMARY_PORT -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname='frontline'\"" | grep -q 1 \
    || as_postgres "psql -p $PRIMARY_PORT -q -c \"CREATE ROLE frontline LOGIN SUPERUSER REPLICATION PASSWORD '$PASSWORD'\""
  as_postgres "psql -p $PRIMARY_PORT -q -tAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" | grep -q 1 \
    || as_postgres "createdb -p $PRIMARY_PORT -O frontline $DB"
  as_postgres "psql -p $PRIMARY_PORT -q -d $DB -c 'CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null
}

start_replica() {
  if ! has_cluster "$REPLICA"; then
    say "making the replica $PG_VERSION/$REPLICA on port $REPLICA_PORT with pg_basebackup"
    pg_createcluster "$PG_VERSION" "$REPLICA" -p "$REPLICA_PORT" >/dev/null
    echo "listen_addresses = '127.0.0.1'" > "/etc/postgresql/$PG_VERSION/$REPLICA/conf.d/frontline-cluster.conf"
    local data=/var/lib/postgresql/$PG_VERSION/$REPLICA
    rm -rf "$data"
    # -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
    as_postgres "PGPASSWORD=$PASSWORD pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U frontline -D $data -R -X stream -c fast" \
      || die "pg_basebackup failed"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$REPLICA" start 2>/dev/null || true
  wait_for 30 pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" || die "the replica did not come up"
  [ "$(as_postgres "psql -p $REPLICA_PORT -tAc 'SELECT pg_is_in_recovery()'")" = "t" ] || die "port $REPLICA_PORT is not a standby"
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE" >/dev/null
  wait_for 10 redis-cli -p "$REDIS_PORT" ping || die "redis did not come up"
}

app_start() {
  local n=$1 port=${APP_PORTS[$(($1 - 1))]}
  if [ -f "$STATE/app$n.pid" ] && kill -0 "$(cat "$STATE/app$n.pid")" 2>/dev/null; then return 0; fi
  "$ROOT/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py --bind "127.0.0.1:$port" --daemon --pid "$STATE/app$n.pid" \
    --access-logfile "$STATE/app$n.access.log" --error-logfile "$STATE/app$n.log"
  wait_for 60 curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/maps/" || die "app server $n did not answer (see $STATE/app$n.log)"
}

app_stop() {
  local n=$1 pid
  [ -f "$STATE/app$n.pid" ] || return 0
  pid=$(cat "$STATE/app$n.pid")
  # TERM: gunicorn stops taking connections and lets its workers finish what they started.
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$STATE/app$n.pid"
}

# The background worker: takes the jobs queued in the primary (imports ...); its progress goes through Redis.
worker_start() {
  if [ -f "$STATE/worker.pid" ] && kill -0 "$(cat "$STATE/worker.pid")" 2>/dev/null; then return 0; fi
  DATABASE_REPLICA_URL='' nohup "$PY" manage.py db_worker --no-reload --interval 1 >>"$STATE/worker.log" 2>&1 &
  echo $! > "$STATE/worker.pid"
}

worker_stop() {
  local pid
  [ -f "$STATE/worker.pid" ] || return 0
  pid=$(cat "$STATE/worker.pid")
  # TERM: the worker finishes the job it is running (or, sent twice, stops it; its transaction rolls back).
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$STATE/worker.pid"
}

start_nginx() {
  mkdir -p "$STATE/nginx/logs" "$STATE/files"
  sed -e "s|@LB_PORT@|$LB_PORT|g" -e "s|@APP1@|127.0.0.1:${APP_PORTS[0]}|g" -e "s|@APP2@|127.0.0.1:${APP_PORTS[1]}|g" \
    -e "s|@STATE@|$STATE|g" deploy/cluster-nginx.conf > "$STATE/nginx.conf"
  if [ -f "$STATE/nginx/nginx.pid" ] && kill -0 "$(cat "$STATE/nginx/nginx.pid")" 2>/dev/null; then
    nginx -c "$STATE/nginx.conf" -p "$STATE/nginx/" -s reload
  else
    nginx -c "$STATE/nginx.conf" -p "$STATE/nginx/"
  fi
  wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$LB_PORT/api/v1/maps/" || die "nginx does not answer on $LB_PORT"
}

start() {
  [ "$(id -u)" = "0" ] || die "run as root: it installs Debian packages and makes PostgreSQL clusters"
  scripts/setup.sh --cluster
  mkdir -p "$STATE"
  "$PY" manage.py collectstatic --noinput -v 0
  start_primary
  say "migrating and loading the demo into $DB on the primary"
  DATABASE_REPLICA_URL='' "$PY" manage.py migrate --noinput -v 0
  DATABASE_REPLICA_URL='' "$PY" manage.py load_demo --reset >/dev/null
  start_replica
  start_redis
  app_start 1
  app_start 2
  worker_start
  start_nginx
  say "up: http://127.0.0.1:$LB_PORT/ (app servers :${APP_PORTS[0]} :${APP_PORTS[1]}, primary :$PRIMARY_PORT," \
    "replica :$REPLICA_PORT, redis :$REDIS_PORT, a background worker); scripts/cluster.sh stop ends it"
}

stop() {
  if [ -f "$STATE/nginx/nginx.pid" ]; then
    nginx -c "$STATE/nginx.conf" -p "$STATE/nginx/" -s quit 2>/dev/null || true
    for _ in $(seq 1 40); do [ -f "$STATE/nginx/nginx.pid" ] || break; sleep 0.25; done
  fi
  app_stop 1
  app_stop 2
  worker_stop
  if [ -f "$STATE/redis.pid" ]; then
    kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true
    rm -f "$STATE/redis.pid"
  fi
  for cluster in "$REPLICA" "$PRIMARY"; do
    if has_cluster "$cluster"; then pg_dropcluster --stop "$PG_VERSION" "$cluster"; fi
  done
  say "stopped; PostgreSQL clusters $PRIMARY and $REPLICA dropped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  app-start) app_start "$2" ;;
  app-stop) app_stop "$2" ;;
  test)
    trap stop EXIT
    start
    "$PY" -m tests.cluster.check --lb "http://127.0.0.1:$LB_PORT" \
      --app "http://127.0.0.1:${APP_PORTS[0]}" --app "http://127.0.0.1:${APP_PORTS[1]}" \
      --replica-port "$REPLICA_PORT" --primary-port "$PRIMARY_PORT" --files "$STATE/files"
    ;;
  *) die "usage: scripts/cluster.sh start|stop|test|app-start N|app-stop N" ;;
esac
