#!/usr/bin/env bash
# Installs what building, running and testing Linli needs, skipping whatever is already there
# (safe to run again). `--test` also installs what only the tests need (Chromium, PostgreSQL).
# Everything comes from the package registries: Debian, crates.io, npm. Nothing is downloaded
# from GitHub (cargo-leptos is built with `no_downloads` and finds its tools on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
apt_missing=()
command -v brotli >/dev/null || apt_missing+=(brotli)
command -v node >/dev/null || apt_missing+=(nodejs)
command -v npm >/dev/null || apt_missing+=(npm)
if [ "$want_test" = 1 ]; then
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "apt: installing ${apt_missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# --- Rust target and cargo tools ---------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "rustup: adding $component"
    rustup component add "$component"
  fi
done
CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11's locked dependencies need rustc >= 1.96
if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
  say "cargo: installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores, once)"
  # Its own release profile (fat LTO, one codegen unit) is what makes this slow; a build tool
  # gains nothing from it that we can measure, so the install overrides it (config beats the
  # manifest's profile).
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi
# wasm-bindgen-cli must be exactly the wasm-bindgen of Cargo.lock.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WBG_VERSION\$"; then
  say "cargo: installing wasm-bindgen-cli $WBG_VERSION (about 2 minutes, once)"
  # Not --locked: a locked dependency of some versions is yanked.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

# --- npm packages: wasm-opt (binaryen, run through scripts/bin/wasm-opt) for release builds,
# Playwright + axe for the tests -----------------------------------------------------------------
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "npm: installing end2end packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi
