//! A range of the journal read for a cold `diff` (issue 17): only the frames asked for are
//! read and proven against the chain hashes the index holds; the others are skipped by their
//! headers (see `journal` for the frame layout). The range notes where each frame lies and its
//! chain hash, so that its records can be read again, in turn or one by one, without being
//! held.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::fault::Fault;
use super::journal::{DIR, FRAME_HEADER, MAGIC, MAX_ENVELOPE, segments};
use super::unit::link_prev;
use super::{Hash, StoreError, chain_hash, io};
use crate::core::rules::Recorded;
use crate::core::slot_log::SlotLog;

/// Notes read back at once: as many as fit a run's block.
const NOTES_READ: usize = crate::core::tag_runs::BLOCK / NOTE;

/// A range of the journal proven once, link by link, against the chain hashes the index holds,
/// then read back record by record (`record`, `each`), each frame proven again by the hash
/// noted for it: the records themselves are never all held (a far `diff` names half a log).
/// A frame that no longer proves on a later read is an integrity failure, never a quiet answer.
#[derive(Debug)]
pub struct Range {
    binding: Option<super::unit::Binding>,
    segments: Vec<PathBuf>,
    /// Each segment opened once, when a record is first read back from it.
    files: Vec<std::cell::OnceCell<File>>,
    from: u64,
    /// The chain hash of `from - 1`.
    prev: Hash,
    /// Per sequence from `from`, `NOTE` slots: its segment (index into `segments`) and frame
    /// length, its frame's offset, its chain hash. Set aside past a bound (a far diff at 10M
    /// events proves 5M records: 240 MB held).
    noted: SlotLog,
}

/// Slots noted per record.
const NOTE: usize = 6;
/// Records' notes held before they are set aside (6 MB).
pub const HOLD: usize = 1 << 17;

/// What the range notes of one record.
#[derive(Clone, Copy, Debug)]
struct Note {
    segment: u32,
    len: u32,
    offset: u64,
    hash: Hash,
}

impl Note {
    fn slots(&self) -> [u64; NOTE] {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&self.hash[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        };
        let place = u64::from(self.segment) << 32 | u64::from(self.len);
        [place, self.offset, word(0), word(1), word(2), word(3)]
    }

    fn of(s: &[u64]) -> Note {
        let mut hash: Hash = [0u8; 32];
        for (i, w) in s[2..NOTE].iter().enumerate() {
            hash[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        Note {
            segment: (s[0] >> 32) as u32,
            len: s[0] as u32,
            offset: s[1],
            hash,
        }
    }
}

impl Range {
    /// Proves the records `from..=to` (`from` ≥ 1) of the journal of `store`: the first
    /// links to `prev` (the chain hash of `from - 1`, as the index knows it), each next one to
    /// the one before, and the last ends at `last` (the index's hash of `to`). `visit` sees each
    /// record once, in sequence order. `None` when the journal cannot give them so (a segment
    /// missing, a frame damaged or not chaining): the caller then answers from the full log.
    pub fn prove(
        store: &Path,
        (from, to): (u64, u64),
        (prev, last): (Hash, Hash),
        visit: impl FnMut(&Recorded),
    ) -> Result<Option<Range>, StoreError> {
        Range::prove_holding(store, (from, to), (prev, last), visit, HOLD)
    }

    /// `prove`, setting its notes aside in a temporary file each time `hold` (≥ 1) records'
    /// are held.
    pub fn prove_holding(
        store: &Path,
        (from, to): (u64, u64),
        (prev, last): (Hash, Hash),
        mut visit: impl FnMut(&Recorded),
        hold: usize,
    ) -> Result<Option<Range>, StoreError> {
        assert!(from >= 1 && from <= to, "a range of at least one record");
        let binding = super::unit::read_unit(store)?.map(|u| super::binding_of(&u));
        let scratch = super::run_file::scratch("the journal range's notes")
            .map(|f| f as Box<dyn crate::core::tag_runs::RunStore>);
        let all = segments(&store.join(DIR))?;
        let start = all.partition_point(|(first, _)| *first <= from);
        let Some(start) = start.checked_sub(1) else {
            return Ok(None);
        };
        let mut range = Range {
            binding,
            segments: Vec::new(),
            files: Vec::new(),
            from,
            prev,
            noted: SlotLog::new(scratch, hold.saturating_mul(NOTE)),
        };
        let mut last_hash = prev;
        for (first, path) in &all[start..] {
            if *first > to {
                break;
            }
            if *first > from && *first != range.next() {
                return Ok(None);
            }
            // Frames before `from` are skipped by their headers: a segment can hold a whole
            // import batch (tens of MB), of which a short range needs a few frames.
            let segment = range.segments.len() as u32;
            range.segments.push(path.clone());
            range.files.push(std::cell::OnceCell::new());
            let mut frames = Frames::open(path)?;
            while let Some((seq, hash, len)) = frames.header()? {
                if seq < from {
                    frames.skip(len)?;
                    continue;
                }
                let offset = frames.offset - FRAME_HEADER as u64;
                let Some(envelope) = frames.envelope(len)? else {
                    break;
                };
                let record = (seq == range.next())
                    .then(|| range.proven(seq, &envelope, (last_hash, hash)))
                    .flatten();
                let Some(record) = record else {
                    return Ok(None);
                };
                visit(&record);
                let len = len as u32;
                range.noted.push(
                    &Note {
                        segment,
                        len,
                        offset,
                        hash,
                    }
                    .slots(),
                );
                last_hash = hash;
                if seq == to {
                    return Ok((hash == last).then_some(range));
                }
            }
        }
        Ok(None)
    }

    fn next(&self) -> u64 {
        self.from + self.noted.len() / NOTE as u64
    }

    /// The record of `envelope` if it is sequence `seq` and chains from `prev` (the hash noted
    /// before it) to `hash` (the frame's stored hash while proving; the noted one on a later
    /// read).
    fn proven(&self, seq: u64, envelope: &[u8], (prev, hash): (Hash, Hash)) -> Option<Recorded> {
        if chain_hash(&link_prev(self.binding, seq, prev), seq, envelope) != hash {
            return None;
        }
        let record = super::envelope::decode(envelope).ok()?;
        (record.seq == seq).then_some(record)
    }

    /// Every sequence of the range.
    pub fn seqs(&self) -> std::ops::RangeInclusive<u64> {
        self.from..=self.next() - 1
    }

    /// The notes of `count` records from the `i`th of the range, into `out`.
    fn notes(&self, i: u64, out: &mut Vec<Note>, count: usize) -> Result<(), StoreError> {
        let mut slots = [0u64; NOTE * NOTES_READ];
        let slots = &mut slots[..NOTE * count.min(NOTES_READ)];
        (self.noted.read(i * NOTE as u64, slots)).map_err(|e| {
            StoreError::Io(format!(
                "the journal range's notes cannot be read back: {e}"
            ))
        })?;
        out.clear();
        out.extend(slots.chunks_exact(NOTE).map(Note::of));
        Ok(())
    }

    /// The hash noted before the `i`th record of the range, and its note, read at once.
    fn note_of(&self, i: u64) -> Result<(Hash, Note), StoreError> {
        let mut notes = Vec::with_capacity(2);
        self.notes(i.saturating_sub(1), &mut notes, if i == 0 { 1 } else { 2 })?;
        match notes.as_slice() {
            [note] if i == 0 => Ok((self.prev, *note)),
            [before, note] => Ok((before.hash, *note)),
            _ => Err(StoreError::Io(format!(
                "the note of record {i} was not read"
            ))),
        }
    }

    /// Every record of the range again, in sequence order, each frame read in turn (not one
    /// read per record) and proven again by the hash noted for it.
    pub fn each(&self, mut visit: impl FnMut(&Recorded)) -> Result<(), StoreError> {
        let mut frames: Option<(u32, Frames)> = None;
        let (mut notes, mut prev) = (Vec::with_capacity(NOTES_READ), self.prev);
        for seq in self.seqs() {
            let i = seq - self.from;
            if i.is_multiple_of(NOTES_READ as u64) {
                self.notes(i, &mut notes, (self.next() - seq) as usize)?;
            }
            let Note {
                segment,
                len,
                offset,
                hash,
            } = notes[(i % NOTES_READ as u64) as usize];
            let reading = match &mut frames {
                Some((open, reading)) if *open == segment => reading,
                slot => {
                    let mut opened = Frames::open(&self.segments[segment as usize])?;
                    opened.skip(offset as usize)?;
                    &mut slot.insert((segment, opened)).1
                }
            };
            let header = reading.header()?;
            let envelope = match header {
                Some((found, _, found_len)) if found == seq && found_len == len as usize => {
                    reading.envelope(found_len)?
                }
                _ => None,
            };
            match envelope.and_then(|e| self.proven(seq, &e, (prev, hash))) {
                Some(record) => visit(&record),
                None => return Err(self.unchained(segment, seq)),
            }
            prev = hash;
        }
        Ok(())
    }

    fn unchained(&self, segment: u32, seq: u64) -> StoreError {
        StoreError::Integrity {
            seq: Some(seq),
            fault: Fault::JournalFrameUnchained {
                path: self.segments[segment as usize].clone(),
                seq,
            },
        }
    }

    /// Record `seq` of the range, read back and proven again.
    pub fn record(&self, seq: u64) -> Result<Recorded, StoreError> {
        if !self.seqs().contains(&seq) {
            return Err(StoreError::Io(format!(
                "sequence {seq} is outside the journal range read"
            )));
        }
        let (prev, note) = self.note_of(seq - self.from)?;
        let Note {
            segment,
            len,
            offset,
            hash,
        } = note;
        let path = &self.segments[segment as usize];
        let mut frame = vec![0u8; FRAME_HEADER + len as usize];
        let file = match self.files[segment as usize].get() {
            Some(file) => file,
            None => {
                let file = super::plain::open(path).map_err(|e| io("cannot read", path, e))?;
                self.files[segment as usize].get_or_init(|| file)
            }
        };
        match std::os::unix::fs::FileExt::read_exact_at(file, &mut frame, offset) {
            Ok(()) => {}
            // The segment is shorter than when the range was proven.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(self.unchained(segment, seq));
            }
            Err(e) => return Err(io("cannot read", path, e)),
        }
        let header_ok = &frame[..4] == MAGIC
            && frame[4..8] == len.to_be_bytes()
            && frame[8..16] == seq.to_be_bytes();
        match header_ok
            .then(|| self.proven(seq, &frame[FRAME_HEADER..], (prev, hash)))
            .flatten()
        {
            Some(record) => Ok(record),
            None => Err(self.unchained(segment, seq)),
        }
    }
}

/// A segment read frame by frame: headers first, so that a frame not asked for is skipped
/// without reading its envelope. Ends (`None`) where `frame_at` would: at the zeros written
/// ahead, a damaged header or a torn frame.
struct Frames {
    file: std::io::BufReader<File>,
    path: PathBuf,
    /// Bytes of the segment read or skipped so far.
    offset: u64,
}

impl Frames {
    fn open(path: &Path) -> Result<Frames, StoreError> {
        let file = super::plain::open(path).map_err(|e| io("cannot read", path, e))?;
        Ok(Frames {
            file: std::io::BufReader::with_capacity(64 << 10, file),
            path: path.to_path_buf(),
            offset: 0,
        })
    }

    /// The next frame's sequence, stored hash and envelope length.
    fn header(&mut self) -> Result<Option<(u64, Hash, usize)>, StoreError> {
        let mut header = [0u8; FRAME_HEADER];
        if !self.fill(&mut header)? || &header[..4] != MAGIC {
            return Ok(None);
        }
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if len == 0 || len > MAX_ENVELOPE {
            return Ok(None);
        }
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&header[8..16]);
        let mut hash: Hash = [0u8; 32];
        hash.copy_from_slice(&header[16..48]);
        Ok(Some((u64::from_be_bytes(seq), hash, len)))
    }

    fn skip(&mut self, len: usize) -> Result<(), StoreError> {
        self.file
            .seek_relative(len as i64)
            .map_err(|e| io("cannot read", &self.path, e))?;
        self.offset += len as u64;
        Ok(())
    }

    /// The envelope after a header, or `None` when the segment ends inside it (torn).
    fn envelope(&mut self, len: usize) -> Result<Option<Vec<u8>>, StoreError> {
        let mut envelope = vec![0u8; len];
        Ok(self.fill(&mut envelope)?.then_some(envelope))
    }

    /// Fills `buf`; `false` at the end of the file.
    fn fill(&mut self, buf: &mut [u8]) -> Result<bool, StoreError> {
        match self.file.read_exact(buf) {
            Ok(()) => {
                self.offset += buf.len() as u64;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(io("cannot read", &self.path, e)),
        }
    }
}
