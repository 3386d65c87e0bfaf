#!/usr/bin/env bash
# gavel's main job, for now: build every contract to WASM for Stylus, check each module
# against Stylus's rules and print the size table (also written to target/wasm-sizes.json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/setup.sh"

step "toolchain"
setup_rust

step "cargo xtask wasm: build (opt-levels s, z, 3), strip, compress, check every contract"
cargo xtask wasm
