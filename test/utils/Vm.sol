// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

/// @notice The subset of Foundry's cheatcodes that gavel's tests and scripts use (forge-std is not
/// available here). Signatures follow Foundry's `Vm` (foundry-cheatcodes spec); the Stylus ones are
/// arbos-foundry's (iosiro) and exist only when running under `arbos-forge`.
/// Add cheatcodes here as tests need them, copying the exact signature from Foundry's spec:
/// a wrong parameter list gives a different selector and the call reverts at run time.
interface Vm {
    // ---- environment ----
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    // ---- caller ----
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    // ---- expectations ----
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes calldata revertData, address reverter) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    // ---- files (subject to foundry.toml fs_permissions) ----
    function readFileBinary(string calldata path) external view returns (bytes memory data);

    // ---- scripts ----
    function startBroadcast() external;
    function startBroadcast(address signer) external;
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256 value);
    function envOr(string calldata name, bool defaultValue) external view returns (bool value);
    function envOr(string calldata name, address defaultValue) external view returns (address value);
    function envAddress(string calldata name) external view returns (address value);

    // ---- arbos-foundry (Stylus); paths are relative to the project root ----
    function deployStylusCode(string calldata artifactPath) external returns (address deployedAddress);
    function deployStylusCode(string calldata artifactPath, bytes calldata constructorArgs)
        external
        returns (address deployedAddress);
    function deployStylusCode(string calldata artifactPath, bytes calldata constructorArgs, bytes32 salt)
        external
        returns (address deployedAddress);
    /// Brotli-compressed WASM with the Stylus prefix (0xeff00000), i.e. the deployable code.
    function getStylusCode(string calldata artifactPath) external view returns (bytes memory stylusCode);
}
