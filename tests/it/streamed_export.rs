//! `export`, `settlement` and `reconcile` read the log back from the store in parts (a ledger
//! opened with `Hold::Reading` keeps no records), so that their memory does not grow with the
//! log. Every format must say exactly what the answer from the whole log held in memory says
//! (the server's and a snapshot's path), byte for byte, at the head and at earlier knowledge
//! points (a sequence, a moment), over more records than one part holds and across
//! reversals, deadlines and refunds.

use crate::common;
use common::{fixture_store, import, root, socai};

use std::path::Path;

use socai::app::Format;
use socai::app::export::{self, ExportFormat};
use socai::app::reconcile;
use socai::app::report::{self, ReportRequest};
use socai::app::settlement::{self, SettlementRequest};
use socai::app::source::Log;
use socai::core::known_at::KnownAt;
use socai::ledger::{Hold, Ledger, Options};
use socai::present::csv_out::CsvDialect;
use socai::present::vi_format::{Lang, Unit};
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

/// How a test reads the store: the whole log in memory, or read back in parts (`Hold::Reading`)
/// through sled, or from the journal without opening sled (`Options::from_journal`). Read
/// through sled, the rules hold at most `IDS_HELD` ids and set the others aside in runs on
/// disk (`Options::ids_in_memory`), so that every lookup past the first runs reads them back.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Read {
    Whole,
    Sled,
    Journal,
}

const IDS_HELD: usize = 64;

/// The store at `db` opened to be read as `read` says; a journal read must not have fallen
/// back to sled.
fn opened(db: &Path, read: Read) -> Ledger {
    let options = Options {
        hold: match read {
            Read::Whole => Hold::WholeLog,
            Read::Sled | Read::Journal => Hold::Reading,
        },
        from_journal: read == Read::Journal,
        ids_in_memory: (read == Read::Sled).then_some(IDS_HELD),
        ..Options::default()
    };
    let ledger = Ledger::open_with(db, OpenMode::MustExist, options).unwrap();
    let set_aside = ledger.state().ids_set_aside();
    let expected = match read {
        Read::Sled => ledger.head_seq() / IDS_HELD as u64 * IDS_HELD as u64,
        _ => 0,
    };
    assert_eq!(set_aside, expected, "{read:?}: ids set aside");
    assert_eq!(
        ledger.state().holds_all(),
        read == Read::Whole,
        "a Reading ledger keeps no record once the log is verified"
    );
    assert_eq!(
        ledger.store().reads_journal(),
        read == Read::Journal,
        "{read:?}: read from the copy asked for"
    );
    ledger
}

fn log_of(ledger: &Ledger, read: Read) -> Log<'_> {
    match read {
        Read::Whole => Log::Chain(ledger.chain()),
        Read::Sled | Read::Journal => Log::Stored(ledger),
    }
}

/// Every export of `db` at `known_at`: the text formats, then the Parquet and xlsx files'
/// bytes, read as `read` says.
fn exports(db: &Path, read: Read, known_at: Option<KnownAt>, out: &Path) -> Vec<Vec<u8>> {
    let ledger = opened(db, read);
    let log = log_of(&ledger, read);
    let mut all = Vec::new();
    for (format, dialect) in formats() {
        let text = export::export(log, format, known_at, dialect, &mut || {}).unwrap();
        all.push(text.into_bytes());
    }
    let dir = out.join(format!("parquet-{read:?}"));
    export::export_parquet(log, known_at, &dir, &mut || {}).unwrap();
    for table in ["events.parquet", "lines.parquet"] {
        all.push(std::fs::read(dir.join(table)).unwrap());
    }
    let xlsx = out.join(format!("journal-{read:?}.xlsx"));
    export::export_xlsx(log, known_at, &xlsx, &mut || {}).unwrap();
    all.push(std::fs::read(&xlsx).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&xlsx).unwrap();
    all.extend(settlements(log, known_at));
    all.extend(reports(log, known_at));
    ledger.close_for_exit();
    all
}

/// The report in every format (and the whole report as Markdown and HTML) of both plan
/// years, as of a date inside each: its charts, duplicates and sections too.
fn reports(log: Log<'_>, known_at: Option<KnownAt>) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for (plan_year, as_of) in [(2024, "2024-09-30"), (2025, "2025-11-20")] {
        let looks = Format::ALL.map(|f| (f, false));
        for (format, whole) in looks
            .into_iter()
            .chain([(Format::Md, true), (Format::Html, true)])
        {
            let request = ReportRequest {
                as_of: as_of.parse().unwrap(),
                known_at,
                plan_year,
                format,
                lang: Lang::Vi,
                unit: Unit::Dong,
                official: Default::default(),
                csv_dialect: None,
                whole,
            };
            all.push(report::report(log, &request).unwrap().into_bytes());
        }
    }
    all
}

/// The settlement of every plan year the generated logs and fixtures plan, in every format,
/// as of two dates.
fn settlements(log: Log<'_>, known_at: Option<KnownAt>) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for plan_year in [2024, 2025] {
        for as_of in ["2024-06-30", "2025-12-31"] {
            for format in settlement::FORMATS {
                let request = SettlementRequest {
                    plan_year,
                    as_of: Some(as_of.parse().unwrap()),
                    known_at,
                    format,
                    lang: Lang::Vi,
                    unit: Unit::Dong,
                    csv_dialect: None,
                };
                all.push(settlement::settlement(log, &request).unwrap().into_bytes());
            }
        }
    }
    all
}

fn assert_streamed_equals_whole(db: &Path, known_at: Option<KnownAt>, what: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = exports(db, Read::Whole, known_at, tmp.path());
    let streamed = exports(db, Read::Sled, known_at, tmp.path());
    let journal = exports(db, Read::Journal, known_at, tmp.path());
    assert!(
        journal == streamed,
        "{what}: read from the journal, the answers differ"
    );
    let names = ["jsonl", "hledger", "beancount", "csv excel-vi", "csv plain"];
    let names = names
        .iter()
        .map(|n| n.to_string())
        .chain(["events.parquet", "lines.parquet", "xlsx"].map(String::from))
        .chain((0..16).map(|i| format!("settlement {i}")))
        .chain((0..18).map(|i| format!("report {i}")));
    assert_eq!(whole.len(), streamed.len());
    for ((name, w), s) in names.zip(&whole).zip(&streamed) {
        assert!(w.len() > 100, "{what}, {name}: an export with content");
        assert!(w == s, "{what}, {name}: the streamed export differs");
    }
}

/// Pages of `socai events` read back from the store, from the proven hash before their
/// `after` on, say what pages of the whole log say: each event's chain hash, the head's, where
/// the next page starts, and (in text) which events a reversal cancels.
fn assert_event_pages_equal_whole(db: &Path) {
    use socai::app::events::{Filter, Request};
    let kind = |k: &str| Filter {
        kind: Some(k.to_string()),
        ..Filter::default()
    };
    let pages = [
        (Filter::default(), 0, 100),
        // Around the proven hashes every 1,024 sequences, and across one.
        (Filter::default(), 1023, 1),
        (Filter::default(), 1024, 3),
        (Filter::default(), 1020, 10),
        (kind("reverse"), 0, 10_000),
        (kind("disburse"), 0, 10_000),
        (kind("disburse"), 4000, 50),
        // Nothing matches: the page runs to the head.
        (kind("lapse"), 8000, 5),
        (Filter::default(), 9000, 10),
    ];
    let answers = |read: Read| {
        let ledger = opened(db, read);
        let head = ledger.head_seq();
        let mut out = Vec::new();
        for (filter, after, limit) in &pages {
            let request = Request {
                filter: filter.clone(),
                after: *after,
                limit: *limit,
            };
            for format in [(Format::Text, Lang::Vi), (Format::Json, Lang::Vi)] {
                let answer = socai::app::events::answer(log_of(&ledger, read), &request, format);
                out.push(answer.unwrap().into_bytes());
            }
        }
        let past = Request {
            filter: Filter::default(),
            after: head + 1,
            limit: 1,
        };
        let refused =
            socai::app::events::answer(log_of(&ledger, read), &past, (Format::Json, Lang::En));
        assert!(
            refused.is_err(),
            "{read:?}: a page after the head is refused"
        );
        ledger.close_for_exit();
        out
    };
    let whole = answers(Read::Whole);
    // Every disbursement, in text: those reversed name the reversal.
    let reversed = String::from_utf8_lossy(&whole[10]).matches(" #").count();
    assert!(
        reversed > 10,
        "reversed disbursements name their reversal ({reversed})"
    );
    assert!(String::from_utf8_lossy(&whole[1]).contains("\"hash\": \""));
    for read in [Read::Sled, Read::Journal] {
        for (i, (w, s)) in whole.iter().zip(answers(read)).enumerate() {
            assert!(*w == s, "{read:?}, page {i}: differs from the whole log's");
        }
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
    // Known exactly at a reversal: the reversal counts, its target does not.
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let reversal = ledger
        .records()
        .iter()
        .rev()
        .find(|r| matches!(r.event.kind, socai::core::event::Kind::Reverse { .. }))
        .map(|r| r.seq)
        .unwrap();
    ledger.close_for_exit();
    assert_streamed_equals_whole(&db, Some(KnownAt::Seq(reversal)), "known at a reversal");
    assert_event_pages_equal_whole(&db);
    // A moment: the sequence it names is found by a binary search of the store.
    let before = socai::core::known_at::parse("2000-01-01T00:00:00Z").unwrap();
    let now = KnownAt::At(chrono::Utc::now());
    let options = Options {
        hold: Hold::Reading,
        ..Options::default()
    };
    let ledger = Ledger::open_with(&db, OpenMode::MustExist, options).unwrap();
    let head = ledger.head_seq();
    assert!(head >= 9000);
    let last_seq = |k| {
        let log = Log::Stored(&ledger);
        log.view(chrono::NaiveDate::MIN, Some(k)).unwrap().known_at
    };
    assert_eq!(last_seq(before), 0);
    assert_eq!(last_seq(now), head);
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
        let claims = dir.join("claims.json");
        if claims.is_file() {
            for known_at in [None, Some(KnownAt::Seq(100)), Some(KnownAt::Seq(5))] {
                let whole = reconciled(&db, Read::Whole, &claims, known_at);
                let streamed = reconciled(&db, Read::Sled, &claims, known_at);
                let journal = reconciled(&db, Read::Journal, &claims, known_at);
                assert_eq!(
                    streamed, journal,
                    "{name} at {known_at:?}: from the journal"
                );
                assert!(whole.contains("claim"), "{name}: verdicts: {whole}");
                assert_eq!(whole, streamed, "{name} at {known_at:?}: reconcile differs");
            }
        }
    }
}

/// `reconcile`'s verdicts on `claims` (JSON lines, then text), read as `read` says.
fn reconciled(db: &Path, read: Read, claims: &Path, known_at: Option<KnownAt>) -> String {
    let ledger = opened(db, read);
    let log = log_of(&ledger, read);
    let text = reconcile::read_claims(claims).unwrap();
    let mut out = String::new();
    for (json, as_of) in [(true, "2025-11-20"), (false, "2025-06-30")] {
        let as_of = as_of.parse().unwrap();
        let done = reconcile::reconcile_claims(
            log,
            "claims.json",
            &text,
            as_of,
            known_at,
            2025,
            (json, Lang::Vi),
        )
        .unwrap();
        out.push_str(&done.text);
    }
    ledger.close_for_exit();
    out
}

/// A part read back is handed over only once its chain reaches a hash the open proved: a log
/// changed after the open (here, a proven chain that says otherwise at the head) is refused
/// before the part is decoded, also when the part ends before that hash (a past knowledge
/// point) and for one record read back alone.
#[test]
fn a_part_that_does_not_chain_to_the_verified_log_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    fixture_store(&root().join("replay-fixtures").join("revisions"), &db);
    for read in [Read::Sled, Read::Journal] {
        refuses_a_part_that_does_not_chain(&db, read);
    }
}

fn refuses_a_part_that_does_not_chain(db: &Path, read: Read) {
    let ledger = opened(db, read);
    let head = ledger.head_seq();
    assert!(head >= 4, "a log of a few events ({head})");
    let reader = ledger.reader();
    let proven = |seq| ledger.store().proven_hash(seq);
    assert_eq!(
        proven(2),
        None,
        "a store that reads hashes back proves only some"
    );
    let changed = |seq| match seq == head {
        true => Some([7u8; 32]),
        false => proven(seq),
    };
    for upto in [head, head - 2] {
        let mut handed = 0u64;
        let mut count = |part: &[socai::core::rules::Recorded]| {
            handed += part.len() as u64;
            Ok(())
        };
        reader
            .each_verified_part((upto, head), &proven, &mut count)
            .unwrap();
        assert_eq!(handed, upto, "the verified log is handed over up to {upto}");
        handed = 0;
        let mut count = |part: &[socai::core::rules::Recorded]| {
            handed += part.len() as u64;
            Ok(())
        };
        let refused = reader
            .each_verified_part((upto, head), &changed, &mut count)
            .unwrap_err();
        assert_eq!(
            handed, 0,
            "the part that ends differently is not handed over"
        );
        let said = refused.to_string();
        assert!(
            said.contains(&head.to_string()),
            "names the sequence: {said}"
        );
    }
    let (record, hash) = reader.verified_record((2, head), &proven).unwrap();
    assert_eq!(record.seq, 2);
    assert_eq!(Some(hash), ledger.hash_of(2));
    assert!(reader.verified_record((2, head), &changed).is_err());
    ledger.close_for_exit();
}
