//! Where a store's entries (sequence → chain hash ‖ envelope) are read from: sled's tree, or
//! the journal read as the log by a command that only reads (`journal_log`). The checks are
//! the same either way (`scan`); only an entry's source, and the words of a read failure,
//! differ.

use std::sync::Arc;

use sled::IVec;

use super::fault::Fault;
use super::journal_log::JournalLog;
use super::{StoreError, from_sled, integrity};

#[derive(Clone)]
pub(super) enum Entries {
    Sled(sled::Tree),
    Journal(Arc<JournalLog>),
}

/// Why an entry could not be read: sled's error, or the journal's (already worded).
pub(super) enum ReadError {
    Sled(sled::Error),
    Journal(StoreError),
}

impl ReadError {
    /// The failure of reading the entry expected at `seq`, as a scan reports it.
    pub(super) fn at(self, seq: u64) -> StoreError {
        match self {
            ReadError::Sled(e) => integrity(
                Some(seq),
                Fault::SledCannotRead {
                    detail: e.to_string(),
                },
            ),
            ReadError::Journal(e) => e,
        }
    }

    /// The failure as a plain read reports it.
    pub(super) fn plain(self) -> StoreError {
        match self {
            ReadError::Sled(e) => from_sled(e),
            ReadError::Journal(e) => e,
        }
    }
}

/// One entry: its key (the sequence, big-endian) and its value.
pub(super) type Entry = Result<(IVec, IVec), ReadError>;

type EntryIter<'a> = Box<dyn Iterator<Item = Entry> + Send + 'a>;

impl Entries {
    /// The entries with keys from `from` (the first when `None`) through `upto` (the last
    /// when `None`), in order. Callers never ask for `from` beyond `upto`.
    pub(super) fn range(&self, from: Option<u64>, upto: Option<u64>) -> EntryIter<'_> {
        match self {
            Entries::Sled(tree) => {
                let iter = match (from, upto) {
                    (None, None) => tree.iter(),
                    (None, Some(u)) => tree.range(..=u.to_be_bytes()),
                    (Some(f), None) => tree.range(f.to_be_bytes()..),
                    (Some(f), Some(u)) => tree.range(f.to_be_bytes()..=u.to_be_bytes()),
                };
                Box::new(iter.map(|item| item.map_err(ReadError::Sled)))
            }
            Entries::Journal(log) => {
                let frames = log.frames(from.unwrap_or(1), upto.unwrap_or(log.head()));
                Box::new(frames.map(|frame| {
                    frame
                        .map(|(seq, value)| (IVec::from(&seq.to_be_bytes()[..]), IVec::from(value)))
                        .map_err(ReadError::Journal)
                }))
            }
        }
    }

    /// The value of the entry of `seq`, if there is one.
    pub(super) fn get(&self, seq: u64) -> Result<Option<IVec>, StoreError> {
        match self {
            Entries::Sled(tree) => tree.get(seq.to_be_bytes()).map_err(from_sled),
            Entries::Journal(log) => Ok(log.get(seq)?.map(IVec::from)),
        }
    }
}
