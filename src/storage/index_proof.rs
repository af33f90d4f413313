//! `verify` proves the persisted index by recomputation: the tables are rebuilt from the
//! verified log and compared, file by file and byte by byte, with what the index mark lists.
//!
//! The index checksums only catch accidents: they are unkeyed, so anyone who can write the
//! store folder can edit a table and recompute its checksum and the mark. A key kept in the
//! store would not help against that attacker either (they can read it), so the proof is the
//! recomputation itself: after `verify` (optionally anchored with `--expect-head`) exits 0,
//! every figure a cold `balance`/`summary` serves for that head is one the log yields.

use std::path::{Path, PathBuf};

use super::fault::IndexDefect;
use super::index::{self, read_bounded};
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
    let Some(mark) = mark else {
        return Ok(Proof::NotServed("no readable index mark".into()));
    };
    if (mark.seq, mark.hash) != head {
        return Ok(Proof::NotServed(format!(
            "the index mark names sequence {}, not the head {}",
            mark.seq, head.0
        )));
    }
    let dir = index::dir_of(store);
    let files = expected_files(&dir, expected);
    let mut manifest = Manifest::default();
    for (kind, path, bytes) in &files {
        let sum = sum_of(bytes).unwrap_or_default();
        match kind {
            Slot::Lines => manifest.lines = Some(sum),
            Slot::Head(line) => Manifest::set(&mut manifest.heads, *line as usize, sum),
            Slot::Block(block) => {
                let slot = usize::try_from(*block).unwrap_or(usize::MAX);
                if slot > manifest.blocks.len() {
                    return Err(differs(path, IndexDefect::BlocksNotDense));
                }
                Manifest::set(&mut manifest.blocks, slot, sum)
            }
            Slot::Checkpoint(seq) => manifest.checkpoints.push((*seq, sum)),
            Slot::Trail(slot, listed) => {
                let at = *slot as usize;
                if manifest.trails.len() <= at {
                    manifest.trails.resize(at + 1, TrailSum::default());
                }
                manifest.trails[at] = *listed;
            }
        }
    }
    // The files first, so that a forged one is named (a forger rewrites the mark too).
    for (kind, path, bytes) in &files {
        let on_disk = read_bounded(path)
            .map_err(|e| differs(path, IndexDefect::Unreadable(e.to_string())))?;
        // A trail file is served up to what the mark lists (an unacknowledged batch may
        // have left bytes after it).
        let served = match kind {
            Slot::Trail(..) => on_disk.get(..bytes.len()).unwrap_or(&on_disk),
            _ => &on_disk[..],
        };
        if served != &bytes[..] {
            return Err(differs(path, IndexDefect::NotWhatLogYields));
        }
    }
    if manifest != mark.manifest {
        return Err(differs(&dir.join("MARK"), IndexDefect::ManifestDiffers));
    }
    Ok(Proof::Proven { files: files.len() })
}

enum Slot {
    Lines,
    Head(u32),
    Block(u64),
    Checkpoint(u64),
    Trail(u32, TrailSum),
}

fn expected_files(dir: &Path, c: Changes) -> Vec<(Slot, PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Some(lines) = c.lines {
        out.push((Slot::Lines, index::lines_path(dir), lines));
    }
    for (line, bytes) in c.head {
        out.push((Slot::Head(line), index::head_path(dir, line), bytes));
    }
    for (block, bytes) in c.blocks {
        out.push((Slot::Block(block), index::block_path(dir, block), bytes));
    }
    for (seq, bytes) in c.checkpoints {
        out.push((
            Slot::Checkpoint(seq),
            index::checkpoint_path(dir, seq),
            bytes,
        ));
    }
    for (slot, entries) in c.trails {
        let listed = index_trail::appended(TrailSum::default(), &entries);
        let path = index_trail::trail_path(dir, slot);
        out.push((Slot::Trail(slot, listed), path, entries.concat()));
    }
    out
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
