//! Reading a store without its lock, while another process (typically `socai serve`) holds it
//! and appends: the acknowledged prefix, read from the journal, never from sled.
//!
//! Why this is consistent. A writer's commit writes the batch to the journal (one `write`,
//! then `fdatasync`) and to sled, and only once both are durable writes a new HEAD record
//! (`Store::commit`, `storage::head`). The journal is append-only: frames are only ever
//! added after its end (over the zeros written ahead of them); the one cut a writer makes (`Journal::open`) removes a torn or
//! unacknowledged tail *beyond* what HEAD names, and a writer never moves HEAD backwards.
//! So a reader that
//! 1. reads HEAD (one whole record: renamed into place, or rewritten in place with the same
//!    length, a torn read of which is read again: `head::read_head`), say sequence N, hash H;
//! 2. then reads `UNIT` (written only under the lock, and only ever for a `since` at or
//!    beyond the head of that moment, so a UNIT written after step 1 binds a sequence
//!    beyond N and changes nothing below it);
//! 3. then lists the journal's segments and reads them
//!
//! finds every frame 1..=N whole in the files it lists (they were written before HEAD named
//! them), each frame checked by recomputing its chain hash from the previous one (with the
//! unit binding), and frame N must carry H. Whatever follows N — a batch being written, a
//! torn tail of a crashed writer — is never looked at. What the reader sees is therefore
//! exactly the log as acknowledged at the moment it read HEAD: no half batch, no later event,
//! nothing unacknowledged. A frame that does not chain, a missing frame or a hash that is not
//! H is not a race but damage (or a store swapped under the reader): an integrity failure.
//!
//! What it does not do: it does not read sled (the writer's process has it open), so it
//! cannot say that the log agrees with the journal; `verify` says so when it reads this way.
//! A store without a journal (read-only, written before the journal existed) cannot be read
//! this way: the caller is told so and asks the server instead.

use std::path::{Path, PathBuf};

use super::fault::Copy;
use super::journal::{self, parse_segment};
use super::unit::{Binding, link_prev, read_unit};
use super::{
    Fault, GENESIS, HEAD_FILE, Hash, StoreError, UnitRecord, binding_of, chain_hash, envelope,
    integrity, io, parse_head,
};
use crate::core::rules::Recorded;

/// The acknowledged prefix of a store as read from its journal without the lock.
pub struct JournalSnapshot {
    pub records: Vec<Recorded>,
    /// `hashes[i]` is the chain hash of sequence `i + 1`.
    pub hashes: Vec<Hash>,
    pub unit: Option<UnitRecord>,
}

/// Why a store cannot be read without its lock.
#[derive(Debug)]
pub enum SnapshotError {
    /// The store at `dir` has no journal (or no HEAD, `head_missing`): only its lock holder
    /// (or its server) can read it.
    NoJournal {
        dir: PathBuf,
        head_missing: bool,
    },
    Store(StoreError),
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::NoJournal { dir, head_missing } => match head_missing {
                true => write!(f, "{} has no HEAD record", dir.display()),
                false => write!(f, "{} has no journal", dir.display()),
            },
            SnapshotError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for SnapshotError {
    fn from(e: StoreError) -> SnapshotError {
        SnapshotError::Store(e)
    }
}

/// Reads the acknowledged prefix of the store at `dir` from its journal; see the module
/// comment for why this is consistent while a writer appends.
pub fn read(dir: &Path) -> Result<JournalSnapshot, SnapshotError> {
    super::plain::check_folder(dir)?;
    let head_path = dir.join(HEAD_FILE);
    let text = match super::head::read_head(dir) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SnapshotError::NoJournal {
                dir: dir.to_path_buf(),
                head_missing: true,
            });
        }
        Err(e) => return Err(io("cannot read", &head_path, e).into()),
    };
    let (head, head_hash) = parse_head(&text)?;
    let unit = read_unit(dir)?;
    let binding = unit.as_ref().map(binding_of);
    let journal_dir = dir.join(journal::DIR);
    if !journal_dir.is_dir() {
        return Err(SnapshotError::NoJournal {
            dir: dir.to_path_buf(),
            head_missing: false,
        });
    }
    let (records, hashes) = read_prefix(&journal_dir, head, binding)?;
    let at = hashes.last().copied().unwrap_or(GENESIS);
    if at != head_hash {
        return Err(integrity(
            Some(head),
            Fault::HeadHashDiffers {
                seq: head,
                head: head_hash,
                found: at,
                copy: Copy::Journal,
            },
        )
        .into());
    }
    Ok(JournalSnapshot {
        records,
        hashes,
        unit,
    })
}

/// Frames 1..=`head` of the journal in `dir`, each checked against the chain; frames after
/// `head` are not read.
fn read_prefix(
    dir: &Path,
    head: u64,
    binding: Option<Binding>,
) -> Result<(Vec<Recorded>, Vec<Hash>), StoreError> {
    let mut records = Vec::new();
    let mut hashes: Vec<Hash> = Vec::new();
    let mut prev = GENESIS;
    for (first, path) in journal::segments(dir)? {
        let next = hashes.len() as u64 + 1;
        if next > head {
            break;
        }
        if first != next {
            return Err(journal::lacks(dir, next, false));
        }
        let bytes = super::plain::read_bounded(&path, journal::SEGMENT_READ_LIMIT)
            .map_err(|e| io("cannot read", &path, e))?;
        // A torn frame may only follow `head` (checked below: the prefix must reach it).
        let (frames, _) = parse_segment(&bytes);
        for frame in frames {
            let seq = hashes.len() as u64 + 1;
            if seq > head {
                break;
            }
            let linked = link_prev(binding, seq, prev);
            if frame.seq != seq || chain_hash(&linked, seq, &frame.envelope) != frame.hash {
                return Err(integrity(
                    Some(seq),
                    Fault::JournalFrameUnchained { path, seq },
                ));
            }
            let record = envelope::decode(&frame.envelope)
                .map_err(|why| integrity(Some(seq), Fault::Undecodable { why }))?;
            if record.seq != seq {
                return Err(integrity(
                    Some(seq),
                    Fault::ClaimsSequence {
                        claimed: record.seq,
                    },
                ));
            }
            prev = frame.hash;
            hashes.push(frame.hash);
            records.push(record);
        }
    }
    if (hashes.len() as u64) < head {
        return Err(journal::lacks(dir, hashes.len() as u64 + 1, false));
    }
    Ok((records, hashes))
}
