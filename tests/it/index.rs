//! The persisted index (issue 5) against a full replay, on a generated workload; the
//! generator's determinism and its journal; the rules' backward walk on backdated events.

use crate::common;
use common::{Rng, copy_dir};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use chrono::{Days, NaiveDate, Utc};
use socai::app::Format;
use socai::app::query::{self, Answer, DiffRequest, Query as Command};
use socai::app::workload::{self, Sink};
use socai::app::{indexed_diff, indexed_query};
use socai::core::event::{self, Event};
use socai::core::known_at::KnownAt;
use socai::ledger::{AppendError, Ledger};
use socai::present::vi_format::Lang;
use socai::storage::{OpenMode, raw};

/// An answer as the CLI prints it.
fn show(answer: Answer) -> String {
    match answer {
        Answer::Text(t) => t,
        Answer::Json(v) => serde_json::to_string_pretty(&v).unwrap() + "\n",
        Answer::JsonText(t) => {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            serde_json::to_string_pretty(&v).unwrap() + "\n"
        }
        Answer::Bytes(b) => String::from_utf8(b).unwrap(),
        stream @ Answer::Stream(_) => {
            let mut out = Vec::new();
            stream.write_to(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        }
    }
}

struct Lines(Vec<String>);

impl Sink for Lines {
    fn event(&mut self, e: &Event) -> Result<(), String> {
        self.0
            .push(serde_json::to_string(&event::to_json(e)).unwrap());
        Ok(())
    }
}

fn generate(n: u64, seed: u64) -> (Vec<String>, String) {
    let mut lines = Lines(Vec::new());
    let (summary, journal) = workload::generate(n, seed, &mut lines).unwrap();
    assert_eq!(summary.events, n);
    assert_eq!(lines.0.len() as u64, n);
    (lines.0, journal)
}

fn socai(db: &Path, interval: u64, args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_socai"))
        .env("SOCAI_LANG", common::TEST_LANG)
        .env("SOCAI_INDEX_CHECKPOINT_EVERY", interval.to_string())
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Imports `events` through the CLI in uneven files (so the index is extended across
/// batches, partial blocks and checkpoints), with checkpoints every `interval` sequences.
fn import(dir: &Path, db: &Path, events: &[String], cuts: &[usize], interval: u64) {
    let mut start = 0;
    for (k, &end) in cuts.iter().chain([events.len()].iter()).enumerate() {
        let file = dir.join(format!("part{k}.jsonl"));
        std::fs::write(&file, events[start..end].join("\n") + "\n").unwrap();
        let o = socai(db, interval, &["import", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        start = end;
    }
}

fn queries(head: u64, count: usize) -> Vec<Command> {
    let mut rng = Rng(42);
    let first = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    let mut out = Vec::new();
    for i in 0..count {
        let as_of = first + Days::new(rng.below(800));
        let known_at = match i % 4 {
            0 => None,
            1 => Some(KnownAt::Seq(head)),
            _ => Some(KnownAt::Seq(rng.below(head + 1))),
        };
        let plan_year = match i % 3 {
            0 => Some(2024 + rng.below(2) as i32),
            _ => None,
        };
        out.push(Command::Balance {
            as_of,
            known_at,
            plan_year,
            format: match i % 4 {
                1 => Format::Text,
                3 => Format::Csv,
                _ => Format::Json,
            },
            // Both languages of the text answer, from the index and from the log alike.
            lang: if i % 3 == 0 { Lang::En } else { Lang::Vi },
            // Both CSV dialects: the language's default, or plain asked for.
            csv_dialect: (i % 8 == 7).then_some(socai::present::csv_out::CsvDialect::Plain),
        });
        if i % 5 == 0 {
            out.push(Command::Summary {
                as_of,
                known_at,
                plan_year: 2025,
                lang: Lang::Vi,
            });
        }
    }
    out.push(Command::Balance {
        as_of: first,
        known_at: Some(KnownAt::Seq(0)),
        plan_year: None,
        format: Format::Json,
        lang: Lang::Vi,
        csv_dialect: None,
    });
    out
}

/// Every query answered by a full replay of the log (the reference).
fn full_replay(db: &Path, queries: &[Command]) -> Vec<String> {
    let ledger = Ledger::open(db, OpenMode::MustExist).unwrap();
    queries
        .iter()
        .map(|q| show(query::answer(ledger.chain(), q).unwrap()))
        .collect()
}

/// Every query answered from the index (which must be usable).
fn indexed(db: &Path, queries: &[Command]) -> Vec<String> {
    queries
        .iter()
        .map(|q| {
            show(
                indexed_query::answer(db, q)
                    .unwrap()
                    .unwrap_or_else(|| panic!("the index did not answer {q:?}")),
            )
        })
        .collect()
}

fn assert_same(reference: &[String], got: &[String], queries: &[Command]) {
    assert_eq!(reference.len(), got.len());
    for ((r, g), q) in reference.iter().zip(got).zip(queries) {
        assert_eq!(r, g, "query {q:?}");
    }
}

fn workload_store(n: u64, interval: u64) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (events, _) = generate(n, 11);
    import(tmp.path(), &db, &events, &[700, 1_900, 1_905], interval);
    (tmp, db, events)
}

/// `workload_store(3_000, 256)`, which eight tests start from: made once in this test process
/// (four imports, each verifying the store so far), then copied file for file.
pub(crate) fn workload_store_3000() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    static MADE: std::sync::OnceLock<(common::Tree, Vec<String>)> = std::sync::OnceLock::new();
    let (tree, events) = MADE.get_or_init(|| {
        let (_tmp, db, events) = workload_store(3_000, 256);
        (common::Tree::read(&db), events)
    });
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    tree.write(&db);
    (tmp, db, events.clone())
}

#[test]
fn indexed_balances_equal_a_full_replay_at_random_points() {
    let (_tmp, db, events) = workload_store_3000();
    let queries = queries(events.len() as u64, 80);
    let reference = full_replay(&db, &queries);
    // The reference is not trivial: figures move with both dates and knowledge.
    let distinct: std::collections::HashSet<&String> = reference.iter().collect();
    assert!(distinct.len() > 60, "{} distinct answers", distinct.len());
    assert_same(&reference, &indexed(&db, &queries), &queries);
}

/// The lines the events open, in order (a line's index id).
fn line_names(events: &[String]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(e).unwrap();
            (v["type"] == "open_line").then(|| v["line"].as_str().unwrap().to_string())
        })
        .collect()
}

/// Trails of random lines (the busiest among them: transfers name two lines, reversals and
/// deadline settings move figures) at random views, in text and JSON, both languages.
fn trail_queries(events: &[String], count: usize) -> Vec<Command> {
    let lines = line_names(events);
    let head = events.len() as u64;
    let mut rng = Rng(7);
    let first = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    (0..count)
        .map(|i| Command::Trail {
            line: lines[rng.below(lines.len() as u64) as usize].clone(),
            as_of: (i % 3 != 0).then(|| first + Days::new(rng.below(800))),
            known_at: match i % 4 {
                0 => None,
                1 => Some(KnownAt::Seq(head)),
                _ => Some(KnownAt::Seq(rng.below(head + 1))),
            },
            format: if i % 2 == 0 {
                Format::Text
            } else {
                Format::Json
            },
            lang: if i % 3 == 0 { Lang::En } else { Lang::Vi },
        })
        .collect()
}

#[test]
fn indexed_trails_equal_a_full_replay_at_random_points() {
    let (_tmp, db, events) = workload_store_3000();
    let queries = trail_queries(&events, 120);
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    // The full log's answer, or `None` where it refuses (a line not yet opened at the view):
    // the index must then decline too, leaving the refusal to the full path.
    let reference: Vec<Option<String>> = queries
        .iter()
        .map(|q| query::answer(ledger.chain(), q).ok().map(show))
        .collect();
    drop(ledger);
    let answered = reference.iter().flatten().count();
    assert!(answered > 80, "{answered} trails answered");
    let rows: usize = reference
        .iter()
        .flatten()
        .map(|t| t.matches("\"seq\"").count())
        .sum();
    assert!(rows > 250, "{rows} rows: the trails are not trivial");
    let reversed = reference
        .iter()
        .flatten()
        .filter(|t| t.contains("\"reversed_by\": {"))
        .count();
    assert!(reversed > 3, "{reversed} trails show a reversal");
    for (q, r) in queries.iter().zip(&reference) {
        let got = indexed_query::answer(&db, q).unwrap().map(show);
        match r {
            Some(r) => assert_eq!(Some(r), got.as_ref(), "query {q:?}"),
            None => assert!(got.is_none(), "query {q:?}: the index answered {got:?}"),
        }
    }
}

#[test]
fn a_dropped_index_is_rebuilt_from_the_log_with_the_same_answers() {
    let (tmp, db, events) = workload_store_3000();
    let queries = queries(events.len() as u64, 40);
    let reference = full_replay(&db, &queries);
    raw::drop_index(&db).unwrap();
    // Without an index the read path declines, and the CLI answers from the full log…
    assert!(indexed_query::answer(&db, &queries[0]).unwrap().is_none());
    let o = socai(&db, 100, &["balance", "--as-of", "2025-06-30", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // …rebuilding it (here with another checkpoint interval) for the next queries.
    assert_same(&reference, &indexed(&db, &queries), &queries);

    // A writer finding no index rebuilds it before extending it.
    raw::drop_index(&db).unwrap();
    let (more, _) = generate(3_000, 11);
    let extra = tmp.path().join("again.jsonl");
    std::fs::write(&extra, more.join("\n")).unwrap();
    let o = socai(&db, 256, &["import", extra.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("3000 already present"));
    assert_same(&reference, &indexed(&db, &queries), &queries);
}

#[test]
fn a_damaged_index_value_is_never_served() {
    let (_tmp, db, events) = workload_store_3000();
    let queries = queries(events.len() as u64, 10);
    let reference = full_replay(&db, &queries);
    raw::tamper_index(&db, |v| {
        let i = v.len() / 2;
        v[i] ^= 0x04;
    })
    .unwrap();
    // The damaged table fails its checksum: the answer comes from the log (and the index is
    // rebuilt), never from the damaged bytes.
    let mut declined = 0;
    for (q, r) in queries.iter().zip(&reference) {
        let got = match indexed_query::answer(&db, q).unwrap() {
            Some(t) => show(t),
            None => {
                declined += 1;
                let mut ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
                ledger.ensure_index().unwrap();
                show(query::answer(ledger.chain(), q).unwrap())
            }
        };
        assert_eq!(&got, r, "{q:?}");
    }
    assert!(declined > 0, "the damage was never noticed");
}

/// The index files are written without fsync: after a crash any mix of old and new versions
/// may survive. Each checks out on its own (its checksum is that of an older, valid table);
/// only the mark's manifest can tell that it is not the version the figures need.
#[test]
fn an_index_file_left_from_an_earlier_moment_is_never_served() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (events, _) = generate(3_000, 11);
    import(tmp.path(), &db, &events[..2_000], &[], 256);
    let index = db.join("index");
    let old = tmp.path().join("old-index");
    copy_dir(&index, &old);
    let rest = tmp.path().join("rest.jsonl");
    std::fs::write(&rest, events[2_000..].join("\n") + "\n").unwrap();
    let o = socai(&db, 256, &["import", rest.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let queries = queries(events.len() as u64, 40);
    let reference = full_replay(&db, &queries);

    let mut stale_files = 0;
    for sub in ["head", "blocks"] {
        let mut tried = 0;
        for entry in std::fs::read_dir(old.join(sub)).unwrap() {
            let entry = entry.unwrap();
            let current = index.join(sub).join(entry.file_name());
            let before = std::fs::read(entry.path()).unwrap();
            // A few of each kind keep the test short.
            if tried == 4 || std::fs::read(&current).unwrap() == before {
                continue;
            }
            tried += 1;
            stale_files += 1;
            let now = std::fs::read(&current).unwrap();
            std::fs::write(&current, &before).unwrap();
            // Whatever query touches the stale file is declined, and every other answer is
            // the full replay's.
            let mut declined = 0;
            for (q, r) in queries.iter().zip(&reference) {
                match indexed_query::answer(&db, q).unwrap() {
                    Some(got) => assert_eq!(&show(got), r, "{q:?} with {}", current.display()),
                    None => declined += 1,
                }
            }
            assert!(declined > 0, "{} was served", current.display());
            std::fs::write(&current, now).unwrap();
        }
    }
    // Four head tables, and the one block the first import left partial (sequences
    // 1024…2000 of 1024…2047).
    assert_eq!(stale_files, 5);
    assert_same(&reference, &indexed(&db, &queries), &queries);
}

#[test]
fn the_generator_is_deterministic_and_valid_by_construction() {
    let (a, ja) = generate(2_500, 5);
    let (b, jb) = generate(2_500, 5);
    assert_eq!(a, b);
    assert_eq!(ja, jb);
    let (c, _) = generate(2_500, 6);
    assert_ne!(a, c);
    let kinds: std::collections::HashSet<String> = a
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["type"].as_str().unwrap().to_string()
        })
        .collect();
    for k in [
        "open_line",
        "allocate",
        "reduce",
        "transfer",
        "carry_over",
        "disburse",
        "refund",
        "reverse",
    ] {
        assert!(kinds.contains(k), "no {k} event");
    }
    // Valid: the whole workload is accepted as one batch.
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&tmp.path().join("db"), OpenMode::CreateIfMissing).unwrap();
    let parsed: Vec<Event> = a.iter().map(|l| event::parse_line(l).unwrap()).collect();
    let done = ledger.append(parsed, Utc::now()).unwrap();
    assert_eq!(done.seqs.len(), 2_500);
}

/// Sums the journal's postings per account up to `as_of` (a minimal ledger-cli reader).
fn journal_balances(journal: &str, as_of: NaiveDate) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    let mut counted = false;
    for line in journal.lines() {
        if line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(posting) = line.strip_prefix("    ") {
            if counted {
                let mut parts = posting.split("  ");
                let account = parts.next().unwrap().to_string();
                let amount: i128 = parts
                    .next()
                    .unwrap()
                    .trim()
                    .trim_end_matches(" VND")
                    .parse()
                    .unwrap();
                *out.entry(account).or_insert(0) += amount;
            }
        } else {
            let date = NaiveDate::parse_from_str(&line[..10], "%Y-%m-%d").unwrap();
            counted = date <= as_of;
        }
    }
    out
}

#[test]
fn the_journal_carries_the_same_money_flows_as_the_events() {
    let (events, journal) = generate(3_000, 9);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    import(tmp.path(), &db, &events, &[], 256);
    for as_of in ["2024-06-30", "2025-01-31", "2025-12-31"] {
        let date = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
        let sums = journal_balances(&journal, date);
        let o = socai(&db, 256, &["balance", "--as-of", as_of, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut checked = 0;
        for line in v["lines"].as_array().unwrap() {
            let code = line["line"].as_str().unwrap();
            let num = |k: &str| line[k].as_str().unwrap().parse::<i128>().unwrap();
            let avail = sums.get(&format!("Available:{code}")).copied().unwrap_or(0);
            let disb = sums.get(&format!("Disbursed:{code}")).copied().unwrap_or(0);
            assert_eq!(
                (avail, disb),
                (num("available"), num("disbursed")),
                "{code}"
            );
            checked += 1;
        }
        assert!(checked > 100);
        // Funding is what the lines were given net of what moved on at the close: a carried
        // amount is plan of both lines (issue 12), a lapsed one left the budget.
        let funding = -sums.get("Funding").copied().unwrap_or(0);
        let total = |k: &str| -> i128 { v["totals"][k].as_str().unwrap().parse().unwrap() };
        assert_eq!(
            funding,
            total("plan") - total("carried_out") - total("lapsed"),
            "{as_of}"
        );
    }
}

fn ev(line: &str) -> Event {
    event::parse_line(line).unwrap()
}

#[test]
fn a_backdated_event_is_refused_at_its_earliest_broken_day() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&tmp.path().join("db"), OpenMode::CreateIfMissing).unwrap();
    let doc = r#""document":{"number":"1","date":"2024-01-02"}"#;
    let batch = vec![
        ev(
            r#"{"id":"00000000-0000-4000-8000-000000000001","type":"open_line","effective_date":"2024-01-02","line":"L","program":"P","capital":"recurrent","source":"S","plan_year":2024,"origin":"in_year"}"#,
        ),
        ev(&format!(
            r#"{{"id":"00000000-0000-4000-8000-000000000002","type":"allocate","effective_date":"2024-01-10","line":"L","amount":"100",{doc}}}"#
        )),
        ev(&format!(
            r#"{{"id":"00000000-0000-4000-8000-000000000003","type":"disburse","effective_date":"2024-03-01","line":"L","amount":"60",{doc}}}"#
        )),
        ev(&format!(
            r#"{{"id":"00000000-0000-4000-8000-000000000004","type":"disburse","effective_date":"2024-02-01","line":"L","amount":"30",{doc}}}"#
        )),
    ];
    ledger.append(batch, Utc::now()).unwrap();
    // Available: 100 from 01-10, 70 from 02-01, 10 from 03-01. Reducing 75 on 01-20 leaves 25
    // that day, then −5 on 02-01 (the first broken day) and −65 on 03-01.
    let reduce = ev(&format!(
        r#"{{"id":"00000000-0000-4000-8000-000000000005","type":"reduce","effective_date":"2024-01-20","line":"L","amount":"75",{doc}}}"#
    ));
    match ledger.append(vec![reduce], Utc::now()) {
        Err(AppendError::Rejected { rejection, .. }) => {
            let m = rejection.to_string();
            assert!(m.contains("insufficient_funds"), "{m}");
            assert!(m.contains("end of 2024-02-01"), "{m}");
            assert!(m.contains("available would be -5"), "{m}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // A backdated refund larger than what was disbursed by then, though not by the end.
    let refund = ev(&format!(
        r#"{{"id":"00000000-0000-4000-8000-000000000006","type":"refund","effective_date":"2024-02-15","line":"L","amount":"40",{doc}}}"#
    ));
    match ledger.append(vec![refund], Utc::now()) {
        Err(AppendError::Rejected { rejection, .. }) => {
            let m = rejection.to_string();
            assert!(m.contains("refund_exceeds_disbursed"), "{m}");
            assert!(m.contains("end of 2024-02-15"), "{m}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // Exactly what is left on the earliest tight day passes.
    let ok = ev(&format!(
        r#"{{"id":"00000000-0000-4000-8000-000000000007","type":"reduce","effective_date":"2024-01-20","line":"L","amount":"10",{doc}}}"#
    ));
    ledger.append(vec![ok], Utc::now()).unwrap();
}

#[test]
fn group_commits_keep_the_index_current_even_when_a_batch_of_the_group_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (lines, _) = generate(2_000, 21);
    let events: Vec<Event> = lines
        .iter()
        .map(|l| event::parse_line(l).unwrap())
        .collect();
    {
        let mut ledger = Ledger::open(&db, OpenMode::CreateIfMissing).unwrap();
        ledger.append(events[..800].to_vec(), Utc::now()).unwrap();
        // A refused batch in the middle of a group (an unknown line), the others durable.
        let refused = ev(
            r#"{"id":"00000000-0000-4000-8000-0000000000aa","type":"disburse","effective_date":"2024-05-01","line":"NO-SUCH-LINE","amount":"5","document":{"number":"1","date":"2024-05-01"}}"#,
        );
        let results = ledger.append_many(
            vec![
                events[800..1_300].to_vec(),
                vec![refused],
                events[1_300..].to_vec(),
            ],
            Utc::now(),
        );
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        assert_eq!(ledger.head_seq(), 2_000);
    }
    let queries = queries(2_000, 30);
    let reference = full_replay(&db, &queries);
    assert_same(&reference, &indexed(&db, &queries), &queries);
}

/// The checkpoints of the index files, as file names (sequences).
fn checkpoints(db: &Path) -> Vec<u64> {
    let mut found: Vec<u64> = std::fs::read_dir(db.join("index").join("checkpoints"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    found.sort_unstable();
    found
}

#[test]
fn the_checkpoint_interval_given_to_the_cli_reaches_the_index_it_builds() {
    // The interval is a parameter the door reads (SOCAI_INDEX_CHECKPOINT_EVERY) and passes
    // down; the storage code reads no environment.
    let (_tmp, db, _) = workload_store(3_000, 700);
    assert_eq!(checkpoints(&db), vec![700, 1_400, 2_100, 2_800]);
    raw::drop_index(&db).unwrap();
    let o = socai(&db, 1_300, &["balance", "--as-of", "2025-06-30"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(checkpoints(&db), vec![1_300, 2_600]);
}

/// The trail file with the most bytes (the busiest line's), and that line's name.
fn busiest_trail(db: &Path, events: &[String]) -> (PathBuf, u32, String) {
    let lines = line_names(events);
    let mut best = (0, PathBuf::new(), 0);
    for entry in std::fs::read_dir(db.join("index/trails")).unwrap() {
        let path = entry.unwrap().path();
        let slot: u32 = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        if slot >= socai::storage::index_trail::slot_of(0) && len > best.0 {
            best = (len, path, slot);
        }
    }
    let line = lines[(best.2 - socai::storage::index_trail::slot_of(0)) as usize].clone();
    (best.1, best.2, line)
}

/// A trail file is served only as the mark lists it: a damaged byte makes the index decline
/// (the full log answers); an attacker who drops a record and rewrites the mark to match is
/// served, like any forged index file, until `verify` (which recomputes every trail from the
/// log) names the file.
#[test]
fn a_damaged_trail_is_never_served_and_verify_names_a_forged_one() {
    use socai::storage::{index_codec, index_trail};
    let (_tmp, db, events) = workload_store_3000();
    let (path, slot, line) = busiest_trail(&db, &events);
    let q = Command::Trail {
        line: line.clone(),
        as_of: None,
        known_at: None,
        format: Format::Json,
        lang: Lang::Vi,
    };
    let truth = show(indexed_query::answer(&db, &q).unwrap().unwrap());
    let original = std::fs::read(&path).unwrap();

    let mut damaged = original.clone();
    let i = damaged.len() / 2;
    damaged[i] ^= 0x10;
    std::fs::write(&path, &damaged).unwrap();
    assert!(indexed_query::answer(&db, &q).unwrap().is_none());
    // Bytes after the listed ones (a batch whose commit failed) are not read.
    let mut longer = original.clone();
    longer.extend_from_slice(b"torn batch");
    std::fs::write(&path, &longer).unwrap();
    assert_eq!(
        show(indexed_query::answer(&db, &q).unwrap().unwrap()),
        truth
    );

    // The forgery: one disbursement of the line left out, the mark rewritten to list it.
    let records = index_trail::parse_trail(slot, &original, u64::MAX).unwrap();
    let hidden = records
        .iter()
        .rposition(|r| r.event.kind.type_name() == "disburse")
        .unwrap();
    let entries: Vec<Vec<u8>> = records
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != hidden)
        .map(|(_, r)| {
            let stored = socai::storage::envelope::encode(r).unwrap();
            let mut e = r.seq.to_be_bytes().to_vec();
            e.extend_from_slice(&(stored.len() as u32).to_be_bytes());
            e.extend_from_slice(&stored);
            e
        })
        .collect();
    std::fs::write(&path, entries.concat()).unwrap();
    let mark_path = db.join("index/MARK");
    let mut mark = index_codec::decode_mark(&std::fs::read(&mark_path).unwrap()).unwrap();
    mark.manifest.trails[slot as usize] = index_trail::appended(Default::default(), &entries);
    std::fs::write(&mark_path, index_codec::encode_mark(&mark)).unwrap();
    let served = show(indexed_query::answer(&db, &q).unwrap().unwrap());
    assert_ne!(
        served, truth,
        "the forgery changes nothing: the test is moot"
    );
    let v = socai(&db, 256, &["verify"]);
    assert_eq!(v.status.code(), Some(3), "{}", text(&v.stderr));
    let name = format!("trails/{slot}");
    assert!(text(&v.stderr).contains(&name), "{}", text(&v.stderr));
}

/// A trail from the index is planned while its file is read and checked, then each record
/// is read back as its row is written: a file changed in between fails the answer, saying
/// so, and no row is written from bytes that were not checked.
#[test]
fn a_trail_file_changed_while_its_trail_is_written_fails_the_answer() {
    use socai::app::error::{AppError, Problem};
    use socai::app::query::Unwritten;
    let (_tmp, db, events) = workload_store_3000();
    let (path, _, line) = busiest_trail(&db, &events);
    let q = |format| Command::Trail {
        line: line.clone(),
        as_of: None,
        known_at: None,
        format,
        lang: Lang::En,
    };
    let original = std::fs::read(&path).unwrap();
    for format in [Format::Text, Format::Json] {
        let mut whole = Vec::new();
        let answer = indexed_query::answer(&db, &q(format)).unwrap().unwrap();
        answer.write_to(&mut whole).unwrap();
        let answer = indexed_query::answer(&db, &q(format)).unwrap().unwrap();
        let mut damaged = original.clone();
        let i = damaged.len() / 2;
        damaged[i] ^= 0x10;
        std::fs::write(&path, &damaged).unwrap();
        let mut out = Vec::new();
        match answer.write_to(&mut out) {
            Err(Unwritten::Source(AppError::Output(Problem::LogUnreadable { detail }))) => {
                assert!(detail.contains("changed since it was checked"), "{detail}")
            }
            Err(e) => panic!("{format:?}: failed as {e:?}"),
            Ok(()) => panic!("{format:?}: written whole from a changed file"),
        }
        let (cut, all) = (out.len(), whole.len());
        assert!(
            cut < all,
            "{format:?}: stopped where it stood: {cut} of {all}"
        );
        std::fs::write(&path, &original).unwrap();
    }
}

/// Both charts of both plan years at random views, drawn from the index and from the full
/// log: the same SVG, byte for byte.
#[test]
fn indexed_charts_equal_a_full_replay_at_random_points() {
    use socai::app::chart::{self, ChartKind, Request};
    let (_tmp, db, events) = workload_store_3000();
    let head = events.len() as u64;
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let mut rng = Rng(5);
    let mut requests = Vec::new();
    for i in 0..24u64 {
        let plan_year = 2024 + (i % 2) as i32;
        let first = NaiveDate::from_ymd_opt(plan_year, 1, 1).unwrap();
        requests.push(Request {
            kind: if i % 3 == 0 {
                ChartKind::Rates
            } else {
                ChartKind::SCurve
            },
            plan_year,
            as_of: (i % 4 != 0).then(|| first + Days::new(rng.below(500))),
            known_at: match i % 3 {
                0 => None,
                _ => Some(KnownAt::Seq(rng.below(head + 1))),
            },
            lang: if i % 2 == 0 { Lang::Vi } else { Lang::En },
        });
    }
    let reference: Vec<String> = requests
        .iter()
        .map(|r| chart::chart_svg(ledger.chain(), r).unwrap())
        .collect();
    drop(ledger);
    let distinct: std::collections::HashSet<&String> = reference.iter().collect();
    assert!(distinct.len() > 20, "{} distinct charts", distinct.len());
    for (r, svg) in requests.iter().zip(&reference) {
        let got = indexed_query::chart(&db, r).unwrap();
        assert_eq!(got.as_ref(), Some(svg), "{r:?}");
    }
}

/// Diffs between random knowledge points (either order, near and far, from nothing known),
/// from the index and the journal's records between them, and from the full log.
#[test]
fn indexed_diffs_equal_a_full_replay_at_random_points() {
    let (_tmp, db, events) = workload_store_3000();
    let head = events.len() as u64;
    let mut rng = Rng(9);
    let first = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    let queries: Vec<Command> = (0..40u64)
        .map(|i| {
            let a = rng.below(head + 1);
            let b = match i % 4 {
                0 => (a + rng.below(50)).min(head),
                1 => head,
                2 => 0,
                _ => rng.below(head + 1),
            };
            Command::Diff(DiffRequest {
                as_of: first + Days::new(rng.below(800)),
                known_at: KnownAt::Seq(a),
                vs: KnownAt::Seq(b),
                plan_year: (i % 3 == 0).then_some(2024 + (i % 2) as i32),
                format: if i % 2 == 0 {
                    Format::Text
                } else {
                    Format::Json
                },
                lang: if i % 5 == 0 { Lang::En } else { Lang::Vi },
            })
        })
        .collect();
    let reference = full_replay(&db, &queries);
    let causes: usize = reference
        .iter()
        .map(|r| r.matches("\"reverses\"").count())
        .sum();
    assert!(
        causes > 3,
        "{causes} reversals among the causes: the diffs are not trivial"
    );
    assert_same(&reference, &indexed(&db, &queries), &queries);
    // The same diffs with their causes set aside in a temporary file every few causes (a far
    // diff at 10M events sets them aside every 131,072): spans read back, merged with the
    // reversals' targets that sort among them, give the same bytes.
    let reader = socai::storage::index::IndexReader::open(&db).unwrap();
    let mut set_aside = 0;
    for hold in [1, 7] {
        let got: Vec<String> = queries
            .iter()
            .map(|q| {
                let Command::Diff(d) = q else { unreachable!() };
                let [KnownAt::Seq(a), KnownAt::Seq(b)] = [d.known_at, d.vs] else {
                    unreachable!()
                };
                set_aside += usize::from(a.abs_diff(b) > hold as u64);
                let answer = indexed_diff::diff_holding(&db, &reader, d, (a, b), hold);
                show(answer.unwrap().expect("the index answers"))
            })
            .collect();
        assert_same(&reference, &got, &queries);
    }
    assert!(set_aside > 40, "{set_aside} diffs set causes aside");
}

/// Diffs against the head from points within a checkpoint interval of it (256 in this store),
/// which the index answers from the head's tables less the effects after the point, and from
/// just beyond it (from a checkpoint), in either order: the full log's bytes.
#[test]
fn diffs_near_the_head_equal_a_full_replay() {
    let (_tmp, db, events) = workload_store_3000();
    let head = events.len() as u64;
    let first = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    let queries: Vec<Command> = [0u64, 1, 7, 100, 255, 256, 257, 900]
        .iter()
        .enumerate()
        .flat_map(|(i, back)| {
            let point = head - back;
            [(point, head), (head, point)].map(|(a, b)| {
                Command::Diff(DiffRequest {
                    // Late enough that the effects after the point count.
                    as_of: first + Days::new(400 + 150 * i as u64),
                    known_at: KnownAt::Seq(a),
                    vs: KnownAt::Seq(b),
                    plan_year: (i % 2 == 0).then_some(2024 + (i % 4 / 2) as i32),
                    format: if a < b { Format::Json } else { Format::Text },
                    lang: Lang::Vi,
                })
            })
        })
        .collect();
    let reference = full_replay(&db, &queries);
    let moved = reference
        .iter()
        .filter(|r| r.contains("\"reverses\""))
        .count();
    assert!(
        moved > 0,
        "no reversal among the causes: the diffs are too trivial"
    );
    assert_same(&reference, &indexed(&db, &queries), &queries);
}

/// The server's answer from the index (`server::indexed`) for every query, against the log's.
fn served_and_logged(
    db: &Path,
    chain: socai::app::source::Chain<'_>,
    queries: &[Command],
) -> (Vec<String>, Vec<String>) {
    let mut served = Vec::new();
    let mut logged = Vec::new();
    for q in queries {
        let answer = socai::server::indexed::answer(db, chain, q)
            .unwrap_or_else(|| panic!("the index did not answer {q:?}"));
        served.push(show(answer));
        logged.push(show(query::answer(chain, q).unwrap()));
    }
    (served, logged)
}

#[test]
fn the_server_answers_balances_from_the_index_as_its_log_does_at_every_view_it_acknowledged() {
    let (_tmp, db, events) = workload_store_3000();
    let head = events.len() as u64;
    // The server holds the store (its lock) and reads the index in the same process.
    let ledger = Ledger::open(&db, OpenMode::MustExist).unwrap();
    let chain = ledger.chain();
    let mut asked = queries(head, 120);
    // Knowledge points named by a moment: resolved through the log's recording times.
    for seq in [1, 700, 1_900, 1_905, head] {
        let at = chain.recorded_at(seq).unwrap();
        for as_of in ["2024-06-30", "2025-12-31"] {
            asked.push(Command::Balance {
                as_of: NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
                known_at: Some(KnownAt::At(at)),
                plan_year: None,
                format: Format::Json,
                lang: Lang::Vi,
                csv_dialect: None,
            });
        }
    }
    let (served, logged) = served_and_logged(&db, chain, &asked);
    let distinct: std::collections::HashSet<&String> = logged.iter().collect();
    assert!(distinct.len() > 80, "{} distinct answers", distinct.len());
    assert_same(&logged, &served, &asked);

    // The index ahead of what the server acknowledged (a group durable, not yet answered):
    // answers stay those of the acknowledged log, never counting the newer records.
    let acknowledged = 1_905;
    let prefix = socai::app::source::Chain::new(
        &chain.records()[..acknowledged],
        &chain.hashes()[..acknowledged],
    );
    let ahead = queries(acknowledged as u64, 40);
    let (served, logged) = served_and_logged(&db, prefix, &ahead);
    assert_same(&logged, &served, &ahead);
    assert_ne!(
        show(query::answer(prefix, &ahead[0]).unwrap()),
        show(query::answer(chain, &ahead[0]).unwrap()),
        "the default knowledge point is the acknowledged head, not the index's"
    );

    // Questions the index does not answer, or that the log must refuse, go to the log.
    let beyond = Command::Balance {
        as_of: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        known_at: Some(KnownAt::Seq(head + 1)),
        plan_year: None,
        format: Format::Json,
        lang: Lang::Vi,
        csv_dialect: None,
    };
    assert!(socai::server::indexed::answer(&db, chain, &beyond).is_none());
    let trail = Command::Trail {
        line: "x".into(),
        as_of: None,
        known_at: None,
        format: Format::Json,
        lang: Lang::Vi,
    };
    assert!(socai::server::indexed::answer(&db, chain, &trail).is_none());

    // An index of another chain (a hash that is not the acknowledged one) is not used.
    let mut other = chain.hashes().to_vec();
    other[head as usize - 1][0] ^= 1;
    let forged = socai::app::source::Chain::new(chain.records(), &other);
    assert!(socai::server::indexed::answer(&db, forged, &asked[0]).is_none());

    // Nor a withdrawn index.
    socai::storage::index::withdraw(&db);
    assert!(socai::server::indexed::answer(&db, chain, &asked[0]).is_none());
}
