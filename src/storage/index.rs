//! Where the persisted projections (see `crate::storage::index_codec`) live, and the read path that answers
//! a balance from them without opening sled.
//!
//! Files in `<store>/index/`, each sealed with a checksum:
//! - `MARK`: which log head (sequence, hash) the files reflect, the format, the checkpoint
//!   interval, and the checksum of every file below (the manifest); written last;
//! - `lines`: every line with its `open_line` record;
//! - `head/<line>`: the line's head table;
//! - `checkpoints/<sequence>`: every line's table as it stood at that sequence;
//! - `blocks/<n>`: the effects and chain hashes of sequences `n·BLOCK …`.
//!
//! The index is derived: nothing is fsynced, and a reader that finds the mark missing, stale
//! (not HEAD), or a file that is not the version the mark lists gives up (`Fallback`); the
//! caller then opens the full, verified log, which rebuilds the index. Keeping the index out
//! of sled is what makes a cold query cheap: sled's open costs time in proportion to the
//! whole database (BENCHMARKS.md), while these files are read in proportion to the question.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Hash, Store, StoreError, io, lock, parse_head};
use crate::core::chain::Pin;
use crate::core::event::LineSpec;
use crate::core::projection::{Payments, Totals, View};
use crate::core::rules::Recorded;
use crate::storage::index_codec::{self, Changes, Damaged, Manifest, Mark, Sum, TrailSum};
use crate::storage::index_trail::{self, TrailFile};

mod figures;
pub use figures::NearHead;

const DIR: &str = "index";
const MARK_FILE: &str = "MARK";
const LINES_FILE: &str = "lines";
/// The index trees of format 1, inside sled; dropped when the index is rebuilt.
const OLD_TREES: [&[u8]; 4] = [b"ix_meta", b"ix_lines", b"ix_tables", b"ix_blocks"];
/// Largest index file a reader accepts: far above a real one (a checkpoint of 10^4 lines with
/// a table entry for every day of two years is 26 MB), so a damaged length cannot make the
/// reader allocate without bound.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The index directory of a store.
pub fn dir_of(store: &Path) -> PathBuf {
    store.join(DIR)
}

pub(super) fn lines_path(dir: &Path) -> PathBuf {
    dir.join(LINES_FILE)
}

pub(super) fn head_path(dir: &Path, line: u32) -> PathBuf {
    dir.join("head").join(line.to_string())
}

pub(super) fn block_path(dir: &Path, block: u64) -> PathBuf {
    dir.join("blocks").join(block.to_string())
}

pub(super) fn checkpoint_path(dir: &Path, checkpoint: u64) -> PathBuf {
    dir.join("checkpoints").join(checkpoint.to_string())
}

/// Writes an index file in place. Not `fs::write`: truncating a file to zero makes ext4 (with
/// its default `auto_da_alloc`) start writing it back at close, in the writer's thread, on
/// every commit; so does renaming over it. Index files only grow between rebuilds, and a torn
/// or stale file fails the manifest check, so writing over the old bytes is enough.
fn write_file(path: &Path, bytes: &[u8]) -> Result<Sum, StoreError> {
    use std::io::Write;
    let mut file = super::plain::open_write(path, false).map_err(|e| io("cannot open", path, e))?;
    file.write_all(bytes)
        .map_err(|e| io("cannot write", path, e))?;
    let len = bytes.len() as u64;
    let old = file
        .metadata()
        .map_err(|e| io("cannot stat", path, e))?
        .len();
    if old > len {
        file.set_len(len)
            .map_err(|e| io("cannot truncate", path, e))?;
    }
    Ok(index_codec::sum_of(bytes)
        .expect("invariant: the index files this process writes are sealed"))
}

impl Store {
    /// The persisted index mark, if there is a readable one of the current format.
    pub fn index_mark(&self) -> Result<Option<Mark>, StoreError> {
        Ok(read_mark(&self.dir))
    }

    /// Removes the index and writes `changes` (every table) and then `mark` with the
    /// manifest of the files written, which it returns.
    /// Not fsynced: the index is derived, and a lost or stale file only causes a rebuild.
    pub fn rebuild_index(&self, changes: Changes, mark: Mark) -> Result<Manifest, StoreError> {
        self.clear_index()?;
        let manifest = write_files(&self.dir, changes, Manifest::default())?;
        let mark = Mark { manifest, ..mark };
        write_mark(&self.dir, &mark)?;
        Ok(mark.manifest)
    }

    /// Removes the index (files and mark) before a rebuild writes it again, in parts
    /// (`write_files`) and then its mark: until then no reader answers from it.
    pub fn clear_index(&self) -> Result<(), StoreError> {
        let dir = dir_of(&self.dir);
        match fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("cannot remove", &dir, e)),
        }
        // The format-1 index lived in sled; its space is reclaimed by sled over time.
        if let Some(sled) = &self.sled {
            for tree in OLD_TREES {
                sled.db.drop_tree(tree).map_err(super::from_sled)?;
            }
        }
        Ok(())
    }
}

/// Makes the mark unreadable, in place, before files it lists are changed: whatever happens
/// until `write_mark`, a reader declines and the next writer rebuilds.
pub fn invalidate_mark(store: &Path) -> Result<(), StoreError> {
    let path = dir_of(store).join(MARK_FILE);
    write_file(&path, &[0u8; 8 + index_codec::CHECKSUM]).map(|_| ())
}

/// Writes changed index files and returns `base` updated with their checksums. The mark is
/// not touched: see `write_mark`.
pub fn write_files(store: &Path, changes: Changes, base: Manifest) -> Result<Manifest, StoreError> {
    let dir = dir_of(store);
    let mut manifest = base;
    for sub in ["head", "blocks", "checkpoints"] {
        let path = dir.join(sub);
        super::plain::create_folders(&path).map_err(|e| io("cannot create", &path, e))?;
    }
    if let Some(lines) = changes.lines {
        manifest.lines = Some(write_file(&dir.join(LINES_FILE), &lines)?);
    }
    for (block, value) in changes.blocks {
        let sum = write_file(&block_path(&dir, block), &value)?;
        let slot = usize::try_from(block).unwrap_or(usize::MAX);
        Manifest::set(&mut manifest.blocks, slot, sum);
    }
    for (checkpoint, value) in changes.checkpoints {
        let sum = write_file(&checkpoint_path(&dir, checkpoint), &value)?;
        manifest.checkpoints.retain(|(c, _)| *c != checkpoint);
        manifest.checkpoints.push((checkpoint, sum));
        manifest.checkpoints.sort_unstable_by_key(|(c, _)| *c);
    }
    for (line, value) in changes.head {
        let sum = write_file(&head_path(&dir, line), &value)?;
        Manifest::set(&mut manifest.heads, line as usize, sum);
    }
    if !changes.trails.is_empty() {
        let path = dir.join("trails");
        super::plain::create_folders(&path).map_err(|e| io("cannot create", &path, e))?;
    }
    for (slot, entries) in changes.trails {
        let at = slot as usize;
        if manifest.trails.len() <= at {
            manifest.trails.resize(at + 1, TrailSum::default());
        }
        manifest.trails[at] = index_trail::append(&dir, slot, manifest.trails[at], &entries)?;
    }
    Ok(manifest)
}

/// Writes the mark, last, so it never lists a file not yet written. Readers are kept out by
/// the store's lock while it is written; one torn by a crash fails its own checksum.
pub fn write_mark(store: &Path, mark: &Mark) -> Result<(), StoreError> {
    write_file(
        &dir_of(store).join(MARK_FILE),
        &index_codec::encode_mark(mark),
    )
    .map(|_| ())
}

/// The store's index mark, if there is a readable one of the current format.
pub(super) fn read_mark(store: &Path) -> Option<Mark> {
    let bytes = read_bounded(&dir_of(store).join(MARK_FILE)).ok()?;
    index_codec::decode_mark(&bytes).ok()
}

/// Removes the index mark, so that no reader answers from the index until it is rebuilt.
/// Best effort: a store without an index directory has nothing to withdraw.
pub fn withdraw(store: &Path) {
    let path = dir_of(store).join(MARK_FILE);
    match super::plain::remove_file(&path) {
        Ok(()) => tracing::warn!("index withdrawn: {}", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::error!("cannot withdraw the index {}: {e}", path.display()),
    }
}

/// Reads a whole index file, refusing one larger than any real index file (sized once from
/// its length: a cold balance reads every line's table).
pub(super) fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    super::plain::read_bounded(path, MAX_FILE_BYTES)
}

/// Why the read path cannot answer; the caller opens the full ledger (which verifies the
/// log, reports integrity failures precisely and rebuilds the index) instead.
#[derive(Debug)]
pub enum Fallback {
    /// The index is missing, stale or damaged.
    Rebuild(String),
    Store(StoreError),
}

impl From<StoreError> for Fallback {
    fn from(e: StoreError) -> Fallback {
        Fallback::Store(e)
    }
}

impl From<Damaged> for Fallback {
    fn from(d: Damaged) -> Fallback {
        Fallback::Rebuild(d.0)
    }
}

/// A read-only view of a store through its index: holds the store's lock and checks that the
/// index mark names HEAD. Reads neither the log nor sled: integrity of the log itself is
/// checked by every open that loads it (`verify`, writers, trail, export).
pub struct IndexReader {
    /// `None` for the process that holds the store open (`open_held`).
    _lock: Option<File>,
    dir: PathBuf,
    head_seq: u64,
    head_hash: Hash,
    mark: Mark,
}

/// One line's figures as the reader computed them.
#[derive(Clone)]
pub struct LineFigures {
    pub spec: LineSpec,
    pub deadline: NaiveDate,
    /// Plan, disbursed, carried out, lapsed, recovered after the close and the payments'.
    pub columns: Totals,
}

/// The log is not read by the index's readers, but a log whose files are gone or emptied is
/// not one the index may speak for: the full open then names what was lost. (Finer damage is
/// found by `verify` and every open that loads the log.)
fn log_present(store: &Path) -> Result<(), Fallback> {
    if !store.join("log").is_dir() {
        return Err(Fallback::Rebuild("no store".into()));
    }
    for file in ["db", "conf"] {
        let path = store.join("log").join(file);
        match fs::metadata(&path) {
            Ok(m) if m.len() > 0 => {}
            _ => return Err(Fallback::Rebuild(format!("{} is missing", path.display()))),
        }
    }
    Ok(())
}

impl IndexReader {
    pub fn open(store: &Path) -> Result<IndexReader, Fallback> {
        log_present(store)?;
        let lock = lock(store)?;
        Ok(IndexReader {
            _lock: Some(lock),
            ..IndexReader::open_beside_head(store)?
        })
    }

    /// As `open`, without the store's lock: for the process that holds the store while its
    /// full open runs (the server before its store is verified; nothing writes meanwhile).
    /// HEAD and the mark must agree, as for `open`.
    pub fn open_beside_head(store: &Path) -> Result<IndexReader, Fallback> {
        log_present(store)?;
        let Ok(text) = super::head::read_head(store) else {
            return Err(Fallback::Rebuild("HEAD unreadable".into()));
        };
        let (head_seq, head_hash) =
            parse_head(&text).map_err(|e| Fallback::Rebuild(e.to_string()))?;
        let reader = IndexReader::open_held(store)?;
        if reader.head_seq != head_seq || reader.head_hash != head_hash {
            return Err(Fallback::Rebuild(format!(
                "index reflects sequence {} but HEAD is {head_seq}",
                reader.head_seq
            )));
        }
        Ok(reader)
    }

    /// The index of a store this process holds open (the server, whose writer extends it):
    /// no lock is taken, and the reader stands at the head its mark names, which the caller
    /// must check against the head it acknowledged (`hash_of`). The writer may rewrite a
    /// file while it is read: every file is checked against the checksum the mark lists, so
    /// a file of another moment is refused (`Fallback`), never served.
    pub fn open_held(store: &Path) -> Result<IndexReader, Fallback> {
        let dir = dir_of(store);
        let bytes = read_bounded(&dir.join(MARK_FILE))
            .map_err(|e| Fallback::Rebuild(format!("no index mark: {e}")))?;
        // Of the current format, or refused as damaged.
        let mark = index_codec::decode_mark(&bytes)?;
        Ok(IndexReader {
            _lock: None,
            dir,
            head_seq: mark.seq,
            head_hash: mark.hash,
            mark,
        })
    }

    pub fn head_seq(&self) -> u64 {
        self.head_seq
    }

    /// Reads an index file and checks that it is the version the mark lists.
    fn read_listed(&self, path: &Path, listed: Option<&Sum>) -> Result<Vec<u8>, Fallback> {
        let Some(listed) = listed else {
            return Err(Fallback::Rebuild(format!(
                "{} is not in the index mark",
                path.display()
            )));
        };
        let bytes = read_bounded(path)
            .map_err(|e| Fallback::Rebuild(format!("{}: {e}", path.display())))?;
        if index_codec::sum_of(&bytes).as_ref() != Some(listed) {
            return Err(Fallback::Rebuild(format!(
                "{} is not the version the index mark lists",
                path.display()
            )));
        }
        Ok(bytes)
    }

    fn block(&self, block: u64) -> Result<Vec<u8>, Fallback> {
        let listed = usize::try_from(block)
            .ok()
            .and_then(|b| self.mark.manifest.blocks.get(b));
        self.read_listed(&block_path(&self.dir, block), listed)
    }

    /// The chain hash of `seq` (as acknowledged; `verify` checks the whole chain).
    pub fn hash_of(&self, seq: u64) -> Result<Option<Hash>, Fallback> {
        if seq == 0 {
            return Ok(None);
        }
        if seq == self.head_seq {
            return Ok(Some(self.head_hash));
        }
        let block = seq / index_codec::BLOCK;
        let bytes = self.block(block)?;
        match index_codec::decode_block(block, &bytes)?.hash_of(seq) {
            Some(hash) => Ok(Some(hash)),
            None => Err(Fallback::Rebuild(format!(
                "block {block} lacks sequence {seq}"
            ))),
        }
    }

    /// The trail file of `line`, checked and cut at `known_at` (see `index_trail::TrailFile`:
    /// each record it keeps is handed to `each` as it is read), and the registered documents
    /// when `documents`; `None` when the index knows no line of that name (the full log then
    /// says so).
    pub fn trail(
        &self,
        (line, known_at, documents): (&str, u64, bool),
        each: &mut dyn FnMut(usize, Recorded),
    ) -> Result<Option<(TrailFile, Vec<Recorded>)>, Fallback> {
        let listed = self.mark.manifest.lines.as_ref();
        let Some(_) = listed else { return Ok(None) };
        let bytes = self.read_listed(&self.dir.join(LINES_FILE), listed)?;
        let lines = index_codec::decode_lines(&bytes)?;
        let Some(id) = lines.iter().position(|(_, spec)| spec.line == line) else {
            return Ok(None);
        };
        let slot = index_trail::slot_of(id as u32);
        let sum = self.mark.manifest.trails.get(slot as usize).copied();
        let file = TrailFile::open(&self.dir, slot, &sum.unwrap_or_default(), known_at, each)?;
        let documents = match documents {
            true => self.trail_of_slot(index_trail::DOCUMENTS, known_at)?,
            false => Vec::new(),
        };
        Ok(Some((file, documents)))
    }

    /// The records of one trail file (see `index_trail`) with sequence ≤ `upto`.
    pub fn trail_of_slot(&self, slot: u32, upto: u64) -> Result<Vec<Recorded>, Fallback> {
        let sum = self.mark.manifest.trails.get(slot as usize).copied();
        let mut records = Vec::new();
        let each = &mut |_, r| records.push(r);
        TrailFile::open(&self.dir, slot, &sum.unwrap_or_default(), upto, each)?;
        Ok(records)
    }

    /// A trail file's bytes and what the mark lists of it; `None` for an empty trail.
    fn trail_file(&self, slot: u32) -> Result<Option<(Vec<u8>, TrailSum)>, Fallback> {
        let sum = self.mark.manifest.trails.get(slot as usize).copied();
        let sum = sum.unwrap_or_default();
        if sum.entries == 0 {
            return Ok(None);
        }
        let path = index_trail::trail_path(&self.dir, slot);
        let file = read_bounded(&path)
            .map_err(|e| Fallback::Rebuild(format!("{}: {e}", path.display())))?;
        Ok(Some((file, sum)))
    }

    /// The event `target` that the reversal at sequence `reversal` cancels, found in the trail
    /// of a line the reversal moves (its effects in the blocks); `None` when it moves none.
    pub fn reversed(
        &self,
        reversal: u64,
        target: &uuid::Uuid,
    ) -> Result<Option<Recorded>, Fallback> {
        let block = reversal / index_codec::BLOCK;
        let bytes = self.block(block)?;
        let mut lines = Vec::new();
        index_codec::decode_block(block, &bytes)?
            .each(reversal - 1, reversal, |line, _, _| lines.push(line));
        let Some(&line) = lines.first() else {
            return Ok(None);
        };
        let slot = index_trail::slot_of(line);
        let found = match self.trail_file(slot)? {
            None => None,
            Some((file, sum)) => {
                index_trail::find_in_trail(slot, &file, &sum, reversal, |r| r.event.id == *target)?
            }
        };
        match found {
            Some(r) => Ok(Some(r)),
            None => Err(Fallback::Rebuild(format!(
                "the trail of line {line} lacks the target of sequence {reversal}"
            ))),
        }
    }

    /// The view with the hash that pins it.
    pub fn pin(&self, view: View) -> Result<Pin, Fallback> {
        Ok(Pin {
            view,
            hash: self.hash_of(view.known_at)?,
        })
    }

    /// What a chart draws, with each line's table read once: the figures of every line of
    /// `plan_year` opened by `known_at` as of `as_of` (as `balances` gives them), and per such
    /// line how much `column` moved on each of the `days` days from `first` (index 0 also
    /// takes every earlier date), as known at `known_at`.
    pub fn chart(
        &self,
        (as_of, known_at): (NaiveDate, u64),
        plan_year: i32,
        (first, days): (NaiveDate, usize),
        column: usize,
    ) -> Result<Charted, Fallback> {
        let day = index_codec::day_number(as_of);
        let first = index_codec::day_number(first);
        let slot = |date: i32| -> Option<usize> {
            let k = usize::try_from(i64::from(date) - i64::from(first)).unwrap_or(0);
            (k < days).then_some(k)
        };
        let base = self.base(known_at)?;
        let mut sums: HashMap<u32, index_codec::Sums> = HashMap::new();
        let mut moved: HashMap<u32, Vec<i128>> = HashMap::new();
        for (line, (open_seq, spec)) in base.lines.iter().enumerate() {
            if *open_seq > known_at || spec.plan_year != plan_year {
                continue;
            }
            let line = line as u32;
            let table = self.table(&base, line, *open_seq)?;
            sums.insert(line, index_codec::table_at(&table, day)?);
            let mut v = vec![0i128; days];
            let mut before = 0;
            for (date, cumulative) in index_codec::table_column(&table, column)? {
                if let Some(k) = slot(date) {
                    v[k] += cumulative - before;
                }
                before = cumulative;
            }
            moved.insert(line, v);
        }
        // One pass over the blocks after the checkpoint for both.
        let mut delta: HashMap<u32, index_codec::Sums> = HashMap::new();
        self.after_checkpoint(&base, known_at, |block| {
            block.add(base.checkpoint, known_at, day, &mut delta);
            block.each(base.checkpoint, known_at, |line, date, columns| {
                if let (Some(v), Some(k)) = (moved.get_mut(&line), slot(date)) {
                    v[k] += i128::from(columns[column]);
                }
            })
        })?;
        let mut figures_out = Vec::new();
        for (line, mut s) in sums {
            if let Some(d) = delta.get(&line) {
                for (sum, value) in s.iter_mut().zip(d) {
                    *sum += value;
                }
            }
            figures_out.push(figures(base.lines[line as usize].1.clone(), &s)?);
        }
        figures_out.sort_by(|a, b| a.spec.line.cmp(&b.spec.line));
        let mut daily: Vec<(String, Vec<i128>)> = moved
            .into_iter()
            .map(|(line, v)| (base.lines[line as usize].1.line.clone(), v))
            .collect();
        daily.sort();
        Ok(Charted {
            figures: figures_out,
            daily,
        })
    }

    /// The lines and, for a historical view, the nearest checkpoint at or before `known_at`.
    fn base(&self, known_at: u64) -> Result<Base, Fallback> {
        assert!(known_at <= self.head_seq, "the caller bounds known_at");
        let manifest = &self.mark.manifest;
        let lines = match manifest.lines {
            None => Vec::new(),
            Some(_) => {
                let bytes =
                    self.read_listed(&self.dir.join(LINES_FILE), manifest.lines.as_ref())?;
                index_codec::decode_lines(&bytes)?
            }
        };
        let interval = self.mark.interval.max(1);
        let at_head = known_at == self.head_seq;
        let checkpoint = known_at / interval * interval;
        let mut checkpoint_bytes = Vec::new();
        if !at_head && checkpoint > 0 {
            let listed = manifest
                .checkpoints
                .iter()
                .find(|(c, _)| *c == checkpoint)
                .map(|(_, sum)| sum);
            checkpoint_bytes = self.read_listed(&checkpoint_path(&self.dir, checkpoint), listed)?;
        }
        // Each line's table, as a range of the checkpoint's bytes (decoded, and its checksum
        // checked, once).
        let start = checkpoint_bytes.as_ptr() as usize;
        let tables = match checkpoint_bytes.is_empty() {
            true => Vec::new(),
            false => index_codec::decode_checkpoint(checkpoint, &checkpoint_bytes)?
                .into_iter()
                .map(|t| {
                    let at = t.as_ptr() as usize - start;
                    at..at + t.len()
                })
                .collect(),
        };
        Ok(Base {
            lines,
            at_head,
            checkpoint,
            checkpoint_bytes,
            tables,
        })
    }

    /// Calls `each` with every block holding effects after the checkpoint up to `known_at`
    /// (none at the head, whose tables hold everything).
    fn after_checkpoint(
        &self,
        base: &Base,
        known_at: u64,
        mut each: impl FnMut(&index_codec::Block<'_>),
    ) -> Result<(), Fallback> {
        if base.at_head || known_at <= base.checkpoint {
            return Ok(());
        }
        for block in (base.checkpoint + 1) / index_codec::BLOCK..=known_at / index_codec::BLOCK {
            let bytes = self.block(block)?;
            each(&index_codec::decode_block(block, &bytes)?);
        }
        Ok(())
    }

    /// A line's table: its head table at the head, else its table at the checkpoint (empty
    /// before the first checkpoint, or for a line opened after it).
    fn table(&self, base: &Base, line: u32, open_seq: u64) -> Result<Vec<u8>, Fallback> {
        if base.at_head {
            let listed = self.mark.manifest.heads.get(line as usize);
            let mut bytes = self.read_listed(&head_path(&self.dir, line), listed)?;
            // The table is the file less its seal: cut in place rather than copied.
            let entries = index_codec::decode_head_table(line, &bytes)?.len();
            bytes.truncate(entries);
            return Ok(bytes);
        }
        if base.checkpoint == 0 {
            return Ok(Vec::new());
        }
        match base.tables.get(line as usize) {
            Some(range) => Ok(base.checkpoint_bytes[range.clone()].to_vec()),
            // Opened after the checkpoint: its movements are all in the blocks after it.
            None if open_seq > base.checkpoint => Ok(Vec::new()),
            None => Err(Fallback::Rebuild(format!(
                "checkpoint {} lacks line {line}",
                base.checkpoint
            ))),
        }
    }
}

/// A chart's inputs from the index (see `IndexReader::chart`).
pub struct Charted {
    pub figures: Vec<LineFigures>,
    /// Per line, the column's movement on each day of the chart's span, in line order.
    pub daily: Vec<(String, Vec<i128>)>,
}

/// What every view at one knowledge point starts from (see `IndexReader::base`).
struct Base {
    lines: Vec<(u64, LineSpec)>,
    at_head: bool,
    checkpoint: u64,
    checkpoint_bytes: Vec<u8>,
    /// Each line's table in `checkpoint_bytes`.
    tables: Vec<std::ops::Range<usize>>,
}

/// A line's figures from its column sums (see `index_codec::COLUMNS`).
fn figures(spec: LineSpec, sums: &index_codec::Sums) -> Result<LineFigures, Fallback> {
    let default = crate::core::rule_data::default_deadline(spec.origin, spec.plan_year);
    let shift = i64::try_from(sums[index_codec::DEADLINE_COLUMN])
        .ok()
        .and_then(|days| default.checked_add_signed(chrono::TimeDelta::try_days(days)?))
        .ok_or_else(|| index_codec::Damaged("a deadline shift is out of range".into()))?;
    let pay = Payments {
        completed: index_codec::decimal(sums[6])?,
        advance_outstanding: index_codec::decimal(sums[7])?,
        committed: index_codec::decimal(sums[8])?,
        commitment_outstanding: index_codec::decimal(sums[9])?,
    };
    let columns = Totals {
        plan: index_codec::decimal(sums[0])?,
        disbursed: index_codec::decimal(sums[1])?,
        carried_out: index_codec::decimal(sums[2])?,
        lapsed: index_codec::decimal(sums[3])?,
        recovered_after_close: index_codec::decimal(sums[4])?,
        pay,
    };
    Ok(LineFigures {
        deadline: shift,
        columns,
        spec,
    })
}
