//! Small files: bounded reads and atomic replacement.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Reads a small UTF-8 file, refusing one larger than `max` bytes. Reads at most `max + 1`
/// bytes whatever the file claims to be, so a growing or special file cannot get past it.
pub fn read_text_file(path: &Path, max: u64) -> Result<String, String> {
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{} is larger than {max} bytes; split it",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", path.display()))
}

/// Replaces `path` with `bytes` through a temporary file in the same directory, so a reader
/// never sees half a report and a failure leaves the old file whole. The message names the
/// file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
