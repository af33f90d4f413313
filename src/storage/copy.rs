//! Copies of a log: a verified backup of an open store, the verified prefix of a damaged one
//! (salvage), and a new store started from such a prefix. Envelopes are copied verbatim, so a
//! copy keeps the original's sequences, recording times and chain hashes.

use std::fs;
use std::path::Path;

use super::{GENESIS, Hash, OpenMode, Salvage, Store, StoreError, from_sled, io};

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

    /// Reads every record of a damaged store that either copy (the log, the journal) proves
    /// (see `salvage`), without trusting or changing anything in it. Used by `recover`; takes
    /// the lock so that no writer is running meanwhile.
    pub fn salvage(dir: &Path) -> Result<Salvage, StoreError> {
        super::salvage::salvage(dir)
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

/// Copies a directory tree (the sled files of a damaged or read-only store) to a scratch
/// directory, leaving out snapshots sled never finished (see `readonly`).
pub(super) fn copy_tree(from: &Path, to: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(to).map_err(|e| io("cannot create", to, e))?;
    let entries = fs::read_dir(from).map_err(|e| io("cannot list", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", from, e))?;
        let path = entry.path();
        if super::readonly::is_unfinished_snapshot(&entry.file_name()) {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| io("cannot stat", &path, e))?;
        if kind.is_dir() {
            copy_tree(&path, &target)?;
        } else if kind.is_file() {
            fs::copy(&path, &target).map_err(|e| io("cannot copy", &path, e))?;
            // The copy is ours to open read-write (sled needs to), whatever the original's mode.
            let mode = std::os::unix::fs::PermissionsExt::from_mode(0o600);
            fs::set_permissions(&target, mode)
                .map_err(|e| io("cannot set permissions of", &target, e))?;
        }
    }
    Ok(())
}
