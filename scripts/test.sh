#!/usr/bin/env bash
# Install everything the test suite needs (PostgreSQL, Redis and Chromium via apt-get
# where missing; the Python packages in .venv), then run the whole suite twice, at the
# same time: on SQLite, and on a throwaway PostgreSQL server started here on 127.0.0.1.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k login
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-test.txt

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A throwaway PostgreSQL cluster. initdb refuses to run as root, so root runs it as postgres.
PG_BIN=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -n 1)")
PG_DIR=$(mktemp -d /tmp/deliberate-pg.XXXXXX)
PG_PORT=$(free_port)
pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
REDIS_DIR=$(mktemp -d /tmp/deliberate-redis.XXXXXX)
REDIS_PORT=$(free_port)

cleanup() {
  # An interrupted run must not leave a phase running against a stopped server.
  jobs -p | xargs -r kill 2>/dev/null || true
  pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  [ -f "$REDIS_DIR/redis.pid" ] && kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$PG_DIR" "$REDIS_DIR"
}
trap cleanup EXIT

pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/data/server.log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/data -c fsync=on -c synchronous_commit=on" >/dev/null
pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres deliberate_test

redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
  --pidfile "$REDIS_DIR/redis.pid" --dir "$REDIS_DIR" --save "" --appendonly no >/dev/null

export TEST_POSTGRES_ADMIN_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
export DELIBERATE_ROOT="$ROOT"
POSTGRES_TEST_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/deliberate_test"

# The two phases run side by side, one per core, so the suite takes the time of the
# longer phase rather than of both. Each writes its own log, printed whole when it ends,
# and has its own Redis database, so their rate-limit counters never meet.
# tests/core tests the pure domain package, which imports no database code (its purity
# is itself a test), so those tests run only in the SQLite phase.
LOG_DIR=$(mktemp -d /tmp/deliberate-test-logs.XXXXXX)

TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  .venv/bin/python -m pytest --basetemp="$LOG_DIR/tmp-sqlite" "$@" \
  >"$LOG_DIR/sqlite.log" 2>&1 &
sqlite_phase=$!
TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1" TEST_DATABASE_URL="$POSTGRES_TEST_URL" \
  .venv/bin/python -m pytest --basetemp="$LOG_DIR/tmp-postgresql" --ignore=tests/core "$@" \
  >"$LOG_DIR/postgresql.log" 2>&1 &
postgresql_phase=$!
echo "Running the suite on SQLite and on PostgreSQL (127.0.0.1:$PG_PORT) side by side..."

status=0
wait "$sqlite_phase" || status=1
echo "=== Test suite on SQLite ==="
cat "$LOG_DIR/sqlite.log"
wait "$postgresql_phase" || status=1
echo "=== Test suite on PostgreSQL (127.0.0.1:$PG_PORT; tests/core ran on SQLite only) ==="
cat "$LOG_DIR/postgresql.log"
if [ $status = 0 ]; then
  rm -rf "$LOG_DIR"
else
  echo "Logs and each test's files (server logs, databases) are kept in $LOG_DIR"
fi
exit $status
