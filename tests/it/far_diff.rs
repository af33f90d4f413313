//! A `diff` answered from the index and the journal never holds the records between its two
//! points (issue 17): the journal's range is proven once, then each record is read back and
//! proven again as the answer is written. These tests change the journal's bytes before and
//! after the proof: the answer then comes from the full log, or the command fails loudly;
//! never a figure from bytes that do not prove.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use socai::app::Format;
use socai::app::error::AppError;
use socai::app::indexed_query;
use socai::app::query::{self, Answer, DiffRequest, Query, Unwritten};
use socai::core::known_at::KnownAt;
use socai::ledger::Ledger;
use socai::present::vi_format::Lang;
use socai::storage::fault::Fault;
use socai::storage::index::IndexReader;
use socai::storage::journal_range::Range;
use socai::storage::{OpenMode, StoreError};

use crate::index::workload_store_3000;

/// Where frame `seq` lies in the journal of `db`: its segment and the offset of its envelope,
/// and the envelope's length (frames: magic, length, sequence, hash, envelope).
fn frame(db: &Path, seq: u64) -> (PathBuf, usize, usize) {
    let mut segments: Vec<PathBuf> = std::fs::read_dir(db.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    segments.sort();
    for path in segments {
        let bytes = std::fs::read(&path).unwrap();
        let mut at = 0;
        while at + 48 <= bytes.len() && &bytes[at..at + 4] == b"SJF1" {
            let len = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            let found = u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap());
            if found == seq {
                return (path, at + 48, len);
            }
            at += 48 + len;
        }
    }
    panic!("no frame {seq} in the journal");
}

/// Changes one decimal digit of frame `seq`'s envelope (an amount or a document number): the
/// envelope still decodes, so only its chain hash can tell.
fn change_a_digit(db: &Path, seq: u64) {
    let (path, at, len) = frame(db, seq);
    let mut bytes = std::fs::read(&path).unwrap();
    let digit = (at..at + len)
        .find(|&i| bytes[i].is_ascii_digit() && bytes[i + 1].is_ascii_digit())
        .expect("an envelope with a number written in digits");
    bytes[digit] = if bytes[digit] == b'1' { b'2' } else { b'1' };
    std::fs::write(&path, bytes).unwrap();
}

fn far_diff(format: Format) -> Query {
    Query::Diff(DiffRequest {
        as_of: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        known_at: KnownAt::Seq(1_000),
        vs: KnownAt::Seq(2_500),
        plan_year: None,
        format,
        lang: Lang::Vi,
    })
}

/// The answer as the CLI writes it.
fn written(answer: Answer) -> Result<String, Unwritten> {
    let mut out = Vec::new();
    answer.write_to(&mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn a_range_reads_back_what_it_proved_and_refuses_a_frame_changed_since() {
    let (_tmp, db, _) = workload_store_3000();
    let (from, to) = (1_000u64, 2_000u64);
    let logged: Vec<_> = {
        let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
        [from, 1_500, to]
            .map(|seq| ledger.records()[seq as usize - 1].clone())
            .to_vec()
    };
    let reader = IndexReader::open(&db).unwrap();
    let prev = reader.hash_of(from - 1).unwrap().unwrap();
    let last = reader.hash_of(to).unwrap().unwrap();
    drop(reader);
    let mut seen = Vec::new();
    let range = Range::prove(&db, (from, to), (prev, last), |r| seen.push(r.seq))
        .unwrap()
        .expect("an intact journal proves the range");
    assert_eq!(seen, (from..=to).collect::<Vec<_>>());
    for logged in &logged {
        let read = range.record(logged.seq).unwrap();
        assert_eq!((read.seq, &read.event), (logged.seq, &logged.event));
    }

    let mut again = Vec::new();
    range.each(|r| again.push(r.seq)).unwrap();
    assert_eq!(again, seen, "read again in order");

    change_a_digit(&db, 1_500);
    let mut before_the_change = 0;
    match range.each(|_| before_the_change += 1) {
        Err(StoreError::Integrity {
            seq: Some(1_500), ..
        }) => assert_eq!(before_the_change, 500),
        other => panic!("a changed frame was read again as {other:?}"),
    }
    match range.record(1_500) {
        Err(StoreError::Integrity {
            seq: Some(1_500),
            fault: Fault::JournalFrameUnchained { seq: 1_500, .. },
        }) => {}
        other => panic!("a changed frame was read back as {other:?}"),
    }
    assert_eq!(
        range.record(1_499).unwrap().seq,
        1_499,
        "its neighbours still prove"
    );
    assert!(range.record(to + 1).is_err(), "outside the range");
    // Proven afresh, the changed range is refused as a whole: the caller uses the full log.
    let again = Range::prove(&db, (from, to), (prev, last), |_| {}).unwrap();
    assert!(again.is_none());
}

#[test]
fn a_diff_over_a_journal_that_does_not_prove_is_left_to_the_full_log() {
    let (_tmp, db, _) = workload_store_3000();
    let whole = |q: &Query| {
        let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
        let answer = query::answer(ledger.chain(), q).unwrap();
        written(answer).unwrap()
    };
    for format in [Format::Text, Format::Json] {
        let q = far_diff(format);
        let answer = indexed_query::answer(&db, &q)
            .unwrap()
            .expect("the index answers");
        assert!(matches!(answer, Answer::Stream(_)));
        assert_eq!(written(answer).unwrap(), whole(&q), "{format:?}");
    }
    change_a_digit(&db, 1_700);
    let answer = indexed_query::answer(&db, &far_diff(Format::Text)).unwrap();
    assert!(
        answer.is_none(),
        "a range that does not prove answers nothing"
    );
}

#[test]
fn a_frame_changed_while_the_diff_is_written_fails_the_command() {
    let (_tmp, db, _) = workload_store_3000();
    for format in [Format::Text, Format::Json] {
        let answer = indexed_query::answer(&db, &far_diff(format))
            .unwrap()
            .expect("the index answers");
        // Between the proof and the writing: the cause at 2,400 no longer proves.
        change_a_digit(&db, 2_400);
        match written(answer) {
            Err(Unwritten::Source(AppError::Store(StoreError::Integrity {
                seq: Some(2_400),
                ..
            }))) => {}
            Err(e) => panic!("{format:?}: failed as {e:?}"),
            Ok(text) => panic!(
                "{format:?}: written whole from a changed frame: {} bytes",
                text.len()
            ),
        }
        change_a_digit(&db, 2_400);
    }
}

/// A page of `socai events` read back from the journal after the open proved it: a frame
/// changed since fails the page, naming its sequence, rather than listing what it says now.
#[test]
fn a_page_of_events_refuses_a_frame_changed_after_the_open() {
    use socai::app::error::Problem;
    use socai::app::events::{self, Filter, Request};
    use socai::app::source::Log;
    use socai::ledger::{Hold, Options};
    let (_tmp, db, _) = workload_store_3000();
    let options = Options {
        hold: Hold::Reading,
        from_journal: true,
        ..Options::default()
    };
    let ledger = Ledger::open_with(&db, OpenMode::MustExist, options).unwrap();
    assert!(ledger.store().reads_journal());
    let page = |after: u64| Request {
        filter: Filter::default(),
        after,
        limit: 20,
    };
    let answer =
        |after| events::answer(Log::Stored(&ledger), &page(after), (Format::Json, Lang::Vi));
    let intact = answer(2_390).unwrap().into_bytes();
    change_a_digit(&db, 2_400);
    match answer(2_390) {
        Err(AppError::Output(Problem::LogUnreadable { detail })) => {
            assert!(detail.contains("2400"), "names the sequence: {detail}")
        }
        Err(e) => panic!("failed as {e:?}"),
        Ok(a) => panic!("listed a changed frame: {} bytes", a.into_bytes().len()),
    }
    // A page that ends before the changed frame's proven stretch is not touched by it.
    assert!(answer(100).is_ok(), "a page far before the change");
    change_a_digit(&db, 2_400);
    assert_eq!(answer(2_390).unwrap().into_bytes(), intact);
    ledger.close_for_exit();
}
