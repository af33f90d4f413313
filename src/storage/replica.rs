//! A store's identity on disk beyond its log: its unit (`UNIT`, see `unit`) and, for a
//! replica, the `REPLICA` marker naming the source it copies. A replica takes records only
//! through `append_replicated`, byte for byte with the source's chain hashes; the ledger
//! refuses every event of its own (`Store::replica_of`).

use std::path::Path;

use super::fsync::replace_durably;
use super::unit::{read_unit, write_unit};
use super::{GENESIS, Hash, Store, StoreError, UnitRecord, io};
use crate::core::unit::Unit;

const REPLICA_FILE: &str = "REPLICA";
const REPLICA_MAGIC: &str = "socai-replica 1";
/// A marker is one short line of URL; anything longer is not one.
const MAX_MARKER_BYTES: usize = 4096;

/// Why a unit could not be given to a store.
#[derive(Debug)]
pub enum UnitError {
    /// The store already belongs to a unit (stable code `unit_already_set`).
    AlreadySet(UnitRecord),
    Store(StoreError),
}

pub const UNIT_ALREADY_SET: &str = "unit_already_set";

impl From<StoreError> for UnitError {
    fn from(e: StoreError) -> UnitError {
        UnitError::Store(e)
    }
}

pub(super) fn read_marker(dir: &Path) -> Result<Option<String>, StoreError> {
    let path = dir.join(REPLICA_FILE);
    let read = super::plain::open(&path).and_then(|file| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_MARKER_BYTES as u64),
            &mut bytes,
        )?;
        Ok(bytes)
    });
    match read {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let source = text
                .strip_prefix(REPLICA_MAGIC)
                .and_then(|rest| rest.strip_prefix('\n'))
                .map(|rest| rest.trim().to_string());
            // An unreadable marker still marks a replica: refusing appends is the safe side.
            Ok(Some(
                source.unwrap_or_else(|| "an unknown source".to_string()),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("cannot read", &path, e)),
    }
}

impl Store {
    /// The unit this store belongs to, if it was given one.
    pub fn unit(&self) -> Option<&UnitRecord> {
        self.unit.as_ref()
    }

    /// Reads a store's unit without opening it (for read paths that do not open the log;
    /// the next full open or `verify` checks it against the chain).
    pub fn read_unit(dir: &Path) -> Result<Option<UnitRecord>, StoreError> {
        read_unit(dir)
    }

    /// Reads the source a replica copies, without opening the store (as `read_unit`).
    pub fn read_replica_of(dir: &Path) -> Result<Option<String>, StoreError> {
        read_marker(dir)
    }

    /// Gives the store its unit, once, bound into the chain after the current head.
    pub fn set_unit(&mut self, unit: Unit) -> Result<UnitRecord, UnitError> {
        let record = UnitRecord {
            unit,
            since: self.head_seq(),
        };
        self.adopt_unit(record.clone())?;
        Ok(record)
    }

    /// Takes a unit record as another store holds it (a copy or a replica), before the copy
    /// reaches the record's `since`: the copy then chains exactly like the original.
    pub fn adopt_unit(&mut self, record: UnitRecord) -> Result<(), UnitError> {
        if let Some(existing) = &self.unit {
            return Err(UnitError::AlreadySet(existing.clone()));
        }
        if record.since < self.head_seq() {
            return Err(UnitError::Store(StoreError::Io(format!(
                "a unit declared after sequence {} cannot be given to a log that already holds {}",
                record.since,
                self.head_seq()
            ))));
        }
        write_unit(&self.dir, &record)?;
        self.unit = Some(record);
        Ok(())
    }

    /// The source this store replicates, if it is a replica.
    pub fn replica_of(&self) -> Option<&str> {
        self.replica_of.as_deref()
    }

    /// Marks this store as a replica of `source` (durably, before its first copied record).
    pub fn mark_replica(&mut self, source: &str) -> Result<(), StoreError> {
        let text = format!("{REPLICA_MAGIC}\n{source}\n");
        replace_durably(&self.dir, REPLICA_FILE, text.as_bytes())?;
        self.replica_of = Some(source.to_string());
        Ok(())
    }

    /// Appends envelopes copied from a source verbatim (sequences `head_seq()+1…`), checking
    /// each against the chain hash the source gave: the computed hash must equal it, or the
    /// copy stops at that sequence and nothing of the batch is kept. The caller has decoded
    /// each envelope and checked its sequence and rules (`Ledger::append_replicated`).
    pub fn append_replicated(&mut self, copied: &[(Vec<u8>, Hash)]) -> Result<Hash, StoreError> {
        if copied.is_empty() {
            return Ok(self.hash_of(self.head_seq()).unwrap_or(GENESIS));
        }
        let after = self.head_seq();
        let envelopes: Vec<Vec<u8>> = copied.iter().map(|(e, _)| e.clone()).collect();
        let prepared = self.prepare_envelopes(envelopes);
        for (i, ((_, given), computed)) in copied.iter().zip(prepared.hashes()).enumerate() {
            if given != computed {
                let seq = after + 1 + i as u64;
                return Err(super::integrity(
                    Some(seq),
                    super::Fault::SourceHashDiffers {
                        seq,
                        given: *given,
                        computed: *computed,
                    },
                ));
            }
        }
        self.commit(prepared)
    }
}
