#!/usr/bin/env bash
# Measures the figures of BENCHMARKS.md on this machine and prints them as Markdown:
#   WASM/JS/CSS size (raw, gzip -9, brotli -q 11) of the release build,
#   server RSS when idle and after load, home-page SSR throughput and latency (wrk, 64 connections),
#   /healthz latency alone and during 4 worst-case photo uploads (and the server's peak memory),
#   each main page on the old phone, cold and warm: requests, bytes, first paint, hydrated
#   (end2end/tests/weight.spec.ts in Chromium with CDP throttling),
#   the needs list of a large community, ballots/s at 64 concurrent voters vs a bare insert loop.
# Options: --clean-build  also time `cargo leptos build --release` from a clean clone (slow).
#          --duration N   seconds of load per wrk run (default 20).
#          --server-of DIR  the server figures only (home SSR, needs list, ballots), of the release
#                         server already built in the tree DIR (`cargo build --release -p server`
#                         there, e.g. a git worktree of an older commit): the same script, side by
#                         side. No build, no sizes, no photo figures (older trees lack the limits).
set -euo pipefail
cd "$(dirname "$0")/.."
clean=0; duration=20; tree=.
while [ $# -gt 0 ]; do
  case "$1" in
    --clean-build) clean=1 ;;
    --duration) duration=$2; shift ;;
    --server-of) tree=$(cd "$2" && pwd); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
scripts/setup.sh
command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
source scripts/env.sh

echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(rustc --version | cut -d' ' -f1-2)"
echo
server="$tree/target/release/server"
if [ "$tree" != . ]; then
  [ -x "$server" ] || { echo "no release server in $tree (cargo build --release -p server there)" >&2; exit 2; }
  echo "Server of \`$(git -C "$tree" log -1 --format='%h %s' | cut -c1-72)\` ($tree): server figures only."
  echo
fi

if [ "$tree" = . ]; then
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
for f in target/site/pkg/split_*.wasm; do
  [ -f "$f" ] || continue
  printf -- '- %s: %d KB\n' "$(basename "$f" | sed -E 's/\.[A-Za-z0-9_-]{22}\.wasm$/.wasm/')" $(($(stat -c %s "$f.br") / 1024))
done
chunks=0; chunk_br=0
for f in target/site/pkg/chunk_*.wasm; do
  [ -f "$f" ] || continue
  chunks=$((chunks + 1)); chunk_br=$((chunk_br + $(stat -c %s "$f.br")))
done
printf -- '- %d shared chunks (code used by several of the above), together: %d KB\n' "$chunks" $((chunk_br / 1024))

# What each main page costs the old phone (1.6 Mbps, 150 ms, CPU 4×), cold and warm: the end2end
# test that asserts the request counts and bytes, which writes its table here.
echo
echo "### Pages on the old phone (1.6 Mbps down, 150 ms round trip, CPU 4×), opened directly, logged in"
echo
weight=$(mktemp /tmp/linli-weight.XXXXXX)
WEIGHT_REPORT="$weight" scripts/e2e.sh tests/weight.spec.ts >/dev/null
cat "$weight"; rm -f "$weight"

fi

data=$(mktemp -d /tmp/linli-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LINLI_SITE_ROOT=target/site LINLI_DATA_DIR="$data" LINLI_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  "$server" serve --demo >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
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

# Photos must not stall the server: /healthz alone and while 4 residents upload the worst photo
# the server decodes (just under the pixel budget), with the server's peak memory.
echo
[ "$tree" != . ] || python3 scripts/bench_photos.py "http://127.0.0.1:$port" "$data" "$pid" "$duration"

# The needs list of a large community: 10,000 needs and 100,000 supports (server bench-needs).
kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
ndata=$(mktemp -d /tmp/linli-bench-needs.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$data" "$ndata"' EXIT
start_s=$(date +%s.%N)
cookie=$(LINLI_DATA_DIR="$ndata" RUST_LOG=warn "$server" bench-needs 10000 100000)
seed_s=$(python3 -c "print(round($(date +%s.%N) - $start_s, 1))")
LINLI_SITE_ROOT=target/site LINLI_DATA_DIR="$ndata" LINLI_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  "$server" serve >"$ndata/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
counts=$(sqlite3 "$ndata/linli.db" "SELECT (SELECT COUNT(*) FROM needs) || ' needs, ' || (SELECT COUNT(*) FROM need_supports) || ' supports'" 2>/dev/null || echo "10000 needs, 100000 supports (requested)")
lua=$(mktemp /tmp/linli-wrk.XXXXXX.lua)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("COOKIE")
LUA
# One request first: the figures must be of successful responses.
check=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: $cookie" --data 'sort=supports&q=&mine=false' "http://127.0.0.1:$port/api/needs/list")
[ "$check" = 200 ] || { echo "needs/list answered $check"; cat "$ndata/server.log"; exit 1; }
echo
echo "### Needs list of one community ($counts; demo data inserted in ${seed_s} s), wrk -t2 -c64 -d${duration}s --latency"
echo
echo "| request | req/s | p50 | p90 | p99 |"
echo "|---|---:|---:|---:|---:|"
nrun() {
  local label=$1 path=$2; shift 2
  local out; out=$(wrk -t2 -c64 -d"${duration}s" --latency "$@" "http://127.0.0.1:$port$path")
  local rps p50 p90 p99 errs
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out"); p90=$(awk '$1=="90%"{print $2}' <<<"$out"); p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  echo "| $label | $rps | $p50 | $p90 | $p99 |"
  [ -z "$errs" ] || echo "|   errors: $errs |||||"
}
COOKIE="$cookie" BODY='sort=supports&q=&mine=false' nrun "server fn needs/list, most supported, first page" /api/needs/list -s "$lua"
COOKIE="$cookie" BODY='sort=newest&q=&mine=false' nrun "server fn needs/list, newest, first page" /api/needs/list -s "$lua"
COOKIE="$cookie" BODY='sort=supports&q=%E5%8A%A0%E8%A3%85%E7%94%B5%E6%A2%AF&mine=false' nrun "server fn needs/list, search 加装电梯" /api/needs/list -s "$lua"
nrun "GET /needs (rendered page, first 20)" /needs -H "Cookie: $cookie"
rm -f "$lua"

# Ballots: 64 concurrent voters against a bare insert loop, on SQLite and on PostgreSQL (a
# throw-away server with fsync on, like a real one), each in the same run (server bench-ballots).
kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
echo
echo "### Ballots at 64 concurrent voters (640 voters, ${duration} s; load generator in the server's process, 2 shared cores) vs a bare insert loop (single-row autocommit inserts, one connection, ${duration} s) on the same database"
echo
echo "| database | ballots/s | p50 | p99 | errors | bare inserts/s | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
bdata=$(mktemp -d /tmp/linli-bench-ballots.XXXXXX)
LINLI_DATA_DIR="$bdata" RUST_LOG=warn "$server" bench-ballots 640 "$duration"
rm -rf "$bdata"
pg_out=$(LINLI_PG_FSYNC=on scripts/postgres.sh)
read -r pg_url pg_dir <<<"$pg_out"
bdata=$(mktemp -d /tmp/linli-bench-ballots.XXXXXX)
DATABASE_URL="$pg_url" LINLI_DATA_DIR="$bdata" RUST_LOG=warn "$server" bench-ballots 640 "$duration"
rm -rf "$bdata"
scripts/postgres.sh stop "$pg_dir"
