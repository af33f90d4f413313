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
    /// Per sequence from `from`: its segment (index into `segments`), frame length, offset.
    at: Vec<(u32, u32, u64)>,
    /// The chain hash of `from - 1`, then of each sequence of the range.
    hashes: Vec<Hash>,
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
        mut visit: impl FnMut(&Recorded),
    ) -> Result<Option<Range>, StoreError> {
        assert!(from >= 1 && from <= to, "a range of at least one record");
        let binding = super::unit::read_unit(store)?.map(|u| super::binding_of(&u));
        let capacity = usize::try_from(to - from + 1).unwrap_or(0).min(1 << 24);
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
            at: Vec::with_capacity(capacity),
            hashes: Vec::with_capacity(capacity + 1),
        };
        range.hashes.push(prev);
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
                    .then(|| range.proven(seq, &envelope, hash))
                    .flatten();
                let Some(record) = record else {
                    return Ok(None);
                };
                visit(&record);
                range.at.push((segment, len as u32, offset));
                range.hashes.push(hash);
                if seq == to {
                    return Ok((hash == last).then_some(range));
                }
            }
        }
        Ok(None)
    }

    fn next(&self) -> u64 {
        self.from + self.at.len() as u64
    }

    /// The record of `envelope` if it is sequence `seq` and chains from the hash noted before
    /// it to `hash` (the frame's stored hash while proving; the noted one on a later read).
    fn proven(&self, seq: u64, envelope: &[u8], hash: Hash) -> Option<Recorded> {
        let i = usize::try_from(seq.checked_sub(self.from)?).ok()?;
        let prev = self.hashes.get(i)?;
        if chain_hash(&link_prev(self.binding, seq, *prev), seq, envelope) != hash {
            return None;
        }
        let record = super::envelope::decode(envelope).ok()?;
        (record.seq == seq).then_some(record)
    }

    /// Every sequence of the range.
    pub fn seqs(&self) -> std::ops::RangeInclusive<u64> {
        self.from..=self.from + self.at.len() as u64 - 1
    }

    /// Every record of the range again, in sequence order, each frame read in turn (not one
    /// read per record) and proven again by the hash noted for it.
    pub fn each(&self, mut visit: impl FnMut(&Recorded)) -> Result<(), StoreError> {
        let mut frames: Option<(u32, Frames)> = None;
        for (seq, &(segment, len, offset)) in self.seqs().zip(&self.at) {
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
            let noted = self.hashes[(seq - self.from) as usize + 1];
            match envelope.and_then(|e| self.proven(seq, &e, noted)) {
                Some(record) => visit(&record),
                None => return Err(self.unchained(segment, seq)),
            }
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
        let at = seq
            .checked_sub(self.from)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.at.get(i));
        let Some(&(segment, len, offset)) = at else {
            return Err(StoreError::Io(format!(
                "sequence {seq} is outside the journal range read"
            )));
        };
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
        let noted = self.hashes[(seq - self.from) as usize + 1];
        match header_ok
            .then(|| self.proven(seq, &frame[FRAME_HEADER..], noted))
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
