#!/usr/bin/env bash
# Installs what gavel's two README commands need, on a fresh machine or an old one:
# the pinned Rust toolchain with the wasm32 target and rust-src (rust-toolchain.toml) and the
# npm packages (forge, solc-js and binaryen's wasm-opt, package-lock.json) into ./node_modules.
# Idempotent; prints what it does.
# Sourced by run.sh and test.sh.
set -euo pipefail

gavel_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$gavel_root"

step() { printf '\n==> %s\n' "$*"; }

setup_rust() {
  local channel
  channel="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
  if ! command -v rustup >/dev/null 2>&1; then
    echo "error: rustup is required (https://rustup.rs); gavel pins Rust $channel" >&2
    exit 1
  fi
  if ! rustup run "$channel" rustc --version >/dev/null 2>&1; then
    step "rustup toolchain install $channel (rust-toolchain.toml)"
    rustup toolchain install "$channel" --profile minimal --target wasm32-unknown-unknown --component rust-src
  fi
  if ! rustup target list --installed --toolchain "$channel" | grep -qx wasm32-unknown-unknown; then
    step "rustup target add wasm32-unknown-unknown --toolchain $channel"
    rustup target add wasm32-unknown-unknown --toolchain "$channel"
  fi
  # cargo xtask wasm rebuilds the standard library from these sources (-Zbuild-std).
  if ! rustup component list --installed --toolchain "$channel" | grep -qx rust-src; then
    step "rustup component add rust-src --toolchain $channel"
    rustup component add rust-src --toolchain "$channel"
  fi
  echo "rust: $(rustup run "$channel" rustc --version) with wasm32-unknown-unknown and rust-src"
}

setup_node() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: Node.js and npm are required for forge and anvil (npm's @foundry-rs/forge, @foundry-rs/anvil) and wasm-opt (npm's binaryen)" >&2
    exit 1
  fi
  local stamp=node_modules/.gavel-lock
  if [ ! -x node_modules/.bin/forge ] || [ ! -x node_modules/.bin/anvil ] || [ ! -x node_modules/.bin/wasm-opt ] || ! cmp -s package-lock.json "$stamp"; then
    step "npm ci (forge $(sed -n 's/.*"@foundry-rs\/forge": "\(.*\)".*/\1/p' package.json), solc-js, binaryen $(sed -n 's/.*"binaryen": "\(.*\)".*/\1/p' package.json) into ./node_modules)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
  fi
  echo "forge: $(node_modules/.bin/forge --version | head -n 1)"
  echo "anvil: $(node_modules/.bin/anvil --version | head -n 1)"
  echo "wasm-opt: $(node_modules/.bin/wasm-opt --version)"
}
