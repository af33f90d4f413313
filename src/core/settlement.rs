//! The settlement of a plan year (quyết toán): per line and aggregated by total, capital type
//! and program, how the plan came to be and where it went:
//! plan = brought_forward + assigned − withdrawn + transferred_net
//!      = disbursed + carried_out + lapsed + unspent.
//! Pure, like every view: a function of the records and `(as_of, known_at)`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::core::event::{Capital, Kind, LineSpec, Origin};
use crate::core::fold::Reversals;
use crate::core::money;
use crate::core::projection::{self, BalanceFold, View};
use crate::core::rules::Recorded;

/// The columns of one settlement row, in đồng.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// Plan of the year's carried_over and extended lines (carry-overs in, and allocations to
    /// such lines: vốn chuyển nguồn, vốn kéo dài).
    pub brought_forward: Decimal,
    /// Allocations to in-year lines (vốn giao trong năm).
    pub assigned: Decimal,
    /// Plan withdrawn during the year (thu hồi dự toán, `reduce`).
    pub withdrawn: Decimal,
    /// Transfers in − transfers out (điều chỉnh).
    pub transferred_net: Decimal,
    pub plan: Decimal,
    pub disbursed: Decimal,
    pub carried_out: Decimal,
    pub lapsed: Decimal,
    pub recovered_after_close: Decimal,
    /// Completed volume, advances and commitments (issue 13): the unpaid commitments are
    /// part of what is still open (`unspent`), reserved for contracts.
    pub pay: crate::core::projection::Payments,
}

impl Row {
    /// plan − disbursed − carried_out − lapsed.
    pub fn unspent(&self) -> Decimal {
        self.plan - self.disbursed - self.carried_out - self.lapsed
    }

    pub fn rate(&self) -> Option<Decimal> {
        money::rate(self.disbursed, self.plan)
    }

    /// Adds another row's figures (lines into aggregates; units into a province's total).
    pub fn add(&mut self, other: &Row) {
        self.brought_forward += other.brought_forward;
        self.assigned += other.assigned;
        self.withdrawn += other.withdrawn;
        self.transferred_net += other.transferred_net;
        self.plan += other.plan;
        self.disbursed += other.disbursed;
        self.carried_out += other.carried_out;
        self.lapsed += other.lapsed;
        self.recovered_after_close += other.recovered_after_close;
        self.pay.add(&other.pay);
    }

    /// The settlement's identities; a row that breaks one was computed wrongly.
    fn assert_identities(&self) {
        assert_eq!(
            self.plan,
            self.disbursed + self.carried_out + self.lapsed + self.unspent(),
            "plan = disbursed + carried_out + lapsed + unspent"
        );
        assert_eq!(
            self.plan,
            self.brought_forward + self.assigned - self.withdrawn + self.transferred_net,
            "plan = brought_forward + assigned − withdrawn + transferred_net: {self:?}"
        );
    }
}

/// One line of the settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRow<'a> {
    pub spec: &'a LineSpec,
    pub deadline: NaiveDate,
    pub row: Row,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement<'a> {
    pub plan_year: i32,
    pub lines: Vec<LineRow<'a>>,
    pub total: Row,
    pub by_capital: BTreeMap<Capital, Row>,
    pub by_program: BTreeMap<String, Row>,
}

/// The settlement of `plan_year` in `view`.
pub fn settlement(records: &[Recorded], view: View, plan_year: i32) -> Settlement<'_> {
    let known = projection::known(records, view.known_at);
    let reversals = Reversals::among(known);
    let mut fold = Fold::new(known, &reversals, view, plan_year);
    known
        .iter()
        .filter(|r| r.event.effective_date <= view.as_of && !reversals.cancels(r))
        .for_each(|r| fold.add(r));
    fold.finish()
}

/// The settlement as a fold over the records a view counts, given first the records that
/// shape the lines (see `projection::BalanceFold`): the same figures whether the log is in
/// memory or read back in parts.
pub struct Fold<'s> {
    plan_year: i32,
    balances: BalanceFold<'s>,
    /// The origin of each of the year's lines: an allocation brings plan forward to a line
    /// that is not the year's own.
    origin: BTreeMap<&'s str, Origin>,
    sources: BTreeMap<&'s str, Row>,
}

impl<'s> Fold<'s> {
    pub fn new(
        structure: &'s [Recorded],
        reversals: &Reversals<'_>,
        view: View,
        plan_year: i32,
    ) -> Fold<'s> {
        let origin = projection::known(structure, view.known_at)
            .iter()
            .filter_map(|r| match &r.event.kind {
                Kind::OpenLine(spec) if spec.plan_year == plan_year => {
                    Some((spec.line.as_str(), spec.origin))
                }
                _ => None,
            })
            .collect();
        Fold {
            plan_year,
            balances: BalanceFold::new(structure, reversals, view, Some(plan_year)),
            origin,
            sources: BTreeMap::new(),
        }
    }

    /// Adds a record the view counts (see `projection::counted`).
    pub fn add(&mut self, r: &Recorded) {
        self.balances.add(r);
        let Fold {
            origin, sources, ..
        } = self;
        let mut add = |line: &str, f: &dyn Fn(&mut Row)| {
            if let Some((&key, _)) = origin.get_key_value(line) {
                f(sources.entry(key).or_default());
            }
        };
        match &r.event.kind {
            Kind::Allocate { line, amount } => {
                let a = amount.value();
                match origin.get(line.as_str()) {
                    Some(Origin::InYear) => add(line, &|row| row.assigned += a),
                    _ => add(line, &|row| row.brought_forward += a),
                }
            }
            Kind::Reduce { line, amount } => add(line, &|row| row.withdrawn += amount.value()),
            Kind::Transfer { from, to, amount } => {
                add(from, &|row| row.transferred_net -= amount.value());
                add(to, &|row| row.transferred_net += amount.value());
            }
            Kind::CarryOver { to, amount, .. } => {
                add(to, &|row| row.brought_forward += amount.value())
            }
            _ => {}
        }
    }

    /// The settlement: each line's row, then the aggregates.
    pub fn finish(self) -> Settlement<'s> {
        let (plan_year, sources) = (self.plan_year, self.sources);
        let balances = self.balances.finish();
        let mut out = Settlement {
            plan_year,
            lines: Vec::with_capacity(balances.len()),
            total: Row::default(),
            by_capital: BTreeMap::new(),
            by_program: BTreeMap::new(),
        };
        for b in balances {
            let row = Row {
                plan: b.plan,
                disbursed: b.disbursed,
                carried_out: b.carried_out,
                lapsed: b.lapsed,
                recovered_after_close: b.recovered_after_close,
                pay: b.pay,
                ..sources
                    .get(b.spec.line.as_str())
                    .copied()
                    .unwrap_or_default()
            };
            row.assert_identities();
            out.total.add(&row);
            out.by_capital.entry(b.spec.capital).or_default().add(&row);
            out.by_program
                .entry(b.spec.program.clone())
                .or_default()
                .add(&row);
            out.lines.push(LineRow {
                spec: b.spec,
                deadline: b.deadline,
                row,
            });
        }
        out.total.assert_identities();
        out.by_capital.values().for_each(Row::assert_identities);
        out.by_program.values().for_each(Row::assert_identities);
        out
    }
}
