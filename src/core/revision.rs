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

use crate::core::event::{Document, Kind, LineSpec};
use crate::core::projection::{self, View};
use crate::core::rules::Recorded;

/// Why an event's counting differs between the two views.
#[derive(Clone, Copy, Debug)]
pub struct Cause<'a> {
    /// The recorded event between the two knowledge points: the event itself, or a reversal.
    pub record: &'a Recorded,
    /// The event whose movements appear or disappear (the reversal's target, or `record`).
    pub moved: &'a Recorded,
    /// +1 when `moved` counts in the later view only, −1 when in the earlier view only.
    pub sign: i8,
}

#[derive(Clone, Debug)]
pub struct LineCause<'a> {
    pub cause: Cause<'a>,
    pub plan_delta: Decimal,
    pub disbursed_delta: Decimal,
}

#[derive(Clone, Debug)]
pub struct LineChange<'a> {
    pub spec: &'a LineSpec,
    pub plan_before: Decimal,
    pub plan_after: Decimal,
    pub disbursed_before: Decimal,
    pub disbursed_after: Decimal,
    pub causes: Vec<LineCause<'a>>,
}

#[derive(Clone, Debug)]
pub struct Revision<'a> {
    pub as_of: NaiveDate,
    pub before: u64,
    pub after: u64,
    /// Lines whose figures changed or that some cause touched, in line-code order.
    pub lines: Vec<LineChange<'a>>,
    /// Every cause once, in sequence order.
    pub causes: Vec<Cause<'a>>,
    pub totals_before: projection::Totals,
    pub totals_after: projection::Totals,
    /// Indicators whose figure as of `as_of` differs (issue 16: a survey corrected later).
    pub indicators: Vec<crate::core::facts_view::IndicatorChange<'a>>,
}

fn reversal_of(records: &[Recorded], known_at: u64) -> HashMap<Uuid, &Recorded> {
    records
        .iter()
        .take_while(|r| r.seq <= known_at)
        .filter_map(|r| match &r.event.kind {
            Kind::Reverse { target, .. } => Some((*target, r)),
            _ => None,
        })
        .collect()
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
    let indicators = crate::core::facts_view::changes(records, as_of, before, after);
    revision_of(
        records,
        (as_of, before, after),
        (b, a),
        &deadlines,
        indicators,
    )
}

/// The revision from its parts: the balances at both points, the deadlines known at the later
/// one, the indicator changes, and `records`: every record the full log holds, or (the
/// index's read path) at least those after the earlier point up to the later one and every
/// event one of them reverses (the only records whose counting can differ).
pub fn revision_of<'a>(
    records: &'a [Recorded],
    (as_of, before, after): (NaiveDate, u64, u64),
    (b, a): (
        Vec<projection::LineBalance<'a>>,
        Vec<projection::LineBalance<'a>>,
    ),
    deadlines: &HashMap<String, NaiveDate>,
    indicators: Vec<crate::core::facts_view::IndicatorChange<'a>>,
) -> Revision<'a> {
    let causes = causes_between(records, as_of, before, after);
    let changed = line_changes(&b, &a, &causes, deadlines);
    // Causes that touch only lines outside the plan year are not causes of these figures.
    let causes = causes
        .into_iter()
        .filter(|c| {
            c.moved
                .event
                .lines()
                .iter()
                .any(|line| changed.iter().any(|l| l.spec.line == *line))
        })
        .collect();
    Revision {
        as_of,
        before,
        after,
        totals_before: projection::totals(&b),
        totals_after: projection::totals(&a),
        lines: changed,
        causes,
        indicators,
    }
}

/// The events whose counting differs between the two knowledge points, each with the recorded
/// event between them that made the difference, in sequence order.
fn causes_between(
    records: &[Recorded],
    as_of: NaiveDate,
    before: u64,
    after: u64,
) -> Vec<Cause<'_>> {
    let rev_before = reversal_of(records, before);
    let rev_after = reversal_of(records, after);
    let counts = |r: &Recorded, known_at: u64, rev: &HashMap<Uuid, &Recorded>| {
        r.seq <= known_at && r.event.effective_date <= as_of && !rev.contains_key(&r.event.id)
    };
    let (lo, hi) = (before.min(after), before.max(after));
    let mut causes = Vec::new();
    for r in records.iter().take_while(|r| r.seq <= hi) {
        // Slots are filled first: an empty first slot means the event moves no money.
        if r.event.movement_slots()[0].is_none() {
            continue;
        }
        let (cb, ca) = (counts(r, before, &rev_before), counts(r, after, &rev_after));
        if cb == ca {
            continue;
        }
        let sign = if ca { 1 } else { -1 };
        let record = if r.seq > lo {
            r
        } else {
            // Known in both views: its counting changed because a reversal between them
            // (known only in the later-sequence view) cancels it.
            let rev = if after > before {
                &rev_after
            } else {
                &rev_before
            };
            match rev.get(&r.event.id) {
                Some(reversal) => reversal,
                None => r,
            }
        };
        causes.push(Cause {
            record,
            moved: r,
            sign,
        });
    }
    causes.sort_by_key(|c| (c.record.seq, c.moved.seq));
    causes
}

/// Every line whose figures or causes differ between the two views, with its causes.
fn line_changes<'a>(
    b: &[projection::LineBalance<'a>],
    a: &[projection::LineBalance<'a>],
    causes: &[Cause<'a>],
    deadlines: &std::collections::HashMap<String, NaiveDate>,
) -> Vec<LineChange<'a>> {
    let mut lines: BTreeMap<&str, LineChange<'_>> = BTreeMap::new();
    let blank = |spec| LineChange {
        spec,
        plan_before: Decimal::ZERO,
        plan_after: Decimal::ZERO,
        disbursed_before: Decimal::ZERO,
        disbursed_after: Decimal::ZERO,
        causes: Vec::new(),
    };
    for (balances, after) in [(b, false), (a, true)] {
        for l in balances {
            let e = lines
                .entry(l.spec.line.as_str())
                .or_insert_with(|| blank(l.spec));
            if after {
                (e.plan_after, e.disbursed_after) = (l.plan, l.disbursed);
            } else {
                (e.plan_before, e.disbursed_before) = (l.plan, l.disbursed);
            }
        }
    }
    for c in causes {
        for m in projection::movements_of(c.moved, deadlines) {
            if let Some(e) = lines.get_mut(m.line) {
                let s = Decimal::from(c.sign);
                e.causes.push(LineCause {
                    cause: *c,
                    plan_delta: m.plan * s,
                    disbursed_delta: m.disbursed * s,
                });
            }
        }
    }
    let changed: Vec<LineChange<'_>> = lines
        .into_values()
        .filter(|l| {
            l.plan_before != l.plan_after
                || l.disbursed_before != l.disbursed_after
                || !l.causes.is_empty()
        })
        .collect();
    for l in &changed {
        let (dp, dd) = l
            .causes
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |acc, c| {
                (acc.0 + c.plan_delta, acc.1 + c.disbursed_delta)
            });
        debug_assert_eq!(dp, l.plan_after - l.plan_before, "line {}", l.spec.line);
        debug_assert_eq!(
            dd,
            l.disbursed_after - l.disbursed_before,
            "line {}",
            l.spec.line
        );
    }
    changed
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
pub fn cause_json(c: &Cause<'_>) -> Value {
    let mut v = event_json(c.record);
    if let (Value::Object(m), Kind::Reverse { reason, .. }) = (&mut v, &c.record.event.kind) {
        m.insert("reason".into(), reason.clone().into());
        m.insert("reverses".into(), event_json(c.moved));
    }
    v
}
