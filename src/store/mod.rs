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
        let db = sled::Config::new()
            .path(&log_dir)
            .open()
            .map_err(from_sled)?;
        let events = db.open_tree(EVENTS_TREE).map_err(from_sled)?;
        let (records, hashes) = scan(events.iter())?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            _lock: lock,
            db,
            events,
            hashes,
            poisoned: false,
        };
        store.reconcile_head(exists)?;
        Ok((store, records))
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

    /// A read-only handle on the log, for re-verifying it while this store goes on appending.
    pub fn reader(&self) -> LogReader {
        LogReader {
            dir: self.dir.clone(),
            events: self.events.clone(),
        }
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
        let (records, hashes) = scan(self.events.range(..=seq.to_be_bytes()))?;
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
fn scan(events: sled::Iter) -> Result<(Vec<Recorded>, Vec<Hash>), StoreError> {
    let mut records = Vec::new();
    let mut hashes: Vec<Hash> = Vec::new();
    let mut prev = GENESIS;
    for item in events {
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
        records.push(record);
        hashes.push(computed);
        prev = computed;
    }
    Ok((records, hashes))
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
}
