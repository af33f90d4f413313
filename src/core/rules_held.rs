//! `State`'s records and ids: those held in memory, those let go of and read back from an
//! archive (`core::held`), the ids set aside (`core::id_map`), and the room made for them.
//! Apart from the rules themselves (`rules`), which only read through these.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::core::rules::{Recorded, State};

impl State {
    /// The records held in memory: the whole log, unless `release` let go of some (see
    /// `holds_all`); then those from sequence `first_held()` on.
    pub fn records(&self) -> &[Recorded] {
        self.records.records()
    }

    /// Whether `records()` is the whole log.
    pub fn holds_all(&self) -> bool {
        self.records.first_held() == 1
    }

    /// The first sequence `records()` holds.
    pub fn first_held(&self) -> u64 {
        self.records.first_held()
    }

    /// Reads released records from `archive` from now on (see `core::held`).
    pub fn set_archive(&mut self, archive: Box<dyn crate::core::held::Archive>) {
        self.records.set_archive(archive);
    }

    /// Stops reading from the archive (and gives it back, to be closed).
    pub fn take_archive(&mut self) -> Option<Box<dyn crate::core::held::Archive>> {
        self.records.take_archive()
    }

    pub fn has_archive(&self) -> bool {
        self.records.has_archive()
    }

    /// Lets go of the records up to `upto` once they are durable; a later rule that needs one
    /// reads it from the archive. Does nothing without an archive.
    pub fn release(&mut self, upto: u64) {
        self.records.release(upto);
    }

    /// As `release`, giving the records let go of to the caller (see `Held::hand_over`).
    pub fn hand_over(&mut self, upto: u64) -> Vec<Recorded> {
        self.records.hand_over(upto)
    }

    pub fn last_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.records.last_recorded_at()
    }

    /// Makes room for `records` more records and `ids` more ids (a full open knows the log's
    /// length from HEAD).
    pub fn reserve(&mut self, records: usize, ids: usize) {
        if !self.has_archive() {
            self.records.reserve(records);
        }
        self.by_id.reserve(ids);
    }

    /// Makes room for `n` more ids only (a ledger that lets go of its records).
    pub fn reserve_ids(&mut self, n: usize) {
        self.by_id.reserve(n);
    }

    /// Holds at most `limit` ids from now on, setting the others aside into `store` (a ledger
    /// that never appends: see `IdMap::set_aside`).
    pub fn set_ids_aside(&mut self, store: Box<dyn crate::core::tag_runs::RunStore>, limit: usize) {
        self.by_id.set_aside(store, limit);
    }

    /// As `set_ids_aside`, for a ledger that appends: only the ids `settle_ids` says are
    /// durable (a batch that fails is rolled back, and an id set aside is never withdrawn).
    pub fn set_ids_aside_when_settled(
        &mut self,
        store: Box<dyn crate::core::tag_runs::RunStore>,
        limit: usize,
    ) {
        self.by_id.set_aside_when_settled(store, limit);
    }

    /// The records up to `durable` are durable: their ids may be set aside.
    pub fn settle_ids(&mut self, durable: u64) {
        self.by_id.settle(durable);
    }

    /// How many ids are set aside, out of memory.
    pub fn ids_set_aside(&self) -> u64 {
        self.by_id.set_aside_len()
    }

    /// Why the ids set aside cannot be trusted (a run unreadable): every answer since is
    /// doubtful, so the owner refuses.
    pub fn ids_failure(&self) -> Option<&str> {
        self.by_id.failure()
    }

    /// Makes room for a batch of `n` records about to be applied (held until durable).
    pub fn reserve_held(&mut self, n: usize) {
        self.records.reserve(n);
    }

    pub fn head_seq(&self) -> u64 {
        self.records.head_seq()
    }

    /// The record of `seq`: held, or read back from the archive (`None` if it cannot be).
    pub fn record(&self, seq: u64) -> Option<std::borrow::Cow<'_, Recorded>> {
        self.records.get(seq)
    }

    /// The sequence of `id` (or of an unreadable record that might be it: see `IdMap::find`).
    pub fn seq_of(&self, id: &Uuid) -> Option<u64> {
        (self.by_id).find(id, |seq| self.records.get(seq).map(|r| r.event.id))
    }
}
