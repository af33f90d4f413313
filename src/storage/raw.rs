//! Direct access to the raw log for tests that simulate corruption. Not for production paths.

use std::path::Path;
use std::sync::OnceLock;

use super::lock::open_sled;
use super::{EVENTS_TREE, index};

/// Opens the log the way the store does, waiting out the sled file lock that a store
/// dropped a moment ago in this process (or the previous helper call) may still hold:
/// sled releases it from a background thread.
fn open_raw(dir: &Path) -> Result<sled::Db, String> {
    open_sled(
        sled::Config::new()
            .path(dir.join("log"))
            .flush_every_ms(None),
    )
    .map_err(|e| e.to_string())
}

/// Replaces the stored value of `seq` with `f(value)`, bypassing every check.
pub fn tamper(dir: &Path, seq: u64, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
    let db = open_raw(dir)?;
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
    let db = open_raw(dir)?;
    let tree = db.open_tree(EVENTS_TREE).map_err(|e| e.to_string())?;
    tree.remove(seq.to_be_bytes()).map_err(|e| e.to_string())?;
    db.flush().map_err(|e| e.to_string())?;
    Ok(())
}

/// Removes the persisted index (derived data), as a store written before the index
/// existed would lack it.
pub fn drop_index(dir: &Path) -> Result<(), String> {
    std::fs::remove_dir_all(index::dir_of(dir)).map_err(|e| e.to_string())
}

/// Alters one stored head table of the index with `f`, bypassing every check.
pub fn tamper_index(dir: &Path, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), String> {
    let heads = index::dir_of(dir).join("head");
    for entry in std::fs::read_dir(&heads).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let mut value = std::fs::read(&path).map_err(|e| e.to_string())?;
        if value.len() > 100 {
            f(&mut value);
            return std::fs::write(&path, value).map_err(|e| e.to_string());
        }
    }
    Err("no head table".into())
}

/// The hook a crash drill sets to kill its own process at a named step of a commit.
static FAULT: OnceLock<fn(&str)> = OnceLock::new();

/// Sets the hook called at each named step of a commit (`fault`); a drill's child process
/// aborts there to show that a crash between those steps loses nothing acknowledged. Once
/// per process; never set outside tests.
pub fn set_fault_hook(hook: fn(&str)) {
    let _ = FAULT.set(hook);
}

/// A named step of the commit path, for crash drills (a no-op unless a hook is set). Steps:
/// `commit:sled-durable` (sled's copy is durable, the journal's maybe not yet),
/// `commit:journal-durable` (the journal's is, sled's maybe not yet),
/// `commit:copies-durable` (both, HEAD not yet written), `commit:head-written` (HEAD written in
/// place, not yet fsynced, the index not yet extended), `index:files-written` (the index
/// files changed, their mark not yet written), `import:part-durable` (a part of an import's
/// chunk durable and let go of, the next part not begun).
pub(crate) fn fault(point: &str) {
    if let Some(hook) = FAULT.get() {
        hook(point);
    }
}
