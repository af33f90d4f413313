//! The store's locks: our `LOCK` file (one process per store) and sled's own file lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::{StoreError, from_sled, io, readonly};

/// Opens sled while holding the store's LOCK. No other process can then hold sled's own file
/// lock, but a store dropped a moment ago in this process may: sled releases it from a
/// background thread. That wait is bounded (about 5 s), then reported (by sled's open).
pub(super) fn open_sled(config: sled::Config) -> Result<sled::Db, StoreError> {
    let db_file = config.get_path().join("db");
    let mut attempts = 0;
    while attempts < 500 && sled_lock_held(&db_file) {
        attempts += 1;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    config.open().map_err(from_sled)
}

/// Whether sled's own lock on its database file is held. Found by trying the same lock
/// (`flock`, as sled takes it) and letting go at once, not from the words of sled's error:
/// a missing file (a new store) holds no lock.
fn sled_lock_held(db_file: &Path) -> bool {
    File::open(db_file).is_ok_and(|f| matches!(f.try_lock(), Err(TryLockError::WouldBlock)))
}

/// How many times (10 ms apart) `lock` retries a held lock before reporting it: about 1 s.
const LOCK_ATTEMPTS: u32 = 100;

pub(crate) fn lock(dir: &Path) -> Result<File, StoreError> {
    lock_mode(dir).map(|(file, _)| file)
}

/// Takes the store's lock and says whether the store can be written: on read-only media (or
/// without write permission) the lock is taken on a read-only handle, which `flock` allows.
pub(super) fn lock_mode(dir: &Path) -> Result<(File, bool), StoreError> {
    let path = dir.join("LOCK");
    let (file, writable) = match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(file) => (file, true),
        Err(e) if readonly::is_read_only(&e) => (readonly::lock_file(dir)?, false),
        Err(e) => return Err(io("cannot open", &path, e)),
    };
    // A lock just released may still be held for a moment by a child process that another
    // thread of this process is spawning (it holds a copy of every descriptor until its exec
    // closes them): wait that out, briefly, before calling the store busy.
    let mut attempts = 0;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok((file, writable)),
            Err(std::fs::TryLockError::WouldBlock) if attempts < LOCK_ATTEMPTS => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(dir.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("cannot lock", &path, e)),
        }
    }
}
