//! Views of the log at `(as_of, known_at)`: per-line balances and audit trails.
//! Pure functions over recorded events: no I/O, no clock, never writes the log.
//!
//! A view counts the events with sequence ≤ `known_at` and effective date ≤ `as_of`, minus
//! those reversed by a reversal with sequence ≤ `known_at` (whatever the reversal's own date).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::core::event::{Kind, LineSpec};
use crate::core::money;
use crate::core::rules::Recorded;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub as_of: NaiveDate,
    /// The last sequence the view includes (0: nothing known yet).
    pub known_at: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineBalance<'a> {
    pub spec: &'a LineSpec,
    pub plan: Decimal,
    pub disbursed: Decimal,
}

impl LineBalance<'_> {
    pub fn available(&self) -> Decimal {
        self.plan - self.disbursed
    }
    pub fn rate(&self) -> Option<Decimal> {
        money::rate(self.disbursed, self.plan)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub plan: Decimal,
    pub disbursed: Decimal,
}

impl Totals {
    pub fn add(&mut self, plan: Decimal, disbursed: Decimal) {
        self.plan += plan;
        self.disbursed += disbursed;
    }
    pub fn available(&self) -> Decimal {
        self.plan - self.disbursed
    }
    pub fn rate(&self) -> Option<Decimal> {
        money::rate(self.disbursed, self.plan)
    }
}

/// The records a view can see at all (sequence ≤ known_at).
fn known(records: &[Recorded], known_at: u64) -> &[Recorded] {
    let n = usize::try_from(known_at)
        .unwrap_or(usize::MAX)
        .min(records.len());
    &records[..n]
}

/// Reversed event id → the reversal that cancels it, among known records.
fn reversals(records: &[Recorded]) -> HashMap<Uuid, &Recorded> {
    records
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::Reverse { target, .. } => Some((*target, r)),
            _ => None,
        })
        .collect()
}

/// Balances of every line opened by `known_at` (of `plan_year`, if given), in line-code order.
pub fn balances<'a>(
    records: &'a [Recorded],
    view: View,
    plan_year: Option<i32>,
) -> Vec<LineBalance<'a>> {
    let records = known(records, view.known_at);
    let reversed = reversals(records);
    let mut lines: BTreeMap<&str, LineBalance<'a>> = BTreeMap::new();
    for r in records {
        if let Kind::OpenLine(spec) = &r.event.kind
            && plan_year.is_none_or(|y| y == spec.plan_year)
        {
            lines.insert(
                spec.line.as_str(),
                LineBalance {
                    spec,
                    plan: Decimal::ZERO,
                    disbursed: Decimal::ZERO,
                },
            );
        }
    }
    for r in records {
        if r.event.effective_date > view.as_of || reversed.contains_key(&r.event.id) {
            continue;
        }
        for m in r.event.movement_slots().into_iter().flatten() {
            if let Some(b) = lines.get_mut(m.line) {
                b.plan += m.plan;
                b.disbursed += m.disbursed;
            }
        }
    }
    lines.into_values().collect()
}

/// The events a view counts: known by `known_at`, effective by `as_of`, not reversed.
pub fn counted(records: &[Recorded], view: View) -> impl Iterator<Item = &Recorded> {
    let records = known(records, view.known_at);
    let reversed = reversals(records);
    records.iter().filter(move |r| {
        r.event.effective_date <= view.as_of && !reversed.contains_key(&r.event.id)
    })
}

pub fn totals(lines: &[LineBalance<'_>]) -> Totals {
    let mut t = Totals::default();
    for l in lines {
        t.add(l.plan, l.disbursed);
    }
    t
}

/// One event in a line's trail.
#[derive(Clone, Debug)]
pub struct TrailRow<'a> {
    pub record: &'a Recorded,
    /// This event's effect on this line.
    pub plan_delta: Decimal,
    pub disbursed_delta: Decimal,
    /// The reversal (known by `known_at`) that cancels this event, if any.
    pub reversed_by: Option<&'a Recorded>,
    /// Running totals after this row, counting only events that are not reversed.
    pub plan: Decimal,
    pub disbursed: Decimal,
}

/// Every event that touched `line`, in effective-date order (then sequence), with running
/// totals; `None` when the line was not opened by `known_at`.
pub fn trail<'a>(records: &'a [Recorded], line: &str, view: View) -> Option<Vec<TrailRow<'a>>> {
    let records = known(records, view.known_at);
    let reversed = reversals(records);
    let opened = records.iter().any(|r| match &r.event.kind {
        Kind::OpenLine(spec) => spec.line == line,
        _ => false,
    });
    if !opened {
        return None;
    }
    let mut touching: Vec<&Recorded> = records
        .iter()
        .filter(|r| r.event.effective_date <= view.as_of && r.event.lines().contains(&line))
        .collect();
    touching.sort_by_key(|r| (r.event.effective_date, r.seq));
    let mut plan = Decimal::ZERO;
    let mut disbursed = Decimal::ZERO;
    let rows = touching
        .into_iter()
        .map(|record| {
            let (mut dp, mut dd) = (Decimal::ZERO, Decimal::ZERO);
            for m in record.event.movement_slots().into_iter().flatten() {
                if m.line == line {
                    dp += m.plan;
                    dd += m.disbursed;
                }
            }
            let reversed_by = reversed.get(&record.event.id).copied();
            if reversed_by.is_none() {
                plan += dp;
                disbursed += dd;
            }
            TrailRow {
                record,
                plan_delta: dp,
                disbursed_delta: dd,
                reversed_by,
                plan,
                disbursed,
            }
        })
        .collect();
    Some(rows)
}
