//! The store's locks: our `LOCK` file (one process per store) and sled's own file lock.

use std::fs::{File, TryLockError};
use std::path::Path;

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use super::{Fault, StoreError, from_sled, integrity, io, readonly};

/// Opens sled while holding the store's LOCK. No other process can then hold sled's own file
/// lock, but a store dropped a moment ago in this process may: sled releases it from a
/// background thread. That wait is bounded (`SLED_LOCK_WAIT`, by the clock: a loaded machine
/// may take seconds to run that thread), then reported (by sled's open).
pub(super) fn open_sled(config: sled::Config) -> Result<sled::Db, StoreError> {
    let db_file = config.get_path().join("db");
    let deadline = std::time::Instant::now() + SLED_LOCK_WAIT;
    let waiting = || std::time::Instant::now() < deadline;
    let mut free_but_refused = 0;
    loop {
        while waiting() && sled_lock_held(&db_file) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        match sled_open(&config).map_err(|fault| integrity(None, fault))? {
            Ok(db) => return Ok(db),
            // Held again, or let go between sled's try and this probe: try again. Only a
            // refused lock (sled words it as an `Other` error with no OS code); any other I/O
            // error (a full disk) is reported at once: opening again on a full disk leaves an
            // empty snapshot that sled then reads as a corrupt log.
            Err(sled::Error::Io(e)) if waiting() && free_but_refused < 3 && is_refused_lock(&e) => {
                if !sled_lock_held(&db_file) {
                    free_but_refused += 1;
                }
            }
            Err(e) => return Err(from_sled(e)),
        }
    }
}

/// sled's own open, with a panic inside sled turned into the integrity fault it is. sled
/// 0.34 panics on some damaged files instead of returning an error: a 10M-event import left
/// a log whose every later open panicked ("tried to serialize Uninitialized", in
/// `read_snapshot_or_default`). Stored bytes must not bring the process down, and `recover`
/// must go on to the journal's copy when sled cannot give the log back.
pub(super) fn sled_open(config: &sled::Config) -> Result<sled::Result<sled::Db>, Fault> {
    caught(|| config.open()).map_err(|payload| Fault::SledCannotOpen {
        detail: panic_text(payload.as_ref()),
    })
}

thread_local! {
    /// Set while this thread runs sled code whose panic is caught and reported as a fault.
    static CAUGHT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, catching a panic inside it. The panic hook stays silent for it (on this thread
/// only): the panic becomes a refusal in the reader's language, and sled's own "thread 'main'
/// panicked at …" above it would read as a crash. Panics anywhere else print as before.
pub(super) fn caught<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CAUGHT.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = CAUGHT.with(|c| c.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f));
    CAUGHT.with(|c| c.set(was));
    out
}

/// What a caught panic said (its message, when it is text).
pub(super) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let said = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("sled panicked: {said}")
}

/// Whether sled's open failed on its file lock: sled reports that as an `Other` error with
/// no OS error code, while a failed read or write (a full disk) carries its OS code.
fn is_refused_lock(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Other && e.raw_os_error().is_none()
}

/// How long `open_sled` waits for sled's own lock to be let go by this process.
const SLED_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether sled's own lock on its database file is held. Found by trying the same lock
/// (`flock`, as sled takes it) and letting go at once, not from the words of sled's error:
/// a missing file (a new store) holds no lock.
fn sled_lock_held(db_file: &Path) -> bool {
    super::plain::open(db_file).is_ok_and(|f| matches!(f.try_lock(), Err(TryLockError::WouldBlock)))
}

/// How many times (10 ms apart) `lock` retries a held lock before reporting it: about 1 s.
const LOCK_ATTEMPTS: u32 = 100;

pub(crate) fn lock(dir: &Path) -> Result<File, StoreError> {
    lock_mode(&super::plain::real_path(dir)).map(|(file, _)| file)
}

/// Takes the store's lock and says whether the store can be written: on read-only media (or
/// without write permission) the lock is taken on a read-only handle, which `flock` allows.
/// Every open of a store starts here, so the store's folder is checked here first: anything
/// in it but plain files and folders is refused before a file is opened (`plain`).
/// `dir` is the store's real path (`plain::real_path`): its `LOCK` is opened without a link
/// on the way.
pub(super) fn lock_mode(dir: &Path) -> Result<(File, bool), StoreError> {
    super::plain::check_folder(dir)?;
    let path = dir.join("LOCK");
    let (file, writable) = match super::plain::open_write(&path, false) {
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
