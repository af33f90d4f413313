//! A line's trail planned in one pass over the records that may touch it, each looked at once
//! and let go: which records are its rows and in what order (effective date, then sequence),
//! the reversals that cancel them, the line's deadline. The rows are then made one at a time
//! from the records handed back in that order (`Trail::row`), with running totals. So a trail
//! read back from a file holds its rows' positions, not their records (issue 17: the busiest
//! line at 10M events has 41,758), and a trail of a log in memory is made the same way
//! (`projection::trail`).

use std::borrow::Borrow;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::core::event::{Kind, LineSpec};
use crate::core::projection::{TrailRow, classified};
use crate::core::rules::Recorded;
use crate::core::rules_budget::deadline_of;

/// What one pass over the known records gathers (`R`: how a reversal is kept, a reference to
/// a record in memory or a record of its own).
pub struct TrailPlan<R> {
    line: String,
    as_of: NaiveDate,
    spec: Option<LineSpec>,
    /// (effective date, sequence, position) of each row's record.
    rows: Vec<(NaiveDate, u64, usize)>,
    /// Reversed event id → the reversal that cancels it (the last, in log order).
    reversals: HashMap<Uuid, R>,
    /// The line's deadline settings in log order: (the setting's id, its deadline).
    settings: Vec<(Uuid, NaiveDate)>,
    /// The name the line was opened with, when its opening is a row: (date, sequence, name).
    shown_name: Option<(NaiveDate, u64, Option<String>)>,
}

impl<R: Borrow<Recorded>> TrailPlan<R> {
    /// The plan of `line`'s trail up to the effective date `as_of`.
    pub fn new(line: &str, as_of: NaiveDate) -> TrailPlan<R> {
        TrailPlan {
            line: line.to_string(),
            as_of,
            spec: None,
            rows: Vec::new(),
            reversals: HashMap::new(),
            settings: Vec::new(),
            shown_name: None,
        }
    }

    /// Notes the record at `position`; records come in log order, each known to the view.
    /// `keep` gives what the plan keeps of a reversal.
    pub fn note(&mut self, position: usize, r: &Recorded, keep: impl FnOnce() -> R) {
        let e = &r.event;
        match &e.kind {
            Kind::OpenLine(spec) if spec.line == self.line && self.spec.is_none() => {
                self.spec = Some((**spec).clone());
            }
            Kind::SetDeadline { line, deadline } if *line == self.line => {
                self.settings.push((e.id, *deadline));
            }
            Kind::Reverse { target, .. } => {
                self.reversals.insert(*target, keep());
            }
            _ => {}
        }
        if e.effective_date > self.as_of || !e.lines().contains(&self.line.as_str()) {
            return;
        }
        self.rows.push((e.effective_date, r.seq, position));
        if let Kind::OpenLine(spec) = &e.kind {
            let key = (e.effective_date, r.seq);
            if self
                .shown_name
                .as_ref()
                .is_none_or(|(d, s, _)| key < (*d, *s))
            {
                self.shown_name = Some((key.0, key.1, spec.name.clone()));
            }
        }
    }

    /// The rows' order and what making them needs; `None` when no record opened the line.
    pub fn finish(self) -> Option<Trail<R>> {
        let spec = self.spec?;
        let reversals = self.reversals;
        // The last setting not reversed (whatever its date: see `projection::deadlines`).
        let set = (self.settings.iter().rev())
            .find(|(id, _)| !reversals.contains_key(id))
            .map(|(_, d)| *d);
        let mut rows = self.rows;
        rows.sort_unstable_by_key(|(date, seq, _)| (*date, *seq));
        Some(Trail {
            deadline: deadline_of(&spec, set),
            line: self.line,
            order: rows.into_iter().map(|(_, _, at)| at).collect(),
            reversals,
            name: self.shown_name.and_then(|(_, _, name)| name),
            sums: (Decimal::ZERO, Decimal::ZERO),
        })
    }
}

/// A planned trail: its rows are made in order, once each, from their records.
pub struct Trail<R> {
    line: String,
    deadline: NaiveDate,
    /// The positions of the rows' records, in row order.
    order: Vec<usize>,
    reversals: HashMap<Uuid, R>,
    name: Option<String>,
    /// The running (plan, disbursed) after the last row made.
    sums: (Decimal, Decimal),
}

impl<R: Borrow<Recorded>> Trail<R> {
    /// The positions of the rows' records, in row order.
    pub fn positions(&self) -> Vec<usize> {
        self.order.clone()
    }

    /// The line's name, as the trail heads it (when its opening is one of the rows).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The next row, made from its record (the one at the next of `positions`).
    pub fn row<'r>(&'r mut self, record: &'r Recorded) -> TrailRow<'r> {
        let reversed_by = self.reversals.get(&record.event.id).map(Borrow::borrow);
        made_row(
            &self.line,
            self.deadline,
            &mut self.sums,
            record,
            reversed_by,
        )
    }
}

impl<'a> Trail<&'a Recorded> {
    /// Every row, from the records the plan was made of (held in memory).
    pub fn rows_of(mut self, records: &'a [Recorded]) -> Vec<TrailRow<'a>> {
        let mut out = Vec::with_capacity(self.order.len());
        for at in &self.order {
            let record = &records[*at];
            let reversed_by = self.reversals.get(&record.event.id).copied();
            out.push(made_row(
                &self.line,
                self.deadline,
                &mut self.sums,
                record,
                reversed_by,
            ));
        }
        out
    }
}

fn made_row<'r>(
    line: &str,
    deadline: NaiveDate,
    sums: &mut (Decimal, Decimal),
    record: &'r Recorded,
    reversed_by: Option<&'r Recorded>,
) -> TrailRow<'r> {
    let (mut dp, mut dd) = (Decimal::ZERO, Decimal::ZERO);
    // Carried out and lapsed show as the plan the line no longer has for use.
    for m in classified(record, |_| Some(deadline)) {
        if m.line == line {
            dp += m.plan - m.carried_out - m.lapsed;
            dd += m.disbursed;
        }
    }
    if reversed_by.is_none() {
        sums.0 += dp;
        sums.1 += dd;
    }
    TrailRow {
        record,
        plan_delta: dp,
        disbursed_delta: dd,
        reversed_by,
        plan: sums.0,
        disbursed: sums.1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::parse_line;

    fn rec(seq: u64, kind: &str, date: &str, rest: &str) -> Recorded {
        let line = format!(
            r#"{{"id":"00000000-0000-4000-8000-{seq:012}","type":"{kind}","effective_date":"{date}",{rest}}}"#
        );
        Recorded {
            seq,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            event: parse_line(&line).unwrap(),
            rules: crate::core::rule_data::CURRENT,
        }
    }

    fn log() -> Vec<Recorded> {
        let doc = |n: u64| format!(r#""document":{{"number":"QD-{n}","date":"2024-01-02"}}"#);
        let open = r#""line":"L","program":"DTTS","capital":"investment","source":"NSTW","plan_year":2024,"origin":"in_year","name":"dòng L""#;
        let money = |n: u64, amount: u32| format!(r#""line":"L","amount":"{amount}",{}"#, doc(n));
        let undo = |n: u64, target: u64| {
            format!(
                r#""target":"00000000-0000-4000-8000-{target:012}","reason":"nhầm",{}"#,
                doc(n)
            )
        };
        vec![
            rec(1, "open_line", "2024-01-02", open),
            rec(2, "allocate", "2024-01-10", &money(2, 1000)),
            rec(3, "disburse", "2024-03-01", &money(3, 300)),
            // Recorded later, effective earlier: its row comes first.
            rec(4, "disburse", "2024-02-01", &money(4, 100)),
            rec(5, "reverse", "2024-03-05", &undo(5, 3)),
            rec(
                6,
                "set_deadline",
                "2024-06-01",
                &format!(r#""line":"L","deadline":"2024-06-30",{}"#, doc(6)),
            ),
            // The setting reversed: the refund below is before the default deadline, so it
            // counts as a payment returned, not as budget revenue.
            rec(7, "reverse", "2024-06-02", &undo(7, 6)),
            rec(8, "refund", "2024-09-01", &money(8, 50)),
            rec(
                9,
                "allocate",
                "2024-01-10",
                &money(9, 7).replace(r#""line":"L""#, r#""line":"M""#),
            ),
        ]
    }

    fn planned<'a>(log: &'a [Recorded], as_of: &str) -> Option<Trail<&'a Recorded>> {
        let mut plan = TrailPlan::new("L", as_of.parse().unwrap());
        for (at, r) in log.iter().enumerate() {
            plan.note(at, r, || r);
        }
        plan.finish()
    }

    #[test]
    fn rows_come_by_date_with_running_totals_that_skip_what_is_reversed() {
        let log = log();
        let trail = planned(&log, "2025-12-31").unwrap();
        assert_eq!(trail.name(), Some("dòng L"));
        let rows = trail.rows_of(&log);
        let seen: Vec<_> = (rows.iter())
            .map(|r| {
                let by = r.reversed_by.map(|b| b.seq);
                let figures = [r.plan_delta, r.disbursed_delta, r.plan, r.disbursed];
                (r.record.seq, figures.map(|d| d.to_string()), by)
            })
            .collect();
        let f = |a: [&str; 4]| a.map(str::to_string);
        assert_eq!(
            seen,
            [
                (1, f(["0", "0", "0", "0"]), None),
                (2, f(["1000", "0", "1000", "0"]), None),
                (4, f(["0", "100", "1000", "100"]), None),
                (3, f(["0", "300", "1000", "100"]), Some(5)),
                (6, f(["0", "0", "1000", "100"]), Some(7)),
                (8, f(["0", "-50", "1000", "50"]), None),
            ]
        );
    }

    #[test]
    fn rows_made_one_at_a_time_from_records_handed_back_are_the_same_rows() {
        let log = log();
        let mut owned: TrailPlan<Recorded> = TrailPlan::new("L", "2025-12-31".parse().unwrap());
        for (at, r) in log.iter().enumerate() {
            owned.note(at, r, || r.clone());
        }
        let mut owned = owned.finish().unwrap();
        let whole = planned(&log, "2025-12-31").unwrap().rows_of(&log);
        let positions = owned.positions();
        assert_eq!(positions.len(), whole.len());
        for (at, w) in positions.into_iter().zip(&whole) {
            let again = log[at].clone();
            let row = owned.row(&again);
            assert_eq!(row.record.seq, w.record.seq);
            assert_eq!((row.plan, row.disbursed), (w.plan, w.disbursed));
            assert_eq!(row.reversed_by.map(|r| r.seq), w.reversed_by.map(|r| r.seq));
        }
    }

    #[test]
    fn a_line_not_opened_has_no_trail_and_one_opened_later_than_the_date_no_name() {
        let log = log();
        let mut plan: TrailPlan<&Recorded> = TrailPlan::new("X", "2025-12-31".parse().unwrap());
        for (at, r) in log.iter().enumerate() {
            plan.note(at, r, || r);
        }
        assert!(plan.finish().is_none());
        let early = planned(&log, "2024-01-01").unwrap();
        assert_eq!(early.name(), None);
        assert!(early.rows_of(&log).is_empty());
    }
}
