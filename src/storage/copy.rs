//! Copies of a log: a verified backup of an open store, the verified prefix of a damaged one
//! (salvage), and a new store started from such a prefix. Envelopes are copied verbatim, so a
//! copy keeps the original's sequences, recording times and chain hashes.

use std::fs;
use std::path::Path;

use super::{Fault, GENESIS, Hash, OpenMode, Salvage, Store, StoreError, integrity, io};

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
        if let Some(unit) = &self.unit {
            copy.adopt_unit(unit.clone()).map_err(unit_error)?;
        }
        copy.copy_after_head(self)?;
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

    /// Appends `other`'s records after this store's head, verbatim, when both hold the same
    /// history up to this head (same unit, same chain hash there): `recover --from-replica`.
    /// Returns how many records were copied; nothing when `other` is not ahead.
    pub fn extend_from(&mut self, other: &Store) -> Result<u64, StoreError> {
        let head = self.head_seq();
        let at = head.min(other.head_seq());
        if self.unit != other.unit || other.hash_of(at) != self.hash_of(at) {
            return Err(integrity(
                Some(head.max(1)),
                Fault::ReplicaDiffers {
                    replica: other.dir.clone(),
                    at,
                },
            ));
        }
        let start = head;
        self.copy_after_head(other)?;
        Ok(self.head_seq() - start)
    }

    /// Appends `source`'s records after this store's head up to `source`'s head, verbatim and
    /// in chunks of `COPY_CHUNK` (backup and `recover --from-replica` both copy this way).
    fn copy_after_head(&mut self, source: &Store) -> Result<(), StoreError> {
        let mut chunk: Vec<Vec<u8>> = Vec::new();
        for item in source.events.range(Some(self.head_seq() + 1), None) {
            let (_, value) = item.map_err(super::entries::ReadError::plain)?;
            let seq = self.head_seq() + chunk.len() as u64 + 1;
            if seq > source.head_seq() {
                break;
            }
            let Some(envelope) = value.get(32..) else {
                return Err(integrity(Some(seq), Fault::ValueTooShort));
            };
            chunk.push(envelope.to_vec());
            if chunk.len() == COPY_CHUNK {
                self.append_copied(&chunk, &source.hashes)?;
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            self.append_copied(&chunk, &source.hashes)?;
        }
        Ok(())
    }

    /// Appends copied envelopes and checks that they chain to the hashes of the original.
    fn append_copied(
        &mut self,
        envelopes: &[Vec<u8>],
        original: &(impl super::ChainHashes + ?Sized),
    ) -> Result<(), StoreError> {
        let first = self.head_seq() + 1;
        self.append_envelopes(envelopes)?;
        for seq in first..=self.head_seq() {
            let index = usize::try_from(seq - 1).unwrap_or(usize::MAX);
            if self.hash_of(seq) != original.at(index) {
                return Err(integrity(Some(seq), Fault::CopyUnchained));
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
        Store::create_from_prefix_of(dir, envelopes, None)
    }

    /// As `create_from_prefix`, for a log bound to `unit` (the damaged store's): the copy
    /// takes the unit first, so that its chain hashes are the original's.
    pub fn create_from_prefix_of(
        dir: &Path,
        envelopes: &[Vec<u8>],
        unit: Option<&super::UnitRecord>,
    ) -> Result<(), StoreError> {
        let mut store = Store::create_new(dir)?;
        if let Some(unit) = unit {
            store.adopt_unit(unit.clone()).map_err(unit_error)?;
        }
        for chunk in envelopes.chunks(COPY_CHUNK) {
            store.append_envelopes(chunk)?;
        }
        Ok(())
    }
}

/// A new, empty copy has no unit yet: the only failure left is the store's own.
fn unit_error(e: super::UnitError) -> StoreError {
    match e {
        super::UnitError::Store(e) => e,
        super::UnitError::AlreadySet(u) => StoreError::Io(format!(
            "the new copy already belongs to unit {}",
            u.unit.code
        )),
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
