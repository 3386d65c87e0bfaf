#!/usr/bin/env bash
# Runs every check gavel has: the contracts' native tests (motsu, property tests, end-to-end),
# the tooling's tests, the keeper's tests (some against anvil), the WASM build and Stylus
# checks, the interface drift check and `forge build` of the Solidity tests and scripts.
# Fails on the first failing step.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/setup.sh"

step "toolchain and npm packages"
setup_rust
setup_node

passed=0
failed=0
# Runs a cargo test command, shows its output and adds its counts to the totals.
cargo_test() {
  local log
  log="$(mktemp)"
  echo "+ cargo $*"
  if ! cargo "$@" 2>&1 | tee "$log"; then
    rm -f "$log"
    echo "error: cargo $* failed" >&2
    exit 1
  fi
  local counts
  counts=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p + 0, f + 0 }' "$log")
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
  rm -f "$log"
}

step "cargo test: contracts, math, mocks (native, motsu)"
# One test thread: motsu 0.10 keeps every test's VM in one process-wide DashMap and gives up
# ("storage is locked") after ten 1 ms retries when another test thread holds the same shard,
# which happens under load on a 2-core machine.
cargo_test test --workspace --locked -- --test-threads=1

step "cargo test: xtask (WASM checker, interface drift)"
cargo_test test --locked --manifest-path xtask/Cargo.toml

step "cargo test: keeper (decisions, bid database, anvil-backed RPC tests; its own workspace)"
cargo_test test --locked --manifest-path keeper/Cargo.toml

step "cargo xtask wasm: every contract builds to WASM that Stylus accepts"
cargo xtask wasm

step "cargo xtask interfaces --check: interfaces/ matches the code"
cargo xtask interfaces --check

step "forge build: Solidity tests and scripts compile against interfaces/"
node_modules/.bin/forge build
echo "note: running test/*.t.sol needs arbos-forge (iosiro's arbos-foundry); stock forge cannot execute WASM"

echo
echo "gavel: ${passed} passed, ${failed} failed"
