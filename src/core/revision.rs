//! Revision diffs: how the figures as of one date differ between two knowledge points, line by
//! line, and which recorded events made each difference. Pure, over recorded events.
//!
//! An event counts in a view when it is known (sequence ≤ known_at), effective by `as_of`, and
//! not reversed by a known reversal. Between views A and B the figures change exactly by the
//! events whose counting differs: an event recorded between A and B (new), or an older event
//! whose reversal was recorded between A and B (then the reversal is the cause and the event
//! its target). Events effective after `as_of` count in neither view, and an event recorded
//! and reversed between A and B counts in neither: neither is a cause.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::core::cause_lists::{self, CauseLists};
use crate::core::event::{Document, Kind, LineSpec};
use crate::core::projection::{self, View};
use crate::core::rules::Recorded;
use crate::core::tag_runs::RunStore;

/// Why an event's counting differs between the two views, by sequence: the records are read
/// back when the revision is written (a far diff names half a log; holding each record would
/// cost ten times the figures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The recorded event between the two knowledge points: the event itself, or a reversal.
    pub record: u64,
    /// The event whose movements appear or disappear (the reversal's target, or `record`).
    pub moved: u64,
    /// +1 when `moved` counts in the later view only, −1 when in the earlier view only.
    pub sign: i8,
}

#[derive(Clone, Copy, Debug)]
pub struct LineCause {
    pub cause: Cause,
    pub plan_delta: Decimal,
    pub disbursed_delta: Decimal,
}

#[derive(Clone, Debug)]
pub struct LineChange {
    pub spec: LineSpec,
    pub plan_before: Decimal,
    pub plan_after: Decimal,
    pub disbursed_before: Decimal,
    pub disbursed_after: Decimal,
    /// Its causes' list in the revision's `CauseLists`.
    list: usize,
    /// Its causes that came out of order (a reversal's target known in both views), sorted.
    side: Vec<LineCause>,
    causes: usize,
}

impl LineChange {
    /// How many causes moved this line.
    pub fn cause_count(&self) -> usize {
        self.causes
    }
}

/// Why a revision's causes could not all be read back: a span set aside could not be.
pub type Lost = String;

#[derive(Debug)]
pub struct Revision<'a> {
    pub as_of: NaiveDate,
    pub before: u64,
    pub after: u64,
    /// Lines whose figures changed or that some cause touched, in line-code order.
    pub lines: Vec<LineChange>,
    /// Each line's causes in order, and every cause once (list `every`).
    causes: CauseLists,
    every: usize,
    /// The causes of list `every` that came out of order, sorted; how many there are in all.
    side: Vec<LineCause>,
    cause_count: usize,
    pub totals_before: projection::Totals,
    pub totals_after: projection::Totals,
    /// Indicators whose figure as of `as_of` differs (issue 16: a survey corrected later).
    pub indicators: Vec<crate::core::facts_view::IndicatorChange<'a>>,
}

impl Revision<'_> {
    /// Line `l`'s causes, by the recorded event (a cause's movements on one line in their
    /// order).
    pub fn line_causes<'s>(
        &'s self,
        l: &'s LineChange,
    ) -> impl Iterator<Item = Result<LineCause, Lost>> + 's {
        cause_lists::merged(&l.side, self.causes.read(l.list))
    }

    /// Every cause once, in sequence order.
    pub fn causes(&self) -> impl Iterator<Item = Result<Cause, Lost>> + '_ {
        cause_lists::merged(&self.side, self.causes.read(self.every)).map(|c| c.map(|c| c.cause))
    }

    pub fn cause_count(&self) -> usize {
        self.cause_count
    }
}

/// A record a revision names, read back by its sequence when the revision is written; `Err`
/// when it cannot be (the reader keeps why, for its caller).
pub trait Lookup {
    fn record(&self, seq: u64) -> Result<std::borrow::Cow<'_, Recorded>, Unreadable>;
}

/// A record a `Lookup` could not give back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable(pub u64);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record {} cannot be read back", self.0)
    }
}

/// Every record in memory, in sequence order (the full log, or a test's records).
impl Lookup for [Recorded] {
    fn record(&self, seq: u64) -> Result<std::borrow::Cow<'_, Recorded>, Unreadable> {
        self.binary_search_by_key(&seq, |r| r.seq)
            .map(|i| std::borrow::Cow::Borrowed(&self[i]))
            .map_err(|_| Unreadable(seq))
    }
}

/// Compares the figures as of `as_of` known at `before` with those known at `after` (either
/// may be the larger), for the lines of `plan_year` (all lines when `None`).
pub fn diff(
    records: &[Recorded],
    as_of: NaiveDate,
    before: u64,
    after: u64,
    plan_year: Option<i32>,
) -> Revision<'_> {
    let at = |known_at| View { as_of, known_at };
    let b = projection::balances(records, at(before), plan_year);
    let a = projection::balances(records, at(after), plan_year);
    // A refund's class (disbursed or recovered after the close) never changes once accepted,
    // so the deadlines of the later point classify every cause.
    let deadlines = projection::deadlines(records, before.max(after));
    let mut reversals = Reversals::new(before, after);
    records.iter().for_each(|r| reversals.see(r));
    let mut fold = CauseFold::new((as_of, before, after), reversals, (&b, &a), &deadlines);
    records.iter().for_each(|r| fold.add(r));
    let mut rev = fold.finish();
    rev.indicators = crate::core::facts_view::changes(records, as_of, before, after);
    rev
}

/// The reversals each view knows, by target: the last one recorded by the view's point.
#[derive(Clone, Debug, Default)]
pub struct Reversals {
    before: u64,
    after: u64,
    known_before: HashMap<Uuid, u64>,
    known_after: HashMap<Uuid, u64>,
}

impl Reversals {
    pub fn new(before: u64, after: u64) -> Reversals {
        Reversals {
            before,
            after,
            ..Reversals::default()
        }
    }

    /// Notes `r` if it is a reversal; records may come in any order.
    pub fn see(&mut self, r: &Recorded) {
        let Kind::Reverse { target, .. } = &r.event.kind else {
            return;
        };
        for (point, known) in [
            (self.before, &mut self.known_before),
            (self.after, &mut self.known_after),
        ] {
            if r.seq <= point {
                let seq = known.entry(*target).or_insert(r.seq);
                *seq = (*seq).max(r.seq);
            }
        }
    }
}

/// The causes between two knowledge points, from records given one at a time (in any order,
/// each once): every record after the earlier point up to the later one, and every event one
/// of them reverses (the only records whose counting can differ). Keeps sequences and deltas,
/// never a record.
pub struct CauseFold<'d> {
    as_of: NaiveDate,
    before: u64,
    after: u64,
    reversals: Reversals,
    deadlines: &'d HashMap<String, NaiveDate>,
    /// Every line of either view, in line-code order, with its figures.
    lines: Vec<LineChange>,
    position: HashMap<String, u32>,
    /// Each line's causes, then each cause that moves a line of either view (a cause moving
    /// only lines outside the plan year is not a cause of these figures): list `lines.len()`.
    causes: CauseLists,
    /// The last key each list was given: a cause that would come before it goes aside.
    last: Vec<(u64, u64)>,
    side: Vec<LineCause>,
    cause_count: usize,
    totals_before: projection::Totals,
    totals_after: projection::Totals,
}

impl<'d> CauseFold<'d> {
    /// `b` and `a`: the balances at both points; `deadlines`: those known at the later one.
    pub fn new(
        (as_of, before, after): (NaiveDate, u64, u64),
        reversals: Reversals,
        (b, a): (
            &[projection::LineBalance<'_>],
            &[projection::LineBalance<'_>],
        ),
        deadlines: &'d HashMap<String, NaiveDate>,
    ) -> CauseFold<'d> {
        let mut by_code: BTreeMap<&str, LineChange> = BTreeMap::new();
        for (balances, later) in [(b, false), (a, true)] {
            for l in balances {
                let e = by_code
                    .entry(l.spec.line.as_str())
                    .or_insert_with(|| LineChange {
                        spec: l.spec.clone(),
                        plan_before: Decimal::ZERO,
                        plan_after: Decimal::ZERO,
                        disbursed_before: Decimal::ZERO,
                        disbursed_after: Decimal::ZERO,
                        list: 0,
                        side: Vec::new(),
                        causes: 0,
                    });
                if later {
                    (e.plan_after, e.disbursed_after) = (l.plan, l.disbursed);
                } else {
                    (e.plan_before, e.disbursed_before) = (l.plan, l.disbursed);
                }
            }
        }
        let mut lines: Vec<LineChange> = by_code.into_values().collect();
        lines.iter_mut().enumerate().for_each(|(i, l)| l.list = i);
        let position = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.spec.line.clone(), i as u32))
            .collect();
        CauseFold {
            as_of,
            before,
            after,
            reversals,
            deadlines,
            last: vec![(0, 0); lines.len() + 1],
            lines,
            position,
            causes: CauseLists::held(),
            side: Vec::new(),
            cause_count: 0,
            totals_before: projection::totals(b),
            totals_after: projection::totals(a),
        }
    }

    /// From now on, sets the causes aside into `store` each time `hold` (≥ 1) are held; before
    /// the first `add`.
    pub fn set_causes_aside(&mut self, store: Box<dyn RunStore>, hold: usize) {
        assert_eq!(self.cause_count, 0, "causes are set aside from the first");
        self.causes = CauseLists::setting_aside(store, hold);
    }

    /// Adds `c` to list `list` (`lines.len()`: every cause once), aside when it comes out of
    /// order: a reversal's target known in both views comes when the target does, but sorts
    /// by its reversal. Every other cause is its own record and comes in sequence order.
    fn put(&mut self, list: usize, c: LineCause) {
        let k = cause_lists::key(&c.cause);
        let side = match self.lines.get_mut(list) {
            Some(l) => {
                l.causes += 1;
                &mut l.side
            }
            None => {
                self.cause_count += 1;
                &mut self.side
            }
        };
        if c.cause.record == c.cause.moved && k >= self.last[list] {
            self.last[list] = k;
            self.causes.push(list, c);
        } else {
            side.push(c);
        }
    }

    fn counts(&self, r: &Recorded, later: bool) -> bool {
        let (point, reversed) = if later {
            (self.after, &self.reversals.known_after)
        } else {
            (self.before, &self.reversals.known_before)
        };
        r.seq <= point
            && r.event.effective_date <= self.as_of
            && !reversed.contains_key(&r.event.id)
    }

    /// Counts `r` if its counting differs between the two views.
    pub fn add(&mut self, r: &Recorded) {
        let (lo, hi) = (self.before.min(self.after), self.before.max(self.after));
        // Slots are filled first: an empty first slot means the event moves no money.
        if r.seq > hi || r.event.movement_slots()[0].is_none() {
            return;
        }
        let (cb, ca) = (self.counts(r, false), self.counts(r, true));
        if cb == ca {
            return;
        }
        let sign = if ca { 1 } else { -1 };
        let record = if r.seq > lo {
            r.seq
        } else {
            // Known in both views: its counting changed because a reversal between them
            // (known only in the later-sequence view) cancels it.
            let known = if self.after > self.before {
                &self.reversals.known_after
            } else {
                &self.reversals.known_before
            };
            known.get(&r.event.id).copied().unwrap_or(r.seq)
        };
        let cause = Cause {
            record,
            moved: r.seq,
            sign,
        };
        let mut moves_a_line = false;
        for m in projection::movements_of(r, self.deadlines) {
            if let Some(&i) = self.position.get(m.line) {
                let s = Decimal::from(sign);
                let moved = LineCause {
                    cause,
                    plan_delta: m.plan * s,
                    disbursed_delta: m.disbursed * s,
                };
                self.put(i as usize, moved);
                moves_a_line = true;
            }
        }
        // A money event names exactly the lines it moves (`Event::lines`).
        if moves_a_line {
            let once = LineCause {
                cause,
                plan_delta: Decimal::ZERO,
                disbursed_delta: Decimal::ZERO,
            };
            self.put(self.lines.len(), once);
        }
    }

    /// The revision (its `indicators` left empty for the caller).
    pub fn finish(self) -> Revision<'static> {
        let CauseFold {
            as_of,
            before,
            after,
            mut lines,
            causes,
            mut side,
            cause_count,
            totals_before,
            totals_after,
            ..
        } = self;
        let every = lines.len();
        for l in &mut lines {
            // Stable: one cause's movements on one line keep their order.
            l.side.sort_by_key(|m| cause_lists::key(&m.cause));
        }
        side.sort_by_key(|m| cause_lists::key(&m.cause));
        // A line with causes changed, so every kept cause moves a line that is shown.
        lines.retain(|l| {
            l.plan_before != l.plan_after || l.disbursed_before != l.disbursed_after || l.causes > 0
        });
        let rev = Revision {
            as_of,
            before,
            after,
            lines,
            causes,
            every,
            side,
            cause_count,
            totals_before,
            totals_after,
            indicators: Vec::new(),
        };
        if cfg!(debug_assertions) {
            rev.lines.iter().for_each(|l| check_adds_up(&rev, l));
        }
        rev
    }
}

/// Each line's causes add up to its change (unless they cannot be read back, which writing
/// the revision reports).
fn check_adds_up(rev: &Revision<'_>, l: &LineChange) {
    let mut sums = (Decimal::ZERO, Decimal::ZERO);
    for c in rev.line_causes(l) {
        let Ok(c) = c else { return };
        sums = (sums.0 + c.plan_delta, sums.1 + c.disbursed_delta);
    }
    assert_eq!(sums.0, l.plan_after - l.plan_before, "line {}", l.spec.line);
    assert_eq!(
        sums.1,
        l.disbursed_after - l.disbursed_before,
        "line {}",
        l.spec.line
    );
}

/// The amount an event names (`None` for `open_line` and `reverse`).
pub fn event_amount(kind: &Kind) -> Option<Decimal> {
    match kind {
        Kind::Allocate { amount, .. }
        | Kind::Reduce { amount, .. }
        | Kind::Transfer { amount, .. }
        | Kind::CarryOver { amount, .. }
        | Kind::Disburse { amount, .. }
        | Kind::Refund { amount, .. }
        | Kind::Lapse { amount, .. }
        | Kind::Advance { amount, .. }
        | Kind::Commit { amount, .. }
        | Kind::Contribute { amount, .. } => Some(amount.value()),
        Kind::OpenWork(w) => Some(w.total_investment.value()),
        Kind::OpenLine(_)
        | Kind::Reverse { .. }
        | Kind::SetDeadline { .. }
        | Kind::RegisterDocument(_)
        | Kind::RecordIndicator(_) => None,
    }
}

/// Recorded after its effective day: the event changed the past.
pub fn backdated(r: &Recorded) -> bool {
    r.event.effective_date < r.recorded_at.date_naive()
}

fn document_json(d: Option<&Document>) -> Value {
    d.map_or(
        Value::Null,
        |d| json!({"number": d.number, "date": d.date.to_string(), "issuer": d.issuer}),
    )
}

fn event_json(r: &Recorded) -> Value {
    json!({
        "seq": r.seq,
        "id": r.event.id.to_string(),
        "type": r.event.kind.type_name(),
        "effective_date": r.event.effective_date.to_string(),
        "recorded_at": r.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "backdated": backdated(r),
        "amount": event_amount(&r.event.kind).map(|a| a.to_string()),
        "document": document_json(r.event.document.as_ref()),
    })
}

/// A cause as JSON: the recorded event, and for a reversal its reason and target.
pub fn cause_json(c: &Cause, records: &(impl Lookup + ?Sized)) -> Result<Value, Unreadable> {
    let record = records.record(c.record)?;
    let mut v = event_json(&record);
    if let (Value::Object(m), Kind::Reverse { reason, .. }) = (&mut v, &record.event.kind) {
        m.insert("reason".into(), reason.clone().into());
        m.insert("reverses".into(), event_json(&*records.record(c.moved)?));
    }
    Ok(v)
}
