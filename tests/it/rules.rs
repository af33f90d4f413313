//! The ledger's rules, seen from outside: every rejection code, the day-end invariant under
//! backdating and reversals, idempotency, batch atomicity, sequences, views, trails and
//! reopening a store. Every expected figure is worked out by hand from the rules in issue 2.

use crate::common;

use std::path::PathBuf;

use chrono::Utc;
use common::events::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use socai::core::event::Event;
use socai::core::projection::{balances, totals, trail};
use socai::ledger::{AppendError, Appended, Ledger};
use socai::storage::OpenMode;
use tempfile::TempDir;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers: a ledger in a temporary store.

struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    ledger: Ledger,
}

fn ledger() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store");
    let ledger = Ledger::open(&path, OpenMode::CreateIfMissing).expect("open a new store");
    Fixture {
        _dir: dir,
        path,
        ledger,
    }
}

impl Fixture {
    fn ok(&mut self, events: Vec<Event>) -> Appended {
        self.ledger
            .append(events, Utc::now())
            .unwrap_or_else(|e| panic!("batch refused: {e}"))
    }

    /// The (index, code) of a refused batch.
    fn refused(&mut self, events: Vec<Event>) -> (usize, &'static str) {
        match self.ledger.append(events, Utc::now()) {
            Err(AppendError::Rejected {
                index, rejection, ..
            }) => (index, rejection.code.as_str()),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    /// The code of a refused single event; also checks that nothing was appended.
    fn refuse_one(&mut self, event: Event) -> &'static str {
        let head = self.ledger.head_seq();
        let (index, code) = self.refused(vec![event]);
        assert_eq!(index, 0);
        assert_eq!(
            self.ledger.head_seq(),
            head,
            "a refused event must not be appended"
        );
        code
    }

    /// Drops the open ledger (releasing the store's lock) and opens the store again.
    fn reopen(self) -> Fixture {
        let Fixture { _dir, path, ledger } = self;
        drop(ledger);
        let ledger = Ledger::open(&path, OpenMode::MustExist).expect("reopen the store");
        Fixture { _dir, path, ledger }
    }

    /// (plan, disbursed) of `line` in the view, panicking when the line is not listed.
    fn figures(&self, line: &str, as_of: &str, known_at: Option<u64>) -> (Decimal, Decimal) {
        common::given::figures(self.ledger.records(), line, as_of, known_at)
    }

    /// Every listed line with its plan and disbursed, in the order `balances` gives.
    fn table(&self, as_of: &str, known_at: Option<u64>) -> Vec<(String, Decimal, Decimal)> {
        let view = self.ledger.view(date(as_of), known_at).expect("view");
        balances(self.ledger.records(), view, None)
            .iter()
            .map(|b| (b.spec.line.clone(), b.plan, b.disbursed))
            .collect()
    }

    fn listed(&self, as_of: &str, known_at: Option<u64>, plan_year: Option<i32>) -> Vec<String> {
        let view = self.ledger.view(date(as_of), known_at).expect("view");
        balances(self.ledger.records(), view, plan_year)
            .iter()
            .map(|b| b.spec.line.clone())
            .collect()
    }
}

/// A ledger with lines of every kind the pair rules distinguish.
fn ledger_with_lines() -> Fixture {
    let mut f = ledger();
    f.ok(lines_of_every_kind());
    f
}

// ---------------------------------------------------------------------------------------------
// Rejection codes of the import format.

#[test]
fn well_formed_events_of_every_type_parse() {
    // Controls for the refusals below: the same builders produce acceptable events.
    parse(&open_json(
        1,
        "DTTS/DA1.TDA2:x_y-z",
        "investment",
        2025,
        "extended",
    ));
    parse(&line_json(2, "allocate", "L", 1, "2025-03-01"));
    parse(&line_json(3, "reduce", "L", 1, "2025-03-01"));
    parse(&line_json(4, "disburse", "L", 1, "2025-03-01"));
    parse(&line_json(5, "refund", "L", 1, "2025-03-01"));
    parse(&pair_json(6, "transfer", "A", "B", 1, "2025-03-01"));
    parse(&pair_json(7, "carry_over", "A", "B", 1, "2025-03-01"));
    reverse(8, 2, "2025-03-01");
}

#[test]
fn malformed_input_is_refused_as_malformed() {
    // Not JSON.
    assert_eq!(parse_code("this is not json"), "malformed");
    assert_eq!(parse_code("{\"id\": "), "malformed");
    // Not an object.
    assert_eq!(parse_code("[1, 2, 3]"), "malformed");
    assert_eq!(parse_code("\"allocate\""), "malformed");
    assert_eq!(parse_code("42"), "malformed");
    // Wrong field types.
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["line"] = json!(5);
    assert_eq!(json_code(&v), "malformed");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["id"] = json!(7);
    assert_eq!(json_code(&v), "malformed");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["id"] = json!("not-a-uuid");
    assert_eq!(json_code(&v), "malformed");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["document"] = json!("QĐ-01");
    assert_eq!(json_code(&v), "malformed");
    let mut v = open_json(1, "L", "recurrent", 2025, "in_year");
    v["plan_year"] = json!("2025");
    assert_eq!(json_code(&v), "malformed");
    assert_eq!(
        json_code(&open_json(1, "L", "both", 2025, "in_year")),
        "malformed"
    );
    assert_eq!(
        json_code(&open_json(1, "L", "recurrent", 2025, "next_year")),
        "malformed"
    );
    // Unknown fields, at the top and inside the document.
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["colour"] = json!("red");
    assert_eq!(json_code(&v), "malformed");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["payee"] = json!("a payee belongs on disburse only");
    assert_eq!(json_code(&v), "malformed");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["document"]["signed_by"] = json!("someone");
    assert_eq!(json_code(&v), "malformed");
    let mut v = open_json(1, "L", "recurrent", 2025, "in_year");
    v["document"] = document();
    assert_eq!(json_code(&v), "malformed", "open_line takes no document");
}

#[test]
fn missing_fields_are_refused_as_missing_field() {
    let without = |mut v: Value, key: &str| {
        v.as_object_mut().expect("object").remove(key);
        json_code(&v)
    };
    let alloc = line_json(1, "allocate", "L", 100, "2025-03-01");
    assert_eq!(without(alloc.clone(), "document"), "missing_field");
    assert_eq!(without(alloc.clone(), "amount"), "missing_field");
    assert_eq!(without(alloc.clone(), "line"), "missing_field");
    assert_eq!(without(alloc.clone(), "id"), "missing_field");
    assert_eq!(without(alloc.clone(), "effective_date"), "missing_field");
    assert_eq!(without(alloc.clone(), "type"), "missing_field");
    let disb = line_json(1, "disburse", "L", 100, "2025-03-01");
    assert_eq!(without(disb, "document"), "missing_field");
    let pair = pair_json(1, "transfer", "A", "B", 100, "2025-03-01");
    assert_eq!(without(pair.clone(), "to"), "missing_field");
    assert_eq!(without(pair, "amount"), "missing_field");
    let opening = open_json(1, "L", "recurrent", 2025, "in_year");
    assert_eq!(without(opening.clone(), "program"), "missing_field");
    assert_eq!(without(opening.clone(), "capital"), "missing_field");
    assert_eq!(without(opening, "plan_year"), "missing_field");
    let rev = money_json(
        1,
        "reverse",
        "2025-03-01",
        json!({"target": uid(2), "reason": "typo"}),
    );
    assert_eq!(without(rev.clone(), "reason"), "missing_field");
    assert_eq!(without(rev, "target"), "missing_field");
    let mut v = line_json(1, "allocate", "L", 100, "2025-03-01");
    v["document"].as_object_mut().expect("doc").remove("number");
    assert_eq!(json_code(&v), "missing_field");
}

#[test]
fn unknown_types_are_refused_as_unknown_type() {
    for kind in ["spend", "Allocate", "open-line", ""] {
        let v = line_json(1, kind, "L", 100, "2025-03-01");
        assert_eq!(json_code(&v), "unknown_type", "type {kind:?}");
    }
}

#[test]
fn amounts_must_be_strings_of_whole_dong_from_one_to_ten_to_the_sixteen() {
    let with_amount = |amount: Value| {
        let mut v = line_json(1, "allocate", "L", 1, "2025-03-01");
        v["amount"] = amount;
        v
    };
    for bad in [
        json!("0"),
        json!("-5"),
        json!("+5"),
        json!("1.5"),
        json!("100.0"),
        json!("1,000"),
        json!("1e3"),
        json!(""),
        json!("10000000000000001"),
        json!("99999999999999999999999"),
        json!(100),
        json!(1.5),
    ] {
        assert_eq!(
            json_code(&with_amount(bad.clone())),
            "invalid_amount",
            "amount {bad}"
        );
    }
    // The bounds themselves are accepted.
    parse(&with_amount(json!("1")));
    parse(&with_amount(json!("10000000000000000")));
}

#[test]
fn dates_must_exist_be_written_yyyy_mm_dd_and_lie_in_2000_to_2100() {
    let with_date = |text: &str| {
        let mut v = line_json(1, "allocate", "L", 1, "2025-03-01");
        v["effective_date"] = json!(text);
        v
    };
    for bad in [
        "2025/03/01",
        "2025-3-1",
        "01-03-2025",
        "2025-03-01T00:00:00",
        "2025-02-29",
        "2025-02-30",
        "2025-13-01",
        "1999-12-31",
        "2101-01-01",
    ] {
        assert_eq!(json_code(&with_date(bad)), "invalid_date", "date {bad}");
    }
    for good in ["2000-01-01", "2100-12-31", "2024-02-29"] {
        parse(&with_date(good));
    }
    // The document's date follows the same rules.
    let mut v = line_json(1, "allocate", "L", 1, "2025-03-01");
    v["document"]["date"] = json!("2025-04-31");
    assert_eq!(json_code(&v), "invalid_date");
    // So does an open_line's plan year.
    for bad in [1999, 2101] {
        assert_eq!(
            json_code(&open_json(1, "L", "recurrent", bad, "in_year")),
            "invalid_date",
            "plan_year {bad}"
        );
    }
    for good in [2000, 2100] {
        parse(&open_json(1, "L", "recurrent", good, "in_year"));
    }
}

#[test]
fn codes_must_be_1_to_128_characters_of_the_allowed_set() {
    let long_ok = "x".repeat(128);
    let too_long = "x".repeat(129);
    for bad in ["", "A B", "dòng-1", "a;b", "L*", too_long.as_str()] {
        assert_eq!(
            json_code(&open_json(1, bad, "recurrent", 2025, "in_year")),
            "invalid_code",
            "open_line line {bad:?}"
        );
        assert_eq!(
            json_code(&line_json(1, "allocate", bad, 1, "2025-03-01")),
            "invalid_code",
            "allocate line {bad:?}"
        );
        assert_eq!(
            json_code(&pair_json(1, "transfer", "A", bad, 1, "2025-03-01")),
            "invalid_code",
            "transfer to {bad:?}"
        );
    }
    let mut v = open_json(1, "L", "recurrent", 2025, "in_year");
    v["program"] = json!("DTTS 1719");
    assert_eq!(json_code(&v), "invalid_code");
    parse(&open_json(1, &long_ok, "recurrent", 2025, "in_year"));
    parse(&open_json(1, "aZ09._:/-", "recurrent", 2025, "in_year"));
}

// ---------------------------------------------------------------------------------------------
// Rejection codes of the rules.

// ---------------------------------------------------------------------------------------------
// The day-end invariant, backdating and reversals.

#[test]
fn within_a_batch_each_event_is_checked_after_the_ones_before_it() {
    // Every sequence is a view an auditor can ask for (known_at), so every one of them must
    // keep the invariants: a disbursement listed before the same-day allocation it relies on
    // would make the view at its own sequence show available −80. It is refused, and the same
    // events in the order they happened are accepted.
    let mut f = ledger();
    f.ok(vec![open(1, "L")]);
    let (index, code) = f.refused(vec![
        disburse(2, "L", 80, "2025-03-01"),
        allocate(3, "L", 100, "2025-03-01"),
    ]);
    assert_eq!((index, code), (0, "insufficient_funds"));
    assert_eq!(f.ledger.head_seq(), 1);
    let appended = f.ok(vec![
        allocate(3, "L", 100, "2025-03-01"),
        disburse(2, "L", 80, "2025-03-01"),
    ]);
    assert_eq!(appended.seqs, vec![2, 3]);
    assert_eq!(f.figures("L", "2025-03-01", None), pd(100, 80));
    let f = f.reopen();
    assert_eq!(f.figures("L", "2025-03-01", None), pd(100, 80));
}

// ---------------------------------------------------------------------------------------------
// Idempotency.

#[test]
fn resending_an_identical_event_is_a_no_op_success() {
    let mut f = ledger();
    f.ok(vec![open(1, "L"), allocate(2, "L", 100, "2025-03-01")]);
    let head_seq = f.ledger.head_seq();
    let head_hash = f.ledger.hash_of(head_seq);
    assert!(head_hash.is_some());
    let again = f.ok(vec![allocate(2, "L", 100, "2025-03-01")]);
    assert_eq!(again.seqs, Vec::<u64>::new());
    assert_eq!(again.already_present, 1);
    assert_eq!(again.head_seq, 2);
    assert_eq!(again.head_hash, head_hash);
    assert_eq!(f.ledger.records().len(), 2);
    assert_eq!(f.figures("L", "2025-12-31", None), pd(100, 0));
    // The whole first batch again, plus one new event: only the new one is appended.
    let mixed = f.ok(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 10, "2025-03-02"),
    ]);
    assert_eq!(mixed.seqs, vec![3]);
    assert_eq!(mixed.already_present, 2);
    assert_eq!(f.figures("L", "2025-12-31", None), pd(100, 10));
}

#[test]
fn the_same_id_with_different_content_is_refused_as_id_conflict() {
    let mut f = ledger();
    f.ok(vec![open(1, "L"), allocate(2, "L", 100, "2025-03-01")]);
    let head_hash = f.ledger.hash_of(2);
    // A different amount.
    assert_eq!(
        f.refuse_one(allocate(2, "L", 200, "2025-03-01")),
        "id_conflict"
    );
    // Only a note differs.
    let mut noted = line_json(2, "allocate", "L", 100, "2025-03-01");
    noted["note"] = json!("a second thought");
    assert_eq!(f.refuse_one(parse(&noted)), "id_conflict");
    // Another type under the id of the open_line.
    assert_eq!(
        f.refuse_one(allocate(1, "L", 100, "2025-03-01")),
        "id_conflict"
    );
    // Anywhere in a batch: the valid events before it are not appended either.
    assert_eq!(
        f.refused(vec![
            allocate(3, "L", 5, "2025-03-02"),
            allocate(4, "L", 5, "2025-03-02"),
            allocate(2, "L", 100, "2025-03-09"),
        ]),
        (2, "id_conflict")
    );
    // Twice inside one new batch with different content.
    assert_eq!(
        f.refused(vec![
            allocate(5, "L", 10, "2025-03-02"),
            allocate(5, "L", 20, "2025-03-02"),
        ]),
        (1, "id_conflict")
    );
    assert_eq!(f.ledger.head_seq(), 2);
    assert_eq!(f.ledger.hash_of(2), head_hash);
    assert_eq!(f.figures("L", "2025-12-31", None), pd(100, 0));
}

// ---------------------------------------------------------------------------------------------
// Atomicity and sequences.

#[test]
fn a_batch_with_a_bad_event_appends_nothing_and_names_its_index() {
    let mut f = ledger();
    f.ok(vec![open(1, "A"), allocate(2, "A", 100, "2025-03-01")]);
    let head_hash = f.ledger.hash_of(2);
    let bad = f.ledger.append(
        vec![
            open(10, "B"),
            allocate(11, "B", 50, "2025-03-01"),
            disburse(12, "A", 500, "2025-03-02"),
            allocate(13, "A", 1, "2025-03-02"),
        ],
        Utc::now(),
    );
    match bad {
        Err(AppendError::Rejected {
            index,
            id,
            rejection,
        }) => {
            assert_eq!(index, 2);
            assert_eq!(id, Some(Uuid::from_u128(12)));
            assert_eq!(rejection.code.as_str(), "insufficient_funds");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(f.ledger.head_seq(), 2);
    assert_eq!(f.ledger.hash_of(2), head_hash);
    assert_eq!(f.ledger.hash_of(3), None);
    assert_eq!(f.ledger.records().len(), 2);
    // Nothing of the batch is visible: line B is not listed, A is unchanged.
    assert_eq!(
        f.table("2025-12-31", None),
        vec![("A".to_string(), dec(100), dec(0))]
    );
    let view = f.ledger.view(date("2025-12-31"), None).expect("view");
    assert!(trail(f.ledger.records(), "B", view).is_none());
    // The refused ids and line are free again, and the next batch continues with no gap.
    let next = f.ok(vec![open(20, "B"), allocate(11, "B", 70, "2025-03-01")]);
    assert_eq!(next.seqs, vec![3, 4]);
    assert_eq!(next.head_seq, 4);
    let seqs: Vec<u64> = f.ledger.records().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(f.figures("B", "2025-12-31", None), pd(70, 0));
    // The refused batch never reached the store.
    let f = f.reopen();
    assert_eq!(f.ledger.head_seq(), 4);
    assert_eq!(
        f.table("2025-12-31", None),
        vec![
            ("A".to_string(), dec(100), dec(0)),
            ("B".to_string(), dec(70), dec(0)),
        ]
    );
}

#[test]
fn sequences_run_1_2_3_without_gaps_across_batches() {
    let mut f = ledger();
    assert_eq!(f.ledger.head_seq(), 0);
    assert_eq!(f.ok(vec![open(1, "L")]).seqs, vec![1]);
    assert_eq!(
        f.ok(vec![
            allocate(2, "L", 100, "2025-03-01"),
            disburse(3, "L", 10, "2025-03-02"),
        ])
        .seqs,
        vec![2, 3]
    );
    // A refused batch and a no-op batch consume no sequence.
    assert_eq!(
        f.refused(vec![disburse(4, "L", 1000, "2025-03-03")]),
        (0, "insufficient_funds")
    );
    assert!(f.ok(vec![open(1, "L")]).seqs.is_empty());
    let last = f.ok(vec![
        refund(4, "L", 5, "2025-03-03"),
        reduce(5, "L", 5, "2025-03-03"),
        reverse(6, 5, "2025-03-04"),
    ]);
    assert_eq!(last.seqs, vec![4, 5, 6]);
    assert_eq!(last.head_seq, 6);
    assert_eq!(last.head_hash, f.ledger.hash_of(6));
    assert!(last.head_hash.is_some());
    let seqs: Vec<u64> = f.ledger.records().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 6]);
    let ids: Vec<Uuid> = f.ledger.records().iter().map(|r| r.event.id).collect();
    assert_eq!(ids, (1..=6).map(Uuid::from_u128).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Views.

/// seq 1 open A (2025) · 2 allocate A 100 @03-01 · 3 allocate A 50 @03-05 ·
/// 4 disburse A 30 @03-10 · 5 open B (2024) · 6 allocate B 40 @2024-06-01 ·
/// 7 disburse A 20 @03-02 (backdated) · 8 reverse seq 3 @03-20.
fn views_ledger() -> Fixture {
    let mut f = ledger();
    f.ok(vec![
        open(1, "A"),
        allocate(2, "A", 100, "2025-03-01"),
        allocate(3, "A", 50, "2025-03-05"),
        disburse(4, "A", 30, "2025-03-10"),
    ]);
    f.ok(vec![
        open_with(5, "B", "recurrent", 2024, "in_year"),
        allocate(6, "B", 40, "2024-06-01"),
    ]);
    f.ok(vec![disburse(7, "A", 20, "2025-03-02")]);
    f.ok(vec![reverse(8, 3, "2025-03-20")]);
    f
}

#[test]
fn a_view_counts_only_events_effective_by_as_of() {
    let f = views_ledger();
    assert_eq!(f.figures("A", "2025-02-28", Some(4)), pd(0, 0));
    assert_eq!(f.figures("A", "2025-03-01", Some(4)), pd(100, 0));
    assert_eq!(f.figures("A", "2025-03-04", Some(4)), pd(100, 0));
    assert_eq!(f.figures("A", "2025-03-05", Some(4)), pd(150, 0));
    assert_eq!(f.figures("A", "2025-03-09", Some(4)), pd(150, 0));
    assert_eq!(f.figures("A", "2025-03-10", Some(4)), pd(150, 30));
    assert_eq!(f.figures("B", "2024-05-31", None), pd(0, 0));
    assert_eq!(f.figures("B", "2024-06-01", None), pd(40, 0));
}

#[test]
fn a_view_counts_only_events_known_at_its_sequence() {
    let f = views_ledger();
    // The backdated disbursement (seq 7, effective 03-02) is unknown at 6 and known at 7.
    assert_eq!(f.figures("A", "2025-03-03", Some(6)), pd(100, 0));
    assert_eq!(f.figures("A", "2025-03-03", Some(7)), pd(100, 20));
    assert_eq!(f.figures("A", "2025-03-31", Some(6)), pd(150, 30));
    assert_eq!(f.figures("A", "2025-03-31", Some(7)), pd(150, 50));
    assert_eq!(f.figures("A", "2025-03-31", Some(1)), pd(0, 0));
    // known_at defaults to the head, and may not lie beyond it.
    assert_eq!(f.table("2025-12-31", None), f.table("2025-12-31", Some(8)));
    assert!(f.ledger.view(date("2025-12-31"), Some(9)).is_err());
}

#[test]
fn a_reversal_counts_from_its_own_sequence_for_every_as_of() {
    let f = views_ledger();
    // Before the reversal (seq 8) is known, allocation 3 counts.
    assert_eq!(f.figures("A", "2025-03-05", Some(7)), pd(150, 20));
    assert_eq!(f.figures("A", "2025-03-31", Some(7)), pd(150, 50));
    // From seq 8 on it does not, even for dates before the reversal's effective date (03-20).
    assert_eq!(f.figures("A", "2025-03-05", Some(8)), pd(100, 20));
    assert_eq!(f.figures("A", "2025-03-09", Some(8)), pd(100, 20));
    assert_eq!(f.figures("A", "2025-03-19", Some(8)), pd(100, 50));
    assert_eq!(f.figures("A", "2025-03-31", Some(8)), pd(100, 50));
    assert_eq!(f.figures("A", "2025-03-31", None), pd(100, 50));
}

#[test]
fn a_view_lists_the_lines_opened_by_known_at_and_of_the_plan_year() {
    let f = views_ledger();
    assert!(f.listed("2025-12-31", Some(0), None).is_empty());
    assert_eq!(f.listed("2025-12-31", Some(4), None), vec!["A"]);
    assert_eq!(f.listed("2025-12-31", Some(5), None), vec!["A", "B"]);
    assert_eq!(f.listed("2025-12-31", None, Some(2025)), vec!["A"]);
    assert_eq!(f.listed("2025-12-31", None, Some(2024)), vec!["B"]);
    assert!(f.listed("2025-12-31", None, Some(2030)).is_empty());
    // A line is listed once opened, even with nothing effective by as_of.
    assert_eq!(
        f.table("2024-01-01", None),
        vec![
            ("A".to_string(), dec(0), dec(0)),
            ("B".to_string(), dec(0), dec(0)),
        ]
    );
}

#[test]
fn available_is_plan_minus_disbursed_and_rate_rounds_half_away_from_zero() {
    let mut f = ledger();
    f.ok(vec![
        open(1, "HALF"),
        open(2, "THIRDS"),
        open(3, "QUARTER"),
        open(4, "EMPTY"),
        open(5, "WITHDRAWN"),
        open(6, "UP"),
        allocate(10, "HALF", 40000, "2025-03-01"),
        disburse(11, "HALF", 2, "2025-03-02"),
        allocate(12, "THIRDS", 3, "2025-03-01"),
        disburse(13, "THIRDS", 2, "2025-03-02"),
        allocate(14, "QUARTER", 20000, "2025-03-01"),
        disburse(15, "QUARTER", 5, "2025-03-02"),
        allocate(16, "WITHDRAWN", 50, "2025-03-01"),
        reduce(17, "WITHDRAWN", 50, "2025-03-02"),
        allocate(18, "UP", 8, "2025-03-01"),
        disburse(19, "UP", 1, "2025-03-02"),
    ]);
    let view = f.ledger.view(date("2025-12-31"), None).expect("view");
    let lines = balances(f.ledger.records(), view, None);
    let get = |code: &str| {
        lines
            .iter()
            .find(|b| b.spec.line == code)
            .unwrap_or_else(|| panic!("{code} not listed"))
    };
    // 2 / 40000 = 0.00005: exactly half a unit of the 4th decimal → 0.0001 (not 0.0000).
    assert_eq!(get("HALF").rate(), Some(Decimal::new(1, 4)));
    assert_eq!(get("HALF").available(), dec(39998));
    // 2 / 3 = 0.66666… → 0.6667.
    assert_eq!(get("THIRDS").rate(), Some(Decimal::new(6667, 4)));
    assert_eq!(get("THIRDS").available(), dec(1));
    // 5 / 20000 = 0.00025 → 0.0003 (half away from zero, not to even, not truncated).
    assert_eq!(get("QUARTER").rate(), Some(Decimal::new(3, 4)));
    // 1 / 8 = 0.125 exactly.
    assert_eq!(get("UP").rate(), Some(Decimal::new(1250, 4)));
    assert_eq!(get("UP").available(), dec(7));
    // No plan: no rate.
    assert_eq!(get("EMPTY").rate(), None);
    assert_eq!(get("EMPTY").available(), dec(0));
    assert_eq!(get("WITHDRAWN").plan, dec(0));
    assert_eq!(get("WITHDRAWN").rate(), None);
}

#[test]
fn totals_sum_the_listed_lines() {
    let mut f = ledger();
    f.ok(vec![
        open(1, "A"),
        open(2, "B"),
        open_with(3, "OLD", "recurrent", 2024, "in_year"),
        allocate(10, "A", 100, "2025-03-01"),
        disburse(11, "A", 25, "2025-03-02"),
        allocate(12, "B", 300, "2025-03-01"),
        disburse(13, "B", 75, "2025-03-02"),
        allocate(14, "OLD", 1000, "2024-03-01"),
        disburse(15, "OLD", 1000, "2024-03-02"),
    ]);
    let view = f.ledger.view(date("2025-12-31"), None).expect("view");
    let year = totals(&balances(f.ledger.records(), view, Some(2025)));
    assert_eq!(year.plan, dec(400));
    assert_eq!(year.disbursed, dec(100));
    assert_eq!(year.available(), dec(300));
    assert_eq!(year.rate(), Some(Decimal::new(2500, 4)));
    let all = totals(&balances(f.ledger.records(), view, None));
    assert_eq!(all.plan, dec(1400));
    assert_eq!(all.disbursed, dec(1100));
    assert_eq!(all.available(), dec(300));
    // 1100 / 1400 = 0.785714… → 0.7857.
    assert_eq!(all.rate(), Some(Decimal::new(7857, 4)));
    let before = f.ledger.view(date("2024-01-01"), None).expect("view");
    let nothing = totals(&balances(f.ledger.records(), before, None));
    assert_eq!(nothing.plan, dec(0));
    assert_eq!(nothing.rate(), None);
}

// ---------------------------------------------------------------------------------------------
// Trails.

#[test]
fn a_trail_runs_in_effective_date_order_and_skips_reversed_rows() {
    let mut f = ledger();
    f.ok(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 30, "2025-03-20"),
    ]);
    f.ok(vec![disburse(4, "L", 20, "2025-03-10")]); // backdated
    f.ok(vec![allocate(5, "L", 50, "2025-03-15")]);
    f.ok(vec![reverse(6, 5, "2025-03-25")]);
    let view = f.ledger.view(date("2025-12-31"), None).expect("view");
    let rows = trail(f.ledger.records(), "L", view).expect("line L is open");
    let money: Vec<_> = rows
        .iter()
        .filter(|r| r.record.event.kind.type_name() != "open_line")
        .collect();
    let seqs: Vec<u64> = money.iter().map(|r| r.record.seq).collect();
    assert_eq!(
        seqs,
        vec![2, 4, 5, 3],
        "effective-date order, not sequence order"
    );
    let running: Vec<(Decimal, Decimal)> = money.iter().map(|r| (r.plan, r.disbursed)).collect();
    assert_eq!(
        running,
        vec![pd(100, 0), pd(100, 20), pd(100, 20), pd(100, 50)],
        "the reversed allocation of 50 does not count"
    );
    let deltas: Vec<(Decimal, Decimal)> = money
        .iter()
        .map(|r| (r.plan_delta, r.disbursed_delta))
        .collect();
    assert_eq!(deltas, vec![pd(100, 0), pd(0, 20), pd(50, 0), pd(0, 30)]);
    let marks: Vec<Option<u64>> = money
        .iter()
        .map(|r| r.reversed_by.map(|rev| rev.seq))
        .collect();
    assert_eq!(marks, vec![None, None, Some(6), None]);
    // Known at 5, the reversal does not exist yet: the allocation counts and is unmarked.
    let earlier = f.ledger.view(date("2025-12-31"), Some(5)).expect("view");
    let rows = trail(f.ledger.records(), "L", earlier).expect("line L is open");
    let last = rows.last().expect("rows");
    assert_eq!(last.record.seq, 3);
    assert_eq!((last.plan, last.disbursed), pd(150, 50));
    assert!(rows.iter().all(|r| r.reversed_by.is_none()));
    // as_of cuts the trail by effective date.
    let march_12 = f.ledger.view(date("2025-03-12"), None).expect("view");
    let rows = trail(f.ledger.records(), "L", march_12).expect("line L is open");
    let seqs: Vec<u64> = rows
        .iter()
        .filter(|r| r.record.event.kind.type_name() != "open_line")
        .map(|r| r.record.seq)
        .collect();
    assert_eq!(seqs, vec![2, 4]);
    // A line not opened by known_at has no trail.
    assert!(trail(f.ledger.records(), "NOPE", view).is_none());
    let none_yet = f.ledger.view(date("2025-12-31"), Some(0)).expect("view");
    assert!(trail(f.ledger.records(), "L", none_yet).is_none());
}

#[test]
fn a_transfer_shows_minus_on_the_source_and_plus_on_the_target() {
    let mut f = ledger();
    f.ok(vec![
        open(1, "A"),
        open(2, "B"),
        allocate(3, "A", 100, "2025-03-01"),
        transfer(4, "A", "B", 40, "2025-03-05"),
    ]);
    let view = f.ledger.view(date("2025-12-31"), None).expect("view");
    let rows_a = trail(f.ledger.records(), "A", view).expect("A is open");
    let row_a = rows_a
        .iter()
        .find(|r| r.record.seq == 4)
        .expect("the transfer is in A's trail");
    assert_eq!((row_a.plan_delta, row_a.disbursed_delta), pd(-40, 0));
    assert_eq!((row_a.plan, row_a.disbursed), pd(60, 0));
    let rows_b = trail(f.ledger.records(), "B", view).expect("B is open");
    let row_b = rows_b
        .iter()
        .find(|r| r.record.seq == 4)
        .expect("the transfer is in B's trail");
    assert_eq!((row_b.plan_delta, row_b.disbursed_delta), pd(40, 0));
    assert_eq!((row_b.plan, row_b.disbursed), pd(40, 0));
    assert!(!rows_b.iter().any(|r| r.record.seq == 3));
    assert_eq!(f.figures("A", "2025-12-31", None), pd(60, 0));
    assert_eq!(f.figures("B", "2025-12-31", None), pd(40, 0));
}

// ---------------------------------------------------------------------------------------------
// Reopening.

#[test]
fn reopening_the_store_shows_the_same_figures() {
    let mut f = ledger_with_lines();
    f.ok(vec![
        allocate(10, "R25", 100, "2025-03-01"),
        allocate(11, "R24", 200, "2024-03-01"),
        disburse(12, "R24", 150, "2024-09-01"),
        carry_over(13, "R24", "R25co", 50, "2025-01-10"),
    ]);
    f.ok(vec![
        transfer(14, "R25", "R25b", 30, "2025-03-05"),
        disburse(15, "R25b", 20, "2025-03-06"),
        refund(16, "R25b", 5, "2025-03-07"),
        allocate(17, "I25", 70, "2025-03-01"),
    ]);
    f.ok(vec![reverse(18, 17, "2025-03-08")]);
    let expected = vec![
        ("I24".to_string(), dec(0), dec(0)),
        ("I25".to_string(), dec(0), dec(0)),
        ("I25ext".to_string(), dec(0), dec(0)),
        // 200 given, 150 paid, 50 carried out (its own column since issue 12).
        ("R24".to_string(), dec(200), dec(150)),
        ("R25".to_string(), dec(70), dec(0)),
        ("R25b".to_string(), dec(30), dec(15)),
        ("R25co".to_string(), dec(50), dec(0)),
        ("R26co".to_string(), dec(0), dec(0)),
    ];
    let mut before = f.table("2025-12-31", None);
    before.sort();
    assert_eq!(before, expected);
    let before_reversal = f.table("2025-12-31", Some(16));
    let head = (f.ledger.head_seq(), f.ledger.hash_of(f.ledger.head_seq()));
    assert_eq!(head.0, 17, "8 lines, then 4 + 4 + 1 events");
    let mut f = f.reopen();
    let mut after = f.table("2025-12-31", None);
    after.sort();
    assert_eq!(after, expected);
    assert_eq!(f.table("2025-12-31", Some(16)), before_reversal);
    assert_eq!(f.figures("I25", "2025-12-31", Some(16)), pd(70, 0));
    assert_eq!(
        (f.ledger.head_seq(), f.ledger.hash_of(f.ledger.head_seq())),
        head
    );
    // The reopened ledger still knows every id and reversal.
    assert_eq!(
        f.refuse_one(reverse(19, 17, "2025-03-09")),
        "already_reversed"
    );
    assert_eq!(
        f.refuse_one(allocate(10, "R25", 999, "2025-03-01")),
        "id_conflict"
    );
    assert_eq!(
        f.ok(vec![allocate(10, "R25", 100, "2025-03-01")])
            .already_present,
        1
    );
    assert_eq!(
        f.ok(vec![allocate(20, "R25", 1, "2025-03-02")]).seqs,
        vec![18]
    );
}
