//! The HEAD record: `socai-head 1`, the last acknowledged sequence and its hash, and the
//! `SEQ:HASH` form users give.
//!
//! HEAD is a third witness of the log's tail, beside sled and the journal: both copies are
//! durable before HEAD names a batch, so HEAD never names more than both hold, and a log that
//! ends before HEAD lost acknowledged events. HEAD may lag behind the log (the open brings
//! it forward: the batch beyond it is complete in both copies, which is all an
//! acknowledgement promised), so a commit writes it without an fsync of its own:
//! - at open, and whenever the record's length changes (its sequence gains a digit), HEAD is
//!   written whole to `HEAD.tmp`, fsynced and renamed into place (`write_head`);
//! - after every other commit, the same number of bytes is written over it in place
//!   (`write_head_in_place`): one `pwrite` of ~110 bytes at offset 0, inside one disk sector,
//!   which the disk writes whole or not at all (PostgreSQL keeps `pg_control` under 512 bytes
//!   for the same reason). No rename, no directory fsync, and the fdatasync of that write
//!   rides in the next commit's fsync round (`sync_pending`), in parallel with the copies';
//!   a power cut before it leaves the previous record, which the open brings forward.
//!
//! A reader without the lock (`storage::snapshot`, `LogReader` on another thread) may read
//! HEAD while it is being overwritten; `read_head` re-reads a record whose checksum does not
//! match, so a torn read is told from a damaged file.

use std::fs::File;
use std::path::Path;

use super::fault::{Copy, HeadDefect};
use super::fsync::replace_durably;
use super::{Fault, GENESIS, HEAD_FILE, HEAD_MAGIC, Hash, Store, StoreError, integrity, io};

/// HEAD held open by the writer for in-place updates.
pub(super) struct HeadFile {
    file: File,
    /// The length of the record on disk: an update of another length is renamed into place.
    len: usize,
    /// Whether the last in-place write has not been fdatasynced yet.
    pending: bool,
}

impl Store {
    /// The text of the HEAD record naming the store's head.
    fn head_text(&self) -> String {
        let seq = self.head_seq();
        let hash = self.hash_of(seq).unwrap_or(GENESIS);
        let body = format!("{HEAD_MAGIC}\n{seq}\n{}\n", hex::encode(hash));
        // A checksum line tells a damaged HEAD from one that names another log (earlier
        // versions wrote none and ignore it).
        format!("{body}sum {}\n", head_sum(&body))
    }

    /// Writes HEAD whole and durably: a new file, fsynced, renamed over the old one, and the
    /// directory fsynced. A crash leaves the old record or the new one.
    pub(super) fn write_head(&mut self) -> Result<(), StoreError> {
        self.head_file = None;
        let text = self.head_text();
        let file = replace_durably(&self.dir, HEAD_FILE, text.as_bytes())?;
        self.head_file = Some(HeadFile {
            file,
            len: text.len(),
            pending: false,
        });
        Ok(())
    }

    /// Names the new head after a commit (see the module comment): in place when the record
    /// keeps its length, its fdatasync left to the next commit's round; else `write_head`.
    pub(super) fn write_head_in_place(&mut self) -> Result<(), StoreError> {
        use std::os::unix::fs::FileExt;
        let text = self.head_text();
        let Some(head) = self.head_file.as_mut().filter(|h| h.len == text.len()) else {
            return self.write_head();
        };
        let path = self.dir.join(HEAD_FILE);
        head.file
            .write_all_at(text.as_bytes(), 0)
            .map_err(|e| io("cannot write", &path, e))?;
        head.pending = true;
        Ok(())
    }

    pub(super) fn head_synced(&mut self) {
        if let Some(head) = self.head_file.as_mut() {
            head.pending = false;
        }
    }
}

impl HeadFile {
    /// The HEAD file if its last in-place write still needs its fdatasync: the next commit
    /// syncs it in its own fsync round (`sync_head`).
    pub(super) fn pending(&self) -> Option<&File> {
        self.pending.then_some(&self.file)
    }
}

/// fdatasyncs a HEAD written in place by the previous commit.
pub(super) fn sync_head(file: Option<&File>, dir: &Path) -> Result<(), StoreError> {
    match file {
        Some(file) => file
            .sync_data()
            .map_err(|e| io("cannot fsync", &dir.join(HEAD_FILE), e)),
        None => Ok(()),
    }
}

/// Reads the HEAD record of `dir` for a reader that may race the writer's in-place update:
/// a text that does not parse is read again (a torn read passes; a damaged file does not).
pub(crate) fn read_head(dir: &Path) -> std::io::Result<String> {
    let path = dir.join(HEAD_FILE);
    let mut text = read_text(&path)?;
    for _ in 0..3 {
        if parse_head(&text).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        text = read_text(&path)?;
    }
    Ok(text)
}

/// The longest HEAD record read: its own is under 200 bytes.
const MAX_HEAD_BYTES: u64 = 4096;

/// The HEAD file at `path` as text, read as a store file (`plain::read_bounded`): a pipe or a
/// link under its name is refused, not waited on.
pub(super) fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = super::plain::read_bounded(path, MAX_HEAD_BYTES)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Parses a head written as `SEQ:HASH` (64 hex digits), as `verify --expect-head` takes it.
pub fn parse_head_arg(text: &str) -> Result<(u64, Hash), String> {
    let (seq, hash) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not SEQ:HASH"))?;
    let seq: u64 = seq
        .trim()
        .parse()
        .map_err(|_| format!("{seq:?} is not a sequence number"))?;
    let bytes = hex::decode(hash.trim()).map_err(|_| format!("{hash:?} is not hexadecimal"))?;
    let hash: Hash = bytes
        .try_into()
        .map_err(|_| "the hash must be 64 hexadecimal digits".to_string())?;
    Ok((seq, hash))
}

pub(crate) fn parse_head(text: &str) -> Result<(u64, Hash), StoreError> {
    let bad = |why: HeadDefect| integrity(None, Fault::HeadUnreadable(why));
    let mut lines = text.lines();
    if lines.next() != Some(HEAD_MAGIC) {
        return Err(bad(HeadDefect::UnknownHeader));
    }
    let seq: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| bad(HeadDefect::NoSequence))?;
    let bytes = lines
        .next()
        .and_then(|l| hex::decode(l).ok())
        .ok_or_else(|| bad(HeadDefect::NoHash))?;
    let hash: Hash = bytes
        .try_into()
        .map_err(|_| bad(HeadDefect::HashNotThirtyTwoBytes))?;
    if let Some(line) = lines.next() {
        let body = format!("{HEAD_MAGIC}\n{seq}\n{}\n", hex::encode(hash));
        if line.strip_prefix("sum ") != Some(head_sum(&body).as_str()) || !text.starts_with(&body) {
            return Err(bad(HeadDefect::ChecksumDiffers));
        }
    }
    if lines.next().is_some() {
        return Err(bad(HeadDefect::LinesAfterChecksum));
    }
    Ok((seq, hash))
}

/// The checksum line of a HEAD record: 16 hex digits of SHA-256 over the lines before it.
fn head_sum(body: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(body.as_bytes())[..8])
}

/// HEAD names `seq` with `head`, but the log's chain hash of `seq` is `log`.
pub(super) fn head_hash_differs(seq: u64, head: &Hash, log: &Hash) -> StoreError {
    integrity(
        Some(seq),
        Fault::HeadHashDiffers {
            seq,
            head: *head,
            found: *log,
            copy: Copy::Log,
        },
    )
}
