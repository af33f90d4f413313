//! What a query reads: `core::chain::Chain`, the acknowledged records with their chain
//! hashes. The CLI reads a `Ledger`'s chain, the server its log view's; every query answers
//! through the same view rule, so a view is pinned, and its provenance found, the same way
//! whichever door asked.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

use crate::app::error::{AppError, Problem};
pub use crate::core::chain::Chain;
use crate::core::fold::{self, Reversals};
use crate::core::known_at::{self, KnownAt, KnownAtError};
use crate::core::projection::{self, BalanceFold, LineBalance, View};
use crate::core::rules::Recorded;
use crate::core::unit::Unit;
use crate::ledger::Ledger;
use crate::present::export_survey::{InMemory, Parts, ReversalIndex};
use crate::storage::{Hash, StoreError};

/// The view `(as_of, known_at)`: `known_at` (a sequence or a past moment) defaults to the
/// head and may not lie beyond it.
pub fn view(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
) -> Result<View, KnownAtError> {
    known_at::view(chain.records(), as_of, known_at, Utc::now())
}

/// Where a use case that folds over the whole log reads it (`export`, `report`,
/// `settlement`, `reconcile`): the records in memory, or a store read back in parts.
#[derive(Clone, Copy)]
pub enum Log<'a> {
    /// The whole log in memory (a server's, a snapshot's, a ledger's that holds it).
    Chain(Chain<'a>),
    /// A ledger that verified the log at open without keeping its records
    /// (`Hold::Reading`): the records are read back from the store in parts, once per pass,
    /// so memory does not grow with them.
    Stored(&'a Ledger),
}

impl<'a> From<Chain<'a>> for Log<'a> {
    fn from(chain: Chain<'a>) -> Log<'a> {
        Log::Chain(chain)
    }
}

impl<'a> Log<'a> {
    pub fn unit(self) -> Option<&'a Unit> {
        match self {
            Log::Chain(c) => c.unit(),
            Log::Stored(l) => l.store().unit().map(|r| &r.unit),
        }
    }

    /// The chain hash of `seq` (`None` for 0 or beyond the head): from memory, or as the
    /// open proved it (followed from the nearest proven hash when not held).
    pub fn hash_of(self, seq: u64) -> Result<Option<Hash>, AppError> {
        match self {
            Log::Chain(c) => Ok(c.hash_of(seq)),
            Log::Stored(l) if seq == 0 || seq > l.head_seq() => Ok(None),
            Log::Stored(l) => match l.store().proven_hash(seq) {
                Some(hash) => Ok(Some(hash)),
                None => Ok(Some(proven_link(l, seq)?.1)),
            },
        }
    }

    /// When the event at `seq` was recorded (`None` for 0 or beyond the head).
    pub fn recorded_at(self, seq: u64) -> Result<Option<DateTime<Utc>>, AppError> {
        match self {
            Log::Chain(c) => Ok(c.recorded_at(seq)),
            Log::Stored(l) if seq == 0 || seq > l.head_seq() => Ok(None),
            Log::Stored(l) => Ok(Some(proven_link(l, seq)?.0.recorded_at)),
        }
    }

    /// The record of `seq` (1 to the head): from memory, or read back from the store and
    /// checked against the chain the open verified.
    pub fn record(self, seq: u64) -> Result<Recorded, AppError> {
        match self {
            Log::Chain(c) => {
                let index = usize::try_from(seq.saturating_sub(1)).unwrap_or(usize::MAX);
                let found = c.records().get(index).filter(|_| seq > 0).cloned();
                found.ok_or_else(|| unreadable(format!("sequence {seq} is not in the log")))
            }
            Log::Stored(l) => Ok(proven_link(l, seq)?.0),
        }
    }

    /// The last sequence recorded.
    pub fn head_seq(self) -> u64 {
        match self {
            Log::Chain(c) => c.records().len() as u64,
            Log::Stored(l) => l.head_seq(),
        }
    }

    /// Hands the records after `after`, in order and each with its chain hash, to `each`
    /// until it says it has enough (`false`): from memory, or read back from the store from
    /// the proven hash before `after` (`LogReader::each_verified_after`), not from the start.
    /// On an error, what `each` was handed is not proven and must be dropped.
    pub fn each_after(
        self,
        after: u64,
        each: &mut dyn FnMut(&Recorded, Option<Hash>) -> bool,
    ) -> Result<(), AppError> {
        match self {
            Log::Chain(c) => {
                let start = usize::try_from(after).unwrap_or(usize::MAX);
                let records = c.records().get(start..).unwrap_or_default();
                for r in records {
                    if !each(r, c.hash_of(r.seq)) {
                        break;
                    }
                }
                Ok(())
            }
            Log::Stored(l) => {
                let proven = |seq| l.store().proven_hash(seq);
                let ends = (after, l.head_seq());
                let read = l
                    .reader()
                    .each_verified_after(ends, &proven, &mut |r, hash| each(r, Some(hash)));
                read.map_err(unreadable)
            }
        }
    }

    /// The view `(as_of, known_at)`, as `view` gives it for a chain.
    pub fn view(self, as_of: NaiveDate, known_at: Option<KnownAt>) -> Result<View, AppError> {
        let ledger = match self {
            Log::Chain(chain) => return Ok(view(chain, as_of, known_at)?),
            Log::Stored(ledger) => ledger,
        };
        let seq = known_at::resolve(known_at, Utc::now(), |at| seq_at(ledger, at))?;
        Ok(ledger.view(as_of, seq)?)
    }

    /// The records up to `known_at` (a sequence ≤ the head), in parts.
    pub fn parts(self, known_at: u64) -> Box<dyn Parts + 'a> {
        match self {
            Log::Chain(c) => Box::new(InMemory(projection::known(c.records(), known_at))),
            Log::Stored(l) => Box::new(Stored {
                ledger: l,
                upto: known_at.min(l.head_seq()),
            }),
        }
    }

    /// Which records the reversals known at `known_at` cancel.
    pub fn reversals(self, known_at: u64) -> Reversals<'a> {
        match self {
            Log::Chain(c) => Reversals::among(projection::known(c.records(), known_at)),
            Log::Stored(l) => Reversals::Rules {
                state: l.state(),
                known_at,
            },
        }
    }
}

/// The records up to the view that shape the lines or state a fact (`fold::shapes`): what a
/// fold over the view reads first. Kept by a `Hold::Reading` open; else one pass over `log`.
pub fn structure(log: Log<'_>, view: View) -> Result<Cow<'_, [Recorded]>, AppError> {
    if let Log::Stored(ledger) = log
        && let Some(kept) = ledger.structure()
    {
        // Kept by the open, which verified them: no pass.
        return Ok(Cow::Borrowed(projection::known(kept, view.known_at)));
    }
    let parts = log.parts(view.known_at);
    let kept = kept_structure(parts.as_ref(), view.known_at).map_err(unreadable)?;
    Ok(Cow::Owned(kept))
}

/// The balances of `view` (of `plan_year`, if given), folded over `log` (one pass), the
/// lines from its `structure`: `projection::balances` without holding the records.
pub fn balances<'s>(
    log: Log<'_>,
    structure: &'s [Recorded],
    view: View,
    plan_year: Option<i32>,
) -> Result<Vec<LineBalance<'s>>, AppError> {
    let reversals = log.reversals(view.known_at);
    let mut fold = BalanceFold::new(structure, &reversals, view, plan_year);
    let parts = log.parts(view.known_at);
    each_counted(parts.as_ref(), view, &reversals, &mut |r| fold.add(r)).map_err(unreadable)?;
    Ok(fold.finish())
}

/// A store the log could not be read back from, in the middle of an answer.
pub fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::Output(Problem::LogUnreadable {
        detail: e.to_string(),
    })
}

/// The record of `seq` read back from a ledger's store and its chain hash, checked against
/// the chain the open verified (`LogReader::verified_record`).
fn proven_link(ledger: &Ledger, seq: u64) -> Result<(Recorded, Hash), AppError> {
    let proven = |s| ledger.store().proven_hash(s);
    (ledger.reader())
        .verified_record((seq, ledger.head_seq()), &proven)
        .map_err(unreadable)
}

/// The last sequence recorded at or before `at` (recording times never decrease along the
/// log): a binary search that reads one record per step back from the store, each checked.
fn seq_at(ledger: &Ledger, at: DateTime<Utc>) -> Result<u64, AppError> {
    let (mut low, mut high) = (0u64, ledger.head_seq());
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if proven_link(ledger, mid)?.0.recorded_at <= at {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    Ok(low)
}

/// The store's records `1..=upto`, read back in parts and checked against the chain the
/// open verified (`LogReader::each_verified_part`).
struct Stored<'a> {
    ledger: &'a Ledger,
    upto: u64,
}

impl Parts for Stored<'_> {
    fn each_part(
        &self,
        each: &mut dyn FnMut(&[Recorded]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        // A failure of `each` (an export's write) is given back as it is.
        let mut failed: Option<std::io::Error> = None;
        let proven = |seq| self.ledger.store().proven_hash(seq);
        let ends = (self.upto, self.ledger.head_seq());
        let read = (self.ledger.reader()).each_verified_part(ends, &proven, &mut |part| {
            each(part).map_err(|e| {
                let stop = StoreError::Io(e.to_string());
                failed = Some(e);
                stop
            })
        });
        match (failed, read) {
            (Some(e), _) => Err(e),
            (None, read) => read.map_err(|e| std::io::Error::other(e.to_string())),
        }
    }

    fn reversals(&self) -> ReversalIndex<'_> {
        // The rules re-checked every record at the open and keep each reversal's target.
        ReversalIndex::Rules {
            state: self.ledger.state(),
            known_at: self.upto,
        }
    }
}

/// Every record of `log` up to `known_at` that shapes the lines (`fold::shapes`) or states a fact
/// (`open_line`, `set_deadline`, `register_document`, `record_indicator`), in log order,
/// with its own sequence: what `projection::BalanceFold` and the facts' views read.
fn kept_structure(log: &dyn Parts, known_at: u64) -> std::io::Result<Vec<Recorded>> {
    let mut kept = Vec::new();
    log.each_part(&mut |part| {
        let known = part.iter().take_while(|r| r.seq <= known_at);
        kept.extend(known.filter(|r| fold::shapes(r)).cloned());
        Ok(())
    })?;
    Ok(kept)
}

/// Calls `each` with every record `view` counts (known, effective by `as_of`, not cancelled
/// by a reversal it knows), in log order.
pub fn each_counted(
    log: &dyn Parts,
    view: View,
    reversals: &Reversals<'_>,
    each: &mut dyn FnMut(&Recorded),
) -> std::io::Result<()> {
    log.each_part(&mut |part| {
        let known = part.iter().take_while(|r| r.seq <= view.known_at);
        known
            .filter(|r| r.event.effective_date <= view.as_of && !reversals.cancels(r))
            .for_each(&mut *each);
        Ok(())
    })
}
