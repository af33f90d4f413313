//! Making files durable: sled's own flush is `sync_file_range`, not fsync, so the store
//! fsyncs its files and directories itself.

use std::fs::{self, File};
use std::path::Path;

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

pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    let file = File::open(dir).map_err(|e| io("cannot open", dir, e))?;
    file.sync_all().map_err(|e| io("cannot fsync", dir, e))
}
