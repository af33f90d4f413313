//! Stores on read-only media (a write-protected disk, a read-only mount, a copy without write
//! permission): the read commands work, nothing is written. sled cannot open files it may not
//! write, so the log is read from a scratch copy; the store's lock is taken on a read-only
//! handle (`flock` needs no write access), or on the directory when there is no LOCK file.
//!
//! Also the one repair made before sled opens a writable log: a snapshot file sled was still
//! generating (`snap.*.generating`) when the process stopped — typically on a full disk, where
//! it is left empty — is removed. sled renames a snapshot into place only once it is whole, so
//! such a file is never the snapshot; but sled reads it as the newest one and reports the
//! whole log corrupt.

use std::fs::{self, File};
use std::path::Path;

use super::copy::copy_tree;
use super::{StoreError, io};

/// Whether an error opening a file for writing means the store cannot be written at all.
pub fn is_read_only(e: &std::io::Error) -> bool {
    // EROFS: read-only file system. EACCES / EPERM: no write permission.
    e.raw_os_error() == Some(30) || e.kind() == std::io::ErrorKind::PermissionDenied
}

/// A read-only handle to lock a store that cannot be written.
pub fn lock_file(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("LOCK");
    match super::plain::open(&path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            super::plain::open_folder(dir).map_err(|e| io("cannot open", dir, e))
        }
        Err(e) => Err(io("cannot open", &path, e)),
    }
}

/// Whether `name` is a snapshot sled had not finished writing.
pub fn is_unfinished_snapshot(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with("snap.") && n.ends_with(".generating"))
}

/// Makes the log ready for sled: on a writable store, removes unfinished snapshots and returns
/// `None`; on a read-only one, copies the log (without them) to a scratch directory, which the
/// caller opens instead and keeps for as long as the store is open.
pub fn prepare_log(log: &Path, writable: bool) -> Result<Option<tempfile::TempDir>, StoreError> {
    if !log.is_dir() {
        return Ok(None);
    }
    if !writable {
        tracing::info!(
            "{} cannot be written: reading a scratch copy of the log",
            log.display()
        );
        let scratch =
            tempfile::tempdir().map_err(|e| io("cannot create a scratch copy of", log, e))?;
        copy_tree(log, &scratch.path().join("log"))?;
        return Ok(Some(scratch));
    }
    let entries = fs::read_dir(log).map_err(|e| io("cannot list", log, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", log, e))?;
        if is_unfinished_snapshot(&entry.file_name()) {
            let path = entry.path();
            tracing::warn!(
                "removing {}: a snapshot sled did not finish (e.g. on a full disk); the log replays without it",
                path.display()
            );
            super::plain::remove_file(&path).map_err(|e| io("cannot remove", &path, e))?;
        }
    }
    Ok(None)
}
