//! A read-only view of a store another process holds (`socai serve`): the acknowledged
//! prefix read from the journal without the lock (`storage::snapshot`), re-checked with the
//! rules exactly as `Ledger::open` re-checks the log.

use std::path::Path;

use crate::core::chain::Chain;
use crate::core::rules::State;
use crate::storage::snapshot::{self, SnapshotError};
use crate::storage::{Hash, StoreError, UnitRecord};

pub struct Snapshot {
    state: State,
    hashes: Vec<Hash>,
    unit: Option<UnitRecord>,
}

impl Snapshot {
    /// Reads the store at `dir` without its lock; see `storage::snapshot` for what a reader
    /// sees while a writer appends (exactly the log HEAD acknowledged when it was read).
    pub fn read(dir: &Path) -> Result<Snapshot, SnapshotError> {
        let read = snapshot::read(dir)?;
        let state = super::rebuild(read.records).map_err(SnapshotError::Store)?;
        Ok(Snapshot {
            state,
            hashes: read.hashes,
            unit: read.unit,
        })
    }

    pub fn chain(&self) -> Chain<'_> {
        Chain::new(self.state.records(), &self.hashes)
            .with_unit(self.unit.as_ref().map(|r| &r.unit))
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn head_seq(&self) -> u64 {
        self.hashes.len() as u64
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        crate::core::chain::hash_at(&self.hashes, seq)
    }

    pub fn unit(&self) -> Option<&UnitRecord> {
        self.unit.as_ref()
    }

    /// Whether the acknowledged log contains `seq` with `hash` (`verify --expect-head`).
    pub fn check_expected_head(&self, seq: u64, hash: &Hash) -> Result<(), StoreError> {
        crate::storage::check_expected_head(&self.hashes, seq, hash)
    }
}

impl super::Ledger {
    /// The sequence HEAD names, read without the lock, opening or verifying the store: a hint
    /// for a refusal that need not wait for the open (`None` when HEAD is missing or
    /// unreadable).
    pub fn head_hint(dir: &Path) -> Option<u64> {
        crate::storage::Store::head_hint(dir)
    }
}
