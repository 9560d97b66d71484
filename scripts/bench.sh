#!/usr/bin/env bash
# Measures the figures of BENCHMARKS.md on this machine and prints them as Markdown:
#   WASM/JS/CSS size (raw, gzip -9, brotli -q 11) of the release build,
#   server RSS when idle and after load, home-page SSR throughput and latency (wrk, 64 connections).
# Options: --clean-build  also time `cargo leptos build --release` from a clean clone (slow).
#          --duration N   seconds of load per wrk run (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
clean=0; duration=20
while [ $# -gt 0 ]; do
  case "$1" in
    --clean-build) clean=1 ;;
    --duration) duration=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
scripts/setup.sh
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
source scripts/env.sh

echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(rustc --version | cut -d' ' -f1-2)"
echo

if [ "$clean" = 1 ]; then
  tmp=$(mktemp -d /tmp/linli-clean.XXXXXX)
  git clone -q . "$tmp/linli"
  start=$(date +%s)
  (cd "$tmp/linli" && cargo leptos build --release --split >/dev/null 2>&1)
  end=$(date +%s)
  rm -rf "$tmp"
  echo "- clean release build (\`cargo leptos build --release --split\` in a fresh clone, registry cached): $((end - start)) s"
fi

cargo leptos build --release --split >/dev/null 2>&1
scripts/precompress.sh target/site
echo
echo "### Initial load (release build, /pkg): the main WASM, its JS and the CSS"
echo
echo "| file | raw | gzip -9 | brotli -q 11 |"
echo "|---|---:|---:|---:|"
total_raw=0; total_gz=0; total_br=0
for ext in wasm js css; do
  f=$(ls target/site/pkg/linli.*.$ext | grep -v '\.d\.' | head -n 1)
  raw=$(stat -c %s "$f"); gz=$(stat -c %s "$f.gz"); br=$(stat -c %s "$f.br")
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '| %s | %d KB | %d KB | %d KB |\n' "$ext" $((raw / 1024)) $((gz / 1024)) $((br / 1024))
done
printf '| **total** | %d KB | %d KB | **%d KB** (budget 250 KB) |\n' $((total_raw / 1024)) $((total_gz / 1024)) $((total_br / 1024))
echo
echo "Loaded on demand (lazy routes, \`--split\`), brotli -q 11:"
echo
for f in target/site/pkg/split_*.wasm target/site/pkg/chunk_*.wasm; do
  [ -f "$f" ] || continue
  printf -- '- %s: %d KB\n' "$(basename "$f" | sed -E 's/\.[A-Za-z0-9_-]{22}\.wasm$/.wasm/')" $(($(stat -c %s "$f.br") / 1024))
done

data=$(mktemp -d /tmp/linli-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LINLI_SITE_ROOT=target/site LINLI_DATA_DIR="$data" LINLI_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  target/release/server serve --demo >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/" >/dev/null
sleep 3
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
echo
echo "### Server"
echo
echo "- RSS idle (after start and one page view): $((rss_idle / 1024)) MiB"
echo
echo "### Home page SSR on loopback: wrk -t2 -c64 -d${duration}s --latency (server and wrk share the $(nproc) cores)"
echo
echo "| request | req/s | p50 | p90 | p99 |"
echo "|---|---:|---:|---:|---:|"
run() {
  local label=$1; shift
  local out; out=$(wrk -t2 -c64 -d"${duration}s" --latency "$@" "http://127.0.0.1:$port/")
  local rps p50 p90 p99
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out"); p90=$(awk '$1=="90%"{print $2}' <<<"$out"); p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  local errs; errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  echo "| $label | $rps | $p50 | $p90 | $p99 |"
  [ -z "$errs" ] || echo "|   errors: $errs |||||"
}
run "GET / (identity)"
run "GET / (brotli)" -H "Accept-Encoding: br"
rss_load=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
echo
echo "- RSS after the load runs: $((rss_load / 1024)) MiB"
