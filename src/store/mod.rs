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

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::rules::Recorded;

pub type Hash = [u8; 32];
pub const GENESIS: Hash = [0u8; 32];
const EVENTS_TREE: &[u8] = b"events";
const HEAD_FILE: &str = "HEAD";
const HEAD_MAGIC: &str = "socai-head 1";

/// What went wrong with the store itself (not with the input).
#[derive(Debug)]
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
        let log_dir = dir.join("log");
        let exists = log_dir.is_dir();
        if !exists {
            if mode == OpenMode::MustExist {
                return Err(StoreError::Io(format!(
                    "no store at {} (create one with `socai import` or `socai demo`)",
                    dir.display()
                )));
            }
            fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        let lock = lock(dir)?;
        // No background flusher: every acknowledged batch is flushed and fsynced by `append`,
        // and a flusher thread makes every exit wait for its next tick (up to 500 ms).
        let db = open_sled(sled::Config::new().path(&log_dir).flush_every_ms(None))?;
        let events = db.open_tree(EVENTS_TREE).map_err(from_sled)?;
        let hashes = scan(&events, each)?;
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

    pub fn head_seq(&self) -> u64 {
        self.hashes.len() as u64
    }

    /// The chain hash of `seq`, or `None` for 0 and unknown sequences.
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

    /// Appends records (sequences `head_seq()+1…`) as one atomic batch and returns only once
    /// the batch and the new HEAD are on stable storage.
    pub fn append(&mut self, records: &[Recorded]) -> Result<Hash, StoreError> {
        if self.poisoned {
            return Err(StoreError::Io(
                "an earlier write failed in this process; reopen the store".to_string(),
            ));
        }
        let mut batch = sled::Batch::default();
        let mut prev = self.hash_of(self.head_seq()).unwrap_or(GENESIS);
        let mut new_hashes = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let seq = self.head_seq() + 1 + i as u64;
            assert_eq!(record.seq, seq, "records are appended in sequence");
            let envelope = envelope::encode(record).map_err(StoreError::Io)?;
            let hash = chain_hash(&prev, seq, &envelope);
            let mut value = Vec::with_capacity(32 + envelope.len());
            value.extend_from_slice(&hash);
            value.extend_from_slice(&envelope);
            batch.insert(&seq.to_be_bytes(), value);
            new_hashes.push(hash);
            prev = hash;
        }
        // From here on a failure may leave sled holding the batch in memory: poison.
        self.poisoned = true;
        self.events.apply_batch(batch).map_err(from_sled)?;
        self.db.flush().map_err(from_sled)?;
        sync_tree(&self.dir.join("log"))?;
        self.hashes.extend(new_hashes);
        self.write_head()?;
        self.poisoned = false;
        Ok(prev)
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

fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("LOCK");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io("cannot open", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(format!(
            "{} is open in another socai process; only one process may use a store at a time",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(io("cannot lock", &path, e)),
    }
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

/// Reads the whole log in order, checking sequence continuity, the hash chain and that every
/// envelope decodes. Returns the records and their chain hashes.
fn scan(
    events: &sled::Tree,
    mut each: impl FnMut(Recorded) -> Result<(), StoreError>,
) -> Result<Vec<Hash>, StoreError> {
    let mut hashes: Vec<Hash> = Vec::new();
    let mut prev = GENESIS;
    for item in events.iter() {
        let expected = hashes.len() as u64 + 1;
        let (key, value) = item.map_err(from_sled)?;
        let bad = |message: String| StoreError::Integrity {
            seq: Some(expected),
            message,
        };
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
        let computed = chain_hash(&prev, seq, envelope);
        if computed != stored {
            return Err(bad(
                "hash mismatch: the stored bytes or hash were altered".to_string()
            ));
        }
        let record = envelope::decode(envelope).map_err(&bad)?;
        if record.seq != seq {
            return Err(bad(format!("record claims sequence {}", record.seq)));
        }
        each(record)?;
        hashes.push(computed);
        prev = computed;
    }
    Ok(hashes)
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
            let file = File::open(&path).map_err(|e| io("cannot open", &path, e))?;
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

    /// Replaces the stored value of `seq` with `f(value)`, bypassing every check.
    pub fn tamper(dir: &Path, seq: u64, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
        let db = sled::open(dir.join("log")).map_err(|e| e.to_string())?;
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
        let db = sled::open(dir.join("log")).map_err(|e| e.to_string())?;
        let tree = db.open_tree(EVENTS_TREE).map_err(|e| e.to_string())?;
        tree.remove(seq.to_be_bytes()).map_err(|e| e.to_string())?;
        db.flush().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Drops the persisted index trees (derived data), as a store written before the index
    /// existed would lack them.
    pub fn drop_index(dir: &Path) -> Result<(), String> {
        let db = sled::open(dir.join("log")).map_err(|e| e.to_string())?;
        for name in index::TREES {
            db.drop_tree(name).map_err(|e| e.to_string())?;
        }
        db.flush().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Alters one stored head table of the index with `f`, bypassing every check.
    pub fn tamper_index(dir: &Path, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
        let db = sled::open(dir.join("log")).map_err(|e| e.to_string())?;
        let tree = db.open_tree(index::TREES[2]).map_err(|e| e.to_string())?;
        let (key, value) = tree
            .scan_prefix(u64::MAX.to_be_bytes())
            .filter_map(Result::ok)
            .find(|(_, v)| v.len() > 100)
            .ok_or("no head table")?;
        let mut value = value.to_vec();
        f(&mut value);
        tree.insert(key, value).map_err(|e| e.to_string())?;
        db.flush().map_err(|e| e.to_string())?;
        Ok(())
    }
}
