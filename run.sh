#!/usr/bin/env bash
# gavel's main job, for now: build every contract to WASM for Stylus, check each module
# against Stylus's rules and print the size table (also written to target/wasm-sizes.json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/setup.sh"

step "toolchain and npm packages (wasm-opt)"
setup_rust
setup_node

step "cargo xtask wasm: build (opt-levels s, z, 3; std from source), strip, wasm-opt, compress, check every contract"
cargo xtask wasm
