//! The append-only log on disk: sled holds the events, keyed by sequence; a hash chain and a
//! separately written HEAD record let us detect altered bytes and a lost tail.
//!
//! Layout of a store directory:
//! - `LOCK`: held (flock) by the one process that has the store open;
//! - `log/`: the sled database; tree `events`: key = sequence (u64 big-endian),
//!   value = SHA-256 chain hash (32 bytes) ‖ envelope (see `envelope`);
//! - `HEAD`: `socai-head 1`, the last acknowledged sequence and its hash; rewritten after every
//!   durable append (in place, fsynced in the next commit's round: see `head`). A log shorter
//!   than HEAD has lost acknowledged events; one longer holds a batch whose HEAD was not
//!   written yet, complete in both copies.
//!
//! Only this module touches sled, bincode and the store's files.
//!
//! Storage sits above `core` and may use its types (`Recorded`, `State`, the chain `Hash`,
//! `LineSpec`): the log stores core events and the index stores tables derived from core state.
//! Nothing in `core` knows storage (tests/layering.rs), and nothing here knows the ledger, the
//! use cases or the doors; what storage needs from a door (the index checkpoint interval)
//! comes in as a parameter.

mod commit;
mod copy;
mod entries;
pub mod envelope;
mod envelope_v3;
pub mod fault;
mod fsync;
mod hashes;
mod head;
pub mod index;
pub mod index_codec;
mod index_effects;
mod index_mark;
pub mod index_proof;
pub mod index_trail;
pub mod journal;
mod journal_log;
pub mod journal_range;
mod lock;
mod plain;
#[doc(hidden)]
pub mod raw;
pub mod readonly;
mod replica;
pub mod run_file;
mod salvage;
mod scan;
pub mod snapshot;
mod unit;
mod worker;

pub use commit::Committing;
pub use fault::{Fault, integrity};
pub use hashes::{ChainHashes, check_expected_head};
pub use head::parse_head_arg;
pub use replica::{UNIT_ALREADY_SET, UnitError};
pub use scan::LogReader;
pub use unit::UnitRecord;

use entries::Entries;
use fsync::SledFiles;
use hashes::Hashes;
use head::{HeadFile, head_hash_differs, parse_head};
use lock::{lock, lock_mode, open_sled};
use scan::scan;
use unit::{Binding, link_prev, read_unit};

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::core::rules::Recorded;

pub use crate::core::chain::Hash;
pub const GENESIS: Hash = [0u8; 32];
const EVENTS_TREE: &[u8] = b"events";
const HEAD_FILE: &str = "HEAD";
const HEAD_MAGIC: &str = "socai-head 1";

/// What went wrong with the store itself (not with the input).
#[derive(Clone, Debug)]
pub enum StoreError {
    /// The files cannot be read or written (permissions, disk full, missing store…).
    Io(String),
    /// Another process holds the store (at the path it names).
    Locked(String),
    /// The stored bytes are not what was acknowledged: `seq` names the first bad sequence,
    /// `fault` what is wrong with it (facts; `present` words them).
    Integrity { seq: Option<u64>, fault: Fault },
    /// There is no store at `dir` (`hint`: say how to create one).
    NoStore { dir: PathBuf, hint: bool },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Io(m) => write!(f, "store error: {m}"),
            StoreError::Locked(dir) => write!(
                f,
                "store is locked: {dir} is open in another socai process; only one process may use a store at a time"
            ),
            StoreError::Integrity {
                seq: Some(s),
                fault,
            } => {
                write!(f, "integrity failure at sequence {s}: {fault}")
            }
            StoreError::Integrity { seq: None, fault } => {
                write!(f, "integrity failure: {fault}")
            }
            StoreError::NoStore { dir, hint } => {
                write!(f, "store error: no store at {}", dir.display())?;
                match hint {
                    true => f.write_str(" (create one with `socai import` or `socai demo`)"),
                    false => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for StoreError {}

fn io(context: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("{context} {}: {e}", path.display()))
}

fn from_sled(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { .. } => integrity(
            None,
            Fault::SledCorruption {
                detail: e.to_string(),
            },
        ),
        other => StoreError::Io(format!("sled: {other}")),
    }
}

/// The chain hash of one event: SHA-256 over the previous hash, the sequence and the envelope.
pub fn chain_hash(prev: &Hash, seq: u64, envelope: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(envelope);
    let digest = hasher.finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&digest);
    out
}

/// Whether a command may create a missing store.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateIfMissing,
    MustExist,
}

/// What could be read from a damaged store: the verified prefix, why it stops there, and what
/// the HEAD record says was acknowledged (or why it cannot be read).
pub struct Salvage {
    pub records: Vec<Recorded>,
    /// The stored envelopes of `records`, byte for byte.
    pub envelopes: Vec<Vec<u8>>,
    /// Why the prefix stops, if the log goes on (or cannot be read at all).
    pub problem: Option<StoreError>,
    pub head: Result<Option<(u64, Hash)>, Fault>,
    /// The damaged store's unit, if it has one that reads.
    pub unit: Option<UnitRecord>,
    /// Why the sled log could not be read whole, if it could not.
    pub log_problem: Option<Fault>,
    /// Why the journal could not be read whole, if it could not.
    pub journal_problem: Option<Fault>,
    /// Ranges of sequences taken from the journal because the log's copy did not verify.
    pub repaired: Vec<(u64, u64)>,
    /// Both copies prove every kept record on their own and hold nothing beyond: HEAD cannot
    /// have acknowledged more (both are durable before HEAD names a batch).
    pub copies_agree: bool,
}

/// sled's database and the tree of events in it.
struct SledLog {
    db: sled::Db,
    events: sled::Tree,
}

impl SledLog {
    /// sled's copy, for what only a store opened through sled does (append, copy, clean).
    fn of<'a>(sled: &'a Option<SledLog>, dir: &Path) -> Result<&'a SledLog, StoreError> {
        sled.as_ref().ok_or_else(|| {
            StoreError::Io(format!(
                "{} was opened from its journal, to read: nothing can be written",
                dir.display()
            ))
        })
    }
}

/// An open store. Holds the lock for as long as it lives.
pub struct Store {
    dir: PathBuf,
    _lock: File,
    /// sled's database and its tree of events: `None` for a store read from its journal
    /// (`open_from_journal`), which takes no appends.
    sled: Option<SledLog>,
    /// Where entries are read back from: sled's tree, or the journal.
    events: Entries,
    /// The verified chain hashes, held or read back (see `hashes`).
    hashes: Hashes,
    /// Set when a write failed after sled may have taken it: no further appends from this process.
    poisoned: bool,
    /// The unit this store belongs to (`UNIT`), bound into the chain after `since`.
    unit: Option<UnitRecord>,
    /// The source a replica copies (`REPLICA`); a replica takes no events of its own.
    replica_of: Option<String>,
    /// The second copy of the log (`None` on read-only media: no appends there).
    journal: Option<journal::Journal>,
    /// What a commit fsyncs of sled's files.
    sled_files: SledFiles,
    /// HEAD, held open once written, for in-place updates (see `head`).
    head_file: Option<HeadFile>,
    /// The threads a commit writes on, started by the first commit (see `worker`).
    workers: Option<worker::CommitWorkers>,
    /// On read-only media, the scratch copy of the log that sled reads (it cannot open files
    /// it may not write); removed when the store is dropped.
    _scratch: Option<tempfile::TempDir>,
}

impl Store {
    /// Opens (or creates) the store, verifies the whole chain against HEAD, and returns every
    /// recorded event in sequence order.
    pub fn open(dir: &Path, mode: OpenMode) -> Result<(Store, Vec<Recorded>), StoreError> {
        let mut records = Vec::new();
        let store = Store::open_each(dir, mode, |r| {
            records.push(r);
            Ok(())
        })?;
        Ok((store, records))
    }

    /// The sequence HEAD records, if readable: a capacity hint before a full open.
    pub fn head_hint(dir: &Path) -> Option<u64> {
        let text = head::read_head(dir).ok()?;
        parse_head(&text).ok().map(|(seq, _)| seq)
    }

    /// As `open`, handing each verified record to `each` in sequence order instead of
    /// collecting them (a caller rebuilding its own state keeps one copy of the log, not two).
    /// An error from `each` stops the open.
    pub fn open_each(
        dir: &Path,
        mode: OpenMode,
        mut each: impl FnMut(Recorded) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        Store::open_each_hashed(dir, mode, None, |r, _, _| each(r))
    }

    /// As `open_each`, handing each record with its verified chain hash and a reader of the
    /// log (which a state that lets go of records reads them back from; see `core::held`).
    /// `cache` caps sled's page cache in bytes (sled's default, 1 GiB, when `None`): sled keeps
    /// every page it reads or writes up to that cap, so a process whose memory must not grow
    /// with the log (a bulk import) gives a small one.
    pub fn open_each_hashed(
        dir: &Path,
        mode: OpenMode,
        cache: Option<u64>,
        each: impl FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        Store::open_checked(dir, mode, (cache, true), each)
    }

    /// As `open_each_hashed`, for a caller that lets go of the records: the store keeps only
    /// the head's chain hash and reads the others back from the log when asked (`hashes`),
    /// so its memory does not grow with the log either; `hashes()` is then not available.
    pub fn open_each_released(
        dir: &Path,
        mode: OpenMode,
        cache: Option<u64>,
        each: impl FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        Store::open_checked(dir, mode, (cache, false), each)
    }

    /// `open_each_hashed` and `open_each_released`: `keep` says whether every hash is held.
    fn open_checked(
        dir: &Path,
        mode: OpenMode,
        (cache, keep): (Option<u64>, bool),
        each: impl FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        // Every file is reached by the real path, so that a link inside the store is refused
        // on the way to whatever is written (`plain::open_unlinked`).
        let real = plain::real_path(dir);
        let dir = real.as_path();
        let opened = Store::open_verified(dir, mode, (cache, keep), each);
        if let Err(StoreError::Integrity { fault, .. }) = &opened
            // Found before the lock was taken, and in the folder, not the log: every open
            // refuses the store until it is moved out, and another process may hold it.
            && !matches!(fault, Fault::NotAPlainFile { .. })
        {
            // The index speaks for the log as it was acknowledged. Once the log is found
            // damaged, the cold read path must stop answering too: it then takes the full open,
            // which refuses the store, until `recover` makes a clean one.
            index::withdraw(dir);
        }
        opened
    }

    fn open_verified(
        dir: &Path,
        mode: OpenMode,
        (cache, keep): (Option<u64>, bool),
        mut each: impl FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        let log_dir = dir.join("log");
        let exists = log_dir.is_dir();
        if !exists {
            // A HEAD without its log: the log was deleted or moved, not a new store.
            if let Ok(text) = head::read_text(&dir.join(HEAD_FILE))
                && let Ok((seq, hash)) = parse_head(&text)
                && seq > 0
            {
                return Err(integrity(
                    Some(1),
                    Fault::LogDirMissing {
                        log_dir,
                        acknowledged: seq,
                        head: hash,
                    },
                ));
            }
            if mode == OpenMode::MustExist {
                return Err(StoreError::NoStore {
                    dir: dir.to_path_buf(),
                    hint: true,
                });
            }
            fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        // A new store's folder has just been made: its real path only now exists (an existing
        // store's was taken by `open_checked`).
        let real = if exists {
            dir.to_path_buf()
        } else {
            plain::real_path(dir)
        };
        let dir = real.as_path();
        let log_dir = dir.join("log");
        let (lock, writable) = lock_mode(dir)?;
        let with_head = |e: StoreError| match e {
            StoreError::Integrity { seq, fault } => {
                let head = head::read_text(&dir.join(HEAD_FILE))
                    .ok()
                    .and_then(|t| parse_head(&t).ok());
                let fault = match head {
                    Some((n, _)) => Fault::Acknowledged {
                        fault: Box::new(fault),
                        head: n,
                    },
                    None => fault,
                };
                StoreError::Integrity { seq, fault }
            }
            other => other,
        };
        // No background flusher: every acknowledged batch is flushed and fsynced by `append`,
        // and a flusher thread makes every exit wait for its next tick (up to 500 ms).
        let scratch = readonly::prepare_log(&log_dir, writable)?;
        let sled_dir = scratch
            .as_ref()
            .map_or(log_dir.clone(), |s| s.path().join("log"));
        let mut config = sled::Config::new().path(&sled_dir).flush_every_ms(None);
        if let Some(bytes) = cache {
            config = config.cache_capacity(bytes);
        }
        let db = open_sled(config).map_err(with_head)?;
        let events = db
            .open_tree(EVENTS_TREE)
            .map_err(|e| with_head(from_sled(e)))?;
        let unit = read_unit(dir).map_err(with_head)?;
        let binding = unit.as_ref().map(binding_of);
        let entries = Entries::Sled(events.clone());
        let reader = LogReader {
            dir: dir.to_path_buf(),
            events: entries.clone(),
            binding,
        };
        let chained =
            scan(&entries, binding, keep, |r, h| each(r, h, &reader)).map_err(with_head)?;
        let hashes = if keep {
            Hashes::All(chained.hashes)
        } else {
            Hashes::Stored {
                count: chained.count,
                head: chained.last,
                proven: chained.hashes,
                events: entries.clone(),
            }
        };
        let replica_of = replica::read_marker(dir)?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            _lock: lock,
            sled: Some(SledLog { db, events }),
            events: entries,
            hashes,
            poisoned: false,
            unit,
            replica_of,
            journal: None,
            sled_files: SledFiles::new(log_dir.clone()),
            head_file: None,
            workers: None,
            _scratch: scratch,
        };
        let acknowledged = store.reconcile_head(exists)?;
        store.open_journal(acknowledged, writable)?;
        if acknowledged.is_none_or(|seq| seq != store.head_seq()) {
            if writable {
                store.write_head()?;
            } else {
                tracing::warn!("read-only store: HEAD is not brought forward");
            }
        }
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// For a process that is about to exit: flushes sled until it has nothing left to write,
    /// exactly as dropping it would, but leaves its in-memory tree (and the locks) to the
    /// process's exit instead of freeing it node by node, which takes ~0.3 s after a full
    /// read of a million events. Never call it from a process that goes on using the store
    /// directory: the locks stay held until the exit. Falls back to a plain drop if a flush
    /// fails (which logs it and retries, as before).
    pub fn leave_to_exit(self) {
        let Some(sled) = &self.sled else {
            return;
        };
        let flushed = loop {
            match sled.db.flush() {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!("flush before exit failed: {e}");
                    break false;
                }
            }
        };
        if flushed {
            std::mem::forget(self);
        }
    }

    pub fn head_seq(&self) -> u64 {
        self.hashes.count()
    }

    /// Whether the log is read from the journal (`open_from_journal`): sled was not
    /// opened, and nothing can be appended.
    pub fn reads_journal(&self) -> bool {
        self.sled.is_none()
    }

    /// Whether every chain hash is held in memory (`hashes()` may lend them).
    pub fn holds_hashes(&self) -> bool {
        self.hashes.all().is_some()
    }

    /// The chain hash of `seq`, or `None` for 0 and unknown sequences.
    /// `hashes()[i]` is the chain hash of sequence `i + 1`.
    /// Not for a store opened by `open_each_released`, which does not hold them (see
    /// `hashes_in`).
    pub fn hashes(&self) -> &[Hash] {
        self.hashes
            .all()
            .expect("invariant: only a store that holds its chain hashes lends them")
    }

    /// Every chain hash: lent when held, read back from the log otherwise.
    pub fn all_hashes(&self) -> Result<std::borrow::Cow<'_, [Hash]>, StoreError> {
        match self.hashes.all() {
            Some(all) => Ok(std::borrow::Cow::Borrowed(all)),
            None => self
                .hashes_in(0, self.head_seq())
                .map(std::borrow::Cow::Owned),
        }
    }

    /// Hands the chain hashes over to a caller that keeps them for its readers (a server's
    /// log view), so that the process holds them once: the store keeps their count, the
    /// head's and every `PROVEN_EVERY`-th, and reads the others back from the log, as a store
    /// opened by `open_each_released` does. `None` when it did not hold them.
    pub fn release_hashes(&mut self) -> Option<Vec<Hash>> {
        let Hashes::All(all) = &mut self.hashes else {
            return None;
        };
        let all = std::mem::take(all);
        let every = usize::try_from(scan::PROVEN_EVERY).unwrap_or(usize::MAX);
        self.hashes = Hashes::Stored {
            count: all.len() as u64,
            head: all.last().copied().unwrap_or(GENESIS),
            proven: all.iter().skip(every - 1).step_by(every).copied().collect(),
            events: self.events.clone(),
        };
        Some(all)
    }

    /// The chain hashes of sequences `after + 1 ..= upto`, held or read back from the log.
    pub fn hashes_in(&self, after: u64, upto: u64) -> Result<Vec<Hash>, StoreError> {
        let hashes = self.hashes.range(after, upto)?;
        if hashes.len() as u64 != upto.saturating_sub(after) {
            return Err(integrity(Some(after + 1), Fault::LostWhileReading));
        }
        Ok(hashes)
    }

    /// The hash of `seq` as the open proved it, when the store holds it (see
    /// `LogReader::each_verified_part`); `GENESIS` for 0.
    pub fn proven_hash(&self, seq: u64) -> Option<Hash> {
        self.hashes.proven(seq)
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        self.hashes.at(usize::try_from(seq.checked_sub(1)?).ok()?)
    }

    /// Compares the log with HEAD. A log shorter than HEAD, or disagreeing with it, lost or
    /// altered acknowledged events. A log longer than HEAD holds a batch made durable by sled
    /// whose HEAD write was interrupted: it is complete (sled batches are atomic) and chained,
    /// so HEAD is brought forward.
    /// Returns what HEAD acknowledged (`None`: no HEAD yet); the caller writes HEAD when it
    /// differs from the log's end, once the journal holds the log too.
    fn reconcile_head(&mut self, existed: bool) -> Result<Option<u64>, StoreError> {
        let path = self.dir.join(HEAD_FILE);
        let head = match head::read_text(&path) {
            Ok(text) => Some(parse_head(&text)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("cannot read", &path, e)),
        };
        let last = self.head_seq();
        match head {
            None if last == 0 => {
                if existed {
                    tracing::warn!("store had no HEAD record and an empty log; writing one");
                }
                Ok(None)
            }
            None => Err(integrity(
                None,
                Fault::HeadMissingBesideLog { events: last },
            )),
            Some((seq, hash)) => {
                if seq > last {
                    return Err(integrity(
                        Some(last + 1),
                        Fault::TruncatedTail {
                            head_seq: seq,
                            head_hash: Some(hash),
                            log_end: last,
                        },
                    ));
                }
                let at = self.hash_of(seq).unwrap_or(GENESIS);
                if at != hash {
                    return Err(head_hash_differs(seq, &hash, &at));
                }
                if seq < last {
                    tracing::warn!(
                        head = seq,
                        log = last,
                        "log holds a complete, chained batch beyond HEAD (its acknowledgement was interrupted); moving HEAD forward"
                    );
                }
                Ok(Some(seq))
            }
        }
    }

    /// Encodes and chains `records` (sequences `head_seq()+1…`) without writing anything: the
    /// chain hashes are known before the batch is durable. `commit` then appends them as one
    /// atomic batch, returning only once the batch and the new HEAD are on stable storage.
    pub fn prepare(&self, records: &[Recorded]) -> Result<Prepared, StoreError> {
        let mut envelopes = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let seq = self.head_seq() + 1 + i as u64;
            assert_eq!(record.seq, seq, "records are appended in sequence");
            envelopes.push(envelope::encode(record).map_err(StoreError::Io)?);
        }
        Ok(self.prepare_envelopes(envelopes))
    }

    fn prepare_envelopes(&self, envelopes: Vec<Vec<u8>>) -> Prepared {
        let mut batch = sled::Batch::default();
        let mut prev = self.hash_of(self.head_seq()).unwrap_or(GENESIS);
        let mut hashes = Vec::with_capacity(envelopes.len());
        let binding = self.unit.as_ref().map(binding_of);
        for (i, envelope) in envelopes.iter().enumerate() {
            let seq = self.head_seq() + 1 + i as u64;
            let hash = chain_hash(&link_prev(binding, seq, prev), seq, envelope);
            let mut value = Vec::with_capacity(32 + envelope.len());
            value.extend_from_slice(&hash);
            value.extend_from_slice(envelope);
            batch.insert(&seq.to_be_bytes(), value);
            hashes.push(hash);
            prev = hash;
        }
        Prepared {
            // Framed for the journal by its own thread, during the commit.
            journal: envelopes,
            batch,
            hashes,
            after: self.head_seq(),
        }
    }

    /// Appends already-encoded envelopes verbatim (sequences `head_seq()+1…`), as one atomic,
    /// durable batch. Copies (backup, recover) use this so that old format versions are kept
    /// byte for byte, never rewritten, and the chain hashes stay those of the original.
    fn append_envelopes(&mut self, envelopes: &[Vec<u8>]) -> Result<Hash, StoreError> {
        let prepared = self.prepare_envelopes(envelopes.to_vec());
        self.commit(prepared)
    }

    /// A read-only handle on the log, for re-verifying it while this store goes on appending.
    pub fn reader(&self) -> LogReader {
        LogReader {
            dir: self.dir.clone(),
            events: self.events.clone(),
            binding: self.unit.as_ref().map(binding_of),
        }
    }

    /// Checks that this log extends a head known from outside the store (printed by `import`,
    /// `verify` and `backup`). A store cannot tell on its own that it was replaced by an older,
    /// internally consistent copy of itself; a head remembered elsewhere can.
    pub fn check_expected_head(&self, seq: u64, hash: &Hash) -> Result<(), StoreError> {
        check_expected_head(&self.hashes, seq, hash)
    }
}

pub(in crate::storage) fn binding_of(record: &UnitRecord) -> Binding {
    Binding {
        since: record.since,
        digest: record.digest(),
    }
}

/// A batch encoded and chained on a given head, not yet written (`Store::prepare`).
pub struct Prepared {
    batch: sled::Batch,
    /// The batch's envelopes, for the journal (see `journal`).
    journal: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
    after: u64,
}

impl Prepared {
    /// The chain hashes the batch's events will have, in order.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }
}
