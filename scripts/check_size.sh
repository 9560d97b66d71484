#!/usr/bin/env bash
# Checks the first download of the release build in target/site/pkg (main WASM module, its JS and
# the CSS, brotli -q 11, as scripts/precompress.sh writes them) against the 250 KB budget.
# Deterministic: the same sources give the same bytes. Why it is a test: the WASM splitter puts
# every static string of the app (all locale strings of both languages among them) into the main
# module when a data segment does not fit after it is split (wasm-split-cli: "Overlong segment
# … putting it in main module"), and that can follow from a small change anywhere (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((250 * 1024))
total=0
for ext in wasm js css; do
  f=$(ls -t target/site/pkg/linli.*."$ext" | grep -v '\.d\.' | head -n 1)
  [ -f "$f.br" ] || { echo "no $f.br: run scripts/precompress.sh target/site first" >&2; exit 2; }
  size=$(stat -c %s "$f.br")
  printf '%-5s %8d B  %s\n' "$ext" "$size" "$(basename "$f")"
  total=$((total + size))
done
printf 'first download %d B (brotli), budget %d B\n' "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "over budget: see BENCHMARKS.md (\"the main WASM over budget\") for how to find why" >&2
  exit 1
fi
# The stack: hydration's frames must leave room in the WASM's 1 MiB stack (scripts/stack_frames.py).
python3 scripts/stack_frames.py
