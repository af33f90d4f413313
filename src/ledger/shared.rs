//! A ledger whose durable records live with a reader (the server's read view) instead of in
//! its own state: one copy of the log in the process. The state keeps its compact facts
//! (ids, balances per day, reversals, contracts) and reads a record back through the archive
//! the reader supplies when a rule needs one (an id sent again, a reversal's target), as a
//! bounded import ledger reads it back from the store (`core::held`).

use super::{IndexWriter, Ledger};
use crate::core::held::Archive;
use crate::core::rules::Recorded;
use crate::storage::index_codec::{Builder, Manifest};
use crate::storage::{StoreError, index};

/// Records asked of the holder at a time while the index writer's state is made.
const PART: u64 = 16_384;

impl Ledger {
    /// Hands every chain hash over to the caller, who holds the records too (see
    /// `share_records`); the ledger reads them back from the store from now on. `None` when
    /// it did not hold them. `chain()` is then not available.
    pub fn share_hashes(&mut self) -> Option<Vec<crate::storage::Hash>> {
        self.store.release_hashes()
    }

    /// The chain hashes of sequences `after + 1 ..= upto` (held, or read back from the store).
    pub fn hashes_in(
        &self,
        after: u64,
        upto: u64,
    ) -> Result<Vec<crate::storage::Hash>, StoreError> {
        self.store.hashes_in(after, upto)
    }

    /// Hands every record over to the caller, who keeps them readable through `archive`
    /// from now on (see `ensure_index_from` for the index writer's state).
    pub fn share_records(&mut self, archive: Box<dyn Archive>) -> Vec<Recorded> {
        self.state.set_archive(archive);
        self.state.hand_over(self.head_seq())
    }

    /// The records made durable since the last hand-over (a group commit's), moved out of
    /// the state: the caller publishes them where the archive reads them before the next
    /// group is checked. Records not yet durable are never handed over.
    pub fn take_durable(&mut self) -> Vec<Recorded> {
        assert!(
            self.state.has_archive(),
            "records are handed over only to a reader that archives them"
        );
        self.state.hand_over(self.store.head_seq())
    }

    /// What `ensure_index` does, for a ledger that handed its records over: `part(after,
    /// upto)` gives back sequences `after+1 ..= upto` from their holder (in memory: faster
    /// than the store, which `ensure_index` would read them back from). When the index mark
    /// names the head, only the writer's state is made (the files are not touched, readers
    /// go on using them); otherwise every file is rebuilt and the mark written last.
    pub fn ensure_index_from(
        &mut self,
        mut part: impl FnMut(u64, u64) -> Vec<Recorded>,
    ) -> Result<(), StoreError> {
        if self.index.is_some() {
            return Ok(());
        }
        let head = self.head_seq();
        let hash = self.hash_of(head).unwrap_or(crate::storage::GENESIS);
        let current = self
            .store
            .index_mark()?
            .filter(|m| m.seq == head && m.hash == hash);
        let persist = current.is_none();
        let (interval, mut manifest) = match current {
            Some(m) => (m.interval, m.manifest),
            None => {
                tracing::info!(head, "rebuilding the index from the records in memory");
                self.store.clear_index()?;
                (self.options.index_interval, Manifest::default())
            }
        };
        let mut builder = Builder::new(interval);
        let mut after = 0u64;
        while after < head {
            let upto = (after + PART).min(head);
            let records = part(after, upto);
            if records.len() as u64 != upto - after
                || records.first().map(|r| r.seq) != Some(after + 1)
            {
                return Err(StoreError::Io(format!(
                    "the records {}–{upto} could not be read back for the index",
                    after + 1
                )));
            }
            let hashes = &self.store.hashes_in(after, upto)?;
            let changes = builder.extend(&self.state, &records, hashes, persist);
            if !builder.sound() {
                return Err(StoreError::Io(
                    "a reversal's target could not be read back for the index".to_string(),
                ));
            }
            if persist {
                manifest = index::write_files(self.dir(), changes, manifest)?;
            }
            after = upto;
        }
        if persist {
            let mark = crate::storage::index_codec::Mark {
                manifest,
                ..self.mark(interval)
            };
            index::write_mark(self.dir(), &mark)?;
            manifest = mark.manifest;
        }
        self.index = Some(IndexWriter { builder, manifest });
        Ok(())
    }
}
