//! The budget-year rules (rules version 2, see `rule_data`): deadlines, year-end events and
//! the checks that keep a closed year closed. Part of `rules::State`; kept apart so that the
//! rules of version 1 read as they were.
//!
//! A line's deadline is the one set by its last non-reversed `set_deadline`, or the default of
//! the rule data. A refund accepted under version 2 and dated after the deadline is budget
//! revenue (`recovered`), not a lower `disbursed`. That classification must never change once
//! made (the day-end checks and every view rely on it), so a deadline change (or the reversal
//! of one) that would move a recorded refund across the deadline is refused.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::core::event::{Event, Kind, LineSpec, Movement};
use crate::core::rejection::{Code, Detail, Rejection};
use crate::core::rule_data::{self, RulesVersion};
use crate::core::rules::{Recorded, State};

/// What the budget-year checks need to know of a line beyond its balances.
#[derive(Debug, Default)]
pub struct LineYear {
    /// The default deadline of the line's origin and plan year (rule data), computed once.
    pub(super) default_deadline: Option<NaiveDate>,
    /// Non-reversed `set_deadline`s, in sequence order: (sequence, deadline).
    deadlines: Vec<(u64, NaiveDate)>,
    /// Non-reversed disbursements: how many on each effective date.
    payments: BTreeMap<NaiveDate, u32>,
    /// Non-reversed refunds accepted under version 2: how many on each effective date.
    refunds: BTreeMap<NaiveDate, u32>,
}

impl LineYear {
    /// A line with no budget-year facts yet.
    pub(super) fn new(spec: &LineSpec) -> LineYear {
        LineYear {
            default_deadline: Some(rule_data::default_deadline(spec.origin, spec.plan_year)),
            ..LineYear::default()
        }
    }

    /// The line's deadline: its last non-reversed setting, or the default.
    fn deadline(&self, spec: &LineSpec) -> NaiveDate {
        match (self.deadlines.last(), self.default_deadline) {
            (Some(&(_, d)), _) | (None, Some(d)) => d,
            (None, None) => deadline_of(spec, None),
        }
    }
}

fn count(map: &mut BTreeMap<NaiveDate, u32>, date: NaiveDate, sign: i32) {
    let n = map.entry(date).or_default();
    *n = n.saturating_add_signed(sign);
    if *n == 0 {
        map.remove(&date);
    }
}

/// The deadline of `spec` given its non-reversed deadline settings, last one winning.
pub fn deadline_of(spec: &LineSpec, set: Option<NaiveDate>) -> NaiveDate {
    set.unwrap_or_else(|| rule_data::default_deadline(spec.origin, spec.plan_year))
}

/// What a recorded event tells the budget-year checks about its line.
#[derive(Clone, Copy)]
enum Fact {
    /// A disbursement on this date.
    Payment(NaiveDate),
    /// A refund accepted under rules that know the budget year, on this date.
    Refund(NaiveDate),
    /// A deadline set by the event of this sequence.
    Deadline(u64, NaiveDate),
}

fn fact_of(r: &Recorded) -> Option<(&str, Fact)> {
    let date = r.event.effective_date;
    match &r.event.kind {
        Kind::Disburse { line, .. } | Kind::Advance { line, .. } => {
            Some((line, Fact::Payment(date)))
        }
        Kind::Refund { line, .. } if rule_data::knows_budget_year(r.rules) => {
            Some((line, Fact::Refund(date)))
        }
        Kind::SetDeadline { line, deadline } => Some((line, Fact::Deadline(r.seq, *deadline))),
        _ => None,
    }
}

fn reject(code: Code, facts: Detail, message: String) -> Result<(), Rejection> {
    Err(Rejection::new(code, facts, message))
}

/// Refuses (`too_early`) a year-end event on `line` dated before its plan year has ended;
/// `why` words the English, given the first day it may be dated.
fn after_year_end(
    line: &str,
    plan_year: i32,
    date: NaiveDate,
    why: impl Fn(NaiveDate) -> String,
) -> Result<(), Rejection> {
    let opens = rule_data::first_of_year(plan_year.saturating_add(1));
    if date < opens {
        return reject(Code::TooEarly, dated(line, date, opens), why(opens));
    }
    Ok(())
}

/// An event's date on a line and the date bound of the rule it crosses.
fn dated(line: &str, date: NaiveDate, bound: NaiveDate) -> Detail {
    Detail::Dated {
        line: line.to_string(),
        date,
        bound,
    }
}

/// The two lines of a transfer or carry-over and what each holds (`holds`).
fn between(a: &LineSpec, b: &LineSpec, holds: impl Fn(&LineSpec) -> String) -> Detail {
    Detail::Between {
        from: a.line.clone(),
        from_holds: holds(a),
        to: b.line.clone(),
        to_holds: holds(b),
    }
}

impl State {
    /// Whether any line of plan year `year` is open.
    pub fn plans_year(&self, year: i32) -> bool {
        self.lines.values().any(|l| l.spec.plan_year == year)
    }

    /// The current deadline of an open line (`None` for an unknown line).
    pub fn deadline(&self, line: &str) -> Option<NaiveDate> {
        self.lines.get(line).map(|l| l.year.deadline(&l.spec))
    }

    /// The movements of `event` as accepted under `version`, a refund after its line's
    /// deadline moved from `disbursed` to `recovered` (version 2 on).
    pub(super) fn classified<'e>(
        &self,
        event: &'e Event,
        version: RulesVersion,
    ) -> [Option<Movement<'e>>; 2] {
        let mut moves = event.movement_slots();
        if let Kind::Refund { line, .. } = &event.kind
            && rule_data::knows_budget_year(version)
            && self
                .deadline(line)
                .is_some_and(|d| event.effective_date > d)
        {
            for m in moves.iter_mut().flatten() {
                m.recovered = -m.disbursed;
                m.disbursed = rust_decimal::Decimal::ZERO;
                m.completed = rust_decimal::Decimal::ZERO;
            }
        }
        moves
    }

    /// `classified` for readers outside the rules (the index): the movements of a recorded
    /// event as the rules counted them. Valid for any event of the state, since a refund's
    /// class never changes once it is accepted.
    pub fn classified_movements<'e>(
        &self,
        event: &'e Event,
        version: RulesVersion,
    ) -> [Option<Movement<'e>>; 2] {
        self.classified(event, version)
    }

    /// Keeps the facts of `LineYear` as `recorded` is applied (`sign` 1) or rolled back (-1).
    /// Runs once per event at open: borrows the event, and copies a line code only for a
    /// reversal (rare), whose target lives in the state it updates.
    pub(super) fn note_year_facts(&mut self, recorded: &Recorded, sign: i32) {
        let (line, fact, sign): (std::borrow::Cow<'_, str>, Fact, i32) = match &recorded.event.kind
        {
            Kind::Reverse { target, .. } => {
                let Some(t) = self.seq_of(target).and_then(|s| self.record(s)) else {
                    return;
                };
                let Some((line, fact)) = fact_of(&t) else {
                    return;
                };
                (line.to_string().into(), fact, -sign)
            }
            _ => match fact_of(recorded) {
                Some((line, fact)) => (line.into(), fact, sign),
                None => return,
            },
        };
        let Some(l) = self.lines.get_mut(line.as_ref()) else {
            return;
        };
        match fact {
            Fact::Payment(date) => count(&mut l.year.payments, date, sign),
            Fact::Refund(date) => count(&mut l.year.refunds, date, sign),
            Fact::Deadline(seq, deadline) => {
                let list = &mut l.year.deadlines;
                list.retain(|&(s, _)| s != seq);
                if sign > 0 {
                    let at = list.partition_point(|&(s, _)| s < seq);
                    list.insert(at, (seq, deadline));
                }
            }
        }
    }

    /// The checks of rules version 2, after the checks every version makes.
    pub(super) fn check_budget_year(&self, event: &Event) -> Result<(), Rejection> {
        let date = event.effective_date;
        match &event.kind {
            Kind::Disburse { line, .. } | Kind::Advance { line, .. } => {
                self.check_payment(line, date)
            }
            Kind::Lapse { line, .. } => {
                let year = self.known_line(line)?.plan_year;
                after_year_end(line, year, date, |opens| {
                    format!(
                        "lapse on line {line:?} (plan year {year}) is dated {date}: unspent plan lapses at or after the year's end, from {opens}"
                    )
                })
            }
            Kind::SetDeadline { line, deadline } => self.check_deadline_change(line, *deadline),
            Kind::CarryOver { from, to, .. } => self.check_carry_over(from, to, date),
            Kind::Transfer { from, to, .. } => self.check_transfer(from, to, date),
            Kind::Reverse { target, .. } => self.check_reversed_deadline(target),
            _ => Ok(()),
        }
    }

    fn check_payment(&self, line: &str, date: NaiveDate) -> Result<(), Rejection> {
        let Some(l) = self.lines.get(line) else {
            return self.known_line(line).map(|_| ());
        };
        let spec = &l.spec;
        let opens = rule_data::first_of_year(spec.plan_year);
        if date < opens {
            let why = format!(
                "payment on line {line:?} is dated {date}, before its plan year {} opens on {opens}",
                spec.plan_year
            );
            return reject(Code::BeforePlanYear, dated(line, date, opens), why);
        }
        let deadline = l.year.deadline(spec);
        if date > deadline {
            let why = format!(
                "payment on line {line:?} is dated {date}, after the line's deadline {deadline}"
            );
            return reject(Code::PastDeadline, dated(line, date, deadline), why);
        }
        Ok(())
    }

    fn check_same_money(
        &self,
        kind: &str,
        a: &LineSpec,
        b: &LineSpec,
        with_project: bool,
    ) -> Result<(), Rejection> {
        let same_program = a.program == b.program
            && (!with_project || (a.project == b.project && a.subproject == b.subproject));
        if !same_program {
            return reject(
                Code::ProgramMismatch,
                between(a, b, |l| match (&l.project, &l.subproject) {
                    (Some(p), Some(sp)) => format!("{} / {p} / {sp}", l.program),
                    (Some(p), None) => format!("{} / {p}", l.program),
                    _ => l.program.clone(),
                }),
                format!(
                    "{kind} from line {:?} (program {}, project {}) to line {:?} (program {}, project {}): the money keeps its program{}; between programs record a reduce and an allocate, each citing its decision",
                    a.line,
                    a.program,
                    a.project.as_deref().unwrap_or("-"),
                    b.line,
                    b.program,
                    b.project.as_deref().unwrap_or("-"),
                    if with_project {
                        ", project and sub-project"
                    } else {
                        ""
                    }
                ),
            );
        }
        if a.source != b.source {
            return reject(
                Code::SourceMismatch,
                between(a, b, |l| l.source.clone()),
                format!(
                    "{kind} from line {:?} (source {}) to line {:?} (source {}): the money keeps its source",
                    a.line, a.source, b.line, b.source
                ),
            );
        }
        Ok(())
    }

    fn check_carry_over(&self, from: &str, to: &str, date: NaiveDate) -> Result<(), Rejection> {
        let (a, b) = (self.known_line(from)?, self.known_line(to)?);
        self.check_same_money("carry_over", a, b, true)?;
        let year = a.plan_year;
        after_year_end(from, year, date, |opens| {
            format!(
                "carry_over from line {from:?} (plan year {year}) is dated {date}: a carry-over is decided after the year ends, from {opens}"
            )
        })?;
        let deadline = self.deadline(from).unwrap_or(NaiveDate::MAX);
        let until = rule_data::carry_over_until(deadline);
        if date > until {
            let why = format!(
                "carry_over from line {from:?} is dated {date}, after {until} (the line's deadline {deadline} + {} days)",
                rule_data::CARRY_OVER_GRACE_DAYS
            );
            return reject(Code::PastDeadline, dated(from, date, until), why);
        }
        Ok(())
    }

    fn check_transfer(&self, from: &str, to: &str, date: NaiveDate) -> Result<(), Rejection> {
        let (a, b) = (self.known_line(from)?, self.known_line(to)?);
        self.check_same_money("transfer", a, b, false)?;
        if a.origin != b.origin {
            return reject(
                Code::OriginMismatch,
                between(a, b, |l| l.origin.as_str().to_string()),
                format!(
                    "transfer from line {from:?} ({}) to line {to:?} ({}): plan moves only between lines of the same origin",
                    a.origin.as_str(),
                    b.origin.as_str()
                ),
            );
        }
        for line in [from, to] {
            let deadline = self.deadline(line).unwrap_or(NaiveDate::MAX);
            if date > deadline {
                let why = format!(
                    "transfer dated {date} touches line {line:?}, whose deadline was {deadline}"
                );
                return reject(Code::PastDeadline, dated(line, date, deadline), why);
            }
        }
        Ok(())
    }

    /// A new deadline may not leave a counted payment after it, nor move a recorded refund
    /// across the deadline (its classification is fixed when it is accepted).
    fn check_deadline_change(&self, line: &str, new: NaiveDate) -> Result<(), Rejection> {
        let Some(l) = self.lines.get(line) else {
            return Ok(());
        };
        if let Some((&last, _)) = l.year.payments.last_key_value()
            && last > new
        {
            let why = format!(
                "deadline {new} for line {line:?} would leave its disbursement of {last} after the deadline"
            );
            return reject(Code::PastDeadline, dated(line, last, new), why);
        }
        let old = self.deadline(line).unwrap_or(new);
        let (low, high) = (old.min(new), old.max(new));
        let crossed = l
            .year
            .refunds
            .range(low..=high)
            .map(|(&d, _)| d)
            .find(|&d| d > low);
        if let Some(refund) = crossed {
            let why = format!(
                "deadline {new} for line {line:?} would move its refund of {refund} across the deadline {old} (a refund after the close is budget revenue, and stays so)"
            );
            return reject(Code::PastDeadline, dated(line, refund, new), why);
        }
        Ok(())
    }

    /// Reversing a `set_deadline` restores the deadline before it: the same checks apply.
    fn check_reversed_deadline(&self, target: &uuid::Uuid) -> Result<(), Rejection> {
        let Some(record) = self.seq_of(target).and_then(|s| self.record(s)) else {
            return Ok(());
        };
        let Kind::SetDeadline { line, .. } = &record.event.kind else {
            return Ok(());
        };
        let Some(l) = self.lines.get(line) else {
            return Ok(());
        };
        let restored = l
            .year
            .deadlines
            .iter()
            .filter(|&&(s, _)| s != record.seq)
            .map(|&(_, d)| d)
            .next_back();
        self.check_deadline_change(line, deadline_of(&l.spec, restored))
    }
}
