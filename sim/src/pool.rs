//! The external market: a constant-product pool (collateral / debt token) whose price follows
//! the fair price through arbitrage and is pushed down by liquidation sales.

/// A constant-product pool `x * y = k` with a fee on the input.
#[derive(Clone, Debug)]
pub struct Pool {
    /// Collateral reserve.
    pub x: f64,
    /// Debt-token reserve.
    pub y: f64,
    /// `1 - fee`.
    gamma: f64,
    /// `ln(pool price / fair price)`: the dislocation sales caused, closed by arbitrage.
    impact: f64,
    /// Half-life of the dislocation (seconds).
    half_life: f64,
    /// Time of the last `advance`.
    last: u64,
    /// Fair price at the last `advance`.
    fair: f64,
    /// Totals of liquidation sales: collateral in, debt tokens out, and the value of that
    /// collateral at the pool price just before each sale.
    pub sold: f64,
    /// Debt tokens received for `sold`.
    pub proceeds: f64,
    /// `Σ amount × pool price before the sale`.
    pub pre_trade_value: f64,
    /// Lowest `pool price / fair price` seen.
    pub min_ratio: f64,
}

impl Pool {
    /// A pool holding `depth` debt tokens and `depth / price` collateral.
    pub fn new(depth: f64, price: f64, fee: f64, half_life: f64) -> Pool {
        Pool {
            x: depth / price,
            y: depth,
            gamma: 1.0 - fee,
            impact: 0.0,
            half_life: half_life.max(1.0),
            last: 0,
            fair: price,
            sold: 0.0,
            proceeds: 0.0,
            pre_trade_value: 0.0,
            min_ratio: 1.0,
        }
    }

    /// Spot price (debt tokens per collateral token).
    pub fn price(&self) -> f64 {
        self.y / self.x
    }

    /// Moves to time `t` with fair price `fair`: the fair move passes through (arbitrageurs
    /// trade against the pool at constant `k`) and the dislocation decays.
    pub fn advance(&mut self, t: u64, fair: f64) {
        let dt = t.saturating_sub(self.last) as f64;
        self.impact *= 0.5f64.powf(dt / self.half_life);
        self.last = t;
        self.fair = fair;
        self.set_price(fair * self.impact.exp());
    }

    fn set_price(&mut self, price: f64) {
        let k = self.x * self.y;
        self.x = (k / price).sqrt();
        self.y = (k * price).sqrt();
    }

    /// Debt tokens that selling `amount` collateral would return now.
    pub fn quote(&self, amount: f64) -> f64 {
        if amount <= 0.0 {
            return 0.0;
        }
        self.y * self.gamma * amount / (self.x + self.gamma * amount)
    }

    /// The largest amount whose *average* sale price is at least `price`: the most a keeper
    /// can buy at `price` and sell into the pool without loss (0 if even a tiny sale is worse).
    pub fn max_sale_at(&self, price: f64) -> f64 {
        if price <= 0.0 {
            return f64::INFINITY;
        }
        ((self.y * self.gamma / price - self.x) / self.gamma).max(0.0)
    }

    /// Collateral needed to raise `target` debt tokens (infinite if the pool cannot).
    pub fn amount_for(&self, target: f64) -> f64 {
        if target >= self.y {
            return f64::INFINITY;
        }
        target * self.x / (self.gamma * (self.y - target))
    }

    /// Sells `amount` collateral into the pool; returns the debt tokens received.
    pub fn sell(&mut self, amount: f64) -> f64 {
        if amount <= 0.0 {
            return 0.0;
        }
        let before = self.price();
        let out = self.quote(amount);
        self.x += amount;
        self.y -= out;
        self.sold += amount;
        self.proceeds += out;
        self.pre_trade_value += amount * before;
        self.impact = (self.price() / self.fair).ln();
        self.min_ratio = self.min_ratio.min(self.price() / self.fair);
        out
    }

    /// Volume-weighted slippage of all liquidation sales: `1 - proceeds / pre-trade value`.
    pub fn slippage(&self) -> f64 {
        if self.pre_trade_value <= 0.0 {
            0.0
        } else {
            1.0 - self.proceeds / self.pre_trade_value
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selling_moves_the_price_and_arbitrage_restores_it() {
        let mut pool = Pool::new(1_000_000.0, 2_000.0, 0.003, 600.0);
        let out = pool.sell(50.0);
        assert!(out < 50.0 * 2_000.0 && out > 50.0 * 1_800.0);
        assert!(pool.price() < 2_000.0);
        pool.advance(6_000, 2_000.0);
        assert!((pool.price() / 2_000.0 - 1.0).abs() < 0.001);
        // The break-even amount sells at exactly that average price.
        let pool = Pool::new(1_000_000.0, 2_000.0, 0.003, 600.0);
        let amount = pool.max_sale_at(1_900.0);
        assert!((pool.quote(amount) / amount - 1_900.0).abs() < 1e-6);
        let need = pool.amount_for(10_000.0);
        assert!((pool.quote(need) - 10_000.0).abs() < 1e-6);
    }
}
