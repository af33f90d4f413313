//! The façade: open a store, append a batch, ask for a view. The only module that wires the
//! store, the rules and the projections together.

use std::path::Path;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use crate::core::chain::Chain;
use crate::core::event::Event;
use crate::core::known_at;
use crate::core::projection::View;
use crate::core::rejection::{Code, Counted, Rejection};
use crate::core::rules::{Recorded, State, Verdict};
use crate::storage::{self, Fault, Hash, LogReader, OpenMode, Store, StoreError};
use crate::storage::{index_codec, index_proof};

mod recover;
pub use recover::{RecoverError, Recovery, recover, recover_with_replica};

mod blocks;
mod bounded;
mod durable;
pub use blocks::Blocks;
pub use bounded::{Hold, IDS_IN_MEMORY, READ_SLED_CACHE, SMALL_SLED_CACHE};
mod replica;
mod shared;
mod snapshot;
pub use snapshot::Snapshot;

/// Most events one batch (one import file, one request) may hold; larger inputs are refused
/// rather than held in memory whole.
pub const MAX_BATCH_EVENTS: usize = 200_000;

pub struct Ledger {
    store: Store,
    state: State,
    /// The persisted projections' writer state, built on first use (see `crate::storage::index_codec`).
    index: Option<IndexWriter>,
    /// The index writer's state fed while a bounded ledger verified the log at open.
    fed: Option<index_codec::Builder>,
    /// What a bounded ledger keeps beside the rules' state (vouchers, structure).
    kept: bounded::Kept,
    options: Options,
}

/// How a ledger keeps what it derives; set by the door that opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Sequences between two checkpoints of an index built from scratch (≥ 1).
    pub index_interval: u64,
    /// What the ledger keeps in memory (see `Hold`).
    pub hold: Hold,
    /// sled's page cache in bytes (`None`: sled's default, 1 GiB). sled keeps every page it
    /// reads or writes up to that cap, so a process whose memory must not grow with the log
    /// (a bulk import, a server) gives a small one.
    pub sled_cache: Option<u64>,
    /// For a ledger that never appends: read the log from the journal, without opening sled,
    /// when the journal ends at HEAD (`Store::open_from_journal`); else through sled. Not for
    /// `verify`, which checks sled's copy too, nor for a writer.
    pub from_journal: bool,
    /// For a `Hold::Reading` or `Hold::Pending` ledger: the ids the rules hold in memory before
    /// setting them aside in a temporary file (`core::tag_runs`; for `Pending`, once they are
    /// durable), so that memory does not grow with the log; `None`: every id in memory.
    pub ids_in_memory: Option<usize>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            index_interval: index_codec::DEFAULT_INTERVAL,
            hold: Hold::WholeLog,
            sled_cache: None,
            from_journal: false,
            ids_in_memory: None,
        }
    }
}

/// What the writer keeps to extend the persisted index: the tables' state, and the manifest
/// of the files on disk (so a commit does not read the mark back).
struct IndexWriter {
    builder: index_codec::Builder,
    manifest: index_codec::Manifest,
}

/// Why a batch was not appended.
#[derive(Debug)]
pub enum AppendError {
    /// Event `index` (0-based, in the batch) was refused; nothing of the batch was appended.
    Rejected {
        index: usize,
        id: Option<Uuid>,
        rejection: Rejection,
    },
    Store(StoreError),
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::Rejected {
                index,
                id,
                rejection,
            } => {
                write!(f, "event {} ", index + 1)?;
                if let Some(id) = id {
                    write!(f, "(id {id}) ")?;
                }
                write!(f, "rejected: {rejection}")
            }
            AppendError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AppendError {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Sequences assigned to the new events, in batch order.
    pub seqs: Vec<u64>,
    /// Events of the batch that were already recorded with identical content.
    pub already_present: usize,
    pub head_seq: u64,
    pub head_hash: Option<Hash>,
}

impl Ledger {
    /// Opens the store and rebuilds the state from the log, re-checking every recorded event
    /// against the rules of the version that accepted it (a log that breaks them was altered:
    /// refuse it).
    pub fn open(dir: &Path, mode: OpenMode) -> Result<Ledger, StoreError> {
        Ledger::open_with(dir, mode, Options::default())
    }

    /// As `open`, with the options a door asked for.
    pub fn open_with(dir: &Path, mode: OpenMode, options: Options) -> Result<Ledger, StoreError> {
        let options = Options {
            index_interval: options.index_interval.max(1),
            ..options
        };
        if options.hold.releases() {
            return Ledger::open_bounded(dir, mode, options);
        }
        if options.from_journal
            && let Some(ledger) = Ledger::open_whole(dir, options, |each| {
                Store::open_from_journal(dir, true, each)
            })?
        {
            return Ok(ledger);
        }
        let via_sled = |each: &mut bounded::Each<'_>| {
            Store::open_each_hashed(dir, mode, options.sled_cache, each).map(Some)
        };
        Ledger::open_whole(dir, options, via_sled)?.ok_or_else(|| {
            StoreError::Io(format!("{}: the log could not be opened", dir.display()))
        })
    }

    /// A whole-log ledger of the store `open` opens (`None`: it could not, and nothing was
    /// kept): each record is checked and applied as the store verifies it, one copy of the log.
    fn open_whole(
        dir: &Path,
        options: Options,
        open: impl FnOnce(&mut bounded::Each<'_>) -> Result<Option<Store>, StoreError>,
    ) -> Result<Option<Ledger>, StoreError> {
        let mut state = State::new();
        if let Some(n) = Store::head_hint(dir) {
            // A quarter more than the log holds: a server appends to this very vector once it
            // is handed over (`LogView::extend`), and one full to its capacity copied every
            // record at the first append (2.6 GB and 5.8–7.7 s at 10M events, its peak memory).
            // Room never written is address space, not memory.
            let n = usize::try_from(n).unwrap_or(0).min(1 << 26);
            state.reserve(n.saturating_add(n / 4), n);
        }
        let opened =
            open(&mut |record, _, _| replay(&mut state, record).map_err(Broken::into_store_error))?;
        let Some(store) = opened else {
            return Ok(None);
        };
        assert_eq!(state.head_seq(), store.head_seq());
        Ok(Some(Ledger {
            store,
            state,
            index: None,
            fed: None,
            kept: bounded::Kept::default(),
            options,
        }))
    }

    /// A read-only handle on the log for `verify_log`, usable from other threads.
    pub fn reader(&self) -> LogReader {
        self.store.reader()
    }

    /// Every record (not for a `Hold::Pending` ledger, which lets go of them).
    pub fn records(&self) -> &[Recorded] {
        assert!(
            self.state.holds_all(),
            "a ledger holding only pending records has no whole log to read"
        );
        self.state.records()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn head_seq(&self) -> u64 {
        self.store.head_seq()
    }

    /// Whether `chain()` can lend the whole log: every record and every chain hash held (a
    /// ledger opened for reading in parts may hold a short log's records but not its hashes).
    pub fn holds_chain(&self) -> bool {
        self.state.holds_all() && self.store.holds_hashes()
    }

    /// The records with their chain hashes: the read source queries pin their views with.
    pub fn chain(&self) -> Chain<'_> {
        Chain::new(self.records(), self.store.hashes())
            .with_unit(self.store.unit().map(|r| &r.unit))
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        self.store.hash_of(seq)
    }

    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// A view as of a date; `known_at` defaults to the head and may not lie beyond it (a view
    /// of the future could not be reproduced later).
    pub fn view(
        &self,
        as_of: chrono::NaiveDate,
        known_at: Option<u64>,
    ) -> Result<View, known_at::KnownAtError> {
        known_at::view_at_seq(self.head_seq(), as_of, known_at)
    }

    /// When the event at `seq` was recorded (`None` for 0 or beyond the head).
    pub fn recorded_at(&self, seq: u64) -> Option<DateTime<Utc>> {
        self.chain().recorded_at(seq)
    }

    /// Validates and appends a batch, all or nothing; returns once it is durable.
    /// `now` is the recording time (kept monotonic: never earlier than the head's).
    pub fn append(
        &mut self,
        events: Vec<Event>,
        now: DateTime<Utc>,
    ) -> Result<Appended, AppendError> {
        self.append_many(vec![events], now)
            .pop()
            .expect("invariant: append_many returns one result per batch")
    }

    /// Group commit: validates each batch in turn against everything before it (the log, then
    /// the batches accepted earlier in the group), each batch all or nothing and accepted or
    /// refused on its own, then makes every accepted batch durable in ONE store append (one
    /// fsync). Returns one result per batch, in order; an `Ok` means durable. If the durable
    /// write fails, every accepted batch of the group fails with that store error and nothing
    /// of the group is kept in memory either.
    pub fn append_many(
        &mut self,
        batches: Vec<Vec<Event>>,
        now: DateTime<Utc>,
    ) -> Vec<Result<Appended, AppendError>> {
        if self.store.replica_of().is_some() {
            return batches
                .iter()
                .map(|_| Err(self.replica_refusal()))
                .collect();
        }
        let recorded_at = self.begin_group(now);
        let group_start = self.state.head_seq();
        let mut results = Vec::with_capacity(batches.len());
        for events in batches {
            results.push(self.stage(events, recorded_at));
        }
        let end = self.state.head_seq();
        if let Err(e) = self.make_durable(group_start, end, durable::Marking::Mark) {
            self.roll_back(group_start);
            return results
                .into_iter()
                .map(|r| r.and(Err(AppendError::Store(e.clone()))))
                .collect();
        }
        assert_eq!(self.state.head_seq(), self.store.head_seq());
        self.release_durable();
        results
            .into_iter()
            .map(|r| {
                r.map(|mut done| {
                    done.head_hash = self.hash_of(done.head_seq);
                    done
                })
            })
            .collect()
    }

    /// Before a group is staged: the index brought to the head (the group extends it), and
    /// the group's recording time.
    fn begin_group(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        assert!(
            self.options.hold != Hold::Reading,
            "a ledger opened for reading never appends"
        );
        self.ensure_index_logged();
        // The log stores microseconds: keep no more in memory, or the live process would show
        // other recording times than a reopened store.
        let now = now.trunc_subsecs(6);
        match self.state.last_recorded_at() {
            Some(last) if last > now => last,
            _ => now,
        }
    }

    /// Checks and applies one batch to the in-memory state (not yet durable); on a refusal,
    /// undoes its own applies and leaves the batches before it in place.
    fn stage(
        &mut self,
        events: impl IntoIterator<Item = Event, IntoIter: ExactSizeIterator>,
        recorded_at: DateTime<Utc>,
    ) -> Result<Appended, AppendError> {
        let events = events.into_iter();
        if events.len() > MAX_BATCH_EVENTS {
            return Err(AppendError::Rejected {
                index: MAX_BATCH_EVENTS,
                id: None,
                rejection: Rejection::new(
                    Code::TooLarge,
                    Counted::BatchEvents
                        .at_most(MAX_BATCH_EVENTS as u64, Some(events.len() as u64)),
                    format!("a batch may hold at most {MAX_BATCH_EVENTS} events; split the input"),
                ),
            });
        }
        let start = self.state.head_seq();
        let mut already_present = 0;
        self.state.reserve_held(events.len());
        for (index, event) in events.enumerate() {
            match self.state.check(&event) {
                Ok(Verdict::New) => {
                    let seq = self.state.head_seq() + 1;
                    let rules = crate::core::rule_data::recorded_version(&event.kind);
                    let recorded = Recorded {
                        seq,
                        recorded_at,
                        event,
                        rules,
                    };
                    if let Some(v) = self.kept.vouchers.as_mut() {
                        v.note(&recorded);
                    }
                    self.state.apply(recorded);
                }
                Ok(Verdict::AlreadyPresent(_)) => already_present += 1,
                Err(rejection) => {
                    self.roll_back(start);
                    return Err(AppendError::Rejected {
                        index,
                        id: Some(event.id),
                        rejection,
                    });
                }
            }
        }
        // A verdict drawn from ids that could not be read back proves nothing: refuse the batch.
        if let Some(failure) = self.state.ids_failure() {
            let refusal = bounded::ids_unreadable(failure);
            self.roll_back(start);
            return Err(AppendError::Store(refusal));
        }
        let head_seq = self.state.head_seq();
        Ok(Appended {
            seqs: (start + 1..=head_seq).collect(),
            already_present,
            head_seq,
            // Filled in once the group is durable and its hashes are known.
            head_hash: None,
        })
    }

    /// Undoes the records after `head` (not durable) in the state and the vouchers.
    fn roll_back(&mut self, head: u64) {
        self.state.rollback(head);
        if let Some(v) = self.kept.vouchers.as_mut() {
            v.forget_after(head);
        }
    }

    /// Makes sure the persisted index reflects the head: loads the writer state from the
    /// records when the stored mark is current, or rebuilds every table from the records.
    pub fn ensure_index(&mut self) -> Result<(), StoreError> {
        self.ensure_index_or_rebuild(false)
    }

    /// Rebuilds the persisted index from the records even if its mark names the head: for a
    /// reader that found a file the mark lists damaged (otherwise every query would bypass it).
    pub fn rebuild_index(&mut self) -> Result<(), StoreError> {
        self.index = None;
        self.ensure_index_or_rebuild(true)
    }

    fn ensure_index_or_rebuild(&mut self, rebuild: bool) -> Result<(), StoreError> {
        if self.index.is_some() {
            return Ok(());
        }
        let head = self.head_seq();
        let hash = self.hash_of(head).unwrap_or(crate::storage::GENESIS);
        let mark = self.store.index_mark()?;
        let current = mark.filter(|m| {
            !rebuild && m.format == index_codec::FORMAT && m.seq == head && m.hash == hash
        });
        let writer = match current {
            Some(m) if self.can_resume_index() => IndexWriter {
                builder: self.current_builder(m.interval)?,
                manifest: m.manifest,
            },
            _ if !self.state.holds_all() => {
                self.fed = None;
                self.rebuild_in_parts(self.options.index_interval)?
            }
            _ => {
                let interval = self.options.index_interval;
                tracing::info!(head, interval, "rebuilding the index from the log");
                let hashes = self.store.all_hashes()?;
                let (builder, changes) =
                    index_codec::Builder::rebuild(&self.state, &hashes, interval);
                let manifest = self.store.rebuild_index(changes, self.mark(interval))?;
                IndexWriter { builder, manifest }
            }
        };
        self.index = Some(writer);
        Ok(())
    }

    fn mark(&self, interval: u64) -> index_codec::Mark {
        let seq = self.head_seq();
        index_codec::Mark {
            format: index_codec::FORMAT,
            interval,
            seq,
            hash: self.hash_of(seq).unwrap_or(crate::storage::GENESIS),
            // Filled in with the files written.
            manifest: index_codec::Manifest::default(),
        }
    }

    /// The index is derived: failing to maintain it never fails an append (a stale index is
    /// rebuilt by the next reader), but it is logged.
    fn ensure_index_logged(&mut self) {
        if let Err(e) = self.ensure_index() {
            tracing::warn!("index not available, it will be rebuilt: {e}");
            self.index = None;
        }
    }

    /// Closes the store properly but leaves the in-memory state to the process's exit: for a
    /// command about to end, freeing a million records one by one is pure waste.
    pub fn close_for_exit(self) {
        let (store, index) = self.leave_state_to_exit();
        drop(store);
        drop(index);
    }

    /// As `close_for_exit`, for a process that ends right after and never reopens the store:
    /// sled is flushed but its memory, like the state's, is left to the exit.
    pub fn leave_to_exit(self) {
        let (store, index) = self.leave_state_to_exit();
        drop(index);
        store.leave_to_exit();
    }

    /// The exits' common part: the state's memory is left to the process's exit; the store
    /// and the index are handed back for the caller to close.
    fn leave_state_to_exit(self) -> (Store, Option<IndexWriter>) {
        let Ledger {
            store,
            mut state,
            index,
            ..
        } = self;
        // The archive shares the store's sled database: closed with it, not left behind.
        drop(state.take_archive());
        std::mem::forget(state);
        (store, index)
    }
}

/// A stored record the rules refuse: the log holding it was altered.
#[derive(Debug)]
enum Broken {
    /// The record repeats the event of an earlier sequence.
    Repeats { seq: u64, id: Uuid, first: u64 },
    /// The record breaks a rule.
    BreaksRules { seq: u64, rejection: Rejection },
}

impl Broken {
    fn into_store_error(self) -> StoreError {
        match self {
            Broken::Repeats { seq, id, first } => {
                storage::integrity(Some(seq), Fault::Repeats { id, first })
            }
            Broken::BreaksRules { seq, rejection } => {
                storage::integrity(Some(seq), Fault::BreaksRules { rejection })
            }
        }
    }

    /// As `recover` names the first record it cannot keep.
    fn recovery_problem(self) -> Fault {
        match self {
            Broken::Repeats { seq, first, .. } => Fault::RepeatsAt { seq, first },
            Broken::BreaksRules { seq, rejection } => Fault::BreaksRulesAt { seq, rejection },
        }
    }
}

/// Checks one stored record against the rules and applies it: the one loop body of every
/// replay of a stored log (open, verify, recover).
/// Each record is re-checked with the rules version that accepted it; one that earlier rules
/// accepted and today's would refuse stays (the log is forever) and is noted
/// (`State::legacy_refusals`), never silently kept.
fn replay(state: &mut State, record: Recorded) -> Result<(), Broken> {
    match state.check_with(&record.event, record.rules) {
        Ok(Verdict::New) => {
            if record.rules < crate::core::rule_data::recorded_version(&record.event.kind)
                && let Err(today) = state.check(&record.event)
            {
                state.note_legacy_refusal(record.seq, today);
            }
            state.apply(record);
            Ok(())
        }
        Ok(Verdict::AlreadyPresent(first)) => Err(Broken::Repeats {
            seq: record.seq,
            id: record.event.id,
            first,
        }),
        Err(rejection) => Err(Broken::BreaksRules {
            seq: record.seq,
            rejection,
        }),
    }
}

/// Replays stored records through the rules, as `Ledger::open` does: a log that breaks them
/// was altered.
fn rebuild(records: Vec<Recorded>) -> Result<State, StoreError> {
    let mut state = State::new();
    for record in records {
        replay(&mut state, record).map_err(Broken::into_store_error)?;
    }
    Ok(state)
}

/// Re-verifies the stored log of an open ledger (chain, HEAD record, rules) and checks it
/// against the hashes this process acknowledged (`acknowledged[i]` is the hash of sequence
/// `i + 1`). Returns the verified head: its sequence and hash.
///
/// Streams: each record is checked and applied to a state that lets go of it once applied
/// (reading one back from the store when a rule needs it, as a bounded import does), so
/// memory grows with the rules' compact facts, not with the records.
pub fn verify_log(
    reader: &LogReader,
    acknowledged: &[Hash],
) -> Result<(u64, Option<Hash>), StoreError> {
    let mut state = State::new();
    state.set_archive(Box::new(reader.clone()));
    let (head, hash) = reader.each_verified(|record, hash| {
        let seq = record.seq;
        let index = usize::try_from(seq - 1).unwrap_or(usize::MAX);
        if acknowledged.get(index).is_some_and(|a| a != hash) {
            return Err(storage::integrity(
                Some(seq),
                Fault::DiffersFromAcknowledged,
            ));
        }
        replay(&mut state, record).map_err(Broken::into_store_error)?;
        if seq % RELEASE_EVERY == 0 {
            state.release(seq);
        }
        Ok(())
    })?;
    if head < acknowledged.len() as u64 {
        return Err(storage::integrity(
            Some(head + 1),
            Fault::ShorterThanAcknowledged {
                end: head,
                acknowledged: acknowledged.len() as u64,
            },
        ));
    }
    Ok((head, hash))
}

/// Records read back per part of an index proof.
const PROVE_PART: u64 = 16_384;

/// Records a streaming verifier applies between two releases.
const RELEASE_EVERY: u64 = 8192;

impl Ledger {
    /// Proves the persisted index by recomputing it from the verified records (see
    /// `index_proof`). An index that would be served but differs is withdrawn (no cold read
    /// serves it; the next writer rebuilds it) and reported as an integrity failure.
    pub fn prove_index(&self) -> Result<index_proof::Proof, StoreError> {
        let head = self.head_seq();
        let hash = self.hash_of(head).unwrap_or(crate::storage::GENESIS);
        let mark = self.store.index_mark()?;
        let proof = match index_proof::Prover::new(self.dir(), mark, (head, hash)) {
            Err(not_served) => Ok(not_served),
            Ok(prover) => self.prove_with(prover),
        };
        if let Err(StoreError::Integrity { .. }) = &proof {
            crate::storage::index::withdraw(self.dir());
        }
        proof
    }

    /// Rebuilds the tables from the verified log (held whole, or read back in parts for a
    /// ledger that let go of its records) and has `prover` compare them with the disk.
    fn prove_with(
        &self,
        mut prover: index_proof::Prover,
    ) -> Result<index_proof::Proof, StoreError> {
        let interval = prover.interval();
        if self.state.holds_all() {
            let hashes = self.store.all_hashes()?;
            let changes = index_codec::Builder::rebuild(&self.state, &hashes, interval).1;
            prover.add(changes, u64::MAX);
            return prover.finish();
        }
        self.index_in_parts(interval, PROVE_PART, |changes, upto| {
            prover.add(changes, upto / index_codec::BLOCK);
            Ok(())
        })?;
        prover.finish()
    }

    /// Checks the journal (the second copy of the log) against the verified log; see
    /// `Store::verify_journal`.
    pub fn verify_journal(&self) -> Result<Option<usize>, StoreError> {
        self.store.verify_journal()
    }

    /// See `Store::check_expected_head`.
    pub fn check_expected_head(&self, seq: u64, hash: &Hash) -> Result<(), StoreError> {
        self.store.check_expected_head(seq, hash)
    }

    /// A verified copy of the whole log in `dest`; see `Store::backup`.
    pub fn backup(&self, dest: &Path) -> Result<(u64, Hash), StoreError> {
        self.store.backup(dest)
    }
}
