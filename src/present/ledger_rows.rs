//! The log as rows that a spreadsheet or a SQL engine sums: one row per event and line it
//! moves (a transfer or carry-over has two, one per line, each naming the other), and one row
//! for an event that moves no money (a line opened, a deadline set, a reversal, a work, a
//! contribution), with every delta 0. The CSV export and the Parquet events table are both
//! written from these rows, so they say the same thing.
//!
//! Each row carries the signed change it makes to each figure of its line (`plan_delta`,
//! `disbursed_delta`, … as `socai balance` names the figures) and `reversed_by`, the sequence of
//! the reversal that cancels the event (a reversal cancels its target for every date, and
//! is itself a row with no delta). Hence, per line, the balance as of D known at K is the sum
//! of the deltas over rows with `seq <= K`, `effective_date <= D` and `reversed_by` empty or
//! `> K` (with K the export's own knowledge point: `reversed_by` empty). A refund after its
//! line's deadline counts in `recovered_after_close_delta`, not `disbursed_delta`, as in the
//! views. Pure: reads recorded events in parts, keeps nothing but maps over the lines and
//! reversals.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::core::event::{Kind, LineSpec, Movement};
use crate::core::projection;
use crate::core::revision;
use crate::core::rules::Recorded;
use crate::present::event_text;
use crate::present::export_survey::Parts;
use crate::present::export_survey::{ReversalIndex, Survey};

/// The figures a row changes, by the names `balance --json` gives them plus `_delta`, in the
/// order of [`deltas`].
pub const DELTA_COLUMNS: [&str; 9] = [
    "plan_delta",
    "disbursed_delta",
    "carried_out_delta",
    "lapsed_delta",
    "recovered_after_close_delta",
    "completed_delta",
    "advance_outstanding_delta",
    "committed_delta",
    "commitment_outstanding_delta",
];

/// A movement's changes, in the order of [`DELTA_COLUMNS`].
pub fn deltas(m: &Movement<'_>) -> [Decimal; 9] {
    [
        m.plan,
        m.disbursed,
        m.carried_out,
        m.lapsed,
        m.recovered,
        m.completed,
        m.advance_outstanding,
        m.committed,
        m.commitment_outstanding,
    ]
}

/// What the rows of an export up to a knowledge point need to know about the whole log
/// (gathered by `export_survey`: no records, only maps over the lines and reversals).
pub struct Ledger<'a> {
    /// Which sequences are reversed, and by which.
    reversed: ReversalIndex<'a>,
    /// Every line's deadline, as known at the knowledge point.
    deadlines: HashMap<String, NaiveDate>,
    /// Every line opened, in log order, with the sequence that opened it.
    lines: Vec<(LineSpec, u64)>,
    /// Line code → its index in `lines`.
    specs: HashMap<String, usize>,
}

/// One row: an event and one line it moves (or none).
pub struct Row<'a> {
    pub record: &'a Recorded,
    /// The line moved; `None` for a reversal, a work or a contribution.
    pub line: Option<&'a str>,
    /// The other line of a transfer or carry-over.
    pub counterpart: Option<&'a str>,
    /// The line's declaration (for the CSV's plan columns).
    pub spec: Option<&'a LineSpec>,
    /// The event's own amount as recorded (positive; a work's total investment). Never sum
    /// it: the deltas say what it does to each figure of the line.
    pub amount: Option<Decimal>,
    pub deltas: [Decimal; 9],
    /// The event a reversal cancels.
    pub reverses: Option<Uuid>,
    /// The sequence of the reversal that cancels this event.
    pub reversed_by: Option<u64>,
}

impl<'s> Ledger<'s> {
    /// The rows' context for the records of `log` (read once here; see `export_survey`).
    pub fn new(log: &'s dyn Parts) -> std::io::Result<Ledger<'s>> {
        let survey = Survey::of(log)?;
        let deadlines = survey.deadlines();
        let lines: Vec<(LineSpec, u64)> = survey
            .structure
            .into_iter()
            .filter_map(|r| match r.event.kind {
                Kind::OpenLine(spec) => Some((*spec, r.seq)),
                _ => None,
            })
            .collect();
        let specs = lines
            .iter()
            .enumerate()
            .map(|(i, (spec, _))| (spec.line.clone(), i))
            .collect();
        Ok(Ledger {
            reversed: survey.reversals,
            deadlines,
            lines,
            specs,
        })
    }

    /// Every line opened, in log order, with the sequence that opened it and its deadline.
    pub fn lines(&self) -> impl Iterator<Item = (&LineSpec, u64, Option<NaiveDate>)> + '_ {
        self.lines
            .iter()
            .map(|(spec, seq)| (spec, *seq, self.deadlines.get(&spec.line).copied()))
    }

    /// The rows of one record: one per line it moves, or one with no movement.
    pub fn rows<'a>(&'a self, r: &'a Recorded) -> Vec<Row<'a>> {
        let e = &r.event;
        let base = |line: Option<&'a str>, deltas: [Decimal; 9]| Row {
            record: r,
            line,
            counterpart: line.and_then(|l| event_text::other_line(e, l).map(|(_, other)| other)),
            spec: line.and_then(|l| self.specs.get(l).map(|&i| &self.lines[i].0)),
            amount: revision::event_amount(&e.kind),
            deltas,
            reverses: match &e.kind {
                Kind::Reverse { target, .. } => Some(*target),
                _ => None,
            },
            reversed_by: self.reversed.reversed_by(r.seq),
        };
        let moves = projection::movements_of(r, &self.deadlines);
        if moves.is_empty() {
            let line = match &e.kind {
                Kind::OpenLine(spec) => Some(spec.line.as_str()),
                Kind::SetDeadline { line, .. } => Some(line.as_str()),
                _ => None,
            };
            return vec![base(line, [Decimal::ZERO; 9])];
        }
        moves
            .iter()
            .map(|m| base(Some(m.line), deltas(m)))
            .collect()
    }
}
