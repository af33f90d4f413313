//! The records a `rules::State` holds in memory, and where it reads those it let go of.
//!
//! A state rebuilt for queries holds every record (`records()` is the whole log). A state
//! that only checks and appends (a bulk import) may `release` the records already durable:
//! the rules then keep only their compact facts (ids, line balances per day, reversals,
//! contracts, works) and read a record's content from the `Archive` the ledger supplies when
//! a rule needs it (an id sent again, a reversal's target). Memory then grows with those facts
//! (about 60 bytes per event), not with the records (about 1 KB each).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::core::rules::Recorded;

/// Where a state reads the records it released (the store, read one record at a time).
pub trait Archive: Send + Sync {
    /// The record of `seq`, or `None` when it cannot be read (the check that needed it then
    /// refuses rather than guess).
    fn recorded(&self, seq: u64) -> Option<Recorded>;
}

/// The records in memory: sequences `released + 1 …`, and the archive for the others.
#[derive(Default)]
pub(super) struct Held {
    records: Vec<Recorded>,
    released: u64,
    /// When the last released record was recorded (the recording clock stays monotonic).
    last_released_at: Option<DateTime<Utc>>,
    archive: Option<Box<dyn Archive>>,
}

impl Held {
    pub(super) fn head_seq(&self) -> u64 {
        self.released + self.records.len() as u64
    }

    /// The records held, from sequence `first_held()` on.
    pub(super) fn records(&self) -> &[Recorded] {
        &self.records
    }

    pub(super) fn first_held(&self) -> u64 {
        self.released + 1
    }

    pub(super) fn reserve(&mut self, n: usize) {
        self.records.reserve(n);
    }

    pub(super) fn get(&self, seq: u64) -> Option<Cow<'_, Recorded>> {
        if seq == 0 || seq > self.head_seq() {
            return None;
        }
        if seq > self.released {
            let index = usize::try_from(seq - self.released - 1).ok()?;
            return self.records.get(index).map(Cow::Borrowed);
        }
        let found = self.archive.as_ref()?.recorded(seq)?;
        // A record read back must be the one asked for; anything else is not trusted.
        (found.seq == seq).then_some(Cow::Owned(found))
    }

    pub(super) fn push(&mut self, recorded: Recorded) {
        self.records.push(recorded);
    }

    /// Takes back the last record, if it is still held (released ones are durable and never
    /// rolled back).
    pub(super) fn pop(&mut self) -> Option<Recorded> {
        self.records.pop()
    }

    pub(super) fn last_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.records
            .last()
            .map(|r| r.recorded_at)
            .or(self.last_released_at)
    }

    pub(super) fn set_archive(&mut self, archive: Box<dyn Archive>) {
        self.archive = Some(archive);
    }

    pub(super) fn take_archive(&mut self) -> Option<Box<dyn Archive>> {
        self.archive.take()
    }

    pub(super) fn has_archive(&self) -> bool {
        self.archive.is_some()
    }

    /// Lets go of the records up to `upto` (which the archive can give back). Without an
    /// archive nothing is released: the records would be lost.
    pub(super) fn release(&mut self, upto: u64) {
        drop(self.hand_over(upto));
    }

    /// Lets go of the records up to `upto` as `release` does, and gives them to the caller
    /// (moved, not copied), who must make them readable through the archive before a rule
    /// asks for one: the server's read view, which then holds the only copy. Without an
    /// archive nothing is handed over.
    pub(super) fn hand_over(&mut self, upto: u64) -> Vec<Recorded> {
        if self.archive.is_none() || upto <= self.released {
            return Vec::new();
        }
        let n = usize::try_from(upto.min(self.head_seq()) - self.released).unwrap_or(0);
        if n == 0 {
            return Vec::new();
        }
        self.last_released_at = Some(self.records[n - 1].recorded_at);
        let out = if n == self.records.len() {
            // All of them: hand the vector itself over, without moving a record.
            std::mem::take(&mut self.records)
        } else {
            self.records.drain(..n).collect()
        };
        // Give the memory back: a long import releases after every chunk.
        if self.records.capacity() > 2 * self.records.len() + 1024 {
            self.records.shrink_to(self.records.len().max(1024));
        }
        self.released += n as u64;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64) -> Recorded {
        let line = format!(
            r#"{{"id":"00000000-0000-4000-8000-{seq:012}","type":"allocate","effective_date":"2025-01-02","line":"L","amount":"1000","document":{{"number":"QD-1","date":"2025-01-02"}}}}"#
        );
        Recorded {
            seq,
            recorded_at: DateTime::UNIX_EPOCH + chrono::Duration::seconds(seq as i64),
            event: crate::core::event::parse_line(&line).unwrap(),
            rules: crate::core::rule_data::CURRENT,
        }
    }

    /// An archive that holds copies of sequences 1..=n.
    struct Copies(Vec<Recorded>);

    impl Archive for Copies {
        fn recorded(&self, seq: u64) -> Option<Recorded> {
            self.0
                .get(usize::try_from(seq).ok()?.checked_sub(1)?)
                .cloned()
        }
    }

    #[test]
    fn released_records_are_read_back_and_nothing_is_lost_without_an_archive() {
        let mut held = Held::default();
        (1..=5).for_each(|s| held.push(rec(s)));
        // Without an archive nothing is let go of.
        held.release(3);
        assert_eq!((held.first_held(), held.records().len()), (1, 5));
        held.set_archive(Box::new(Copies((1..=5).map(rec).collect())));
        held.release(3);
        assert_eq!(
            (held.first_held(), held.records().len(), held.head_seq()),
            (4, 2, 5)
        );
        assert!(matches!(held.get(2), Some(Cow::Owned(r)) if r == rec(2)));
        assert!(matches!(held.get(5), Some(Cow::Borrowed(r)) if *r == rec(5)));
        assert!(held.get(0).is_none() && held.get(6).is_none());
        // Rolling back stops at what was released; the clock remembers the last release.
        assert_eq!(held.pop().map(|r| r.seq), Some(5));
        assert_eq!(held.pop().map(|r| r.seq), Some(4));
        assert!(held.pop().is_none());
        assert_eq!(held.last_recorded_at(), Some(rec(3).recorded_at));
    }

    #[test]
    fn records_handed_over_are_moved_out_once_and_read_back_from_the_archive() {
        let mut held = Held::default();
        (1..=4).for_each(|s| held.push(rec(s)));
        // Without an archive nothing leaves: the records would be lost.
        assert!(held.hand_over(4).is_empty());
        held.set_archive(Box::new(Copies((1..=4).map(rec).collect())));
        let first: Vec<u64> = held.hand_over(2).iter().map(|r| r.seq).collect();
        assert_eq!(first, vec![1, 2]);
        assert!(held.hand_over(2).is_empty(), "handed over once");
        let rest: Vec<u64> = held.hand_over(9).iter().map(|r| r.seq).collect();
        assert_eq!(rest, vec![3, 4]);
        assert_eq!((held.first_held(), held.head_seq()), (5, 4));
        assert!(held.records().is_empty());
        assert!(matches!(held.get(3), Some(Cow::Owned(r)) if r == rec(3)));
        assert_eq!(held.last_recorded_at(), Some(rec(4).recorded_at));
        held.push(rec(5));
        assert_eq!(held.head_seq(), 5);
    }
}
