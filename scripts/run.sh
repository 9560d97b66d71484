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
exec target/release/server serve --demo
