//! The budget year as the law runs it (issue 12): every case the issue lists as accepted
//! before is refused with its code; carry-over and lapse are columns of their own, so a closed
//! year keeps its plan and its rate; refunds after the close are revenue; deadlines come from
//! rule data or from a `set_deadline`. Every figure is worked out by hand from the issue.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use socai::core::event::{Event, parse_line};
use socai::core::projection::{LineBalance, View, balances};
use socai::ledger::{AppendError, Ledger};
use socai::storage::OpenMode;
use tempfile::TempDir;
use uuid::Uuid;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

struct Book {
    _dir: TempDir,
    ledger: Ledger,
    next: u128,
}

/// (code, program, source, plan year, origin, capital) of the lines every test opens.
const LINES: [(&str, &str, &str, i64, &str, &str); 7] = [
    ("IY24", "GNBV", "NSTW", 2024, "in_year", "recurrent"),
    ("CO25", "GNBV", "NSTW", 2025, "carried_over", "recurrent"),
    ("IY25", "GNBV", "NSTW", 2025, "in_year", "recurrent"),
    ("IY25B", "GNBV", "NSTW", 2025, "in_year", "recurrent"),
    ("DTTS25", "DTTS", "NSTW", 2025, "carried_over", "recurrent"),
    ("NSDP25", "GNBV", "NSDP", 2025, "carried_over", "recurrent"),
    ("KD25", "DTTS", "NSTW", 2025, "extended", "investment"),
];

impl Book {
    fn new() -> Book {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("db"), OpenMode::CreateIfMissing).unwrap();
        let mut book = Book {
            _dir: dir,
            ledger,
            next: 0,
        };
        for (line, program, source, year, origin, capital) in LINES {
            book.ok(json!({
                "type": "open_line", "effective_date": "2024-01-01", "line": line,
                "program": program, "project": "DA2", "capital": capital, "source": source,
                "plan_year": year, "origin": origin,
            }));
        }
        book
    }

    fn event(&mut self, mut body: Value) -> Event {
        self.next += 1;
        let obj = body.as_object_mut().unwrap();
        obj.insert("id".into(), json!(Uuid::from_u128(self.next).to_string()));
        if obj["type"] != "open_line" {
            let day = obj["effective_date"].clone();
            obj.insert("document".into(), json!({"number": "QĐ-1", "date": day}));
        }
        parse_line(&body.to_string()).unwrap()
    }

    fn submit(&mut self, body: Value) -> Result<(), String> {
        let event = self.event(body);
        match self.ledger.append(vec![event], Utc::now()) {
            Ok(_) => Ok(()),
            Err(AppendError::Rejected { rejection, .. }) => Err(rejection.code.as_str().into()),
            Err(e) => panic!("store error: {e}"),
        }
    }

    fn ok(&mut self, body: Value) {
        let shown = body.to_string();
        if let Err(code) = self.submit(body) {
            panic!("{shown} was refused: {code}");
        }
    }

    fn refused(&mut self, body: Value) -> String {
        let shown = body.to_string();
        match self.submit(body) {
            Ok(()) => panic!("{shown} was accepted"),
            Err(code) => code,
        }
    }

    fn view(&self) -> View {
        View {
            as_of: date("2026-12-31"),
            known_at: self.ledger.head_seq(),
        }
    }

    fn line(&self, code: &str, as_of: &str) -> LineBalance<'_> {
        let view = View {
            as_of: date(as_of),
            known_at: self.ledger.head_seq(),
        };
        balances(self.ledger.records(), view, None)
            .into_iter()
            .find(|b| b.spec.line == code)
            .unwrap()
    }
}

fn money(kind: &str, line: &str, day: &str, amount: i64) -> Value {
    json!({"type": kind, "effective_date": day, "line": line, "amount": amount.to_string()})
}

fn pair(kind: &str, from: &str, to: &str, day: &str, amount: i64) -> Value {
    json!({"type": kind, "effective_date": day, "from": from, "to": to,
           "amount": amount.to_string()})
}

/// A 2024 in-year line with 1.000 allocated and 600 paid in 2024.
fn with_2024_money() -> Book {
    let mut b = Book::new();
    b.ok(money("allocate", "IY24", "2024-01-15", 1000));
    b.ok(money("disburse", "IY24", "2024-06-01", 600));
    b
}

#[test]
fn a_voucher_on_a_2024_in_year_line_dated_june_2025_is_past_its_deadline() {
    let mut b = with_2024_money();
    assert_eq!(
        b.refused(money("disburse", "IY24", "2025-06-15", 10)),
        "past_deadline"
    );
    // The closing window (chỉnh lý) runs to 31 January: that day is still allowed.
    b.ok(money("disburse", "IY24", "2025-01-31", 10));
    assert_eq!(
        b.refused(money("disburse", "IY24", "2025-02-01", 10)),
        "past_deadline"
    );
    assert_eq!(b.line("IY24", "2025-12-31").deadline, date("2025-01-31"));
}

#[test]
fn a_voucher_on_a_2025_extended_line_dated_march_2026_is_past_its_deadline() {
    let mut b = with_2024_money();
    b.ok(money("allocate", "KD25", "2025-02-01", 500));
    b.ok(money("disburse", "KD25", "2025-12-31", 100));
    assert_eq!(
        b.refused(money("disburse", "KD25", "2026-03-01", 100)),
        "past_deadline"
    );
    assert_eq!(b.line("KD25", "2026-12-31").deadline, date("2025-12-31"));
}

#[test]
fn a_payment_before_its_plan_year_is_refused() {
    let mut b = Book::new();
    b.ok(money("allocate", "IY25", "2024-12-20", 100));
    assert_eq!(
        b.refused(money("disburse", "IY25", "2024-12-31", 10)),
        "before_plan_year"
    );
    b.ok(money("disburse", "IY25", "2025-01-01", 10));
}

#[test]
fn a_carry_over_before_the_year_ended_into_another_program_is_refused() {
    let mut b = with_2024_money();
    // The case: dated 2024-03-01 and into a DTTS line.
    assert_eq!(
        b.refused(pair("carry_over", "IY24", "DTTS25", "2024-03-01", 100)),
        "program_mismatch"
    );
    // Each fault on its own.
    assert_eq!(
        b.refused(pair("carry_over", "IY24", "CO25", "2024-03-01", 100)),
        "too_early"
    );
    assert_eq!(
        b.refused(pair("carry_over", "IY24", "DTTS25", "2025-02-01", 100)),
        "program_mismatch"
    );
    assert_eq!(
        b.refused(pair("carry_over", "IY24", "NSDP25", "2025-02-01", 100)),
        "source_mismatch"
    );
    // Deadline 2025-01-31 + 90 days = 2025-05-01.
    assert_eq!(
        b.refused(pair("carry_over", "IY24", "CO25", "2025-05-02", 100)),
        "past_deadline"
    );
    b.ok(pair("carry_over", "IY24", "CO25", "2025-05-01", 100));
}

#[test]
fn a_transfer_from_an_in_year_line_into_a_carried_over_line_is_refused() {
    let mut b = Book::new();
    b.ok(money("allocate", "IY25", "2025-01-10", 500));
    b.ok(money("allocate", "CO25", "2025-01-10", 500));
    b.ok(money("allocate", "NSDP25", "2025-01-10", 500));
    b.ok(money("allocate", "DTTS25", "2025-01-10", 500));
    assert_eq!(
        b.refused(pair("transfer", "IY25", "CO25", "2025-06-01", 100)),
        "origin_mismatch"
    );
    assert_eq!(
        b.refused(pair("transfer", "CO25", "NSDP25", "2025-06-01", 100)),
        "source_mismatch"
    );
    assert_eq!(
        b.refused(pair("transfer", "CO25", "DTTS25", "2025-06-01", 100)),
        "program_mismatch"
    );
    // Between lines of the same program, source and origin: until both deadlines.
    b.ok(pair("transfer", "IY25", "IY25B", "2026-01-31", 100));
    assert_eq!(
        b.refused(pair("transfer", "IY25", "IY25B", "2026-02-01", 100)),
        "past_deadline"
    );
}

#[test]
fn a_refund_after_the_close_is_revenue_and_does_not_reopen_the_year() {
    let mut b = with_2024_money();
    b.ok(money("refund", "IY24", "2025-10-10", 50));
    let l = b.line("IY24", "2025-12-31");
    assert_eq!(
        (l.plan, l.disbursed, l.available(), l.recovered_after_close),
        (dec(1000), dec(600), dec(400), dec(50))
    );
    // The same sum paid again: the line is closed.
    assert_eq!(
        b.refused(money("disburse", "IY24", "2025-10-11", 50)),
        "past_deadline"
    );
    // Within the deadline, a refund still lowers what was disbursed.
    b.ok(money("refund", "IY24", "2025-01-20", 20));
    let l = b.line("IY24", "2025-12-31");
    assert_eq!((l.disbursed, l.recovered_after_close), (dec(580), dec(50)));
}

#[test]
fn carry_over_and_lapse_keep_the_plan_and_the_rate_of_the_closed_year() {
    let mut b = with_2024_money();
    assert_eq!(
        b.refused(money("lapse", "IY24", "2024-12-31", 100)),
        "too_early"
    );
    b.ok(pair("carry_over", "IY24", "CO25", "2025-02-10", 300));
    assert_eq!(
        b.refused(money("lapse", "IY24", "2025-02-20", 101)),
        "insufficient_funds"
    );
    b.ok(money("lapse", "IY24", "2025-02-20", 100));
    for as_of in ["2025-12-31", "2026-12-31"] {
        let l = b.line("IY24", as_of);
        assert_eq!(
            (l.plan, l.disbursed, l.carried_out, l.lapsed, l.available()),
            (dec(1000), dec(600), dec(300), dec(100), dec(0))
        );
        assert_eq!(l.rate(), Some(Decimal::new(6000, 4)));
    }
    assert_eq!(b.line("CO25", "2025-12-31").plan, dec(300));
    // Reduce stays the mid-year withdrawal, and does lower the plan.
    b.ok(money("allocate", "IY25", "2025-01-10", 500));
    b.ok(money("reduce", "IY25", "2025-06-10", 200));
    assert_eq!(b.line("IY25", "2025-12-31").plan, dec(300));
}

#[test]
fn a_deadline_is_set_by_its_legal_basis_and_never_strands_a_payment() {
    let mut b = with_2024_money();
    b.ok(
        json!({"type": "set_deadline", "effective_date": "2025-01-20", "line": "IY24",
                "deadline": "2025-12-31"}),
    );
    assert_eq!(b.line("IY24", "2025-12-31").deadline, date("2025-12-31"));
    b.ok(money("disburse", "IY24", "2025-06-15", 10));
    // Shortening it below that payment is refused.
    assert_eq!(
        b.refused(
            json!({"type": "set_deadline", "effective_date": "2025-07-01",
                          "line": "IY24", "deadline": "2025-06-14"})
        ),
        "past_deadline"
    );
    // A refund after the (extended) deadline is revenue; moving the deadline across it is
    // refused, so its class never changes.
    b.ok(money("refund", "IY24", "2026-02-01", 5));
    assert_eq!(b.line("IY24", "2026-12-31").recovered_after_close, dec(5));
    assert_eq!(
        b.refused(
            json!({"type": "set_deadline", "effective_date": "2026-02-02",
                          "line": "IY24", "deadline": "2026-03-01"})
        ),
        "past_deadline"
    );
}

#[test]
fn the_new_rules_hold_after_a_reopen() {
    let mut b = with_2024_money();
    b.ok(pair("carry_over", "IY24", "CO25", "2025-02-10", 300));
    b.ok(money("lapse", "IY24", "2025-02-20", 100));
    b.ok(money("refund", "IY24", "2025-10-10", 50));
    b.ok(
        json!({"type": "set_deadline", "effective_date": "2025-01-20", "line": "CO25",
                "deadline": "2026-12-31"}),
    );
    let before = format!("{:?}", balances(b.ledger.records(), b.view(), None));
    let Book { _dir, ledger, next } = b;
    let db = ledger.dir().to_path_buf();
    drop(ledger);
    let b = Book {
        ledger: Ledger::open(&db, OpenMode::MustExist).unwrap(),
        _dir,
        next,
    };
    assert_eq!(
        format!("{:?}", balances(b.ledger.records(), b.view(), None)),
        before
    );
    assert!(b.ledger.state().legacy_refusals().is_empty());
    assert!(
        b.ledger
            .records()
            .iter()
            .all(|r| r.rules == socai::core::rule_data::recorded_version(&r.event.kind))
    );
}

/// The corrections fixture, every batch appended (the refused one refused).
fn corrections() -> (TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("db"), OpenMode::CreateIfMissing).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/corrections");
    for file in [
        "01-2024.jsonl",
        "02-2025-q1.jsonl",
        "03-late-vouchers.jsonl",
        "04-reversals.jsonl",
        "05-refused-backdated-reduce.jsonl",
        "06-after-refusal.jsonl",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let events: Vec<Event> = text.lines().map(|l| parse_line(l).unwrap()).collect();
        let _ = ledger.append(events, Utc::now());
    }
    assert_eq!(ledger.head_seq(), 30);
    (dir, ledger)
}

#[test]
fn the_corrections_fixture_settles_2024_as_the_law_runs_it() {
    use socai::core::settlement::settlement;
    let (_dir, ledger) = corrections();
    let m = |n: i64| dec(n) * dec(1_000_000);
    for as_of in ["2025-12-31", "2026-12-31"] {
        let view = View {
            as_of: date(as_of),
            known_at: 30,
        };
        let s = settlement(ledger.records(), view, 2024);
        let t = s.total;
        assert_eq!(
            (
                t.assigned,
                t.brought_forward,
                t.withdrawn,
                t.transferred_net
            ),
            (m(1300), m(0), m(0), m(0))
        );
        assert_eq!(
            (t.plan, t.disbursed, t.carried_out, t.lapsed, t.unspent()),
            (m(1300), m(950), m(320), m(30), m(0)),
            "as of {as_of}"
        );
        assert_eq!(t.rate(), Some(Decimal::new(7308, 4)));
    }
    // 2025: brought forward 120 (L3) + 200 (L5), assigned 600 (L4; the wrong 300 on L5 is
    // reversed), withdrawn 40 (L3), so plan 880; disbursed 770, unspent 110.
    let view = View {
        as_of: date("2025-12-31"),
        known_at: 30,
    };
    let t = settlement(ledger.records(), view, 2025).total;
    assert_eq!(
        (
            t.brought_forward,
            t.assigned,
            t.withdrawn,
            t.plan,
            t.disbursed,
            t.unspent()
        ),
        (m(320), m(600), m(40), m(880), m(770), m(110))
    );
    let by_program = settlement(ledger.records(), view, 2025).by_program;
    assert_eq!(by_program["DTTS"].plan, m(200));
    assert_eq!(by_program["GNBV"].plan, m(680));
}

/// A refund after the close changes no figure, and the diff that lists it says so: each
/// line's causes still add up to its change (the diff classifies movements as balances do).
#[test]
fn a_diff_across_a_refund_after_the_close_adds_up() {
    let mut b = with_2024_money();
    let before = b.ledger.head_seq();
    b.ok(money("refund", "IY24", "2025-10-10", 50));
    let after = b.ledger.head_seq();
    let rev = socai::core::revision::diff(
        b.ledger.records(),
        date("2025-12-31"),
        before,
        after,
        Some(2024),
    );
    assert_eq!(
        rev.lines.len(),
        1,
        "the refunded line is listed with its cause"
    );
    for line in &rev.lines {
        let (dp, dd) = rev.line_causes(line).fold((dec(0), dec(0)), |(p, d), c| {
            let c = c.unwrap();
            (p + c.plan_delta, d + c.disbursed_delta)
        });
        assert_eq!(dp, line.plan_after - line.plan_before, "{}", line.spec.line);
        assert_eq!(
            dd,
            line.disbursed_after - line.disbursed_before,
            "{}",
            line.spec.line
        );
    }
    assert_eq!(rev.totals_after.disbursed, rev.totals_before.disbursed);
    assert_eq!(rev.totals_after.recovered_after_close, dec(50));
}
