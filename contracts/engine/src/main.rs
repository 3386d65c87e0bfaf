//! Prints the contract's Solidity interface (`cargo xtask interfaces` runs this).
#![cfg_attr(not(feature = "export-abi"), no_main)]

#[cfg(feature = "export-abi")]
fn main() {
    liquidation_engine::print_interface();
}
