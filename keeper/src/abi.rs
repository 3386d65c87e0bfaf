//! The ABIs the keeper speaks. The houses' come straight from the generated interfaces in
//! `interfaces/` (so a changed function, event or error breaks this build, not a keeper run);
//! the token and price-feed ones are the standard ERC-20 and Chainlink `AggregatorV3Interface`
//! subsets the keeper uses.

#![allow(missing_docs, clippy::too_many_arguments)]

alloy::sol!(
    #[sol(all_derives)]
    "../interfaces/IDutchAuction.sol"
);
alloy::sol!(
    #[sol(all_derives)]
    "../interfaces/IBatchAuction.sol"
);
alloy::sol!(
    #[sol(all_derives)]
    "../interfaces/ILiquidationEngine.sol"
);

alloy::sol! {
    #[sol(all_derives)]
    interface IERC20 {
        function approve(address spender, uint256 amount) external returns (bool);
        function allowance(address owner, address spender) external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function decimals() external view returns (uint8);
    }

    #[sol(all_derives)]
    interface AggregatorV3Interface {
        function decimals() external view returns (uint8);
        function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    }
}
