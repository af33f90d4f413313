//! The journal read as the log, for a command that only reads (`report`, `settlement`,
//! `export`, `reconcile`, `advances`, the whole-log reads, and the folds over a store that
//! `serve` holds): its frames carry the same sequence, chain hash and envelope as
//! sled's entries, so a store can be opened, verified and read back without opening sled at
//! all. sled's start-up alone held 366 MB at 10M events (a page-table entry for each of its
//! pages and the snapshot it recovers from); the journal costs a position every
//! `LOCATE_EVERY` frames (8 bytes: 1.25 MB at 10M).
//!
//! Only a journal that ends exactly at HEAD is read this way (`ends_at_head`), and only when
//! the index mark names HEAD: a writer left the store at that head, and no open has found the
//! log damaged since (one that does withdraws the mark, so that every read refuses the store
//! from then on, this one too). A journal without frames up to HEAD, or with frames beyond it
//! (a batch whose HEAD was not written, which a writer's open either brings forward or cuts,
//! after comparing it with sled's copy), is left to the full open, which reads sled and
//! repairs what it may. A store another process holds (`Holder::Another`) is read up to the
//! HEAD read first, whatever follows, without a mark: `storage::snapshot`'s argument.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use super::entries::Entries;
use super::hashes::Hashes;
use super::journal::{self, FRAME_HEADER, MAGIC, MAX_ENVELOPE};
use super::scan::{LogReader, scan};
use super::{
    Fault, Hash, SledFiles, Store, StoreError, binding_of, head, integrity, io, lock_mode,
    parse_head, read_unit, replica,
};
use crate::core::rules::Recorded;

/// Every how many frames the open notes where one starts: a record read back skips at most
/// this many frames' headers from the nearest noted one.
const LOCATE_EVERY: u64 = 64;
/// Bytes read from a segment at a time.
const READ_BUFFER: usize = 64 << 10;

impl Store {
    /// As `open_each_hashed` (`keep`: every chain hash held) or `open_each_released`, for a
    /// command that only reads: the log is read and verified from the journal (every frame's
    /// chain, HEAD's hash at its end, the rules re-checked by `each`) and sled is never
    /// opened. `Ok(None)` when the journal cannot be read as the log (see the module comment)
    /// or does not verify: the caller then opens through sled, which decides about the store
    /// and words what is wrong; nothing is kept from this attempt, and the lock is let go.
    /// The one failure returned is another process holding the store.
    pub fn open_from_journal(
        dir: &Path,
        keep: bool,
        each: &mut dyn FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Option<Store>, StoreError> {
        if !dir.join("log").is_dir() || !dir.join(journal::DIR).is_dir() {
            return Ok(None);
        }
        let real = super::plain::real_path(dir);
        let dir = real.as_path();
        let (lock, _) = lock_mode(dir)?;
        let opened = Store::journal_opened(dir, (lock, keep, Holder::This), each);
        opened.or_else(|e| {
            tracing::debug!("the journal is not read as the log ({e}); opening sled");
            Ok(None)
        })
    }

    /// As `open_from_journal` with every record let go of, for a store another process
    /// holds (`socai serve`) and may be appending to: no lock is taken, and the log is the
    /// journal's frames up to the HEAD read first, whatever follows them (`storage::snapshot`
    /// says why that is exactly the log HEAD acknowledged). `None` when the journal cannot be
    /// read so: the caller reads the snapshot, which words what is wrong.
    pub fn open_held_from_journal(
        dir: &Path,
        each: &mut dyn FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Option<Store> {
        super::plain::check_folder(dir).ok()?;
        // Not locked: held open only so that the store has a handle, as any store does.
        let lock = super::plain::open(&dir.join("LOCK")).ok()?;
        match Store::journal_opened(dir, (lock, false, Holder::Another), each) {
            Ok(store) => store,
            Err(e) => {
                tracing::debug!("the held store's journal is not read as the log ({e})");
                None
            }
        }
    }

    fn journal_opened(
        dir: &Path,
        (lock, keep, holder): (File, bool, Holder),
        each: &mut dyn FnMut(Recorded, &Hash, &LogReader) -> Result<(), StoreError>,
    ) -> Result<Option<Store>, StoreError> {
        let text = head::read_head(dir).map_err(|e| io("cannot read", &dir.join("HEAD"), e))?;
        let (head, head_hash) = parse_head(&text)?;
        let unit = read_unit(dir)?;
        let mark = super::index::read_mark(dir);
        if holder == Holder::This && mark.is_none_or(|m| (m.seq, m.hash) != (head, head_hash)) {
            // No writer left the index at this head, or an open found the log damaged since
            // and withdrew it: the full open decides (and refuses a damaged store again).
            return Ok(None);
        }
        let Some(log) = JournalLog::open(dir, head, holder)? else {
            return Ok(None);
        };
        let binding = unit.as_ref().map(binding_of);
        let entries = Entries::Journal(std::sync::Arc::new(log));
        let reader = LogReader {
            dir: dir.to_path_buf(),
            events: entries.clone(),
            binding,
        };
        let chained = scan(&entries, binding, keep, |r, h| each(r, h, &reader))?;
        if chained.count != head || chained.last != head_hash {
            return Ok(None);
        }
        let hashes = match keep {
            true => Hashes::All(chained.hashes),
            false => Hashes::Stored {
                count: chained.count,
                head: chained.last,
                proven: chained.hashes,
                events: entries.clone(),
            },
        };
        Ok(Some(Store {
            dir: dir.to_path_buf(),
            _lock: lock,
            sled: None,
            events: entries,
            hashes,
            poisoned: false,
            unit,
            replica_of: replica::read_marker(dir)?,
            journal: None,
            sled_files: SledFiles::new(dir.join("log")),
            head_file: None,
            workers: None,
            _scratch: None,
        }))
    }
}

/// Which process holds the store whose journal is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Holder {
    /// This one, under the lock: no writer appends, and the journal must end at HEAD.
    This,
    /// Another (a server) that may be appending: frames beyond HEAD are not looked at.
    Another,
}

/// A journal whose frames are the log `1..=head`.
pub(super) struct JournalLog {
    /// The segment files, by first sequence.
    segments: Vec<(u64, PathBuf)>,
    head: u64,
    /// Where frame `k * LOCATE_EVERY + 1` starts (segment index, byte offset), for the `k`
    /// the open's scan has passed: filled as it reads, so that a record the rules read back
    /// during the open (one the scan passed) is found.
    marks: RwLock<Vec<(u32, u32)>>,
}

/// One frame as a log entry: its sequence and the value sled would hold (hash ‖ envelope).
pub(super) type Frame = Result<(u64, Vec<u8>), StoreError>;

impl JournalLog {
    /// The journal of the store at `store` as the log `1..=head`, when it ends exactly at
    /// HEAD's sequence (or, held by another process, whatever follows); `None` when it cannot
    /// be read that way (see the module comment).
    pub(super) fn open(
        store: &Path,
        head: u64,
        holder: Holder,
    ) -> Result<Option<JournalLog>, StoreError> {
        let dir = store.join(journal::DIR);
        if head == 0 || !dir.is_dir() {
            return Ok(None);
        }
        let segments = journal::segments(&dir)?;
        // A plain file of a bounded size: never a pipe or a device, whose reads may not end.
        // A larger segment is not read as the log: the full open decides about it.
        let fits = |(_, path): &(u64, PathBuf)| {
            std::fs::metadata(path)
                .is_ok_and(|m| m.is_file() && m.len() <= journal::SEGMENT_READ_LIMIT)
        };
        if segments.first().is_none_or(|(first, _)| *first != 1)
            || !segments.iter().all(fits)
            || u32::try_from(segments.len()).is_err()
        {
            return Ok(None);
        }
        let log = JournalLog {
            segments,
            head,
            marks: RwLock::new(Vec::new()),
        };
        let whole = holder == Holder::Another || log.ends_at_head()?;
        Ok(whole.then_some(log))
    }

    /// Whether the last segment's last frame claims HEAD's sequence and nothing follows it
    /// but the zeros written ahead of frames. Its frames' chain is checked by the scan.
    fn ends_at_head(&self) -> Result<bool, StoreError> {
        let Some(last) = self.segments.len().checked_sub(1) else {
            return Ok(false);
        };
        let first = self.segments[last].0;
        if first > self.head {
            return Ok(false);
        }
        let mut cursor = Cursor::at(self, last, 0, first, None)?;
        let mut claimed = None;
        loop {
            match cursor.next_frame(false) {
                Some(Ok((seq, _))) => claimed = Some(seq),
                Some(Err(_)) => return Ok(false),
                None => break,
            }
        }
        Ok(claimed == Some(self.head) && cursor.segment == last)
    }

    pub(super) fn head(&self) -> u64 {
        self.head
    }

    /// Frames `from..=upto` (`upto` at most the head), in order, noting where every
    /// `LOCATE_EVERY`-th starts when reading from the first (the open's scan).
    pub(super) fn frames(&self, from: u64, upto: u64) -> Frames<'_> {
        let upto = upto.min(self.head);
        let cursor = if from > upto {
            Ok(None)
        } else {
            self.cursor_at(from.max(1), upto).map(Some)
        };
        Frames {
            cursor,
            note: from <= 1,
        }
    }

    /// The value (hash ‖ envelope) of the frame of `seq`, if the journal has it.
    pub(super) fn get(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if seq == 0 || seq > self.head {
            return Ok(None);
        }
        let mut cursor = self.cursor_at(seq, seq)?;
        match cursor.next_frame(false) {
            Some(Ok((claimed, value))) if claimed == seq => Ok(Some(value)),
            Some(Ok(_)) | None => Ok(None),
            Some(Err(e)) => Err(e),
        }
    }

    /// A cursor on the frame of `seq`: from the nearest noted frame at or before it, its
    /// headers skipped up to `seq`.
    fn cursor_at(&self, seq: u64, upto: u64) -> Result<Cursor<'_>, StoreError> {
        let k = (seq - 1) / LOCATE_EVERY;
        let mark = match self.marks.read() {
            Ok(marks) => usize::try_from(k).ok().and_then(|k| marks.get(k).copied()),
            Err(_) => None,
        };
        let (segment, offset, at) = match mark {
            Some((segment, offset)) => (segment as usize, u64::from(offset), k * LOCATE_EVERY + 1),
            None if seq == 1 => (0, 0, 1),
            // Not passed by the open's scan: an invariant of the callers (the scan reads the
            // whole journal before anything else reads it, and reads back only what it passed).
            None => return Err(integrity(Some(seq), Fault::RecordMissing)),
        };
        let mut cursor = Cursor::at(self, segment, offset, at, Some(upto))?;
        while cursor.next_seq < seq {
            match cursor.skip_frame() {
                Some(Ok(())) => {}
                Some(Err(e)) => return Err(e),
                None => return Err(integrity(Some(seq), Fault::RecordMissing)),
            }
        }
        Ok(cursor)
    }

    fn note(&self, seq: u64, segment: usize, offset: u64) {
        if !(seq - 1).is_multiple_of(LOCATE_EVERY) {
            return;
        }
        let (Ok(segment), Ok(offset)) = (u32::try_from(segment), u32::try_from(offset)) else {
            return;
        };
        if let Ok(mut marks) = self.marks.write()
            && marks.len() as u64 == (seq - 1) / LOCATE_EVERY
        {
            marks.push((segment, offset));
        }
    }
}

/// The frames of a range, as an iterator of log entries.
pub(super) struct Frames<'a> {
    cursor: Result<Option<Cursor<'a>>, StoreError>,
    note: bool,
}

impl Iterator for Frames<'_> {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        match &mut self.cursor {
            Ok(Some(cursor)) => {
                let frame = cursor.next_frame(self.note);
                if matches!(frame, Some(Err(_))) {
                    // Nothing after a damaged frame can be found.
                    self.cursor = Ok(None);
                }
                frame
            }
            Ok(None) => None,
            Err(_) => {
                let failed = std::mem::replace(&mut self.cursor, Ok(None));
                failed.err().map(Err)
            }
        }
    }
}

/// A position in the journal: a segment, the byte there, and the sequence the frame there
/// should be (counted from where the cursor started).
struct Cursor<'a> {
    log: &'a JournalLog,
    segment: usize,
    file: BufReader<File>,
    offset: u64,
    next_seq: u64,
    upto: Option<u64>,
}

impl<'a> Cursor<'a> {
    fn at(
        log: &'a JournalLog,
        segment: usize,
        offset: u64,
        next_seq: u64,
        upto: Option<u64>,
    ) -> Result<Cursor<'a>, StoreError> {
        let path = &log.segments[segment].1;
        let mut file = super::plain::open(path).map_err(|e| io("cannot read", path, e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io("cannot read", path, e))?;
        Ok(Cursor {
            log,
            segment,
            file: BufReader::with_capacity(READ_BUFFER, file),
            offset,
            next_seq,
            upto,
        })
    }

    fn path(&self) -> &Path {
        &self.log.segments[self.segment].1
    }

    /// The header of the next frame (its sequence and envelope length), moving on to the
    /// next segment where one ends (its end, or the zeros written ahead of frames); `None`
    /// at the end of the range or of the journal.
    fn header(&mut self) -> Option<Result<(u64, Hash, usize), StoreError>> {
        if self.upto.is_some_and(|upto| self.next_seq > upto) {
            return None;
        }
        loop {
            let mut header = [0u8; FRAME_HEADER];
            match read_full(&mut self.file, &mut header) {
                Ok(0) => {}
                Ok(n) if n == FRAME_HEADER && &header[..4] == MAGIC => {
                    return Some(self.parse_header(&header));
                }
                Ok(_) if header.iter().all(|&b| b == 0) => {}
                Ok(_) => return Some(Err(self.damaged())),
                Err(e) => return Some(Err(io("cannot read", self.path(), e))),
            }
            // The end of this segment's frames: the next segment, if any.
            let next = self.segment + 1;
            if next >= self.log.segments.len() {
                return None;
            }
            match Cursor::at(self.log, next, 0, self.next_seq, self.upto) {
                Ok(cursor) => *self = cursor,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    fn parse_header(&self, header: &[u8; FRAME_HEADER]) -> Result<(u64, Hash, usize), StoreError> {
        let mut len = [0u8; 4];
        len.copy_from_slice(&header[4..8]);
        let len = u32::from_be_bytes(len) as usize;
        if len == 0 || len > MAX_ENVELOPE {
            return Err(self.damaged());
        }
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&header[8..16]);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&header[16..48]);
        Ok((u64::from_be_bytes(seq), hash, len))
    }

    fn damaged(&self) -> StoreError {
        integrity(
            Some(self.next_seq),
            Fault::JournalDamagedAt {
                path: self.path().to_path_buf(),
                at: self.offset,
            },
        )
    }

    /// The next frame: the sequence it claims and its value (hash ‖ envelope).
    fn next_frame(&mut self, note: bool) -> Option<Frame> {
        let (claimed, hash, len) = match self.header()? {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        if note {
            self.log.note(self.next_seq, self.segment, self.offset);
        }
        let mut value = vec![0u8; 32 + len];
        value[..32].copy_from_slice(&hash);
        match read_full(&mut self.file, &mut value[32..]) {
            Ok(n) if n == len => {}
            Ok(_) => return Some(Err(self.damaged())),
            Err(e) => return Some(Err(io("cannot read", self.path(), e))),
        }
        self.offset += (FRAME_HEADER + len) as u64;
        self.next_seq += 1;
        Some(Ok((claimed, value)))
    }

    /// Moves past the next frame without reading its envelope.
    fn skip_frame(&mut self) -> Option<Result<(), StoreError>> {
        let (_, _, len) = match self.header()? {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        let skip = i64::try_from(len).unwrap_or(i64::MAX);
        if let Err(e) = self.file.seek_relative(skip) {
            return Some(Err(io("cannot read", self.path(), e)));
        }
        self.offset += (FRAME_HEADER + len) as u64;
        self.next_seq += 1;
        Some(Ok(()))
    }
}

/// Reads until `buf` is full or the file ends; how many bytes were read.
fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal of `1..=300` in three segments, the second followed by prefilled zeros: each
    /// frame's hash is its sequence repeated, its envelope a few bytes that name it.
    fn journal(dir: &Path) {
        let segments = std::path::Path::new(dir).join(journal::DIR);
        std::fs::create_dir_all(&segments).unwrap();
        for (first, last, zeros) in [(1u64, 100u64, 0usize), (101, 250, 4096), (251, 300, 0)] {
            let hashes: Vec<Hash> = (first..=last).map(|s| [s as u8; 32]).collect();
            let envelopes: Vec<Vec<u8>> = (first..=last)
                .map(|s| format!("envelope {s}").into_bytes())
                .collect();
            let mut bytes = journal::encode(first, &hashes, &envelopes);
            bytes.extend(std::iter::repeat_n(0u8, zeros));
            std::fs::write(segment(dir, first), bytes).unwrap();
        }
    }

    /// The path of the segment whose first frame is `first`.
    fn segment(store: &Path, first: u64) -> PathBuf {
        store.join(journal::DIR).join(format!("{first:020}.seg"))
    }

    fn value(seq: u64) -> Vec<u8> {
        let mut v = vec![seq as u8; 32];
        v.extend_from_slice(format!("envelope {seq}").as_bytes());
        v
    }

    #[test]
    fn frames_are_read_in_order_across_segments_and_one_by_one_once_passed() {
        let tmp = tempfile::tempdir().unwrap();
        journal(tmp.path());
        let log = JournalLog::open(tmp.path(), 300, Holder::This)
            .unwrap()
            .unwrap();
        let all: Vec<(u64, Vec<u8>)> = log.frames(1, 300).map(Result::unwrap).collect();
        assert_eq!(all.len(), 300);
        for (i, (seq, v)) in all.iter().enumerate() {
            assert_eq!((*seq, v), (i as u64 + 1, &value(i as u64 + 1)));
        }
        for seq in [1, 2, 64, 65, 100, 101, 129, 250, 251, 299, 300] {
            assert_eq!(log.get(seq).unwrap(), Some(value(seq)), "sequence {seq}");
        }
        assert_eq!(log.get(301).unwrap(), None, "beyond the head");
        let some: Vec<u64> = log.frames(99, 252).map(|f| f.unwrap().0).collect();
        assert_eq!(some, (99..=252).collect::<Vec<_>>());
        assert_eq!(log.frames(5, 4).count(), 0);
    }

    #[test]
    fn only_a_journal_that_ends_at_head_is_read_as_the_log() {
        let tmp = tempfile::tempdir().unwrap();
        journal(tmp.path());
        assert!(
            JournalLog::open(tmp.path(), 300, Holder::This)
                .unwrap()
                .is_some()
        );
        // Frames beyond HEAD (a batch HEAD does not name yet), or too few.
        assert!(
            JournalLog::open(tmp.path(), 299, Holder::This)
                .unwrap()
                .is_none()
        );
        assert!(
            JournalLog::open(tmp.path(), 301, Holder::This)
                .unwrap()
                .is_none()
        );
        // Held by a writer that appends, the frames beyond HEAD are not looked at.
        let held = JournalLog::open(tmp.path(), 299, Holder::Another)
            .unwrap()
            .unwrap();
        assert_eq!(held.frames(1, u64::MAX).count(), 299);
        // A segment that is not a plain file (a pipe would never end a read).
        let piped = tempfile::tempdir().unwrap();
        journal(piped.path());
        let last = segment(piped.path(), 251);
        std::fs::remove_file(&last).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &last).unwrap();
        let held = JournalLog::open(piped.path(), 250, Holder::Another).unwrap();
        assert!(held.is_none(), "not read, even up to a HEAD before it");
        let missing = tempfile::tempdir().unwrap();
        assert!(
            JournalLog::open(missing.path(), 3, Holder::This)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_damaged_frame_is_reported_where_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        journal(tmp.path());
        let path = segment(tmp.path(), 101);
        let mut bytes = std::fs::read(&path).unwrap();
        let frame = FRAME_HEADER + "envelope 101".len();
        bytes[frame] ^= 0xff; // the magic of sequence 102's frame
        std::fs::write(&path, bytes).unwrap();
        let log = JournalLog::open(tmp.path(), 300, Holder::This)
            .unwrap()
            .unwrap();
        let read: Vec<Frame> = log.frames(1, 300).collect();
        assert_eq!(read.len(), 102, "101 frames, then the failure");
        match read.last() {
            Some(Err(StoreError::Integrity {
                seq: Some(102),
                fault: Fault::JournalDamagedAt { at, .. },
            })) => assert_eq!(*at, frame as u64),
            other => panic!(
                "expected the damage at 102, got {:?}",
                other.map(|f| f.is_ok())
            ),
        }
    }
}
