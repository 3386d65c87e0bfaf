// SPDX-License-Identifier: MIT
// Test stand-in for gavel's Dutch house (anvil cannot run the WASM): the keeper-facing part of
// interfaces/IDutchAuction.sol (list, getStatus, snapshot, tip, chip, collateral, debtToken,
// take with the flash callback, redo) with the same events (Kick, Take, Redo, Yank), a linear
// price curve and the house's purchase rule (Clipper's, rounded towards the protocol, with the
// dust rule).
pragma solidity ^0.8.23;

import {StandInToken} from "./StandInToken.sol";

interface IClipperCallee {
    function clipperCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external;
}

contract DutchStandIn {
    uint256 constant RAY = 1e27;

    struct Sale {
        uint256 tab;
        uint256 lot;
        uint256 top;
        uint256 tic;
        address usr;
        uint256 liquidationId;
    }

    StandInToken public immutable collateralToken;
    StandInToken public immutable debt;
    uint256 public immutable duration; // seconds from top to zero
    uint256 public immutable tailSeconds; // needs redo after this long
    uint256 public immutable dust;
    uint192 public tip;
    uint64 public chip;
    uint256 public kicks;
    uint256 public redoPrice; // top after a redo
    mapping(uint256 => Sale) public saleOf;
    uint256[] internal active;

    event Kick(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
    event Take(uint256 indexed id, uint256 max, uint256 price, uint256 owe, uint256 tab, uint256 lot, address indexed usr);
    event Redo(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
    event Yank(uint256 id);

    error NotRunning(uint256 id);
    error NeedsRedo(uint256 id);
    error CannotReset(uint256 id);
    error TooExpensive(uint256 max, uint256 price);
    error NoPartialPurchase(uint256 tab, uint256 dust);
    error ZeroAmount();

    constructor(StandInToken collateral_, StandInToken debt_, uint256 duration_, uint256 tail_, uint256 dust_, uint192 tip_, uint64 chip_, uint256 redoPrice_) {
        collateralToken = collateral_;
        debt = debt_;
        duration = duration_;
        tailSeconds = tail_;
        dust = dust_;
        tip = tip_;
        chip = chip_;
        redoPrice = redoPrice_;
    }

    function collateral() external view returns (address) {
        return address(collateralToken);
    }

    function debtToken() external view returns (address) {
        return address(debt);
    }

    /// Opens a sale (anyone; pulls `lot` collateral from the caller).
    function kick(uint256 liquidationId, uint256 tab, uint256 lot, address usr, address kpr, uint256 top) external returns (uint256 id) {
        collateralToken.transferFrom(msg.sender, address(this), lot);
        id = ++kicks;
        saleOf[id] = Sale(tab, lot, top, block.timestamp, usr, liquidationId);
        active.push(id);
        emit Kick(id, top, tab, lot, usr, kpr, 0);
    }

    function list() external view returns (uint256[] memory) {
        return active;
    }

    function _status(Sale storage s) internal view returns (bool done, uint256 price) {
        uint256 elapsed = block.timestamp - s.tic;
        price = elapsed >= duration ? 0 : (s.top * (duration - elapsed) + duration - 1) / duration;
        done = elapsed > tailSeconds || price == 0;
    }

    function getStatus(uint256 id) external view returns (bool, uint256, uint256, uint256) {
        Sale storage s = saleOf[id];
        if (s.lot == 0) return (false, 0, 0, 0);
        (bool done, uint256 price) = _status(s);
        return (done, price, s.lot, s.tab);
    }

    function snapshot(uint256 id) external view returns (uint256, address, uint256, uint256, uint256, uint256, uint256, uint256) {
        Sale storage s = saleOf[id];
        return (s.liquidationId, address(0), 1, 0, duration, tailSeconds, 1, s.lot == 0 ? 0 : dust);
    }

    function take(uint256 id, uint256 amt, uint256 max, address who, bytes calldata data) external {
        Sale storage s = saleOf[id];
        if (s.lot == 0) revert NotRunning(id);
        (bool done, uint256 price) = _status(s);
        if (done) revert NeedsRedo(id);
        if (max < price) revert TooExpensive(max, price);
        uint256 slice = amt < s.lot ? amt : s.lot;
        uint256 owe = (slice * price + RAY - 1) / RAY;
        if (owe > s.tab) {
            owe = s.tab;
            slice = s.tab * RAY / price;
        } else if (owe < s.tab && slice < s.lot && s.tab - owe < dust) {
            if (s.tab <= dust) revert NoPartialPurchase(s.tab, dust);
            owe = s.tab - dust;
            slice = owe * RAY / price;
        }
        if (owe == 0) revert ZeroAmount();
        s.tab -= owe;
        s.lot -= slice;
        collateralToken.transfer(who, slice);
        if (data.length > 0) IClipperCallee(who).clipperCall(msg.sender, owe, slice, data);
        debt.transferFrom(msg.sender, address(this), owe);
        uint256 tabLeft = s.tab;
        uint256 lotLeft = s.lot;
        address usr = s.usr;
        if (tabLeft == 0 || lotLeft == 0) {
            if (lotLeft != 0) collateralToken.transfer(usr, lotLeft);
            _remove(id);
        }
        emit Take(id, max, price, owe, tabLeft, lotLeft, usr);
    }

    function redo(uint256 id, address kpr) external {
        Sale storage s = saleOf[id];
        if (s.lot == 0) revert NotRunning(id);
        (bool done,) = _status(s);
        if (!done) revert CannotReset(id);
        s.top = redoPrice;
        s.tic = block.timestamp;
        uint256 coin = 0;
        if (s.tab >= dust) {
            coin = tip + s.tab * chip / 1e18;
            debt.transfer(kpr, coin);
        }
        emit Redo(id, s.top, s.tab, s.lot, s.usr, kpr, coin);
    }

    function _remove(uint256 id) internal {
        delete saleOf[id];
        for (uint256 i = 0; i < active.length; i++) {
            if (active[i] == id) {
                active[i] = active[active.length - 1];
                active.pop();
                return;
            }
        }
    }
}
