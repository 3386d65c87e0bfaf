// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

/// @title ILossAbsorber
/// @notice Implemented by a lending protocol that uses gavel's solvency module
///         (`ISolvencyModule`) as the beneficiary of its liquidations. Hand-written: the module
///         calls it, the protocol implements it.
/// @dev When a liquidation raises less than the debt and the insurance fund cannot cover the
///      rest, the module records a deficit entry owed to the protocol. Once the entry may be
///      socialized (`finishedAt + socializationDelay`), anyone can call
///      `ISolvencyModule.socialize(entryId)`: the module first pays what its fund can, then
///      calls `absorbLoss(rest)` on the beneficiary to make the remaining loss final.
///
///      The module calls `absorbLoss` after all of its own books are written (the entry is
///      already marked socialized) and under its re-entrancy lock: a call back into any
///      state-changing function of the module during `absorbLoss` reverts with `ReentrantCall()`.
///      If `absorbLoss` reverts, `socialize` reverts and nothing changes; the entry stays open
///      (it can still be healed from the fund, or socialized later). A beneficiary without code
///      cannot absorb: `socialize` reverts with `AbsorbLossFailed(beneficiary)`.
interface ILossAbsorber {
    /// @notice Writes `amount` of bad debt off, e.g. by reducing the value of every lender's
    ///         deposit pro rata. Called once per socialized deficit entry.
    /// @dev MUST only accept calls from the protocol's own solvency module (the module
    ///      instance of the debt token); anyone may trigger `socialize`, but only the module
    ///      calls `absorbLoss`, and `msg.sender` is the module.
    ///      MUST NOT assume any tokens arrive with this call: what the fund could pay has
    ///      already been transferred to the protocol, before this call, in the same transaction.
    ///      Should not revert for a valid caller: reverting blocks socialization of the entry.
    /// @param amount The loss in the debt token's base units (at most 2^128 - 1).
    function absorbLoss(uint256 amount) external;
}
