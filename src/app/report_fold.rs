//! A report's figures in one pass over the money events its view counts, whether the log is
//! in memory or read back from the store in parts (`app::source::Log`): the balances of every
//! plan year, the works registry of annex 02, the records that move advances, the likely
//! duplicate vouchers and, for an HTML report, each line's disbursements per day. Memory is
//! that of the figures (and 8 bytes per voucher for the duplicates, up to a million of them,
//! the rest set aside in a temporary file), never the records.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::app::error::AppError;
use crate::app::source::{self, Log};
use crate::core::advances::{self, AdvanceDue};
use crate::core::duplicates::DuplicateFold;
use crate::core::event::Kind;
use crate::core::projection::{self, BalanceFold, LineBalance, View};
use crate::core::rules::Recorded;
use crate::core::works_annex::Registry;
use crate::present::chart;

/// What one pass over a report's view gathers.
pub struct Folded<'s> {
    /// Balances of every plan year's lines (annex 02 adds up each work's earlier years).
    pub lines: Vec<LineBalance<'s>>,
    pub registry: Registry,
    /// The advances to recover, of every plan year.
    pub advances: Vec<AdvanceDue>,
    /// Each likely duplicate with the first record whose voucher it repeats, in log order.
    pub duplicates: Vec<(Recorded, Recorded)>,
    /// Per line of the plan year, its disbursed deltas per day from 1 January (for the HTML
    /// report's charts); `None` when not asked, or when the view has no curve.
    pub daily: Option<HashMap<&'s str, Vec<Decimal>>>,
}

/// One pass over the money events `view` counts in `log`, the lines from its `structure`
/// (`source::structure`); the charts' daily sums for `plan_year` only when `charts`.
pub fn fold<'s>(
    log: Log<'_>,
    structure: &'s [Recorded],
    view: View,
    plan_year: i32,
    charts: bool,
) -> Result<Folded<'s>, AppError> {
    let reversals = log.reversals(view.known_at);
    let mut balances = BalanceFold::new(structure, &reversals, view, None);
    let mut registry = Registry::default();
    let mut concerning: Vec<Recorded> = Vec::new();
    let known = usize::try_from(view.known_at).unwrap_or(usize::MAX);
    let mut duplicates = DuplicateFold::with_capacity(known.min(VOUCHERS_IN_MEMORY));
    if known > VOUCHERS_IN_MEMORY
        && let Some(file) = crate::storage::run_file::scratch("vouchers")
    {
        duplicates.set_aside(file, VOUCHERS_IN_MEMORY);
    }
    let span = charts
        .then(|| chart::span(view.as_of, plan_year).ok())
        .flatten();
    let mut daily = span.map(|(_, days)| year_lines(structure, view, plan_year, days));
    let parts = log.parts(view.known_at);
    source::each_counted(parts.as_ref(), view, &reversals, &mut |r| {
        if let (Some(daily), Some((start, _))) = (daily.as_mut(), span) {
            add_day(daily, &balances, r, start);
        }
        balances.add(r);
        registry.add(r);
        if advances::concerns(r) {
            concerning.push(r.clone());
        }
        duplicates.add(r);
    })
    .map_err(source::unreadable)?;
    let mut failed = None;
    let duplicates =
        duplicates.finish(&mut |seq| log.record(seq).map_err(|e| failed = Some(e)).ok());
    if let Some(e) = failed {
        return Err(e);
    }
    let duplicates = duplicates.map_err(|e| {
        source::unreadable(format!(
            "the vouchers set aside in a temporary file cannot be read back: {e}"
        ))
    })?;
    Ok(Folded {
        lines: balances.finish(),
        registry,
        // Only the records that move advances: the same list as from every record.
        advances: advances::advances_to_recover(&concerning, view),
        duplicates,
        daily,
    })
}

/// Vouchers the duplicate fold holds in memory (8 bytes each, 8 MB); a view that may count
/// more sets them aside in a temporary file, sorted, and merges them back at the end, so that
/// memory does not grow with the log (issue 17: 80 MB at 10M events).
const VOUCHERS_IN_MEMORY: usize = 1 << 20;

/// An empty day table for each line of `plan_year` the view knows.
fn year_lines(
    structure: &[Recorded],
    view: View,
    plan_year: i32,
    days: usize,
) -> HashMap<&str, Vec<Decimal>> {
    projection::known(structure, view.known_at)
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::OpenLine(spec) if spec.plan_year == plan_year => {
                Some((spec.line.as_str(), vec![Decimal::ZERO; days]))
            }
            _ => None,
        })
        .collect()
}

/// Adds a counted record's disbursements to its lines' days (`chart::progress`'s rule: a
/// payment effective before 1 January counts on the first day).
fn add_day(
    daily: &mut HashMap<&str, Vec<Decimal>>,
    balances: &BalanceFold<'_>,
    r: &Recorded,
    start: chrono::NaiveDate,
) {
    let day = usize::try_from((r.event.effective_date - start).num_days().max(0)).unwrap_or(0);
    for m in balances.movements(r) {
        if m.disbursed.is_zero() {
            continue;
        }
        if let Some(d) = daily.get_mut(m.line).and_then(|v| v.get_mut(day)) {
            *d += m.disbursed;
        }
    }
}
