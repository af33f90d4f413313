//! The store's files are plain files and folders, and nothing else is read as one.
//!
//! Why: anyone who can write the store's folder can leave a pipe, a device, a socket or a
//! link there under a name socai reads. Opening a pipe waits for a writer that never comes (a
//! pipe named `HEAD`, `LOCK`, a journal segment, an index file or sled's `conf` hung
//! `verify` and `balance` for good), and a link to `/dev/zero` is read until memory runs out.
//! socai never writes such a thing, so finding one is refused loudly, naming it:
//! - before a store is opened its folder is walked once (`check_folder`), which covers the
//!   files sled opens itself;
//! - every file storage reads is opened without following a link and without waiting
//!   (`open`: `O_NONBLOCK` changes nothing for a plain file) and refused unless it is a plain
//!   file, which covers one swapped in after the walk.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{Fault, StoreError, integrity, io};

/// How deep the walk looks: the deepest file socai or sled reads is `index/<kind>/<file>`.
const MAX_DEPTH: usize = 3;

/// Opens a store file for reading: refused, without waiting, unless it is a plain file.
pub(super) fn open(path: &Path) -> io::Result<File> {
    checked(OpenOptions::new().read(true), path)
}

/// Opens (creating it if absent) a store file for writing, as `open` does: `truncate` empties it.
pub(super) fn open_write(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    checked(&mut options, path)
}

/// Opens an existing store file for writing (never creating it), as `open` does.
pub(super) fn open_existing_write(path: &Path) -> io::Result<File> {
    checked(OpenOptions::new().write(true), path)
}

/// Opens a folder of the store (to fsync it or take a lock on it): refused at once, without
/// waiting, unless it is a folder. The store's own folder may be reached through a link its
/// user made; the folders inside it are walked before every open (`check_folder`).
pub(super) fn open_folder(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
        .open(dir)
}

fn checked(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    checked_len(options, path).map(|(file, _)| file)
}

/// As `checked`, with the file's length when it was opened.
fn checked_len(options: &mut OpenOptions, path: &Path) -> io::Result<(File, u64)> {
    let file = options
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            // What O_NOFOLLOW answers for a link, and a pipe opened to write with no reader.
            Some(libc::ELOOP | libc::ENXIO) => not_plain(),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_plain());
    }
    Ok((file, meta.len()))
}

/// A store file read whole, refused (`InvalidData`) past `max` bytes: its length may lie.
///
/// Read as long as it was when opened, in one `read` as a rule: a cold `balance` reads every
/// line's table, and each `stat` or `read` more is a system call per line. A file that grows
/// meanwhile is read as it was (every reader checks what it reads: a sum, a chain, a
/// checksum line); one that shrinks is read to its new end.
pub(super) fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (mut file, len) = checked_len(OpenOptions::new().read(true), path)?;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    // A loop, not `take(len).read_to_end`: that made a further `read` for a fifth of the
    // head tables of a cold `balance` (5,327 against 4,352 at 1M).
    let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0)];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

fn not_plain() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a plain file (a pipe, a device, a socket or a link)",
    )
}

/// Refuses a store whose folder holds anything but plain files and folders (down to
/// `MAX_DEPTH`), naming the first such entry. An entry that vanishes while it is looked at
/// (a temporary file renamed by a writer) is not a finding.
pub(super) fn check_folder(dir: &Path) -> Result<(), StoreError> {
    if !dir.is_dir() {
        return Ok(());
    }
    match first_not_plain(dir, MAX_DEPTH)? {
        Some(path) => Err(integrity(None, Fault::NotAPlainFile { path })),
        None => Ok(()),
    }
}

fn first_not_plain(dir: &Path, depth: usize) -> Result<Option<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("cannot list", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", dir, e))?;
        // The entry's own type: a link is not followed.
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io("cannot stat", &entry.path(), e)),
        };
        if kind.is_dir() {
            if let Some(depth) = depth.checked_sub(1)
                && let Some(found) = first_not_plain(&entry.path(), depth)?
            {
                return Ok(Some(found));
            }
        } else if !kind.is_file() {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo(path: &Path) {
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo touches nothing else.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_pipe_or_a_link_is_refused_at_once_and_a_plain_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("HEAD");
        std::fs::write(&plain, b"socai-head 1").unwrap();
        assert_eq!(read_bounded(&plain, 64).unwrap(), b"socai-head 1");
        let e = read_bounded(&plain, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);

        let pipe = dir.path().join("LOCK");
        fifo(&pipe);
        // Without O_NONBLOCK this open would wait for a writer for good.
        assert_eq!(open(&pipe).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let link = dir.path().join("UNIT");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(open(&link).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn the_walk_names_what_is_not_a_plain_file_at_any_depth_it_reads() {
        let dir = tempfile::tempdir().unwrap();
        let trails = dir.path().join("index").join("trails");
        std::fs::create_dir_all(&trails).unwrap();
        std::fs::write(trails.join("0"), b"x").unwrap();
        assert!(check_folder(dir.path()).is_ok());

        fifo(&trails.join("1"));
        match check_folder(dir.path()) {
            Err(StoreError::Integrity {
                fault: Fault::NotAPlainFile { path },
                ..
            }) => assert_eq!(path, trails.join("1")),
            other => panic!("expected the pipe to be named, got {other:?}"),
        }
        std::fs::remove_file(trails.join("1")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("log")).unwrap();
        assert!(check_folder(dir.path()).is_err(), "a link is not followed");
    }
}
