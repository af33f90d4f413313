//! A range of the journal read for a cold `diff` (issue 17): only the frames asked for are
//! read and proven against the chain hashes the index holds; the others are skipped by their
//! headers (see `journal` for the frame layout).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::journal::{DIR, FRAME_HEADER, MAGIC, MAX_ENVELOPE, segments};
use super::unit::link_prev;
use super::{Hash, StoreError, chain_hash, io};

/// The records `from..=to` (`from` ≥ 1) of the journal of `store`, each proven against the
/// chain: the first links to `prev` (the chain hash of `from - 1`, as the index knows it),
/// each next one to the one before, and the last ends at `last` (the index's hash of `to`).
/// `None` when the journal cannot give them so (a segment missing, a frame damaged or not
/// chaining): the caller then answers from the full log.
pub fn read_range(
    store: &Path,
    (from, to): (u64, u64),
    (prev, last): (Hash, Hash),
) -> Result<Option<Vec<crate::core::rules::Recorded>>, StoreError> {
    let binding = super::unit::read_unit(store)?.map(|u| super::binding_of(&u));
    let all = segments(&store.join(DIR))?;
    let start = all.partition_point(|(first, _)| *first <= from);
    let Some(start) = start.checked_sub(1) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    let mut prev = prev;
    for (first, path) in &all[start..] {
        if *first > to {
            break;
        }
        if *first > from && *first != from + out.len() as u64 {
            return Ok(None);
        }
        // Frames before `from` are skipped by their headers: a segment can hold a whole
        // import batch (tens of MB), of which a short range needs a few frames.
        let mut frames = Frames::open(path)?;
        while let Some((seq, hash, len)) = frames.header()? {
            if seq < from {
                frames.skip(len)?;
                continue;
            }
            let Some(envelope) = frames.envelope(len)? else {
                break;
            };
            let expected = from + out.len() as u64;
            if seq != expected || chain_hash(&link_prev(binding, seq, prev), seq, &envelope) != hash
            {
                return Ok(None);
            }
            let Ok(record) = super::envelope::decode(&envelope) else {
                return Ok(None);
            };
            if record.seq != seq {
                return Ok(None);
            }
            out.push(record);
            prev = hash;
            if seq == to {
                return Ok((prev == last).then_some(out));
            }
        }
    }
    Ok(None)
}

/// A segment read frame by frame: headers first, so that a frame not asked for is skipped
/// without reading its envelope. Ends (`None`) where `frame_at` would: at the zeros written
/// ahead, a damaged header or a torn frame.
struct Frames {
    file: std::io::BufReader<File>,
    path: PathBuf,
}

impl Frames {
    fn open(path: &Path) -> Result<Frames, StoreError> {
        let file = File::open(path).map_err(|e| io("cannot read", path, e))?;
        Ok(Frames {
            file: std::io::BufReader::with_capacity(64 << 10, file),
            path: path.to_path_buf(),
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
            .map_err(|e| io("cannot read", &self.path, e))
    }

    /// The envelope after a header, or `None` when the segment ends inside it (torn).
    fn envelope(&mut self, len: usize) -> Result<Option<Vec<u8>>, StoreError> {
        let mut envelope = vec![0u8; len];
        Ok(self.fill(&mut envelope)?.then_some(envelope))
    }

    /// Fills `buf`; `false` at the end of the file.
    fn fill(&mut self, buf: &mut [u8]) -> Result<bool, StoreError> {
        match self.file.read_exact(buf) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(io("cannot read", &self.path, e)),
        }
    }
}
