//! `verify` proves the persisted index by recomputation: the tables are rebuilt from the
//! verified log and compared, file by file and byte by byte, with what the index mark lists.
//!
//! The index checksums only catch accidents: they are unkeyed, so anyone who can write the
//! store folder can edit a table and recompute its checksum and the mark. A key kept in the
//! store would not help against that attacker either (they can read it), so the proof is the
//! recomputation itself: after `verify` (optionally anchored with `--expect-head`) exits 0,
//! every figure a cold `balance`/`summary` serves for that head is one the log yields.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::fault::IndexDefect;
use super::index;
use super::{Hash, StoreError};
use crate::storage::index_codec::{Changes, Manifest, Mark, TrailSum, sum_of};
use crate::storage::index_trail;

/// What `verify` can say about the index.
#[derive(Debug, PartialEq, Eq)]
pub enum Proof {
    /// The mark names the head and every file it lists holds what the log yields.
    Proven { files: usize },
    /// No index is served for this head (no mark, a stale or damaged one): cold reads use the
    /// full, verified log until a writer rebuilds it.
    NotServed(String),
}

/// Compares the index of `store` with `expected` (every table rebuilt from the verified log
/// at `head`, with the mark's checkpoint interval). An index that would be served but holds
/// anything else is an integrity failure naming the first file that differs.
pub fn prove(
    store: &Path,
    mark: Option<Mark>,
    head: (u64, Hash),
    expected: Changes,
) -> Result<Proof, StoreError> {
    match Prover::new(store, mark, head) {
        Ok(mut prover) => {
            prover.add(expected, u64::MAX);
            prover.finish()
        }
        Err(not_served) => Ok(not_served),
    }
}

/// A proof made as the tables are rebuilt in parts (a log too long to rebuild them whole in
/// memory): each file is compared with the disk as soon as no later part can change it (a
/// block before the rebuild's last, a checkpoint, a line's head table, which a proof in parts
/// is given once at the end), then dropped; only the lines file and the last block wait for
/// the end.
pub struct Prover {
    dir: PathBuf,
    mark: Mark,
    manifest: Manifest,
    files: usize,
    /// The first file found to differ (reported after the manifest, as a whole proof does).
    differs: Option<StoreError>,
    lines: Option<Vec<u8>>,
    blocks: BTreeMap<u64, Vec<u8>>,
    /// Per trail slot: what the parts so far appended (each part's entries are compared with
    /// the file's next bytes as they come, so no trail is held whole).
    trails: BTreeMap<u32, TrailSum>,
}

impl Prover {
    /// A prover for the index of `store`, or why no index is served for `head`.
    pub fn new(store: &Path, mark: Option<Mark>, head: (u64, Hash)) -> Result<Prover, Proof> {
        let Some(mark) = mark else {
            return Err(Proof::NotServed("no readable index mark".into()));
        };
        if (mark.seq, mark.hash) != head {
            return Err(Proof::NotServed(format!(
                "the index mark names sequence {}, not the head {}",
                mark.seq, head.0
            )));
        }
        Ok(Prover {
            dir: index::dir_of(store),
            mark,
            manifest: Manifest::default(),
            files: 0,
            differs: None,
            lines: None,
            blocks: BTreeMap::new(),
            trails: BTreeMap::new(),
        })
    }

    /// The checkpoint interval the index was built with (a rebuild must use the same).
    pub fn interval(&self) -> u64 {
        self.mark.interval
    }

    /// Takes the files a part of the rebuild yields; blocks numbered below `settled` are
    /// final (the rebuild has gone past them).
    pub fn add(&mut self, c: Changes, settled: u64) {
        if c.lines.is_some() {
            self.lines = c.lines;
        }
        // A line's head table comes once, whole (see `Builder::deferring_heads`): compared and
        // dropped at once, so the proof never holds every line's table.
        for (line, bytes) in c.head {
            let sum = sum_of(&bytes).unwrap_or_default();
            Manifest::set(&mut self.manifest.heads, line as usize, sum);
            self.compare(&index::head_path(&self.dir, line), &bytes);
        }
        self.blocks.extend(c.blocks);
        for (seq, bytes) in c.checkpoints {
            let path = index::checkpoint_path(&self.dir, seq);
            self.manifest
                .checkpoints
                .push((seq, sum_of(&bytes).unwrap_or_default()));
            self.compare(&path, &bytes);
        }
        for (slot, entries) in c.trails {
            self.trail(slot, &entries);
        }
        let later = self.blocks.split_off(&settled);
        for (block, bytes) in std::mem::replace(&mut self.blocks, later) {
            self.block(block, &bytes);
        }
    }

    fn block(&mut self, block: u64, bytes: &[u8]) {
        let path = index::block_path(&self.dir, block);
        let slot = usize::try_from(block).unwrap_or(usize::MAX);
        if slot > self.manifest.blocks.len() {
            self.differs
                .get_or_insert_with(|| differs(&path, IndexDefect::BlocksNotDense));
            return;
        }
        Manifest::set(
            &mut self.manifest.blocks,
            slot,
            sum_of(bytes).unwrap_or_default(),
        );
        self.compare(&path, bytes);
    }

    fn compare(&mut self, path: &Path, bytes: &[u8]) {
        self.files += 1;
        if self.differs.is_some() {
            return;
        }
        match same_bytes(path, bytes) {
            Ok(true) => {}
            Ok(_) => self.differs = Some(differs(path, IndexDefect::NotWhatLogYields)),
            Err(e) => self.differs = Some(differs(path, IndexDefect::Unreadable(e.to_string()))),
        }
    }

    /// Compares a part's entries of a trail with the file's bytes after those of the parts
    /// before (a trail file is served up to what the mark lists; an unacknowledged batch may
    /// have left bytes after it).
    fn trail(&mut self, slot: u32, entries: &[Vec<u8>]) {
        let before = self.trails.get(&slot).copied().unwrap_or_default();
        let after = index_trail::appended(before, entries);
        self.trails.insert(slot, after);
        if before.entries == 0 {
            self.files += 1;
        }
        if self.differs.is_some() {
            return;
        }
        let path = index_trail::trail_path(&self.dir, slot);
        let expected = entries.concat();
        match read_range(&path, before.bytes, expected.len()) {
            Ok(on_disk) if on_disk == expected => {}
            Ok(_) => self.differs = Some(differs(&path, IndexDefect::NotWhatLogYields)),
            Err(e) => self.differs = Some(differs(&path, IndexDefect::Unreadable(e.to_string()))),
        }
    }

    /// Compares what waited for the end, then the list of files and checksums.
    pub fn finish(mut self) -> Result<Proof, StoreError> {
        if let Some(lines) = self.lines.take() {
            self.manifest.lines = Some(sum_of(&lines).unwrap_or_default());
            self.compare(&index::lines_path(&self.dir), &lines);
        }
        for (block, bytes) in std::mem::take(&mut self.blocks) {
            self.block(block, &bytes);
        }
        self.manifest.checkpoints.sort_unstable_by_key(|(c, _)| *c);
        for (slot, sum) in std::mem::take(&mut self.trails) {
            let at = slot as usize;
            if self.manifest.trails.len() <= at {
                self.manifest.trails.resize(at + 1, TrailSum::default());
            }
            self.manifest.trails[at] = sum;
        }
        // The files first, so that a forged one is named (a forger rewrites the mark too).
        if let Some(e) = self.differs {
            return Err(e);
        }
        if self.manifest != self.mark.manifest {
            return Err(differs(
                &self.dir.join("MARK"),
                IndexDefect::ManifestDiffers,
            ));
        }
        Ok(Proof::Proven { files: self.files })
    }
}

/// `len` bytes of `path` from `offset` (a trail file's next part), bounded by the part's size.
fn read_range(path: &Path, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = super::plain::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut out = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut out)?;
    Ok(out)
}

fn differs(path: &Path, why: IndexDefect) -> StoreError {
    super::integrity(
        None,
        super::Fault::IndexDiffers {
            path: path.to_path_buf(),
            why,
        },
    )
}

/// Whether the file at `path` holds exactly `bytes`, read in pieces (a checkpoint file holds
/// every line's days: a second copy of it in memory is what a bounded verify must not keep).
fn same_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Read;
    let mut file = super::plain::open(path)?;
    if file.metadata()?.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut piece = vec![0u8; 1 << 16];
    let mut at = 0usize;
    loop {
        let n = file.read(&mut piece)?;
        if n == 0 {
            return Ok(at == bytes.len());
        }
        let end = at + n;
        if bytes.get(at..end) != piece.get(..n) {
            return Ok(false);
        }
        at = end;
    }
}
