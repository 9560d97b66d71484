#!/usr/bin/env bash
# Sets up what is missing, builds Linli (release) and runs it at http://127.0.0.1:3000 on an
# embedded SQLite database under data/, with demo data on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo leptos build --release --split
scripts/precompress.sh target/site
export LINLI_SITE_ROOT=target/site
# The records sync goes to the reference receiver (data/receiver.db; its state at
# http://127.0.0.1:3100/status), so that official results are seen arriving. Set LINLI_RECORDS_URL
# (and LINLI_RECORDS_SECRET) to send them elsewhere instead.
export LINLI_RECORDS_SECRET="${LINLI_RECORDS_SECRET:-whsec_ZGVtbyByZWNvcmRzIHNlY3JldA==}"
if [ -z "${LINLI_RECORDS_URL:-}" ]; then
  target/release/server receiver &
  receiver_pid=$!
  trap 'kill "$receiver_pid" 2>/dev/null || true' EXIT
  export LINLI_RECORDS_URL=http://127.0.0.1:3100/records
fi
target/release/server serve --demo
