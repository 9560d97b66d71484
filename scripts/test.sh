#!/usr/bin/env bash
# Sets up what is missing and runs every test: formatting and lints (both feature sets),
# unit, integration (SQLite and a throw-away PostgreSQL started here), and end-to-end in
# Debian's Chromium against a freshly built server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/env.sh
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

pg_dir=""
cleanup() {
  [ -n "$pg_dir" ] && scripts/postgres.sh stop "$pg_dir"
  return 0
}
trap cleanup EXIT

say "starting a throw-away PostgreSQL"
pg_out=$(scripts/postgres.sh)
read -r pg_url pg_dir <<<"$pg_out"
export LINLI_TEST_POSTGRES_URL="$pg_url" LINLI_REQUIRE_POSTGRES=1

say "formatting and lints: cargo fmt, clippy for the server side and the WASM (warnings are errors)"
cargo fmt --all --check
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings

say "unit tests: app (server side)"
cargo test -p app --features ssr
say "unit and integration tests: server, on SQLite and PostgreSQL"
cargo test -p server

say "building the app for the end-to-end tests: the release build users get (WASM split into chunks)"
cargo leptos build --release --split
scripts/precompress.sh target/site
say "the first download within its budget (main WASM + JS + CSS, brotli)"
scripts/check_size.sh

say "end-to-end tests in Chromium"
scripts/e2e.sh
say "all tests passed"
