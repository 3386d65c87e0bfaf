//! Sealed-bid batches: decide a bid, persist it, commit, reveal, settle, claim; and resume all
//! of that after a restart from the bid database.
//!
//! The chain is behind the [`BatchHouse`] trait (the RPC implementation is
//! [`crate::rpc::RpcBatchHouse`]; the tests use an in-memory house), so the state machine is
//! tested without a node, crashes included.
//!
//! Every transition re-reads the chain before sending anything, so a step that was sent but not
//! recorded (a crash after the transaction, before the database write) is recognised and not
//! repeated: the commitment is found among the bidder's on-chain commitments, the reveal by its
//! reveal index, the claim by `preview`'s claimed flag.

use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::sol_types::SolValue;
use tracing::{info, warn};

use crate::decide::{decide_bid, BatchTerms, BidPolicy};
use crate::error::{ChainError, KeeperError};
use crate::store::{BidRecord, BidState, BidStore};

/// Batch phases as `batch(id).0` reports them.
pub mod phase {
    pub const NONE: u64 = 0;
    pub const COMMIT: u64 = 1;
    pub const REVEAL: u64 = 2;
    pub const SETTLE: u64 = 3;
    pub const SETTLED: u64 = 4;
    pub const YANKED: u64 = 5;
}

/// `batch(id)`: phase and windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BatchView {
    pub phase: u64,
    pub commit_end: u64,
    pub reveal_end: u64,
    pub total_lot: U256,
}

/// `commitmentOf(id, bidder, n)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnChainCommitment {
    pub hash: B256,
    pub deposit: U256,
    /// Reveal index plus one; 0 while unrevealed.
    pub reveal_index: U256,
}

/// `preview(id, bidder)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Preview {
    pub commitments: U256,
    pub claimed: bool,
    pub won: U256,
    pub paid: U256,
    pub refund: U256,
}

/// What the keeper needs from a batch house. The sending methods return once the
/// transaction is mined (its hash), or fail with the revert reason.
#[allow(async_fn_in_trait)]
pub trait BatchHouse {
    /// The house's address.
    fn address(&self) -> Address;
    /// The keeper's account (the bidder).
    fn bidder(&self) -> Address;
    /// The last batch opened (`config().7`).
    async fn last_batch(&self) -> Result<U256, ChainError>;
    async fn batch(&self, batch_id: U256) -> Result<BatchView, ChainError>;
    /// The batch's snapshotted terms, with its total lot and the house's price unit.
    async fn terms(&self, batch_id: U256) -> Result<BatchTerms, ChainError>;
    /// Every commitment of the keeper in the batch.
    async fn commitments(&self, batch_id: U256) -> Result<Vec<OnChainCommitment>, ChainError>;
    async fn preview(&self, batch_id: U256) -> Result<Preview, ChainError>;
    /// Approves the house for `deposit` debt tokens if needed, then commits.
    async fn commit(
        &self,
        batch_id: U256,
        commitment: B256,
        deposit: U256,
    ) -> Result<B256, ChainError>;
    async fn reveal(
        &self,
        batch_id: U256,
        amount: U256,
        price: U256,
        salt: B256,
    ) -> Result<B256, ChainError>;
    async fn settle(&self, batch_id: U256) -> Result<B256, ChainError>;
    async fn claim(&self, batch_id: U256) -> Result<B256, ChainError>;
    /// Whether the keeper's account has transactions sent but not yet mined. A commit still in
    /// the mempool is invisible to [`BatchHouse::commitments`]; resending it would post the
    /// same commitment twice (and forfeit a bond on the copy), so a persisted bid waits.
    async fn has_pending(&self) -> Result<bool, ChainError>;
}

/// `keccak256(abi.encode(batchId, bidder, amount, price, salt))`, the house's commitment.
pub fn commitment(batch_id: U256, bidder: Address, amount: U256, price: U256, salt: B256) -> B256 {
    keccak256((batch_id, bidder, amount, price, salt).abi_encode())
}

/// A fresh secret salt from the operating system's generator.
pub fn random_salt() -> Result<B256, KeeperError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt)
        .map_err(|e| KeeperError::Config(format!("no randomness for a salt: {e}")))?;
    Ok(B256::from(salt))
}

/// Called after a bid is on disk and before its commit is sent: the test hook for "crash
/// between persist and send". Returning an error stops the keeper there.
pub type AfterPersist = Box<dyn Fn(&BidRecord) -> Result<(), KeeperError> + Send + Sync>;

/// The batch side of the keeper.
pub struct BatchKeeper<'a, H: BatchHouse> {
    pub house: H,
    pub store: &'a BidStore,
    pub policy: BidPolicy,
    /// Also settle batches whose reveal window is over (anyone may; the keeper needs it to
    /// claim).
    pub settle: bool,
    /// Only log what would be done.
    pub dry_run: bool,
    /// How many of the latest batches to look at for new bids.
    pub lookback: u64,
    pub after_persist: Option<AfterPersist>,
}

/// The outcome of one pass over a bid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Moved to a new state (saved).
    Moved(BidState),
    /// Nothing to do now (waiting for a window, or dry run).
    Waiting,
}

impl<'a, H: BatchHouse> BatchKeeper<'a, H> {
    /// One pass: advance every open bid, then bid in open batches (when a valuation is known).
    pub async fn tick(&self, valuation: Option<U256>) -> Result<(), KeeperError> {
        self.resume().await?;
        if let Some(valuation) = valuation {
            let last = self.house.last_batch().await?;
            let first = last
                .saturating_sub(U256::from(self.lookback.saturating_sub(1)))
                .max(U256::from(1u8));
            let mut id = first;
            while id <= last {
                self.bid(id, valuation).await?;
                id += U256::from(1u8);
            }
        }
        Ok(())
    }

    /// Advances every open bid of this house and bidder as far as the chain allows.
    pub async fn resume(&self) -> Result<(), KeeperError> {
        for record in self.store.open_bids()? {
            if record.house == self.house.address() && record.bidder == self.house.bidder() {
                self.advance(record).await?;
            }
        }
        Ok(())
    }

    /// Decides and places a bid in `batch_id` if it is in its commit phase and the keeper has
    /// none there yet. Returns the record when a bid was placed (or persisted and halted).
    pub async fn bid(
        &self,
        batch_id: U256,
        valuation: U256,
    ) -> Result<Option<BidRecord>, KeeperError> {
        let (house, bidder) = (self.house.address(), self.house.bidder());
        if self.store.get(house, batch_id, bidder)?.is_some() {
            return Ok(None);
        }
        let view = self.house.batch(batch_id).await?;
        if view.phase != phase::COMMIT {
            return Ok(None);
        }
        let terms = self.house.terms(batch_id).await?;
        let bid = match decide_bid(valuation, &terms, &self.policy) {
            Ok(bid) => bid,
            Err(skip) => {
                info!(batch = %batch_id, reason = ?skip, "batch: no bid");
                return Ok(None);
            }
        };
        if self.dry_run {
            info!(batch = %batch_id, amount = %bid.amount, price = %bid.price, deposit = %bid.deposit, "dry run: would commit a bid");
            return Ok(None);
        }
        let salt = random_salt()?;
        let record = BidRecord {
            house,
            batch_id,
            bidder,
            amount: bid.amount,
            price: bid.price,
            salt,
            deposit: bid.deposit,
            commitment: commitment(batch_id, bidder, bid.amount, bid.price, salt),
            state: BidState::Persisted,
            txs: vec![],
            claimed: None,
        };
        // The bid is on disk (fsync'd) before anything is sent.
        self.store.put(&record)?;
        info!(batch = %batch_id, amount = %bid.amount, price = %bid.price, deposit = %bid.deposit, commitment = %record.commitment, "batch: bid persisted");
        if let Some(hook) = &self.after_persist {
            hook(&record)?;
        }
        Ok(Some(self.advance(record).await?))
    }

    /// Steps `record` until it waits for the chain; returns the latest record.
    pub async fn advance(&self, mut record: BidRecord) -> Result<BidRecord, KeeperError> {
        while let Progress::Moved(_) = self.step(&mut record).await? {}
        Ok(record)
    }

    /// One transition of a bid, saved before returning.
    pub async fn step(&self, record: &mut BidRecord) -> Result<Progress, KeeperError> {
        let id = record.batch_id;
        let view = self.house.batch(id).await?;
        let next = match record.state {
            BidState::Persisted => {
                if self.house.has_pending().await? {
                    info!(batch = %id, "batch: transactions of this account are pending; the commit waits");
                    return Ok(Progress::Waiting);
                }
                if self.find(record).await?.is_some() {
                    info!(batch = %id, "batch: commitment already on chain");
                    BidState::Committed
                } else if view.phase == phase::COMMIT {
                    if self.dry_run {
                        info!(batch = %id, "dry run: would send the persisted commit");
                        return Ok(Progress::Waiting);
                    }
                    let tx = self
                        .house
                        .commit(id, record.commitment, record.deposit)
                        .await?;
                    info!(batch = %id, tx = %tx, deposit = %record.deposit, "batch: committed");
                    record.txs.push(tx);
                    BidState::Committed
                } else {
                    warn!(batch = %id, phase = view.phase, "batch: commit window closed before the commit was sent; nothing at stake");
                    BidState::Abandoned
                }
            }
            BidState::Committed => match view.phase {
                phase::COMMIT => return Ok(Progress::Waiting),
                phase::REVEAL => {
                    let revealed = self
                        .find(record)
                        .await?
                        .is_some_and(|c| !c.reveal_index.is_zero());
                    if !revealed {
                        if self.dry_run {
                            info!(batch = %id, "dry run: would reveal");
                            return Ok(Progress::Waiting);
                        }
                        let tx = self
                            .house
                            .reveal(id, record.amount, record.price, record.salt)
                            .await?;
                        info!(batch = %id, tx = %tx, amount = %record.amount, price = %record.price, "batch: revealed");
                        record.txs.push(tx);
                    }
                    BidState::Revealed
                }
                phase::SETTLE | phase::SETTLED | phase::YANKED => match self.find(record).await? {
                    Some(c) if !c.reveal_index.is_zero() => BidState::Revealed,
                    Some(_) if view.phase == phase::YANKED => {
                        info!(batch = %id, "batch: yanked; the whole deposit is claimable");
                        BidState::Unrevealed
                    }
                    Some(_) => {
                        warn!(batch = %id, "batch: the reveal window passed without a reveal; the bond is forfeited");
                        BidState::Unrevealed
                    }
                    None => {
                        warn!(batch = %id, "batch: recorded as committed but not on chain");
                        BidState::Abandoned
                    }
                },
                _ => return Ok(Progress::Waiting),
            },
            BidState::Revealed | BidState::Unrevealed => match view.phase {
                phase::SETTLE if self.settle => {
                    if self.dry_run {
                        info!(batch = %id, "dry run: would settle");
                        return Ok(Progress::Waiting);
                    }
                    match self.house.settle(id).await {
                        Ok(tx) => {
                            info!(batch = %id, tx = %tx, "batch: settled");
                            record.txs.push(tx);
                            // Same state; the next step claims.
                            record.state
                        }
                        // Someone else may have settled first: the next pass reads the phase.
                        Err(e) => {
                            warn!(batch = %id, error = %e, "batch: settle failed");
                            return Ok(Progress::Waiting);
                        }
                    }
                }
                phase::SETTLED | phase::YANKED => {
                    let preview = self.house.preview(id).await?;
                    if !preview.claimed {
                        if self.dry_run {
                            info!(batch = %id, won = %preview.won, paid = %preview.paid, refund = %preview.refund, "dry run: would claim");
                            return Ok(Progress::Waiting);
                        }
                        let tx = self.house.claim(id).await?;
                        info!(batch = %id, tx = %tx, won = %preview.won, paid = %preview.paid, refund = %preview.refund, "batch: claimed");
                        record.txs.push(tx);
                    }
                    record.claimed = Some((preview.won, preview.paid, preview.refund));
                    BidState::Claimed
                }
                _ => return Ok(Progress::Waiting),
            },
            BidState::Claimed | BidState::Abandoned => return Ok(Progress::Waiting),
        };
        record.state = next;
        self.store.put(record)?;
        Ok(Progress::Moved(next))
    }

    /// The keeper's on-chain commitment for `record`, if any.
    async fn find(&self, record: &BidRecord) -> Result<Option<OnChainCommitment>, KeeperError> {
        Ok(self
            .house
            .commitments(record.batch_id)
            .await?
            .into_iter()
            .find(|c| c.hash == record.commitment))
    }
}

#[cfg(test)]
pub(crate) mod fake {
    //! An in-memory batch house that follows the real one's rules for one bidder.
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    pub struct State {
        pub phase: u64,
        pub last_batch: u64,
        pub terms: Option<BatchTerms>,
        pub commits: Vec<(B256, U256, bool)>,
        pub revealed: Vec<(U256, U256)>,
        pub claimed: bool,
        pub calls: Vec<&'static str>,
        /// Simulates a crash after the commit is mined but before the keeper records it.
        pub fail_after_commit: bool,
        /// Transactions of the bidder in the mempool.
        pub pending: bool,
    }

    pub struct FakeHouse {
        pub state: Mutex<State>,
        pub bidder: Address,
    }

    impl FakeHouse {
        pub fn new(terms: BatchTerms) -> Self {
            Self {
                state: Mutex::new(State {
                    phase: phase::COMMIT,
                    last_batch: 1,
                    terms: Some(terms),
                    ..Default::default()
                }),
                bidder: Address::repeat_byte(0xB1),
            }
        }
        pub fn set_phase(&self, p: u64) {
            self.state.lock().unwrap().phase = p;
        }
        pub fn calls(&self) -> Vec<&'static str> {
            self.state.lock().unwrap().calls.clone()
        }
    }

    fn tx(n: usize) -> B256 {
        B256::from(U256::from(n))
    }

    fn revert(call: &'static str, reason: &str) -> ChainError {
        ChainError::Reverted {
            call,
            reason: reason.to_string(),
        }
    }

    impl BatchHouse for &FakeHouse {
        fn address(&self) -> Address {
            Address::repeat_byte(0xB7)
        }
        fn bidder(&self) -> Address {
            self.bidder
        }
        async fn last_batch(&self) -> Result<U256, ChainError> {
            Ok(U256::from(self.state.lock().unwrap().last_batch))
        }
        async fn batch(&self, batch_id: U256) -> Result<BatchView, ChainError> {
            let s = self.state.lock().unwrap();
            if batch_id != U256::from(1u8) {
                return Ok(BatchView::default());
            }
            Ok(BatchView {
                phase: s.phase,
                commit_end: 100,
                reveal_end: 200,
                total_lot: s.terms.unwrap().total_lot,
            })
        }
        async fn terms(&self, _: U256) -> Result<BatchTerms, ChainError> {
            Ok(self.state.lock().unwrap().terms.unwrap())
        }
        async fn commitments(&self, _: U256) -> Result<Vec<OnChainCommitment>, ChainError> {
            let s = self.state.lock().unwrap();
            Ok(s.commits
                .iter()
                .map(|&(hash, deposit, revealed)| OnChainCommitment {
                    hash,
                    deposit,
                    reveal_index: U256::from(revealed as u8),
                })
                .collect())
        }
        async fn preview(&self, _: U256) -> Result<Preview, ChainError> {
            let s = self.state.lock().unwrap();
            let won = s
                .revealed
                .iter()
                .map(|r| r.0)
                .fold(U256::ZERO, |a, b| a + b);
            Ok(Preview {
                commitments: U256::from(s.commits.len()),
                claimed: s.claimed,
                won,
                paid: U256::ZERO,
                refund: U256::ZERO,
            })
        }
        async fn commit(
            &self,
            _: U256,
            commitment: B256,
            deposit: U256,
        ) -> Result<B256, ChainError> {
            let mut s = self.state.lock().unwrap();
            if s.phase != phase::COMMIT {
                return Err(revert("commit", "WrongPhase"));
            }
            s.calls.push("commit");
            s.commits.push((commitment, deposit, false));
            if s.fail_after_commit {
                s.fail_after_commit = false;
                return Err(ChainError::Rpc {
                    call: "commit",
                    detail: "connection reset after send".into(),
                });
            }
            Ok(tx(s.calls.len()))
        }
        async fn reveal(
            &self,
            batch_id: U256,
            amount: U256,
            price: U256,
            salt: B256,
        ) -> Result<B256, ChainError> {
            let mut s = self.state.lock().unwrap();
            if s.phase != phase::REVEAL {
                return Err(revert("reveal", "WrongPhase"));
            }
            let hash = commitment(batch_id, self.bidder, amount, price, salt);
            let Some(c) = s.commits.iter_mut().find(|c| c.0 == hash && !c.2) else {
                return Err(revert("reveal", "UnknownCommitment"));
            };
            c.2 = true;
            s.revealed.push((amount, price));
            s.calls.push("reveal");
            Ok(tx(s.calls.len()))
        }
        async fn settle(&self, _: U256) -> Result<B256, ChainError> {
            let mut s = self.state.lock().unwrap();
            if s.phase != phase::SETTLE {
                return Err(revert("settle", "WrongPhase"));
            }
            s.phase = phase::SETTLED;
            s.calls.push("settle");
            Ok(tx(s.calls.len()))
        }
        async fn has_pending(&self) -> Result<bool, ChainError> {
            Ok(self.state.lock().unwrap().pending)
        }
        async fn claim(&self, _: U256) -> Result<B256, ChainError> {
            let mut s = self.state.lock().unwrap();
            if s.phase != phase::SETTLED && s.phase != phase::YANKED {
                return Err(revert("claim", "WrongPhase"));
            }
            if s.claimed {
                return Err(revert("claim", "AlreadyClaimed"));
            }
            s.claimed = true;
            s.calls.push("claim");
            Ok(tx(s.calls.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakeHouse;
    use super::*;
    use crate::math::RAY;

    fn terms() -> BatchTerms {
        BatchTerms {
            bond: U256::from(10u8),
            min_bid: U256::from(1u8),
            reserve: U256::ZERO,
            total_lot: U256::from(1_000u32),
            price_unit: U256::from(1u8),
        }
    }

    fn policy() -> BidPolicy {
        BidPolicy {
            margin_bps: 1_000,
            budget: U256::from(1_000_000u32),
            max_amount: U256::ZERO,
            gas_cost: U256::ZERO,
            min_profit: U256::ZERO,
        }
    }

    fn keeper<'a>(house: &'a FakeHouse, store: &'a BidStore) -> BatchKeeper<'a, &'a FakeHouse> {
        BatchKeeper {
            house,
            store,
            policy: policy(),
            settle: true,
            dry_run: false,
            lookback: 4,
            after_persist: None,
        }
    }

    /// 100 debt units per collateral unit.
    fn valuation() -> U256 {
        RAY * U256::from(100u8)
    }

    #[tokio::test]
    async fn full_lifecycle_commit_reveal_settle_claim() {
        let dir = tempfile::tempdir().unwrap();
        let store = BidStore::open(dir.path()).unwrap();
        let house = FakeHouse::new(terms());
        let k = keeper(&house, &store);
        k.tick(Some(valuation())).await.unwrap();
        let record = store.all().unwrap().pop().unwrap();
        assert_eq!(record.state, BidState::Committed);
        assert_eq!(record.price, RAY * U256::from(90u8));
        assert_eq!(record.amount, U256::from(1_000u32));
        assert_eq!(record.deposit, U256::from(90_000u32));
        assert_eq!(
            record.commitment,
            commitment(
                U256::from(1u8),
                house.bidder,
                record.amount,
                record.price,
                record.salt
            )
        );
        // Nothing more during the commit window, and no second bid in the same batch.
        k.tick(Some(valuation())).await.unwrap();
        assert_eq!(house.calls(), vec!["commit"]);
        house.set_phase(phase::REVEAL);
        k.tick(Some(valuation())).await.unwrap();
        house.set_phase(phase::SETTLE);
        k.tick(Some(valuation())).await.unwrap();
        assert_eq!(house.calls(), vec!["commit", "reveal", "settle", "claim"]);
        let done = store.all().unwrap().pop().unwrap();
        assert_eq!(done.state, BidState::Claimed);
        assert_eq!(done.txs.len(), 4);
        assert_eq!(done.claimed.unwrap().0, U256::from(1_000u32));
        // Nothing left to do.
        k.tick(None).await.unwrap();
        assert_eq!(house.calls().len(), 4);
    }

    #[tokio::test]
    async fn crash_between_persist_and_send_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let house = FakeHouse::new(terms());
        let persisted = {
            let store = BidStore::open(dir.path()).unwrap();
            let mut k = keeper(&house, &store);
            k.after_persist = Some(Box::new(|_| Err(KeeperError::Halted)));
            let err = k.tick(Some(valuation())).await.unwrap_err();
            assert!(matches!(err, KeeperError::Halted));
            store.all().unwrap().pop().unwrap()
            // The store (and its file lock) is dropped here: the process is gone.
        };
        assert_eq!(persisted.state, BidState::Persisted);
        assert!(house.calls().is_empty(), "nothing was sent");

        // Restart: a new store on the same directory resumes and sends the commit once.
        let store = BidStore::open(dir.path()).unwrap();
        let k = keeper(&house, &store);
        k.tick(Some(valuation())).await.unwrap();
        assert_eq!(house.calls(), vec!["commit"]);
        let committed = store.all().unwrap().pop().unwrap();
        assert_eq!(committed.state, BidState::Committed);
        assert_eq!(
            committed.salt, persisted.salt,
            "the same bid, not a new one"
        );
        assert_eq!(
            house.state.lock().unwrap().commits[0].0,
            persisted.commitment
        );
        house.set_phase(phase::REVEAL);
        k.tick(None).await.unwrap();
        house.set_phase(phase::SETTLE);
        k.tick(None).await.unwrap();
        assert_eq!(house.calls(), vec!["commit", "reveal", "settle", "claim"]);
        assert_eq!(store.all().unwrap().pop().unwrap().state, BidState::Claimed);
    }

    #[tokio::test]
    async fn crash_after_send_before_record_does_not_commit_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = BidStore::open(dir.path()).unwrap();
        let house = FakeHouse::new(terms());
        house.state.lock().unwrap().fail_after_commit = true;
        let k = keeper(&house, &store);
        assert!(k.tick(Some(valuation())).await.is_err());
        assert_eq!(store.all().unwrap()[0].state, BidState::Persisted);
        // The restart finds the commitment on chain and does not send another.
        k.tick(Some(valuation())).await.unwrap();
        assert_eq!(house.calls(), vec!["commit"]);
        assert_eq!(house.state.lock().unwrap().commits.len(), 1);
        assert_eq!(store.all().unwrap()[0].state, BidState::Committed);
    }

    #[tokio::test]
    async fn a_persisted_bid_waits_while_the_account_has_pending_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let house = FakeHouse::new(terms());
        {
            let store = BidStore::open(dir.path()).unwrap();
            let mut k = keeper(&house, &store);
            k.after_persist = Some(Box::new(|_| Err(KeeperError::Halted)));
            assert!(k.tick(Some(valuation())).await.is_err());
        }
        // A commit from before the crash may still be in the mempool: do not send another.
        house.state.lock().unwrap().pending = true;
        let store = BidStore::open(dir.path()).unwrap();
        let k = keeper(&house, &store);
        k.tick(Some(valuation())).await.unwrap();
        assert!(house.calls().is_empty());
        assert_eq!(store.all().unwrap()[0].state, BidState::Persisted);
        house.state.lock().unwrap().pending = false;
        k.tick(Some(valuation())).await.unwrap();
        assert_eq!(house.calls(), vec!["commit"]);
    }

    #[tokio::test]
    async fn restart_in_the_reveal_window_reveals_and_after_settlement_claims() {
        let dir = tempfile::tempdir().unwrap();
        let house = FakeHouse::new(terms());
        {
            let store = BidStore::open(dir.path()).unwrap();
            keeper(&house, &store)
                .tick(Some(valuation()))
                .await
                .unwrap();
        }
        // Down during the whole reveal window? No: back up in it.
        house.set_phase(phase::REVEAL);
        {
            let store = BidStore::open(dir.path()).unwrap();
            keeper(&house, &store).tick(None).await.unwrap();
            assert_eq!(store.all().unwrap()[0].state, BidState::Revealed);
        }
        // Someone else settles while the keeper is down; the restart claims.
        house.set_phase(phase::SETTLED);
        let store = BidStore::open(dir.path()).unwrap();
        keeper(&house, &store).tick(None).await.unwrap();
        assert_eq!(house.calls(), vec!["commit", "reveal", "claim"]);
        assert_eq!(store.all().unwrap()[0].state, BidState::Claimed);
    }

    #[tokio::test]
    async fn a_persisted_bid_whose_window_closed_is_abandoned_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let house = FakeHouse::new(terms());
        {
            let store = BidStore::open(dir.path()).unwrap();
            let mut k = keeper(&house, &store);
            k.after_persist = Some(Box::new(|_| Err(KeeperError::Halted)));
            assert!(k.tick(Some(valuation())).await.is_err());
        }
        house.set_phase(phase::REVEAL);
        let store = BidStore::open(dir.path()).unwrap();
        keeper(&house, &store).tick(None).await.unwrap();
        assert!(house.calls().is_empty());
        assert_eq!(store.all().unwrap()[0].state, BidState::Abandoned);
    }

    #[tokio::test]
    async fn a_missed_reveal_window_still_claims_the_refund() {
        let dir = tempfile::tempdir().unwrap();
        let store = BidStore::open(dir.path()).unwrap();
        let house = FakeHouse::new(terms());
        let k = keeper(&house, &store);
        k.tick(Some(valuation())).await.unwrap();
        house.set_phase(phase::SETTLE);
        k.tick(None).await.unwrap();
        let record = store.all().unwrap().pop().unwrap();
        assert_eq!(record.state, BidState::Claimed);
        assert_eq!(house.calls(), vec!["commit", "settle", "claim"]);
    }

    #[tokio::test]
    async fn dry_run_sends_and_persists_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BidStore::open(dir.path()).unwrap();
        let house = FakeHouse::new(terms());
        let mut k = keeper(&house, &store);
        k.dry_run = true;
        k.tick(Some(valuation())).await.unwrap();
        assert!(store.all().unwrap().is_empty());
        assert!(house.calls().is_empty());
    }

    #[tokio::test]
    async fn no_bid_outside_the_commit_phase_or_when_unprofitable() {
        let dir = tempfile::tempdir().unwrap();
        let store = BidStore::open(dir.path()).unwrap();
        let house = FakeHouse::new(terms());
        house.set_phase(phase::REVEAL);
        let k = keeper(&house, &store);
        k.tick(Some(valuation())).await.unwrap();
        assert!(store.all().unwrap().is_empty());
        house.set_phase(phase::COMMIT);
        let mut k = keeper(&house, &store);
        k.policy.min_profit = U256::from(10_001u32); // the margin on 1000 units at 10 is 10_000
        k.tick(Some(valuation())).await.unwrap();
        assert!(store.all().unwrap().is_empty());
        assert!(house.calls().is_empty());
    }

    #[test]
    fn commitment_matches_the_readme_encoding() {
        // abi.encode of five static words, hashed.
        let (id, bidder, amount, price, salt) = (
            U256::from(7u8),
            Address::repeat_byte(0x42),
            U256::from(3u8),
            RAY,
            B256::repeat_byte(9),
        );
        let mut words = Vec::new();
        words.extend_from_slice(&id.to_be_bytes::<32>());
        words.extend_from_slice(&[0u8; 12]);
        words.extend_from_slice(bidder.as_slice());
        words.extend_from_slice(&amount.to_be_bytes::<32>());
        words.extend_from_slice(&price.to_be_bytes::<32>());
        words.extend_from_slice(salt.as_slice());
        assert_eq!(
            commitment(id, bidder, amount, price, salt),
            keccak256(&words)
        );
        assert_ne!(random_salt().unwrap(), random_salt().unwrap());
    }
}
