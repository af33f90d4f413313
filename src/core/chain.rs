//! The read source every door reads: the acknowledged records with their chain hashes. The
//! ledger, the server's log view and (for what it holds) the index reader answer the same
//! three questions through it: which hash pins a view, when an event was recorded, and the
//! pin of a view. Pure: the chain hashes are computed and checked by `storage`.

use chrono::{DateTime, Utc};

use crate::core::projection::View;
use crate::core::rules::Recorded;
use crate::core::unit::Unit;

/// A chain hash: SHA-256 over the previous hash, the sequence and the stored envelope.
pub type Hash = [u8; 32];

/// Where a view stands: what it includes and the hash that pins it.
#[derive(Clone, Copy, Debug)]
pub struct Pin {
    pub view: View,
    /// Hash of the event at `view.known_at` (`None` when nothing is known).
    pub hash: Option<Hash>,
}

/// The hash of `seq` in `hashes`, where `hashes[i]` is the chain hash of sequence `i + 1`
/// (`None` for 0 or beyond the last).
pub fn hash_at(hashes: &[Hash], seq: u64) -> Option<Hash> {
    let index = usize::try_from(seq.checked_sub(1)?).ok()?;
    hashes.get(index).copied()
}

/// Records and their chain hashes, borrowed from whoever holds them: `records[i]` has
/// sequence `i + 1` and `hashes[i]` is its chain hash.
#[derive(Clone, Copy, Debug)]
pub struct Chain<'a> {
    records: &'a [Recorded],
    hashes: &'a [Hash],
    /// The budget unit the log belongs to, if it was given one (`socai init`).
    unit: Option<&'a Unit>,
}

impl<'a> Chain<'a> {
    /// The records and hashes of one log; both hold one entry per sequence from 1.
    pub fn new(records: &'a [Recorded], hashes: &'a [Hash]) -> Chain<'a> {
        debug_assert_eq!(records.len(), hashes.len(), "one hash per record");
        Chain {
            records,
            hashes,
            unit: None,
        }
    }

    /// The same chain, naming the unit it belongs to.
    pub fn with_unit(self, unit: Option<&'a Unit>) -> Chain<'a> {
        Chain { unit, ..self }
    }

    pub fn unit(&self) -> Option<&'a Unit> {
        self.unit
    }

    pub fn records(&self) -> &'a [Recorded] {
        self.records
    }

    pub fn hashes(&self) -> &'a [Hash] {
        self.hashes
    }

    pub fn head_seq(&self) -> u64 {
        self.records.len() as u64
    }

    /// The chain hash of `seq` (`None` for 0 or beyond the head).
    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        hash_at(self.hashes, seq)
    }

    /// When the event at `seq` was recorded (`None` for 0 or beyond the head).
    pub fn recorded_at(&self, seq: u64) -> Option<DateTime<Utc>> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.records.get(index).map(|r| r.recorded_at)
    }

    /// The view with the hash that pins it.
    pub fn pin(&self, view: View) -> Pin {
        Pin {
            view,
            hash: self.hash_of(view.known_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::{Event, Kind};

    fn record(seq: u64, second: u32) -> Recorded {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).expect("a valid date");
        Recorded {
            seq,
            recorded_at: DateTime::from_timestamp(1_700_000_000 + i64::from(second), 0)
                .expect("a valid time"),
            event: Event {
                id: uuid::Uuid::from_u128(u128::from(seq)),
                effective_date: date,
                actor: None,
                note: None,
                document: None,
                kind: Kind::Reverse {
                    target: uuid::Uuid::from_u128(999),
                    reason: "test".to_string(),
                },
            },
            rules: crate::core::rule_data::CURRENT,
        }
    }

    #[test]
    fn hash_and_time_of_a_sequence_count_from_one() {
        let records = [record(1, 0), record(2, 5)];
        let hashes = [[1u8; 32], [2u8; 32]];
        let chain = Chain::new(&records, &hashes);
        assert_eq!(chain.head_seq(), 2);
        assert_eq!(chain.hash_of(0), None);
        assert_eq!(chain.hash_of(1), Some([1u8; 32]));
        assert_eq!(chain.hash_of(2), Some([2u8; 32]));
        assert_eq!(chain.hash_of(3), None);
        assert_eq!(chain.recorded_at(0), None);
        assert_eq!(
            chain.recorded_at(2).map(|t| t.timestamp()),
            Some(1_700_000_005)
        );
        assert_eq!(chain.recorded_at(3), None);
        let date = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).expect("a valid date");
        let pin = chain.pin(View {
            as_of: date,
            known_at: 1,
        });
        assert_eq!(pin.hash, Some([1u8; 32]));
        assert_eq!(
            chain
                .pin(View {
                    as_of: date,
                    known_at: 0
                })
                .hash,
            None
        );
    }
}
