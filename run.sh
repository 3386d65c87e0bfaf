#!/usr/bin/env bash
# gavel's main job: build every contract to WASM for Stylus and check each module against
# Stylus's rules (size table, also in target/wasm-sizes.json), then run the simulator's default
# scenario on the real contract code: a 40% crash over four hours, 1,000 borrowers, the four
# liquidation strategies compared (report in the terminal, target/sim/report.json and SVG plots
# in target/sim/). Arguments go to the simulator (`./run.sh --scenario black-thursday`,
# `./run.sh --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools/setup.sh"

step "toolchain and npm packages (wasm-opt)"
setup_rust
setup_node

step "cargo xtask wasm: build (opt-levels s, z, 3; std from source), strip, wasm-opt, compress, check every contract"
cargo xtask wasm

step "gavel-sim: the real contracts through a market crash (release build)"
cargo run --locked --release -p gavel-sim -- "$@"
