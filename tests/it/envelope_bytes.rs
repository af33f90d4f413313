//! The stored bytes of format version 3, pinned per kind: `envelope::encode` of one event of
//! every kind (optional fields both filled and empty) must give exactly the bytes the code of
//! commit bde1028 gave (the hex below was written by that code, before the frozen types were
//! regrouped into shared sub-structs), and `decode` must give the event back. A change to a
//! frozen type's layout (a reordered field, a struct where bincode wrote a tuple) fails here.

use chrono::{DateTime, NaiveDate};
use socai::core::event::{
    Capital, ContributionKind, Document, Event, Kind, LineSpec, Origin, Work,
};
use socai::core::money::Amount;
use socai::core::rules::Recorded;
use socai::storage::envelope;
use uuid::Uuid;

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn doc(issuer: Option<&str>) -> Document {
    Document {
        number: "QĐ-12/UBND".into(),
        date: date("2025-01-02"),
        issuer: issuer.map(str::to_string),
    }
}

fn line(name: Option<&str>) -> LineSpec {
    LineSpec {
        line: "2025/DTTS/SN/DA1/NSTW".into(),
        program: "DTTS".into(),
        project: Some("DA1".into()),
        subproject: None,
        capital: Capital::Recurrent,
        source: "NSTW".into(),
        plan_year: 2025,
        origin: Origin::CarriedOver,
        work: name.map(|_| "W1".to_string()),
        name: name.map(str::to_string),
    }
}

/// One kind of every variant, in `Kind`'s order, with both shapes of their optional fields.
fn kinds() -> Vec<Kind> {
    let l = || "L".to_string();
    vec![
        Kind::OpenLine(Box::new(line(None))),
        Kind::OpenLine(Box::new(line(Some("Đường thôn 3")))),
        Kind::Allocate {
            line: l(),
            amount: amount("1000000"),
        },
        Kind::Reduce {
            line: l(),
            amount: amount("250"),
        },
        Kind::Transfer {
            from: l(),
            to: "M".into(),
            amount: amount("12345678901"),
        },
        Kind::CarryOver {
            from: l(),
            to: "M".into(),
            amount: amount("7"),
        },
        Kind::Disburse {
            line: l(),
            amount: amount("600"),
            payee: None,
            contract: None,
            recovers: None,
        },
        Kind::Disburse {
            line: l(),
            amount: amount("600"),
            payee: Some("Công ty A".into()),
            contract: Some("HĐ-01".into()),
            recovers: Some(amount("200")),
        },
        Kind::Refund {
            line: l(),
            amount: amount("100"),
            advance: false,
        },
        Kind::Refund {
            line: l(),
            amount: amount("100"),
            advance: true,
        },
        Kind::Reverse {
            target: Uuid::from_u128(0xabcdef),
            reason: "nhập sai".into(),
        },
        Kind::Lapse {
            line: l(),
            amount: amount("90"),
        },
        Kind::SetDeadline {
            line: l(),
            deadline: date("2026-12-31"),
        },
        Kind::Advance {
            line: l(),
            amount: amount("300"),
            payee: None,
            contract: None,
        },
        Kind::Advance {
            line: l(),
            amount: amount("300"),
            payee: Some("B".into()),
            contract: Some("HĐ-02".into()),
        },
        Kind::Commit {
            line: l(),
            contract: "HĐ-03".into(),
            amount: amount("5000"),
            payee: "C".into(),
        },
        Kind::OpenWork(Box::new(Work {
            work: "W1".into(),
            name: "Nhà văn hoá".into(),
            total_investment: amount("900000"),
            decision: doc(Some("UBND xã")),
            owner: None,
            site: Some("thôn 2".into()),
        })),
        Kind::Contribute {
            work: "W1".into(),
            amount: amount("10"),
            kind: ContributionKind::Cash,
        },
        Kind::Contribute {
            work: "W1".into(),
            amount: amount("11"),
            kind: ContributionKind::InKind,
        },
        Kind::Contribute {
            work: "W1".into(),
            amount: amount("12"),
            kind: ContributionKind::Labour,
        },
    ]
}

fn recorded(seq: u64, kind: Kind) -> Recorded {
    let no_document = matches!(kind, Kind::OpenLine(_) | Kind::OpenWork(_));
    Recorded {
        seq,
        recorded_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap(),
        event: Event {
            id: Uuid::from_u128(seq as u128 * 7919),
            effective_date: date("2025-03-01"),
            actor: seq.is_multiple_of(2).then(|| "kế toán".to_string()),
            note: seq.is_multiple_of(3).then(|| "ghi chú".to_string()),
            document: (!no_document).then(|| doc((seq % 2 == 1).then_some("KBNN"))),
            kind,
        },
        rules: 3,
    }
}

const PINNED: &str = include_str!("envelope_bytes.hex");

#[test]
fn version_3_bytes_of_every_kind_are_those_of_the_frozen_format() {
    let got: Vec<String> = kinds()
        .into_iter()
        .enumerate()
        .map(|(i, kind)| hex::encode(envelope::encode(&recorded(i as u64 + 1, kind)).unwrap()))
        .collect();
    let want: Vec<&str> = PINNED.lines().collect();
    assert_eq!(got.len(), want.len());
    for (i, (got, want)) in got.iter().zip(&want).enumerate() {
        assert_eq!(got, want, "kind #{i} encodes to other bytes");
    }
}

#[test]
fn version_3_bytes_of_every_kind_decode_to_their_event() {
    for (i, kind) in kinds().into_iter().enumerate() {
        let record = recorded(i as u64 + 1, kind);
        let bytes = envelope::encode(&record).unwrap();
        assert_eq!(bytes[0], envelope::FORMAT_V3);
        assert_eq!(envelope::decode(&bytes).unwrap(), record, "kind #{i}");
    }
}

/// Version 1 knew eight kinds; versions 1 and 2 decode through one enum, so a version-1 record
/// naming the budget year's lapse (variant 8) must still be refused, not read as a lapse.
#[test]
fn a_version_1_record_of_a_budget_year_kind_is_refused() {
    let lapse = recorded(
        1,
        Kind::Lapse {
            line: "L".into(),
            amount: amount("90"),
        },
    );
    let v3 = envelope::encode(&lapse).unwrap();
    // Version 3's body is version 1's fields then the rules version (3: one varint byte).
    assert_eq!(v3.last(), Some(&3));
    let body = &v3[1..v3.len() - 1];
    let mut v1 = vec![envelope::FORMAT_V1];
    v1.extend_from_slice(body);
    assert!(envelope::decode(&v1).is_err());
    let mut v2 = vec![envelope::FORMAT_V2];
    v2.extend_from_slice(&v3[1..]);
    assert_eq!(envelope::decode(&v2).unwrap(), lapse);
}
