//! Copies of a log: a verified backup of an open store, the verified prefix of a damaged one
//! (salvage), and a new store started from such a prefix. Envelopes are copied verbatim, so a
//! copy keeps the original's sequences, recording times and chain hashes.

use std::fs;
use std::path::Path;

use super::lock::lock;
use super::scan::scan_prefix;
use super::{
    EVENTS_TREE, GENESIS, HEAD_FILE, Hash, OpenMode, Salvage, Store, StoreError, from_sled, io,
    parse_head,
};

/// Events per atomic batch when copying a log (bounds the memory of one write).
const COPY_CHUNK: usize = 10_000;

impl Store {
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
