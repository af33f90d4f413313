//! Model-based property test: random sequences of valid and invalid commands run against the
//! real `Ledger` (on a real store) and against a small in-memory model written here from the
//! rules as documented (README, issue), sharing no code with `src/rules.rs` or
//! `src/projection.rs`. After every step the accept/reject decision, the error code and the
//! balances at random (as_of, known_at) points must agree; at the end the store is reopened
//! and must still agree.
//!
//! `PROPTEST_CASES` raises the number of cases (default here: 64, CI-friendly).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;
use socai::core::event::{Capital, Document, Event, Kind, LineSpec, Origin};
use socai::core::money::Amount;
use socai::core::projection::{self, View};
use socai::core::rejection::Code;
use socai::ledger::{AppendError, Ledger};
use socai::storage::OpenMode;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Commands.

/// The lines commands may name: (code, capital, plan year, origin). The last is never opened
/// by `Open` commands with index < 6, so it stays unknown unless opened explicitly.
const LINES: [(&str, Capital, i32, Origin); 7] = [
    ("A", Capital::Investment, 2025, Origin::InYear),
    ("B", Capital::Investment, 2025, Origin::InYear),
    ("C", Capital::Recurrent, 2025, Origin::InYear),
    ("D", Capital::Investment, 2026, Origin::CarriedOver),
    ("E", Capital::Investment, 2026, Origin::InYear),
    ("F", Capital::Recurrent, 2026, Origin::Extended),
    ("Z", Capital::Investment, 2024, Origin::InYear),
];

#[derive(Clone, Debug)]
enum Op {
    Open(usize),
    Allocate(usize, u32),
    Reduce(usize, u32),
    Disburse(usize, u32),
    Refund(usize, u32),
    Transfer(usize, usize, u32),
    CarryOver(usize, usize, u32),
    /// Reverse the event submitted `n` submissions ago (or an unknown id past the history).
    Reverse(usize),
    /// Reverse again the target of the latest reversal submitted.
    ReverseAgain,
    /// Send again, unchanged, an event submitted before.
    Resend(usize),
    /// An event submitted before, same id, other content.
    Conflict(usize),
}

#[derive(Clone, Debug)]
struct Step {
    op: Op,
    /// Days after 2025-01-01: small, so that events are often backdated.
    day: u8,
}

fn op() -> impl Strategy<Value = Op> + Clone {
    let line = 0..LINES.len();
    let amount = prop_oneof![1u32..50, 1u32..2000];
    prop_oneof![
        3 => line.clone().prop_map(Op::Open),
        4 => (line.clone(), amount.clone()).prop_map(|(l, a)| Op::Allocate(l, a)),
        1 => (line.clone(), amount.clone()).prop_map(|(l, a)| Op::Reduce(l, a)),
        4 => (line.clone(), amount.clone()).prop_map(|(l, a)| Op::Disburse(l, a)),
        2 => (line.clone(), amount.clone()).prop_map(|(l, a)| Op::Refund(l, a)),
        2 => (line.clone(), line.clone(), amount.clone()).prop_map(|(f, t, a)| Op::Transfer(f, t, a)),
        2 => (line.clone(), line.clone(), amount.clone()).prop_map(|(f, t, a)| Op::CarryOver(f, t, a)),
        3 => (0usize..6).prop_map(Op::Reverse),
        2 => Just(Op::ReverseAgain),
        1 => (0usize..12).prop_map(Op::Resend),
        1 => (0usize..12).prop_map(Op::Conflict),
    ]
}

fn batches() -> impl Strategy<Value = Vec<Vec<Step>>> {
    let step = || (op(), 0u8..12).prop_map(|(op, day)| Step { op, day });
    // Mostly single events, sometimes batches of 2–3 (all or nothing).
    let batch = prop_oneof![
        3 => prop::collection::vec(step(), 1..=1),
        1 => prop::collection::vec(step(), 2..=3)
    ];
    prop::collection::vec(batch, 10..40)
}

fn date(day: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(day as u64)
}

fn amount(a: u32) -> Amount {
    Amount::from_decimal(Decimal::from(a)).unwrap()
}

fn doc(day: u8) -> Option<Document> {
    Some(Document {
        number: format!("QD-{day}"),
        date: date(day),
        issuer: None,
    })
}

/// Turns a step into an event; `history` holds every event submitted so far.
fn event(step: &Step, history: &[Event], next_id: &mut u128) -> Event {
    let fresh = |next_id: &mut u128| {
        *next_id += 1;
        Uuid::from_u128(*next_id)
    };
    let code = |i: usize| LINES[i].0.to_string();
    let base = |kind: Kind, next_id: &mut u128| Event {
        id: fresh(next_id),
        effective_date: date(step.day),
        actor: None,
        note: None,
        document: if matches!(kind, Kind::OpenLine(_)) {
            None
        } else {
            doc(step.day)
        },
        kind,
    };
    let back = |n: usize| history.len().checked_sub(n + 1).map(|i| &history[i]);
    match &step.op {
        Op::Open(i) => {
            let (line, capital, plan_year, origin) = LINES[*i];
            base(
                Kind::OpenLine(LineSpec {
                    line: line.to_string(),
                    program: "P".into(),
                    project: None,
                    subproject: None,
                    capital,
                    source: "NSTW".into(),
                    plan_year,
                    origin,
                    work: None,
                    name: None,
                }),
                next_id,
            )
        }
        Op::Allocate(l, a) => base(
            Kind::Allocate {
                line: code(*l),
                amount: amount(*a),
            },
            next_id,
        ),
        Op::Reduce(l, a) => base(
            Kind::Reduce {
                line: code(*l),
                amount: amount(*a),
            },
            next_id,
        ),
        Op::Disburse(l, a) => base(
            Kind::Disburse {
                line: code(*l),
                amount: amount(*a),
                payee: None,
            },
            next_id,
        ),
        Op::Refund(l, a) => base(
            Kind::Refund {
                line: code(*l),
                amount: amount(*a),
            },
            next_id,
        ),
        Op::Transfer(f, t, a) => base(
            Kind::Transfer {
                from: code(*f),
                to: code(*t),
                amount: amount(*a),
            },
            next_id,
        ),
        Op::CarryOver(f, t, a) => base(
            Kind::CarryOver {
                from: code(*f),
                to: code(*t),
                amount: amount(*a),
            },
            next_id,
        ),
        Op::Reverse(n) => {
            let target = back(*n).map_or_else(|| Uuid::from_u128(u128::MAX - *n as u128), |e| e.id);
            base(
                Kind::Reverse {
                    target,
                    reason: "sai".into(),
                },
                next_id,
            )
        }
        Op::ReverseAgain => {
            let target = history
                .iter()
                .rev()
                .find_map(|e| match &e.kind {
                    Kind::Reverse { target, .. } => Some(*target),
                    _ => None,
                })
                .unwrap_or(Uuid::from_u128(u128::MAX));
            base(
                Kind::Reverse {
                    target,
                    reason: "lại".into(),
                },
                next_id,
            )
        }
        Op::Resend(n) => match back(*n) {
            Some(e) => e.clone(),
            None => base(
                Kind::Allocate {
                    line: code(0),
                    amount: amount(1),
                },
                next_id,
            ),
        },
        Op::Conflict(n) => match back(*n) {
            Some(e) => {
                let mut e = e.clone();
                e.note = Some(format!("{:?}-changed", e.note));
                e
            }
            None => base(
                Kind::Refund {
                    line: code(1),
                    amount: amount(1),
                },
                next_id,
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The model.

#[derive(Clone, Default)]
struct Model {
    /// Accepted events in sequence order (sequence = index + 1).
    log: Vec<Event>,
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// Appended `new` events, `present` were already there.
    Accepted {
        new: usize,
        present: usize,
    },
    Rejected {
        index: usize,
        code: Code,
    },
}

/// (plan, disbursed) movements of an event, per line.
fn moves(e: &Event) -> Vec<(&str, i64, i64)> {
    let v = |a: &Amount| i64::try_from(a.value().mantissa()).unwrap();
    match &e.kind {
        Kind::Allocate { line, amount } => vec![(line, v(amount), 0)],
        Kind::Reduce { line, amount } => vec![(line, -v(amount), 0)],
        Kind::Disburse { line, amount, .. } => vec![(line, 0, v(amount))],
        Kind::Refund { line, amount } => vec![(line, 0, -v(amount))],
        Kind::Transfer { from, to, amount } | Kind::CarryOver { from, to, amount } => {
            vec![(from, -v(amount), 0), (to, v(amount), 0)]
        }
        Kind::OpenLine(_) | Kind::Reverse { .. } => vec![],
    }
}

impl Model {
    fn spec(&self, line: &str) -> Option<&LineSpec> {
        self.log.iter().find_map(|e| match &e.kind {
            Kind::OpenLine(s) if s.line == line => Some(s),
            _ => None,
        })
    }

    /// Balances per opened line at (as_of, known_at), straight from the definition.
    fn balances(&self, as_of: NaiveDate, known_at: usize) -> BTreeMap<String, (i64, i64)> {
        let known = &self.log[..known_at];
        let reversed: HashSet<Uuid> = known
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Reverse { target, .. } => Some(*target),
                _ => None,
            })
            .collect();
        let mut out = BTreeMap::new();
        for e in known {
            if let Kind::OpenLine(s) = &e.kind {
                out.insert(s.line.clone(), (0, 0));
            }
        }
        for e in known {
            if e.effective_date > as_of || reversed.contains(&e.id) {
                continue;
            }
            for (line, p, d) in moves(e) {
                if let Some(b) = out.get_mut(line) {
                    b.0 += p;
                    b.1 += d;
                }
            }
        }
        out
    }

    /// Decides one event against the log; appends it when new and valid.
    fn submit(&mut self, e: &Event) -> Result<bool, Code> {
        if let Some(known) = self.log.iter().find(|k| k.id == e.id) {
            return if known == e {
                Ok(false)
            } else {
                Err(Code::IdConflict)
            };
        }
        match &e.kind {
            Kind::OpenLine(s) => {
                if self.spec(&s.line).is_some() {
                    return Err(Code::LineExists);
                }
            }
            Kind::Allocate { line, .. }
            | Kind::Reduce { line, .. }
            | Kind::Disburse { line, .. }
            | Kind::Refund { line, .. } => {
                self.spec(line).ok_or(Code::UnknownLine)?;
            }
            Kind::Transfer { from, to, .. } | Kind::CarryOver { from, to, .. } => {
                let f = self.spec(from).ok_or(Code::UnknownLine)?;
                let t = self.spec(to).ok_or(Code::UnknownLine)?;
                let carry = matches!(e.kind, Kind::CarryOver { .. });
                if from == to {
                    return Err(Code::SameLine);
                }
                if f.capital != t.capital {
                    return Err(Code::CapitalMismatch);
                }
                if t.plan_year != f.plan_year + i32::from(carry) {
                    return Err(Code::YearMismatch);
                }
                if carry && t.origin == Origin::InYear {
                    return Err(Code::OriginMismatch);
                }
            }
            Kind::Reverse { target, .. } => {
                let t = self
                    .log
                    .iter()
                    .find(|k| k.id == *target)
                    .ok_or(Code::UnknownTarget)?;
                if matches!(t.kind, Kind::OpenLine(_) | Kind::Reverse { .. }) {
                    return Err(Code::InvalidTarget);
                }
                let already = self
                    .log
                    .iter()
                    .any(|k| matches!(&k.kind, Kind::Reverse { target: x, .. } if x == target));
                if already {
                    return Err(Code::AlreadyReversed);
                }
            }
        }
        // Every line must end every day with available ≥ 0 and disbursed ≥ 0.
        let mut candidate = self.clone();
        candidate.log.push(e.clone());
        let dates: HashSet<NaiveDate> = candidate.log.iter().map(|k| k.effective_date).collect();
        let mut short = false;
        let mut over_refunded = false;
        for d in dates {
            for (plan, disbursed) in candidate.balances(d, candidate.log.len()).values() {
                short |= plan - disbursed < 0;
                over_refunded |= *disbursed < 0;
            }
        }
        if short {
            return Err(Code::InsufficientFunds);
        }
        if over_refunded {
            return Err(Code::RefundExceedsDisbursed);
        }
        self.log.push(e.clone());
        Ok(true)
    }

    /// A batch: all or nothing, the first refused event decides.
    fn submit_batch(&mut self, batch: &[Event]) -> Decision {
        let before = self.log.len();
        let mut present = 0;
        for (index, e) in batch.iter().enumerate() {
            match self.submit(e) {
                Ok(true) => {}
                Ok(false) => present += 1,
                Err(code) => {
                    self.log.truncate(before);
                    return Decision::Rejected { index, code };
                }
            }
        }
        Decision::Accepted {
            new: self.log.len() - before,
            present,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The property.

fn ledger_balances(
    ledger: &Ledger,
    as_of: NaiveDate,
    known_at: u64,
) -> BTreeMap<String, (i64, i64)> {
    let view = View { as_of, known_at };
    projection::balances(ledger.records(), view, None)
        .into_iter()
        .map(|b| {
            let n = |d: Decimal| i64::try_from(d.mantissa()).unwrap() / 10i64.pow(d.scale());
            (b.spec.line.clone(), (n(b.plan), n(b.disbursed)))
        })
        .collect()
}

fn run(batches: Vec<Vec<Step>>, points: Vec<(u8, u16)>) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut ledger = Ledger::open(&db, OpenMode::CreateIfMissing).unwrap();
    let mut model = Model::default();
    let mut history: Vec<Event> = Vec::new();
    let mut next_id = 0u128;
    let now: DateTime<Utc> = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
    let mut accepted = 0;
    let mut rejected: HashMap<&'static str, usize> = HashMap::new();
    for (step_no, steps) in batches.iter().enumerate() {
        let mut batch = Vec::new();
        for s in steps {
            let e = event(s, &history, &mut next_id);
            history.push(e.clone());
            batch.push(e);
        }
        let want = model.submit_batch(&batch);
        let got = match ledger.append(batch.clone(), now) {
            Ok(done) => Decision::Accepted {
                new: done.seqs.len(),
                present: done.already_present,
            },
            Err(AppendError::Rejected {
                index, rejection, ..
            }) => Decision::Rejected {
                index,
                code: rejection.code,
            },
            Err(AppendError::Store(e)) => panic!("store error: {e}"),
        };
        prop_assert_eq!(&got, &want, "step {}: batch {:?}", step_no, batch);
        match want {
            Decision::Accepted { .. } => accepted += 1,
            Decision::Rejected { code, .. } => *rejected.entry(code.as_str()).or_default() += 1,
        }
        prop_assert_eq!(ledger.head_seq(), model.log.len() as u64);
        // Balances at a few (as_of, known_at) points, including the head.
        let head = model.log.len();
        let (d, k) = points[step_no % points.len()];
        for (as_of, known_at) in [
            (date(d), head),
            (date(d / 2), (k as usize) % (head + 1)),
            (date(30), head),
        ] {
            prop_assert_eq!(
                ledger_balances(&ledger, as_of, known_at as u64),
                model.balances(as_of, known_at),
                "step {}: as_of {} known_at {}",
                step_no,
                as_of,
                known_at
            );
        }
    }
    // What was acknowledged survives a reopen, with the same figures.
    drop(ledger);
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    prop_assert_eq!(ledger.head_seq(), model.log.len() as u64);
    for known_at in 0..=model.log.len() {
        prop_assert_eq!(
            ledger_balances(&ledger, date(11), known_at as u64),
            model.balances(date(11), known_at)
        );
    }
    let _ = (accepted, rejected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn ledger_agrees_with_the_model(
        batches in batches(),
        points in prop::collection::vec((0u8..14, any::<u16>()), 1..8),
    ) {
        run(batches, points)?;
    }
}

/// The generator must reach the interesting decisions, or the property proves little: run a
/// fixed number of generated cases through the model alone and count the codes it produced.
#[test]
fn the_generator_reaches_every_rule() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut seen: HashSet<String> = HashSet::new();
    for _ in 0..1000 {
        let batches = batches().new_tree(&mut runner).unwrap().current();
        let mut model = Model::default();
        let mut history = Vec::new();
        let mut next_id = 0;
        for steps in &batches {
            let batch: Vec<Event> = steps
                .iter()
                .map(|s| {
                    let e = event(s, &history, &mut next_id);
                    history.push(e.clone());
                    e
                })
                .collect();
            match model.submit_batch(&batch) {
                Decision::Accepted { new, present } => {
                    if new > 0 {
                        seen.insert("accepted".into());
                    }
                    if present > 0 {
                        seen.insert("already_present".into());
                    }
                }
                Decision::Rejected { code, .. } => {
                    seen.insert(code.as_str().to_string());
                }
            }
        }
    }
    for wanted in [
        "accepted",
        "already_present",
        "unknown_line",
        "line_exists",
        "id_conflict",
        "insufficient_funds",
        "refund_exceeds_disbursed",
        "same_line",
        "capital_mismatch",
        "year_mismatch",
        "origin_mismatch",
        "unknown_target",
        "invalid_target",
        "already_reversed",
    ] {
        assert!(
            seen.contains(wanted),
            "the generator never produced {wanted}: {seen:?}"
        );
    }
}
