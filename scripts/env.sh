# Sourced by the other scripts: tools installed by setup.sh on PATH.
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
