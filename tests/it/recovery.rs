//! Corruption drills on the store's files, an older copy swapped in, `socai recover` and
//! `socai backup`. (Tampering with single stored events is in tests/store.rs.)

use crate::common;
use common::{copy_dir, import, lung_phinh_events, lung_phinh_store, socai, text};

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::Utc;
use socai::core::event;
use socai::ledger::Ledger;
use socai::storage::{Fault, OpenMode, raw};

fn balance(db: &Path) -> Output {
    socai(db, &["balance", "--as-of", "2025-11-20", "--json"])
}

/// The `head SEQ:HASH` line that verify, import and backup print.
fn head_of(db: &Path) -> String {
    let o = socai(db, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("head ").map(str::to_string))
        .unwrap()
}

/// Damages a copy of the store and checks that it is refused (exit 3, naming `words`) and
/// that no command serves figures from it.
/// Removes the journal, the second copy of the log: these drills damage both copies, to show
/// what `recover` says when acknowledged events are really gone.
fn without_journal(db: &Path) {
    std::fs::remove_dir_all(db.join("journal")).unwrap();
}

fn assert_refused(db: &Path, words: &[&str]) {
    let o = socai(db, &["verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    let b = balance(db);
    assert_eq!(b.status.code(), Some(3), "{}", text(&b.stderr));
    assert!(b.stdout.is_empty());
    // An import into it is refused too, and does not paper over the damage.
    let i = socai(db, &["import", lung_phinh_events().to_str().unwrap()]);
    assert_eq!(i.status.code(), Some(3), "{}", text(&i.stderr));
    assert_eq!(socai(db, &["verify"]).status.code(), Some(3));
}

#[test]
fn deleting_the_database_file_is_refused_naming_the_lost_sequences() {
    let (_tmp, db) = lung_phinh_store();
    std::fs::remove_file(db.join("log/db")).unwrap();
    assert_refused(&db, &["sequence 1", "truncated tail", "277"]);
}

#[test]
fn deleting_the_log_directory_is_refused_not_taken_for_a_new_store() {
    let (_tmp, db) = lung_phinh_store();
    std::fs::remove_dir_all(db.join("log")).unwrap();
    assert_refused(&db, &["log directory", "is missing", "277"]);
    // Refusing created nothing in its place.
    assert!(!db.join("log").exists());
}

#[test]
fn deleting_the_head_record_is_refused() {
    let (_tmp, db) = lung_phinh_store();
    std::fs::remove_file(db.join("HEAD")).unwrap();
    assert_refused(&db, &["HEAD record is missing", "277 events"]);
}

#[test]
fn a_damaged_head_record_is_refused() {
    let (_tmp, db) = lung_phinh_store();
    let head = std::fs::read(db.join("HEAD")).unwrap();
    let mut bad = head.clone();
    bad[3] ^= 0x20;
    std::fs::write(db.join("HEAD"), &bad).unwrap();
    assert_refused(&db, &["HEAD record is unreadable"]);
    // A flipped digit of the recorded hash fails HEAD's checksum line.
    let mut bad = head.clone();
    let text_head = String::from_utf8(head.clone()).unwrap();
    let at = text_head.find("\nsum ").unwrap() - 1;
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(db.join("HEAD"), &bad).unwrap();
    assert_refused(&db, &["HEAD record is unreadable", "checksum"]);
    // A HEAD rewritten without its checksum line (as earlier versions wrote it) that names
    // another hash names the sequence HEAD points at.
    let mut bad = text_head.split("sum ").next().unwrap().as_bytes().to_vec();
    let at = bad.len() - 2;
    bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(db.join("HEAD"), &bad).unwrap();
    assert_refused(&db, &["sequence 277", "HEAD records hash"]);
}

#[test]
fn truncating_the_database_file_is_refused_or_harmless_never_wrong() {
    // sled recovers what it can from a truncated file; HEAD then shows what is missing.
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    let len = std::fs::metadata(db.join("log/db")).unwrap().len();
    let mut refused = 0;
    for (k, keep) in [0, 100, 4096, len / 3, len / 2, len - 1]
        .into_iter()
        .enumerate()
    {
        let copy = tmp.path().join(format!("t{k}"));
        copy_dir(&db, &copy);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(copy.join("log/db"))
            .unwrap();
        f.set_len(keep).unwrap();
        drop(f);
        // A cold balance answers from the index without reading the log (see README, "The
        // tradeoff of the indexed read path"): it refuses or serves the acknowledged figures.
        let o = balance(&copy);
        match o.status.code() {
            Some(3) => assert_names_what_was_lost(&text(&o.stderr)),
            Some(0) => assert_eq!(o.stdout, reference, "truncated to {keep}: other figures"),
            other => panic!("truncated to {keep}: exit {other:?}: {}", text(&o.stderr)),
        }
        let v = socai(&copy, &["verify"]);
        match v.status.code() {
            Some(3) => {
                refused += 1;
                assert_names_what_was_lost(&text(&v.stderr));
            }
            Some(0) => assert_eq!(balance(&copy).stdout, reference),
            other => panic!("truncated to {keep}: exit {other:?}: {}", text(&v.stderr)),
        }
    }
    // An emptied or nearly emptied file cannot serve the log: those at least are refused.
    assert!(refused >= 2, "only {refused} truncations were detected");
}

/// The first bad sequence, or sled's own finding, with what HEAD says was acknowledged.
fn assert_names_what_was_lost(err: &str) {
    assert!(
        err.contains("sequence ")
            || (err.contains("sled reports corruption") && err.contains("HEAD records 277")),
        "{err}"
    );
}

#[test]
fn deleting_sleds_config_or_blob_directory_is_refused_or_harmless() {
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    for (k, victim) in ["log/conf", "log/blobs"].into_iter().enumerate() {
        let copy = tmp.path().join(format!("d{k}"));
        copy_dir(&db, &copy);
        let path = copy.join(victim);
        if path.is_dir() {
            std::fs::remove_dir_all(&path).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        let o = balance(&copy);
        match o.status.code() {
            Some(3) => {}
            Some(0) => assert_eq!(o.stdout, reference, "without {victim}: other figures"),
            other => panic!("without {victim}: exit {other:?}: {}", text(&o.stderr)),
        }
    }
}

/// A store of the fixture's first `n` lines.
fn partial_store(dir: &Path, n: usize) -> PathBuf {
    let all = std::fs::read_to_string(lung_phinh_events()).unwrap();
    let part: String = all.lines().take(n).map(|l| format!("{l}\n")).collect();
    let file = dir.join(format!("first-{n}.jsonl"));
    std::fs::write(&file, part).unwrap();
    file
}

#[test]
fn an_older_copy_swapped_in_is_caught_only_by_a_head_kept_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    import(&db, &partial_store(tmp.path(), 200));
    let old = tmp.path().join("old");
    copy_dir(&db, &old);
    import(&db, &lung_phinh_events());
    let head = head_of(&db);
    assert!(head.starts_with("277:"), "{head}");
    // Swap the older copy in.
    std::fs::remove_dir_all(&db).unwrap();
    std::fs::rename(&old, &db).unwrap();
    // The limit: the older copy is internally consistent, so on its own it verifies.
    assert_eq!(socai(&db, &["verify"]).status.code(), Some(0));
    // With the head kept outside, it is refused, naming the first missing sequence.
    let o = socai(&db, &["verify", "--expect-head", &head]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("sequence 201"), "{err}");
    assert!(err.contains("older copy"), "{err}");
    // A head of the same length from another log: its hash differs.
    let other = format!("150:{}", "ab".repeat(32));
    let o = socai(&db, &["verify", "--expect-head", &other]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("sequence 150"),
        "{}",
        text(&o.stderr)
    );
    // A malformed head is a usage error.
    assert_eq!(
        socai(&db, &["verify", "--expect-head", "12:zz"])
            .status
            .code(),
        Some(2)
    );
    // An earlier head of the same log is contained in it.
    let o = socai(&db, &["verify", "--expect-head", &head_of(&db)]);
    assert_eq!(o.status.code(), Some(0));
}

// ---------------------------------------------------------------------------------------------
// recover

fn export(db: &Path, to: &Path) {
    let o = socai(db, &["export"]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(to, o.stdout).unwrap();
}

fn recover(from: &Path, to: &Path, export: Option<&Path>) -> Output {
    let mut args = vec![
        "recover".to_string(),
        "--from".into(),
        from.to_str().unwrap().into(),
        "--to".into(),
        to.to_str().unwrap().into(),
    ];
    if let Some(e) = export {
        args.push("--export".into());
        args.push(e.to_str().unwrap().into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    socai(Path::new("unused"), &args)
}

#[test]
fn recover_with_an_export_loses_nothing_and_gives_the_same_figures() {
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    let saved = tmp.path().join("export.jsonl");
    export(&db, &saved);
    raw::tamper(&db, 100, |v| {
        let i = v.len() - 3;
        v[i] ^= 0x01;
    })
    .unwrap();
    without_journal(&db);
    let damaged_head = std::fs::read(db.join("HEAD")).unwrap();
    let new = tmp.path().join("new");
    let o = recover(&db, &new, Some(&saved));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("sequence 100"), "{out}");
    assert!(out.contains("sequences 1–99 copied verbatim"), "{out}");
    assert!(
        out.contains("99 events already in the kept prefix"),
        "{out}"
    );
    assert!(out.contains("178 re-entered as sequences 100–277"), "{out}");
    assert!(out.contains("nothing lost"), "{out}");
    // The new store verifies and shows the same figures (head hash aside: re-entered events
    // carry the recovery's recording time).
    assert_eq!(socai(&new, &["verify"]).status.code(), Some(0));
    let strip = |b: &[u8]| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v.as_object_mut().unwrap().remove("head_hash");
        v
    };
    assert_eq!(strip(&balance(&new).stdout), strip(&reference));
    // The kept prefix is byte for byte the original: its hashes are the original's.
    let o = socai(
        &new,
        &[
            "balance",
            "--as-of",
            "2025-11-20",
            "--known-at",
            "99",
            "--json",
        ],
    );
    let h99: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = Ledger::open(&new, OpenMode::MustExist).unwrap();
    assert_eq!(
        h99["head_hash"].as_str().unwrap(),
        hex::encode(d.hash_of(99).unwrap())
    );
    drop(d);
    // The damaged store is left exactly as found: it is the evidence.
    assert_eq!(std::fs::read(db.join("HEAD")).unwrap(), damaged_head);
    assert_eq!(socai(&db, &["verify"]).status.code(), Some(3));
}

#[test]
fn recover_without_an_export_says_exactly_which_sequences_are_lost() {
    let (tmp, db) = lung_phinh_store();
    raw::tamper(&db, 100, |v| v[40] ^= 0x04).unwrap();
    without_journal(&db);
    let new = tmp.path().join("new");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("LOST: acknowledged sequences 100–277 (178 events)"),
        "{err}"
    );
    let v = socai(&new, &["verify"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(text(&v.stdout).starts_with("ok: 99 events"));
}

#[test]
fn recover_of_a_truncated_tail_with_a_partial_export_names_the_rest_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    import(&db, &lung_phinh_events());
    let saved = partial_store(tmp.path(), 276);
    raw::remove(&db, 277).unwrap();
    raw::remove(&db, 276).unwrap();
    raw::remove(&db, 275).unwrap();
    without_journal(&db);
    let new = tmp.path().join("new");
    let o = recover(&db, &new, Some(&saved));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("re-entered as sequences 275–276"));
    assert!(
        text(&o.stderr).contains("LOST: acknowledged sequences 277–277 (1 events)"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn recover_refuses_an_export_that_contradicts_the_kept_prefix() {
    let (tmp, db) = lung_phinh_store();
    raw::tamper(&db, 200, |v| v[40] ^= 0x04).unwrap();
    let all = std::fs::read_to_string(lung_phinh_events()).unwrap();
    // Same id as sequence 5, other content.
    let line5 = all.lines().nth(4).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(line5).unwrap();
    v["note"] = serde_json::Value::String("changed".into());
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{v}\n")).unwrap();
    let new = tmp.path().join("new");
    let o = recover(&db, &new, Some(&bad));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("id_conflict"),
        "{}",
        text(&o.stderr)
    );
    assert!(!new.exists(), "a half-recovered store was left behind");
}

#[test]
fn recover_never_writes_into_a_non_empty_directory() {
    let (tmp, db) = lung_phinh_store();
    let new = tmp.path().join("new");
    std::fs::create_dir(&new).unwrap();
    std::fs::write(new.join("keep.txt"), "mine").unwrap();
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(new.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn recover_without_a_head_record_says_the_loss_is_unknown() {
    let (tmp, db) = lung_phinh_store();
    std::fs::remove_file(db.join("HEAD")).unwrap();
    // With the journal, both copies agree and nothing is lost (see the drills); without it
    // the log alone cannot tell.
    let new = tmp.path().join("with_journal");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("each prove all 277 events"),
        "{}",
        text(&o.stdout)
    );
    without_journal(&db);
    let new = tmp.path().join("new");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("UNKNOWN LOSS"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stdout).contains("sequences 1–277 copied"));
}

#[test]
fn recover_of_a_whole_store_is_a_verbatim_copy() {
    let (tmp, db) = lung_phinh_store();
    let head = head_of(&db);
    let new = tmp.path().join("new");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(head_of(&new), head);
}

// ---------------------------------------------------------------------------------------------
// backup

#[test]
fn a_backup_verifies_restores_and_carries_on() {
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    let head = head_of(&db);
    let backup = tmp.path().join("backup");
    let o = socai(&db, &["backup", backup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&format!("head {head}")));
    // The copy verifies against the head the original had.
    let v = socai(&backup, &["verify", "--expect-head", &head]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert_eq!(balance(&backup).stdout, reference);
    // Disaster: the original is gone. Restore by moving the backup in place.
    std::fs::remove_dir_all(&db).unwrap();
    std::fs::rename(&backup, &db).unwrap();
    assert_eq!(
        socai(&db, &["verify", "--expect-head", &head])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(balance(&db).stdout, reference);
    // And it takes new events.
    let more = tmp.path().join("more.jsonl");
    std::fs::write(
        &more,
        r#"{"id":"00000000-0000-4000-8000-00000000b001","type":"open_line","effective_date":"2025-12-01","line":"NEW/1","program":"DTTS","capital":"recurrent","source":"NSTW","plan_year":2025,"origin":"in_year"}
"#,
    )
    .unwrap();
    import(&db, &more);
    assert!(head_of(&db).starts_with("278:"));
}

#[test]
fn backup_refuses_a_non_empty_target_and_a_store_held_elsewhere() {
    let (tmp, db) = lung_phinh_store();
    let target = tmp.path().join("t");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("x"), "x").unwrap();
    let o = socai(&db, &["backup", target.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(text(&o.stderr).contains("not empty"), "{}", text(&o.stderr));
    // While another process holds the store, backup says so at once.
    let held = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let o = socai(&db, &["backup", tmp.path().join("u").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(text(&o.stderr).contains("another socai process"));
    // The process holding it can take the backup itself: that is the live backup.
    let live = tmp.path().join("live");
    held.backup(&live).unwrap();
    drop(held);
    assert_eq!(head_of(&live), head_of(&db));
}

#[test]
fn live_backups_between_appends_are_consistent_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let all = std::fs::read_to_string(lung_phinh_events()).unwrap();
    let events: Vec<_> = all.lines().map(|l| event::parse_line(l).unwrap()).collect();
    let mut ledger = Ledger::open(&db, OpenMode::CreateIfMissing).unwrap();
    let mut backups = Vec::new();
    for (i, chunk) in events.chunks(70).enumerate() {
        ledger.append(chunk.to_vec(), Utc::now()).unwrap();
        let dest = tmp.path().join(format!("b{i}"));
        let (seq, hash) = ledger.backup(&dest).unwrap();
        assert_eq!(seq, ledger.head_seq());
        backups.push((dest, seq, hash));
    }
    for (dest, seq, hash) in &backups {
        let copy = Ledger::open(dest, OpenMode::MustExist).unwrap();
        assert_eq!(copy.head_seq(), *seq);
        // Every backup's head is a prefix of the live log.
        assert_eq!(ledger.hash_of(*seq), Some(*hash));
        assert_eq!(copy.records(), &ledger.records()[..*seq as usize]);
    }
    assert_eq!(backups.len(), 4);
}

#[test]
fn recover_when_sled_cannot_open_the_log_at_all_rebuilds_from_the_export() {
    // Truncating sled's file can leave it unopenable: nothing verifies, the export is all.
    let (tmp, db) = lung_phinh_store();
    let saved = tmp.path().join("export.jsonl");
    export(&db, &saved);
    let reference = balance(&db).stdout;
    std::fs::write(db.join("log/db"), b"").unwrap();
    without_journal(&db);
    let new = tmp.path().join("new");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stdout).contains("kept: nothing"),
        "{}",
        text(&o.stdout)
    );
    assert!(text(&o.stderr).contains("LOST: acknowledged sequences 1–277"));
    let again = tmp.path().join("again");
    let o = recover(&db, &again, Some(&saved));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("277 re-entered as sequences 1–277"));
    let strip = |b: &[u8]| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v.as_object_mut().unwrap().remove("head_hash");
        v
    };
    assert_eq!(strip(&balance(&again).stdout), strip(&reference));
}

/// A log written with records the rules refuse (as only an attacker with write access to the
/// store folder could): the events are valid one by one, their chain hashes are right.
fn store_with_records(dir: &Path, events: &[&str]) {
    let envelopes: Vec<Vec<u8>> = events
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let record = socai::core::rules::Recorded {
                seq: i as u64 + 1,
                recorded_at: chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
                event: event::parse_line(line).unwrap(),
                rules: socai::core::rule_data::CURRENT,
            };
            socai::storage::envelope::encode(&record).unwrap()
        })
        .collect();
    socai::storage::Store::create_from_prefix(dir, &envelopes).unwrap();
}

const OPEN: &str = r#"{"id":"c0ec7e00-2025-4000-8000-000000000001","type":"open_line","effective_date":"2024-01-02","line":"L1","program":"GNBV","capital":"recurrent","source":"NSTW","plan_year":2024,"origin":"in_year"}"#;
const ALLOCATE_UNKNOWN: &str = r#"{"id":"c0ec7e00-2025-4000-8000-000000000002","type":"allocate","effective_date":"2024-01-15","line":"L2","amount":"500","document":{"number":"61/QĐ-UBND","date":"2024-01-12"}}"#;

#[test]
fn a_stored_log_that_breaks_the_rules_is_refused_at_open_and_cut_by_recover() {
    let tmp = tempfile::tempdir().unwrap();
    // The same event twice: the second repeats sequence 1.
    let repeated = tmp.path().join("repeated");
    store_with_records(&repeated, &[OPEN, OPEN]);
    let e = Ledger::open(&repeated, OpenMode::MustExist).err().unwrap();
    assert_eq!(
        e.to_string(),
        "integrity failure at sequence 2: event c0ec7e00-2025-4000-8000-000000000001 repeats sequence 1; \
         HEAD records 2 acknowledged events (`socai recover` rebuilds what verifies)"
    );
    let done = socai::ledger::recover(&repeated, &tmp.path().join("r1"), None, Utc::now()).unwrap();
    assert_eq!(done.kept, 1);
    let problem = done.problem.unwrap();
    assert!(
        matches!(problem, Fault::RepeatsAt { seq: 2, first: 1 }),
        "{problem:?}"
    );
    assert_eq!(
        problem.to_string(),
        "sequence 2 repeats the event of sequence 1"
    );

    // An allocation to a line never opened.
    let unknown = tmp.path().join("unknown");
    store_with_records(&unknown, &[OPEN, ALLOCATE_UNKNOWN]);
    let e = Ledger::open(&unknown, OpenMode::MustExist).err().unwrap();
    let message = e.to_string();
    assert!(
        message.starts_with(
            "integrity failure at sequence 2: stored event breaks the ledger's rules: "
        ),
        "{message}"
    );
    let done = socai::ledger::recover(&unknown, &tmp.path().join("r2"), None, Utc::now()).unwrap();
    assert_eq!(done.kept, 1);
    let problem = done.problem.unwrap().to_string();
    assert!(
        problem.starts_with("sequence 2: stored event breaks the ledger's rules: "),
        "{problem}"
    );
    assert!(problem.contains("L2"), "{problem}");
}

/// `verify` and `export` check the log with a bounded open (`Hold::Reading`): the records, the
/// chain hashes and the index writer's state are let go of as the log is read. A forged log
/// whose chain is whole (an attacker rewrote it with every hash right) but whose last record
/// repeats the first, 20,000 records back (long let go of), is refused by them exactly as the
/// whole-log open refuses it.
#[test]
fn a_streamed_verify_and_export_refuse_a_forged_record_the_whole_log_open_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("forged");
    let allocations: Vec<String> = (1..=20_000u64)
        .map(|i| {
            format!(
                r#"{{"id":"c0ec7e00-2025-4000-8000-{:012}","type":"allocate","effective_date":"2024-01-15","line":"L1","amount":"1","document":{{"number":"61/QĐ-UBND","date":"2024-01-12"}}}}"#,
                i + 10
            )
        })
        .collect();
    let mut events: Vec<&str> = vec![OPEN];
    events.extend(allocations.iter().map(String::as_str));
    events.push(OPEN);
    store_with_records(&db, &events);
    let whole = Ledger::open(&db, OpenMode::MustExist)
        .err()
        .unwrap()
        .to_string();
    assert!(
        whole.starts_with(
            "integrity failure at sequence 20002: event c0ec7e00-2025-4000-8000-000000000001 repeats sequence 1"
        ),
        "{whole}"
    );
    for args in [&["verify"][..], &["export", "--format", "csv"]] {
        let o = socai(&db, args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(
            text(&o.stderr).contains(&whole),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    // The same log without the forged record verifies whole, with the head a whole-log open
    // computes: the bounded open reads its hashes back from the log.
    let clean = tmp.path().join("clean");
    store_with_records(&clean, &events[..events.len() - 1]);
    let ledger = Ledger::open(&clean, OpenMode::MustExist).unwrap();
    let head = format!(
        "head 20001:{}",
        hex::encode(ledger.hash_of(20_001).unwrap())
    );
    drop(ledger);
    let o = socai(&clean, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&head), "{}", text(&o.stdout));
}

/// Writes a sled snapshot file into the store's log folder that claims the log was read up to
/// `lsn` with no page known: 21 bytes with a valid checksum, as anyone with write access to
/// the folder can write them.
fn forge_sled_snapshot(db: &Path, lsn: i64) {
    let mut body = (lsn + 1).to_le_bytes().to_vec(); // stable_lsn, shifted as sled stores it
    body.push(0); // no active segment; then no page states
    let mut file = body.clone();
    file.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&body);
    file.extend_from_slice(&crc.finalize().to_le_bytes());
    std::fs::write(db.join(format!("log/snap.{lsn:016X}")), file).unwrap();
}

#[test]
fn a_log_sled_panics_on_is_refused_as_damage_and_recovered_whole_from_the_journal() {
    // sled 0.34 panics ("tried to serialize Uninitialized") when it opens a log whose
    // snapshot leaves pages unknown: a 10M-event import left such a log behind (BENCHMARKS.md),
    // and a forged snapshot makes one. The store must refuse it with the integrity exit code,
    // never crash, and the journal's second copy must give back every acknowledged event.
    let (tmp, db) = lung_phinh_store();
    let reference = balance(&db).stdout;
    forge_sled_snapshot(&db, 1000);
    let v = socai(&db, &["verify"]);
    assert_eq!(v.status.code(), Some(3), "{}", text(&v.stderr));
    let err = text(&v.stderr);
    assert!(err.contains("sled cannot open the log"), "{err}");
    assert!(err.contains("HEAD records 277"), "{err}");
    // A refusal, not what reads as a crash above it.
    assert!(!err.contains("panicked at"), "{err}");
    let i = socai(&db, &["import", lung_phinh_events().to_str().unwrap()]);
    assert_eq!(i.status.code(), Some(3), "{}", text(&i.stderr));
    let new = tmp.path().join("new");
    let o = recover(&db, &new, None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("nothing lost"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(socai(&new, &["verify"]).status.code(), Some(0));
    // Copied verbatim: the same figures and the same head hash.
    assert_eq!(balance(&new).stdout, reference);
}
