// SPDX-License-Identifier: MIT
// Test stand-in for gavel's batch house (anvil cannot run the WASM): the bidder-facing part of
// interfaces/IBatchAuction.sol (config, batch, batchTerms, preview, commitmentOf, commit,
// reveal, settle, claim) with the same events, commitments
// keccak256(abi.encode(batchId, bidder, amount, price, salt)), phases from block time, a
// uniform clearing price (bids filled from the highest price down; everyone pays the
// lowest filled price, rounded up per bid) and a bond forfeited per unrevealed commitment.
pragma solidity ^0.8.23;

import {StandInToken} from "./StandInToken.sol";

contract BatchStandIn {
    uint256 constant RAY = 1e27;
    uint256 constant PHASE_COMMIT = 1;
    uint256 constant PHASE_REVEAL = 2;
    uint256 constant PHASE_SETTLE = 3;
    uint256 constant PHASE_SETTLED = 4;

    struct Batch {
        uint256 commitEnd;
        uint256 revealEnd;
        uint256 lot;
        uint256 commits;
        uint256 reveals;
        bool settled;
        uint256 clearing;
    }

    struct Commitment {
        bytes32 hash;
        uint256 deposit;
        uint256 revealIndex; // reveal index + 1; 0 while unrevealed
        uint256 amount;
        uint256 price;
        uint256 won;
    }

    StandInToken public immutable collateralToken;
    StandInToken public immutable debt;
    uint256 public immutable bond;
    uint256 public immutable minBid;
    uint256 public immutable commitWindow;
    uint256 public immutable revealWindow;
    uint256 public lastBatch;
    mapping(uint256 => Batch) internal batches;
    mapping(uint256 => mapping(address => Commitment[])) internal bids;
    mapping(uint256 => mapping(address => bool)) internal claimedBy;
    mapping(uint256 => address[]) internal revealers;

    event BatchOpened(uint256 indexed batchId, uint256 kickEnd, uint256 commitEnd, uint256 revealEnd);
    event Commit(uint256 indexed batchId, address indexed bidder, bytes32 commitment, uint256 deposit);
    event Reveal(uint256 indexed batchId, address indexed bidder, bytes32 commitment, uint256 amount, uint256 price);
    event Settle(uint256 indexed batchId, uint256 price, uint256 sold, uint256 raised);
    event Claim(uint256 indexed batchId, address indexed bidder, uint256 won, uint256 paid, uint256 refund);

    error WrongPhase(uint256 batchId, uint256 phase);
    error DepositBelowBond(uint256 deposit, uint256 bond);
    error UnknownCommitment(bytes32 commitment);
    error BidTooSmall(uint256 amount, uint256 minBid);
    error DepositTooSmall(uint256 deposit, uint256 needed);
    error NothingToClaim(uint256 batchId, address bidder);
    error AlreadyClaimed(uint256 batchId, address bidder);

    constructor(StandInToken collateral_, StandInToken debt_, uint256 bond_, uint256 minBid_, uint256 commitWindow_, uint256 revealWindow_) {
        collateralToken = collateral_;
        debt = debt_;
        bond = bond_;
        minBid = minBid_;
        commitWindow = commitWindow_;
        revealWindow = revealWindow_;
    }

    /// Opens a batch selling `lot` collateral (anyone; pulls it from the caller).
    function open(uint256 lot) external returns (uint256 id) {
        collateralToken.transferFrom(msg.sender, address(this), lot);
        id = ++lastBatch;
        Batch storage b = batches[id];
        b.commitEnd = block.timestamp + commitWindow;
        b.revealEnd = b.commitEnd + revealWindow;
        b.lot = lot;
        emit BatchOpened(id, block.timestamp, b.commitEnd, b.revealEnd);
    }

    function _phase(uint256 id) internal view returns (uint256) {
        Batch storage b = batches[id];
        if (b.commitEnd == 0) return 0;
        if (b.settled) return PHASE_SETTLED;
        if (block.timestamp < b.commitEnd) return PHASE_COMMIT;
        if (block.timestamp < b.revealEnd) return PHASE_REVEAL;
        return PHASE_SETTLE;
    }

    function config() external view returns (address, address, address, address, address, uint256, uint256, uint256, uint256) {
        return (address(collateralToken), address(debt), address(0), address(0), address(0), 0, 1, lastBatch, 0);
    }

    function batch(uint256 id) external view returns (uint256, uint256, uint256, uint256, uint256, uint256, uint256, uint256) {
        Batch storage b = batches[id];
        return (_phase(id), b.commitEnd, b.commitEnd, b.revealEnd, b.commitEnd == 0 ? 0 : 1, b.commits, b.reveals, b.lot);
    }

    function batchTerms(uint256) external view returns (uint256, uint256, uint256, uint256) {
        return (bond, minBid, 0, 1000);
    }

    function commitmentOf(uint256 id, address bidder, uint256 n) external view returns (bytes32, uint256, uint256, uint256, uint256) {
        Commitment storage c = bids[id][bidder][n];
        return (c.hash, c.deposit, c.revealIndex, c.amount, c.price);
    }

    function preview(uint256 id, address bidder) external view returns (uint256, bool, uint256, uint256, uint256) {
        (uint256 won, uint256 paid, uint256 refund) = _owed(id, bidder);
        return (bids[id][bidder].length, claimedBy[id][bidder], won, paid, refund);
    }

    function commit(uint256 id, bytes32 commitment, uint256 deposit) external {
        uint256 phase = _phase(id);
        if (phase != PHASE_COMMIT) revert WrongPhase(id, phase);
        if (deposit == 0 || deposit < bond) revert DepositBelowBond(deposit, bond);
        debt.transferFrom(msg.sender, address(this), deposit);
        bids[id][msg.sender].push(Commitment(commitment, deposit, 0, 0, 0, 0));
        batches[id].commits++;
        emit Commit(id, msg.sender, commitment, deposit);
    }

    function reveal(uint256 id, uint256 amount, uint256 price, bytes32 salt) external {
        uint256 phase = _phase(id);
        if (phase != PHASE_REVEAL) revert WrongPhase(id, phase);
        bytes32 hash = keccak256(abi.encode(id, msg.sender, amount, price, salt));
        Commitment[] storage mine = bids[id][msg.sender];
        for (uint256 i = 0; i < mine.length; i++) {
            if (mine[i].hash == hash && mine[i].revealIndex == 0) {
                if (amount < minBid || amount == 0) revert BidTooSmall(amount, minBid);
                uint256 needed = (amount * price + RAY - 1) / RAY;
                if (mine[i].deposit < needed) revert DepositTooSmall(mine[i].deposit, needed);
                mine[i].revealIndex = ++batches[id].reveals;
                mine[i].amount = amount;
                mine[i].price = price;
                revealers[id].push(msg.sender);
                emit Reveal(id, msg.sender, hash, amount, price);
                return;
            }
        }
        revert UnknownCommitment(hash);
    }

    /// Fills the revealed bids from the highest price down; the clearing price is the lowest
    /// filled bid's price.
    function settle(uint256 id) external {
        uint256 phase = _phase(id);
        if (phase != PHASE_SETTLE) revert WrongPhase(id, phase);
        Batch storage b = batches[id];
        uint256 left = b.lot;
        uint256 clearing = 0;
        address[] storage who = revealers[id];
        while (left > 0) {
            // The best unfilled revealed bid (small N: a linear scan per fill).
            address bestBidder;
            uint256 bestIndex;
            bool found = false;
            uint256 bestPrice = 0;
            for (uint256 i = 0; i < who.length; i++) {
                Commitment[] storage mine = bids[id][who[i]];
                for (uint256 j = 0; j < mine.length; j++) {
                    Commitment storage c = mine[j];
                    if (c.revealIndex != 0 && c.won == 0 && c.price > bestPrice) {
                        bestBidder = who[i];
                        bestIndex = j;
                        bestPrice = c.price;
                        found = true;
                    }
                }
            }
            if (!found) break;
            Commitment storage best = bids[id][bestBidder][bestIndex];
            uint256 fill = best.amount < left ? best.amount : left;
            best.won = fill;
            left -= fill;
            clearing = bestPrice;
        }
        b.settled = true;
        b.clearing = clearing;
        emit Settle(id, clearing, b.lot - left, 0);
    }

    function _owed(uint256 id, address bidder) internal view returns (uint256 won, uint256 paid, uint256 refund) {
        if (!batches[id].settled) return (0, 0, 0);
        Commitment[] storage mine = bids[id][bidder];
        uint256 clearing = batches[id].clearing;
        for (uint256 i = 0; i < mine.length; i++) {
            Commitment storage c = mine[i];
            if (c.revealIndex == 0) {
                refund += c.deposit - bond;
            } else {
                uint256 pay = (c.won * clearing + RAY - 1) / RAY;
                won += c.won;
                paid += pay;
                refund += c.deposit - pay;
            }
        }
    }

    function claim(uint256 id) external {
        uint256 phase = _phase(id);
        if (phase != PHASE_SETTLED) revert WrongPhase(id, phase);
        if (bids[id][msg.sender].length == 0) revert NothingToClaim(id, msg.sender);
        if (claimedBy[id][msg.sender]) revert AlreadyClaimed(id, msg.sender);
        claimedBy[id][msg.sender] = true;
        (uint256 won, uint256 paid, uint256 refund) = _owed(id, msg.sender);
        if (won != 0) collateralToken.transfer(msg.sender, won);
        if (refund != 0) debt.transfer(msg.sender, refund);
        emit Claim(id, msg.sender, won, paid, refund);
    }
}
