//! The commands that fold over the log and only read it (`export`, `report`, `settlement`,
//! `reconcile`) read it from the journal, without opening sled, when the journal ends at
//! HEAD. What the journal cannot answer for (frames beyond HEAD, a damaged frame) is left to
//! the full open through sled, which answers as it always did; `verify` still reads both
//! copies.

use std::path::{Path, PathBuf};

use crate::common::{lung_phinh_store, socai, text};

fn export(db: &Path) -> Vec<u8> {
    let o = socai(db, &["export", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "export: {}", text(&o.stderr));
    o.stdout
}

fn settlement(db: &Path) -> Vec<u8> {
    let o = socai(
        db,
        &["settlement", "--plan-year", "2025", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "settlement: {}", text(&o.stderr));
    o.stdout
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn folds_answer_from_the_journal_when_sleds_copy_cannot_be_read() {
    let (_tmp, db) = lung_phinh_store();
    let (exported, settled) = (export(&db), settlement(&db));
    // Every file of sled's copy zeroed, as a bad disk could leave it.
    zero_sleds_copy(&db);
    assert_eq!(export(&db), exported, "the journal proves the same log");
    assert_eq!(settlement(&db), settled);
    // `verify` reads sled's copy too, and says it is damaged.
    verify_refuses(&db, "integrity");
}

/// `verify` refuses the store, its words naming `what`.
fn verify_refuses(db: &Path, what: &str) {
    let verified = socai(db, &["verify"]);
    assert_ne!(verified.status.code(), Some(0), "verify must refuse");
    let said = text(&verified.stderr);
    assert!(said.contains(what), "{what:?} not in {said}");
}

#[test]
fn a_journal_beyond_head_is_left_to_the_full_open() {
    let (_tmp, db) = lung_phinh_store();
    let exported = export(&db);
    let events = exported.iter().filter(|&&b| b == b'\n').count() as u64;
    // HEAD one event back, as a crash after both copies were durable could leave it: the
    // journal then holds a frame HEAD does not name, which only sled's copy can confirm.
    let ledger = socai::ledger::Ledger::open(&db, socai::storage::OpenMode::MustExist).unwrap();
    let hash = ledger.hash_of(events - 1).unwrap();
    drop(ledger);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let head = format!("socai-head 1\n{}\n{hex}\n", events - 1);
    std::fs::write(db.join("HEAD"), head).unwrap();
    assert_eq!(
        export(&db),
        exported,
        "the full open brings HEAD forward over the whole batch"
    );
}

#[test]
fn a_damaged_journal_leaves_the_answer_to_sleds_copy() {
    let (_tmp, db) = lung_phinh_store();
    let exported = export(&db);
    let segment = files_in(&db.join("journal")).remove(0);
    let mut bytes = std::fs::read(&segment).unwrap();
    // A byte of the first frame's envelope (after its 48-byte header).
    bytes[60] ^= 0x01;
    std::fs::write(&segment, bytes).unwrap();
    assert_eq!(export(&db), exported, "sled's copy answers");
    verify_refuses(&db, "journal");
}

#[test]
fn the_whole_log_read_from_the_journal_is_the_one_sled_holds() {
    use socai::ledger::{Ledger, Options};
    let (_tmp, db) = lung_phinh_store();
    let read = |from_journal| {
        let options = Options {
            from_journal,
            ..Options::default()
        };
        let ledger = Ledger::open_with(&db, socai::storage::OpenMode::MustExist, options).unwrap();
        assert_eq!(ledger.store().reads_journal(), from_journal);
        let records = ledger.records().to_vec();
        let hashes = ledger.store().hashes().to_vec();
        drop(ledger);
        (records, hashes)
    };
    let (from_sled, from_journal) = (read(false), read(true));
    assert!(from_sled.0.len() > 100, "a log of some length");
    assert!(
        from_sled == from_journal,
        "the same records and chain hashes"
    );
}

fn advances(db: &Path) -> std::process::Output {
    socai(db, &["advances", "--as-of", "2025-11-20", "--json"])
}

fn zero_sleds_copy(db: &Path) {
    for file in files_in(&db.join("log")) {
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        std::fs::write(&file, vec![0u8; len]).unwrap();
    }
}

#[test]
fn a_query_the_index_cannot_answer_reads_the_journal_too() {
    let (_tmp, db) = lung_phinh_store();
    let before = advances(&db);
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    assert!(before.stdout.len() > 10);
    // `advances` reads the whole log: from the journal, while the index mark names HEAD.
    zero_sleds_copy(&db);
    let after = advances(&db);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(after.stdout, before.stdout);
    // Once an open through sled found the damage, no read serves the store.
    assert_eq!(socai(&db, &["verify"]).status.code(), Some(3));
    assert_eq!(advances(&db).status.code(), Some(3));
    export_refused(&db);
}

/// `export` refuses the store as damaged (exit 3), printing nothing.
fn export_refused(db: &Path) {
    let exported = socai(db, &["export", "--format", "jsonl"]);
    let said = text(&exported.stderr);
    assert_eq!(exported.status.code(), Some(3), "{said}");
    assert!(exported.stdout.is_empty());
}

#[test]
fn without_an_index_mark_at_head_the_log_is_read_through_sled() {
    let (_tmp, db) = lung_phinh_store();
    std::fs::remove_dir_all(db.join("index")).unwrap();
    zero_sleds_copy(&db);
    // No writer's mark vouches for this head: the full open reads sled, and refuses it.
    export_refused(&db);
}

#[test]
fn an_index_rebuilt_from_the_journal_is_the_one_the_writer_wrote() {
    let (_tmp, db) = lung_phinh_store();
    let balance = |db: &Path| {
        let o = socai(db, &["balance", "--as-of", "2025-11-20", "--json"]);
        assert_eq!(o.status.code(), Some(0), "balance: {}", text(&o.stderr));
        o.stdout
    };
    let before = balance(&db);
    // An index file other than the mark altered: the mark still names HEAD, the reader
    // refuses the file, and the full open (from the journal: sled's copy is unreadable)
    // rebuilds the index, byte for byte the one the writer wrote.
    let lines = db.join("index").join("lines");
    let written = std::fs::read(&lines).unwrap();
    let mut bytes = written.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&lines, bytes).unwrap();
    zero_sleds_copy(&db);
    assert_eq!(balance(&db), before);
    assert!(
        std::fs::read(&lines).unwrap() == written,
        "rebuilt as written"
    );
    assert_eq!(balance(&db), before, "and served from the index again");
}

#[test]
fn a_fold_reads_a_held_store_back_from_its_journal_without_holding_it() {
    use socai::app::source::Log;
    let (_tmp, db) = lung_phinh_store();
    let alone = export(&db);
    let events = alone.iter().filter(|&&b| b == b'\n').count() as u64;
    let server = crate::common::Server::start(&db, None);
    // The server listens before its writer has opened (and locked) the store: wait for it,
    // or the CLI may open the store first (seen once under a loaded full test run).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(crate::common::verified(&reqwest::Client::new(), &server));
    // The CLI's fold while the server holds the store: the same bytes, and a note.
    let o = socai(&db, &["export", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(o.stdout, alone);
    assert!(text(&o.stderr).contains("in use by another socai process"));
    // What answered it: a ledger on the journal, without the lock, keeping no record.
    let ledger = socai::ledger::Ledger::open_held(&db).expect("the journal reads as the log");
    assert!(ledger.store().reads_journal());
    assert!(!ledger.state().holds_all());
    assert_eq!(ledger.head_seq(), events);
    let format = socai::app::export::ExportFormat::Jsonl;
    let plain = socai::present::csv_out::CsvDialect::Plain;
    let text = socai::app::export::export(Log::Stored(&ledger), format, None, plain, &mut || {});
    assert_eq!(text.unwrap().into_bytes(), alone);
}

/// The commands that only read set the rules' ids aside in an unnamed file of `$TMPDIR` once
/// the log is long (README, "Scratch files of long logs"), and a diff what it finds. With no
/// temporary folder to write in, they keep it all in memory and answer the same bytes;
/// `verify` still passes.
#[test]
fn a_temporary_folder_that_cannot_be_written_changes_no_answer() {
    let (tmp, db) = lung_phinh_store();
    let nowhere = tmp.path().join("no-such-folder");
    let run = |args: &[&str], tmpdir: Option<&Path>| {
        let mut command = std::process::Command::new(crate::common::BIN);
        command
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("SOCAI_LANG", "en");
        if let Some(dir) = tmpdir {
            command.env("TMPDIR", dir);
        }
        let o = command.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        o.stdout
    };
    let balance = run(&["balance", "--as-of", "2099-12-31", "--json"], None);
    let head: serde_json::Value = serde_json::from_slice(&balance).unwrap();
    let head = head["known_at"].to_string();
    assert!(head.parse::<u64>().unwrap() > 100, "{head}");
    let asks: [&[&str]; 5] = [
        &["export", "--format", "hledger"],
        // A far diff sets its causes, notes and ids aside there too.
        &[
            "diff",
            "--as-of",
            "2025-12-31",
            "--known-at",
            "1",
            "--vs",
            &head,
            "--json",
        ],
        &["settlement", "--plan-year", "2025", "--format", "json"],
        &[
            "report",
            "--plan-year",
            "2025",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ],
        &["verify"],
    ];
    for args in asks {
        assert_eq!(run(args, Some(&nowhere)), run(args, None), "{args:?}");
    }
}
