//! The append-only log on disk: sled holds the events, keyed by sequence; a hash chain and a
//! separately written HEAD record let us detect altered bytes and a lost tail.
//!
//! Layout of a store directory:
//! - `LOCK`: held (flock) by the one process that has the store open;
//! - `log/`: the sled database; tree `events`: key = sequence (u64 big-endian),
//!   value = SHA-256 chain hash (32 bytes) ‖ envelope (see `envelope`);
//! - `HEAD`: `socai-head 1`, the last acknowledged sequence and its hash; rewritten (atomically,
//!   fsynced) after every durable append. A log shorter than HEAD has lost acknowledged events.
//!
//! Only this module touches sled, bincode and the store's files.

pub mod envelope;
pub mod index;
pub mod index_codec;
mod index_effects;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::core::rules::Recorded;

pub type Hash = [u8; 32];
pub const GENESIS: Hash = [0u8; 32];
const EVENTS_TREE: &[u8] = b"events";
const HEAD_FILE: &str = "HEAD";
const HEAD_MAGIC: &str = "socai-head 1";
/// Events per atomic batch when copying a log (bounds the memory of one write).
const COPY_CHUNK: usize = 10_000;

/// What went wrong with the store itself (not with the input).
#[derive(Clone, Debug)]
pub enum StoreError {
    /// The files cannot be read or written (permissions, disk full, missing store…).
    Io(String),
    /// Another process holds the store.
    Locked(String),
    /// The stored bytes are not what was acknowledged: `seq` names the first bad sequence.
    Integrity { seq: Option<u64>, message: String },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Io(m) => write!(f, "store error: {m}"),
            StoreError::Locked(m) => write!(f, "store is locked: {m}"),
            StoreError::Integrity {
                seq: Some(s),
                message,
            } => {
                write!(f, "integrity failure at sequence {s}: {message}")
            }
            StoreError::Integrity { seq: None, message } => {
                write!(f, "integrity failure: {message}")
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
        sled::Error::Corruption { .. } => StoreError::Integrity {
            seq: None,
            message: format!("sled reports corruption: {e}"),
        },
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
    pub head: Result<Option<(u64, Hash)>, String>,
}

/// An open store. Holds the lock for as long as it lives.
pub struct Store {
    dir: PathBuf,
    _lock: File,
    db: sled::Db,
    events: sled::Tree,
    /// `hashes[i]` is the chain hash of sequence `i + 1`.
    hashes: Vec<Hash>,
    /// Set when a write failed after sled may have taken it: no further appends from this process.
    poisoned: bool,
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
        let text = fs::read_to_string(dir.join(HEAD_FILE)).ok()?;
        parse_head(&text).ok().map(|(seq, _)| seq)
    }

    /// As `open`, handing each verified record to `each` in sequence order instead of
    /// collecting them (a caller rebuilding its own state keeps one copy of the log, not two).
    /// An error from `each` stops the open.
    pub fn open_each(
        dir: &Path,
        mode: OpenMode,
        each: impl FnMut(Recorded) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        let opened = Store::open_verified(dir, mode, each);
        if let Err(StoreError::Integrity { .. }) = &opened {
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
        each: impl FnMut(Recorded) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        let log_dir = dir.join("log");
        let exists = log_dir.is_dir();
        if !exists {
            // A HEAD without its log: the log was deleted or moved, not a new store.
            if let Ok(text) = fs::read_to_string(dir.join(HEAD_FILE))
                && let Ok((seq, hash)) = parse_head(&text)
                && seq > 0
            {
                return Err(StoreError::Integrity {
                    seq: Some(1),
                    message: format!(
                        "the log directory {} is missing but HEAD records {seq} acknowledged events (head hash {})",
                        log_dir.display(),
                        hex::encode(hash)
                    ),
                });
            }
            if mode == OpenMode::MustExist {
                return Err(StoreError::Io(format!(
                    "no store at {} (create one with `socai import` or `socai demo`)",
                    dir.display()
                )));
            }
            fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        let lock = lock(dir)?;
        let with_head = |e: StoreError| match e {
            StoreError::Integrity { seq, message } => {
                let head = fs::read_to_string(dir.join(HEAD_FILE))
                    .ok()
                    .and_then(|t| parse_head(&t).ok());
                let message = match head {
                    Some((n, _)) => format!(
                        "{message}; HEAD records {n} acknowledged events (`socai recover` rebuilds what verifies)"
                    ),
                    None => message,
                };
                StoreError::Integrity { seq, message }
            }
            other => other,
        };
        // No background flusher: every acknowledged batch is flushed and fsynced by `append`,
        // and a flusher thread makes every exit wait for its next tick (up to 500 ms).
        let db = open_sled(sled::Config::new().path(&log_dir).flush_every_ms(None))
            .map_err(with_head)?;
        let events = db
            .open_tree(EVENTS_TREE)
            .map_err(|e| with_head(from_sled(e)))?;
        let hashes = scan(&events, each).map_err(with_head)?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            _lock: lock,
            db,
            events,
            hashes,
            poisoned: false,
        };
        store.reconcile_head(exists)?;
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
        let flushed = loop {
            match self.db.flush() {
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
        self.hashes.len() as u64
    }

    /// The chain hash of `seq`, or `None` for 0 and unknown sequences.
    /// `hashes()[i]` is the chain hash of sequence `i + 1`.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.hashes.get(index).copied()
    }

    /// Compares the log with HEAD. A log shorter than HEAD, or disagreeing with it, lost or
    /// altered acknowledged events. A log longer than HEAD holds a batch made durable by sled
    /// whose HEAD write was interrupted: it is complete (sled batches are atomic) and chained,
    /// so HEAD is brought forward.
    fn reconcile_head(&mut self, existed: bool) -> Result<(), StoreError> {
        let path = self.dir.join(HEAD_FILE);
        let head = match fs::read_to_string(&path) {
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
                self.write_head()
            }
            None => Err(StoreError::Integrity {
                seq: None,
                message: format!(
                    "the HEAD record is missing but the log holds {last} events; refusing to guess what was acknowledged"
                ),
            }),
            Some((seq, hash)) => {
                if seq > last {
                    return Err(StoreError::Integrity {
                        seq: Some(last + 1),
                        message: format!(
                            "truncated tail: HEAD records sequence {seq} ({}) but the log ends at {last}",
                            hex::encode(hash)
                        ),
                    });
                }
                let at = self.hash_of(seq).unwrap_or(GENESIS);
                if at != hash {
                    return Err(StoreError::Integrity {
                        seq: Some(seq),
                        message: format!(
                            "HEAD records hash {} for sequence {seq} but the log has {}",
                            hex::encode(hash),
                            hex::encode(at)
                        ),
                    });
                }
                if seq < last {
                    tracing::warn!(
                        head = seq,
                        log = last,
                        "log holds a complete, chained batch beyond HEAD (its acknowledgement was interrupted); moving HEAD forward"
                    );
                    self.write_head()?;
                }
                Ok(())
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
        Ok(self.prepare_envelopes(&envelopes))
    }

    fn prepare_envelopes(&self, envelopes: &[Vec<u8>]) -> Prepared {
        let mut batch = sled::Batch::default();
        let mut prev = self.hash_of(self.head_seq()).unwrap_or(GENESIS);
        let mut hashes = Vec::with_capacity(envelopes.len());
        for (i, envelope) in envelopes.iter().enumerate() {
            let seq = self.head_seq() + 1 + i as u64;
            let hash = chain_hash(&prev, seq, envelope);
            let mut value = Vec::with_capacity(32 + envelope.len());
            value.extend_from_slice(&hash);
            value.extend_from_slice(envelope);
            batch.insert(&seq.to_be_bytes(), value);
            hashes.push(hash);
            prev = hash;
        }
        Prepared {
            batch,
            hashes,
            after: self.head_seq(),
        }
    }

    /// Appends already-encoded envelopes verbatim (sequences `head_seq()+1…`), as one atomic,
    /// durable batch. Copies (backup, recover) use this so that old format versions are kept
    /// byte for byte, never rewritten, and the chain hashes stay those of the original.
    fn append_envelopes(&mut self, envelopes: &[Vec<u8>]) -> Result<Hash, StoreError> {
        let prepared = self.prepare_envelopes(envelopes);
        self.commit(prepared)
    }

    /// Makes a prepared batch durable: one sled batch, flushed, every log file fsynced, then
    /// the HEAD record. Returns the new head hash.
    pub fn commit(&mut self, prepared: Prepared) -> Result<Hash, StoreError> {
        if self.poisoned {
            return Err(StoreError::Io(
                "an earlier write failed in this process; reopen the store".to_string(),
            ));
        }
        assert_eq!(
            prepared.after,
            self.head_seq(),
            "a batch is prepared on the head"
        );
        let Prepared { batch, hashes, .. } = prepared;
        let head = match hashes.last() {
            Some(&hash) => hash,
            None => self.hash_of(self.head_seq()).unwrap_or(GENESIS),
        };
        // From here on a failure may leave sled holding the batch in memory: poison.
        self.poisoned = true;
        self.events.apply_batch(batch).map_err(from_sled)?;
        self.db.flush().map_err(from_sled)?;
        sync_tree(&self.dir.join("log"))?;
        self.hashes.extend(hashes);
        self.write_head()?;
        self.poisoned = false;
        Ok(head)
    }

    /// A read-only handle on the log, for re-verifying it while this store goes on appending.
    pub fn reader(&self) -> LogReader {
        LogReader {
            dir: self.dir.clone(),
            events: self.events.clone(),
        }
    }

    /// Checks that this log extends a head known from outside the store (printed by `import`,
    /// `verify` and `backup`). A store cannot tell on its own that it was replaced by an older,
    /// internally consistent copy of itself; a head remembered elsewhere can.
    pub fn check_expected_head(&self, seq: u64, hash: &Hash) -> Result<(), StoreError> {
        let last = self.head_seq();
        if seq > last {
            return Err(StoreError::Integrity {
                seq: Some(last + 1),
                message: format!(
                    "the log ends at sequence {last} but sequence {seq} ({}) was expected: this is an older copy of the store or it lost its tail",
                    hex::encode(hash)
                ),
            });
        }
        let at = self.hash_of(seq).unwrap_or(GENESIS);
        if &at != hash {
            return Err(StoreError::Integrity {
                seq: Some(seq),
                message: format!(
                    "sequence {seq} has hash {} but {} was expected: this log is not the one that head was taken from",
                    hex::encode(at),
                    hex::encode(hash)
                ),
            });
        }
        Ok(())
    }

    /// Writes a verified copy of the whole log into `dest` (which must not exist or be empty)
    /// and returns its head. The copy is taken by the process that holds the store, so no
    /// append can interleave: it is the log as of one sequence. Envelopes are copied verbatim,
    /// so the copy has the same chain hashes; it is then reopened and fully verified, and its
    /// head must equal ours.
    pub fn backup(&self, dest: &Path) -> Result<(u64, Hash), StoreError> {
        let mut copy = Store::create_new(dest)?;
        let mut chunk: Vec<Vec<u8>> = Vec::new();
        for item in self.events.iter() {
            let (_, value) = item.map_err(from_sled)?;
            let seq = copy.head_seq() + chunk.len() as u64 + 1;
            if seq > self.head_seq() {
                break;
            }
            let Some(envelope) = value.get(32..) else {
                return Err(StoreError::Integrity {
                    seq: Some(seq),
                    message: "stored value is too short".to_string(),
                });
            };
            chunk.push(envelope.to_vec());
            if chunk.len() == COPY_CHUNK {
                copy.append_copied(&chunk, &self.hashes)?;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            copy.append_copied(&chunk, &self.hashes)?;
        }
        drop(copy);
        let (reopened, _) = Store::open(dest, OpenMode::MustExist)?;
        let seq = self.head_seq();
        let hash = self.hash_of(seq).unwrap_or(GENESIS);
        if reopened.head_seq() != seq || reopened.hash_of(seq).unwrap_or(GENESIS) != hash {
            return Err(StoreError::Io(format!(
                "the copy in {} ends at sequence {} instead of {seq}",
                dest.display(),
                reopened.head_seq()
            )));
        }
        Ok((seq, hash))
    }

    /// Appends copied envelopes and checks that they chain to the hashes of the original.
    fn append_copied(
        &mut self,
        envelopes: &[Vec<u8>],
        original: &[Hash],
    ) -> Result<(), StoreError> {
        let first = self.head_seq() + 1;
        self.append_envelopes(envelopes)?;
        for seq in first..=self.head_seq() {
            let index = usize::try_from(seq - 1).unwrap_or(usize::MAX);
            if self.hash_of(seq) != original.get(index).copied() {
                return Err(StoreError::Integrity {
                    seq: Some(seq),
                    message: "the copied event does not chain like the original".to_string(),
                });
            }
        }
        Ok(())
    }

    /// Creates a store in `dir`, which must not exist yet or be an empty directory: copies
    /// never write over anything.
    pub fn create_new(dir: &Path) -> Result<Store, StoreError> {
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))?;
            if entries.next().is_some() {
                return Err(StoreError::Io(format!(
                    "{} already exists and is not empty; choose a new directory",
                    dir.display()
                )));
            }
        }
        let (store, records) = Store::open(dir, OpenMode::CreateIfMissing)?;
        assert!(records.is_empty(), "a new store is empty");
        Ok(store)
    }

    /// Reads the longest prefix of a damaged store that verifies (continuous sequences, chain
    /// hashes, decodable envelopes), without trusting or changing anything in it. Used by
    /// `recover`; takes the lock so that no writer is running meanwhile.
    pub fn salvage(dir: &Path) -> Result<Salvage, StoreError> {
        let log_dir = dir.join("log");
        if !dir.is_dir() {
            return Err(StoreError::Io(format!("no store at {}", dir.display())));
        }
        let _lock = lock(dir)?;
        let head_path = dir.join(HEAD_FILE);
        let head = match fs::read_to_string(&head_path) {
            Ok(text) => parse_head(&text).map(Some).map_err(|e| e.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err("the HEAD record is missing".to_string())
            }
            Err(e) => Err(format!("cannot read {}: {e}", head_path.display())),
        };
        let mut salvage = Salvage {
            records: Vec::new(),
            envelopes: Vec::new(),
            problem: None,
            head,
        };
        if !log_dir.is_dir() {
            salvage.problem = Some(StoreError::Integrity {
                seq: Some(1),
                message: format!("{} is missing", log_dir.display()),
            });
            return Ok(salvage);
        }
        // sled may repair its own files when opening; work on a scratch copy so the damaged
        // store stays exactly as found (it is the evidence).
        let scratch =
            tempfile::tempdir().map_err(|e| io("cannot create a scratch dir for", dir, e))?;
        let copy = scratch.path().join("log");
        copy_tree(&log_dir, &copy)?;
        let db = match sled::Config::new().path(&copy).open() {
            Ok(db) => db,
            Err(e) => {
                salvage.problem = Some(StoreError::Integrity {
                    seq: Some(1),
                    message: format!("sled cannot open the log: {e}"),
                });
                return Ok(salvage);
            }
        };
        let events = match db.open_tree(EVENTS_TREE) {
            Ok(t) => t,
            Err(e) => {
                salvage.problem = Some(from_sled(e));
                return Ok(salvage);
            }
        };
        let prefix = scan_prefix(&events);
        salvage.records = prefix.records;
        salvage.envelopes = prefix.envelopes;
        salvage.problem = prefix.problem;
        Ok(salvage)
    }

    /// Starts a clean store in `dir` (new or empty) from a salvaged prefix, copying the
    /// envelopes verbatim so that sequences, recording times and chain hashes are the original's.
    pub fn create_from_prefix(dir: &Path, envelopes: &[Vec<u8>]) -> Result<(), StoreError> {
        let mut store = Store::create_new(dir)?;
        for chunk in envelopes.chunks(COPY_CHUNK) {
            store.append_envelopes(chunk)?;
        }
        Ok(())
    }

    fn write_head(&self) -> Result<(), StoreError> {
        let seq = self.head_seq();
        let hash = self.hash_of(seq).unwrap_or(GENESIS);
        let text = format!("{HEAD_MAGIC}\n{seq}\n{}\n", hex::encode(hash));
        let tmp = self.dir.join("HEAD.tmp");
        let path = self.dir.join(HEAD_FILE);
        let mut file = File::create(&tmp).map_err(|e| io("cannot write", &tmp, e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| io("cannot write", &tmp, e))?;
        file.sync_all().map_err(|e| io("cannot fsync", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io("cannot replace", &path, e))?;
        sync_dir(&self.dir)
    }
}

/// Opens sled while holding the store's LOCK. No other process can then hold sled's own file
/// lock, but a store dropped a moment ago in this process may: sled releases it from a
/// background thread. That wait is bounded (about 5 s), then reported.
fn open_sled(config: sled::Config) -> Result<sled::Db, StoreError> {
    let mut attempts = 0;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e))
                if attempts < 500 && e.to_string().contains("could not acquire lock") =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(from_sled(e)),
        }
    }
}

/// A batch encoded and chained on a given head, not yet written (`Store::prepare`).
pub struct Prepared {
    batch: sled::Batch,
    hashes: Vec<Hash>,
    after: u64,
}

impl Prepared {
    /// The chain hashes the batch's events will have, in order.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }
}

/// Reads the log of an open store (in this process) without the writer's lock.
#[derive(Clone)]
pub struct LogReader {
    dir: PathBuf,
    events: sled::Tree,
}

impl LogReader {
    /// Reads the HEAD record, then every event up to it, checking sequence continuity, the
    /// hash chain, that every envelope decodes, and that the chain ends at HEAD's hash.
    /// Safe while the writer appends: the log is written before HEAD, so it always reaches
    /// HEAD's sequence. Reads go through sled, which may serve recently used pages from
    /// memory: a byte flipped on disk under a running process shows at the next open.
    pub fn read_verified(&self) -> Result<(Vec<Recorded>, Vec<Hash>), StoreError> {
        let path = self.dir.join(HEAD_FILE);
        let text = fs::read_to_string(&path).map_err(|e| io("cannot read", &path, e))?;
        let (seq, hash) = parse_head(&text)?;
        let prefix = scan_prefix_of(self.events.range(..=seq.to_be_bytes()));
        if let Some(problem) = prefix.problem {
            return Err(problem);
        }
        let (records, hashes) = (prefix.records, prefix.hashes);
        let last = hashes.len() as u64;
        if last < seq {
            return Err(StoreError::Integrity {
                seq: Some(last + 1),
                message: format!(
                    "truncated tail: HEAD records sequence {seq} but the log ends at {last}"
                ),
            });
        }
        let at = hashes.last().copied().unwrap_or(GENESIS);
        if at != hash {
            return Err(StoreError::Integrity {
                seq: Some(seq),
                message: format!(
                    "HEAD records hash {} for sequence {seq} but the log has {}",
                    hex::encode(hash),
                    hex::encode(at)
                ),
            });
        }
        Ok((records, hashes))
    }
}

/// How many times (10 ms apart) `lock` retries a held lock before reporting it: about 1 s.
const LOCK_ATTEMPTS: u32 = 100;

fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("LOCK");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io("cannot open", &path, e))?;
    // A lock just released may still be held for a moment by a child process that another
    // thread of this process is spawning (it holds a copy of every descriptor until its exec
    // closes them): wait that out, briefly, before calling the store busy.
    let mut attempts = 0;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if attempts < LOCK_ATTEMPTS => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(format!(
                    "{} is open in another socai process; only one process may use a store at a time",
                    dir.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("cannot lock", &path, e)),
        }
    }
}

/// Parses a head written as `SEQ:HASH` (64 hex digits), as `verify --expect-head` takes it.
pub fn parse_head_arg(text: &str) -> Result<(u64, Hash), String> {
    let (seq, hash) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not SEQ:HASH"))?;
    let seq: u64 = seq
        .trim()
        .parse()
        .map_err(|_| format!("{seq:?} is not a sequence number"))?;
    let bytes = hex::decode(hash.trim()).map_err(|_| format!("{hash:?} is not hexadecimal"))?;
    let hash: Hash = bytes
        .try_into()
        .map_err(|_| "the hash must be 64 hexadecimal digits".to_string())?;
    Ok((seq, hash))
}

fn parse_head(text: &str) -> Result<(u64, Hash), StoreError> {
    let bad = |why: &str| StoreError::Integrity {
        seq: None,
        message: format!("the HEAD record is unreadable: {why}"),
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEAD_MAGIC) {
        return Err(bad("unknown header"));
    }
    let seq: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| bad("no sequence"))?;
    let bytes = lines
        .next()
        .and_then(|l| hex::decode(l).ok())
        .ok_or_else(|| bad("no hash"))?;
    let hash: Hash = bytes.try_into().map_err(|_| bad("hash is not 32 bytes"))?;
    Ok((seq, hash))
}

/// Entries per message from the reading thread to the caller's: large enough that the
/// hand-over costs nothing per entry, small enough that at most a few thousand stored values
/// are in flight (the open's memory stays that of the state being rebuilt).
const SCAN_BATCH: usize = 1024;
/// Batches the reading thread may run ahead of the caller.
const SCAN_AHEAD: usize = 4;

/// Reads the whole log in order, checking sequence continuity, the hash chain and that every
/// envelope decodes. Returns the chain hashes.
/// Each verified record goes to `each` (which may stop the scan), none is kept here.
///
/// Two threads share the work: a reading thread iterates sled and checks keys and the chain
/// (`check_link`), while the calling thread decodes the values it accepted (`decode_value`)
/// and runs `each` (the rules, for `Ledger::open`) on them, in sequence order. The split is
/// the one that balances the two threads at 1M events: sled's iteration costs about what
/// decoding and the rules cost together. The reader sends accepted values in order and, if it
/// meets a bad entry, that error after them; each entry is therefore checked in the same order
/// as by `check_item` (key, chain, decoding, then `each`) and the first failure by sequence
/// is the one reported, whichever thread finds it.
fn scan(
    events: &sled::Tree,
    mut each: impl FnMut(Recorded) -> Result<(), StoreError>,
) -> Result<Vec<Hash>, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<sled::IVec>, StoreError>>(SCAN_AHEAD);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("socai-scan".to_string())
            .spawn_scoped(scope, move || read_chain(events, &tx))
            .map_err(|e| StoreError::Io(format!("cannot start the log reader: {e}")))?;
        let mut seen = 0u64;
        let mut outcome = Ok(());
        for message in &rx {
            match message {
                Ok(batch) => {
                    for value in batch {
                        seen += 1;
                        if let Err(e) = decode_value(seen, &value).and_then(&mut each) {
                            outcome = Err(e);
                            break;
                        }
                    }
                }
                Err(e) => outcome = Err(e),
            }
            if outcome.is_err() {
                break;
            }
        }
        // Stops the reader at its next send if decoding or `each` failed.
        drop(rx);
        let hashes = reader
            .join()
            .map_err(|_| StoreError::Io("the log reader failed".to_string()))?;
        outcome?;
        // The reader sent every record whose hash it returns, and `each` took them all.
        assert_eq!(
            hashes.len() as u64,
            seen,
            "every verified record was handed over"
        );
        Ok(hashes)
    })
}

/// The reading side of `scan`: checks the entries' links in order and sends their values in
/// batches, then the first error if any. Returns the chain hashes of the entries it sent;
/// stops early when the receiver is gone.
fn read_chain(
    events: &sled::Tree,
    tx: &std::sync::mpsc::SyncSender<Result<Vec<sled::IVec>, StoreError>>,
) -> Vec<Hash> {
    let mut hashes: Vec<Hash> = Vec::new();
    let mut prev = GENESIS;
    let mut batch = Vec::with_capacity(SCAN_BATCH);
    for item in events.iter() {
        let expected = hashes.len() as u64 + 1;
        match check_link(item, expected, &prev) {
            Ok((value, hash)) => {
                batch.push(value);
                hashes.push(hash);
                prev = hash;
            }
            Err(e) => {
                let sent = batch.is_empty() || tx.send(Ok(batch)).is_ok();
                if sent {
                    let _ = tx.send(Err(e));
                }
                return hashes;
            }
        }
        if batch.len() == SCAN_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(SCAN_BATCH));
            if tx.send(Ok(full)).is_err() {
                return hashes;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch));
    }
    hashes
}

struct Prefix {
    records: Vec<Recorded>,
    envelopes: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
    /// Why the scan stopped before the end of the tree, if it did.
    problem: Option<StoreError>,
}

/// Reads the log in order up to the first event that fails a check: the verified prefix.
fn scan_prefix(events: &sled::Tree) -> Prefix {
    scan_prefix_of(events.iter())
}

/// `scan_prefix` over any ordered range of the tree (from sequence 1).
fn scan_prefix_of(events: sled::Iter) -> Prefix {
    let mut out = Prefix {
        records: Vec::new(),
        envelopes: Vec::new(),
        hashes: Vec::new(),
        problem: None,
    };
    let mut prev = GENESIS;
    for item in events {
        let expected = out.hashes.len() as u64 + 1;
        match check_entry(item, expected, &prev) {
            Ok((record, envelope, hash)) => {
                out.records.push(record);
                out.envelopes.push(envelope);
                out.hashes.push(hash);
                prev = hash;
            }
            Err(problem) => {
                out.problem = Some(problem);
                break;
            }
        }
    }
    out
}

/// Checks one stored entry against the expected sequence and the previous chain hash.
fn check_entry(
    item: sled::Result<(sled::IVec, sled::IVec)>,
    expected: u64,
    prev: &Hash,
) -> Result<(Recorded, Vec<u8>, Hash), StoreError> {
    let (record, value, hash) = check_item(item, expected, prev)?;
    Ok((record, value.get(32..).unwrap_or_default().to_vec(), hash))
}

/// As `check_entry`, returning the stored value itself (no copy of the envelope: a full open
/// of a long log does not need one).
fn check_item(
    item: sled::Result<(sled::IVec, sled::IVec)>,
    expected: u64,
    prev: &Hash,
) -> Result<(Recorded, sled::IVec, Hash), StoreError> {
    let (value, hash) = check_link(item, expected, prev)?;
    let record = decode_value(expected, &value)?;
    Ok((record, value, hash))
}

/// The first half of `check_item`: the entry is sequence `expected` and its stored hash chains
/// from `prev`. Returns the stored value (hash ‖ envelope) and its hash.
fn check_link(
    item: sled::Result<(sled::IVec, sled::IVec)>,
    expected: u64,
    prev: &Hash,
) -> Result<(sled::IVec, Hash), StoreError> {
    let bad = |message: String| StoreError::Integrity {
        seq: Some(expected),
        message,
    };
    let (key, value) = item.map_err(|e| bad(format!("sled cannot read the log: {e}")))?;
    let key: [u8; 8] = key
        .as_ref()
        .try_into()
        .map_err(|_| bad(format!("a key of {} bytes is not a sequence", key.len())))?;
    let seq = u64::from_be_bytes(key);
    if seq != expected {
        return Err(bad(format!(
            "sequence {expected} is missing (the next stored one is {seq})"
        )));
    }
    if value.len() <= 32 {
        return Err(bad("stored value is too short".to_string()));
    }
    let (stored, envelope) = value.split_at(32);
    let computed = chain_hash(prev, seq, envelope);
    if computed != stored {
        return Err(bad(
            "hash mismatch: the stored bytes or hash were altered".to_string()
        ));
    }
    Ok((value, computed))
}

/// The second half of `check_item`, for a value whose link `check_link` accepted: its
/// envelope decodes to the record of sequence `seq`.
fn decode_value(seq: u64, value: &[u8]) -> Result<Recorded, StoreError> {
    let bad = |message: String| StoreError::Integrity {
        seq: Some(seq),
        message,
    };
    let record = envelope::decode(value.get(32..).unwrap_or_default()).map_err(&bad)?;
    if record.seq != seq {
        return Err(bad(format!("record claims sequence {}", record.seq)));
    }
    Ok(record)
}

/// Copies a directory tree (the sled files of a damaged store) for read-only salvage.
fn copy_tree(from: &Path, to: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(to).map_err(|e| io("cannot create", to, e))?;
    let entries = fs::read_dir(from).map_err(|e| io("cannot list", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", from, e))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| io("cannot stat", &path, e))?;
        if kind.is_dir() {
            copy_tree(&path, &target)?;
        } else if kind.is_file() {
            fs::copy(&path, &target).map_err(|e| io("cannot copy", &path, e))?;
        }
    }
    Ok(())
}

/// fsyncs every file and directory under `dir`: sled's own flush does not fsync on Linux.
fn sync_tree(dir: &Path) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io("cannot stat", &path, e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            let file = match File::open(&path) {
                Ok(file) => file,
                // sled removes superseded blobs and snapshots from its own threads, so a file
                // listed a moment ago may be gone: nothing references it any more, and its
                // removal is made durable by the directory's fsync below. Everything this
                // store wrote was created before this walk began (the writer is alone).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("cannot open", &path, e)),
            };
            file.sync_all().map_err(|e| io("cannot fsync", &path, e))?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let file = File::open(dir).map_err(|e| io("cannot open", dir, e))?;
    file.sync_all().map_err(|e| io("cannot fsync", dir, e))
}

/// Direct access to the raw log for tests that simulate corruption. Not for production paths.
#[doc(hidden)]
pub mod raw {
    use super::*;

    /// Opens the log the way the store does, waiting out the sled file lock that a store
    /// dropped a moment ago in this process (or the previous helper call) may still hold:
    /// sled releases it from a background thread.
    fn open_raw(dir: &Path) -> Result<sled::Db, String> {
        open_sled(
            sled::Config::new()
                .path(dir.join("log"))
                .flush_every_ms(None),
        )
        .map_err(|e| e.to_string())
    }

    /// Replaces the stored value of `seq` with `f(value)`, bypassing every check.
    pub fn tamper(dir: &Path, seq: u64, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
        let db = open_raw(dir)?;
        let tree = db.open_tree(EVENTS_TREE).map_err(|e| e.to_string())?;
        let mut value = tree
            .get(seq.to_be_bytes())
            .map_err(|e| e.to_string())?
            .ok_or("no such sequence")?
            .to_vec();
        f(&mut value);
        tree.insert(seq.to_be_bytes(), value)
            .map_err(|e| e.to_string())?;
        db.flush().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Removes the stored value of `seq`, as a lost tail would.
    pub fn remove(dir: &Path, seq: u64) -> Result<(), String> {
        let db = open_raw(dir)?;
        let tree = db.open_tree(EVENTS_TREE).map_err(|e| e.to_string())?;
        tree.remove(seq.to_be_bytes()).map_err(|e| e.to_string())?;
        db.flush().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Removes the persisted index (derived data), as a store written before the index
    /// existed would lack it.
    pub fn drop_index(dir: &Path) -> Result<(), String> {
        std::fs::remove_dir_all(index::dir_of(dir)).map_err(|e| e.to_string())
    }

    /// Alters one stored head table of the index with `f`, bypassing every check.
    pub fn tamper_index(dir: &Path, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
        let heads = index::dir_of(dir).join("head");
        for entry in std::fs::read_dir(&heads).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let mut value = std::fs::read(&path).map_err(|e| e.to_string())?;
            if value.len() > 100 {
                f(&mut value);
                return std::fs::write(&path, value).map_err(|e| e.to_string());
            }
        }
        Err("no head table".into())
    }
}
