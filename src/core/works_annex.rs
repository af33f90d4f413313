//! Phụ biểu 02 per work (issue 13): beside this year's plan and disbursement, each work's
//! approved total investment (TMĐT) and decision, what was allocated to it and paid on it in
//! the years before, the advances not yet recovered, the cumulative disbursement, what remains
//! to its total investment, and the contributions mobilised for it (beside the budget figures,
//! never inside them). Pure: built from the recorded events and the view's balances.
//!
//! A line names its work in `work`: the code of a registered work (`open_work`), or, for lines
//! of works never registered, a name; both are compared in normal form (NFC, trimmed), so one
//! work typed two ways is one work.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::core::advances;
use crate::core::annex::{Figures, RowKind};
use crate::core::event::{Capital, ContributionKind, Kind, Work};
use crate::core::projection::LineBalance;
use crate::core::rules::Recorded;
use crate::core::text;

/// Contributions mobilised for a work (huy động), by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Contributions {
    pub cash: Decimal,
    pub in_kind: Decimal,
    pub labour: Decimal,
}

impl Contributions {
    pub fn total(&self) -> Decimal {
        self.cash + self.in_kind + self.labour
    }
    fn add(&mut self, kind: ContributionKind, amount: Decimal) {
        match kind {
            ContributionKind::Cash => self.cash += amount,
            ContributionKind::InKind => self.in_kind += amount,
            ContributionKind::Labour => self.labour += amount,
        }
    }
    fn merge(&mut self, o: &Contributions) {
        self.cash += o.cash;
        self.in_kind += o.in_kind;
        self.labour += o.labour;
    }
}

/// The columns annex 02 adds to a row's plan and disbursement of this year (the row's `split`).
/// On a total or program row they are the sums of its works; `total_investment` sums only
/// registered works (`None` when the row has none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkColumns {
    /// The registered work (works rows only).
    pub info: Option<Work>,
    pub total_investment: Option<Decimal>,
    /// Allocations − withdrawals ± transfers on its lines of the plan years before this one
    /// (a carry-over moves money between years and is not counted again).
    pub allocated_before: Decimal,
    /// Disbursed on its lines of the plan years before this one.
    pub disbursed_before: Decimal,
    /// Allocations − withdrawals ± transfers on its lines of this plan year (carry-overs in
    /// excluded: they were allocated in their own year).
    pub allocated_this_year: Decimal,
    /// Advances paid on this year's lines and not yet recovered (part of `disbursed`).
    pub advance_outstanding: Decimal,
    pub contributions: Contributions,
}

impl WorkColumns {
    /// allocated_before + allocated_this_year: what the over_total_investment rule counts.
    pub fn cumulative_allocated(&self) -> Decimal {
        self.allocated_before + self.allocated_this_year
    }
    /// Total investment − cumulative allocation: what may still be allocated to the work.
    pub fn remaining(&self) -> Option<Decimal> {
        self.total_investment
            .map(|t| t - self.cumulative_allocated())
    }
    fn merge(&mut self, o: &WorkColumns) {
        self.total_investment = match (self.total_investment, o.total_investment) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
        };
        self.allocated_before += o.allocated_before;
        self.disbursed_before += o.disbursed_before;
        self.allocated_this_year += o.allocated_this_year;
        self.advance_outstanding += o.advance_outstanding;
        self.contributions.merge(&o.contributions);
    }
}

/// The work key of a line or event field: its normal form.
pub fn work_key(work: &str) -> String {
    text::normal_form(work).into_owned()
}

/// What the view knows of works, by work key, from one pass over the events it counts: the
/// registered works, the contributions to each, and per line code its allocations −
/// withdrawals ± transfers (carry-overs, lapses and payments left out).
#[derive(Default)]
pub struct Registry {
    pub works: HashMap<String, Work>,
    pub contributions: HashMap<String, Contributions>,
    pub allocated: HashMap<String, Decimal>,
}

impl Registry {
    /// Adds a record the view counts (see `projection::counted`), in log order.
    pub fn add(&mut self, r: &Recorded) {
        let map = &mut self.allocated;
        match &r.event.kind {
            Kind::Allocate { line, amount } => allocate(map, line, amount.value()),
            Kind::Reduce { line, amount } => allocate(map, line, -amount.value()),
            Kind::Transfer { from, to, amount } => {
                allocate(map, from, -amount.value());
                allocate(map, to, amount.value());
            }
            Kind::OpenWork(w) => {
                self.works.insert(work_key(&w.work), (**w).clone());
            }
            Kind::Contribute { work, amount, kind } => {
                let c = self.contributions.entry(work_key(work)).or_default();
                c.add(*kind, amount.value());
            }
            _ => {}
        }
    }
}

/// Adds `d` to a line's allocations (its code is copied once, at its first event).
fn allocate(map: &mut HashMap<String, Decimal>, line: &str, d: Decimal) {
    match map.get_mut(line) {
        Some(sum) => *sum += d,
        None => {
            map.insert(line.to_string(), d);
        }
    }
}

/// Fills the annex 02 columns of `figures` (built by `annex::build` from this view's lines of
/// its plan year) and its list of advances to recover (lines of its plan year or earlier):
/// `lines` are the view's balances of every plan year, `registry` its works (fed every record
/// it counts) and `advances` its advances to recover (`advances::advances_to_recover`).
pub fn complete(
    figures: &mut Figures,
    registry: &Registry,
    advances: Vec<advances::AdvanceDue>,
    lines: &[LineBalance<'_>],
) {
    let year = figures.plan_year;
    let allocated = &registry.allocated;
    let mut per_work: BTreeMap<String, WorkColumns> = BTreeMap::new();
    // Annex 02 is investment capital: recurrent lines never count for a work.
    let investment = lines
        .iter()
        .filter(|l| l.spec.capital == Capital::Investment && l.spec.plan_year <= year);
    for l in investment {
        let key = line_work_key(l);
        let c = per_work.entry(key).or_default();
        let alloc = allocated
            .get(l.spec.line.as_str())
            .copied()
            .unwrap_or_default();
        if l.spec.plan_year < year {
            c.allocated_before += alloc;
            c.disbursed_before += l.disbursed;
        } else {
            c.allocated_this_year += alloc;
            c.advance_outstanding += l.pay.advance_outstanding;
        }
    }
    for (key, c) in per_work.iter_mut() {
        if let Some(info) = registry.works.get(key) {
            c.total_investment = Some(info.total_investment.value());
            c.info = Some(info.clone());
        }
        if let Some(given) = registry.contributions.get(key) {
            c.contributions = *given;
        }
    }
    // Rows follow `annex::build`: works rows hold their work's columns; a program row sums its
    // works and the total row sums the programs.
    let mut program = WorkColumns::default();
    let mut total = WorkColumns::default();
    let mut program_at: Option<usize> = None;
    for i in 0..figures.annex02.len() {
        let row = &figures.annex02[i];
        match row.kind {
            RowKind::Program => {
                if let Some(at) = program_at {
                    figures.annex02[at].work = Some(std::mem::take(&mut program));
                }
                program_at = Some(i);
            }
            RowKind::Works => {
                let key = row.works.as_deref().map(work_key).unwrap_or_default();
                let c = per_work.get(&key).cloned().unwrap_or_default();
                program.merge(&c);
                total.merge(&c);
                figures.annex02[i].work = Some(c);
            }
            _ => {}
        }
    }
    if let Some(at) = program_at {
        figures.annex02[at].work = Some(program);
    }
    if let Some(first) = figures.annex02.first_mut() {
        first.work = Some(total);
    }
    let year_of: HashMap<&str, i32> = lines
        .iter()
        .map(|l| (l.spec.line.as_str(), l.spec.plan_year))
        .collect();
    figures.advances = advances
        .into_iter()
        .filter(|a| year_of.get(a.line.as_str()).is_some_and(|y| *y <= year))
        .collect();
}

/// The work a line funds (its line code when it names none), as annex 02 groups it.
fn line_work_key(l: &LineBalance<'_>) -> String {
    work_key(l.spec.work.as_deref().unwrap_or(&l.spec.line))
}
