//! No command's default output for people holds an English label (issue 14): every command
//! that prints for people is run on the shipped fixtures without `--lang`, and what it prints
//! (stdout, and stderr for refusals) is read word by word against the English words the
//! outputs used before Vietnamese became the default. Commands, paths, codes and hashes are
//! not words for people and are left out first; anything else in the list fails the test.
//! The same commands with `--lang en` must speak English, so the list is known to bite.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use common::{Server, socai_default as socai, text};
use socai::ledger::Ledger;
use socai::storage::{OpenMode, raw};

/// English words the people's outputs used as labels or sentences before this change
/// (balance, trail, summary, diff, verify, backup, import, demo, reconcile, consolidate,
/// recover, replicate and refusals). Words that are also Vietnamese ("an", "to", "in") are
/// not listed.
const ENGLISH: &[&str] = &[
    "line",
    "lines",
    "plan",
    "disbursed",
    "available",
    "rate",
    "total",
    "trail",
    "as",
    "of",
    "known",
    "at",
    "sequence",
    "sequences",
    "amounts",
    "amount",
    "appended",
    "events",
    "event",
    "already",
    "present",
    "head",
    "hash",
    "journal",
    "index",
    "backup",
    "restore",
    "verified",
    "store",
    "try",
    "recurrent",
    "investment",
    "works",
    "funded",
    "carried",
    "over",
    "extended",
    "year",
    "figures",
    "changed",
    "advances",
    "recover",
    "contract",
    "payee",
    "outstanding",
    "since",
    "days",
    "flag",
    "document",
    "effective",
    "type",
    "reversed",
    "error",
    "ok",
    "agrees",
    "proven",
    "files",
    "unit",
    "bound",
    "digest",
    "nothing",
    "was",
    "the",
    "and",
    "with",
    "by",
    "from",
    "for",
    "not",
    "claims",
    "claim",
    "differ",
    "chunk",
    "chunks",
    "committed",
    "sheet",
    "rows",
    "row",
    "new",
    "note",
    "replica",
    "kept",
    "damaged",
    "copy",
    "wrote",
    "written",
    "program",
    "programs",
    "millions",
    "rounded",
    "each",
    "figure",
    "all",
    "insufficient",
    "funds",
    "would",
    "be",
    "net",
    "lapse",
    "refused",
    "matches",
    "printed",
    "precision",
    "ledger",
    "records",
    "record",
    "source",
    "since",
    "following",
    "reads",
    // Error messages (issue 14: usage, files, the store, the API's own errors).
    "such",
    "endpoint",
    "method",
    "query",
    "parameter",
    "unknown",
    "required",
    "beyond",
    "recorded",
    "locked",
    "integrity",
    "failure",
    "mismatch",
    "truncated",
    "tail",
    "cannot",
    "open",
    "directory",
    "unexpected",
    "argument",
    "invalid",
    "value",
    "supplied",
];

/// The words of `output` for people: lines' commands (`socai …`), options (`--sheet`),
/// paths, codes with `/`, `_`, `-` or digits, and hex hashes are dropped; the rest is split into letter runs.
fn words(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in output.lines() {
        let line = match line.find("socai ") {
            Some(i) => &line[..i],
            None => line,
        };
        for token in line.split_whitespace() {
            // An option (`--sheet`) is typed as written: not a word for people.
            if token
                .trim_start_matches(['(', '\'', '`', '"'])
                .starts_with("--")
            {
                continue;
            }
            let token = token.trim_matches(|c: char| !c.is_alphanumeric());
            let code_like = token.contains(['/', '_', '-', '.', ':', '=', '\\'])
                || token.chars().any(|c| c.is_ascii_digit());
            if token.is_empty() || code_like {
                continue;
            }
            for w in token.split(|c: char| !c.is_alphabetic()) {
                if !w.is_empty() {
                    out.push(w.to_lowercase());
                }
            }
        }
    }
    out
}

fn english_in(output: &str) -> BTreeSet<String> {
    words(output)
        .into_iter()
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect()
}

/// Every command that prints for people, run without `--lang` (or with `extra` before the
/// subcommand), as (name, what it printed for people).
fn people_outputs(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let db = dir.join("db");
    let run = |args: &[&str]| -> Output {
        let mut all: Vec<&str> = extra.to_vec();
        all.extend_from_slice(args);
        socai(&db, &all)
    };
    let mut outputs = Vec::new();
    // What a command printed for people: stdout and stderr (refusals, notes), after its
    // exit code was checked.
    let mut keep = |name: &str, o: Output, exit: i32| {
        assert_eq!(o.status.code(), Some(exit), "{name}: {o:?}");
        let printed = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(!printed.trim().is_empty(), "{name} printed nothing");
        outputs.push((name.to_string(), printed));
    };
    let events = common::fixture("lung-phinh-2025/events.jsonl");
    let events = events.to_str().unwrap();
    keep("demo", run(&["demo"]), 0);
    keep("import (again)", run(&["import", events]), 0);
    let ask = ["--as-of", "2025-11-20", "--plan-year", "2025"];
    keep("balance", run(&[&["balance"][..], &ask].concat()), 0);
    keep("summary", run(&[&["summary"][..], &ask].concat()), 0);
    keep("report", run(&[&["report"][..], &ask].concat()), 0);
    let md = [&["report"][..], &ask, &["--format", "md"]].concat();
    keep("report md", run(&md), 0);
    keep("settlement", run(&["settlement", "--plan-year", "2025"]), 0);
    keep("trail", run(&["trail", "2025/DTTS/SN/DA1/NSTW"]), 0);
    keep("advances", run(&["advances", "--as-of", "2025-11-20"]), 0);
    keep(
        "events",
        run(&[
            "events",
            "--line",
            "2025/DTTS/SN/DA1/NSTW",
            "--from",
            "2025-01-01",
        ]),
        0,
    );
    keep(
        "diff",
        run(&[&["diff"][..], &ask, &["--known-at", "100", "--vs", "277"]].concat()),
        0,
    );
    let claims = common::fixture("lung-phinh-2025/claims.json");
    let claims = claims.to_str().unwrap();
    keep(
        "reconcile",
        run(&[&["reconcile", claims][..], &ask].concat()),
        1,
    );
    keep("verify", run(&["verify"]), 0);
    let copy = dir.join("copy");
    keep("backup", run(&["backup", copy.to_str().unwrap()]), 0);
    let recovered = dir.join("recovered");
    let from = db.to_str().unwrap();
    keep(
        "recover",
        run(&[
            "recover",
            "--from",
            from,
            "--to",
            recovered.to_str().unwrap(),
        ]),
        0,
    );
    // A folder of unit stores: the demo store (it has its unit) and its backup, renamed.
    let units = dir.join("units");
    std::fs::create_dir(&units).unwrap();
    common::copy_dir(&db, &units.join("a"));
    let consolidate = [
        &["consolidate", "--units", units.to_str().unwrap()][..],
        &ask,
    ]
    .concat();
    keep("consolidate", run(&consolidate), 0);
    let plan_db = dir.join("plan-db");
    let plan = common::fixture("plan-2025/plan.csv");
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(["import-plan", plan.to_str().unwrap()]);
    keep("import-plan", socai(&plan_db, &args), 0);
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"id":"00000000-0000-4000-8000-000000000001","type":"disburse","effective_date":"2025-11-15","line":"2025/DTTS/SN/DA1/NSTW","amount":"99000000000","document":{"number":"UNC-1","date":"2025-11-15"},"actor":"a"}"#,
    )
    .unwrap();
    keep("refused import", run(&["import", bad.to_str().unwrap()]), 1);
    let unknown = dir.join("unknown.jsonl");
    std::fs::write(
        &unknown,
        r#"{"id":"00000000-0000-4000-8000-000000000003","type":"disburse","effective_date":"2025-11-15","line":"2025/NO/SUCH","amount":"1","document":{"number":"UNC-1","date":"2025-11-15"},"actor":"a"}"#,
    )
    .unwrap();
    keep(
        "unknown line",
        run(&["import", unknown.to_str().unwrap()]),
        1,
    );
    outputs
}

#[test]
fn no_default_output_for_people_holds_an_english_label() {
    let dir = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for (name, printed) in people_outputs(dir.path(), &[]) {
        let english = english_in(&printed);
        if !english.is_empty() {
            found.push(format!("{name}: {english:?}\n{printed}"));
        }
    }
    assert!(
        found.is_empty(),
        "English in default outputs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_word_list_bites_on_english_output() {
    // Asked for in English, the same commands speak it: the list would catch a regression.
    let dir = tempfile::tempdir().unwrap();
    for (name, printed) in people_outputs(dir.path(), &["--lang", "en"]) {
        assert!(
            !english_in(&printed).is_empty(),
            "{name} printed no listed English word with --lang en:\n{printed}"
        );
    }
}

#[tokio::test]
async fn the_api_words_its_refusals_by_accept_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let (token, config) = common::credential("recorder-1", "recorder");
    let server = Server::start(&db, Some(&config));
    let bad = serde_json::json!([{
        "id": "00000000-0000-4000-8000-000000000002", "type": "disburse",
        "effective_date": "2025-11-15", "line": "2025/DTTS/SN/DA1/NSTW",
        "amount": "99000000000", "document": {"number": "UNC-2", "date": "2025-11-15"}
    }])
    .to_string();
    let c = common::client();
    let post = |lang: Option<&'static str>| {
        let mut req = common::post(&c, server.url("/v1/events"), &token, bad.clone());
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        req.send()
    };
    let (status, vi) = common::json(post(None).await.unwrap()).await;
    assert_eq!(status, 422, "{vi}");
    assert_eq!(vi["error"]["code"], "insufficient_funds");
    let message = vi["error"]["message"].as_str().unwrap();
    assert!(message.contains("không đủ vốn"), "{message}");
    assert!(message.contains("-98.417.877.000 đồng"), "{message}");
    assert!(english_in(message).is_empty(), "{message}");
    let (status, en) = common::json(post(Some("en-US,en;q=0.9")).await.unwrap()).await;
    assert_eq!(status, 422, "{en}");
    assert_eq!(en["error"]["code"], "insufficient_funds");
    let message = en["error"]["message"].as_str().unwrap();
    assert!(message.contains("available would be"), "{message}");
}

/// A tracing log line: `2026-12-06T07:25:44.553451Z  WARN target: …`.
fn is_log_line(line: &str) -> bool {
    let mut parts = line.split_whitespace();
    let stamp = parts.next().unwrap_or("");
    let level = parts.next().unwrap_or("");
    stamp.len() > 20
        && stamp.ends_with('Z')
        && stamp.as_bytes().get(10) == Some(&b'T')
        && ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level)
}

/// Keeps what a command printed for people with the facts it must name. Diagnostic log
/// lines (tracing: a timestamp, then the level) are the operator's log, kept in English as
/// the server's log is; the message is the rest.
fn keep_text(
    outputs: &mut Vec<(String, String, Vec<String>)>,
    name: &str,
    printed: &str,
    facts: &[&str],
) {
    let message: String = printed
        .lines()
        .filter(|l| !is_log_line(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let facts = facts.iter().map(|f| f.to_string()).collect();
    outputs.push((name.to_string(), message, facts));
}

/// Whether `s` holds a letter only Vietnamese writes (a vowel with a diacritic, or đ).
fn has_vietnamese(s: &str) -> bool {
    s.chars()
        .any(|c| "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ".contains(c))
}

/// The error paths of the command line, run in the language `extra` asks for (none: the
/// default): (name, stderr, the facts it must name). Each exit code is checked here, so a
/// translation that changed the kind of a failure would fail.
fn error_outputs(dir: &Path, extra: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let db = dir.join("db");
    let run = |db: &Path, args: &[&str]| -> Output {
        let mut all: Vec<&str> = extra.to_vec();
        all.extend_from_slice(args);
        socai(db, &all)
    };
    let mut outputs = Vec::new();
    let mut keep = |name: &str, o: Output, exit: i32, facts: &[&str]| {
        assert_eq!(o.status.code(), Some(exit), "{name}: {o:?}");
        assert!(o.stdout.is_empty(), "{name} wrote to stdout: {o:?}");
        keep_text(&mut outputs, name, &text(&o.stderr), facts);
    };
    assert!(run(&db, &["demo"]).status.success());
    keep(
        "unknown argument",
        run(&db, &["balance", "--bogus"]),
        2,
        &["--bogus"],
    );
    keep(
        "missing value",
        run(&db, &["balance", "--as-of"]),
        2,
        &["--as-of"],
    );
    keep(
        "invalid value",
        run(&db, &["balance", "--as-of", "2025-13-01"]),
        2,
        &["--as-of", "2025-13-01"],
    );
    keep(
        "missing required argument",
        run(&db, &["balance"]),
        2,
        &["--as-of"],
    );
    let missing = dir.join("missing.jsonl");
    let missing = missing.to_str().unwrap();
    keep(
        "missing file",
        run(&db, &["import", missing]),
        2,
        &[missing],
    );
    let nowhere = dir.join("no-store");
    keep(
        "no store",
        run(&nowhere, &["verify"]),
        4,
        &[nowhere.to_str().unwrap()],
    );
    {
        let _held = Ledger::open(&db, OpenMode::MustExist).unwrap();
        keep(
            "locked store",
            run(&db, &["demo"]),
            4,
            &[db.to_str().unwrap()],
        );
    }
    let tampered = dir.join("tampered");
    common::copy_dir(&db, &tampered);
    raw::tamper(&tampered, 100, |v| {
        let i = v.len() - 3;
        v[i] ^= 0x01;
    })
    .unwrap();
    keep("tampered verify", run(&tampered, &["verify"]), 3, &["100"]);
    let torn = dir.join("torn");
    common::copy_dir(&db, &torn);
    raw::remove(&torn, 277).unwrap();
    raw::remove(&torn, 276).unwrap();
    keep(
        "torn tail verify",
        run(&torn, &["verify"]),
        3,
        &["276", "277"],
    );
    // recover of the torn store without its journal (the second copy that would repair
    // the tail): what it kept, then the loss (an integrity failure).
    std::fs::remove_dir_all(torn.join("journal")).unwrap();
    let rebuilt = dir.join("rebuilt");
    let args = [
        "recover",
        "--from",
        torn.to_str().unwrap(),
        "--to",
        rebuilt.to_str().unwrap(),
    ];
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(3), "recover: {o:?}");
    let message = format!("{}{}", text(&o.stdout), text(&o.stderr));
    keep_text(
        &mut outputs,
        "recover with a loss",
        &message,
        &["276", "277", "1–275"],
    );
    outputs
}

#[test]
fn error_messages_are_vietnamese_by_default_and_english_on_request() {
    let dir = tempfile::tempdir().unwrap();
    for (name, printed, facts) in error_outputs(dir.path(), &[]) {
        assert!(has_vietnamese(&printed), "{name}: {printed}");
        let english = english_in(&printed);
        assert!(english.is_empty(), "{name}: {english:?}\n{printed}");
        for f in &facts {
            assert!(
                printed.contains(f.as_str()),
                "{name} does not name {f}: {printed}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, printed, facts) in error_outputs(dir.path(), &["--lang", "en"]) {
        assert!(!has_vietnamese(&printed), "{name}: {printed}");
        assert!(
            !english_in(&printed).is_empty(),
            "{name} printed no listed English word with --lang en:\n{printed}"
        );
        for f in &facts {
            assert!(
                printed.contains(f.as_str()),
                "{name} does not name {f}: {printed}"
            );
        }
    }
}

#[tokio::test]
async fn the_api_words_its_own_errors_by_accept_language_and_keeps_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let server = Server::start(&db, None);
    let c = common::client();
    // (path, method, status, code, a fact the message names)
    let cases = [
        (
            "/v1/no-such-thing",
            "GET",
            404,
            "not_found",
            "schemas/openapi.json",
        ),
        (
            "/v1/balances?as_off=2025-11-20",
            "GET",
            400,
            "invalid_parameter",
            "as_off",
        ),
        (
            "/v1/balances?as_of=2025-13-01",
            "GET",
            400,
            "invalid_parameter",
            "2025-13-01",
        ),
        ("/v1/balances", "GET", 400, "invalid_parameter", "as_of"),
        (
            "/v1/balances?as_of=2025-11-20&known_at=9999",
            "GET",
            400,
            "invalid_parameter",
            "9999",
        ),
        (
            "/v1/balances",
            "DELETE",
            405,
            "method_not_allowed",
            "schemas/openapi.json",
        ),
    ];
    for (path, method, status, code, fact) in cases {
        let ask = |lang: Option<&'static str>| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = c.request(method, server.url(path));
            if let Some(l) = lang {
                req = req.header("accept-language", l);
            }
            req.send()
        };
        let (s, vi) = common::json(ask(None).await.unwrap()).await;
        assert_eq!(
            (s, vi["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}: {vi}"
        );
        let message = vi["error"]["message"].as_str().unwrap();
        assert!(has_vietnamese(message), "{path}: {message}");
        assert!(english_in(message).is_empty(), "{path}: {message}");
        assert!(message.contains(fact), "{path}: {message}");
        let (s, en) = common::json(ask(Some("en-GB,en;q=0.8")).await.unwrap()).await;
        assert_eq!(
            (s, en["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}: {en}"
        );
        let message = en["error"]["message"].as_str().unwrap();
        assert!(!has_vietnamese(message), "{path}: {message}");
        assert!(!english_in(message).is_empty(), "{path}: {message}");
        assert!(message.contains(fact), "{path}: {message}");
    }
}

/// One event of the payments scenario: id `n`, its type, date and fields.
fn pay_event(n: u32, kind: &str, date: &str, mut body: serde_json::Value) -> String {
    body["id"] = format!("00000000-0000-4000-8000-{n:012}").into();
    body["type"] = kind.into();
    body["effective_date"] = date.into();
    if kind != "open_line" {
        body["document"] = serde_json::json!({"number": "UNC-01", "date": date});
    }
    body.to_string()
}

#[test]
fn payment_and_works_refusals_name_the_contract_the_figures_and_the_limit() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let base = [
        pay_event(
            1,
            "open_line",
            "2025-01-01",
            json!({"line": "CT05", "program": "NTM",
            "capital": "investment", "source": "NSTW", "plan_year": 2025,
            "origin": "in_year", "work": "CT05"}),
        ),
        pay_event(
            2,
            "allocate",
            "2025-01-15",
            json!({"line": "CT05", "amount": "1000000000"}),
        ),
        pay_event(
            3,
            "commit",
            "2025-03-01",
            json!({"line": "CT05", "contract": "HD-05",
            "amount": "900000000", "payee": "Công ty Xây dựng Lùng Phình"}),
        ),
    ];
    let file = dir.path().join("base.jsonl");
    std::fs::write(&file, base.join("\n")).unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    // (refused event, its code, facts the Vietnamese message names, facts of the English one:
    // the command line's English keeps the rules' own words and plain numbers, as before)
    let cases = [
        (
            pay_event(
                4,
                "advance",
                "2025-03-10",
                json!({"line": "CT05", "contract": "HD-05",
                "amount": "300000000", "payee": "Công ty Xây dựng Lùng Phình"}),
            ),
            "advance_over_limit",
            vec![
                "\"HD-05\"",
                "\"CT05\"",
                "300.000.000 đồng",
                "900.000.000 đồng",
                "270.000.000 đồng",
                "30%",
                "Nghị định 99/2021/NĐ-CP",
            ],
            vec!["\"HD-05\"", "300000000 đồng", "270000000", "30%"],
        ),
        (
            pay_event(
                5,
                "disburse",
                "2025-06-15",
                json!({"line": "CT05", "contract": "HD-99",
                "amount": "1000000"}),
            ),
            "unknown_contract",
            vec!["\"HD-99\"", "\"CT05\"", "giải ngân"],
            vec!["\"HD-99\"", "\"CT05\""],
        ),
        (
            pay_event(
                6,
                "disburse",
                "2025-06-15",
                json!({"line": "CT05", "contract": "HD-05",
                "amount": "950000000"}),
            ),
            "exceeds_contract",
            vec!["\"HD-05\"", "950.000.000 đồng", "900.000.000 đồng"],
            vec!["\"HD-05\"", "950000000 đồng", "900000000"],
        ),
        (
            pay_event(
                7,
                "disburse",
                "2025-06-15",
                json!({"line": "CT05", "contract": "HD-05",
                "amount": "100000000", "recovers": "50000000"}),
            ),
            "recovery_exceeds_advance",
            vec!["\"HD-05\"", "50.000.000 đồng", "0 đồng"],
            vec!["\"HD-05\"", "50000000 đồng"],
        ),
        (
            // Not under the contract: available is plan − disbursed − unpaid commitments.
            pay_event(
                9,
                "disburse",
                "2025-06-15",
                json!({"line": "CT05", "amount": "200000000"}),
            ),
            "insufficient_funds",
            vec![
                "\"CT05\"",
                "15/06/2025",
                "-100.000.000 đồng",
                "1.000.000.000 đồng",
                "200.000.000 đồng",
                "900.000.000 đồng",
            ],
            vec!["\"CT05\"", "-100000000"],
        ),
        (
            pay_event(
                8,
                "contribute",
                "2025-06-15",
                json!({"work": "CT99",
                "amount": "1000000", "kind": "cash"}),
            ),
            "unknown_work",
            vec!["\"CT99\""],
            vec!["\"CT99\""],
        ),
    ];
    for (i, (event, code, vi_facts, en_facts)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("refused-{i}.jsonl"));
        std::fs::write(&file, event).unwrap();
        let vi = socai(&db, &["import", file.to_str().unwrap()]);
        assert_eq!(vi.status.code(), Some(1), "{code}: {vi:?}");
        let message = text(&vi.stderr);
        assert!(message.contains(&format!("{code}: ")), "{code}: {message}");
        assert!(has_vietnamese(&message), "{code}: {message}");
        assert!(english_in(&message).is_empty(), "{code}: {message}");
        for f in vi_facts {
            assert!(message.contains(f), "{code} does not name {f}: {message}");
        }
        let en = socai(&db, &["--lang", "en", "import", file.to_str().unwrap()]);
        assert_eq!(en.status.code(), Some(1), "{code}: {en:?}");
        let message = text(&en.stderr);
        assert!(message.contains(&format!("{code}: ")), "{code}: {message}");
        for f in en_facts {
            assert!(
                message.contains(f),
                "{code} does not name {f} in English: {message}"
            );
        }
    }
}

/// One error path of the use cases or the command line: its name, its arguments (after
/// `--db DB`), its exit code, the facts its message names in Vietnamese and in English, and
/// whether all of it is worded by socai (`false`: a frame around words a library or the
/// operating system wrote, such as a JSON parser's reason, which stay as written).
struct Case {
    name: &'static str,
    args: Vec<String>,
    exit: i32,
    vi: Vec<String>,
    en: Vec<String>,
    whole: bool,
}

fn case<A: ToString>(name: &'static str, args: &[A], exit: i32, facts: &[&str]) -> Case {
    let facts: Vec<String> = facts.iter().map(|f| f.to_string()).collect();
    Case {
        name,
        args: args.iter().map(ToString::to_string).collect(),
        exit,
        vi: facts.clone(),
        en: facts,
        whole: true,
    }
}

/// The use cases' and the command line's own errors (issue 14), each reached from the
/// outside by running a command wrong on purpose, on the demo store in `dir`.
fn own_error_cases(dir: &Path) -> Vec<Case> {
    let db = dir.join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let full = p("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(dir.join("full/x"), "x").unwrap();
    std::fs::write(p("plan.txt"), "x").unwrap();
    std::fs::write(p("plan.csv"), "a;b\n1;2\n").unwrap();
    std::fs::create_dir(dir.join("fx")).unwrap();
    std::fs::write(dir.join("fx/fixture.json"), "{not json").unwrap();
    std::fs::write(p("claims.json"), "{").unwrap();
    std::fs::write(p("bad.toml"), "x = [").unwrap();
    // A units folder with a store that has no unit, one with the demo store twice, an empty one.
    let no_unit = dir.join("no-unit");
    let events = common::lung_phinh_events();
    assert!(
        socai(&no_unit.join("a"), &["import", events.to_str().unwrap()])
            .status
            .success()
    );
    let twice = dir.join("twice");
    common::copy_dir(&db, &twice.join("a"));
    common::copy_dir(&db, &twice.join("b"));
    let once = dir.join("once");
    common::copy_dir(&db, &once.join("a"));
    std::fs::create_dir(dir.join("empty")).unwrap();
    let year = ["--as-of", "2025-11-20", "--plan-year", "2025"];
    let units = |d: &str, more: &[&str]| -> Vec<String> {
        let mut a = vec!["consolidate".to_string(), "--units".into(), p(d)];
        a.extend(year.iter().chain(more).map(|s| s.to_string()));
        a
    };
    let report = |more: &[&str]| -> Vec<String> {
        let mut a = vec!["report".to_string()];
        a.extend(year.iter().chain(more).map(|s| s.to_string()));
        a
    };
    let mut cases = vec![
        case(
            "xlsx export without --out",
            &["export", "--format", "xlsx"],
            2,
            &["--out"],
        ),
        case(
            "parquet export without --out",
            &["export", "--format", "parquet"],
            2,
            &["--out DIR"],
        ),
        case(
            "parquet export into a full folder",
            &["export", "--format", "parquet", "--out", &full],
            2,
            &["out_exists", &full],
        ),
        case(
            "chart not svg",
            &[
                "chart",
                "s-curve",
                "--plan-year",
                "2025",
                "--out",
                &p("c.png"),
            ],
            2,
            &[&p("c.png"), "SVG"],
        ),
        case(
            "settlement as md",
            &["settlement", "--plan-year", "2025", "--format", "md"],
            2,
            &["md"],
        ),
        case(
            "settlement of 1990",
            &["settlement", "--plan-year", "1990"],
            2,
            &["1990", "2000–2100"],
        ),
        case("events limit 0", &["events", "--limit", "0"], 2, &["0"]),
        case(
            "events after the head",
            &["events", "--after", "99999"],
            2,
            &["99999", "277"],
        ),
        case(
            "plan table not a table",
            &["import-plan", &p("plan.txt")],
            2,
            &[&p("plan.txt"), ".xlsx"],
        ),
        case(
            "plan csv with --sheet",
            &["import-plan", &p("plan.csv"), "--sheet", "S"],
            2,
            &[&p("plan.csv"), "--sheet"],
        ),
        case(
            "init a unit again",
            &["init", "--unit", "X1", "--name", "Xa"],
            1,
            &["unit_already_set", "DEMO-LUNGPHINH"],
        ),
        case(
            "server without token",
            &[
                "--server",
                "http://127.0.0.1:9",
                "balance",
                "--as-of",
                "2025-11-20",
            ],
            2,
            &["--token"],
        ),
        case(
            "token with a bad name",
            &["token", "new", "--name", "a b", "--role", "auditor"],
            2,
            &["\"a b\""],
        ),
        case("man of nothing", &["man", "nosuch"], 2, &["\"nosuch\""]),
        case(
            "serve without its config",
            &["serve", "--config", &p("none.toml")],
            2,
            &[&p("none.toml")],
        ),
        case(
            "serve open without credentials",
            &["serve", "--listen", "0.0.0.0:0"],
            2,
            &["0.0.0.0:0", "[[credential]]"],
        ),
        case(
            "serve a folder without stores",
            &["serve", "--units", &p("empty")],
            2,
            &[&p("empty")],
        ),
        case("backup into a full folder", &["backup", &full], 4, &[&full]),
        case(
            "report format mismatch",
            &report(&["--format", "text", "--out", &p("r.xlsx")]),
            2,
            &["format_mismatch", &p("r.xlsx")],
        ),
        case(
            "whole report as csv",
            &report(&["--whole", "--format", "csv"]),
            2,
            &["whole_needs_document_format", "csv"],
        ),
        case(
            "units folder missing",
            &units("nowhere", &[]),
            2,
            &[&p("nowhere")],
        ),
        case(
            "unit store without unit",
            &units("no-unit", &[]),
            2,
            &[&p("no-unit/a")],
        ),
        case(
            "unit twice",
            &units("twice", &[]),
            2,
            &["DEMO-LUNGPHINH", &p("twice")],
        ),
        case(
            "pin not CODE=SEQ",
            &units("once", &["--pin", "XX"]),
            2,
            &["\"XX\""],
        ),
        case(
            "pin of no unit",
            &units("once", &["--pin", "ZZ=3"]),
            2,
            &["ZZ", &p("once")],
        ),
    ];
    // Commands and types are named as they are typed (`trail`, `lapse`).
    let mut verify = case(
        "server asked to verify",
        &["--server", "http://127.0.0.1:9", "--token", "t", "verify"],
        2,
        &["--server", "advances"],
    );
    verify.whole = false;
    cases.push(verify);
    // The types are typed as their stable names (`lapse`), which the message lists.
    let mut types = case(
        "events of no type",
        &["events", "--type", "bogus"],
        2,
        &["\"bogus\"", "disburse"],
    );
    types.whole = false;
    cases.push(types);
    let mut differ = case(
        "events from after to",
        &["events", "--from", "2025-12-01", "--to", "2025-01-01"],
        2,
        &[],
    );
    differ.vi = vec!["01/12/2025".into(), "01/01/2025".into()];
    differ.en = vec!["2025-12-01".into(), "2025-01-01".into()];
    cases.push(differ);
    let mut generate = case(
        "gen of no events",
        &["gen", "--events", "0", "--out", &p("gen")],
        2,
        &[],
    );
    generate.vi = vec!["1.000".into(), "100.000.000".into()];
    generate.en = vec!["1000".into(), "100000000".into()];
    cases.push(generate);
    // Refused before the store is opened.
    cases.push(case(
        "init a bad unit code",
        &["init", "--unit", "a b", "--name", "X"],
        2,
        &["\"a b\"", "32"],
    ));
    // A frame of socai's around a parser's or the system's own words.
    for (name, args, exit, facts) in [
        (
            "fixture.json not JSON",
            vec!["replay".to_string(), p("fx")],
            2,
            vec![p("fx/fixture.json")],
        ),
        (
            "claims not JSON",
            vec![
                "reconcile".to_string(),
                p("claims.json"),
                "--as-of".into(),
                "2025-11-20".into(),
                "--plan-year".into(),
                "2025".into(),
            ],
            2,
            vec![p("claims.json")],
        ),
        (
            "config not TOML",
            vec!["serve".to_string(), "--config".into(), p("bad.toml")],
            2,
            vec![p("bad.toml")],
        ),
        (
            "plan csv without a header",
            vec!["import-plan".to_string(), p("plan.csv")],
            1,
            vec!["malformed".to_string()],
        ),
        (
            "server unreachable",
            vec![
                "--server".to_string(),
                "http://127.0.0.1:9".into(),
                "--token".into(),
                "t".into(),
                "balance".into(),
                "--as-of".into(),
                "2025-11-20".into(),
            ],
            4,
            vec!["http://127.0.0.1:9".to_string()],
        ),
    ] {
        cases.push(Case {
            name,
            args,
            exit,
            vi: facts.clone(),
            en: facts,
            whole: false,
        });
    }
    cases
}

#[test]
fn the_use_cases_and_the_cli_word_their_own_errors_in_vietnamese_and_english_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut english_before = 0;
    let cases = own_error_cases(dir.path());
    assert!(cases.len() >= 30, "{}", cases.len());
    for c in &cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let vi = socai(&db, &args);
        assert_eq!(vi.status.code(), Some(c.exit), "{}: {vi:?}", c.name);
        let message = text(&vi.stderr);
        assert!(has_vietnamese(&message), "{}: {message}", c.name);
        if c.whole {
            let english = english_in(&message);
            assert!(english.is_empty(), "{}: {english:?}\n{message}", c.name);
        }
        for f in &c.vi {
            assert!(
                message.contains(f.as_str()),
                "{} does not name {f}: {message}",
                c.name
            );
        }
        let en_args: Vec<&str> = ["--lang", "en"].into_iter().chain(args).collect();
        let en = socai(&db, &en_args);
        assert_eq!(en.status.code(), Some(c.exit), "{}: {en:?}", c.name);
        let message = text(&en.stderr);
        // The demo unit's name is data, named as recorded.
        let words = message.replace("Xã Lùng Phình", "");
        assert!(!has_vietnamese(&words), "{}: {message}", c.name);
        if !english_in(&message).is_empty() {
            english_before += 1;
        }
        for f in &c.en {
            assert!(
                message.contains(f.as_str()),
                "{} does not name {f} in English: {message}",
                c.name
            );
        }
    }
    // The word list bites on (nearly) every English message: it would catch a regression.
    assert!(
        english_before * 10 >= cases.len() * 9,
        "{english_before} of {}",
        cases.len()
    );
}

#[test]
fn replay_words_its_verdicts_in_the_readers_language() {
    // A fixture whose expected summary was changed: one query differs (exit 1).
    let dir = tempfile::tempdir().unwrap();
    let fx = dir.path().join("fx");
    common::copy_dir(&common::fixture("lung-phinh-2025"), &fx);
    let summary = fx.join("expected/summary-2025-11-20.out");
    let text_of = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, text_of.replace("38.996", "38.997")).unwrap();
    let db = dir.path().join("db");
    let run = |extra: &[&str]| {
        let args: Vec<&str> = extra
            .iter()
            .copied()
            .chain(["replay", fx.to_str().unwrap()])
            .collect();
        let o = socai(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        format!("{}{}", text(&o.stdout), text(&o.stderr))
    };
    let vi = run(&[]);
    assert!(
        vi.contains("đạt   lô events.jsonl: đã ghi, sự kiện cuối số 277"),
        "{vi}"
    );
    assert!(
        vi.contains("LỖI   truy vấn summary-2025-11-20: kết quả khác"),
        "{vi}"
    );
    assert!(vi.contains("1 trong "), "{vi}");
    assert!(english_in(&vi).is_empty(), "{:?}\n{vi}", english_in(&vi));
    let en = run(&["--lang", "en"]);
    assert!(
        en.contains("ok    batch events.jsonl: appended, head 277"),
        "{en}"
    );
    assert!(
        en.contains("FAIL  query summary-2025-11-20: output differs"),
        "{en}"
    );
    assert!(en.contains("1 of "), "{en}");
}

#[test]
fn the_note_of_an_empty_plan_year_is_in_the_readers_language() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let ask = ["balance", "--as-of", "2025-11-20", "--plan-year", "2031"];
    let vi = socai(&db, &ask);
    assert!(vi.status.success(), "{vi:?}");
    let note = text(&vi.stderr);
    assert!(
        note.contains("năm kế hoạch 2031 không có dòng nào"),
        "{note}"
    );
    assert!(english_in(&note).is_empty(), "{note}");
    let en_args: Vec<&str> = ["--lang", "en"].into_iter().chain(ask).collect();
    let en = socai(&db, &en_args);
    assert!(
        text(&en.stderr).contains("plan year 2031 has no lines"),
        "{en:?}"
    );
}
