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

/// The options of a bulk import's ledger: it keeps only what is not yet durable.
fn bounded() -> socai::ledger::Options {
    socai::ledger::Options {
        hold: socai::ledger::Hold::Pending,
        ..socai::ledger::Options::default()
    }
}

fn parse(lines: &[String]) -> Vec<Event> {
    lines
        .iter()
        .map(|l| event::parse_line(l).unwrap())
        .collect()
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
            assert!(vi.starts_with("dòng 1101 của tệp f.jsonl"), "{vi}");
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

/// The events of `lines` appended in one batch to a new ledger that holds the whole log, and
/// the likely-duplicate warnings a scan of that log gives after the append.
fn whole_log_warnings(
    dir: &std::path::Path,
    lines: &[String],
) -> (Ledger, Vec<socai::app::duplicates::Warning>) {
    let mut ledger = Ledger::open(dir, OpenMode::CreateIfMissing).unwrap();
    let done = ledger.append(parse(lines), chrono::Utc::now()).unwrap();
    let warnings = socai::app::duplicates::after_append(ledger.chain(), &done.seqs);
    (ledger, warnings)
}

/// The id of a JSON line.
fn id_of(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// A bulk import keeps only what is not yet durable (issue 17): a rule that needs a record of
/// an earlier chunk (a reversal's target, an id sent again, a voucher repeated) reads it back
/// from the store, and decides exactly as a ledger holding the whole log.
#[test]
fn later_chunks_decide_as_the_whole_log_would_with_earlier_records_read_back() {
    use socai::app::chunked_import::import_outcome;
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = workload(1_200);
    // A voucher keyed twice, far from the first: the warning names the first's sequence.
    let first = lines
        .iter()
        .position(|l| l.contains("\"type\":\"disburse\""))
        .unwrap();
    let repeat = lines[first].replace(
        &id_of(&lines[first]),
        "6a7a1c2e-0000-4000-8000-000000000001",
    );
    lines.push(repeat);
    let reversals = lines
        .iter()
        .filter(|l| l.contains("\"type\":\"reverse\""))
        .count();
    assert!(
        reversals > 5,
        "the workload reverses events of earlier chunks"
    );

    // Chunks of 100: every rule reads earlier chunks back from the store.
    let bounded = tmp.path().join("bounded");
    let out = import_outcome(&bounded, "f.jsonl", Cursor::new(lines.join("\n")), 100).unwrap();
    assert_eq!((out.appended, out.chunks), (1_201, 13));
    // The same events appended to a ledger that holds the whole log, in one batch.
    let (mut ledger, expected) = whole_log_warnings(&tmp.path().join("whole"), &lines);
    assert_eq!(expected.len(), 1, "{expected:?}");
    assert_eq!(out.warnings, expected);
    assert_eq!(out.warnings[0].first_seq, first as u64 + 1);

    let reopened = Ledger::open(&bounded, OpenMode::MustExist).unwrap();
    let stored =
        |l: &Ledger| -> Vec<Event> { l.records().iter().map(|r| r.event.clone()).collect() };
    assert_eq!(stored(&reopened), stored(&ledger));
    drop(reopened);

    // Sending it all again is a no-op, every event compared with its stored copy.
    let again = import_outcome(&bounded, "f.jsonl", Cursor::new(lines.join("\n")), 100).unwrap();
    assert_eq!((again.appended, again.already_present), (0, 1_201));
    // An id of the first chunk with other content is refused, naming where it is recorded.
    let conflict = lines[3].replace("\"actor\":\"", "\"actor\":\"x");
    assert_ne!(conflict, lines[3]);
    let err = import_outcome(&bounded, "g.jsonl", Cursor::new(conflict), 100).unwrap_err();
    let m = err.to_string();
    assert!(m.contains("id_conflict") && m.contains("sequence 4"), "{m}");
    // Reversing an event of the first chunk twice is refused as the whole log would.
    let reversal = lines
        .iter()
        .find(|l| l.contains("\"type\":\"reverse\""))
        .unwrap();
    let twice = reversal.replace(&id_of(reversal), "6a7a1c2e-0000-4000-8000-000000000002");
    let err = import_outcome(&bounded, "h.jsonl", Cursor::new(twice.clone()), 100).unwrap_err();
    let whole_err = ledger
        .append(vec![event::parse_line(&twice).unwrap()], chrono::Utc::now())
        .unwrap_err();
    assert!(err.to_string().contains("already_reversed"), "{err}");
    assert!(
        whole_err.to_string().contains("already reversed"),
        "{whole_err}"
    );
}

/// A chunk is made durable in parts of a few thousand events (issue 17: sled holds a whole
/// batch's rewritten nodes until it ends), yet checked whole first: a refusal in its last part
/// leaves nothing written, and an accepted chunk's parts reopen as one log, in order.
#[test]
fn a_chunk_written_in_parts_is_checked_whole_before_any_part_is_written() {
    use socai::ledger::AppendError;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let bounded = bounded();
    let good = workload(1_000);
    // The 991st event sends the 4th's id again with other content: the rules refuse it, in
    // the chunk's tenth part of 100.
    let mut bad = good.clone();
    bad[990] = good[3].replace("\"actor\":\"", "\"actor\":\"x");
    assert_ne!(bad[990], good[3]);
    let mut ledger = Ledger::open_with(&db, OpenMode::CreateIfMissing, bounded).unwrap();
    let err = ledger
        .append_in_parts(parse(&bad), chrono::Utc::now(), 100)
        .unwrap_err();
    assert!(
        matches!(&err, AppendError::Rejected { index: 990, .. }),
        "{err}"
    );
    assert_eq!(
        ledger.head_seq(),
        0,
        "no part of a refused chunk is written"
    );
    drop(ledger);
    assert_eq!(
        Ledger::open(&db, OpenMode::MustExist).unwrap().head_seq(),
        0
    );

    let mut ledger = Ledger::open_with(&db, OpenMode::MustExist, bounded).unwrap();
    let (done, _) = ledger
        .append_in_parts(parse(&good), chrono::Utc::now(), 100)
        .unwrap();
    assert_eq!(done.seqs, (1..=1_000).collect::<Vec<u64>>());
    assert_eq!(done.head_hash, ledger.hash_of(1_000));
    // Sent again, every event is found recorded (read back from the store).
    let (again, _) = ledger
        .append_in_parts(parse(&good), chrono::Utc::now(), 100)
        .unwrap();
    assert_eq!((again.seqs.len(), again.already_present), (0, 1_000));
    drop(ledger);
    let reopened = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let stored: Vec<Event> = reopened.records().iter().map(|r| r.event.clone()).collect();
    assert_eq!(stored, parse(&good));
}

/// A chunk's parts write each line's head table once, with the chunk's last part, and only
/// then the mark that lets a cold read trust the index: the tables must then be those a rebuild
/// from the log yields, for the lines the first parts changed as for those of the last one,
/// chunk after chunk.
#[test]
fn an_index_written_in_parts_proves_against_the_log_once_each_chunk_ends() {
    use socai::storage::index_proof::Proof;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let bounded = bounded();
    let lines = workload(2_000);
    let mut ledger = Ledger::open_with(&db, OpenMode::CreateIfMissing, bounded).unwrap();
    for chunk in lines.chunks(1_000) {
        ledger
            .append_in_parts(parse(chunk), chrono::Utc::now(), 64)
            .unwrap();
        match ledger.prove_index().unwrap() {
            Proof::Proven { files } => assert!(files > 0),
            other => panic!("after {} events: {other:?}", ledger.head_seq()),
        }
    }
    drop(ledger);
    let reopened = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(reopened.head_seq(), 2_000);
    assert!(matches!(
        reopened.prove_index().unwrap(),
        Proof::Proven { .. }
    ));
}

/// An import finds the likely duplicates of a chunk while the chunk is still held, before its
/// parts are written: it must warn exactly as a scan of the whole log does after the append,
/// for a voucher repeated in a later part of the same chunk as for one of an earlier chunk,
/// and not for a repeat that a later part of the chunk reverses.
#[test]
fn an_import_warns_of_repeats_as_a_scan_of_the_log_does_after_it() {
    use socai::app::chunked_import::import_outcome;
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = workload(4_000);
    let disbursements: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.contains("\"type\":\"disburse\""))
        .map(|(i, _)| i)
        .collect();
    assert!(disbursements.len() > 5 && disbursements[5] < 2_000);
    let reversal = (lines.iter())
        .find(|l| l.contains("\"type\":\"reverse\""))
        .unwrap()
        .clone();
    let repeat = |lines: &[String], at: usize, n: usize| {
        let id = format!("6a7a1c2e-0000-4000-8000-00000000010{n}");
        (id.clone(), lines[at].replace(&id_of(&lines[at]), &id))
    };
    // In the first chunk's second part (of 2,048), a voucher of its first part.
    let (in_chunk, line) = repeat(&lines, disbursements[0], 0);
    lines.insert(2_500, line);
    // In the second chunk, a voucher of the first; and one reversed right after.
    let (later, line) = repeat(&lines, disbursements[3], 1);
    lines.push(line);
    let (reversed, line) = repeat(&lines, disbursements[5], 2);
    lines.push(line);
    let v: serde_json::Value = serde_json::from_str(&reversal).unwrap();
    let target = v["target"].as_str().unwrap();
    lines.push(
        reversal
            .replace(target, &reversed)
            .replace(&id_of(&reversal), "6a7a1c2e-0000-4000-8000-000000000200"),
    );

    // Chunks of 3,000: the first is written in two parts.
    let bounded = tmp.path().join("bounded");
    let out = import_outcome(&bounded, "f.jsonl", Cursor::new(lines.join("\n")), 3_000).unwrap();
    assert_eq!((out.appended, out.chunks), (lines.len(), 2));
    let (_, expected) = whole_log_warnings(&tmp.path().join("whole"), &lines);
    let warned: Vec<String> = out.warnings.iter().map(|w| w.id.to_string()).collect();
    assert!(
        warned.contains(&in_chunk) && warned.contains(&later),
        "{warned:?}"
    );
    assert!(
        !warned.contains(&reversed),
        "a reversed repeat warns of nothing"
    );
    assert_eq!(out.warnings, expected);
}

/// The server warns of a likely duplicate from its vouchers (`Log::repeats`), reading only the
/// records that share the voucher; it must warn exactly as a scan of the whole log does, batch
/// after batch, whether the first voucher is counted, reversed, or repeated more than once.
#[test]
fn the_servers_voucher_lookup_warns_as_a_scan_of_the_whole_log_does() {
    use socai::app::duplicates::{after_append, of_pairs};
    use socai::server::log_view::LogView;
    let tmp = tempfile::tempdir().unwrap();
    let lines = workload(1_200);
    let mut ledger = Ledger::open(&tmp.path().join("db"), OpenMode::CreateIfMissing).unwrap();
    let parse = |l: &String| event::parse_line(l).unwrap();
    let mut batches: Vec<Vec<u64>> = Vec::new();
    for part in lines.chunks(100) {
        let events = part.iter().map(parse).collect();
        batches.push(ledger.append(events, chrono::Utc::now()).unwrap().seqs);
    }
    // Repeats of vouchers spread over the log (some of them reversed by the workload), each
    // sent twice, one event a batch as a client would; a repeat the rules refuse is skipped.
    let vouchers: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("\"document\"") && !l.contains("\"type\":\"reverse\""))
        .step_by(37)
        .collect();
    for (n, line) in vouchers.iter().chain(vouchers.iter()).enumerate() {
        let id = format!("6a7a1c2e-0000-4000-8000-{n:012}");
        let repeat = parse(&line.replace(&id_of(line), &id));
        if let Ok(done) = ledger.append(vec![repeat], chrono::Utc::now()) {
            batches.push(done.seqs);
        }
    }
    let chain = ledger.chain();
    let view = LogView::new(Vec::new(), Vec::new());
    let (mut from, mut warned) = (0usize, 0usize);
    for seqs in &batches {
        let to = from + seqs.len();
        view.extend(
            chain.records()[from..to].to_vec(),
            chain.hashes()[from..to].to_vec(),
        );
        from = to;
        let log = view.read();
        let expected = after_append(log.chain(), seqs);
        assert_eq!(of_pairs(&log.repeats(seqs)), expected, "batch {seqs:?}");
        warned += expected.len();
    }
    assert!(warned >= 10, "the repeats were warned of: {warned}");
}

/// The child of `an_import_killed_between_two_parts_leaves_its_index_to_be_rebuilt`: appends
/// the events of `SOCAI_PARTS_CHILD_FROM..` of the workload in parts of 1,000 and dies (abort,
/// as a kill would) once the second part is durable, before the third begins.
#[test]
#[ignore = "the child process of an_import_killed_between_two_parts_leaves_its_index_to_be_rebuilt"]
fn import_in_parts_child() {
    let Ok(db) = std::env::var("SOCAI_PARTS_CHILD_DB") else {
        return;
    };
    let from: usize = std::env::var("SOCAI_PARTS_CHILD_FROM")
        .unwrap()
        .parse()
        .unwrap();
    socai::storage::raw::set_fault_hook(|point| {
        static PARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        if point == "import:part-durable"
            && PARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1
        {
            std::process::abort();
        }
    });
    let bounded = bounded();
    let events = parse(&workload(PARTS_EVENTS)[from..]);
    let mut ledger =
        Ledger::open_with(std::path::Path::new(&db), OpenMode::MustExist, bounded).unwrap();
    ledger
        .append_in_parts(events, chrono::Utc::now(), 1_000)
        .unwrap();
}

const PARTS_EVENTS: u64 = 4_000;

/// A chunk's parts before its last leave the index unmarked: a crash between two of them must
/// leave a store whose cold reads answer from the log (the index is not served), the same
/// figures as from the index once the next writer has rebuilt it; sending the input again
/// completes the import and leaves the index proven.
#[test]
fn an_import_killed_between_two_parts_leaves_its_index_to_be_rebuilt() {
    use socai::storage::index_proof::Proof;
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let lines = workload(PARTS_EVENTS);
    let first = lines[..1_000].join("\n");
    import_outcome_of(&db, &first);
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "chunked_import::import_in_parts_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SOCAI_PARTS_CHILD_DB", &db)
        .env("SOCAI_PARTS_CHILD_FROM", "1000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "the child was not stopped between two parts"
    );

    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert_eq!(ledger.head_seq(), 3_000, "the first two parts are durable");
    assert!(
        matches!(ledger.prove_index().unwrap(), Proof::NotServed(_)),
        "an index the last part did not mark is not served"
    );
    drop(ledger);
    let balance = || {
        let out = Command::new(env!("CARGO_BIN_EXE_socai"))
            .arg("--db")
            .arg(&db)
            .args(["--lang", "en", "balance", "--as-of", "2099-12-31", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let from_the_log = balance();
    let mut ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    ledger.ensure_index().unwrap();
    assert!(matches!(
        ledger.prove_index().unwrap(),
        Proof::Proven { .. }
    ));
    drop(ledger);
    assert_eq!(balance(), from_the_log);

    // Sent again, the input completes the import; the index is marked and proven.
    let out = import_outcome_of(&db, &lines.join("\n"));
    assert_eq!((out.appended, out.already_present), (1_000, 3_000));
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    assert!(matches!(
        ledger.prove_index().unwrap(),
        Proof::Proven { .. }
    ));
}

fn import_outcome_of(db: &std::path::Path, text: &str) -> socai::app::import::Outcome {
    socai::app::chunked_import::import_outcome(
        db,
        "f.jsonl",
        Cursor::new(text.to_string()),
        200_000,
    )
    .unwrap()
}

/// A bulk import sets the ids and vouchers of what is durable aside in temporary runs, so that
/// its memory does not grow with the log (issue 17: 8 bytes an event each, 134 MB apiece at
/// 10M events). With 64 of each held, chunks appended in parts must decide and warn as a ledger
/// holding the whole log: an id sent again, a voucher repeated and an event reversed twice,
/// each of a record long set aside; and a chunk refused in its last part rolls back what it
/// staged without touching what was set aside, also after a reopen.
#[test]
fn an_import_with_its_ids_and_vouchers_set_aside_decides_as_the_whole_log() {
    use socai::ledger::{AppendError, Hold, Options};
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let options = Options {
        hold: Hold::Pending,
        ids_in_memory: Some(64),
        ..Options::default()
    };
    let mut lines = workload(3_000);
    let first = (lines.iter())
        .position(|l| l.contains("\"type\":\"disburse\""))
        .unwrap();
    lines.push(lines[first].replace(
        &id_of(&lines[first]),
        "6a7a1c2e-0000-4000-8000-000000000301",
    ));
    let mut ledger = Ledger::open_with(&db, OpenMode::CreateIfMissing, options).unwrap();
    let mut warned = Vec::new();
    let mut append = |ledger: &mut Ledger, chunk: &[String]| {
        let (_, repeats) = ledger
            .append_in_parts(parse(chunk), chrono::Utc::now(), 128)
            .unwrap();
        warned.extend(repeats.iter().map(|(r, f)| (r.seq, f.seq)));
    };
    for chunk in lines[..2_400].chunks(700) {
        append(&mut ledger, chunk);
    }
    // The rest, then the 4th event's id again with other content: refused in the chunk's last
    // part, after parts of it were staged.
    let mut bad = lines[2_400..].to_vec();
    bad.push(lines[3].replace("\"actor\":\"", "\"actor\":\"x"));
    let err = ledger
        .append_in_parts(parse(&bad), chrono::Utc::now(), 64)
        .unwrap_err();
    let at = bad.len() - 1;
    assert!(
        matches!(&err, AppendError::Rejected { index, .. } if *index == at),
        "{err}"
    );
    assert!(err.to_string().contains("sequence 4"), "{err}");
    assert_eq!(ledger.head_seq(), 2_400);
    append(&mut ledger, &lines[2_400..]);
    let set_aside = ledger.state().ids_set_aside();
    assert!(set_aside > 2_900, "ids set aside: {set_aside}");
    let (mut whole, expected) = whole_log_warnings(&tmp.path().join("whole"), &lines);
    let expected: Vec<(u64, u64)> = expected.iter().map(|w| (w.seq, w.first_seq)).collect();
    assert_eq!(warned, expected);
    assert!(warned.contains(&(lines.len() as u64, first as u64 + 1)));
    drop(ledger);

    let mut ledger = Ledger::open_with(&db, OpenMode::MustExist, options).unwrap();
    assert_eq!(ledger.head_seq(), lines.len() as u64);
    assert!(ledger.state().ids_set_aside() > 2_900);
    let reversal = (lines.iter())
        .find(|l| l.contains("\"type\":\"reverse\""))
        .unwrap();
    let twice = reversal.replace(&id_of(reversal), "6a7a1c2e-0000-4000-8000-000000000302");
    let err = ledger
        .append_in_parts(parse(std::slice::from_ref(&twice)), chrono::Utc::now(), 64)
        .unwrap_err();
    let whole_err = whole
        .append(parse(std::slice::from_ref(&twice)), chrono::Utc::now())
        .unwrap_err();
    assert_eq!(err.to_string(), whole_err.to_string());
    // Sent again, every event is found recorded, read back through the runs.
    let (again, _) = ledger
        .append_in_parts(parse(&lines), chrono::Utc::now(), 512)
        .unwrap();
    assert_eq!((again.seqs.len(), again.already_present), (0, lines.len()));
}
