#!/usr/bin/env bash
# Writes .br (quality 11) and .gz (level 9) beside every JS, WASM and CSS file of a built site, so
# the server sends the smallest form without compressing on every request.
set -euo pipefail
site=${1:-target/site}
find "$site/pkg" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' \) | while read -r f; do
  brotli -f -q 11 -o "$f.br" "$f"
  gzip -f -9 -k "$f"
done
