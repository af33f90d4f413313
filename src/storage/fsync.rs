//! Making files durable: sled's own flush is `sync_file_range`, not fsync, so the store
//! fsyncs its files and directories itself.
//!
//! Which of sled's files a commit changes (sled 0.34.7, read from its source): its log, the
//! one file `db`, written in place and grown at its end; and a new file under `blobs/` for a
//! page too large for a log segment. `conf` and the `snap.*` snapshots are written only while
//! sled opens (`PageCache::start`), and the directories change only when a blob or snapshot
//! is created or removed. So the first commit after an open fsyncs the whole tree (whatever
//! the open wrote), and every later one fsyncs `db`, the blobs created since, and then the
//! blobs directory: one fsync for a commit of small events, not one per file and directory.
//!
//! That one fsync is cheap only if it need not also record a new file size (a filesystem
//! journal commit: ~1 ms here, and far more while other processes write, against ~0.1 ms for
//! an overwrite). sled appends its log within 512 KiB segments, growing `db` at every commit;
//! so before the fsync the rest of the current segment is written with zero bytes
//! (`prefill`), once per segment, and later commits overwrite those zeros. Zero is sled's own
//! "corrupted" message kind, the canary it writes itself over a segment's unused space: its
//! recovery reads a zeroed remainder as the end of the log, and a wholly zeroed segment past
//! its tip as free (which its open zeroes and truncates anyway). sled writes nothing between
//! two commits (no flusher thread; `flush` has returned), so these zeros are never written
//! over anything sled wrote.

use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::{StoreError, io};

/// fsyncs every file and directory under `dir`: sled's own flush does not fsync on Linux.
pub(super) fn sync_tree(dir: &Path) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| io("cannot stat", &path, e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            let Some(file) = open_existing(&path)? else {
                continue;
            };
            file.sync_all().map_err(|e| io("cannot fsync", &path, e))?;
        }
    }
    sync_dir(dir)
}

/// Opens a file sled may have removed since it was listed: sled removes superseded blobs and
/// snapshots from its own threads, so a file listed a moment ago may be gone; nothing
/// references it any more, and its removal is made durable by the directory's fsync.
/// Everything this store wrote was created before the listing (the writer is alone).
fn open_existing(path: &Path) -> Result<Option<File>, StoreError> {
    match super::plain::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("cannot open", path, e)),
    }
}

/// Replaces `dir/name` whole and durably with `bytes`: written to `name.tmp` (never through a
/// link left under that name: it would be written, not replaced), fsynced, renamed over the
/// old file, and the folder fsynced. A crash leaves the old file or the new one. Returns the
/// new file, open for writing (HEAD is then updated in place).
pub(super) fn replace_durably(dir: &Path, name: &str, bytes: &[u8]) -> Result<File, StoreError> {
    use std::io::Write;
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(name);
    let mut file = super::plain::open_write(&tmp, true).map_err(|e| io("cannot write", &tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| io("cannot write", &tmp, e))?;
    file.sync_all().map_err(|e| io("cannot fsync", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| io("cannot replace", &path, e))?;
    sync_dir(dir)?;
    Ok(file)
}

pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let file = super::plain::open_folder(dir).map_err(|e| io("cannot open", dir, e))?;
    file.sync_all().map_err(|e| io("cannot fsync", dir, e))
}

/// What a commit fsyncs of sled's files (see the module comment).
pub(super) struct SledFiles {
    log: PathBuf,
    /// sled's log file, held open from the first commit on.
    db: Option<File>,
    /// The largest blob (sled names them by log sequence number) already fsynced.
    blobs_synced: Option<u64>,
}

impl SledFiles {
    pub(super) fn new(log: PathBuf) -> SledFiles {
        SledFiles {
            log,
            db: None,
            blobs_synced: None,
        }
    }

    /// Makes what sled has flushed durable. The first call after an open fsyncs the whole
    /// tree; later ones `db`, then any blob created since and its directory.
    pub(super) fn sync(&mut self) -> Result<(), StoreError> {
        let path = self.log.join("db");
        let Some(db) = &self.db else {
            // Not followed if a link took sled's file's place since the open's walk: the
            // zeros written ahead and the fsync are for sled's file alone.
            let db = super::plain::open_existing_write(&path)
                .map_err(|e| io("cannot open", &path, e))?;
            prefill(&db, &path)?;
            let blobs = self.newest_blob()?;
            sync_tree(&self.log)?;
            self.db = Some(db);
            self.blobs_synced = blobs;
            return Ok(());
        };
        prefill(db, &path)?;
        db.sync_data().map_err(|e| io("cannot fsync", &path, e))?;
        self.sync_new_blobs()
    }

    fn blobs_dir(&self) -> PathBuf {
        self.log.join("blobs")
    }

    /// The newest blob's number, if any.
    fn newest_blob(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.blobs()?.into_iter().map(|(n, _)| n).max())
    }

    fn blobs(&self) -> Result<Vec<(u64, PathBuf)>, StoreError> {
        let dir = self.blobs_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("cannot list", &dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io("cannot list", &dir, e))?;
            if let Some(n) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                out.push((n, entry.path()));
            }
        }
        Ok(out)
    }

    /// fsyncs the blobs newer than the last commit's, then their directory (only if any).
    fn sync_new_blobs(&mut self) -> Result<(), StoreError> {
        let fresh: Vec<(u64, PathBuf)> = self
            .blobs()?
            .into_iter()
            .filter(|(n, _)| self.blobs_synced.is_none_or(|s| *n > s))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        for (_, path) in &fresh {
            if let Some(file) = open_existing(path)? {
                file.sync_all().map_err(|e| io("cannot fsync", path, e))?;
            }
        }
        sync_dir(&self.blobs_dir())?;
        self.blobs_synced = fresh.iter().map(|(n, _)| *n).max().max(self.blobs_synced);
        Ok(())
    }
}

/// sled's log segment size (`sled::Config`'s default, which the store keeps). Were a store's
/// segments smaller, the zeros would make whole free segments past sled's tip, which its
/// open zeroes and truncates; larger, zeros within a segment: either way nothing sled reads.
const SLED_SEGMENT: u64 = 512 * 1024;

/// Writes zeros from the end of sled's `db` to the end of its current segment (see the module
/// comment), so that the next commits overwrite instead of growing the file. Only a speed-up
/// (`zero_fill`): skipped on a nearly full disk.
fn prefill(db: &File, path: &Path) -> Result<(), StoreError> {
    let len = db.metadata().map_err(|e| io("cannot stat", path, e))?.len();
    let rest = (SLED_SEGMENT - len % SLED_SEGMENT) % SLED_SEGMENT;
    if rest > 0 && !zero_fill(db, len, rest) {
        tracing::debug!("{} not zero-filled ahead", path.display());
    }
    Ok(())
}

/// Writes `len` zero bytes at `at`, the end of `file`, if the disk has room for them and as
/// much again; whether it did. Zeros ahead are only a speed-up, so on a nearly full disk they
/// are not written, and a write that fails part-way is cut back off: zeros must not take the
/// disk's last free bytes from the batch's own records (the other copy is written at the same
/// time), the index, HEAD or the server's log.
pub(super) fn zero_fill(file: &File, at: u64, len: u64) -> bool {
    if free_bytes(file).is_none_or(|free| free / 2 < len) {
        return false;
    }
    let Ok(zeros) = usize::try_from(len).map(|n| vec![0u8; n]) else {
        return false;
    };
    if file.write_all_at(&zeros, at).is_ok() {
        return true;
    }
    // Nothing but these zeros lies past `at` (the writer is alone, and sled writes nothing
    // between two commits): cutting them off loses nothing.
    if let Err(e) = file.set_len(at) {
        tracing::warn!("zeros written in part could not be cut off: {e}");
    }
    false
}

/// Bytes free to this process on the file's filesystem, if the system tells.
fn free_bytes(file: &File) -> Option<u64> {
    use std::os::fd::AsRawFd;
    // SAFETY: `statvfs` is plain old data, for which all-zero bytes are a valid value.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: fstatvfs(3) fills the struct we own, for a descriptor `file` keeps open.
    if unsafe { libc::fstatvfs(file.as_raw_fd(), &mut stat) } != 0 {
        return None;
    }
    let blocks: u64 = stat.f_bavail;
    let size: u64 = stat.f_frsize;
    Some(blocks.saturating_mul(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Anyone who can write the store's folder can swap a link in for sled's file after the
    /// open's walk: the commit's zeros and fsync must not reach the file it points to.
    #[test]
    fn a_link_in_sleds_files_place_is_not_written_through_and_a_pipe_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        fs::create_dir(&log).unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"not sled's").unwrap();
        std::os::unix::fs::symlink(&victim, log.join("db")).unwrap();
        let mut files = SledFiles::new(log.clone());
        assert!(files.sync().is_err());
        assert_eq!(fs::read(&victim).unwrap(), b"not sled's");

        let pipe = dir.path().join("journal");
        let name = std::ffi::CString::new(pipe.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo touches nothing else.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        // Opened as a folder, a pipe is refused at once (a plain open waits for a writer).
        assert!(sync_dir(&pipe).is_err());
    }
}
