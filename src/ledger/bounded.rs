//! A ledger whose memory does not grow with the log's records (`Hold::Pending`), for a bulk
//! import: the state lets go of every record once it is durable and reads one back from the
//! store when a rule needs it (`core::held`); the persisted index's writer state is fed while
//! the log is verified at open, and rebuilt from the store in parts when it must be; the
//! likely-duplicate warning reads back only the records that share a voucher
//! (`core::duplicates::Vouchers`). Every check, refusal and no-op is the one a whole-log ledger
//! makes: only where the records live changes.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::durable::Marking;
use super::{AppendError, Appended, Broken, IndexWriter, Ledger, Options, replay};
use crate::core::duplicates::Vouchers;
use crate::core::rules::{Recorded, State};
use crate::storage::index_codec::{self, Builder};
use crate::storage::{Hash, LogReader, OpenMode, Store, StoreError};

/// What an open hands each verified record to, with its chain hash and a reader of the log.
pub(super) type Each<'a> = dyn FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError> + 'a;

/// Records verified at open between two releases (and fed to the index builder at once).
const RELEASE_EVERY: usize = 8192;
/// Records read back from the store per part of a rebuilt index.
const REBUILD_PART: u64 = 16_384;

/// sled's page cache, in bytes, for a process that appends and whose memory must not grow
/// with the log: a bulk import, a server. sled keeps every page it reads or writes up to its
/// cap (1 GiB by default), and the open reads the whole tree to verify the log: about 250 MB
/// of pages at 1M events that nothing reads again (the records are decoded by then).
pub const SMALL_SLED_CACHE: u64 = 32 << 20;
/// sled's page cache for a command that only reads: it reads the tree in order, once at open
/// and once more for `export` and `verify`, so cached pages are never read again. 2 MB
/// rather than 32: `export` at 1M events 222 -> 187 MB, `verify` 308 -> 263 MB, no slower.
pub const READ_SLED_CACHE: u64 = 2 << 20;
/// Ids a command that only reads holds in memory before setting them aside (16 MB of table):
/// a log of up to a million events never sets any aside; at 10M the id map holds 16 MB and
/// about 12 MB of filters rather than 134 MB (BENCHMARKS.md, issue 17).
pub const IDS_IN_MEMORY: usize = 1 << 20;

/// What a bounded ledger keeps beside the rules' state (a whole-log ledger, nothing).
#[derive(Default)]
pub(super) struct Kept {
    /// A `Hold::Pending` ledger's vouchers (likely duplicates without the records).
    pub(super) vouchers: Option<Vouchers>,
    /// A `Hold::Reading` ledger's records that shape the lines or state a fact, kept as the
    /// open verified them: what a fold over the log reads first (`app::source::structure`),
    /// without a pass of its own. Such a ledger never appends, so they stay whole.
    pub(super) structure: Vec<Recorded>,
}

/// What a ledger keeps in memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hold {
    /// Every record: the ledger answers queries (`chain()`).
    #[default]
    WholeLog,
    /// Only records not yet durable: the ledger checks and appends (a bulk import); `chain()`
    /// and `records()` are not available.
    Pending,
    /// As `Pending`, for a command that only reads the log back (`verify`, `export`): the
    /// chain and every record are checked at open as for any hold, but what only an append
    /// needs is not kept (the index writer's state, the vouchers of likely duplicates), since
    /// it grows with the log. Such a ledger never appends.
    Reading,
}

impl Hold {
    /// Whether the ledger lets go of its durable records.
    pub fn releases(self) -> bool {
        self != Hold::WholeLog
    }
}

impl Ledger {
    /// `Ledger::open_with` for `Hold::Pending` and `Hold::Reading`. A ledger that only
    /// reads, when its options allow (`Options::from_journal`), first reads the log from the
    /// journal without opening sled (`Store::open_from_journal`); whatever that cannot
    /// read is left to the open through sled, which decides and words any failure.
    pub(super) fn open_bounded(
        dir: &Path,
        mode: OpenMode,
        options: Options,
    ) -> Result<Ledger, StoreError> {
        // A bulk import (`Hold::Pending`) appends: it opens sled whatever its options say.
        if options.from_journal && options.hold == Hold::Reading {
            let via_journal = |each: &mut Each<'_>| Store::open_from_journal(dir, false, each);
            if let Some(ledger) = Ledger::open_released(dir, options, via_journal)? {
                return Ok(ledger);
            }
        }
        let cache = options.sled_cache.or(Some(SMALL_SLED_CACHE));
        let via_sled =
            |each: &mut Each<'_>| Store::open_each_released(dir, mode, cache, each).map(Some);
        Ledger::open_released(dir, options, via_sled)?.ok_or_else(|| {
            StoreError::Io(format!("{}: the log could not be opened", dir.display()))
        })
    }

    /// A ledger that only reads (`Hold::Reading`) of a store another process holds (`socai
    /// serve`), from its journal and without the lock (`Store::open_held_from_journal`): the
    /// log `Snapshot` reads, without holding its records. `None` when the journal cannot be
    /// read so (the snapshot then says why).
    pub fn open_held(dir: &Path) -> Option<Ledger> {
        let options = Options {
            hold: Hold::Reading,
            from_journal: true,
            ids_in_memory: Some(IDS_IN_MEMORY),
            ..Options::default()
        };
        let via_journal = |each: &mut Each<'_>| Ok(Store::open_held_from_journal(dir, each));
        Ledger::open_released(dir, options, via_journal)
            .ok()
            .flatten()
    }

    /// A ledger that lets go of its records, from the store `open` opens (`None`: it could
    /// not, and nothing was kept).
    fn open_released(
        dir: &Path,
        options: Options,
        open: impl FnOnce(&mut Each<'_>) -> Result<Option<Store>, StoreError>,
    ) -> Result<Option<Ledger>, StoreError> {
        let appends = options.hold == Hold::Pending;
        let reading = options.hold == Hold::Reading;
        let mut state = State::new();
        let mut kept = Kept {
            vouchers: appends.then(Vouchers::default),
            structure: Vec::new(),
        };
        if let (true, Some(limit)) = (reading || appends, options.ids_in_memory) {
            set_aside(&mut state, kept.vouchers.as_mut(), limit);
        }
        // The id map sized once from HEAD: grown by doubling, it held its old and new tables
        // at once at its last step (75 MB rather than 50 at 1M events; 600 rather than 400
        // at 10M).
        if let Some(n) = Store::head_hint(dir) {
            state.reserve_ids(usize::try_from(n).unwrap_or(0).min(1 << 26));
        }
        let mut fed = appends.then(|| Builder::new(options.index_interval));
        let mut hashes: Vec<Hash> = Vec::with_capacity(RELEASE_EVERY);
        let opened = open(&mut |record, hash, reader| {
            if !state.has_archive() {
                state.set_archive(Box::new(reader.clone()));
            }
            if let Some(v) = kept.vouchers.as_mut() {
                v.note(&record);
            }
            if reading && crate::core::fold::shapes(&record) {
                kept.structure.push(record.clone());
            }
            let replayed = replay(&mut state, record);
            // A rule answered from ids that could not be read back: its verdict proves nothing.
            if let Some(failure) = state.ids_failure() {
                return Err(ids_unreadable(failure));
            }
            replayed.map_err(Broken::into_store_error)?;
            hashes.push(*hash);
            if hashes.len() == RELEASE_EVERY {
                feed(
                    fed.as_mut(),
                    kept.vouchers.as_mut(),
                    &mut state,
                    &mut hashes,
                );
            }
            Ok(())
        })?;
        let Some(store) = opened else {
            return Ok(None);
        };
        feed(
            fed.as_mut(),
            kept.vouchers.as_mut(),
            &mut state,
            &mut hashes,
        );
        // Whatever archive the open lent (or none: an empty log), the store's own from now.
        state.set_archive(Box::new(store.reader()));
        assert_eq!(state.head_seq(), store.head_seq());
        Ok(Some(Ledger {
            store,
            state,
            index: None,
            fed,
            kept,
            options,
        }))
    }

    /// The records that shape the lines or state a fact, up to the head, when the open kept
    /// them (`Hold::Reading`); `None` otherwise.
    pub fn structure(&self) -> Option<&[Recorded]> {
        (self.options.hold == Hold::Reading).then_some(self.kept.structure.as_slice())
    }

    /// Whether the index writer's state can be had without a rebuild: fed soundly at open up
    /// to the head, or built from the records in memory.
    pub(super) fn can_resume_index(&self) -> bool {
        let head = self.head_seq();
        let fed = self.fed.as_ref();
        fed.is_some_and(|b| b.head() == head && b.sound()) || self.state.holds_all()
    }

    /// The index writer's state when the stored mark is current: the one fed at open, or
    /// (whole log in memory) built from the records.
    pub(super) fn current_builder(&mut self, interval: u64) -> Result<Builder, StoreError> {
        let head = self.head_seq();
        match self.fed.take() {
            Some(b) if b.head() == head && b.sound() => Ok(b.with_interval(interval)),
            _ => {
                assert!(
                    self.state.holds_all(),
                    "a ledger that released records feeds its index at open"
                );
                let mut b = Builder::new(interval);
                let hashes = self.store.all_hashes()?;
                b.extend(&self.state, self.state.records(), &hashes, false);
                Ok(b)
            }
        }
    }

    /// Builds the index tables from the log read back from the store in parts of `part`
    /// records, handing each part's files (and the sequence it reached) to `sink`, then each
    /// line's head table, one at a time: what a rebuild writes and what `verify`'s proof
    /// compares with the disk.
    pub(super) fn index_in_parts(
        &self,
        interval: u64,
        part: u64,
        mut sink: impl FnMut(index_codec::Changes, u64) -> Result<(), StoreError>,
    ) -> Result<Builder, StoreError> {
        let (head, reader) = (self.head_seq(), self.store.reader());
        let mut builder = Builder::new(interval).deferring_heads(true);
        let mut after = 0u64;
        while after < head {
            let upto = (after + part).min(head);
            let records = reader.records(after, upto)?;
            let hashes = self.store.hashes_in(after, upto)?;
            let changes = builder.extend(&self.state, &records, &hashes, true);
            if !builder.sound() {
                return Err(StoreError::Io(
                    "a reversal's target could not be read back for the index".to_string(),
                ));
            }
            sink(changes, upto)?;
            after = upto;
        }
        // Each line's head table once, at the end, one at a time.
        for table in builder.head_tables() {
            let changes = index_codec::Changes {
                head: vec![table],
                ..index_codec::Changes::default()
            };
            sink(changes, head)?;
        }
        // A rebuild's builder goes on to extend the index with every append.
        Ok(builder.deferring_heads(false))
    }

    /// Rebuilds every index table from the log read back from the store in parts, for a
    /// ledger that let go of its records: the old index is removed first, and the mark that
    /// lets a reader trust the new one is written last.
    pub(super) fn rebuild_in_parts(&mut self, interval: u64) -> Result<IndexWriter, StoreError> {
        let head = self.head_seq();
        tracing::info!(
            head,
            interval,
            "rebuilding the index from the log, in parts"
        );
        self.store.clear_index()?;
        let mut manifest = index_codec::Manifest::default();
        let builder = self.index_in_parts(interval, REBUILD_PART, |changes, _| {
            manifest = crate::storage::index::write_files(
                self.dir(),
                changes,
                std::mem::take(&mut manifest),
            )?;
            Ok(())
        })?;
        let mark = index_codec::Mark {
            manifest,
            ..self.mark(interval)
        };
        crate::storage::index::write_mark(self.dir(), &mark)?;
        Ok(IndexWriter {
            builder,
            manifest: mark.manifest,
        })
    }

    /// After a durable append: a bounded ledger lets go of what is now in the store.
    pub(super) fn release_durable(&mut self) {
        if self.options.hold.releases() {
            let durable = self.store.head_seq();
            self.state.release(durable);
            self.state.settle_ids(durable);
            if let Some(v) = self.kept.vouchers.as_mut() {
                v.settle(durable);
            }
        }
    }

    /// As `append`, for a bulk import: the batch is checked whole, all or nothing (a refusal
    /// leaves nothing written), then made durable in parts of at most `part` events, each
    /// one commit (sled batch, journal frame, HEAD) and let go of once durable
    /// (`Hold::Pending`). Why parts: sled keeps the tree nodes a batch replaces until the
    /// batch ends, several KB per event (issue 17), so one commit of 200,000 events costs
    /// over 1 GB whatever else is bounded.
    ///
    /// What this gives up: a batch larger than `part` is not atomic under a crash or a failed
    /// write. The parts made durable before it stay (whole, chained, each acknowledged by
    /// HEAD, never in part), the rest is absent, and the caller was not told the batch was
    /// appended; sending it again completes it (recorded events are no-ops). Nothing
    /// acknowledged is ever lost or altered.
    ///
    /// With the batch, the likely duplicates among its records, as `repeats` would find them
    /// once it is durable: found while the batch is still held (every reversal in it already
    /// staged), since afterwards each of its records would be read back from the store to
    /// learn its voucher (8 % of a bulk import's time).
    pub fn append_in_parts(
        &mut self,
        events: impl Into<super::blocks::Blocks>,
        now: DateTime<Utc>,
        part: usize,
    ) -> Result<(Appended, Vec<(Recorded, Recorded)>), AppendError> {
        if self.store.replica_of().is_some() {
            return Err(self.replica_refusal());
        }
        let recorded_at = self.begin_group(now);
        let mut done = self.stage(events.into(), recorded_at)?;
        // Kept only if every part is made durable below.
        let repeats = match self.repeats(&done.seqs) {
            Ok(repeats) => repeats,
            Err(refusal) => {
                self.roll_back(self.store.head_seq());
                return Err(AppendError::Store(refusal));
            }
        };
        let end = self.state.head_seq();
        let part = u64::try_from(part.max(1)).unwrap_or(u64::MAX);
        let mut durable = self.store.head_seq();
        while durable < end {
            let upto = durable.saturating_add(part).min(end);
            let marking = if upto == end {
                Marking::Mark
            } else {
                Marking::Defer
            };
            if let Err(e) = self.make_durable(durable, upto, marking) {
                self.roll_back(durable);
                return Err(AppendError::Store(e));
            }
            durable = upto;
            self.release_durable();
            crate::storage::raw::fault("import:part-durable");
        }
        assert_eq!(self.state.head_seq(), self.store.head_seq());
        done.head_hash = self.hash_of(done.head_seq);
        Ok((done, repeats))
    }

    /// Likely duplicates among just-appended `seqs` (see `core::duplicates::repeats`): each
    /// record with the first counted one whose voucher it repeats. Reads back only the
    /// records that share a voucher when the ledger let go of the others (`Err`: vouchers
    /// set aside could not be read back).
    pub fn repeats(&self, seqs: &[u64]) -> Result<Vec<(Recorded, Recorded)>, StoreError> {
        match &self.kept.vouchers {
            Some(v) => v
                .repeats(
                    seqs,
                    |s| self.state.record(s),
                    |s| self.state.reversed_by(s).is_some(),
                )
                .map_err(|e| ids_unreadable(&e)),
            None => Ok(crate::core::duplicates::repeats(self.records(), seqs)
                .into_iter()
                .map(|d| (d.record.clone(), d.first.clone()))
                .collect()),
        }
    }
}

/// Feeds the records verified so far to the index builder (if the ledger keeps one), then
/// lets go of them: they are durable, so their ids and vouchers may be set aside.
fn feed(
    fed: Option<&mut Builder>,
    vouchers: Option<&mut Vouchers>,
    state: &mut State,
    hashes: &mut Vec<Hash>,
) {
    if hashes.is_empty() {
        return;
    }
    if let Some(fed) = fed {
        fed.extend(state, state.records(), hashes, false);
    }
    hashes.clear();
    state.release(state.head_seq());
    state.settle_ids(state.head_seq());
    if let Some(v) = vouchers {
        v.settle(state.head_seq());
    }
}

/// Sets the rules' ids aside past `limit` in a temporary file: at once for a ledger that only
/// reads, once durable for one that appends (which keeps `vouchers`, set aside likewise).
/// Without a temporary file (no temporary folder, no room), they stay in memory: memory, not
/// an answer, is lost.
fn set_aside(state: &mut State, vouchers: Option<&mut Vouchers>, limit: usize) {
    use crate::storage::run_file::scratch;
    let limit = limit.max(1);
    let Some(vouchers) = vouchers else {
        if let Some(f) = scratch("ids") {
            state.set_ids_aside(f, limit);
        }
        return;
    };
    if let Some(f) = scratch("ids") {
        state.set_ids_aside_when_settled(f, limit);
    }
    if let Some(f) = scratch("vouchers") {
        vouchers.set_aside_when_settled(f, limit);
    }
}

/// The refusal of a ledger whose ids or vouchers set aside could not be read back.
pub(super) fn ids_unreadable(failure: &str) -> StoreError {
    StoreError::Io(format!(
        "the event ids or vouchers set aside in a temporary file cannot be read back: {failure}"
    ))
}
