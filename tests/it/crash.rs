//! Crash harness: a writer process appends batches of known content and is killed with SIGKILL
//! at random moments, again and again; after every kill the store is reopened and checked:
//! it opens, every acknowledged batch is there, no batch is there in part, `socai verify`
//! passes, and the balances equal an independent tally of the batches that are there (all the
//! acknowledged ones, plus at most the one that was in flight, complete).
//!
//! Short mode (default): 20 kills. Long mode: `SOCAI_CRASH_KILLS=300 cargo test --release
//! --test crash -- --nocapture`. `SOCAI_CRASH_SEED` replays a run.
//!
//! Two writers take turns: this test binary re-run as a child (`crash_writer_child`, which
//! appends through `Ledger::append` and prints `ACK k` once batch k is acknowledged), and the
//! real `socai import` of a batch file (acknowledged when it exits 0).
//!
//! What SIGKILL tests: the process dies at any instruction, the kernel keeps what was written.
//! It does not simulate a power cut (lost page cache); that relies on the fsyncs.

use crate::common;
use common::Rng;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use socai::core::event::{self, Event};
use socai::ledger::Ledger;
use socai::storage::OpenMode;

const LINES: usize = 4;
/// Batches one child run appends at most before it exits on its own.
const BATCHES_PER_RUN: usize = 40;

// ---------------------------------------------------------------------------------------------
// The known content: batch k is a pure function of k.

fn line(i: usize) -> String {
    format!("CRASH/L{}", i % LINES)
}

fn id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// Number of events in batch k (batch 0 opens and funds the lines). Every 9th batch is large,
/// to widen the window in which a kill lands inside a write.
fn batch_len(k: usize) -> usize {
    match k {
        0 => 3 * LINES,
        k if k % 9 == 0 => 250,
        k => 1 + (k * 7) % 6,
    }
}

/// Global index of the first event of batch k.
fn batch_start(k: usize) -> usize {
    (0..k).map(batch_len).sum()
}

fn date(n: usize) -> String {
    let d = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new((n % 300) as u64);
    d.to_string()
}

fn doc(n: usize) -> String {
    format!(r#""document":{{"number":"CT-{n}","date":"{}"}}"#, date(n))
}

/// The kind of global event n past the first batch: 0 allocate, 1 disburse, 2 transfer,
/// 3 refund, 4 reverse (of the allocate four events earlier, when there is one).
fn kind(n: usize) -> usize {
    match n % 5 {
        4 if n - 4 < 3 * LINES => 0,
        k => k,
    }
}

/// The JSON line of global event n.
fn event_line(n: usize) -> String {
    if n < LINES {
        return format!(
            r#"{{"id":"{}","type":"open_line","effective_date":"2025-01-01","line":"{}","program":"DTTS","capital":"investment","source":"NSTW","plan_year":2025,"origin":"in_year"}}"#,
            id(n as u64),
            line(n)
        );
    }
    if n < 2 * LINES {
        return format!(
            r#"{{"id":"{}","type":"allocate","effective_date":"2025-01-01","line":"{}","amount":"1000000000000",{}}}"#,
            id(n as u64),
            line(n),
            doc(0)
        );
    }
    if n < 3 * LINES {
        // Enough disbursed from the start for every later refund.
        return format!(
            r#"{{"id":"{}","type":"disburse","effective_date":"2025-01-01","line":"{}","amount":"1000000000",{}}}"#,
            id(n as u64),
            line(n),
            doc(0)
        );
    }
    let l = line(n / 5);
    let eid = id(n as u64);
    let d = date(n);
    match kind(n) {
        0 => format!(
            r#"{{"id":"{eid}","type":"allocate","effective_date":"{d}","line":"{l}","amount":"{}",{}}}"#,
            1000 + n,
            doc(n)
        ),
        1 => format!(
            r#"{{"id":"{eid}","type":"disburse","effective_date":"{d}","line":"{l}","amount":"{}",{}}}"#,
            400 + n % 17,
            doc(n)
        ),
        2 => format!(
            r#"{{"id":"{eid}","type":"transfer","effective_date":"{d}","from":"{l}","to":"{}","amount":"100",{}}}"#,
            line(n / 5 + 1),
            doc(n)
        ),
        3 => format!(
            r#"{{"id":"{eid}","type":"refund","effective_date":"{d}","line":"{l}","amount":"50",{}}}"#,
            doc(n)
        ),
        // Reverses the allocate four events earlier.
        _ => format!(
            r#"{{"id":"{eid}","type":"reverse","effective_date":"{d}","target":"{}","reason":"nhập nhầm",{}}}"#,
            id(n as u64 - 4),
            doc(n)
        ),
    }
}

fn batch_text(k: usize) -> String {
    let start = batch_start(k);
    (start..start + batch_len(k))
        .map(|n| event_line(n) + "\n")
        .collect()
}

fn batch_events(k: usize) -> Vec<Event> {
    let start = batch_start(k);
    (start..start + batch_len(k))
        .map(|n| event::parse_line(&event_line(n)).unwrap())
        .collect()
}

/// The recording time the child writer gives batch k (deterministic).
fn batch_time(k: usize) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600 + k as i64, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The child writer.

#[test]
#[ignore = "the writer process of the crash harness; run by crash_harness_kills_the_writer"]
fn crash_writer_child() {
    let Ok(db) = std::env::var("SOCAI_CRASH_CHILD_DB") else {
        return;
    };
    let from: usize = std::env::var("SOCAI_CRASH_CHILD_FROM")
        .unwrap()
        .parse()
        .unwrap();
    if std::env::var_os("SOCAI_CRASH_AT").is_some() {
        socai::storage::raw::set_fault_hook(abort_at_named_step);
    }
    let mut out = std::io::stdout().lock();
    let mut ledger = match Ledger::open(Path::new(&db), OpenMode::CreateIfMissing) {
        Ok(l) => l,
        Err(e) => {
            writeln!(out, "\nERR {e}").unwrap();
            out.flush().unwrap();
            std::process::exit(1);
        }
    };
    // libtest has printed "test crash_writer_child ... " without a newline: start a line.
    writeln!(out, "\nOPEN").unwrap();
    out.flush().unwrap();
    for k in from..from + BATCHES_PER_RUN {
        match ledger.append(batch_events(k), batch_time(k)) {
            Ok(_) => {
                writeln!(out, "ACK {k}").unwrap();
                out.flush().unwrap();
            }
            Err(e) => {
                writeln!(out, "ERR {e}").unwrap();
                out.flush().unwrap();
                std::process::exit(1);
            }
        }
    }
}

/// The fault hook of a child run with `SOCAI_CRASH_AT=<step>`: the process dies (abort, as a
/// kill would) the `SOCAI_CRASH_AT_HIT`-th time a commit reaches that step.
fn abort_at_named_step(point: &str) {
    static HITS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if std::env::var("SOCAI_CRASH_AT").as_deref() != Ok(point) {
        return;
    }
    let want: usize = std::env::var("SOCAI_CRASH_AT_HIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    if HITS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == want {
        std::process::abort();
    }
}

// ---------------------------------------------------------------------------------------------
// The harness.

/// Independent tally of plan and disbursed per line as of a date, straight from the generator's
/// arithmetic (not through `projection`): reversals cancel their target whatever their date.
fn tally(events: usize, as_of: &str) -> BTreeMap<String, (Decimal, Decimal)> {
    let mut reversed = std::collections::HashSet::new();
    for n in 3 * LINES..events {
        if kind(n) == 4 {
            reversed.insert(n - 4);
        }
    }
    let mut out: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for i in 0..LINES {
        out.insert(line(i), (Decimal::ZERO, Decimal::ZERO));
    }
    for n in LINES..events {
        let effective = if n < 3 * LINES {
            "2025-01-01".to_string()
        } else {
            date(n)
        };
        if reversed.contains(&n) || effective.as_str() > as_of {
            continue;
        }
        let l = line(n / 5);
        let d = |x: usize| Decimal::from(x as u64);
        if n < 2 * LINES {
            out.get_mut(&line(n)).unwrap().0 += d(1_000_000_000_000);
            continue;
        }
        if n < 3 * LINES {
            out.get_mut(&line(n)).unwrap().1 += d(1_000_000_000);
            continue;
        }
        match kind(n) {
            0 => out.get_mut(&l).unwrap().0 += d(1000 + n),
            1 => out.get_mut(&l).unwrap().1 += d(400 + n % 17),
            2 => {
                out.get_mut(&l).unwrap().0 -= d(100);
                out.get_mut(&line(n / 5 + 1)).unwrap().0 += d(100);
            }
            3 => out.get_mut(&l).unwrap().1 -= d(50),
            _ => {}
        }
    }
    out
}

fn spawn_child(db: &Path, from: usize) -> Child {
    spawn_child_with(db, from, &[])
}

fn spawn_child_with(db: &Path, from: usize, env: &[(&str, String)]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args([
            // libtest names it by its module path within the test binary (tests/it/main.rs).
            concat!(module_path!(), "::crash_writer_child")
                .split_once("::")
                .map_or("crash_writer_child", |(_, name)| name),
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOCAI_CRASH_CHILD_DB", db)
        .env("SOCAI_CRASH_CHILD_FROM", from.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Reads the child's stdout lines on a thread, so the harness can wait for "OPEN".
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Opens the store after a kill and checks it: it opens, holds whole batches only, every
/// acknowledged one (`0..acked`) and none beyond the one in flight (`in_flight_max`), the
/// balances equal the independent tally, a cold `balance` prints what the full log gives and
/// `verify` passes. Returns the number of batches present and how long the open took (`None`:
/// no store was created yet).
fn check_after_kill(
    db: &Path,
    acked: usize,
    in_flight_max: usize,
    kill: usize,
) -> Option<(usize, Duration)> {
    let socai = env!("CARGO_BIN_EXE_socai");
    let opening = Instant::now();
    let ledger = match Ledger::open(db, OpenMode::MustExist) {
        Ok(l) => l,
        Err(e) if acked == 0 && !db.join("HEAD").exists() => {
            // Killed before the very first store was created: nothing was acknowledged.
            eprintln!("kill {kill}: store not created yet ({e})");
            return None;
        }
        Err(e) => panic!("kill {kill}: the store does not open: {e}"),
    };
    let open_time = opening.elapsed();
    let head = ledger.head_seq() as usize;
    let mut now_present = 0;
    while batch_start(now_present + 1) <= head {
        now_present += 1;
    }
    assert_eq!(
        batch_start(now_present),
        head,
        "kill {}: the log ends inside batch {now_present} (a partial batch)",
        kill
    );
    assert!(
        now_present >= acked,
        "kill {}: LOST acknowledged batches {now_present}..{acked}",
        kill
    );
    assert!(
        now_present <= in_flight_max + 1,
        "kill {}: the log holds batch {} that was never sent",
        kill,
        now_present - 1
    );
    // The events are exactly those of batches 0..now_present, in order.
    let expected: Vec<Event> = (0..now_present).flat_map(batch_events).collect();
    let stored: Vec<&Event> = ledger.records().iter().map(|r| &r.event).collect();
    assert_eq!(stored.len(), expected.len());
    for (i, (s, e)) in stored.iter().zip(&expected).enumerate() {
        assert_eq!(*s, e, "kill {}: sequence {} differs", kill, i + 1);
    }
    // Balances equal the independent tally, at two dates.
    for as_of in ["2025-03-15", "2025-12-31"] {
        let view = ledger
            .view(as_of.parse().unwrap(), None)
            .expect("a view of the head");
        let got: BTreeMap<String, (Decimal, Decimal)> =
            socai::core::projection::balances(ledger.records(), view, None)
                .into_iter()
                .map(|b| (b.spec.line.clone(), (b.plan, b.disbursed)))
                .collect();
        let want = if head == 0 {
            BTreeMap::new()
        } else {
            tally(head, as_of)
        };
        assert_eq!(got, want, "kill {}: balances as of {as_of}", kill);
    }
    let reference = match socai::app::query::answer(
        ledger.chain(),
        &socai::app::query::Query::Balance {
            as_of: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            known_at: None,
            plan_year: None,
            format: socai::app::Format::Json,
            lang: socai::present::vi_format::Lang::Vi,
            csv_dialect: None,
        },
    )
    .unwrap()
    {
        socai::app::query::Answer::Json(v) => serde_json::to_string_pretty(&v).unwrap() + "\n",
        other => panic!("{other:?}"),
    };
    drop(ledger);
    // A cold balance reads the index files the killed writer may have left half updated
    // (they are not fsynced, and the mark is written last): it prints exactly what the
    // full log gives, whether it answers from the index or declines to the full open.
    let o = Command::new(socai)
        .arg("--db")
        .arg(db)
        .args(["balance", "--as-of", "2025-12-31", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        (o.status.code(), String::from_utf8_lossy(&o.stdout)),
        (Some(0), reference.into()),
        "kill {}: cold balance: {}",
        kill,
        String::from_utf8_lossy(&o.stderr)
    );
    // And the shipped binary's verify agrees.
    let o = Command::new(socai)
        .arg("--db")
        .arg(db)
        .arg("verify")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "kill {}: verify: {}",
        kill,
        String::from_utf8_lossy(&o.stderr)
    );
    Some((now_present, open_time))
}

#[derive(Default)]
struct Counts {
    kills: usize,
    during_open: usize,
    during_appends: usize,
    of_import: usize,
    finished_before_kill: usize,
    imports_acknowledged: usize,
    in_flight_found_complete: usize,
}

#[test]
fn crash_harness_kills_the_writer() {
    let kills: usize = std::env::var("SOCAI_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("SOCAI_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash harness: {kills} kills, SOCAI_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let socai = env!("CARGO_BIN_EXE_socai");

    // Batches present in the store (0..present) and acknowledged (0..acked).
    let mut present = 0usize;
    let mut acked = 0usize;
    let mut counts = Counts::default();
    let started = Instant::now();
    let mut open_time = Duration::ZERO;
    let mut append_window: u64 = 80_000; // µs after the open before the kill, at most

    while counts.kills < kills {
        let mut in_flight_max = present; // the batch that may be in flight
        if present > 0 && rng.below(5) == 0 {
            // The real binary: `socai import` of the next batch file.
            let file = tmp.path().join(format!("batch-{present}.jsonl"));
            std::fs::write(&file, batch_text(present)).unwrap();
            let mut child = Command::new(socai)
                .arg("--db")
                .arg(&db)
                .arg("import")
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // socai import opens (and verifies) the whole store first: let some runs finish.
            let window = 2 * open_time.as_micros() as u64 + 100_000;
            std::thread::sleep(Duration::from_micros(rng.below(window)));
            let killed = child.kill().is_ok();
            let status = child.wait().unwrap();
            if status.success() {
                acked = acked.max(present + 1);
                counts.finished_before_kill += 1;
                counts.imports_acknowledged += 1;
            } else {
                assert!(killed, "socai import failed on its own: {status}");
                counts.kills += 1;
                counts.of_import += 1;
            }
        } else {
            let mut child = spawn_child(&db, present);
            let rx = lines_of(&mut child);
            let during_open = rng.below(4) == 0;
            if during_open {
                std::thread::sleep(Duration::from_micros(rng.below(40_000)));
            } else {
                // Wait for the open, then let it append for a while.
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(line) if line == "OPEN" => break,
                        Ok(line) if line.starts_with("ERR") => panic!("writer: {line}"),
                        // libtest's own lines
                        Ok(_) => {}
                        Err(_) => assert!(Instant::now() < deadline, "writer never opened"),
                    }
                }
                std::thread::sleep(Duration::from_micros(rng.below(append_window)));
            }
            let killed = child.kill().is_ok();
            let status = child.wait().unwrap();
            // Every acknowledgement printed before the kill. On a slow disk (fsync) a fixed
            // window could kill every run before its first acknowledgement: widen it until
            // one gets through.
            let acked_before = acked;
            for line in rx.iter() {
                if let Some(k) = line.strip_prefix("ACK ") {
                    let k: usize = k.parse().unwrap();
                    acked = acked.max(k + 1);
                    in_flight_max = in_flight_max.max(k + 1);
                } else if line.starts_with("ERR") {
                    panic!("writer: {line}");
                }
            }
            if !during_open {
                append_window = if acked > acked_before {
                    80_000
                } else {
                    (append_window * 2).min(5_000_000)
                };
            }
            if status.success() {
                counts.finished_before_kill += 1;
            } else {
                assert!(killed, "the writer failed on its own: {status}");
                counts.kills += 1;
                if during_open {
                    counts.during_open += 1;
                } else {
                    counts.during_appends += 1;
                }
            }
        }

        // After the kill: the store opens (a process kill loses nothing acknowledged, so a
        // refusal here would itself be a failure) and holds whole batches only.
        let Some((now_present, opened_in)) =
            check_after_kill(&db, acked, in_flight_max, counts.kills)
        else {
            continue;
        };
        open_time = opened_in;
        if now_present > acked {
            counts.in_flight_found_complete += 1;
        }
        present = now_present;
    }

    let events = batch_start(present);
    eprintln!(
        "crash harness: {} kills ({} during open, {} during appends, {} of socai import), \
         {} runs finished before their kill ({} of them socai import); {present} batches / {events} events in the store, \
         {acked} batches acknowledged, 0 acknowledged events lost, {} in-flight batches found \
         complete after the kill; {:.1}s",
        counts.kills,
        counts.during_open,
        counts.during_appends,
        counts.of_import,
        counts.finished_before_kill,
        counts.imports_acknowledged,
        counts.in_flight_found_complete,
        started.elapsed().as_secs_f64()
    );
    assert!(
        acked > 0,
        "nothing was ever acknowledged: the harness tested nothing"
    );
    assert!(
        counts.during_appends > 0,
        "no kill landed while appending: the harness tested nothing"
    );
}

/// The steps of a commit (`socai::storage::raw::fault`), in order.
const COMMIT_STEPS: [&str; 5] = [
    "commit:sled-durable",
    "commit:journal-durable",
    "commit:copies-durable",
    "commit:head-written",
    "index:files-written",
];

/// Rewrites HEAD to name `seq` (with its hash in the log): what a power cut leaves when the
/// in-place HEAD writes after `seq` never reached the disk (they are fdatasynced only in the
/// next commit's round). Written as a store from before HEAD's checksum line would have it.
fn head_lost_back_to(db: &Path, seq: u64) {
    let ledger = Ledger::open(db, OpenMode::MustExist).unwrap();
    let hash = ledger.hash_of(seq).unwrap();
    drop(ledger);
    let text = format!("socai-head 1\n{seq}\n{}\n", hex_of(&hash));
    std::fs::write(db.join("HEAD"), text).unwrap();
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A crash drill for every step of the commit path: the writer dies (abort) exactly between
/// two steps, at its first commit after the open and at a later one; the store must then open
/// with every acknowledged batch, whole batches only, the right balances (also from the index
/// a cold `balance` reads) and a passing `verify`. After a death once HEAD was written in place
/// (not yet fsynced), HEAD is also put back one batch, as a power cut could leave it: nothing
/// acknowledged may depend on that write.
#[test]
fn a_writer_killed_between_any_two_steps_of_a_commit_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut acked = 0usize;
    let mut kill = 0usize;
    for step in COMMIT_STEPS {
        for hit in [1usize, 3] {
            kill += 1;
            let env = [
                ("SOCAI_CRASH_AT", step.to_string()),
                ("SOCAI_CRASH_AT_HIT", hit.to_string()),
            ];
            let mut child = spawn_child_with(&db, acked, &env);
            let rx = lines_of(&mut child);
            let status = child.wait().unwrap();
            let mut in_flight_max = acked;
            let mut acks = 0;
            for line in rx.iter() {
                if let Some(k) = line.strip_prefix("ACK ") {
                    let k: usize = k.parse().unwrap();
                    acked = acked.max(k + 1);
                    in_flight_max = in_flight_max.max(k + 1);
                    acks += 1;
                } else if line.starts_with("ERR") {
                    panic!("writer: {line}");
                }
            }
            assert!(
                !status.success(),
                "{step} #{hit}: the writer was not stopped there"
            );
            // Steps before the acknowledgement stop the hit-th commit before its ACK; the
            // index is extended after it (the ACK follows the whole commit in this writer).
            assert_eq!(
                acks,
                hit - 1,
                "{step} #{hit}: acknowledgements before the death"
            );
            let (present, _) = check_after_kill(&db, acked, in_flight_max, kill)
                .expect("the store exists after the first batch");
            if step == "commit:head-written" && present > 1 {
                // The batch in flight is complete in both copies (HEAD was being named): it
                // stays, even with HEAD put back behind it.
                head_lost_back_to(&db, batch_start(present - 1) as u64);
                check_after_kill(&db, acked, in_flight_max, kill);
            }
            acked = present;
        }
    }
}
