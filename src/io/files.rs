//! Small files: bounded reads and atomic replacement.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a small file could not be read or written; each names the file.
#[derive(Debug)]
pub enum FileError {
    /// An input file (`import FILE`, an export) could not be opened.
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Opening or reading failed.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is larger than the caller's limit.
    TooLarge { path: PathBuf, max: u64 },
    /// The file is not UTF-8 text.
    NotUtf8 { path: PathBuf },
    /// Creating, writing, syncing or renaming the replacement failed.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::Open { path, source } => {
                write!(f, "cannot open {}: {source}", path.display())
            }
            FileError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            FileError::TooLarge { path, max } => {
                write!(f, "{} is larger than {max} bytes; split it", path.display())
            }
            FileError::NotUtf8 { path } => write!(f, "{} is not UTF-8", path.display()),
            FileError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Open { source, .. }
            | FileError::Read { source, .. }
            | FileError::Write { source, .. } => Some(source),
            FileError::TooLarge { .. } | FileError::NotUtf8 { .. } => None,
        }
    }
}

/// Opens an input file, naming it when it cannot be opened.
pub fn open(path: &Path) -> Result<std::fs::File, FileError> {
    std::fs::File::open(path).map_err(|source| FileError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a small UTF-8 file, refusing one larger than `max` bytes. Reads at most `max + 1`
/// bytes whatever the file claims to be, so a growing or special file cannot get past it.
pub fn read_text_file(path: &Path, max: u64) -> Result<String, FileError> {
    let fail = |source: std::io::Error| FileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Mode asked for a new output file; the kernel takes the process's umask off it, so a report
/// gets what any other program would give it (0644 under the usual umask 022). tempfile's own
/// default, 0600, is right for secrets but left reports unreadable to the office's group.
const OUTPUT_MODE: u32 = 0o666;

/// Replaces `path` with `bytes` through a temporary file in the same directory, so a reader
/// never sees half a report and a failure leaves the old file whole. The message names the
/// file. The file gets the umask's permissions (see `OUTPUT_MODE`).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// `write_atomically` for a writer that streams: `fill` writes the content into the temporary
/// file (which it may seek in, as a zip writer does); it is fsynced and renamed over `path`.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let (dir, fail) = (parent_of(path), write_failed(path));
    let mut tmp = output_temp_file(&dir).map_err(fail)?;
    fill(tmp.as_file_mut()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The folder an output at `path` is written in (a bare file name: the current folder).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A failed write of the output at `path`.
fn write_failed(path: &Path) -> impl Fn(std::io::Error) -> FileError + Copy + '_ {
    move |source| FileError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary file in `dir` for an output that will be renamed over its target.
pub fn output_temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    // tempfile's own `.tmp` prefix: messages naming a failed temporary file stay as they were.
    tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(OUTPUT_MODE))
        .tempfile_in(dir)
}

/// Why an output folder cannot be written, with the folder (worded by
/// `present::app_errors`).
#[derive(Debug, Clone)]
pub enum FolderRefusal {
    CannotLook {
        dir: PathBuf,
        cause: std::sync::Arc<std::io::Error>,
    },
    NotAFolder {
        dir: PathBuf,
    },
    NotEmpty {
        dir: PathBuf,
    },
    CannotList {
        dir: PathBuf,
        cause: std::sync::Arc<std::io::Error>,
    },
}

/// Why an output folder cannot be written: `None` if `dir` does not exist or is an empty
/// folder (what `write_folder_atomically` may put in its place), else the reason.
pub fn folder_refusal(dir: &Path) -> Option<FolderRefusal> {
    let owned = || dir.to_path_buf();
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            let cause = e.into();
            return Some(FolderRefusal::CannotLook {
                dir: owned(),
                cause,
            });
        }
    };
    // A symbolic link is refused too, even to an empty folder: the export would land elsewhere.
    if !meta.is_dir() {
        return Some(FolderRefusal::NotAFolder { dir: owned() });
    }
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_some()) {
        Ok(false) => None,
        Ok(true) => Some(FolderRefusal::NotEmpty { dir: owned() }),
        Err(e) => Some(FolderRefusal::CannotList {
            dir: owned(),
            cause: e.into(),
        }),
    }
}

/// Writes the folder `dir` whole or not at all: `fill` writes its files into a temporary
/// folder beside it, which is fsynced (files and folder) and renamed to `dir` (replacing an
/// empty folder; a folder that is not empty is never replaced: the rename fails). A reader
/// never sees half an export, and a failure leaves nothing but what was there.
pub fn write_folder_atomically(
    dir: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), FileError> {
    use std::os::unix::fs::PermissionsExt;
    let (parent, fail) = (parent_of(dir), write_failed(dir));
    let tmp = tempfile::Builder::new()
        .prefix(".socai-out-")
        .permissions(std::fs::Permissions::from_mode(0o777))
        .tempdir_in(&parent)
        .map_err(fail)?;
    fill(tmp.path()).map_err(fail)?;
    for entry in std::fs::read_dir(tmp.path()).map_err(fail)? {
        std::fs::File::open(entry.map_err(fail)?.path())
            .and_then(|f| f.sync_all())
            .map_err(fail)?;
    }
    std::fs::File::open(tmp.path())
        .and_then(|f| f.sync_all())
        .map_err(fail)?;
    std::fs::rename(tmp.path(), dir).map_err(fail)?;
    // Renamed: nothing is left for the guard to remove.
    let _ = tmp.keep();
    std::fs::File::open(&parent)
        .and_then(|f| f.sync_all())
        .map_err(fail)
}
