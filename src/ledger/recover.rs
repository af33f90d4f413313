//! `recover`: a clean store rebuilt from what a damaged one still proves, plus an export.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{AppendError, Ledger};
use crate::core::event::Event;
use crate::core::rules::State;
use crate::storage::{Fault, Hash, OpenMode, Salvage, Store, StoreError};

/// What `recover` did: where the rebuilt log came from and what was lost.
#[derive(Debug)]
pub struct Recovery {
    /// Sequences 1..=kept were copied verbatim from the damaged store.
    pub kept: u64,
    /// Sequences kept+1..=kept+from_replica were copied verbatim from a replica.
    pub from_replica: u64,
    /// Why the damaged log could not be used beyond `kept` (None: it was whole).
    pub problem: Option<Fault>,
    /// Sequences kept+1..=head came from the export (recorded anew, at the recovery time).
    pub from_export: u64,
    /// Events of the export already in the kept prefix (identical, skipped).
    pub export_already_present: usize,
    /// The new store's head.
    pub head: u64,
    pub head_hash: Option<Hash>,
    /// What the damaged store's HEAD says was acknowledged, or why that is unknown.
    pub acknowledged: Result<u64, Fault>,
    /// Ranges of sequences whose log copy was damaged, taken from the journal instead.
    pub repaired: Vec<(u64, u64)>,
    /// Why the damaged store's sled log could not be read whole, if so.
    pub log_problem: Option<Fault>,
    /// Why its journal could not be read whole, if so.
    pub journal_problem: Option<Fault>,
    /// Why its HEAD record could not be used, if so (`acknowledged` may still be known: see
    /// `Salvage::copies_agree`).
    pub head_problem: Option<Fault>,
}

impl Recovery {
    /// Acknowledged sequences that the new store does not hold, if known.
    pub fn lost(&self) -> Option<(u64, u64)> {
        match self.acknowledged {
            Ok(n) if n > self.head => Some((self.head + 1, n)),
            _ => None,
        }
    }

    /// True when everything the damaged store acknowledged is known to be in the new store.
    pub fn complete(&self) -> bool {
        matches!(self.acknowledged, Ok(n) if n <= self.head)
    }
}

/// Why `recover` could not build a store.
#[derive(Debug)]
pub enum RecoverError {
    Store(StoreError),
    /// An event of the export was refused; the new store was removed.
    Export(AppendError),
    /// The export could not be read (a malformed line); the new store was removed.
    Input(String),
}

impl From<StoreError> for RecoverError {
    fn from(e: StoreError) -> RecoverError {
        RecoverError::Store(e)
    }
}

/// Rebuilds a clean store in `to` (new or empty) from the longest verified prefix of the
/// damaged store `from` (left untouched), then appends `export` (import-format events, e.g. an
/// earlier `socai export`) for what follows: events it shares with the prefix must be identical
/// and are skipped. Says exactly which acknowledged sequences, if any, are lost.
pub fn recover(
    from: &Path,
    to: &Path,
    export: Option<&mut dyn Iterator<Item = Result<Vec<Event>, String>>>,
    now: DateTime<Utc>,
) -> Result<Recovery, RecoverError> {
    recover_with_replica(from, to, export, None, now)
}

/// As `recover`, taking what a replica holds beyond the verified prefix (verbatim) before
/// the export. The new store keeps the damaged store's unit (or the replica's, if the damaged
/// one's cannot be read), so that its chain hashes are the original's.
pub fn recover_with_replica(
    from: &Path,
    to: &Path,
    export: Option<&mut dyn Iterator<Item = Result<Vec<Event>, String>>>,
    replica: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<Recovery, RecoverError> {
    let Salvage {
        records,
        envelopes,
        problem,
        head,
        log_problem,
        journal_problem,
        repaired,
        copies_agree,
        unit,
    } = Store::salvage(from)?;
    let mut problem = problem.map(Fault::from);
    let kept = kept_by_rules(records, &mut problem);
    // Each copy of the log is let go of as soon as the next step has it: the rules' state
    // (every record) once the prefix is checked, the envelopes once the new store holds them;
    // the new store is then opened bounded, as a bulk import is, for the export's appends.
    let mut envelopes = envelopes;
    envelopes.truncate(kept);
    let created = !to.exists();
    let replica = replica.map(super::replica::open_source).transpose()?;
    let unit = unit.or_else(|| replica.as_ref().and_then(|r| r.unit().cloned()));
    Store::create_from_prefix_of(to, &envelopes, unit.as_ref())?;
    drop(envelopes);
    let from_replica = match &replica {
        Some(source) => super::replica::extend(to, source)?,
        None => 0,
    };
    drop(replica);
    let bounded = super::Options {
        hold: super::Hold::Pending,
        ..Default::default()
    };
    let mut ledger = Ledger::open_with(to, OpenMode::MustExist, bounded)?;
    let mut from_export = 0;
    let mut export_already_present = 0;
    // The export comes in chunks of at most `MAX_BATCH_EVENTS` events, each one atomic
    // batch: an export of any length re-enters with bounded batches.
    let mut offset = 0usize;
    for chunk in export.into_iter().flatten() {
        let appended = chunk.map_err(RecoverError::Input).and_then(|events| {
            let n = events.len();
            ledger
                .append(events, now)
                .map(|done| (done, n))
                .map_err(|e| {
                    RecoverError::Export(match e {
                        AppendError::Rejected {
                            index,
                            id,
                            rejection,
                        } => AppendError::Rejected {
                            index: index + offset,
                            id,
                            rejection,
                        },
                        other => other,
                    })
                })
        });
        match appended {
            Ok((done, n)) => {
                from_export += done.seqs.len() as u64;
                export_already_present += done.already_present;
                offset += n;
            }
            Err(e) => {
                drop(ledger);
                if created {
                    let _ = std::fs::remove_dir_all(to);
                }
                return Err(e);
            }
        }
    }
    let head_problem = match &head {
        Ok(Some(_)) => None,
        Ok(None) => Some(Fault::HeadRecordMissing),
        Err(e) => Some(e.clone()),
    };
    let acknowledged = match head {
        Ok(Some((seq, hash))) => {
            // Where the kept prefix reaches HEAD, it must be the log HEAD describes.
            if seq <= kept as u64 && ledger.hash_of(seq).unwrap_or(crate::storage::GENESIS) != hash
            {
                Err(Fault::DamagedHeadOtherHash { seq })
            } else {
                Ok(seq)
            }
        }
        // Both copies are durable before HEAD names a batch: when each proves every kept
        // record on its own and holds nothing more, a lost or damaged HEAD hid nothing.
        Ok(None) | Err(_) if copies_agree => Ok(kept as u64),
        Ok(None) => Err(Fault::DamagedHeadMissing),
        Err(e) => Err(e),
    };
    Ok(Recovery {
        kept: kept as u64,
        from_replica,
        problem,
        from_export,
        export_already_present,
        head: ledger.head_seq(),
        head_hash: ledger.hash_of(ledger.head_seq()),
        acknowledged,
        repaired,
        log_problem,
        journal_problem,
        head_problem,
    })
}

/// How many records of the salvaged prefix keep the rules: the prefix is cut at the first
/// event that does not, which `problem` then names. The rules' state, which holds every
/// record, is gone when this returns.
fn kept_by_rules(records: Vec<crate::core::rules::Recorded>, problem: &mut Option<Fault>) -> usize {
    let mut state = State::new();
    let mut kept = 0usize;
    for record in records {
        if let Err(broken) = super::replay(&mut state, record) {
            *problem = Some(broken.recovery_problem());
            break;
        }
        kept += 1;
    }
    kept
}
