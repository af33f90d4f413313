//! Validation of candidate events against everything already recorded. Pure: no I/O, no clock.
//!
//! `State` holds the recorded events plus the indexes the rules need (ids, lines, reversals,
//! per-line day-end deltas as currently known). `check` decides without changing anything;
//! `apply` records an event that passed `check`; `rollback` undoes applies of a failed batch.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::event::{Event, Kind, LineSpec, Origin};
use crate::rejection::{Code, Rejection};

/// An event as the log holds it: its sequence number and when it was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub seq: u64,
    pub recorded_at: DateTime<Utc>,
    pub event: Event,
}

/// What `check` decided about an acceptable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not seen before: append it.
    New,
    /// The same id with identical content is already recorded at this sequence: a no-op.
    AlreadyPresent(u64),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Day {
    plan: Decimal,
    disbursed: Decimal,
}

/// One signed change to one line on one day.
#[derive(Clone, Debug)]
struct Delta {
    line: String,
    date: NaiveDate,
    plan: Decimal,
    disbursed: Decimal,
}

#[derive(Default)]
pub struct State {
    records: Vec<Recorded>,
    by_id: HashMap<Uuid, u64>,
    lines: HashMap<String, LineSpec>,
    reversed_by: HashMap<u64, u64>,
    /// Net non-reversed movements per line per effective date, as currently known.
    days: HashMap<String, BTreeMap<NaiveDate, Day>>,
    /// Per line, the sum of `days`: the balance after its last day, so that checking an event
    /// walks back only over the days after it (usually none) instead of the whole history.
    totals: HashMap<String, Day>,
}

impl State {
    pub fn new() -> State {
        State::default()
    }

    pub fn records(&self) -> &[Recorded] {
        &self.records
    }

    /// Makes room for `n` more records (a full open knows the log's length from HEAD).
    pub fn reserve(&mut self, n: usize) {
        self.records.reserve(n);
        self.by_id.reserve(n);
    }

    pub fn head_seq(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn line(&self, code: &str) -> Option<&LineSpec> {
        self.lines.get(code)
    }

    pub fn record(&self, seq: u64) -> Option<&Recorded> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.records.get(index)
    }

    pub fn seq_of(&self, id: &Uuid) -> Option<u64> {
        self.by_id.get(id).copied()
    }

    /// Decides whether `event` may be appended after everything recorded so far.
    pub fn check(&self, event: &Event) -> Result<Verdict, Rejection> {
        if let Some(seq) = self.seq_of(&event.id) {
            let known = self.record(seq).map(|r| &r.event);
            return if known == Some(event) {
                Ok(Verdict::AlreadyPresent(seq))
            } else {
                Err(Rejection::new(
                    Code::IdConflict,
                    format!(
                        "id {} is already recorded at sequence {seq} with different content",
                        event.id
                    ),
                ))
            };
        }
        match &event.kind {
            Kind::OpenLine(spec) => {
                if self.lines.contains_key(&spec.line) {
                    return Err(Rejection::new(
                        Code::LineExists,
                        format!("line {:?} is already open", spec.line),
                    ));
                }
            }
            Kind::Allocate { line, .. }
            | Kind::Reduce { line, .. }
            | Kind::Disburse { line, .. }
            | Kind::Refund { line, .. } => {
                self.known_line(line)?;
            }
            Kind::Transfer { from, to, .. } | Kind::CarryOver { from, to, .. } => {
                self.check_pair(event, from, to)?;
            }
            Kind::Reverse { target, .. } => {
                self.check_reversal(target)?;
            }
        }
        let deltas = self.deltas(event);
        self.check_day_ends(&deltas)?;
        Ok(Verdict::New)
    }

    fn known_line(&self, code: &str) -> Result<&LineSpec, Rejection> {
        self.lines.get(code).ok_or_else(|| {
            Rejection::new(
                Code::UnknownLine,
                format!("line {code:?} has not been opened"),
            )
        })
    }

    fn check_pair(&self, event: &Event, from: &str, to: &str) -> Result<(), Rejection> {
        let source = self.known_line(from)?;
        let target = self.known_line(to)?;
        if from == to {
            return Err(Rejection::new(
                Code::SameLine,
                format!(
                    "{} moves plan from line {from:?} to itself",
                    event.kind.type_name()
                ),
            ));
        }
        if source.capital != target.capital {
            return Err(Rejection::new(
                Code::CapitalMismatch,
                format!(
                    "line {from:?} holds {} capital but line {to:?} holds {}",
                    source.capital.as_str(),
                    target.capital.as_str()
                ),
            ));
        }
        let carry = matches!(event.kind, Kind::CarryOver { .. });
        let wanted_year = if carry {
            source.plan_year + 1
        } else {
            source.plan_year
        };
        if target.plan_year != wanted_year {
            return Err(Rejection::new(
                Code::YearMismatch,
                format!(
                    "{} from line {from:?} (plan year {}) must go to a line of plan year {wanted_year}, but {to:?} is of {}",
                    event.kind.type_name(),
                    source.plan_year,
                    target.plan_year
                ),
            ));
        }
        if carry && target.origin == Origin::InYear {
            return Err(Rejection::new(
                Code::OriginMismatch,
                format!(
                    "carry_over must go to a carried_over or extended line, but {to:?} is in_year"
                ),
            ));
        }
        Ok(())
    }

    fn check_reversal(&self, target: &Uuid) -> Result<(), Rejection> {
        let Some(seq) = self.seq_of(target) else {
            return Err(Rejection::new(
                Code::UnknownTarget,
                format!("no recorded event has id {target}"),
            ));
        };
        let kind = self.record(seq).map(|r| r.event.kind.type_name());
        if matches!(kind, Some("open_line") | Some("reverse")) {
            return Err(Rejection::new(
                Code::InvalidTarget,
                format!(
                    "event {target} (sequence {seq}) is an {} and cannot be reversed",
                    kind.unwrap_or("event")
                ),
            ));
        }
        if let Some(by) = self.reversed_by.get(&seq) {
            return Err(Rejection::new(
                Code::AlreadyReversed,
                format!("event {target} (sequence {seq}) was already reversed at sequence {by}"),
            ));
        }
        Ok(())
    }

    /// The day-end changes an event makes to the currently known balances.
    fn deltas(&self, event: &Event) -> Vec<Delta> {
        match &event.kind {
            Kind::Reverse { target, .. } => {
                let Some(record) = self.seq_of(target).and_then(|s| self.record(s)) else {
                    return Vec::new();
                };
                movements_as_deltas(&record.event, Decimal::NEGATIVE_ONE)
            }
            _ => movements_as_deltas(event, Decimal::ONE),
        }
    }

    /// Every line touched must end every day with available ≥ 0 and disbursed ≥ 0.
    fn check_day_ends(&self, deltas: &[Delta]) -> Result<(), Rejection> {
        let mut by_line: BTreeMap<&str, BTreeMap<NaiveDate, Day>> = BTreeMap::new();
        for d in deltas {
            let day = by_line
                .entry(d.line.as_str())
                .or_default()
                .entry(d.date)
                .or_default();
            day.plan += d.plan;
            day.disbursed += d.disbursed;
        }
        for (line, changes) in by_line {
            // Only a fall in available or in disbursed can break an invariant.
            let risky = changes
                .values()
                .any(|c| c.plan - c.disbursed < Decimal::ZERO || c.disbursed < Decimal::ZERO);
            if !risky {
                continue;
            }
            let empty = BTreeMap::new();
            let known = self.days.get(line).unwrap_or(&empty);
            let total = self.totals.get(line).copied().unwrap_or_default();
            if let Some((date, plan, disbursed)) = first_bad_day(known, total, &changes) {
                let (code, what) = if plan - disbursed < Decimal::ZERO {
                    (
                        Code::InsufficientFunds,
                        format!("available would be {}", plan - disbursed),
                    )
                } else {
                    (
                        Code::RefundExceedsDisbursed,
                        format!("disbursed would be {disbursed}"),
                    )
                };
                return Err(Rejection::new(
                    code,
                    format!(
                        "line {line:?} at the end of {date}: {what} đồng (plan {plan}, disbursed {disbursed})"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Records an event that `check` accepted as `Verdict::New`, as sequence `head_seq() + 1`.
    pub fn apply(&mut self, recorded: Recorded) {
        assert_eq!(recorded.seq, self.head_seq() + 1, "sequences have no gaps");
        assert!(
            !self.by_id.contains_key(&recorded.event.id),
            "apply is only called for new ids"
        );
        let deltas = self.deltas(&recorded.event);
        for d in deltas {
            // Keys are cloned only for a line's first movement (this runs for every event at open).
            if !self.days.contains_key(&d.line) {
                self.days.insert(d.line.clone(), BTreeMap::new());
                self.totals.insert(d.line.clone(), Day::default());
            }
            if let Some(days) = self.days.get_mut(&d.line) {
                let day = days.entry(d.date).or_default();
                day.plan += d.plan;
                day.disbursed += d.disbursed;
            }
            if let Some(total) = self.totals.get_mut(&d.line) {
                total.plan += d.plan;
                total.disbursed += d.disbursed;
            }
        }
        match &recorded.event.kind {
            Kind::OpenLine(spec) => {
                self.lines.insert(spec.line.clone(), spec.clone());
            }
            Kind::Reverse { target, .. } => {
                let target_seq = self.seq_of(target);
                assert!(
                    target_seq.is_some(),
                    "a checked reversal names a known event"
                );
                if let Some(t) = target_seq {
                    self.reversed_by.insert(t, recorded.seq);
                }
            }
            _ => {}
        }
        self.by_id.insert(recorded.event.id, recorded.seq);
        self.records.push(recorded);
    }

    /// Undoes `apply` for every record after `head`, newest first (a batch that failed).
    pub fn rollback(&mut self, head: u64) {
        while self.head_seq() > head {
            let Some(recorded) = self.records.pop() else {
                break;
            };
            self.by_id.remove(&recorded.event.id);
            match &recorded.event.kind {
                Kind::OpenLine(spec) => {
                    self.lines.remove(&spec.line);
                }
                Kind::Reverse { target, .. } => {
                    if let Some(t) = self.seq_of(target) {
                        self.reversed_by.remove(&t);
                    }
                }
                _ => {}
            }
            for d in self.deltas(&recorded.event) {
                if let Some(days) = self.days.get_mut(&d.line)
                    && let Some(day) = days.get_mut(&d.date)
                {
                    day.plan -= d.plan;
                    day.disbursed -= d.disbursed;
                }
                if let Some(total) = self.totals.get_mut(&d.line) {
                    total.plan -= d.plan;
                    total.disbursed -= d.disbursed;
                }
            }
        }
        assert_eq!(self.head_seq(), head);
    }

    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        self.reversed_by.get(&seq).copied()
    }
}

fn movements_as_deltas(event: &Event, sign: Decimal) -> Vec<Delta> {
    event
        .movements()
        .into_iter()
        .map(|m| Delta {
            line: m.line.to_string(),
            date: event.effective_date,
            plan: m.plan * sign,
            disbursed: m.disbursed * sign,
        })
        .collect()
}

/// Walks the known day-end deltas of a line merged with candidate changes, and returns the
/// first day whose cumulative balance breaks an invariant: (date, plan, disbursed).
///
/// Days before the earliest change keep their (valid) recorded balances, so only the days from
/// it on are walked, backwards from the line's current total: an event dated at or after the
/// line's last day costs O(1), a backdated one O(days after it).
fn first_bad_day(
    known: &BTreeMap<NaiveDate, Day>,
    known_total: Day,
    changes: &BTreeMap<NaiveDate, Day>,
) -> Option<(NaiveDate, Decimal, Decimal)> {
    let first = *changes.keys().next()?;
    let mut plan = known_total.plan;
    let mut disbursed = known_total.disbursed;
    for c in changes.values() {
        plan += c.plan;
        disbursed += c.disbursed;
    }
    let mut bad = None;
    let mut a = known.range(first..).rev().peekable();
    let mut b = changes.iter().rev().peekable();
    loop {
        // The latest date not yet walked; (plan, disbursed) is the balance at its end.
        let date = match (a.peek(), b.peek()) {
            (None, None) => return bad,
            (Some((da, _)), None) => **da,
            (None, Some((db, _))) => **db,
            (Some((da, _)), Some((db, _))) => (**da).max(**db),
        };
        if plan - disbursed < Decimal::ZERO || disbursed < Decimal::ZERO {
            bad = Some((date, plan, disbursed));
        }
        if let Some((_, day)) = a.next_if(|(d, _)| **d == date) {
            plan -= day.plan;
            disbursed -= day.disbursed;
        }
        if let Some((_, day)) = b.next_if(|(d, _)| **d == date) {
            plan -= day.plan;
            disbursed -= day.disbursed;
        }
    }
}
