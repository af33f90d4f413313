//! Views of the log at `(as_of, known_at)`: per-line balances and audit trails.
//! Pure functions over recorded events: no I/O, no clock, never writes the log.
//!
//! A view counts the events with sequence ≤ `known_at` and effective date ≤ `as_of`, minus
//! those reversed by a reversal with sequence ≤ `known_at` (whatever the reversal's own date).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::core::event::{Kind, LineSpec, Movement};
use crate::core::fold::Reversals;
use crate::core::money;
use crate::core::rule_data;
use crate::core::rules::Recorded;
use crate::core::rules_budget::deadline_of;
use crate::core::trail_plan::TrailPlan;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub as_of: NaiveDate,
    /// The last sequence the view includes (0: nothing known yet).
    pub known_at: u64,
}

/// A line in a view. `plan` is what the line was given (allocations − reduce ± transfers +
/// carry-overs in); what was carried out and what lapsed are their own columns, so a closed
/// year keeps its rate (disbursed ÷ plan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineBalance<'a> {
    pub spec: &'a LineSpec,
    pub plan: Decimal,
    pub disbursed: Decimal,
    pub carried_out: Decimal,
    pub lapsed: Decimal,
    /// Refunds effective after the line's deadline (budget revenue; `disbursed` keeps them).
    pub recovered_after_close: Decimal,
    /// The line's disbursement deadline as known at the view's `known_at`.
    pub deadline: NaiveDate,
    /// Completed volume, advances and commitments (issue 13).
    pub pay: Payments,
}

/// The payments' figures of a line or a total: value of completed volume paid for, advances
/// not yet recovered, contract amounts registered and their unpaid part. `disbursed` already
/// counts the advances (giải ngân = completed payments in cash + advances outstanding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payments {
    pub completed: Decimal,
    pub advance_outstanding: Decimal,
    pub committed: Decimal,
    pub commitment_outstanding: Decimal,
}

impl Payments {
    pub fn add(&mut self, other: &Payments) {
        self.completed += other.completed;
        self.advance_outstanding += other.advance_outstanding;
        self.committed += other.committed;
        self.commitment_outstanding += other.commitment_outstanding;
    }

    /// The figures, by their public names, in their order (JSON keys, CSV headers).
    pub fn named(&self) -> [(&'static str, Decimal); 4] {
        [
            ("completed", self.completed),
            ("advance_outstanding", self.advance_outstanding),
            ("committed", self.committed),
            ("commitment_outstanding", self.commitment_outstanding),
        ]
    }
}

impl<'a> LineBalance<'a> {
    /// A line with no movement yet.
    pub fn empty(spec: &'a LineSpec, deadline: NaiveDate) -> LineBalance<'a> {
        LineBalance::of(spec, deadline, Totals::default())
    }
    /// A line of the given columns (the index reader's figures).
    pub fn of(spec: &'a LineSpec, deadline: NaiveDate, columns: Totals) -> LineBalance<'a> {
        let Totals {
            plan,
            disbursed,
            carried_out,
            lapsed,
            recovered_after_close,
            pay,
        } = columns;
        LineBalance {
            spec,
            plan,
            disbursed,
            carried_out,
            lapsed,
            recovered_after_close,
            deadline,
            pay,
        }
    }
    /// The line's columns, as the totals of this one line.
    pub fn columns(&self) -> Totals {
        Totals {
            plan: self.plan,
            disbursed: self.disbursed,
            carried_out: self.carried_out,
            lapsed: self.lapsed,
            recovered_after_close: self.recovered_after_close,
            pay: self.pay,
        }
    }
    fn add(&mut self, m: &Movement<'_>) {
        self.plan += m.plan;
        self.disbursed += m.disbursed;
        self.carried_out += m.carried_out;
        self.lapsed += m.lapsed;
        self.recovered_after_close += m.recovered;
        self.pay.add(&Payments {
            completed: m.completed,
            advance_outstanding: m.advance_outstanding,
            committed: m.committed,
            commitment_outstanding: m.commitment_outstanding,
        });
    }
    /// plan − disbursed − carried_out − lapsed − commitment_outstanding.
    pub fn available(&self) -> Decimal {
        self.columns().available()
    }
    pub fn rate(&self) -> Option<Decimal> {
        self.columns().rate()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub plan: Decimal,
    pub disbursed: Decimal,
    pub carried_out: Decimal,
    pub lapsed: Decimal,
    pub recovered_after_close: Decimal,
    pub pay: Payments,
}

impl Totals {
    pub fn add(&mut self, plan: Decimal, disbursed: Decimal) {
        self.plan += plan;
        self.disbursed += disbursed;
    }
    /// Adds every column of a line.
    pub fn add_line(&mut self, l: &LineBalance<'_>) {
        self.merge(&l.columns());
    }
    /// Adds every column of other totals.
    pub fn merge(&mut self, other: &Totals) {
        self.add(other.plan, other.disbursed);
        self.carried_out += other.carried_out;
        self.lapsed += other.lapsed;
        self.recovered_after_close += other.recovered_after_close;
        self.pay.add(&other.pay);
    }
    /// plan − disbursed − carried_out − lapsed − commitment_outstanding.
    pub fn available(&self) -> Decimal {
        self.plan
            - self.disbursed
            - self.carried_out
            - self.lapsed
            - self.pay.commitment_outstanding
    }
    pub fn rate(&self) -> Option<Decimal> {
        money::rate(self.disbursed, self.plan)
    }
}

/// The records a view can see at all (sequence ≤ known_at): also what an export up to
/// `known_at` covers.
pub fn known(records: &[Recorded], known_at: u64) -> &[Recorded] {
    // By sequence, not position: `records` may be a log's few structural records
    // (`core::fold::structure`), each with its own sequence, or the whole log.
    &records[..records.partition_point(|r| r.seq <= known_at)]
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

/// Per line, the deadline its last non-reversed `set_deadline` known by `known_at` sets
/// (whatever its effective date: the rules classified every refund with the deadline known
/// when it was recorded, and no later change may move one across, see `rules_budget`).
fn deadline_settings<'a>(
    records: &'a [Recorded],
    reversed: &dyn Fn(&Recorded) -> bool,
) -> HashMap<&'a str, NaiveDate> {
    let mut set = HashMap::new();
    for r in records {
        if let Kind::SetDeadline { line, deadline } = &r.event.kind
            && !reversed(r)
        {
            set.insert(line.as_str(), *deadline);
        }
    }
    set
}

/// The movements of a counted record, a refund after its line's deadline moved from
/// `disbursed` to `recovered` when the rules that accepted it know the budget year.
pub(crate) fn classified<'a>(
    r: &'a Recorded,
    deadline: impl Fn(&str) -> Option<NaiveDate>,
) -> Vec<Movement<'a>> {
    let mut moves = r.event.movements();
    if let Kind::Refund { line, .. } = &r.event.kind
        && rule_data::knows_budget_year(r.rules)
        && deadline(line).is_some_and(|d| r.event.effective_date > d)
    {
        for m in &mut moves {
            m.recovered = -m.disbursed;
            m.disbursed = Decimal::ZERO;
            m.completed = Decimal::ZERO;
        }
    }
    moves
}

/// Every line's deadline as known at `known_at` (for readers that classify movements).
pub fn deadlines(records: &[Recorded], known_at: u64) -> HashMap<String, NaiveDate> {
    let records = known(records, known_at);
    let reversed = reversals(records);
    let settings = deadline_settings(records, &|r| reversed.contains_key(&r.event.id));
    records
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::OpenLine(spec) => Some((
                spec.line.clone(),
                deadline_of(spec, settings.get(spec.line.as_str()).copied()),
            )),
            _ => None,
        })
        .collect()
}

/// The movements of a record as the views count them, given `deadlines` (see `deadlines`).
pub fn movements_of<'a>(
    r: &'a Recorded,
    deadlines: &HashMap<String, NaiveDate>,
) -> Vec<Movement<'a>> {
    classified(r, |line| deadlines.get(line).copied())
}

/// Balances of every line opened by `known_at` (of `plan_year`, if given), in line-code order.
pub fn balances<'a>(
    records: &'a [Recorded],
    view: View,
    plan_year: Option<i32>,
) -> Vec<LineBalance<'a>> {
    let records = known(records, view.known_at);
    let reversals = Reversals::among(records);
    let mut fold = BalanceFold::new(records, &reversals, view, plan_year);
    for r in records {
        if r.event.effective_date <= view.as_of && !reversals.cancels(r) {
            fold.add(r);
        }
    }
    fold.finish()
}

/// The balances of a view as a fold over the records it counts, given first the records
/// that shape the lines: what `balances` computes over the log in memory, and a command
/// computes over a log read back in parts (`app::source::Log`) without holding it.
pub struct BalanceFold<'s> {
    /// Deadlines of every line (a refund's class needs its line's, whatever `plan_year`).
    deadlines: HashMap<&'s str, NaiveDate>,
    lines: BTreeMap<&'s str, LineBalance<'s>>,
}

impl<'s> BalanceFold<'s> {
    /// The lines of `plan_year` (every year: `None`) opened in `structure`, which holds every
    /// `open_line` and `set_deadline` the view knows (other records are passed over).
    pub fn new(
        structure: &'s [Recorded],
        reversals: &Reversals<'_>,
        view: View,
        plan_year: Option<i32>,
    ) -> BalanceFold<'s> {
        let structure = known(structure, view.known_at);
        let settings = deadline_settings(structure, &|r| reversals.cancels(r));
        let mut deadlines: HashMap<&str, NaiveDate> = HashMap::new();
        let mut lines: BTreeMap<&str, LineBalance<'s>> = BTreeMap::new();
        for r in structure {
            if let Kind::OpenLine(spec) = &r.event.kind {
                let deadline = deadline_of(spec, settings.get(spec.line.as_str()).copied());
                deadlines.insert(spec.line.as_str(), deadline);
                if plan_year.is_none_or(|y| y == spec.plan_year) {
                    lines.insert(spec.line.as_str(), LineBalance::empty(spec, deadline));
                }
            }
        }
        BalanceFold { deadlines, lines }
    }

    /// Adds a record the view counts (see `counted`).
    pub fn add(&mut self, r: &Recorded) {
        for m in classified(r, |l| self.deadlines.get(l).copied()) {
            if let Some(b) = self.lines.get_mut(m.line) {
                b.add(&m);
            }
        }
    }

    /// A counted record's movements as these balances count them (a refund after its line's
    /// deadline is `recovered`, not less `disbursed`).
    pub fn movements<'r>(&self, r: &'r Recorded) -> Vec<Movement<'r>> {
        classified(r, |l| self.deadlines.get(l).copied())
    }

    /// The lines' balances, in line-code order.
    pub fn finish(self) -> Vec<LineBalance<'s>> {
        self.lines.into_values().collect()
    }
}

/// The events a view counts: known by `known_at`, effective by `as_of`, not reversed.
pub fn counted(records: &[Recorded], view: View) -> impl Iterator<Item = &Recorded> {
    let records = known(records, view.known_at);
    let reversed = reversals(records);
    records.iter().filter(move |r| {
        r.event.effective_date <= view.as_of && !reversed.contains_key(&r.event.id)
    })
}

/// The totals of `lines` (a slice, or any lines a caller picks out).
pub fn totals<'a, 'b: 'a>(lines: impl IntoIterator<Item = &'a LineBalance<'b>>) -> Totals {
    let mut t = Totals::default();
    for l in lines {
        t.add_line(l);
    }
    t
}

/// One event in a line's trail.
#[derive(Clone, Debug)]
pub struct TrailRow<'a> {
    pub record: &'a Recorded,
    /// This event's effect on this line. In a trail, `plan` is what the line has for use
    /// before payments: a carry-over out or a lapse shows as a negative `plan_delta` (the
    /// balance view keeps them in their own columns), so the running `plan − disbursed` is the
    /// line's `available`; a refund after the line's deadline moves neither column.
    pub plan_delta: Decimal,
    pub disbursed_delta: Decimal,
    /// The reversal (known by `known_at`) that cancels this event, if any.
    pub reversed_by: Option<&'a Recorded>,
    /// Running totals after this row, counting only events that are not reversed.
    pub plan: Decimal,
    pub disbursed: Decimal,
}

/// Every event that touched `line`, in effective-date order (then sequence), with running
/// totals; `None` when the line was not opened by `known_at` (see `core::trail_plan`).
pub fn trail<'a>(records: &'a [Recorded], line: &str, view: View) -> Option<Vec<TrailRow<'a>>> {
    let records = known(records, view.known_at);
    let mut plan = TrailPlan::new(line, view.as_of);
    for (at, r) in records.iter().enumerate() {
        plan.note(at, r, || r);
    }
    Some(plan.finish()?.rows_of(records))
}
