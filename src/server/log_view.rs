//! The read side of the server: the acknowledged log (records and chain hashes) that queries
//! read while the writer goes on appending. It holds the process's only copy of the records:
//! the writer's ledger hands them over at open and after each durable group commit (moved,
//! not copied; `Ledger::share_records`, `take_durable`) and reads one back through `Archived`
//! when a rule needs it. The writer extends the view before it answers the requests of the
//! group, so a client always reads its own acknowledged events; nothing not yet durable is
//! ever visible here.

use std::collections::HashSet;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use tokio::sync::watch;
use uuid::Uuid;

use crate::core::chain::{Chain, Hash};
use crate::core::duplicates::Vouchers;
use crate::core::event::Kind;
use crate::core::held::Archive;
use crate::core::rules::Recorded;
use crate::core::unit::Unit;

pub struct Log {
    pub records: Vec<Recorded>,
    /// `hashes[i]` is the chain hash of sequence `i + 1`.
    pub hashes: Vec<Hash>,
    /// The store's budget unit, named by reports and exports.
    pub unit: Option<Unit>,
    /// Every counted voucher and every id a reversal cancels: the likely-duplicate warning
    /// after an append reads only the records that share its voucher, not the whole log
    /// (scanning the log per request made 64 clients CPU-bound; BENCHMARKS.md, 64-client
    /// profile).
    vouchers: Vouchers,
    reversed: HashSet<Uuid>,
}

impl Log {
    pub fn head_seq(&self) -> u64 {
        self.records.len() as u64
    }

    /// The records with their chain hashes: the read source queries pin their views with.
    pub fn chain(&self) -> Chain<'_> {
        Chain::new(&self.records, &self.hashes).with_unit(self.unit.as_ref())
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        self.chain().hash_of(seq)
    }

    fn record(&self, seq: u64) -> Option<&Recorded> {
        self.records.get(usize::try_from(seq.checked_sub(1)?).ok()?)
    }

    /// Likely duplicates among just-appended `seqs` (as `core::duplicates::repeats` finds
    /// them in the whole log): each record with the first counted one whose voucher it repeats.
    pub fn repeats(&self, seqs: &[u64]) -> Vec<(Recorded, Recorded)> {
        let found = self.vouchers.repeats(
            seqs,
            |s| self.record(s).map(std::borrow::Cow::Borrowed),
            |s| {
                self.record(s)
                    .is_some_and(|r| self.reversed.contains(&r.event.id))
            },
        );
        // The view's vouchers are all in memory (never set aside): nothing to fail reading.
        found.unwrap_or_else(|e| {
            tracing::warn!("likely duplicates not checked: {e}");
            Vec::new()
        })
    }

    /// Notes the records from index `from` on (appended in sequence order).
    fn note_from(&mut self, from: usize) {
        for r in &self.records[from..] {
            self.vouchers.note(r);
            if let Kind::Reverse { target, .. } = &r.event.kind {
                self.reversed.insert(*target);
            }
        }
    }
}

pub struct LogView {
    log: RwLock<Log>,
    /// The acknowledged head sequence, for streams waiting for new events.
    head: watch::Sender<u64>,
}

impl LogView {
    pub fn new(records: Vec<Recorded>, hashes: Vec<Hash>) -> LogView {
        assert_eq!(records.len(), hashes.len(), "one hash per record");
        let head = records.len() as u64;
        let mut log = Log {
            records,
            hashes,
            unit: None,
            vouchers: Vouchers::default(),
            reversed: HashSet::new(),
        };
        log.note_from(0);
        LogView {
            log: RwLock::new(log),
            head: watch::Sender::new(head),
        }
    }

    /// The same view, naming the store's budget unit.
    pub fn with_unit(self, unit: Option<Unit>) -> LogView {
        {
            let mut log = self.log.write().unwrap_or_else(|e| e.into_inner());
            log.unit = unit;
        }
        self
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Log> {
        // A panic while holding the lock cannot leave a half-extended log (extend is the only
        // writer and pushes whole records), so a poisoned lock is still consistent.
        self.log.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The view if it can be read at once (no writer holds it or waits for it): for a short
    /// look on an async task, which must not wait behind a long query.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, Log>> {
        match self.log.try_read() {
            Ok(log) => Some(log),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Publishes durable records (the next sequences) and wakes the streams.
    pub fn extend(&self, records: Vec<Recorded>, hashes: Vec<Hash>) {
        assert_eq!(records.len(), hashes.len(), "one hash per record");
        let head = {
            let mut log = self.log.write().unwrap_or_else(|e| e.into_inner());
            if let Some(first) = records.first() {
                assert_eq!(first.seq, log.head_seq() + 1, "published in sequence");
            }
            let from = log.records.len();
            // The first hand-over is the whole verified log: taken as it is, since extending
            // an empty vector copies every record into a new one (the hand-over at 10M
            // events: 14.7 s copying, 6.8 s moving).
            if log.records.is_empty() {
                log.records = records;
            } else {
                log.records.extend(records);
            }
            if log.hashes.is_empty() {
                log.hashes = hashes;
            } else {
                log.hashes.extend(hashes);
            }
            log.note_from(from);
            log.head_seq()
        };
        self.head.send_replace(head);
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }
}

/// The view as the writer's archive: where its rules read a durable record back (an id sent
/// again, a reversal's target). Only the writer thread extends the view, and never while it
/// checks a batch, so a read here never waits for itself.
pub struct Archived(pub Arc<LogView>);

impl Archive for Archived {
    fn recorded(&self, seq: u64) -> Option<Recorded> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.0.read().records.get(index).cloned()
    }
}
