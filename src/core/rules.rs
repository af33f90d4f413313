//! Validation of candidate events against everything already recorded. Pure: no I/O, no clock.
//!
//! `State` holds the recorded events plus the indexes the rules need (ids, lines, reversals,
//! per-line day-end deltas as currently known). `check` decides without changing anything;
//! `apply` records an event that passed `check`; `rollback` undoes applies of a failed batch.
//! What `State` holds of the records and ids, and how they are read back, is `rules_held`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::core::event::{Event, Kind, LineSpec, Movement, Origin};
use crate::core::rejection::{Code, Detail, InputFault, Rejection};
use crate::core::rule_data::{self, RulesVersion};
use crate::core::text;

/// An event as the log holds it: its sequence number, when it was recorded, and the version
/// of the rules that accepted it (and that re-checks it on every open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub seq: u64,
    pub recorded_at: DateTime<Utc>,
    pub event: Event,
    pub rules: RulesVersion,
}

/// What `check` decided about an acceptable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not seen before: append it.
    New,
    /// The same id with identical content is already recorded at this sequence: a no-op.
    AlreadyPresent(u64),
}

/// A line's money as the day-end checks see it: `plan` net of what was carried out and what
/// lapsed, `disbursed` net of refunds that count, the advances outstanding and the unpaid
/// commitments (so `plan - disbursed - commitment` is `available`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Day {
    plan: Decimal,
    disbursed: Decimal,
    advance: Decimal,
    commitment: Decimal,
}

impl Day {
    fn of(m: &Movement<'_>) -> Day {
        Day {
            plan: m.plan - m.carried_out - m.lapsed,
            disbursed: m.disbursed,
            advance: m.advance_outstanding,
            commitment: m.commitment_outstanding,
        }
    }

    /// Adds `other` (`sign` 1) or takes it off (-1).
    fn add(&mut self, other: Day, sign: i32) {
        let s = Decimal::from(sign);
        self.plan += s * other.plan;
        self.disbursed += s * other.disbursed;
        self.advance += s * other.advance;
        self.commitment += s * other.commitment;
    }

    fn available(&self) -> Decimal {
        self.plan - self.disbursed - self.commitment
    }

    /// Whether the balance breaks an invariant: every figure a line ends a day with is ≥ 0.
    fn broken(&self) -> bool {
        self.available() < Decimal::ZERO
            || self.disbursed < Decimal::ZERO
            || self.advance < Decimal::ZERO
            || self.commitment < Decimal::ZERO
    }
}

/// The signed changes an event makes to the day-end balances: every change falls on one
/// day (the event's effective date, or its target's for a reversal), on at most two lines.
/// Borrowed from the events, so computing them allocates nothing (it runs twice per event).
struct Deltas<'a> {
    date: NaiveDate,
    moves: [Option<Movement<'a>>; 2],
}

/// The maps of the state hash with foldhash (randomly seeded, so still resistant to chosen
/// keys; several times faster than the default SipHash on the 16-byte ids and short line
/// codes that a full open hashes a few times per event).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// An open line: its spec and its net non-reversed movements per effective date.
pub(super) struct Line {
    pub(super) spec: LineSpec,
    /// Net movements per effective date, as currently known.
    days: BTreeMap<NaiveDate, Day>,
    /// The sum of `days`: the balance after its last day, so that checking an event walks
    /// back only over the days after it (usually none) instead of the whole history.
    total: Day,
    /// The budget year's facts the rules of version 2 need (see `rules_budget`).
    pub(super) year: crate::core::rules_budget::LineYear,
}

#[derive(Default)]
pub struct State {
    /// The records in memory (every one, unless `release` let go of the durable ones).
    pub(super) records: crate::core::held::Held,
    pub(super) by_id: crate::core::id_map::IdMap,
    pub(super) lines: Map<String, Line>,
    reversed_by: Map<u64, u64>,
    /// Contracts registered by `commit` and what was paid under them (see `rules_pay`).
    pub(super) contracts: crate::core::rules_pay::Contracts,
    /// Registered works and every work's cumulative allocation (see `rules_works`).
    pub(super) works: crate::core::rules_works::Works,
    /// The register of documents (see `facts`).
    facts: crate::core::facts::Facts,
    /// Stored events accepted by an earlier rules version that the current rules would refuse
    /// (sequence, why): reported by `verify`, never dropped (the log is forever).
    legacy_refusals: Vec<(u64, Rejection)>,
}

impl State {
    pub fn new() -> State {
        State::default()
    }

    pub fn line(&self, code: &str) -> Option<&LineSpec> {
        self.lines.get(code).map(|l| &l.spec)
    }

    /// Decides whether `event` may be appended after everything recorded so far, under the
    /// current rules.
    pub fn check(&self, event: &Event) -> Result<Verdict, Rejection> {
        self.check_with(event, rule_data::CURRENT)
    }

    /// Decides as `check`, under the rules of `version` (a stored event is re-checked with
    /// the version that accepted it).
    pub fn check_with(&self, event: &Event, version: RulesVersion) -> Result<Verdict, Rejection> {
        if version == 0 || version > rule_data::CURRENT {
            return Err(Rejection::new(
                Code::Malformed,
                Detail::Input(InputFault::RulesVersion {
                    version: u32::from(version),
                    known: u32::from(rule_data::CURRENT),
                }),
                format!(
                    "rules version {version} is unknown (this socai knows 1 to {})",
                    rule_data::CURRENT
                ),
            ));
        }
        if let Some(seq) = self.seq_of(&event.id) {
            let Some(known) = self.record(seq) else {
                return Err(unreadable(&event.id, seq));
            };
            let known = &known.event;
            // A stored event may predate text normalisation (NFD, a trailing space): the same
            // event sent again today parses normalised, and is still the same event.
            let same = known == event || text::normalized(known) == *event;
            return if same {
                Ok(Verdict::AlreadyPresent(seq))
            } else {
                Err(event_rejection(
                    Code::IdConflict,
                    format!(
                        "id {} is already recorded at sequence {seq} with different content",
                        event.id
                    ),
                    (&event.id, Some(seq), None),
                ))
            };
        }
        if !rule_data::knows_kind(version, &event.kind) {
            return Err(Rejection::new(
                Code::UnknownType,
                Detail::Type {
                    found: event.kind.type_name().to_string(),
                    rules_version: Some(u32::from(version)),
                },
                format!(
                    "this {} event is not one rules version {version} knows",
                    event.kind.type_name()
                ),
            ));
        }
        match &event.kind {
            Kind::OpenLine(spec) => {
                if self.lines.contains_key(&spec.line) {
                    return Err(Rejection::new(
                        Code::LineExists,
                        Detail::Line {
                            line: spec.line.clone(),
                        },
                        format!("line {:?} is already open", spec.line),
                    ));
                }
            }
            Kind::Allocate { line, .. }
            | Kind::Reduce { line, .. }
            | Kind::Disburse { line, .. }
            | Kind::Refund { line, .. }
            | Kind::Lapse { line, .. }
            | Kind::SetDeadline { line, .. }
            | Kind::Advance { line, .. }
            | Kind::Commit { line, .. } => {
                self.known_line(line)?;
            }
            // Works and contributions: the rules of `works` (issue 13, reports half).
            Kind::OpenWork(_) | Kind::Contribute { .. } => {}
            // Documents and indicators: the rules of version 4 (`facts`).
            Kind::RegisterDocument(_) | Kind::RecordIndicator(_) => self.facts.check(event)?,
            Kind::Transfer { from, to, .. } | Kind::CarryOver { from, to, .. } => {
                self.check_pair(event, from, to)?;
            }
            Kind::Reverse { target, .. } => {
                self.check_reversal(target)?;
            }
        }
        if rule_data::knows_budget_year(version) {
            self.check_budget_year(event)?;
        }
        if rule_data::knows_payments(version) {
            self.check_payments(event)?;
            self.check_works(event)?;
        }
        let target = self.reversal_target(event);
        let deltas = deltas(self, event, version, target.as_ref());
        self.check_day_ends(&deltas)?;
        Ok(Verdict::New)
    }

    /// The line `code` names, or the refusal of a line not opened (every check's word for it).
    pub(super) fn known_line(&self, code: &str) -> Result<&LineSpec, Rejection> {
        self.line(code).ok_or_else(|| {
            Rejection::new(
                Code::UnknownLine,
                Detail::Line {
                    line: code.to_string(),
                },
                format!("line {code:?} has not been opened"),
            )
        })
    }

    fn check_pair(&self, event: &Event, from: &str, to: &str) -> Result<(), Rejection> {
        let pair = || Detail::Pair {
            from: from.to_string(),
            to: to.to_string(),
        };
        let source = self.known_line(from)?;
        let target = self.known_line(to)?;
        if from == to {
            return Err(Rejection::new(
                Code::SameLine,
                pair(),
                format!(
                    "{} moves plan from line {from:?} to itself",
                    event.kind.type_name()
                ),
            ));
        }
        if source.capital != target.capital {
            return Err(Rejection::new(
                Code::CapitalMismatch,
                pair(),
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
                pair(),
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
                pair(),
                format!(
                    "carry_over must go to a carried_over or extended line, but {to:?} is in_year"
                ),
            ));
        }
        Ok(())
    }

    fn check_reversal(&self, target: &Uuid) -> Result<(), Rejection> {
        let Some(seq) = self.seq_of(target) else {
            return Err(event_rejection(
                Code::UnknownTarget,
                format!("no recorded event has id {target}"),
                (target, None, None),
            ));
        };
        let Some(record) = self.record(seq) else {
            return Err(unreadable(target, seq));
        };
        let kind = record.event.kind.type_name();
        // A register is corrected by recording again, never erased.
        if matches!(
            kind,
            "open_line" | "reverse" | "register_document" | "record_indicator"
        ) {
            return Err(event_rejection(
                Code::InvalidTarget,
                format!("event {target} (sequence {seq}) is an {kind} and cannot be reversed"),
                (target, Some(seq), None),
            ));
        }
        if let Some(by) = self.reversed_by.get(&seq) {
            return Err(event_rejection(
                Code::AlreadyReversed,
                format!("event {target} (sequence {seq}) was already reversed at sequence {by}"),
                (target, Some(seq), Some(*by)),
            ));
        }
        Ok(())
    }

    /// The record a reversal cancels, cloned (reversals are rare) so that the caller may
    /// change the state while holding the deltas computed from it.
    fn reversal_target(&self, event: &Event) -> Option<Recorded> {
        match &event.kind {
            Kind::Reverse { target, .. } => self
                .seq_of(target)
                .and_then(|s| self.record(s))
                .map(std::borrow::Cow::into_owned),
            _ => None,
        }
    }

    /// Every line touched must end every day with available, disbursed, advances outstanding
    /// and unpaid commitments ≥ 0.
    fn check_day_ends(&self, deltas: &Deltas<'_>) -> Result<(), Rejection> {
        // Net change per line touched, lines in code order (the first bad one is reported).
        let mut by_line: [Option<(&str, Day)>; 2] = [None, None];
        for m in deltas.moves.iter().flatten() {
            let slot = by_line
                .iter_mut()
                .find(|slot| slot.is_none_or(|(line, _)| line == m.line));
            if let Some(slot) = slot {
                let (_, day) = slot.get_or_insert((m.line, Day::default()));
                day.add(Day::of(m), 1);
            }
        }
        by_line.sort_by_key(|slot| slot.map(|(line, _)| line));
        for (line, change) in by_line.into_iter().flatten() {
            // Only a fall in one of the figures can break an invariant.
            let risky = change.available() < Decimal::ZERO
                || change.disbursed < Decimal::ZERO
                || change.advance < Decimal::ZERO
                || change.commitment < Decimal::ZERO;
            if !risky {
                continue;
            }
            let empty = BTreeMap::new();
            let (known, total) = match self.lines.get(line) {
                Some(l) => (&l.days, l.total),
                None => (&empty, Day::default()),
            };
            if let Some((date, day)) = first_bad_day(known, total, deltas.date, change) {
                return Err(day_end_rejection(line, date, day));
            }
        }
        Ok(())
    }

    /// Records an event that `check` accepted as `Verdict::New`, as sequence `head_seq() + 1`.
    pub fn apply(&mut self, recorded: Recorded) {
        assert_eq!(recorded.seq, self.head_seq() + 1, "sequences have no gaps");
        let event = &recorded.event;
        let target = self.reversal_target(event);
        let Deltas { date, moves } = deltas(self, event, recorded.rules, target.as_ref());
        for m in moves.iter().flatten() {
            let d = Day::of(m);
            let line = self
                .lines
                .get_mut(m.line)
                .expect("invariant: a checked event moves open lines only");
            line.days.entry(date).or_default().add(d, 1);
            line.total.add(d, 1);
        }
        self.note_year_facts(&recorded, 1);
        self.note_contract_facts(&recorded, 1);
        self.note_work_facts(&recorded, 1);
        self.facts.note(recorded.seq, event, 1);
        match &event.kind {
            Kind::OpenLine(spec) => {
                let line = Line {
                    spec: (**spec).clone(),
                    days: BTreeMap::new(),
                    total: Day::default(),
                    year: crate::core::rules_budget::LineYear::new(spec),
                };
                self.lines.insert(spec.line.clone(), line);
            }
            Kind::Reverse { target, .. } => {
                let target_seq = self
                    .seq_of(target)
                    .expect("invariant: a checked reversal names a known event");
                self.reversed_by.insert(target_seq, recorded.seq);
            }
            _ => {}
        }
        self.by_id.insert(&event.id, recorded.seq);
        self.records.push(recorded);
    }

    /// Undoes `apply` for every record after `head`, newest first (a batch that failed).
    pub fn rollback(&mut self, head: u64) {
        while self.head_seq() > head {
            let Some(recorded) = self.records.pop() else {
                break;
            };
            self.by_id.remove(&recorded.event.id, recorded.seq);
            self.note_year_facts(&recorded, -1);
            self.note_contract_facts(&recorded, -1);
            self.note_work_facts(&recorded, -1);
            self.facts.note(recorded.seq, &recorded.event, -1);
            match &recorded.event.kind {
                Kind::OpenLine(spec) => {
                    // Its movements, all later, were undone already.
                    self.lines.remove(&spec.line);
                }
                Kind::Reverse { target, .. } => {
                    if let Some(t) = self.seq_of(target) {
                        self.reversed_by.remove(&t);
                    }
                }
                _ => {}
            }
            let target = self.reversal_target(&recorded.event);
            let Deltas { date, moves } =
                deltas(self, &recorded.event, recorded.rules, target.as_ref());
            for m in moves.iter().flatten() {
                let d = Day::of(m);
                if let Some(line) = self.lines.get_mut(m.line) {
                    if let Some(day) = line.days.get_mut(&date) {
                        day.add(d, -1);
                    }
                    line.total.add(d, -1);
                }
            }
        }
        assert_eq!(self.head_seq(), head);
    }

    /// Whether a document with this number is registered (by any issuer).
    pub fn knows_document(&self, number: &str) -> bool {
        self.facts.knows_number(number)
    }

    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        self.reversed_by.get(&seq).copied()
    }

    /// Notes a stored event that the rules which accepted it allowed but the current rules
    /// refuse (see `legacy_refusals`).
    pub fn note_legacy_refusal(&mut self, seq: u64, rejection: Rejection) {
        self.legacy_refusals.push((seq, rejection));
    }

    /// Stored events an earlier rules version accepted that the current rules would refuse.
    pub fn legacy_refusals(&self) -> &[(u64, Rejection)] {
        &self.legacy_refusals
    }
}

/// The day-end changes of `event` accepted under `version`: its own movements, or for a
/// reversal its target's (`target`, see `State::reversal_target`) negated, on the target's
/// date. A refund after its line's deadline moves `recovered`, not `disbursed` (see
/// `State::classified`). The movements borrow only `event` and `target`, so that `apply` can
/// change the state while it holds them.
fn deltas<'e>(
    state: &State,
    event: &'e Event,
    version: RulesVersion,
    target: Option<&'e Recorded>,
) -> Deltas<'e> {
    match (&event.kind, target) {
        (Kind::Reverse { .. }, Some(record)) => {
            let mut moves = state.classified(&record.event, record.rules);
            for m in moves.iter_mut().flatten() {
                *m = m.negated();
            }
            Deltas {
                date: record.event.effective_date,
                moves,
            }
        }
        (Kind::Reverse { .. }, None) => Deltas {
            date: event.effective_date,
            moves: [None, None],
        },
        _ => Deltas {
            date: event.effective_date,
            moves: state.classified(event, version),
        },
    }
}

/// The refusal when a recorded event a rule needs cannot be read back from the archive.
fn unreadable(id: &Uuid, seq: u64) -> Rejection {
    event_rejection(
        Code::Malformed,
        format!("event {id} is recorded at sequence {seq} but cannot be read back to check it"),
        (id, Some(seq), None),
    )
}

/// The refusal for a line whose balance at the end of `date` would be `day`.
fn day_end_rejection(line: &str, date: NaiveDate, day: Day) -> Rejection {
    let (plan, disbursed) = (day.plan, day.disbursed);
    let (code, what) = if day.available() < Decimal::ZERO {
        (
            Code::InsufficientFunds,
            format!("available would be {}", day.available()),
        )
    } else if day.advance < Decimal::ZERO {
        // Before disbursed: a cash refund of an advance above what is outstanding breaks
        // both, and is a recovery beyond the advance.
        (
            Code::RecoveryExceedsAdvance,
            format!("advances outstanding would be {}", day.advance),
        )
    } else if disbursed < Decimal::ZERO {
        (
            Code::RefundExceedsDisbursed,
            format!("disbursed would be {disbursed}"),
        )
    } else {
        (
            Code::ExceedsContract,
            format!("unpaid commitments would be {}", day.commitment),
        )
    };
    let commitments = if day.commitment.is_zero() {
        String::new()
    } else {
        format!(", unpaid commitments {}", day.commitment)
    };
    let facts = Detail::DayEnd {
        line: line.to_string(),
        date,
        plan,
        disbursed,
        commitment: day.commitment,
        advance: day.advance,
    };
    Rejection::new(
        code,
        facts,
        format!(
            "line {line:?} at the end of {date}: {what} đồng (plan net of carry-over and lapse {plan}, disbursed {disbursed}{commitments})"
        ),
    )
}

/// Walks the known day-end deltas of a line merged with a candidate change on `date`, and
/// returns the first day whose cumulative balance breaks an invariant, with that balance.
///
/// Days before the change keep their (valid) recorded balances, so only the days from it on
/// are walked, backwards from the line's current total: an event dated at or after the line's
/// last day costs O(1), a backdated one O(days after it).
fn first_bad_day(
    known: &BTreeMap<NaiveDate, Day>,
    known_total: Day,
    date: NaiveDate,
    change: Day,
) -> Option<(NaiveDate, Day)> {
    let mut balance = known_total;
    balance.add(change, 1);
    let mut bad = None;
    let mut walked_date = false;
    // The known days from the change's on, latest first; `balance` is the balance at the end
    // of each, before that day's own movements are taken off for the day before.
    for (&day, known) in known.range(date..).rev() {
        if balance.broken() {
            bad = Some((day, balance));
        }
        balance.add(*known, -1);
        walked_date = day == date;
    }
    // The change's day, when the line had no movement on it yet.
    if !walked_date && balance.broken() {
        bad = Some((date, balance));
    }
    bad
}

/// A refusal about one recorded event: its id, its sequence when recorded, and where it was
/// reversed when it was.
fn event_rejection(
    code: Code,
    message: String,
    (id, seq, reversed_at): (&Uuid, Option<u64>, Option<u64>),
) -> Rejection {
    let facts = Detail::Event {
        id: id.to_string(),
        seq,
        reversed_at,
    };
    Rejection::new(code, facts, message)
}
