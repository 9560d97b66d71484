# Sourced by the other scripts: tools installed by setup.sh on PATH.
# scripts/bin/wasm-opt first: it runs npm's binaryen in one helper process for a whole build.
export PATH="$PWD/scripts/bin:$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
