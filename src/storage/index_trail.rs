//! Trails in the persisted index (issue 17): for every line, the records a `trail` of it
//! reads, so that a cold `trail` answers without opening sled or replaying the log.
//!
//! A line's trail file (`<store>/index/trails/<slot>`, slot `line + 2`) holds, in sequence
//! order, every record whose event names the line (its `open_line`, movements, deadline
//! settings) and every reversal of one of them; slot `DOCUMENTS` holds every registered
//! document (what `trail --json` links rows to), slot `INDICATORS` every recorded indicator
//! (what `diff` compares besides money). Each entry is the record's sequence and its
//! stored envelope, so a reader needs nothing else.
//!
//! Trail files only grow between rebuilds, and are appended to, never rewritten: a busy line
//! would otherwise cost its whole history on every commit. Instead of a checksum of the whole
//! file, the mark lists how much of it is current (`TrailSum`: entries, bytes, and the digest
//! chained over the entries); a reader hashes the listed prefix and refuses a file whose
//! digest is not the listed one. Like every index file, the digest is unkeyed: `verify`
//! proves the trails by recomputing them from the log (`index_proof`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::index_codec::{Builder, Damaged, TrailSum, split_u32, split_u64};
use super::{StoreError, io};
use crate::core::event::Kind;
use crate::core::rules::{Recorded, State};
use crate::storage::envelope;

/// The slot of the registered documents.
pub const DOCUMENTS: u32 = 0;
/// The slot of the recorded indicators (what `diff` compares besides money).
pub const INDICATORS: u32 = 1;

/// The slot of a line's trail.
pub fn slot_of(line: u32) -> u32 {
    line + 2
}

pub(super) fn trail_path(dir: &Path, slot: u32) -> PathBuf {
    dir.join("trails").join(slot.to_string())
}

/// Entries to append, per slot: each the encoded entry of one record.
pub type Appends = BTreeMap<u32, Vec<Vec<u8>>>;

fn encode_entry(seq: u64, stored: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + stored.len());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&(stored.len() as u32).to_be_bytes());
    out.extend_from_slice(stored);
    out
}

/// The digest after one more entry: XXH3 (128 bits, in the first half of the listed 32
/// bytes), for the reason `index_codec::checksum` gives. A reader chains every entry of the
/// trail it reads, and SHA-256 of a busy line's trail was 15 % of a near `diff` at 1M events
/// (index format 7).
fn chain(digest: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut hasher = Xxh3::new();
    hasher.update(b"trail");
    hasher.update(digest);
    hasher.update(entry);
    let mut d = [0u8; 32];
    d[..16].copy_from_slice(&hasher.digest128().to_be_bytes());
    d
}

/// The sum after appending `entries` to a trail whose sum was `before`.
pub fn appended(before: TrailSum, entries: &[Vec<u8>]) -> TrailSum {
    entries.iter().fold(before, |sum, e| TrailSum {
        entries: sum.entries + 1,
        bytes: sum.bytes + e.len() as u64,
        digest: chain(&sum.digest, e),
    })
}

/// Appends `entries` to the trail file of `slot` after the `before.bytes` bytes the mark
/// lists (whatever lies beyond them is from a batch that was not acknowledged) and returns
/// the new sum. Written in place, like every index file (see `index::write_file`).
pub(super) fn append(
    dir: &Path,
    slot: u32,
    before: TrailSum,
    entries: &[Vec<u8>],
) -> Result<TrailSum, StoreError> {
    use std::os::unix::fs::FileExt;
    let path = trail_path(dir, slot);
    let file = super::plain::open_write(&path, false).map_err(|e| io("cannot open", &path, e))?;
    let bytes: Vec<u8> = entries.concat();
    file.write_all_at(&bytes, before.bytes)
        .map_err(|e| io("cannot write", &path, e))?;
    Ok(appended(before, entries))
}

impl Builder {
    /// Files `record` in the trails it belongs to (see the module comment).
    pub(super) fn file_trails(&mut self, state: &State, record: &Recorded, out: &mut Appends) {
        let mut slots: Vec<u32> = Vec::new();
        let of_lines = |lines: Vec<&str>, slots: &mut Vec<u32>| {
            for line in lines {
                if let Some(&id) = self.line_ids.get(line) {
                    slots.push(slot_of(id));
                }
            }
        };
        match &record.event.kind {
            Kind::Reverse { target, .. } => {
                match state.seq_of(target).and_then(|s| state.record(s)) {
                    Some(t) => of_lines(t.event.lines(), &mut slots),
                    None => {
                        self.unreadable = true;
                        return;
                    }
                }
            }
            Kind::RegisterDocument(_) if record.event.document.is_some() => slots.push(DOCUMENTS),
            Kind::RecordIndicator(_) => slots.push(INDICATORS),
            _ => of_lines(record.event.lines(), &mut slots),
        }
        if slots.is_empty() {
            return;
        }
        slots.sort_unstable();
        slots.dedup();
        let stored = envelope::encode(record).expect("invariant: a recorded event encodes");
        let entry = encode_entry(record.seq, &stored);
        for slot in slots {
            out.entry(slot).or_default().push(entry.clone());
        }
    }
}

/// The records of a trail file's bytes with sequence ≤ `upto`, checked against `listed` as
/// `TrailFile::open` checks a file (what the fuzz harness feeds the reader).
#[doc(hidden)]
pub fn decode_trail(
    slot: u32,
    file: &[u8],
    listed: &TrailSum,
    upto: u64,
) -> Result<Vec<Recorded>, Damaged> {
    let mut trail = TrailFile::unread(slot);
    let mut records = Vec::new();
    trail.read_listed(file, listed, upto, &mut |_, r| records.push(r))?;
    Ok(records)
}

/// The entries of the prefix of a trail file the mark lists, refused unless they are the
/// version it lists (count and digest).
fn listed_entries<'a>(
    slot: u32,
    file: &'a [u8],
    listed: &TrailSum,
) -> Result<Entries<'a>, Damaged> {
    let len = usize::try_from(listed.bytes).unwrap_or(usize::MAX);
    let listed_bytes = file
        .get(..len)
        .ok_or_else(|| Damaged(format!("trail {slot} is shorter than listed")))?;
    let (entries, digest) = entries(slot, listed_bytes)?;
    if entries.len() as u64 != listed.entries || digest != listed.digest {
        return Err(Damaged(format!(
            "trail {slot} is not the version the index mark lists"
        )));
    }
    Ok(entries)
}

/// A trail file read once in order and checked whole against the mark, whose records are
/// then read back one at a time, when asked (`record`), each checked to chain as it did: a
/// trail of 40,000 records holds where each entry lies and its digest, not its bytes or its
/// records (issue 17).
pub struct TrailFile {
    slot: u32,
    /// `None` for an empty trail.
    file: Option<fs::File>,
    /// (offset of the entry, its payload's length) of each entry kept (sequence ≤ `upto`).
    spans: Vec<(u64, u32)>,
    /// The chain digest after each entry kept (its first half: see `chain`).
    digests: Vec<[u8; 16]>,
}

/// The largest trail file read (as `index::read_bounded` bounds every index file).
const MAX_TRAIL_BYTES: u64 = 256 * 1024 * 1024;

impl TrailFile {
    /// The trail of `slot` in the index folder `dir`, as `checked` reads it.
    pub fn open(
        dir: &Path,
        slot: u32,
        listed: &TrailSum,
        upto: u64,
        each: &mut dyn FnMut(usize, Recorded),
    ) -> Result<TrailFile, Damaged> {
        let file = match listed.entries {
            0 => None,
            _ => {
                let path = trail_path(dir, slot);
                let file = super::plain::open(&path);
                Some(file.map_err(|e| Damaged(format!("{}: {e}", path.display())))?)
            }
        };
        TrailFile::checked(slot, file, listed, upto, each)
    }

    /// The trail of `slot` in `file` (`None`: the mark lists no entry), read in order and
    /// checked as `decode_trail` checks it: the version the mark lists, entries in order.
    /// Each record with sequence ≤ `upto` is handed to `each` with its position among them;
    /// they are proven only when this returns `Ok`, so `each` may only gather.
    fn checked(
        slot: u32,
        file: Option<fs::File>,
        listed: &TrailSum,
        upto: u64,
        each: &mut dyn FnMut(usize, Recorded),
    ) -> Result<TrailFile, Damaged> {
        let mut trail = TrailFile::unread(slot);
        let Some(file) = file else {
            return match *listed == TrailSum::default() {
                true => Ok(trail),
                false => Err(trail.bad("is missing")),
            };
        };
        trail.read_listed(&file, listed, upto, each)?;
        trail.file = Some(file);
        Ok(trail)
    }

    /// Reads the bytes `listed` names from `from`, entry by entry, and checks them against it.
    fn read_listed(
        &mut self,
        from: impl std::io::Read,
        listed: &TrailSum,
        upto: u64,
        each: &mut dyn FnMut(usize, Recorded),
    ) -> Result<(), Damaged> {
        if listed.bytes > MAX_TRAIL_BYTES {
            return Err(self.bad("is larger than any trail"));
        }
        let (count, digest) = self.read_in_order(from, listed.bytes, upto, each)?;
        if count != listed.entries || digest != listed.digest {
            return Err(self.bad("is not the version the index mark lists"));
        }
        Ok(())
    }

    /// Nothing read yet.
    fn unread(slot: u32) -> TrailFile {
        TrailFile {
            slot,
            file: None,
            spans: Vec::new(),
            digests: Vec::new(),
        }
    }

    fn bad(&self, why: &str) -> Damaged {
        Damaged(format!("trail {} {why}", self.slot))
    }

    /// Reads the first `bytes` bytes of `from` entry by entry, chaining each; returns the
    /// count of entries and the digest.
    fn read_in_order(
        &mut self,
        from: impl std::io::Read,
        bytes: u64,
        upto: u64,
        each: &mut dyn FnMut(usize, Recorded),
    ) -> Result<(u64, [u8; 32]), Damaged> {
        use std::io::Read;
        let mut reader = std::io::BufReader::with_capacity(64 << 10, from.take(bytes));
        let (mut at, mut count, mut last) = (0u64, 0u64, 0u64);
        let mut digest = [0u8; 32];
        let mut entry = Vec::new();
        while at < bytes {
            let mut head = [0u8; 12];
            reader
                .read_exact(&mut head)
                .map_err(|_| self.bad("is shorter than listed"))?;
            let (seq, rest) = split_u64(&head).ok_or_else(|| self.bad("is malformed"))?;
            let (n, _) = split_u32(rest).ok_or_else(|| self.bad("is malformed"))?;
            if at + 12 + u64::from(n) > bytes {
                return Err(self.bad("is malformed"));
            }
            entry.clear();
            entry.extend_from_slice(&head);
            entry.resize(12 + n as usize, 0);
            reader
                .read_exact(&mut entry[12..])
                .map_err(|_| self.bad("is shorter than listed"))?;
            digest = chain(&digest, &entry);
            if seq <= last {
                return Err(self.bad("is out of order"));
            }
            (last, count) = (seq, count + 1);
            if seq <= upto {
                let record = self.decoded(seq, &entry[12..])?;
                each(self.spans.len(), record);
                self.spans.push((at, n));
                self.digests.push(half(&digest));
            }
            at += 12 + u64::from(n);
        }
        Ok((count, digest))
    }

    fn decoded(&self, seq: u64, stored: &[u8]) -> Result<Recorded, Damaged> {
        let record = envelope::decode(stored).map_err(|e| self.bad(&e))?;
        if record.seq != seq {
            return Err(self.bad("names another sequence"));
        }
        Ok(record)
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The record of entry `at` (0 to `len`), read back now: its bytes must chain from the
    /// entry before to the digest noted for it when the file was checked.
    pub fn record(&self, at: usize) -> Result<Recorded, Damaged> {
        use std::os::unix::fs::FileExt;
        let (Some(file), Some(&(offset, n)), Some(after)) =
            (&self.file, self.spans.get(at), self.digests.get(at))
        else {
            return Err(self.bad("has no such entry"));
        };
        let before = match at.checked_sub(1) {
            Some(i) => self.digests.get(i).map_or([0u8; 32], whole),
            None => [0u8; 32],
        };
        let mut entry = vec![0u8; 12 + n as usize];
        (file.read_exact_at(&mut entry, offset)).map_err(|e| self.bad(&e.to_string()))?;
        if half(&chain(&before, &entry)) != *after {
            return Err(self.bad("changed since it was checked"));
        }
        let (seq, _) = split_u64(&entry).ok_or_else(|| self.bad("is malformed"))?;
        self.decoded(seq, &entry[12..])
    }
}

fn half(digest: &[u8; 32]) -> [u8; 16] {
    let mut h = [0u8; 16];
    h.copy_from_slice(&digest[..16]);
    h
}

/// A digest `chain` made, from its first half (the second is zeros).
fn whole(half: &[u8; 16]) -> [u8; 32] {
    let mut d = [0u8; 32];
    d[..16].copy_from_slice(half);
    d
}

/// The latest record with sequence ≤ `upto` in a trail's listed bytes that `wanted` accepts.
/// The trail is checked whole against the mark, as `decode_trail` does, but records are
/// decoded from the newest back only until one is accepted: a reversal's target is usually
/// recent, and decoding a busy line's whole trail for it was 40 % of a near `diff`.
pub fn find_in_trail(
    slot: u32,
    file: &[u8],
    listed: &TrailSum,
    upto: u64,
    wanted: impl Fn(&Recorded) -> bool,
) -> Result<Option<Recorded>, Damaged> {
    let entries = listed_entries(slot, file, listed)?;
    let bad = |why: &str| Damaged(format!("trail {slot} {why}"));
    if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(bad("is out of order"));
    }
    for &(seq, stored) in entries.iter().rev().skip_while(|(seq, _)| *seq > upto) {
        let record = envelope::decode(stored).map_err(|e| bad(&e))?;
        if record.seq != seq {
            return Err(bad("names another sequence"));
        }
        if wanted(&record) {
            return Ok(Some(record));
        }
    }
    Ok(None)
}

/// A trail's listed bytes decoded without checking them against the mark (as if its digest
/// had been forged).
#[doc(hidden)]
pub fn parse_trail(slot: u32, bytes: &[u8], upto: u64) -> Result<Vec<Recorded>, Damaged> {
    records(slot, entries(slot, bytes)?.0, upto)
}

/// A trail's entries: (sequence, stored envelope).
type Entries<'a> = Vec<(u64, &'a [u8])>;

/// The entries of a trail's listed bytes, and their digest.
fn entries(slot: u32, mut rest: &[u8]) -> Result<(Entries<'_>, [u8; 32]), Damaged> {
    let bad = || Damaged(format!("trail {slot} is malformed"));
    let mut digest = [0u8; 32];
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let (seq, after) = split_u64(rest).ok_or_else(bad)?;
        let (n, after) = split_u32(after).ok_or_else(bad)?;
        let n = n as usize;
        if after.len() < n {
            return Err(bad());
        }
        digest = chain(&digest, &rest[..12 + n]);
        entries.push((seq, &after[..n]));
        rest = &after[n..];
    }
    Ok((entries, digest))
}

fn records(slot: u32, entries: Entries<'_>, upto: u64) -> Result<Vec<Recorded>, Damaged> {
    let bad = |why: &str| Damaged(format!("trail {slot} {why}"));
    // Sized once: doubling a busy line's 40,000 records would hold 1.5 times them, twice.
    let mut records = Vec::with_capacity(entries.len());
    let mut last = 0;
    for (seq, stored) in entries {
        if seq <= last {
            return Err(bad("is out of order"));
        }
        last = seq;
        if seq > upto {
            break;
        }
        let record = envelope::decode(stored).map_err(|e| bad(&e))?;
        if record.seq != seq {
            return Err(bad("names another sequence"));
        }
        records.push(record);
    }
    Ok(records)
}
