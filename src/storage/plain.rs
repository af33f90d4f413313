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
//!   file, which covers one swapped in after the walk;
//! - what storage writes, creates or removes is reached with no link anywhere on its way
//!   (`open_unlinked`), from the store's real path (`real_path`), which covers a folder inside
//!   the store swapped for a link after the walk: what is written never lands outside it.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
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
/// No part of its way may be a link (`open_unlinked`): it is written.
pub(super) fn open_write(path: &Path, truncate: bool) -> io::Result<File> {
    let mut flags = libc::O_WRONLY | libc::O_CREAT;
    if truncate {
        flags |= libc::O_TRUNC;
    }
    plain_file(open_unlinked(path, flags)?)
}

/// Opens an existing store file for writing (never creating it), as `open_write` does.
pub(super) fn open_existing_write(path: &Path) -> io::Result<File> {
    plain_file(open_unlinked(path, libc::O_WRONLY)?)
}

/// Opens a folder of the store (to fsync it, to create or remove a file in it, or to take a
/// lock on it): refused at once, without waiting, unless it is a folder reached without a
/// link. The store's own folder may be reached through a link its user made: a store is
/// opened by its real path (`real_path`), so none is left on the way by then.
pub(super) fn open_folder(dir: &Path) -> io::Result<File> {
    open_unlinked(dir, libc::O_RDONLY | libc::O_DIRECTORY)
}

/// The real path of a store's folder, without links (as given if it cannot be resolved, e.g.
/// not yet created): what every file of the store is then reached through, so that a link
/// left inside the store is refused wherever it is on the way (`open_unlinked`).
pub(super) fn real_path(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Creates `dir` and the folders above it that are missing, each in a folder reached
/// without a link, so none is ever created through one.
pub(super) fn create_folders(dir: &Path) -> io::Result<()> {
    create_folders_within(dir, MAX_CREATED_DEPTH)
}

/// How many missing folders `create_folders` creates at most: the deepest is the store's
/// own and the three below it (`index/<kind>`, `journal.new`), with room for a new store's
/// parents.
const MAX_CREATED_DEPTH: usize = 16;

fn create_folders_within(dir: &Path, depth: usize) -> io::Result<()> {
    match open_folder(dir) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound && depth > 0 => {}
        Err(e) => return Err(e),
    }
    let (parent, name) = parent_and_name(dir)?;
    create_folders_within(parent, depth - 1)?;
    let at = open_folder(parent)?;
    let name = c_name(name)?;
    // SAFETY: `at` is an open folder and `name` a NUL-terminated name within it.
    if unsafe { libc::mkdirat(at.as_raw_fd(), name.as_ptr(), 0o777) } != 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::AlreadyExists {
            return Err(e);
        }
    }
    // Made, or made meanwhile by another writer: a folder, not a link, either way.
    open_folder(dir).map(|_| ())
}

/// Removes a store file from a folder reached without a link.
pub(super) fn remove_file(path: &Path) -> io::Result<()> {
    let (parent, name) = parent_and_name(path)?;
    let at = open_folder(parent)?;
    let name = c_name(name)?;
    // SAFETY: `at` is an open folder and `name` a NUL-terminated name within it.
    if unsafe { libc::unlinkat(at.as_raw_fd(), name.as_ptr(), 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A path's folder (`.` for a bare name) and its last part, which must be a name.
fn parent_and_name(path: &Path) -> io::Result<(&Path, &std::ffi::OsStr)> {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if parent.as_os_str().is_empty() => Ok((Path::new("."), name)),
        (Some(parent), Some(name)) => Ok((parent, name)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not the path of a file in a folder",
        )),
    }
}

fn c_name(name: &std::ffi::OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Opens `path` with `flags`, without waiting (`O_NONBLOCK`), refused with `ELOOP` if any
/// part of the way to it is a link, not only its end: someone who can write the store's
/// folder could otherwise swap a folder inside it (`index/head`, `journal`, `log`) for a link
/// after the open's walk, and what socai writes there would land outside the store.
/// `openat2` with `RESOLVE_NO_SYMLINKS` (Linux 5.6) does it in one call; without it, the way
/// is walked a folder at a time (`open_walking`).
fn open_unlinked(path: &Path, flags: libc::c_int) -> io::Result<File> {
    let flags = flags | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
    let name = c_name(path.as_os_str())?;
    let how = OpenHow {
        flags: flags as u64,
        // openat2 refuses a mode unless the call may create the file.
        mode: if flags & libc::O_CREAT != 0 { 0o666 } else { 0 },
        resolve: libc::RESOLVE_NO_SYMLINKS,
    };
    // SAFETY: `name` is NUL-terminated and `how` a valid `open_how` of the size given.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            name.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd >= 0 {
        let fd = libc::c_int::try_from(fd).map_err(|_| io::Error::from(io::ErrorKind::Other))?;
        // SAFETY: a descriptor the call just opened, owned by nothing else.
        return Ok(unsafe { File::from_raw_fd(fd) });
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // An older kernel, or a sandbox that does not let the call through.
        Some(libc::ENOSYS | libc::EPERM) => open_walking(path, flags).map_err(unlinked_error),
        _ => Err(unlinked_error(e)),
    }
}

/// What a link on the way (`ELOOP`; `ENOTDIR` when walked), or a pipe opened to write with no
/// reader (`ENXIO`), is called.
fn unlinked_error(e: io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(libc::ELOOP | libc::ENXIO | libc::ENOTDIR) => not_plain(),
        _ => e,
    }
}

/// The kernel's `struct open_how` (libc's cannot be built outside libc: it is
/// non-exhaustive).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// `open_unlinked` without `openat2`: each folder on the way is opened from the one before
/// it without following a link (`O_PATH | O_NOFOLLOW | O_DIRECTORY` fails on a link), then
/// the last part from the last folder.
fn open_walking(path: &Path, flags: libc::c_int) -> io::Result<File> {
    let (folders, last) = match path.file_name() {
        Some(name) => (path.parent().unwrap_or(Path::new("")), name),
        None => (path, std::ffi::OsStr::new(".")),
    };
    let start = if path.is_absolute() { "/" } else { "." };
    let mut at = File::open(start)?;
    for part in folders.components() {
        let name = match part {
            std::path::Component::Normal(name) => name,
            std::path::Component::ParentDir => std::ffi::OsStr::new(".."),
            _ => continue,
        };
        at = open_at(
            &at,
            name,
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )?;
    }
    open_at(&at, last, flags)
}

fn open_at(at: &File, name: &std::ffi::OsStr, flags: libc::c_int) -> io::Result<File> {
    let name = c_name(name)?;
    let mode: libc::c_uint = if flags & libc::O_CREAT != 0 { 0o666 } else { 0 };
    // SAFETY: `at` is an open folder and `name` a NUL-terminated name within it.
    let fd = unsafe { libc::openat(at.as_raw_fd(), name.as_ptr(), flags, mode) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor the call just opened, owned by nothing else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Refuses `file` unless it is a plain file.
fn plain_file(file: File) -> io::Result<File> {
    if !file.metadata()?.is_file() {
        return Err(not_plain());
    }
    Ok(file)
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
        "not a plain file or folder reached without a link (a pipe, a device, a socket, or a link on the way)",
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

    /// A folder on the way swapped for a link: whatever is written below it is refused, by
    /// `openat2` and by the walk that stands in for it on older kernels alike, and nothing
    /// is made, written or removed where the link points.
    #[test]
    fn nothing_is_written_created_or_removed_through_a_link_on_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let head = store.join("index").join("head");
        create_folders(&head).unwrap();
        let table = head.join("0");
        for open in [open_unlinked, open_walking] {
            let file = open(&table, libc::O_WRONLY | libc::O_CREAT).unwrap();
            assert!(file.metadata().unwrap().is_file());
        }

        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("0"), b"not socai's").unwrap();
        std::fs::rename(store.join("index"), dir.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, store.join("index")).unwrap();
        let through = store.join("index").join("0");
        let refused = |e: io::Error| e.kind() == io::ErrorKind::InvalidInput;
        assert!(refused(open_write(&through, true).unwrap_err()));
        assert!(refused(open_existing_write(&through).unwrap_err()));
        assert!(refused(
            open_walking(&through, libc::O_WRONLY)
                .map_err(unlinked_error)
                .unwrap_err()
        ));
        assert!(refused(open_folder(&store.join("index")).unwrap_err()));
        assert!(create_folders(&store.join("index").join("trails")).is_err());
        assert!(remove_file(&through).is_err());
        let left: Vec<_> = std::fs::read_dir(&elsewhere)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["0"]);
        assert_eq!(std::fs::read(elsewhere.join("0")).unwrap(), b"not socai's");

        // The store's own folder reached through a link its user made is followed, once
        // its real path is taken.
        std::fs::remove_file(store.join("index")).unwrap();
        std::fs::rename(dir.path().join("moved"), store.join("index")).unwrap();
        let users = dir.path().join("users-link");
        std::os::unix::fs::symlink(&store, &users).unwrap();
        assert!(open_existing_write(&users.join("index").join("head").join("0")).is_err());
        let real = real_path(&users);
        assert!(open_existing_write(&real.join("index").join("head").join("0")).is_ok());
        remove_file(&real.join("index").join("head").join("0")).unwrap();
        assert!(!table.exists());
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
