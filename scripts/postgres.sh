#!/usr/bin/env bash
# Starts a throw-away PostgreSQL (Debian's package) on a free port with its own data directory and
# prints `URL DIR` on stdout (fsync off unless LINLI_PG_FSYNC=on: the benchmark turns it on). Stop it with: scripts/postgres.sh stop DIR
# LINLI_PG_STATEMENTS=on loads pg_stat_statements (execution and planning time of every statement; run
# `CREATE EXTENSION pg_stat_statements` in the database to read them) — how BENCHMARKS.md looked inside a booking.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-}" = stop ]; then
  dir=$2
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

dir=$(mktemp -d /tmp/linli-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
extra=""
[ "${LINLI_PG_STATEMENTS:-off}" = on ] && extra=" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${LINLI_PG_FSYNC:-off} -c max_connections=300$extra" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres $dir"
