//! The journal: a second, independent copy of every acknowledged record, so that one damaged
//! byte anywhere in the store loses nothing (sled's checksums turn one bad byte into
//! "corruption" of the whole tree).
//!
//! `<store>/journal/<first sequence, 20 digits>.seg` are append-only segment files of frames:
//! `SJF1` ‖ envelope length (u32 BE) ‖ sequence (u64 BE) ‖ chain hash (32 bytes) ‖ envelope.
//! A frame is checked by recomputing its chain hash from the previous one, so the journal
//! needs no checksum of its own and shares none of sled's code or layout. Every batch goes to
//! the journal (write + fdatasync) at the same time as to sled, and HEAD names it only once
//! both are durable: the journal holds everything HEAD acknowledges.
//!
//! The journal is written with one `write` and one `fdatasync` per commit, on its own file,
//! at the same time as sled's own fsync (one fsync round per commit). A segment is kept
//! zero-filled ahead of its frames (`PREFILL` at a time, as PostgreSQL does with its WAL):
//! an `fdatasync` that must also record a new file size costs a filesystem journal commit
//! (about 1 ms here, ten times an overwrite's), so small commits overwrite zeros instead.
//! A segment therefore ends with its frames, then zero bytes to its end: readers take an
//! all-zero remainder as the end of the segment, not as damage (a zeroed frame that was
//! acknowledged is still caught: the journal then lacks that sequence).
//!
//! Stores written before the journal existed get one at their first writable open: it is
//! backfilled from the verified log into `journal.new/`, then renamed into place.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::fsync::{sync_dir, zero_fill};
use super::hashes::Window;
use super::unit::{Binding, link_prev};
use super::{ChainHashes, Fault, GENESIS, Hash, StoreError, chain_hash, integrity, io};

pub const DIR: &str = "journal";
const NEW_DIR: &str = "journal.new";
pub(super) const MAGIC: &[u8; 4] = b"SJF1";
pub(super) const FRAME_HEADER: usize = 4 + 4 + 8 + 32;
/// A new segment is started once the current one holds this much: small enough that the
/// writer's open reads little of it, large enough that a million events make few files.
const SEGMENT_BYTES: u64 = 8 << 20;
/// The largest segment read whole: a writer starts a new one at `SEGMENT_BYTES`, and one
/// batch (a chunk of an import) adds far less than this.
pub(super) const SEGMENT_READ_LIMIT: u64 = 1 << 30;
/// How much a segment is zero-filled ahead of its frames when a small batch would write past
/// the zeros: one size-changing fdatasync per this many bytes of small commits.
const PREFILL: u64 = 256 << 10;
/// Largest envelope a frame may announce (the envelope codec refuses larger records), so a
/// damaged length cannot make a reader allocate without bound.
pub(super) const MAX_ENVELOPE: usize = 1024 * 1024 + 64;

/// One frame as stored: its sequence, the chain hash it claims, and the envelope.
pub struct Frame {
    pub seq: u64,
    pub hash: Hash,
    pub envelope: Vec<u8>,
}

/// Encodes the frames of a batch, ready for one write.
pub fn encode(first: u64, hashes: &[Hash], envelopes: &[Vec<u8>]) -> Vec<u8> {
    let size: usize = envelopes.iter().map(|e| FRAME_HEADER + e.len()).sum();
    let mut out = Vec::with_capacity(size);
    for (i, (hash, envelope)) in hashes.iter().zip(envelopes).enumerate() {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(envelope.len() as u32).to_be_bytes());
        out.extend_from_slice(&(first + i as u64).to_be_bytes());
        out.extend_from_slice(hash);
        out.extend_from_slice(envelope);
    }
    out
}

/// Parses the frame at the start of `bytes`: the frame and its length, or `None` when the
/// bytes there are not a whole frame (torn or damaged).
fn parse_frame(bytes: &[u8]) -> Option<(Frame, usize)> {
    let (seq, hash, envelope) = frame_at(bytes)?;
    Some((
        Frame {
            seq,
            hash,
            envelope: envelope.to_vec(),
        },
        FRAME_HEADER + envelope.len(),
    ))
}

/// The sequence, stored hash and envelope of the frame at the start of `bytes`, borrowed.
fn frame_at(bytes: &[u8]) -> Option<(u64, Hash, &[u8])> {
    let header = bytes.get(..FRAME_HEADER)?;
    if &header[..4] != MAGIC {
        return None;
    }
    let len = u32::from_be_bytes(header[4..8].try_into().ok()?) as usize;
    if len == 0 || len > MAX_ENVELOPE {
        return None;
    }
    let seq = u64::from_be_bytes(header[8..16].try_into().ok()?);
    let hash: Hash = header[16..48].try_into().ok()?;
    let envelope = bytes.get(FRAME_HEADER..FRAME_HEADER + len)?;
    Some((seq, hash, envelope))
}

/// The segment files of a journal directory, by first sequence.
pub fn segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let mut out = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("cannot list", dir, e))?;
        let name = entry.file_name();
        let Some(first) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".seg"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        out.push((first, entry.path()));
    }
    out.sort_unstable_by_key(|(first, _)| *first);
    Ok(out)
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.seg"))
}

/// Reads a segment file whole (segments are bounded by `SEGMENT_BYTES` plus one batch).
fn read_segment(path: &Path) -> Result<Vec<u8>, StoreError> {
    super::plain::read_bounded(path, SEGMENT_READ_LIMIT).map_err(|e| io("cannot read", path, e))
}

/// Every frame of a segment that parses, in order, and where parsing stopped if before the end
/// (frames after a damaged one cannot be found: the other copy holds them).
/// An all-zero remainder is the segment's prefilled space, not a damaged frame.
pub fn parse_segment(bytes: &[u8]) -> (Vec<Frame>, Option<usize>) {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes.get(at..).and_then(parse_frame) {
            Some((frame, len)) => {
                frames.push(frame);
                at += len;
            }
            None if is_prefill(&bytes[at..]) => return (frames, None),
            None => return (frames, Some(at)),
        }
    }
    (frames, None)
}

/// Whether `rest` (what follows a segment's last frame) is only the zeros written ahead of
/// frames (see `PREFILL`).
fn is_prefill(rest: &[u8]) -> bool {
    rest.iter().all(|&b| b == 0)
}

/// The journal of a writable store, positioned after its last frame.
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// Bytes of frames in the current segment: the next frame is written here.
    len: u64,
    /// Bytes of the current segment file (`len` and the zeros written ahead of it).
    filled: u64,
    /// The sequence the next frame will carry.
    next: u64,
}

/// The expected chain hash of `seq` in a log whose hashes are `hashes`.
fn prev_of(hashes: &(impl ChainHashes + ?Sized), seq: u64) -> Hash {
    let i = usize::try_from(seq.saturating_sub(2)).unwrap_or(usize::MAX);
    if seq <= 1 {
        GENESIS
    } else {
        hashes.at(i).unwrap_or(GENESIS)
    }
}

/// The `n` chain hashes from 0-based `lo`, all of them or an error (a frame is never written
/// without its hash).
fn span(
    hashes: &(impl ChainHashes + ?Sized),
    lo: usize,
    n: usize,
) -> Result<Vec<Hash>, StoreError> {
    let out = hashes.span(lo, lo.saturating_add(n));
    if out.len() != n {
        return Err(integrity(Some(lo as u64 + 1), Fault::LostWhileReading));
    }
    Ok(out)
}

/// Checks that `frame` is sequence `seq` of the log whose chain hashes are `hashes`, with the
/// log's unit binding (`link_prev`), as the log itself is checked.
fn frame_matches(
    frame: &Frame,
    seq: u64,
    hashes: &(impl ChainHashes + ?Sized),
    binding: Option<Binding>,
) -> bool {
    let i = usize::try_from(seq.saturating_sub(1)).unwrap_or(usize::MAX);
    let prev = link_prev(binding, seq, prev_of(hashes, seq));
    frame.seq == seq
        && hashes.at(i) == Some(frame.hash)
        && chain_hash(&prev, seq, &frame.envelope) == frame.hash
}

/// What `open` found at the journal's tail, before any repair.
struct Tail {
    /// Last sequence the journal holds that matches the log.
    end: u64,
    /// The last segment (first sequence, path) and the bytes of it that are good.
    segment: Option<(u64, PathBuf, u64)>,
    /// Whether anything after `end` had to be cut (a torn or unacknowledged tail).
    cut: bool,
}

impl Journal {
    /// Opens the journal of a store whose verified log has the chain `hashes`, of which HEAD
    /// acknowledged the first `acknowledged`. A tail beyond the acknowledged records that is
    /// torn or not in the log (a batch whose commit failed) is cut; records the log holds but
    /// the journal does not (a commit interrupted before HEAD, or a store older than the
    /// journal) are copied from the log by `log_envelope`. A journal that lacks an
    /// acknowledged record, or holds another one, is an integrity failure. Read-only stores
    /// (`writable` false) are checked the same way but nothing is written; `None` then.
    pub fn open(
        store: &Path,
        hashes: &(impl ChainHashes + ?Sized),
        acknowledged: u64,
        writable: bool,
        log_envelope: &mut dyn FnMut(u64) -> Result<Vec<u8>, StoreError>,
    ) -> Result<Option<Journal>, StoreError> {
        let dir = store.join(DIR);
        let log_end = hashes.count();
        if !dir.is_dir() {
            if !writable {
                tracing::warn!("the store has no journal yet (it is written by the next writer)");
                return Ok(None);
            }
            backfill(store, hashes, log_envelope)?;
        }
        let tail = find_tail(&dir, hashes, acknowledged, writable)?;
        if !writable {
            return Ok(None);
        }
        if tail.cut {
            tracing::warn!(
                end = tail.end,
                "the journal held a torn or unacknowledged tail; cut at the log's end"
            );
        }
        let (_, path, good) = match tail.segment {
            Some(s) => s,
            None => (1, segment_path(&dir, 1), 0),
        };
        let file =
            super::plain::open_write(&path, false).map_err(|e| io("cannot open", &path, e))?;
        file.set_len(good)
            .map_err(|e| io("cannot truncate", &path, e))?;
        let mut journal = Journal {
            dir,
            file,
            len: good,
            filled: good,
            next: tail.end + 1,
        };
        if tail.end < log_end {
            let mut envelopes = Vec::new();
            for seq in tail.end + 1..=log_end {
                envelopes.push(log_envelope(seq)?);
            }
            let lo = usize::try_from(tail.end).unwrap_or(usize::MAX);
            let bytes = encode(
                tail.end + 1,
                &span(hashes, lo, envelopes.len())?,
                &envelopes,
            );
            journal.append(tail.end + 1, envelopes.len() as u64, &bytes)?;
        }
        Ok(Some(journal))
    }

    /// The sequence the next frame must carry.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Appends encoded frames (sequences `first…`) and makes them durable: one write, one
    /// fdatasync (and a directory fsync when a new segment is started). A small batch that
    /// would write past the segment's zeros first zero-fills `PREFILL` more, in the same
    /// fdatasync: a crash in between leaves frames, then zeros or a torn frame, all of it
    /// beyond what HEAD acknowledged (cut at the next open).
    pub fn append(&mut self, first: u64, frames: u64, bytes: &[u8]) -> Result<(), StoreError> {
        use std::os::unix::fs::FileExt;
        assert_eq!(first, self.next, "journal frames are appended in sequence");
        if bytes.is_empty() {
            return Ok(());
        }
        if self.len >= SEGMENT_BYTES {
            let path = segment_path(&self.dir, first);
            self.file =
                super::plain::open_write(&path, true).map_err(|e| io("cannot create", &path, e))?;
            self.len = 0;
            self.filled = 0;
            sync_dir(&self.dir)?;
        }
        let path = &self.dir;
        let end = self.len + bytes.len() as u64;
        if end > self.filled && (bytes.len() as u64) < PREFILL {
            // Only a speed-up: on a nearly full disk the frames are written without it.
            let from = self.filled.max(self.len);
            if zero_fill(&self.file, from, PREFILL) {
                self.filled = from + PREFILL;
            } else {
                tracing::debug!("journal not zero-filled ahead");
            }
        }
        self.file
            .write_all_at(bytes, self.len)
            .map_err(|e| io("cannot write the journal in", path, e))?;
        self.file
            .sync_data()
            .map_err(|e| io("cannot fsync the journal in", path, e))?;
        self.len = end;
        self.filled = self.filled.max(end);
        self.next = first + frames;
        Ok(())
    }
}

/// Writes a whole journal for the verified log (a store from before the journal), in
/// `journal.new/`, then renames it into place: a crash leaves either no journal or a whole one.
fn backfill(
    store: &Path,
    hashes: &(impl ChainHashes + ?Sized),
    log_envelope: &mut dyn FnMut(u64) -> Result<Vec<u8>, StoreError>,
) -> Result<(), StoreError> {
    let new = store.join(NEW_DIR);
    match fs::remove_dir_all(&new) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("cannot remove", &new, e)),
    }
    super::plain::create_folders(&new).map_err(|e| io("cannot create", &new, e))?;
    if hashes.count() > 0 {
        tracing::info!(
            events = hashes.count(),
            "writing the journal (a second copy of the log) for a store written before it existed"
        );
    }
    let mut first = 1u64;
    let mut file: Option<(File, u64)> = None;
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut flush = |pending: &mut Vec<Vec<u8>>, first: &mut u64| -> Result<(), StoreError> {
        if pending.is_empty() {
            return Ok(());
        }
        let lo = usize::try_from(*first - 1).unwrap_or(usize::MAX);
        let hi = lo + pending.len();
        let bytes = encode(*first, &span(hashes, lo, hi - lo)?, pending);
        if file.as_ref().is_none_or(|(_, len)| *len >= SEGMENT_BYTES) {
            let path = segment_path(&new, *first);
            let f =
                super::plain::open_write(&path, true).map_err(|e| io("cannot create", &path, e))?;
            if let Some((old, _)) = file.take() {
                old.sync_data()
                    .map_err(|e| io("cannot fsync the journal in", &new, e))?;
            }
            file = Some((f, 0));
        }
        if let Some((f, len)) = file.as_mut() {
            f.write_all(&bytes)
                .map_err(|e| io("cannot write the journal in", &new, e))?;
            *len += bytes.len() as u64;
        }
        *first += pending.len() as u64;
        pending.clear();
        Ok(())
    };
    for seq in 1..=hashes.count() {
        pending.push(log_envelope(seq)?);
        if pending.len() == 4096 {
            flush(&mut pending, &mut first)?;
        }
    }
    flush(&mut pending, &mut first)?;
    if let Some((f, _)) = file.take() {
        f.sync_data()
            .map_err(|e| io("cannot fsync the journal in", &new, e))?;
    }
    sync_dir(&new)?;
    let dir = store.join(DIR);
    fs::rename(&new, &dir).map_err(|e| io("cannot rename", &new, e))?;
    sync_dir(store)
}

/// Finds the journal's last good frame: drops segments that start beyond the log, checks the
/// last segment frame by frame against the log, and cuts (if `writable`) what follows the
/// log's end or a torn frame beyond the acknowledged records.
fn find_tail(
    dir: &Path,
    hashes: &(impl ChainHashes + ?Sized),
    acknowledged: u64,
    writable: bool,
) -> Result<Tail, StoreError> {
    let log_end = hashes.count();
    let mut segs = segments(dir)?;
    let mut cut = false;
    while let Some((first, path)) = segs.last() {
        if *first <= log_end || *first == 1 {
            break;
        }
        // A segment started for a batch the log does not hold: never acknowledged.
        assert!(
            *first > acknowledged,
            "the log holds every acknowledged record"
        );
        if writable {
            super::plain::remove_file(path).map_err(|e| io("cannot remove", path, e))?;
        }
        cut = true;
        segs.pop();
    }
    let Some((first, path)) = segs.pop() else {
        if acknowledged > 0 {
            return Err(lacks(dir, 1, true));
        }
        return Ok(Tail {
            end: 0,
            segment: None,
            cut,
        });
    };
    let bytes = read_segment(&path)?;
    // Finding the tail needs only each frame's sequence and hash to be the log's: `verify`
    // recomputes every frame's chain hash, `recover` too before using one.
    let mut end = first - 1;
    let mut good = 0usize;
    let mut torn = false;
    while good < bytes.len() && end < log_end {
        let Some((seq, hash, envelope)) = bytes.get(good..).and_then(frame_at) else {
            torn = true;
            break;
        };
        let i = usize::try_from(end).unwrap_or(usize::MAX);
        if seq != end + 1 || hashes.at(i) != Some(hash) {
            break;
        }
        end += 1;
        good += FRAME_HEADER + envelope.len();
    }
    let good = good as u64;
    let rest = bytes.get(usize::try_from(good).unwrap_or(usize::MAX)..);
    if good < bytes.len() as u64 && !rest.is_some_and(is_prefill) {
        if end < acknowledged {
            return Err(integrity(
                Some(end + 1),
                Fault::JournalBehind {
                    path,
                    torn,
                    seq: end + 1,
                },
            ));
        }
        cut = true;
    }
    if end < acknowledged {
        return Err(lacks(dir, end + 1, true));
    }
    Ok(Tail {
        end,
        segment: Some((first, path, good)),
        cut,
    })
}

/// The journal in `dir` lacks acknowledged `seq` (`hint`: say that `recover` rebuilds it).
pub(super) fn lacks(dir: &Path, seq: u64, hint: bool) -> StoreError {
    integrity(
        Some(seq),
        Fault::JournalLacks {
            dir: dir.to_path_buf(),
            seq,
            hint,
        },
    )
}

/// Checks the whole journal against the verified log (`hashes`): every segment continues the
/// previous one, every frame chains and equals the log's record, and it ends where the log
/// does. Returns the number of segment files read.
pub(super) fn verify(
    store: &Path,
    hashes: &(impl ChainHashes + ?Sized),
    binding: Option<Binding>,
) -> Result<usize, StoreError> {
    let dir = store.join(DIR);
    if !dir.is_dir() {
        return Err(integrity(None, Fault::JournalMissing { dir }));
    }
    let segs = segments(&dir)?;
    let mut end = 0u64;
    for (first, path) in &segs {
        if *first != end + 1 {
            return Err(integrity(
                Some(end + 1),
                Fault::JournalSegmentStart {
                    path: path.clone(),
                    first: *first,
                    expected: end + 1,
                },
            ));
        }
        let bytes = read_segment(path)?;
        let (frames, stop) = parse_segment(&bytes);
        // The segment's hashes and the one before, read at once (not one by one when the
        // store reads them back from the log).
        let window = Window::of(hashes, end, frames.len());
        for frame in &frames {
            if !frame_matches(frame, end + 1, &window, binding) {
                return Err(differs(path, end + 1));
            }
            end += 1;
        }
        if stop.is_some() {
            return Err(differs(path, end + 1));
        }
    }
    if end != hashes.count() {
        return Err(lacks(&dir, end + 1, true));
    }
    Ok(segs.len())
}

fn differs(path: &Path, seq: u64) -> StoreError {
    integrity(
        Some(seq),
        Fault::JournalDiffers {
            path: path.to_path_buf(),
            seq,
        },
    )
}

/// Every frame of a (possibly damaged) journal that parses, keyed by sequence, for `recover`:
/// nothing is trusted here, the caller checks each frame's chain. Returns why reading stopped
/// short anywhere, if it did.
pub fn salvage(store: &Path, mut each: impl FnMut(Frame)) -> Result<Option<Fault>, StoreError> {
    let dir = store.join(DIR);
    if !dir.is_dir() {
        return Ok(Some(Fault::NoJournal));
    }
    let mut problem = None;
    for (_, path) in segments(&dir)? {
        let bytes = match read_segment(&path) {
            Ok(b) => b,
            Err(e) => {
                problem.get_or_insert(Fault::from(e));
                continue;
            }
        };
        let (frames, stop) = parse_segment(&bytes);
        if let Some(at) = stop {
            problem.get_or_insert(Fault::JournalDamagedAt {
                path: path.clone(),
                at: at as u64,
            });
        }
        frames.into_iter().for_each(&mut each);
    }
    Ok(problem)
}

impl super::Store {
    /// Opens (and, on a writable store, repairs or creates) the journal after the log has been
    /// verified; see `Journal::open`.
    pub(super) fn open_journal(
        &mut self,
        acknowledged: Option<u64>,
        writable: bool,
    ) -> Result<(), StoreError> {
        let events = &self.events;
        let mut log_envelope = |seq: u64| -> Result<Vec<u8>, StoreError> {
            let value = events
                .get(seq)?
                .ok_or_else(|| integrity(Some(seq), Fault::LostWhileReading))?;
            Ok(value.get(32..).unwrap_or_default().to_vec())
        };
        self.journal = Journal::open(
            &self.dir,
            &self.hashes,
            acknowledged.unwrap_or(0),
            writable,
            &mut log_envelope,
        )?;
        Ok(())
    }

    /// Checks the whole journal against the verified log (`verify`): the number of segment
    /// files, or `None` for a read-only store written before the journal existed.
    pub fn verify_journal(&self) -> Result<Option<usize>, StoreError> {
        if self.journal.is_none() && !self.dir.join(DIR).is_dir() {
            return Ok(None);
        }
        let binding = self.unit.as_ref().map(super::binding_of);
        verify(&self.dir, &self.hashes, binding).map(Some)
    }
}
