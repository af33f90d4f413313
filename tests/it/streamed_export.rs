//! `export` reads the log back from the store in parts (a ledger opened with
//! `Hold::Pending` keeps no records), so that its memory does not grow with the log. Every
//! format must say exactly what the export of the whole log held in memory says (the server's
//! and a snapshot's path), byte for byte, at the head and at earlier knowledge points (a
//! sequence, a moment), over more records than one part holds and across reversals,
//! deadlines and refunds.

use crate::common;
use common::{fixture_store, import, root, socai};

use std::path::Path;

use socai::app::export::{self, ExportFormat, Log};
use socai::core::known_at::KnownAt;
use socai::ledger::{Hold, Ledger, Options};
use socai::present::csv_out::CsvDialect;
use socai::storage::OpenMode;

/// Every single-stream format and dialect.
fn formats() -> Vec<(ExportFormat, CsvDialect)> {
    let mut out = vec![
        (ExportFormat::Jsonl, CsvDialect::Plain),
        (ExportFormat::Hledger, CsvDialect::Plain),
        (ExportFormat::Beancount, CsvDialect::Plain),
    ];
    out.extend(CsvDialect::ALL.map(|d| (ExportFormat::Csv, d)));
    out
}

/// Every export of `db` at `known_at`: the text formats, then the Parquet and xlsx files'
/// bytes, read through `hold`.
fn exports(db: &Path, hold: Hold, known_at: Option<KnownAt>, out: &Path) -> Vec<Vec<u8>> {
    let options = Options {
        hold,
        ..Options::default()
    };
    let ledger = Ledger::open_with(db, OpenMode::MustExist, options).unwrap();
    assert_eq!(
        ledger.state().holds_all(),
        hold == Hold::WholeLog,
        "a Pending ledger keeps no record once the log is verified"
    );
    let log = match hold {
        Hold::WholeLog => Log::Chain(ledger.chain()),
        Hold::Pending => Log::Stored(&ledger),
    };
    let mut all = Vec::new();
    for (format, dialect) in formats() {
        let text = export::export(log, format, known_at, dialect, &mut || {}).unwrap();
        all.push(text.into_bytes());
    }
    let dir = out.join(format!("parquet-{hold:?}"));
    export::export_parquet(log, known_at, &dir, &mut || {}).unwrap();
    for table in ["events.parquet", "lines.parquet"] {
        all.push(std::fs::read(dir.join(table)).unwrap());
    }
    let xlsx = out.join(format!("journal-{hold:?}.xlsx"));
    export::export_xlsx(log, known_at, &xlsx, &mut || {}).unwrap();
    all.push(std::fs::read(&xlsx).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&xlsx).unwrap();
    ledger.close_for_exit();
    all
}

fn assert_streamed_equals_whole(db: &Path, known_at: Option<KnownAt>, what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = exports(db, Hold::WholeLog, known_at, tmp.path());
    let streamed = exports(db, Hold::Pending, known_at, tmp.path());
    let names = ["jsonl", "hledger", "beancount", "csv excel-vi", "csv plain"];
    let names = names
        .iter()
        .map(|n| n.to_string())
        .chain(["events.parquet", "lines.parquet", "xlsx"].map(String::from));
    for ((name, w), s) in names.zip(&whole).zip(&streamed) {
        assert!(w.len() > 100, "{what}, {name}: an export with content");
        assert!(w == s, "{what}, {name}: the streamed export differs");
    }
}

#[test]
fn every_format_read_back_in_parts_equals_the_export_of_the_whole_log() {
    let tmp = tempfile::tempdir().unwrap();
    // More events than two parts of the streamed read (4,096 each), with reversals.
    let generated = tmp.path().join("gen");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_socai"))
        .args(["gen", "--events", "9000", "--seed", "3", "--out"])
        .arg(&generated)
        .env("SOCAI_LANG", "en")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o.stderr));
    let db = tmp.path().join("db");
    let mut files: Vec<_> = std::fs::read_dir(&generated)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files.iter().for_each(|f| import(&db, f));
    let csv = socai(&db, &["export", "--format", "csv"]);
    let reversals = common::text(&csv.stdout).matches(",reverse,").count();
    assert!(reversals > 10, "the workload holds reversals ({reversals})");
    assert_streamed_equals_whole(&db, None, "9,000 events");
    assert_streamed_equals_whole(&db, Some(KnownAt::Seq(6000)), "known at 6,000");
    // A moment: the sequence it names is found by a binary search of the store.
    let before = socai::core::known_at::parse("2000-01-01T00:00:00Z").unwrap();
    let now = KnownAt::At(chrono::Utc::now());
    let options = Options {
        hold: Hold::Pending,
        ..Options::default()
    };
    let ledger = Ledger::open_with(&db, OpenMode::MustExist, options).unwrap();
    let head = ledger.head_seq();
    assert!(head >= 9000);
    assert_eq!(
        export::last_seq(Log::Stored(&ledger), Some(before)).unwrap(),
        0
    );
    assert_eq!(
        export::last_seq(Log::Stored(&ledger), Some(now)).unwrap(),
        head
    );
    ledger.close_for_exit();
}

#[test]
fn the_fixtures_export_the_same_streamed_as_whole() {
    for name in [
        "corrections",
        "lung-phinh-2025",
        "revisions",
        "legacy-rules-v1",
    ] {
        let dir = root().join("replay-fixtures").join(name);
        if !dir.join("fixture.json").is_file() {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("db");
        fixture_store(&dir, &db);
        assert_streamed_equals_whole(&db, None, name);
        assert_streamed_equals_whole(&db, Some(KnownAt::Seq(5)), name);
    }
}
