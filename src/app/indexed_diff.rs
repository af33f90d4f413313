//! `diff` answered from the persisted index and the journal (issue 17): the balances at both
//! knowledge points from the index, and only the records between them read from the journal,
//! each proven against the index's chain hashes (`journal_range::read_range`). Falls back (returns
//! `None`) whenever either cannot answer; the caller then replays the full log.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use crate::app::query::{self, Answer, DiffRequest};
use crate::core::projection::LineBalance;
use crate::core::revision;
use crate::core::rules::Recorded;
use crate::present::report::DiffPoint;
use crate::storage::index::{Fallback, IndexReader, LineFigures};
use crate::storage::{GENESIS, index_trail, journal_range};

/// The diff from the index and the journal, or `None` when the full log must answer;
/// `before` and `after` are the request's knowledge points as sequences.
pub fn diff(
    db: &Path,
    reader: &IndexReader,
    q: &DiffRequest,
    (before, after): (u64, u64),
) -> Result<Option<Answer>, Fallback> {
    let (lo, hi) = (before.min(after), before.max(after));
    let Some(mut records) = between(db, reader, lo, hi)? else {
        return Ok(None);
    };
    // The events reversed between the two points but recorded before them.
    let known: HashSet<uuid::Uuid> = records.iter().map(|r| r.event.id).collect();
    let mut targets = Vec::new();
    for r in &records {
        if let crate::core::event::Kind::Reverse { target, .. } = &r.event.kind
            && !known.contains(target)
            && let Some(t) = reader.reversed(r.seq, target)?
        {
            targets.push(t);
        }
    }
    let points = |seq: u64, records: &[Recorded]| -> Result<DiffPoint, Fallback> {
        Ok(DiffPoint {
            seq,
            recorded_at: records.iter().find(|r| r.seq == seq).map(|r| r.recorded_at),
            hash: reader.hash_of(seq)?,
        })
    };
    let pinned = (points(before, &records)?, points(after, &records)?);
    records.extend(targets);
    records.extend(reader.trail_of_slot(index_trail::INDICATORS, hi)?);
    records.sort_by_key(|r| r.seq);
    records.dedup_by_key(|r| r.seq);

    // Every line at the later point gives the deadlines, and the figures at that point too
    // when no plan year is asked: the index is read once for both.
    let every_line = reader.balances(q.as_of, hi, None)?;
    let deadlines: HashMap<String, NaiveDate> = every_line
        .iter()
        .map(|f| (f.spec.line.clone(), f.deadline))
        .collect();
    let at = |seq: u64| -> Result<Vec<LineFigures>, Fallback> {
        match (seq == hi, q.plan_year) {
            (true, None) => Ok(every_line.clone()),
            _ => reader.balances(q.as_of, seq, q.plan_year),
        }
    };
    let (figures_b, figures_a) = (at(before)?, at(after)?);
    // Refers to records and figures alike: every part lives in this function.
    let rev = revision::revision_of(
        &records,
        (q.as_of, before, after),
        (lines(&figures_b), lines(&figures_a)),
        &deadlines,
        crate::core::facts_view::changes(&records, q.as_of, before, after),
    );
    Ok(Some(query::diff_answer(
        &rev,
        q.plan_year,
        pinned,
        (q.format, q.lang),
    )))
}

/// The records `lo..=hi` from the journal (`lo` itself for its recording time), or `None`
/// when the journal cannot give them proven.
fn between(
    db: &Path,
    reader: &IndexReader,
    lo: u64,
    hi: u64,
) -> Result<Option<Vec<Recorded>>, Fallback> {
    if hi == 0 {
        return Ok(Some(Vec::new()));
    }
    let from = lo.max(1);
    let prev = reader.hash_of(from - 1)?.unwrap_or(GENESIS);
    let Some(last) = reader.hash_of(hi)? else {
        return Ok(None);
    };
    match journal_range::read_range(db, (from, hi), (prev, last)) {
        Ok(Some(records)) => Ok(Some(records)),
        Ok(None) => {
            tracing::info!("the journal does not hold sequences {from}..={hi} proven");
            Ok(None)
        }
        Err(e) => {
            tracing::info!("the journal cannot be read: {e}");
            Ok(None)
        }
    }
}

fn lines(figures: &[LineFigures]) -> Vec<LineBalance<'_>> {
    figures
        .iter()
        .map(|f| LineBalance::of(&f.spec, f.deadline, f.columns))
        .collect()
}
