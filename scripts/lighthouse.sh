#!/usr/bin/env bash
# Lighthouse mobile performance (#12's target: ≥ 95 on home, the needs list, a need and a
# deliberation) of the release build already in target/ (as scripts/e2e.sh), with the demo data,
# opened by the demo resident 13800000001 of 翠苑社区 (logged in with a texted code; its session
# cookies sent as a header with every request). Lighthouse's own mobile profile: a Moto G Power-sized
# screen, 4× slower CPU, 1.6 Mbps down and 150 ms round trips — simulated from one unthrottled load
# (its default, "simulate"), in Debian's Chromium. Prints a Markdown table; each page RUNS times
# (default 3), the median score. Usage: scripts/lighthouse.sh [RUNS]
# LIGHTHOUSE_THROTTLING=devtools applies the same profile in the browser while loading (measured,
# not simulated); LIGHTHOUSE_KEEP=DIR keeps each report's JSON there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
runs=${1:-3}
[ -x end2end/node_modules/.bin/lighthouse ] || (cd end2end && npm ci --no-audit --no-fund >/dev/null)

data=$(mktemp -d /tmp/linli-lighthouse.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LINLI_SITE_ROOT=target/site LINLI_DATA_DIR="$data" LINLI_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  target/release/server serve --demo >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

base="http://127.0.0.1:$port"
post() { curl -fsS -D - -o /dev/null -X POST -H "Origin: $base" -H 'content-type: application/x-www-form-urlencoded' --data "$2" "$base/api/$1"; }
post account/request_code 'phone=13800000001' >/dev/null
code=$(grep '^13800000001' "$data/sms.log" | tail -n 1 | grep -o '[0-9]\{6\}' | tail -n 1)
cookie=$(post account/verify_code "phone=13800000001&code=$code" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | paste -sd ';' | sed 's/;/; /g')
[ -n "$cookie" ] || { echo "logging in as 13800000001 failed" >&2; exit 1; }
get() { curl -fsS -H "Cookie: $cookie" "$base$1"; }
# The first need and deliberation of the demo, as linked from their lists.
need=$(get /needs | grep -o 'href="/needs/[0-9]*"' | head -n 1 | cut -d'"' -f2)
deliberation=$(get /deliberations | grep -o 'href="/deliberations/[0-9]*"' | head -n 1 | cut -d'"' -f2)
[ -n "$need" ] && [ -n "$deliberation" ] || { echo "no need or deliberation linked from the lists" >&2; exit 1; }

headers=$(node -e 'console.log(JSON.stringify({Cookie: process.argv[1]}))' "$cookie")

echo "Throttling: ${LIGHTHOUSE_THROTTLING:-simulate}."
echo
echo "| page | performance (median of $runs) | FCP | LCP | TBT | CLS | Speed Index | all scores |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for path in / /needs "$need" "$deliberation"; do
  slug=$(echo "$path" | tr '/' '_')
  scores=()
  for i in $(seq 1 "$runs"); do
    out="$data/lh-$i-$slug.json"
    (cd end2end && CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} node_modules/.bin/lighthouse "$base$path" \
      --only-categories=performance --throttling-method="${LIGHTHOUSE_THROTTLING:-simulate}" --extra-headers="$headers" \
      --output=json --output-path="$out" --quiet --chrome-flags="--headless=new --no-sandbox --lang=zh-CN")
    scores+=("$(node -e 'const r=require(process.argv[1]); console.log(Math.round(r.categories.performance.score*100))' "$out")")
    [ -z "${LIGHTHOUSE_KEEP:-}" ] || { mkdir -p "$LIGHTHOUSE_KEEP"; cp "$out" "$LIGHTHOUSE_KEEP/"; }
  done
  # The run with the median score gives the metrics shown.
  median=$(printf '%s\n' "${scores[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  for i in $(seq 1 "$runs"); do [ "${scores[$((i - 1))]}" = "$median" ] && { pick=$i; break; }; done
  node -e '
    const r = require(process.argv[1]); const a = r.audits;
    const ms = (k) => (a[k].numericValue / 1000).toFixed(2) + " s";
    console.log(`| ${process.argv[2]} | **${process.argv[3]}** | ${ms("first-contentful-paint")} | ${ms("largest-contentful-paint")} | ${Math.round(a["total-blocking-time"].numericValue)} ms | ${a["cumulative-layout-shift"].numericValue.toFixed(3)} | ${ms("speed-index")} | ${process.argv[4]} |`);
  ' "$data/lh-$pick-$slug.json" "$path" "$median" "${scores[*]}"
done
