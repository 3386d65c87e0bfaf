// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {Vm} from "./Vm.sol";

/// @notice Base contract for gavel's Foundry tests (no forge-std here).
/// Tests run under arbos-forge, which executes the Stylus WASM in target/wasm/.
/// Failed assertions revert with a message naming both sides.
abstract contract GavelTest {
    /// Foundry's cheatcode address.
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// Marks this contract as a test contract (kept for tools that look for it).
    bool public constant IS_TEST = true;

    string internal constant WASM_DIR = "target/wasm/";

    // ------------------------------------------------------------------ deployment

    /// Deploys target/wasm/<name>.wasm (e.g. "mock_erc20") with ABI-encoded constructor args
    /// (pass "" for none) through arbos-foundry's deployStylusCode cheatcode.
    function deployWasm(string memory name, bytes memory ctorArgs) internal returns (address deployed) {
        string memory path = string.concat(WASM_DIR, name, ".wasm");
        deployed = vm.deployStylusCode(path, ctorArgs);
        require(deployed != address(0), string.concat("deployWasm: deployStylusCode returned address(0) for ", path));
        vm.label(deployed, name);
    }

    /// A labelled address derived from a name.
    function makeAddr(string memory name) internal returns (address a) {
        a = address(uint160(uint256(keccak256(abi.encodePacked(name)))));
        vm.label(a, name);
    }

    // ------------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert(string.concat("assertion failed: ", message));
    }

    function assertTrue(bool condition) internal pure {
        if (!condition) fail("assertTrue: condition is false");
    }

    function assertTrue(bool condition, string memory err) internal pure {
        if (!condition) fail(string.concat(err, " (assertTrue: condition is false)"));
    }

    function assertFalse(bool condition) internal pure {
        if (condition) fail("assertFalse: condition is true");
    }

    function assertFalse(bool condition, string memory err) internal pure {
        if (condition) fail(string.concat(err, " (assertFalse: condition is true)"));
    }

    function assertEq(uint256 left, uint256 right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure {
        if (left != right) _failCmp(err, "assertEq(uint256)", _str(left), "==", _str(right));
    }

    function assertEq(int256 left, int256 right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(int256 left, int256 right, string memory err) internal pure {
        if (left != right) _failCmp(err, "assertEq(int256)", _str(left), "==", _str(right));
    }

    function assertEq(address left, address right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(address left, address right, string memory err) internal pure {
        if (left != right) _failCmp(err, "assertEq(address)", _str(left), "==", _str(right));
    }

    function assertEq(bool left, bool right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bool left, bool right, string memory err) internal pure {
        if (left != right) _failCmp(err, "assertEq(bool)", _str(left), "==", _str(right));
    }

    function assertEq(bytes32 left, bytes32 right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure {
        if (left != right) _failCmp(err, "assertEq(bytes32)", _str(left), "==", _str(right));
    }

    function assertEq(string memory left, string memory right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(string memory left, string memory right, string memory err) internal pure {
        if (keccak256(bytes(left)) != keccak256(bytes(right))) {
            _failCmp(err, "assertEq(string)", string.concat('"', left, '"'), "==", string.concat('"', right, '"'));
        }
    }

    function assertEq(bytes memory left, bytes memory right) internal pure {
        assertEq(left, right, "");
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure {
        if (keccak256(left) != keccak256(right)) {
            _failCmp(err, "assertEq(bytes)", _hex(left), "==", _hex(right));
        }
    }

    function assertNotEq(uint256 left, uint256 right) internal pure {
        assertNotEq(left, right, "");
    }

    function assertNotEq(uint256 left, uint256 right, string memory err) internal pure {
        if (left == right) _failCmp(err, "assertNotEq(uint256)", _str(left), "!=", _str(right));
    }

    function assertNotEq(address left, address right) internal pure {
        assertNotEq(left, right, "");
    }

    function assertNotEq(address left, address right, string memory err) internal pure {
        if (left == right) _failCmp(err, "assertNotEq(address)", _str(left), "!=", _str(right));
    }

    function assertGt(uint256 left, uint256 right) internal pure {
        assertGt(left, right, "");
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure {
        if (!(left > right)) _failCmp(err, "assertGt(uint256)", _str(left), ">", _str(right));
    }

    function assertGt(int256 left, int256 right) internal pure {
        assertGt(left, right, "");
    }

    function assertGt(int256 left, int256 right, string memory err) internal pure {
        if (!(left > right)) _failCmp(err, "assertGt(int256)", _str(left), ">", _str(right));
    }

    function assertGe(uint256 left, uint256 right) internal pure {
        assertGe(left, right, "");
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure {
        if (!(left >= right)) _failCmp(err, "assertGe(uint256)", _str(left), ">=", _str(right));
    }

    function assertGe(int256 left, int256 right) internal pure {
        assertGe(left, right, "");
    }

    function assertGe(int256 left, int256 right, string memory err) internal pure {
        if (!(left >= right)) _failCmp(err, "assertGe(int256)", _str(left), ">=", _str(right));
    }

    function assertLt(uint256 left, uint256 right) internal pure {
        assertLt(left, right, "");
    }

    function assertLt(uint256 left, uint256 right, string memory err) internal pure {
        if (!(left < right)) _failCmp(err, "assertLt(uint256)", _str(left), "<", _str(right));
    }

    function assertLt(int256 left, int256 right) internal pure {
        assertLt(left, right, "");
    }

    function assertLt(int256 left, int256 right, string memory err) internal pure {
        if (!(left < right)) _failCmp(err, "assertLt(int256)", _str(left), "<", _str(right));
    }

    function assertLe(uint256 left, uint256 right) internal pure {
        assertLe(left, right, "");
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure {
        if (!(left <= right)) _failCmp(err, "assertLe(uint256)", _str(left), "<=", _str(right));
    }

    function assertLe(int256 left, int256 right) internal pure {
        assertLe(left, right, "");
    }

    function assertLe(int256 left, int256 right, string memory err) internal pure {
        if (!(left <= right)) _failCmp(err, "assertLe(int256)", _str(left), "<=", _str(right));
    }

    // ------------------------------------------------------------------ formatting

    /// Reverts with "assertion failed: <err>: <what>: expected <left> <op> <right>".
    function _failCmp(string memory err, string memory what, string memory left, string memory op, string memory right)
        private
        pure
    {
        string memory prefix = bytes(err).length == 0 ? what : string.concat(err, ": ", what);
        fail(string.concat(prefix, ": expected ", left, " ", op, " ", right));
    }

    function _str(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 len;
        for (uint256 v = value; v != 0; v /= 10) {
            len++;
        }
        bytes memory buf = new bytes(len);
        for (uint256 v = value; v != 0; v /= 10) {
            buf[--len] = bytes1(uint8(48 + (v % 10)));
        }
        return string(buf);
    }

    function _str(int256 value) internal pure returns (string memory) {
        // casting to 'uint256' is safe because value is non-negative here
        // forge-lint: disable-next-line(unsafe-typecast)
        if (value >= 0) return _str(uint256(value));
        // -type(int256).min does not fit in int256: negate in unsigned arithmetic.
        // casting to 'uint256' is safe because ~value is non-negative when value is negative
        // forge-lint: disable-next-line(unsafe-typecast)
        return string.concat("-", _str(uint256(~value) + 1));
    }

    function _str(bool value) internal pure returns (string memory) {
        return value ? "true" : "false";
    }

    function _str(address value) internal pure returns (string memory) {
        return _hex(abi.encodePacked(value));
    }

    function _str(bytes32 value) internal pure returns (string memory) {
        return _hex(abi.encodePacked(value));
    }

    function _hex(bytes memory data) internal pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory out = new bytes(2 + data.length * 2);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < data.length; i++) {
            out[2 + 2 * i] = digits[uint8(data[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }
}
