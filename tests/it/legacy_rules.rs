//! A store written by the code before the budget year (commit 1d1f50f, stored format 1,
//! rules version 1) that holds every event issue 12 lists as wrongly accepted. It must keep
//! opening, keep every event with the meaning it had, verify, and report which events today's
//! rules would refuse. `replay-fixtures/legacy-rules-v1/` holds its raw stored values
//! (`log.hex`) and HEAD record, committed once and never regenerated; README.md there gives the
//! figures, worked out by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use socai::core::projection::{self, View};
use socai::ledger::Ledger;
use socai::storage::{GENESIS, OpenMode, Store, chain_hash, envelope};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/legacy-rules-v1")
}

/// (sequence, chain hash, envelope) per stored event.
fn raw_log() -> Vec<(u64, [u8; 32], Vec<u8>)> {
    let text = std::fs::read_to_string(fixture().join("log.hex")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let seq: u64 = parts.next().unwrap().parse().unwrap();
            let hash: [u8; 32] = hex::decode(parts.next().unwrap())
                .unwrap()
                .try_into()
                .unwrap();
            (seq, hash, hex::decode(parts.next().unwrap()).unwrap())
        })
        .collect()
}

/// A store rebuilt from the committed bytes, verbatim.
fn rebuilt() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let envelopes: Vec<Vec<u8>> = raw_log().into_iter().map(|(_, _, e)| e).collect();
    Store::create_from_prefix(&db, &envelopes).unwrap();
    (tmp, db)
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n) * Decimal::from(1_000_000)
}

#[test]
fn the_old_store_is_format_1_and_its_chain_holds() {
    let log = raw_log();
    assert_eq!(log.len(), 15);
    let mut prev = GENESIS;
    for (i, (seq, hash, env)) in log.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1);
        assert_eq!(
            env[0],
            envelope::FORMAT_V1,
            "sequence {seq} is stored format 1"
        );
        assert_eq!(chain_hash(&prev, *seq, env), *hash, "sequence {seq}");
        assert_eq!(envelope::decode(env).unwrap().rules, 1);
        prev = *hash;
    }
}

#[test]
fn the_old_store_opens_keeps_every_event_and_reports_what_todays_rules_refuse() {
    let (_tmp, db) = rebuilt();
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(ledger.head_seq(), 15);
    let refused: Vec<(u64, &str)> = ledger
        .state()
        .legacy_refusals()
        .iter()
        .map(|(seq, r)| (*seq, r.code.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            (8, "past_deadline"),
            (9, "program_mismatch"),
            (11, "origin_mismatch"),
            (13, "past_deadline"),
            (15, "past_deadline"),
        ]
    );
    // Every event counts as it did when it was accepted. The 2024 line: plan 1.000, carried
    // out 100 (its own column now), disbursed 600 + 50 − 20 + 20 = 650 (the refund of
    // 2025-10-10 was accepted by rules that knew no deadline: it lowers disbursed), available
    // 1.000 − 650 − 100 = 250, exactly what was available when the log was written.
    let view = View {
        as_of: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        known_at: 15,
    };
    let lines = projection::balances(ledger.records(), view, None);
    let figures: Vec<(&str, Decimal, Decimal, Decimal, Decimal)> = lines
        .iter()
        .map(|l| {
            (
                l.spec.line.as_str(),
                l.plan,
                l.disbursed,
                l.carried_out,
                l.available(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("LG/2024/GNBV/SN", dec(1000), dec(650), dec(100), dec(250)),
            ("LG/2025/DTTS/DT/KD", dec(400), dec(300), dec(0), dec(100)),
            ("LG/2025/DTTS/SN/CN", dec(100), dec(0), dec(0), dec(100)),
            ("LG/2025/GNBV/SN", dec(400), dec(0), dec(0), dec(400)),
            ("LG/2025/GNBV/SN/CN", dec(100), dec(0), dec(0), dec(100)),
        ]
    );
    assert!(lines.iter().all(|l| l.recovered_after_close.is_zero()));
}

#[test]
fn verify_reports_the_events_todays_rules_would_refuse() {
    let (_tmp, db) = rebuilt();
    let out = Command::new(env!("CARGO_BIN_EXE_socai"))
        .env("SOCAI_LANG", "en")
        .args(["--db", db.to_str().unwrap(), "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ok: 15 events"), "{text}");
    assert!(text.contains("note: 5 stored event(s)"), "{text}");
    for (seq, code) in [
        (8, "past_deadline"),
        (9, "program_mismatch"),
        (11, "origin_mismatch"),
    ] {
        assert!(text.contains(&format!("sequence {seq}: {code}:")), "{text}");
    }
}

/// Writes `log.hex` and `HEAD` from a store the code of commit 1d1f50f built from
/// `events.jsonl` (see the README). Run once; never again:
/// `SOCAI_LEGACY_STORE=/path/to/old/db cargo test --test legacy_rules -- --ignored`.
#[test]
#[ignore = "writes replay-fixtures/legacy-rules-v1 from a store built by the old code"]
fn write_legacy_fixture() {
    let Ok(dir) = std::env::var("SOCAI_LEGACY_STORE") else {
        return;
    };
    let db = PathBuf::from(dir);
    let head = std::fs::read_to_string(db.join("HEAD")).unwrap();
    let seqs: u64 = head.lines().nth(1).unwrap().parse().unwrap();
    let mut out = String::from(
        "# socai stored format 1, written by commit 1d1f50f (rules version 1): sequence, chain hash, stored envelope (hex). Frozen.\n",
    );
    for seq in 1..=seqs {
        let mut value = Vec::new();
        socai::storage::raw::tamper(&db, seq, |v| value = v.clone()).unwrap();
        let (hash, env) = value.split_at(32);
        out.push_str(&format!(
            "{seq} {} {}\n",
            hex::encode(hash),
            hex::encode(env)
        ));
    }
    std::fs::write(fixture().join("log.hex"), out).unwrap();
    std::fs::write(fixture().join("HEAD"), head).unwrap();
}
