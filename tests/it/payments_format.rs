//! Stored format 3 (issue 13) beside formats 1 and 2: a version-2 record (written here
//! byte for byte as the previous code wrote it, through a mirror of its frozen types) still
//! decodes to the same event — its disbursement names no contract and recovers nothing, its
//! refund is not an advance — and a store of them opens under the rules that accepted them;
//! a version-3 record of a payment kind that claims an older rules version is refused.

use chrono::DateTime;
use rust_decimal::Decimal;
use serde::Serialize;
use socai::core::event::{Kind, parse_line};
use socai::core::rules::Recorded;
use socai::ledger::Ledger;
use socai::storage::{OpenMode, Store, envelope};

/// `envelope::DocumentV1`, field for field.
#[derive(Serialize)]
struct DocumentV1 {
    number: String,
    date: i32,
    issuer: Option<String>,
}

/// `envelope::LineV1`, field for field.
#[derive(Serialize)]
struct LineV1 {
    line: String,
    program: String,
    project: Option<String>,
    subproject: Option<String>,
    capital: u8,
    source: String,
    plan_year: i32,
    origin: u8,
    work: Option<String>,
    name: Option<String>,
}

/// `envelope::KindV2`, variant for variant (bincode writes the index).
#[derive(Serialize)]
#[allow(dead_code)]
enum KindV2 {
    OpenLine(LineV1),
    Allocate {
        line: String,
        amount: Decimal,
    },
    Reduce {
        line: String,
        amount: Decimal,
    },
    Transfer {
        from: String,
        to: String,
        amount: Decimal,
    },
    CarryOver {
        from: String,
        to: String,
        amount: Decimal,
    },
    Disburse {
        line: String,
        amount: Decimal,
        payee: Option<String>,
    },
    Refund {
        line: String,
        amount: Decimal,
    },
    Reverse {
        target: [u8; 16],
        reason: String,
    },
    Lapse {
        line: String,
        amount: Decimal,
    },
    SetDeadline {
        line: String,
        deadline: i32,
    },
}

/// `envelope::RecordV2`, field for field.
#[derive(Serialize)]
struct RecordV2 {
    seq: u64,
    recorded_at_micros: i64,
    id: [u8; 16],
    effective_date: i32,
    actor: Option<String>,
    note: Option<String>,
    document: Option<DocumentV1>,
    kind: KindV2,
    rules: u16,
}

fn days(text: &str) -> i32 {
    use chrono::Datelike;
    text.parse::<chrono::NaiveDate>()
        .unwrap()
        .num_days_from_ce()
}

fn v2(seq: u64, kind: KindV2) -> Vec<u8> {
    let document = (!matches!(kind, KindV2::OpenLine(_))).then(|| DocumentV1 {
        number: "UNC-01".into(),
        date: days("2025-01-02"),
        issuer: None,
    });
    let record = RecordV2 {
        seq,
        recorded_at_micros: 1_767_225_600_000_000,
        id: uuid::Uuid::from_u128(seq as u128).into_bytes(),
        effective_date: days("2025-03-01"),
        actor: None,
        note: None,
        document,
        kind,
        rules: 2,
    };
    let mut bytes = vec![envelope::FORMAT_V2];
    bytes.extend(bincode::serde::encode_to_vec(&record, bincode::config::standard()).unwrap());
    bytes
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

fn v2_log() -> Vec<Vec<u8>> {
    vec![
        v2(
            1,
            KindV2::OpenLine(LineV1 {
                line: "L".into(),
                program: "DTTS".into(),
                project: None,
                subproject: None,
                capital: 1,
                source: "NSTW".into(),
                plan_year: 2025,
                origin: 0,
                work: None,
                name: None,
            }),
        ),
        v2(
            2,
            KindV2::Allocate {
                line: "L".into(),
                amount: dec(1000),
            },
        ),
        v2(
            3,
            KindV2::Disburse {
                line: "L".into(),
                amount: dec(600),
                payee: Some("NCC".into()),
            },
        ),
        v2(
            4,
            KindV2::Refund {
                line: "L".into(),
                amount: dec(100),
            },
        ),
    ]
}

#[test]
fn version_2_records_decode_to_the_events_they_were() {
    let log = v2_log();
    let disburse = envelope::decode(&log[2]).unwrap();
    assert_eq!(disburse.rules, 2);
    let want = parse_line(
        r#"{"id":"00000000-0000-0000-0000-000000000003","type":"disburse","effective_date":"2025-03-01","line":"L","amount":"600","payee":"NCC","document":{"number":"UNC-01","date":"2025-01-02"}}"#,
    )
    .unwrap();
    assert_eq!(disburse.event, want);
    assert!(matches!(
        envelope::decode(&log[3]).unwrap().event.kind,
        Kind::Refund { advance: false, .. }
    ));
}

#[test]
fn a_version_2_store_opens_with_its_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    Store::create_from_prefix(&db, &v2_log()).unwrap();
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(ledger.head_seq(), 4);
    assert!(ledger.records().iter().all(|r| r.rules == 2));
    let view = socai::core::known_at::view_at_seq(4, "2025-12-31".parse().unwrap(), None).unwrap();
    let lines = socai::core::projection::balances(ledger.records(), view, None);
    assert_eq!((lines[0].plan, lines[0].disbursed), (dec(1000), dec(500)));
    assert_eq!(lines[0].pay.completed, dec(500));
    assert_eq!(lines[0].pay.advance_outstanding, Decimal::ZERO);
    assert_eq!(lines[0].available(), dec(500));
}

#[test]
fn a_payment_kind_under_an_older_rules_version_is_refused_at_decode() {
    let advance = parse_line(
        r#"{"id":"00000000-0000-0000-0000-000000000009","type":"advance","effective_date":"2025-03-01","line":"L","amount":"600","document":{"number":"UNC-01","date":"2025-01-02"}}"#,
    )
    .unwrap();
    let recorded = |rules| Recorded {
        seq: 5,
        recorded_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
        event: advance.clone(),
        rules,
    };
    let current = envelope::encode(&recorded(3)).unwrap();
    assert_eq!(current[0], envelope::FORMAT_V3);
    assert_eq!(envelope::decode(&current).unwrap(), recorded(3));
    let forged = envelope::encode(&recorded(2)).unwrap();
    assert!(envelope::decode(&forged).is_err());
}
