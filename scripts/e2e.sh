#!/usr/bin/env bash
# Runs the end-to-end tests (all, or the spec files named) in Debian's Chromium against the release
# build already in target/ (`cargo leptos build --release --split`, then scripts/precompress.sh),
# with the demo data in a fresh data directory. scripts/test.sh builds first, then calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

server_pid=""; receiver_pid=""; e2e_data=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null && wait "$receiver_pid" 2>/dev/null
  [ -n "$e2e_data" ] && rm -rf "$e2e_data"
  return 0
}
trap cleanup EXIT

e2e_data=$(mktemp -d /tmp/linli-e2e.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Official records go to the reference receiver, as in the demo (scripts/run.sh).
receiver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export LINLI_RECORDS_SECRET=whsec_ZTJlIHJlY29yZHMgc2VjcmV0
LINLI_RECEIVER_ADDR="127.0.0.1:$receiver_port" LINLI_RECEIVER_DB="$e2e_data/receiver.db" RUST_LOG=warn \
  target/release/server receiver >"$e2e_data/receiver.log" 2>&1 &
receiver_pid=$!
# The loopback is trusted as a proxy: each test phone says its own address (helpers.ts, phone()).
LINLI_RECORDS_URL="http://127.0.0.1:$receiver_port/records" LINLI_TRUSTED_PROXIES=127.0.0.1 LINLI_SITE_ROOT=target/site LINLI_DATA_DIR="$e2e_data" LINLI_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  target/release/server serve --demo >"$e2e_data/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$e2e_data/server.log"; exit 1; }
  sleep 0.2
done
status=0
(cd end2end && BASE_URL="http://127.0.0.1:$port" RECEIVER_URL="http://127.0.0.1:$receiver_port" E2E_DATA_DIR="$e2e_data" npx playwright test "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (warnings and errors) ---"
  tail -n 50 "$e2e_data/server.log"
fi
exit "$status"
