// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

/// @notice Flash-liquidation callback of gavel's Dutch auction house, with the signature of
/// Maker's `ClipperCallee` so that keeper contracts written for Clipper work unchanged.
/// @dev Hand-written: implemented by keepers, not generated from a gavel contract.
///
/// `DutchAuction.take(id, amt, max, who, data)` with non-empty `data` first sends `slice`
/// collateral to `who`, then calls `who.clipperCall(msg.sender, owe, slice, data)`, and only
/// then pulls `owe` debt tokens from `msg.sender` (the account that called `take`) to the
/// solvency module. The callee may sell the collateral in between; if the payment then fails,
/// the whole take reverts. The house never calls back the collateral token, the debt token, the
/// solvency module or itself, and the callback cannot re-enter `kick`, `take`, `redo` or `yank`.
interface IClipperCallee {
    /// @param sender the caller of `take`, who pays `owe`
    /// @param owe debt-token base units the take costs
    /// @param slice collateral base units already sent to this contract
    /// @param data the `data` passed to `take`
    function clipperCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external;
}
