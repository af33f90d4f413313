//! Imports longer than one batch are committed in bounded, atomic chunks, and say so.

use std::io::Cursor;

use socai::app::AppError;
use socai::app::chunked_import::import_in_chunks;
use socai::app::workload::{self, Sink};
use socai::core::event::{self, Event};
use socai::ledger::Ledger;
use socai::storage::OpenMode;

struct Lines(Vec<String>);

impl Sink for Lines {
    fn event(&mut self, e: &Event) -> Result<(), String> {
        self.0
            .push(serde_json::to_string(&event::to_json(e)).unwrap());
        Ok(())
    }
}

fn workload(n: u64) -> Vec<String> {
    let mut lines = Lines(Vec::new());
    workload::generate(n, 3, &mut lines).unwrap();
    lines.0
}

#[test]
fn a_long_input_is_committed_in_atomic_chunks_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let lines = workload(2_400);
    let input = lines.join("\n");
    let out = import_in_chunks(
        &db,
        "big.jsonl",
        Cursor::new(input.clone()),
        500,
        socai::present::vi_format::Lang::En,
    )
    .unwrap();
    assert!(
        out.contains("appended 2400 events (sequences 1–2400)"),
        "{out}"
    );
    assert!(
        out.contains("committed in 5 chunks of at most 500 events; each chunk is atomic"),
        "{out}"
    );
    // Re-sending is a no-op.
    let again = import_in_chunks(
        &db,
        "big.jsonl",
        Cursor::new(input),
        500,
        socai::present::vi_format::Lang::En,
    )
    .unwrap();
    assert!(
        again.contains("appended 0 events, 2400 already present"),
        "{again}"
    );
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(ledger.head_seq(), 2_400);
}

#[test]
fn an_input_within_one_chunk_stays_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut lines = workload(1_200);
    lines[1_100] = "{\"id\": \"not a uuid\"}".to_string();
    let err = import_in_chunks(
        &db,
        "f.jsonl",
        Cursor::new(lines.join("\n")),
        5_000,
        socai::present::vi_format::Lang::En,
    )
    .unwrap_err();
    match &err {
        AppError::Refused(r) => {
            let m = err.to_string();
            assert!(m.starts_with("f.jsonl:1101"), "{m}");
            assert!(m.ends_with("nothing was appended"), "{m}");
            let vi = r.message(socai::present::vi_format::Lang::Vi);
            assert!(vi.starts_with("f.jsonl:1101"), "{vi}");
            assert!(vi.ends_with("không sự kiện nào được ghi"), "{vi}");
        }
        other => panic!("{other:?}"),
    }
    // The store was not even created.
    assert!(!db.join("log").exists());
}

#[test]
fn a_refusal_in_a_later_chunk_names_what_was_committed_and_resending_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let good = workload(2_400);
    let mut bad = good.clone();
    // An event of the third chunk (lines 1001–1500) is broken.
    bad[1_234] = bad[1_234].replace("\"effective_date\":\"", "\"effective_date\":\"x");
    let err = import_in_chunks(
        &db,
        "f.jsonl",
        Cursor::new(bad.join("\n")),
        500,
        socai::present::vi_format::Lang::En,
    )
    .unwrap_err();
    let AppError::AfterCommits { cause, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(**cause, AppError::Refused(_)), "{err:?}");
    let m = err.to_string();
    assert!(m.starts_with("f.jsonl:1235"), "{m}");
    assert!(m.contains("invalid_date"), "{m}");
    assert!(
        m.contains("the 2 chunk(s) before it (input lines 1–1000) were committed"),
        "{m}"
    );
    {
        let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
        assert_eq!(ledger.head_seq(), 1_000);
    }
    let out = import_in_chunks(
        &db,
        "f.jsonl",
        Cursor::new(good.join("\n")),
        500,
        socai::present::vi_format::Lang::En,
    )
    .unwrap();
    assert!(
        out.contains("appended 1400 events (sequences 1001–2400), 1000 already present"),
        "{out}"
    );
}
