//! The log on disk: reopening, integrity checks (flipped bytes, lost tail, missing HEAD) and
//! the single-writer lock.

use crate::common;
use common::{copy_dir, lung_phinh_store, socai, text};

use std::path::Path;
use std::process::Output;

use socai::ledger::Ledger;
use socai::storage::{OpenMode, StoreError, raw};

fn balance(db: &Path) -> Output {
    socai(db, &["balance", "--as-of", "2025-11-20", "--json"])
}

#[test]
fn reopening_a_store_shows_the_same_figures() {
    let (_tmp, db) = lung_phinh_store();
    let first = balance(&db);
    assert_eq!(first.status.code(), Some(0));
    let second = balance(&db);
    assert_eq!(first.stdout, second.stdout);
    let o = socai(&db, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("ok: 277 events"));
}

fn assert_integrity_failure(db: &Path, seq: u64, words: &str) {
    assert_verify_and_writers_refuse(db, seq, words);
    // A HEAD record that disagrees with what the index was built for: the indexed read path
    // declines, and the full open refuses the store rather than serve figures from it.
    let b = balance(db);
    assert_eq!(b.status.code(), Some(3));
    assert!(b.stdout.is_empty());
}

/// Damage to the log is found by `verify` and by every open that loads the log (writers,
/// trail, export). A cold `balance` reads the persisted index, written when the figures were
/// acknowledged, and neither opens sled nor re-hashes the log (the deliberate tradeoff of
/// issue 5, see README): until a full open has found the damage, it either refuses or serves
/// exactly the figures acknowledged before the damage, never others; from then on it refuses.
fn assert_log_damage_refused(db: &Path, seq: u64, words: &str, reference: &[u8]) {
    let b = balance(db);
    match b.status.code() {
        Some(3) => assert!(b.stdout.is_empty()),
        Some(0) => assert_eq!(b.stdout, reference),
        other => panic!("balance exited {other:?}: {}", text(&b.stderr)),
    }
    assert_verify_and_writers_refuse(db, seq, words);
    let b = balance(db);
    assert_eq!(b.status.code(), Some(3), "{}", text(&b.stderr));
    assert!(b.stdout.is_empty());
    let t = socai(db, &["trail", "2025/DTTS/SN/DA1/NSTW"]);
    assert_eq!(t.status.code(), Some(3), "{}", text(&t.stderr));
}

fn assert_verify_and_writers_refuse(db: &Path, seq: u64, words: &str) {
    let o = socai(db, &["verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("sequence {seq}")), "{err}");
    assert!(err.contains(words), "{err}");
    let events =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025/events.jsonl");
    let i = socai(db, &["import", events.to_str().unwrap()]);
    assert_eq!(i.status.code(), Some(3), "{}", text(&i.stderr));
}

#[test]
fn verify_names_the_sequence_of_a_flipped_byte_in_an_event() {
    let (_tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    // Flip one byte inside the envelope of sequence 100 (past the 32-byte hash).
    raw::tamper(&db, 100, |v| {
        let i = v.len() - 3;
        v[i] ^= 0x01;
    })
    .unwrap();
    assert_log_damage_refused(&db, 100, "hash mismatch", &reference);
}

#[test]
fn verify_names_the_sequence_of_a_flipped_byte_in_a_stored_hash() {
    let (_tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    raw::tamper(&db, 5, |v| v[0] ^= 0x80).unwrap();
    assert_log_damage_refused(&db, 5, "hash mismatch", &reference);
}

#[test]
fn verify_catches_a_truncated_tail_that_a_chain_alone_cannot() {
    let (_tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    raw::remove(&db, 277).unwrap();
    raw::remove(&db, 276).unwrap();
    // The remaining chain 1..275 is internally valid; only HEAD knows 277 was acknowledged.
    assert_log_damage_refused(&db, 276, "truncated tail", &reference);
}

#[test]
fn verify_catches_a_hole_in_the_sequence() {
    let (_tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    raw::remove(&db, 50).unwrap();
    assert_log_damage_refused(&db, 50, "missing", &reference);
}

#[test]
fn a_missing_head_record_is_refused_not_guessed() {
    let (_tmp, db) = lung_phinh_store();
    std::fs::remove_file(db.join("HEAD")).unwrap();
    let o = socai(&db, &["verify"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("HEAD record is missing"));
}

#[test]
fn a_complete_batch_beyond_head_is_kept_and_head_moves_forward() {
    // A crash between sled's durable write and the HEAD update leaves a chained, complete batch
    // that was never acknowledged: it is kept (re-sending it is a no-op), and HEAD catches up.
    let (_tmp, db) = lung_phinh_store();
    let hash_276 = {
        let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
        hex::encode(ledger.hash_of(276).unwrap())
    };
    std::fs::write(db.join("HEAD"), format!("socai-head 1\n276\n{hash_276}\n")).unwrap();
    let o = socai(&db, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let head = std::fs::read_to_string(db.join("HEAD")).unwrap();
    assert!(head.contains("\n277\n"), "{head}");
}

#[test]
fn a_head_record_that_disagrees_with_the_log_is_refused() {
    let (_tmp, db) = lung_phinh_store();
    let zero = "00".repeat(32);
    std::fs::write(db.join("HEAD"), format!("socai-head 1\n200\n{zero}\n")).unwrap();
    assert_integrity_failure(&db, 200, "HEAD records hash");
}

#[test]
fn a_second_process_gets_a_clear_error_not_a_hang() {
    let (_tmp, db) = lung_phinh_store();
    let held = Ledger::open(&db, OpenMode::MustExist).unwrap();
    // A command that writes is refused at once; one that only reads answers from the
    // acknowledged log (tests/served_reads.rs).
    let o = socai(&db, &["demo"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(
        text(&o.stderr).contains("another socai process"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(balance(&db).status.code(), Some(0));
    drop(held);
    assert_eq!(balance(&db).status.code(), Some(0));
}

#[test]
fn opening_a_tampered_store_in_process_reports_integrity_with_the_sequence() {
    let (_tmp, db) = lung_phinh_store();
    raw::tamper(&db, 42, |v| {
        let i = v.len() / 2;
        v[i] = v[i].wrapping_add(1);
    })
    .unwrap();
    match Ledger::open(&db, OpenMode::MustExist) {
        Err(StoreError::Integrity { seq, .. }) => assert_eq!(seq, Some(42)),
        Err(other) => panic!("expected an integrity error, got {other}"),
        Ok(_) => panic!("a tampered store opened"),
    }
}

#[test]
fn a_flipped_byte_in_the_database_file_is_refused_never_served() {
    // Whatever sled's own checks catch or miss, the answer is either an integrity refusal or the
    // exact figures of the intact store: never different figures. A cold balance answers from
    // the index and does not read the log; `verify` reads all of it.
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    let file = db.join("log").join("db");
    let bytes = std::fs::read(&file).unwrap();
    let mut refused = 0;
    for k in 0..12u64 {
        let copy = tmp.path().join(format!("copy{k}"));
        copy_dir(&db, &copy);
        let offset = ((k * 7919 + 13) * 104_729) as usize % bytes.len();
        let mut flipped = bytes.clone();
        flipped[offset] ^= 0x10;
        std::fs::write(copy.join("log").join("db"), &flipped).unwrap();
        let o = balance(&copy);
        match o.status.code() {
            Some(3) => {}
            Some(0) => assert_eq!(o.stdout, reference, "offset {offset} served other figures"),
            other => panic!("offset {offset}: exit {other:?}: {}", text(&o.stderr)),
        }
        let v = socai(&copy, &["verify"]);
        match v.status.code() {
            Some(3) => refused += 1,
            Some(0) => assert!(text(&v.stdout).starts_with("ok: 277 events")),
            other => panic!(
                "offset {offset}: verify exit {other:?}: {}",
                text(&v.stderr)
            ),
        }
    }
    assert!(refused > 0, "no flip was detected at all");
}

/// A server's ledger hands its chain hashes over to the log view with its records, so that
/// the process holds them once (issue 17): the ledger then reads each back from the store,
/// the ones the open proved (every 1,024th, the head's) are still answered from memory, and
/// appends go on chaining from the head.
#[test]
fn a_ledger_that_shared_its_hashes_reads_them_back_and_goes_on_appending() {
    let (_tmp, db, _) = crate::index::workload_store_3000();
    let mut ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let head = ledger.head_seq();
    assert!(head > 2 * 1_024, "the store crosses two proven hashes");
    let held: Vec<_> = (1..=head).map(|s| ledger.hash_of(s).unwrap()).collect();
    let shared = ledger
        .share_hashes()
        .expect("an open ledger holds its hashes");
    assert_eq!(shared, held);
    assert!(ledger.share_hashes().is_none(), "they are handed over once");
    for seq in [1, 1_023, 1_024, 1_025, 2_048, head - 1, head] {
        assert_eq!(ledger.hash_of(seq), Some(held[seq as usize - 1]), "{seq}");
    }
    assert_eq!(ledger.hashes_in(0, head).unwrap(), held);
    assert_eq!(ledger.hashes_in(1_000, 1_100).unwrap(), held[1_000..1_100]);
    // What reads in parts check their parts against: the hashes the open proved, still held.
    let store = ledger.store();
    for seq in [1_024, 2_048, head] {
        assert_eq!(
            store.proven_hash(seq),
            Some(held[seq as usize - 1]),
            "{seq}"
        );
    }
    assert_eq!(
        store.proven_hash(1_000),
        None,
        "the others are read back, not held"
    );

    let event = socai::core::event::parse_line(
        r#"{"id":"6f1b2c1e-6a7e-4c55-9d0e-2b1c3a4d5e6f","type":"open_line","effective_date":"2024-01-02","line":"2024/DTTS/SN/DA42/NSTW","program":"DTTS","project":"DA42","capital":"recurrent","source":"NSTW","plan_year":2024,"origin":"in_year","name":"DTTS DA42","actor":"ke-toan"}"#,
    )
    .unwrap();
    ledger.append(vec![event], chrono::Utc::now()).unwrap();
    assert_eq!(ledger.head_seq(), head + 1);
    let appended = ledger.hashes_in(head, head + 1).unwrap();
    assert_eq!(appended.len(), 1);
    assert_eq!(ledger.hash_of(head + 1), Some(appended[0]));
    drop(ledger);
    let reopened = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(reopened.hash_of(head + 1), Some(appended[0]));
    assert_eq!(reopened.hash_of(head), Some(held[head as usize - 1]));
}
