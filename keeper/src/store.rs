//! Durable bid state: one redb file in the data directory (`<data-dir>/keeper.redb`).
//!
//! A sealed bid can only be revealed with its salt, and a commitment never revealed forfeits
//! its bond. So the keeper writes the bid (amount, price, salt, deposit, commitment) in a
//! transaction committed with [`Durability::Immediate`] (redb fsyncs before `commit` returns)
//! **before** it sends the commit transaction, and records every later step the same way. A
//! crash at any point leaves a record from which a restart resumes: a bid persisted but not
//! found on chain is committed (if the window is still open), a committed one is revealed, a
//! revealed one claimed.
//!
//! redb takes an exclusive lock on the file: two keepers cannot share a data directory (two
//! processes with the same key and directory would race on nonces and bids anyway).

use std::path::Path;

use alloy::primitives::{Address, B256, U256};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// Bids by `batchId (32 bytes, big-endian) ‖ house (20) ‖ bidder (20)`; values are JSON
/// [`BidRecord`]s (readable with any redb tool, and new fields can be added with defaults).
const BIDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("bids");

/// Where a bid is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BidState {
    /// Written to disk; the commit may or may not have been sent.
    Persisted,
    /// The commitment is on chain.
    Committed,
    /// The bid is revealed on chain.
    Revealed,
    /// Not revealed: the reveal window passed (the bond is forfeited) or the batch was yanked;
    /// the rest of the deposit is claimable.
    Unrevealed,
    /// Claimed: nothing left to do.
    Claimed,
    /// Never committed (the commit window closed first): nothing at stake.
    Abandoned,
}

impl BidState {
    /// Whether the keeper still has something to do for this bid.
    pub fn is_open(self) -> bool {
        !matches!(self, BidState::Claimed | BidState::Abandoned)
    }
}

/// One sealed bid and its progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidRecord {
    pub house: Address,
    pub batch_id: U256,
    pub bidder: Address,
    pub amount: U256,
    pub price: U256,
    pub salt: B256,
    pub deposit: U256,
    pub commitment: B256,
    pub state: BidState,
    /// Hashes of the transactions sent for this bid, in order.
    #[serde(default)]
    pub txs: Vec<B256>,
    /// What the claim paid out: `(won, paid, refund)`.
    #[serde(default)]
    pub claimed: Option<(U256, U256, U256)>,
}

impl BidRecord {
    fn key(&self) -> Vec<u8> {
        key(self.batch_id, self.house, self.bidder)
    }
}

fn key(batch_id: U256, house: Address, bidder: Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(72);
    key.extend_from_slice(&batch_id.to_be_bytes::<32>());
    key.extend_from_slice(house.as_slice());
    key.extend_from_slice(bidder.as_slice());
    key
}

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("bid database: {0}")]
    Db(String),
    #[error("bid database holds a record that does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("cannot create the data directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
}

fn db<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The bid database.
pub struct BidStore {
    db: Database,
}

impl BidStore {
    /// Opens (or creates) `<dir>/keeper.redb`, creating `dir` if needed.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        // The salts are secret until the reveal: the directory is the operator's alone.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(
                |source| StoreError::Dir {
                    path: dir.display().to_string(),
                    source,
                },
            )?;
        }
        let database = Database::create(dir.join("keeper.redb")).map_err(db)?;
        // Create the table so that readers find it.
        let mut tx = database.begin_write().map_err(db)?;
        tx.set_durability(Durability::Immediate).map_err(db)?;
        tx.open_table(BIDS).map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(Self { db: database })
    }

    /// Writes `record` (insert or replace) and returns only once it is on disk.
    pub fn put(&self, record: &BidRecord) -> Result<(), StoreError> {
        let value = serde_json::to_vec(record)?;
        let mut tx = self.db.begin_write().map_err(db)?;
        tx.set_durability(Durability::Immediate).map_err(db)?;
        {
            let mut table = tx.open_table(BIDS).map_err(db)?;
            table
                .insert(record.key().as_slice(), value.as_slice())
                .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(())
    }

    /// The record for a batch of a house, for a bidder.
    pub fn get(
        &self,
        house: Address,
        batch_id: U256,
        bidder: Address,
    ) -> Result<Option<BidRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(BIDS).map_err(db)?;
        let found = table
            .get(key(batch_id, house, bidder).as_slice())
            .map_err(db)?;
        match found {
            Some(value) => Ok(Some(serde_json::from_slice(value.value())?)),
            None => Ok(None),
        }
    }

    /// Every record, in key order (batch id, house, bidder).
    pub fn all(&self) -> Result<Vec<BidRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(db)?;
        let table = tx.open_table(BIDS).map_err(db)?;
        let mut out = Vec::new();
        for entry in table.iter().map_err(db)? {
            let (_, value) = entry.map_err(db)?;
            out.push(serde_json::from_slice(value.value())?);
        }
        Ok(out)
    }

    /// The records the keeper still has work for.
    pub fn open_bids(&self) -> Result<Vec<BidRecord>, StoreError> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|r| r.state.is_open())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(batch: u64) -> BidRecord {
        BidRecord {
            house: Address::repeat_byte(0xAA),
            batch_id: U256::from(batch),
            bidder: Address::repeat_byte(0xBB),
            amount: U256::from(5u8),
            price: U256::from(7u8),
            salt: B256::repeat_byte(0x11),
            deposit: U256::from(9u8),
            commitment: B256::repeat_byte(0x22),
            state: BidState::Persisted,
            txs: vec![],
            claimed: None,
        }
    }

    #[test]
    fn records_survive_reopening_and_updates_replace() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = BidStore::open(dir.path()).unwrap();
            store.put(&record(2)).unwrap();
            store.put(&record(1)).unwrap();
            let mut done = record(3);
            done.state = BidState::Claimed;
            store.put(&done).unwrap();
        }
        let store = BidStore::open(dir.path()).unwrap();
        let all = store.all().unwrap();
        assert_eq!(
            all.iter().map(|r| r.batch_id).collect::<Vec<_>>(),
            vec![U256::from(1u8), U256::from(2u8), U256::from(3u8)]
        );
        assert_eq!(store.open_bids().unwrap().len(), 2);
        let mut r = record(2);
        r.state = BidState::Committed;
        r.txs.push(B256::repeat_byte(0x33));
        store.put(&r).unwrap();
        assert_eq!(
            store.get(r.house, r.batch_id, r.bidder).unwrap(),
            Some(r.clone())
        );
        assert_eq!(
            store.get(r.house, U256::from(99u8), r.bidder).unwrap(),
            None
        );
        assert_eq!(store.all().unwrap().len(), 3);
    }

    #[test]
    fn a_second_keeper_cannot_open_the_same_directory() {
        let dir = tempfile::tempdir().unwrap();
        let _first = BidStore::open(dir.path()).unwrap();
        assert!(BidStore::open(dir.path()).is_err());
    }
}
