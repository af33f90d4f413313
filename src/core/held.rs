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
        if self.archive.is_none() || upto <= self.released {
            return;
        }
        let n = usize::try_from(upto.min(self.head_seq()) - self.released).unwrap_or(0);
        if n == 0 {
            return;
        }
        self.last_released_at = Some(self.records[n - 1].recorded_at);
        self.records.drain(..n);
        // Give the memory back: a long import releases after every chunk.
        if self.records.capacity() > 2 * self.records.len() + 1024 {
            self.records.shrink_to(self.records.len().max(1024));
        }
        self.released += n as u64;
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
}
