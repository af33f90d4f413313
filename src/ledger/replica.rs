//! The ledger's side of replicas (`app::replicate`): records copied from a source, checked
//! against the rules and the source's chain hashes, and the refusal of events of its own.

use super::{AppendError, Ledger, replay};
use crate::core::rejection::{Code, Detail, Rejection};
use std::path::Path;

use crate::storage::{Fault, Hash, OpenMode, Store, StoreError, envelope, integrity};

impl Ledger {
    /// The store, for its unit and replica marker.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// A replica takes events only from its source: every batch of its own is refused.
    pub(super) fn replica_refusal(&self) -> AppendError {
        let source = self.store.replica_of().unwrap_or("another store");
        AppendError::Rejected {
            index: 0,
            id: None,
            rejection: Rejection::new(
                Code::ReplicaReadOnly,
                Detail::Replica {
                    source: source.to_string(),
                },
                format!(
                    "this store is a replica of {source}: it takes events only from its source (append there)"
                ),
            ),
        }
    }

    /// Appends stored records copied from a source, verbatim: each envelope must decode to
    /// the sequence due, keep the rules that accepted it, and chain to the hash the source
    /// gave, or nothing of the batch is appended.
    pub fn append_replicated(&mut self, copied: Vec<(Vec<u8>, Hash)>) -> Result<(), StoreError> {
        let start = self.state.head_seq();
        for (i, (bytes, _)) in copied.iter().enumerate() {
            let seq = start + 1 + i as u64;
            let record = envelope::decode(bytes)
                .map_err(|why| integrity(Some(seq), Fault::SourceUndecodable { why }));
            let checked = record.and_then(|record| {
                if record.seq != seq {
                    return Err(integrity(
                        Some(seq),
                        Fault::SourceWrongSequence {
                            sent: record.seq,
                            due: seq,
                        },
                    ));
                }
                replay(&mut self.state, record).map_err(|broken| broken.into_store_error())
            });
            if let Err(e) = checked {
                self.state.rollback(start);
                return Err(e);
            }
        }
        if let Err(e) = self.store.append_replicated(&copied) {
            self.state.rollback(start);
            return Err(e);
        }
        Ok(())
    }
}

/// Opens a replica (or any verified copy) to take records from during `recover`.
pub(super) fn open_source(dir: &Path) -> Result<Store, StoreError> {
    Ok(Store::open(dir, OpenMode::MustExist)?.0)
}

/// Copies what `source` holds beyond the new store's verified prefix into it.
pub(super) fn extend(to: &Path, source: &Store) -> Result<u64, StoreError> {
    let (mut store, _) = Store::open(to, OpenMode::MustExist)?;
    store.extend_from(source)
}
