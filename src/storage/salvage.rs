//! `recover`'s reading side: every record of a damaged store that can be proven, taken from
//! whichever copy (the sled log or the journal) holds it intact.
//!
//! Nothing in the damaged store is trusted or changed: sled is opened on a scratch copy (it
//! may repair its own files when opening), and a record is accepted only if its chain hash,
//! recomputed from the record before it, is the one stored with it. Two intact copies of a
//! record are the same bytes (the chain hash is SHA-256), so which copy serves it does not
//! matter; the log's is preferred and the journal's counted as a repair.

use std::collections::BTreeMap;
use std::path::Path;

use super::copy::copy_tree;
use super::scan::decode_value;
use super::unit::{Binding, link_prev};
use super::{
    EVENTS_TREE, Fault, GENESIS, HEAD_FILE, Hash, Salvage, StoreError, chain_hash, integrity, io,
    journal, lock, parse_head,
};
use crate::core::rules::Recorded;

/// The candidates for each sequence found in one copy, and why reading it stopped short.
struct Copy {
    entries: BTreeMap<u64, (Hash, Vec<u8>)>,
    problem: Option<Fault>,
}

/// Reads the sled log of `dir` from a scratch copy: every entry sled can still return.
fn read_log(dir: &Path) -> Result<Copy, StoreError> {
    let log_dir = dir.join("log");
    let mut copy = Copy {
        entries: BTreeMap::new(),
        problem: None,
    };
    if !log_dir.is_dir() {
        copy.problem = Some(Fault::Missing { path: log_dir });
        return Ok(copy);
    }
    let scratch = tempfile::tempdir().map_err(|e| io("cannot create a scratch dir for", dir, e))?;
    let scratch_log = scratch.path().join("log");
    copy_tree(&log_dir, &scratch_log)?;
    let db = match lock::sled_open(&sled::Config::new().path(&scratch_log)) {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => {
            copy.problem = Some(Fault::SledCannotOpen {
                detail: e.to_string(),
            });
            return Ok(copy);
        }
        Err(fault) => {
            copy.problem = Some(fault);
            return Ok(copy);
        }
    };
    let events = match db.open_tree(EVENTS_TREE) {
        Ok(t) => t,
        Err(e) => {
            copy.problem = Some(Fault::SledCannotOpen {
                detail: e.to_string(),
            });
            return Ok(copy);
        }
    };
    // sled may panic on a damaged tree while iterating, as it may when opening: what was read
    // until then is kept, and the journal gives the rest.
    let read = lock::caught(|| read_entries(&events, &mut copy));
    if let Err(payload) = read {
        copy.problem = Some(Fault::SledCannotRead {
            detail: lock::panic_text(payload.as_ref()),
        });
    }
    Ok(copy)
}

/// Every entry sled can still give of `events`, into `copy`; sled's first error ends it.
fn read_entries(events: &sled::Tree, copy: &mut Copy) {
    for item in events.iter() {
        match item {
            Ok((key, value)) => {
                let (Ok(key), Some((hash, envelope))) = (
                    <[u8; 8]>::try_from(key.as_ref()),
                    value.split_at_checked(32),
                ) else {
                    copy.problem.get_or_insert(Fault::NotAnEvent);
                    continue;
                };
                let hash: Hash = hash.try_into().unwrap_or(GENESIS);
                copy.entries
                    .entry(u64::from_be_bytes(key))
                    .or_insert((hash, envelope.to_vec()));
            }
            Err(e) => {
                copy.problem = Some(Fault::SledCannotRead {
                    detail: e.to_string(),
                });
                break;
            }
        }
    }
}

fn read_journal(dir: &Path) -> Result<Copy, StoreError> {
    let mut entries = BTreeMap::new();
    let problem = journal::salvage(dir, |frame| {
        entries
            .entry(frame.seq)
            .or_insert((frame.hash, frame.envelope));
    })?;
    Ok(Copy { entries, problem })
}

/// The candidate of `copy` for `seq`, if it chains from `prev` and decodes.
/// `binding` is the store's unit: the link into `since + 1` mixes it in, as in the log.
fn proven(
    copy: &Copy,
    seq: u64,
    prev: &Hash,
    binding: Option<Binding>,
) -> Option<(Recorded, Hash)> {
    let (stored, envelope) = copy.entries.get(&seq)?;
    let hash = chain_hash(&link_prev(binding, seq, *prev), seq, envelope);
    if &hash != stored {
        return None;
    }
    let mut value = Vec::with_capacity(32 + envelope.len());
    value.extend_from_slice(&hash);
    value.extend_from_slice(envelope);
    let record = decode_value(seq, &value).ok()?;
    Some((record, hash))
}

/// Takes `seq`'s entries out of both copies once it is decided, the kept envelope from the
/// copy that proved it: each record is then held once, as it is salvaged, not once per copy
/// on top of the salvaged prefix (at 3.4M events `recover` peaked at 13.6 GB). Only what
/// lies beyond the prefix is read after the loop (`beyond`), and the entry of the sequence
/// that stops it (`NoIntactCopy`), which is never taken.
fn take(log: &mut Copy, journal: &mut Copy, seq: u64, in_log: bool) -> Vec<u8> {
    let from_log = log.entries.remove(&seq);
    let from_journal = journal.entries.remove(&seq);
    let kept = if in_log { from_log } else { from_journal };
    kept.map(|(_, envelope)| envelope)
        .expect("invariant: the copy that proved a sequence holds its entry")
}

/// Reads the longest chain from sequence 1 that either copy proves, record by record.
pub fn salvage(dir: &Path) -> Result<Salvage, StoreError> {
    if !dir.is_dir() {
        return Err(StoreError::NoStore {
            dir: dir.to_path_buf(),
            hint: false,
        });
    }
    let _lock = lock(dir)?;
    let head_path = dir.join(HEAD_FILE);
    let head = match super::head::read_text(&head_path) {
        Ok(text) => parse_head(&text).map(Some).map_err(Fault::from),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Fault::HeadRecordMissing),
        Err(e) => Err(Fault::Unreadable {
            path: head_path.clone(),
            detail: e.to_string(),
        }),
    };
    let mut log = read_log(dir)?;
    let mut journal = read_journal(dir)?;
    let mut out = Salvage {
        records: Vec::new(),
        envelopes: Vec::new(),
        problem: None,
        head,
        log_problem: log.problem.clone(),
        journal_problem: journal.problem.clone(),
        repaired: Vec::new(),
        copies_agree: false,
        unit: None,
    };
    // An unreadable UNIT leaves the records unbound: the chain then stops where it was bound.
    out.unit = super::unit::read_unit(dir).ok().flatten();
    let binding = out.unit.as_ref().map(super::binding_of);
    let mut prev = GENESIS;
    let (mut log_whole, mut journal_whole) = (true, true);
    loop {
        let seq = out.records.len() as u64 + 1;
        let from_log = proven(&log, seq, &prev, binding);
        let from_journal = if from_log.is_none() || journal_whole {
            proven(&journal, seq, &prev, binding)
        } else {
            None
        };
        let (in_log, in_journal) = (from_log.is_some(), from_journal.is_some());
        let Some((record, hash)) = from_log.or(from_journal) else {
            if log.entries.contains_key(&seq) || journal.entries.contains_key(&seq) {
                out.problem = Some(integrity(Some(seq), Fault::NoIntactCopy));
            }
            break;
        };
        log_whole &= in_log;
        journal_whole &= in_journal;
        if !in_log {
            match out.repaired.last_mut() {
                Some((_, end)) if *end + 1 == seq => *end = seq,
                _ => out.repaired.push((seq, seq)),
            }
        }
        out.records.push(record);
        out.envelopes
            .push(take(&mut log, &mut journal, seq, in_log));
        prev = hash;
    }
    let kept = out.records.len() as u64;
    let beyond = |c: &Copy| c.entries.range(kept + 1..).next().is_some();
    // Both copies are made durable before HEAD names a batch: if each proves the same records
    // on its own and holds nothing more, HEAD cannot have acknowledged more.
    out.copies_agree = log_whole
        && journal_whole
        && log.problem.is_none()
        && journal.problem.is_none()
        && !beyond(&log)
        && !beyond(&journal);
    if out.problem.is_none() && !out.repaired.is_empty() {
        out.problem = log
            .problem
            .map(|fault| integrity(out.repaired.first().map(|r| r.0), fault));
    }
    Ok(out)
}
