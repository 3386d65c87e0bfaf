// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {IBatchAuction} from "../../interfaces/IBatchAuction.sol";
import {IMockERC20} from "../../interfaces/IMockERC20.sol";

/// A bidder contract: computes its sealed commitment exactly as the house checks it,
/// `keccak256(abi.encode(batchId, bidder, amount, price, salt))`, escrows its deposit, reveals
/// and claims.
contract Bidder {
    IBatchAuction public immutable house;
    IMockERC20 public immutable debt;

    constructor(IBatchAuction house_, IMockERC20 debt_) {
        house = house_;
        debt = debt_;
        debt_.approve(address(house_), type(uint256).max);
    }

    /// The commitment for a bid of `amount` collateral base units at `price` (RAY).
    function commitmentFor(uint256 batchId, uint256 amount, uint256 price, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(batchId, address(this), amount, price, salt));
    }

    function commit(uint256 batchId, uint256 amount, uint256 price, bytes32 salt, uint256 deposit) external {
        house.commit(batchId, commitmentFor(batchId, amount, price, salt), deposit);
    }

    function reveal(uint256 batchId, uint256 amount, uint256 price, bytes32 salt) external {
        house.reveal(batchId, amount, price, salt);
    }

    function claim(uint256 batchId) external {
        house.claim(batchId);
    }
}
