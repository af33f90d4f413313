//! `diff` answered from the persisted index and the journal (issue 17): the balances at both
//! knowledge points from the index, and only the records between them read from the journal,
//! each proven against the index's chain hashes (`journal_range::Range`). Falls back (returns
//! `None`) whenever either cannot answer; the caller then replays the full log.
//!
//! The records between the two points are never all held: the journal's range is proven once
//! (noting reversals, ids and indicators), read again to find the causes (sequences and
//! deltas), and read back cause by cause while the answer is written (`Answer::Stream`). A
//! far diff at 1M events held 500,000 records and its whole text: 588 MB for the text, 819 MB
//! for the JSON.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::format::Format;
use crate::app::query::{self, Answer, DiffRequest, Streamed};
use crate::core::event::Kind;
use crate::core::id_map::IdMap;
use crate::core::projection::LineBalance;
use crate::core::revision::{CauseFold, Lookup, Reversals, Revision, Unreadable};
use crate::core::rules::Recorded;
use crate::present::diff_text::Unwritten;
use crate::present::report::DiffPoint;
use crate::present::vi_format::Lang;
use crate::storage::index::{Fallback, IndexReader, LineFigures};
use crate::storage::journal_range::Range;
use crate::storage::{GENESIS, StoreError, index_trail};

/// Causes held before they are set aside in a temporary file (56 bytes each held); the
/// journal range holds as many records' notes (48 bytes each).
pub const HOLD: usize = 1 << 17;

/// The diff from the index and the journal, or `None` when the full log must answer;
/// `before` and `after` are the request's knowledge points as sequences.
pub fn diff(
    db: &Path,
    reader: &IndexReader,
    q: &DiffRequest,
    points: (u64, u64),
) -> Result<Option<Answer>, Fallback> {
    diff_holding(db, reader, q, points, HOLD)
}

/// `diff`, setting its causes aside each time `hold` (≥ 1) are held, and the range's notes
/// each time `hold` records' are.
pub fn diff_holding(
    db: &Path,
    reader: &IndexReader,
    q: &DiffRequest,
    (before, after): (u64, u64),
    hold: usize,
) -> Result<Option<Answer>, Fallback> {
    let (lo, hi) = (before.min(after), before.max(after));
    let mut seen = Seen::new(before, after);
    if let Some(file) = crate::storage::run_file::scratch("the diff's ids") {
        seen.ids.set_aside(file, hold);
    }
    let range = if hi == 0 {
        None
    } else {
        match prove(db, reader, (lo.max(1), hi), &mut seen, hold)? {
            Some(range) => Some(range),
            None => return Ok(None),
        }
    };
    let Seen {
        ids,
        reversals_in_range,
        mut reversals,
        mut kept,
        recorded_at,
        ..
    } = seen;
    // The events reversed between the two points but recorded before them.
    // A record of the range that cannot be read back fails the diff, as writing it would.
    let unreadable = RefCell::new(None);
    let id_at = |seq| match range.as_ref()?.record(seq) {
        Ok(r) => Some(r.event.id),
        Err(e) => {
            unreadable.borrow_mut().get_or_insert(e);
            None
        }
    };
    for (seq, target) in reversals_in_range {
        if ids.find(&target, id_at).is_none()
            && let Some(t) = reader.reversed(seq, &target)?
        {
            kept.push(t);
        }
    }
    if let Some(e) = unreadable.into_inner() {
        return Err(Fallback::Store(e));
    }
    if let Some(e) = ids.failure() {
        tracing::info!("the diff's ids set aside cannot be read back: {e}");
        return Ok(None);
    }
    drop(ids);
    let point = |seq: u64| -> Result<DiffPoint, Fallback> {
        Ok(DiffPoint {
            seq,
            recorded_at: recorded_at.get(&seq).copied(),
            hash: reader.hash_of(seq)?,
        })
    };
    let points = (point(before)?, point(after)?);
    kept.extend(reader.trail_of_slot(index_trail::INDICATORS, hi)?);
    kept.sort_by_key(|r| r.seq);
    kept.dedup_by_key(|r| r.seq);
    let in_range = |seq: u64| range.as_ref().is_some_and(|r| r.seqs().contains(&seq));
    for r in kept.iter().filter(|r| !in_range(r.seq)) {
        reversals.see(r);
    }

    // Every line at the later point gives the deadlines and the figures at that point: the
    // index is read once for both. A point near the head is the head less the effects after
    // it, from the same head tables (a near diff read a whole checkpoint besides).
    let near = if hi == reader.head_seq() {
        reader.balances_at_head_and(q.as_of, lo, q.plan_year)?
    } else {
        None
    };
    let (every_line, at_lo) = match near {
        Some(near) => (near.head, Some(near.point)),
        None => (reader.balances(q.as_of, hi, None)?, None),
    };
    let deadlines: HashMap<String, NaiveDate> = every_line
        .iter()
        .map(|f| (f.spec.line.clone(), f.deadline))
        .collect();
    let at = |seq: u64| -> Result<Vec<LineFigures>, Fallback> {
        if seq == hi {
            let of_year = |f: &&LineFigures| q.plan_year.is_none_or(|y| y == f.spec.plan_year);
            return Ok(every_line.iter().filter(of_year).cloned().collect());
        }
        match &at_lo {
            Some(figures) if seq == lo => Ok(figures.clone()),
            _ => reader.balances(q.as_of, seq, q.plan_year),
        }
    };
    let (figures_b, figures_a) = (at(before)?, at(after)?);
    let (b, a) = (lines(&figures_b), lines(&figures_a));
    let mut fold = CauseFold::new((q.as_of, before, after), reversals, (&b, &a), &deadlines);
    if let Some(file) = crate::storage::run_file::scratch("the diff's causes") {
        fold.set_causes_aside(file, hold);
    }
    for r in kept.iter().filter(|r| !in_range(r.seq)) {
        fold.add(r);
    }
    if let Some(range) = &range {
        range.each(|r| fold.add(r))?;
    }
    let revision = fold.finish();
    Ok(Some(Answer::Stream(Box::new(FarDiff {
        revision,
        kept,
        range,
        points,
        plan_year: q.plan_year,
        format: (q.format, q.lang),
    }))))
}

/// What the proof of the range notes of each record, so that none is held.
struct Seen {
    /// The range's ids (8 bytes each, set aside past a bound): a reversal's target among them
    /// is read from the range, any other from the index.
    ids: IdMap,
    /// Each reversal of the range: its sequence and target.
    reversals_in_range: Vec<(u64, uuid::Uuid)>,
    reversals: Reversals,
    /// The indicators recorded in the range (a handful: `facts_view::changes` reads them).
    kept: Vec<Recorded>,
    recorded_at: HashMap<u64, chrono::DateTime<chrono::Utc>>,
    /// The two knowledge points, whose recording times the answer shows.
    points: (u64, u64),
}

impl Seen {
    fn new(before: u64, after: u64) -> Seen {
        Seen {
            ids: IdMap::default(),
            reversals_in_range: Vec::new(),
            reversals: Reversals::new(before, after),
            kept: Vec::new(),
            recorded_at: HashMap::new(),
            points: (before, after),
        }
    }

    fn note(&mut self, r: &Recorded) {
        self.ids.insert(&r.event.id, r.seq);
        self.reversals.see(r);
        match &r.event.kind {
            Kind::Reverse { target, .. } => self.reversals_in_range.push((r.seq, *target)),
            Kind::RecordIndicator(_) => self.kept.push(r.clone()),
            _ => {}
        }
        if r.seq == self.points.0 || r.seq == self.points.1 {
            self.recorded_at.insert(r.seq, r.recorded_at);
        }
    }
}

/// The journal's records `from..=to` proven against the index's chain hashes, each noted in
/// `seen`; `None` when the journal cannot give them proven.
fn prove(
    db: &Path,
    reader: &IndexReader,
    (from, to): (u64, u64),
    seen: &mut Seen,
    hold: usize,
) -> Result<Option<Range>, Fallback> {
    let prev = reader.hash_of(from - 1)?.unwrap_or(GENESIS);
    let Some(last) = reader.hash_of(to)? else {
        return Ok(None);
    };
    match Range::prove_holding(db, (from, to), (prev, last), |r| seen.note(r), hold) {
        Ok(Some(range)) => Ok(Some(range)),
        Ok(None) => {
            tracing::info!("the journal does not hold sequences {from}..={to} proven");
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

/// A diff from the journal, written as it is made.
#[derive(Debug)]
struct FarDiff {
    /// Its `indicators` are found from `kept` when it is written (they borrow the records).
    revision: Revision<'static>,
    /// The records the answer reads outside the range: reversed targets, indicators.
    kept: Vec<Recorded>,
    range: Option<Range>,
    points: (DiffPoint, DiffPoint),
    plan_year: Option<i32>,
    format: (Format, Lang),
}

impl Streamed for FarDiff {
    fn write(
        self: Box<Self>,
        out: &mut dyn std::io::Write,
        pretty: bool,
    ) -> Result<(), query::Unwritten> {
        let FarDiff {
            revision,
            kept,
            range,
            points,
            plan_year,
            format: (format, lang),
        } = *self;
        let mut rev: Revision<'_> = revision;
        rev.indicators = crate::core::facts_view::changes(&kept, rev.as_of, rev.before, rev.after);
        let records = Records {
            range: range.as_ref(),
            kept: &kept,
            failed: RefCell::new(None),
        };
        let ends = (plan_year, points.0, points.1);
        let written =
            match format {
                Format::Text => crate::present::diff_text::write(&rev, &records, ends, lang, out),
                _ => crate::present::diff_json::write(&rev, &records, ends, pretty, out).and_then(
                    |()| match pretty {
                        true => out.write_all(b"\n").map_err(Unwritten::Output),
                        false => Ok(()),
                    },
                ),
            };
        match written {
            Ok(()) => Ok(()),
            Err(Unwritten::Output(e)) => Err(query::Unwritten::Output(e)),
            Err(Unwritten::Lost(e)) => Err(query::Unwritten::Source(AppError::Store(
                StoreError::Io(format!("the diff's causes set aside: {e}")),
            ))),
            Err(Unwritten::Unreadable(Unreadable(seq))) => {
                let e = records.failed.take().unwrap_or_else(|| {
                    StoreError::Io(format!("sequence {seq} cannot be read back"))
                });
                Err(query::Unwritten::Source(AppError::Store(e)))
            }
        }
    }
}

/// The records a far diff names: the range's read back from the journal, the others held.
struct Records<'a> {
    range: Option<&'a Range>,
    kept: &'a [Recorded],
    /// Why the first record that could not be read back could not.
    failed: RefCell<Option<StoreError>>,
}

impl Lookup for Records<'_> {
    fn record(&self, seq: u64) -> Result<Cow<'_, Recorded>, Unreadable> {
        if let Some(range) = self.range.filter(|r| r.seqs().contains(&seq)) {
            return range.record(seq).map(Cow::Owned).map_err(|e| {
                self.failed.borrow_mut().get_or_insert(e);
                Unreadable(seq)
            });
        }
        Lookup::record(self.kept, seq)
    }
}
