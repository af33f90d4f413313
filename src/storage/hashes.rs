//! The chain hashes of a verified log: every one in memory (32 bytes per event, for a ledger
//! that holds its records and answers queries from them), or only their number, the head's and
//! every 1,024th (a ledger that lets go of its records: a bulk import, `verify`, `export`,
//! `report`…), the others read back from the stored values, each of which begins with its own
//! chain hash. The open checked every link, so a hash read back is the one the chain proved
//! while the files are unchanged; what a command folds over is checked against the held ones
//! (`Hashes::proven`, `LogReader::each_verified_part`), which no later change of the files can
//! alter. A value that cannot be read back answers `None`, which every caller treats as a
//! mismatch (it refuses, never guesses).

use super::entries::{Entries, ReadError};
use super::scan::PROVEN_EVERY;
use super::{Fault, GENESIS, Hash, StoreError, integrity};

/// What the journal, the copy and the expected-head check read the chain from.
pub trait ChainHashes {
    /// How many records the chain holds (the head's sequence).
    fn count(&self) -> u64;
    /// The chain hash of the record at 0-based `i` (sequence `i + 1`), as a slice's `get`.
    fn at(&self, i: usize) -> Option<Hash>;
    /// The chain hashes at 0-based `lo..hi` (fewer if the chain is shorter or unreadable).
    fn span(&self, lo: usize, hi: usize) -> Vec<Hash>;
}

impl ChainHashes for [Hash] {
    fn count(&self) -> u64 {
        self.len() as u64
    }

    fn at(&self, i: usize) -> Option<Hash> {
        self.get(i).copied()
    }

    fn span(&self, lo: usize, hi: usize) -> Vec<Hash> {
        self.get(lo..hi.min(self.len())).unwrap_or(&[]).to_vec()
    }
}

impl ChainHashes for Vec<Hash> {
    fn count(&self) -> u64 {
        self.as_slice().count()
    }

    fn at(&self, i: usize) -> Option<Hash> {
        self.as_slice().at(i)
    }

    fn span(&self, lo: usize, hi: usize) -> Vec<Hash> {
        self.as_slice().span(lo, hi)
    }
}

/// The chain hashes an open store knows.
pub(super) enum Hashes {
    /// Every one: `v[i]` is the hash of sequence `i + 1`.
    All(Vec<Hash>),
    /// Only how many, the head's and every `PROVEN_EVERY`-th as the open proved them
    /// (`proven[i]` is the hash of sequence `(i + 1) * PROVEN_EVERY`: 32 bytes per 1,024
    /// events); the others are read from the stored values.
    Stored {
        count: u64,
        head: Hash,
        proven: Vec<Hash>,
        events: Entries,
    },
}

impl Hashes {
    /// Every hash, when they are held (`None` for a store that reads them back).
    pub(super) fn all(&self) -> Option<&[Hash]> {
        match self {
            Hashes::All(v) => Some(v),
            Hashes::Stored { .. } => None,
        }
    }

    /// The hash of `seq` as the open (or a durable commit) proved it, when it is held: any
    /// sequence when every hash is, else the head's and every `PROVEN_EVERY`-th.
    pub(super) fn proven(&self, seq: u64) -> Option<Hash> {
        if seq == 0 {
            return Some(GENESIS);
        }
        match self {
            Hashes::All(v) => v.at(usize::try_from(seq - 1).ok()?),
            Hashes::Stored {
                count,
                head,
                proven,
                ..
            } => match seq {
                s if s == *count => Some(*head),
                s if s.is_multiple_of(PROVEN_EVERY) => proven
                    .get(usize::try_from(s / PROVEN_EVERY - 1).ok()?)
                    .copied(),
                _ => None,
            },
        }
    }

    /// After a durable commit: the batch's hashes, in order.
    pub(super) fn extend(&mut self, new: &[Hash]) {
        match self {
            Hashes::All(v) => v.extend_from_slice(new),
            Hashes::Stored {
                count,
                head,
                proven,
                ..
            } => {
                for hash in new {
                    *count += 1;
                    if count.is_multiple_of(PROVEN_EVERY) {
                        proven.push(*hash);
                    }
                    *head = *hash;
                }
            }
        }
    }

    /// The hashes of sequences `after + 1 ..= upto`, read back when not held.
    pub(super) fn range(&self, after: u64, upto: u64) -> Result<Vec<Hash>, StoreError> {
        match self {
            Hashes::All(v) => {
                let (lo, hi) = (to_index(after), to_index(upto));
                Ok(v.get(lo..hi).unwrap_or(&[]).to_vec())
            }
            Hashes::Stored { events, .. } => {
                let mut out = Vec::new();
                if upto <= after {
                    return Ok(out);
                }
                for item in events.range(Some(after + 1), Some(upto)) {
                    let (_, value) = item.map_err(ReadError::plain)?;
                    out.extend(value.get(..32).and_then(|h| Hash::try_from(h).ok()));
                }
                Ok(out)
            }
        }
    }
}

fn to_index(seq: u64) -> usize {
    usize::try_from(seq).unwrap_or(usize::MAX)
}

impl ChainHashes for Hashes {
    fn count(&self) -> u64 {
        match self {
            Hashes::All(v) => v.len() as u64,
            Hashes::Stored { count, .. } => *count,
        }
    }

    fn at(&self, i: usize) -> Option<Hash> {
        match self {
            Hashes::All(v) => v.get(i).copied(),
            Hashes::Stored {
                count,
                head,
                events,
                ..
            } => {
                let seq = u64::try_from(i).ok()?.checked_add(1)?;
                if seq > *count {
                    return None;
                }
                if seq == *count {
                    return Some(*head);
                }
                let value = match events.get(seq) {
                    Ok(v) => v?,
                    Err(e) => {
                        tracing::error!(seq, "cannot read a chain hash back from the log: {e}");
                        return None;
                    }
                };
                value.get(..32).and_then(|h| Hash::try_from(h).ok())
            }
        }
    }

    fn span(&self, lo: usize, hi: usize) -> Vec<Hash> {
        let (after, upto) = (lo as u64, (hi as u64).min(self.count()));
        self.range(after, upto).unwrap_or_else(|e| {
            tracing::error!("cannot read chain hashes back from the log: {e}");
            Vec::new()
        })
    }
}

/// The chain hashes of sequences `after … after + n` (the one before a segment and the
/// segment's own), as a chain whose other hashes are unknown.
pub(super) struct Window {
    /// 0-based index of `hashes[0]`.
    lo: usize,
    hashes: Vec<Hash>,
    count: u64,
}

impl Window {
    pub(super) fn of(hashes: &(impl ChainHashes + ?Sized), after: u64, n: usize) -> Window {
        let lo = usize::try_from(after.saturating_sub(1)).unwrap_or(usize::MAX);
        let hi = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .saturating_add(n);
        Window {
            lo,
            hashes: hashes.span(lo, hi),
            count: hashes.count(),
        }
    }
}

impl ChainHashes for Window {
    fn count(&self) -> u64 {
        self.count
    }

    fn at(&self, i: usize) -> Option<Hash> {
        self.hashes.get(i.checked_sub(self.lo)?).copied()
    }

    fn span(&self, lo: usize, hi: usize) -> Vec<Hash> {
        (lo..hi).map_while(|i| self.at(i)).collect()
    }
}

/// Whether the log whose chain hashes are `hashes` contains sequence `seq` with `hash`
/// (`verify --expect-head`), by an open store or a lock-free snapshot.
pub fn check_expected_head(
    hashes: &(impl ChainHashes + ?Sized),
    seq: u64,
    hash: &Hash,
) -> Result<(), StoreError> {
    let last = hashes.count();
    if seq > last {
        return Err(integrity(
            Some(last + 1),
            Fault::OlderCopy {
                end: last,
                seq,
                expected: *hash,
            },
        ));
    }
    let at = (seq.checked_sub(1))
        .and_then(|i| hashes.at(usize::try_from(i).ok()?))
        .unwrap_or(GENESIS);
    if &at != hash {
        return Err(integrity(
            Some(seq),
            Fault::NotThatLog {
                seq,
                found: at,
                expected: *hash,
            },
        ));
    }
    Ok(())
}
