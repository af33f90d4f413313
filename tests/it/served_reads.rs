//! Issue 14, "While the server runs": the read-only commands work while another process
//! (`socai serve`) holds the store, reading the acknowledged log from the journal without the
//! lock (`storage::snapshot`), and never show a half batch or an unacknowledged tail.

use crate::common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;

use common::{Server, credential, event_id, lung_phinh_store, socai, text};

const AS_OF: &str = "2025-11-20";
const LINE: &str = "2025/DTTS/DT/CT02";

/// The read-only commands of the issue, as an auditor runs them.
fn read_commands(tmp: &Path) -> Vec<Vec<String>> {
    let claims = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/replay-fixtures/lung-phinh-2025/claims.json"
    );
    let chart = tmp.join("rates.svg");
    [
        vec!["balance", "--as-of", AS_OF, "--json"],
        vec!["balance", "--as-of", AS_OF, "--plan-year", "2025"],
        vec!["summary", "--as-of", AS_OF, "--plan-year", "2025"],
        vec!["report", "--as-of", AS_OF, "--plan-year", "2025"],
        vec!["trail", LINE, "--json"],
        vec!["export"],
        vec!["export", "--format", "hledger"],
        vec!["settlement", "--plan-year", "2025"],
        vec!["diff", "--as-of", AS_OF, "--known-at", "10", "--vs", "30"],
        vec!["reconcile", claims, "--as-of", AS_OF, "--plan-year", "2025"],
        vec![
            "chart",
            "rates",
            "--plan-year",
            "2025",
            "--out",
            chart.to_str().unwrap(),
        ],
    ]
    .into_iter()
    .map(|a| a.into_iter().map(str::to_string).collect())
    .collect()
}

fn run(db: &Path, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    socai(db, &args)
}

#[test]
fn read_only_commands_answer_while_the_server_holds_the_store_as_they_do_without_it() {
    let (tmp, db) = lung_phinh_store();
    let commands = read_commands(tmp.path());
    let alone: Vec<Output> = commands.iter().map(|a| run(&db, a)).collect();
    for (args, o) in commands.iter().zip(&alone) {
        // reconcile exits 1: the seed prints two figures the ledger does not give.
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    let verify_alone = socai(&db, &["verify"]);
    assert!(verify_alone.status.success());

    let (_, entry) = credential("auditor-1", "auditor");
    let mut server = Server::start(&db, Some(&entry));
    // The server listens before its writer has opened (and locked) the store: wait for it,
    // or a command may open the store first (as in `journal_reads`).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(crate::common::verified(&reqwest::Client::new(), &server));
    for (args, before) in commands.iter().zip(&alone) {
        let o = run(&db, args);
        let err = text(&o.stderr);
        assert_eq!(
            o.status.code(),
            before.status.code(),
            "{args:?} while served: {err}"
        );
        assert_eq!(text(&o.stdout), text(&before.stdout), "{args:?}");
        // Said on stderr, so that nobody takes it for a full open; not on stdout.
        assert!(
            err.contains("in use by another socai process"),
            "{args:?}: {err}"
        );
    }
    // verify reads the journal's chain up to HEAD, says the log itself was not read, and
    // names the same head as a full verify.
    let head_line = |o: &Output| {
        text(&o.stdout)
            .lines()
            .find(|l| l.starts_with("head "))
            .map(str::to_string)
    };
    let v = socai(&db, &["verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert!(text(&v.stdout).contains("journal hash chain and HEAD record agree"));
    assert!(
        text(&v.stdout).contains("log: not read"),
        "{}",
        text(&v.stdout)
    );
    assert_eq!(head_line(&v), head_line(&verify_alone));
    let head = head_line(&v).unwrap();
    let expect = head.trim_start_matches("head ");
    let v = socai(&db, &["verify", "--expect-head", expect]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    let later = format!("999:{}", "00".repeat(32));
    let v = socai(&db, &["verify", "--expect-head", &later]);
    assert_eq!(v.status.code(), Some(3), "{}", text(&v.stderr));
    // A command that writes still needs the store: it is refused, not queued.
    let o = socai(&db, &["demo"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(server.sigterm().success());
}

/// A plain HTTP/1.1 POST on loopback; returns the status code.
fn http_post(addr: &str, path: &str, token: &str, body: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// One batch of three events on a new line: opened, allocated, disbursed.
fn batch(n: u64) -> String {
    let line = format!("L{n}");
    let events = serde_json::json!([
        {"id": event_id(3 * n), "type": "open_line", "effective_date": "2025-01-02",
         "line": line, "program": "P", "capital": "recurrent", "source": "S",
         "plan_year": 2025, "origin": "in_year"},
        {"id": event_id(3 * n + 1), "type": "allocate", "effective_date": "2025-02-01",
         "line": line, "amount": "1000", "document": {"number": format!("QD-{n}"), "date": "2025-02-01"}},
        {"id": event_id(3 * n + 2), "type": "disburse", "effective_date": "2025-02-01",
         "line": line, "amount": "400", "document": {"number": format!("PC-{n}"), "date": "2025-02-01"}},
    ]);
    events.to_string()
}

#[test]
fn a_reader_beside_a_writing_server_sees_whole_batches_only() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let (token, entry) = credential("clerk-1", "recorder");
    let mut server = Server::start(&db, Some(&entry));
    assert_eq!(
        http_post(&server.addr, "/v1/events", &token, &batch(1)),
        200
    );
    let addr = server.addr.clone();
    let writer = std::thread::spawn(move || {
        for n in 2..=40 {
            assert_eq!(http_post(&addr, "/v1/events", &token, &batch(n)), 200);
        }
    });
    let mut seen = Vec::new();
    while !writer.is_finished() || seen.len() < 3 {
        let o = socai(&db, &["export"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let events = text(&o.stdout).lines().count();
        // Never a half batch: every batch is three events, acknowledged together.
        assert_eq!(events % 3, 0, "{events} events seen");
        let v = socai(&db, &["verify"]);
        assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
        seen.push(events);
        if seen.len() > 200 {
            break;
        }
    }
    writer.join().unwrap();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let o = socai(&db, &["export"]);
    assert_eq!(text(&o.stdout).lines().count(), 120);
    assert!(server.sigterm().success());
}

fn last_segment(db: &Path) -> std::path::PathBuf {
    let mut segs: Vec<_> = std::fs::read_dir(db.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    segs.pop().unwrap()
}

#[test]
fn a_torn_tail_beyond_head_is_ignored_and_damage_below_it_refused() {
    let (_tmp, db) = lung_phinh_store();
    let before = socai(&db, &["balance", "--as-of", AS_OF, "--json"]);
    let held = socai::ledger::Ledger::open(&db, socai::storage::OpenMode::MustExist).unwrap();
    // What a writer's next batch looks like half-way through its write: a frame header
    // without all of its bytes after the acknowledged frames.
    let seg = last_segment(&db);
    let mut bytes = std::fs::read(&seg).unwrap();
    let good = bytes.clone();
    bytes.extend_from_slice(b"SJF1\0\0\x01\0\0\0\0\0\0\0\0\x25partial");
    std::fs::write(&seg, &bytes).unwrap();
    let o = socai(&db, &["balance", "--as-of", AS_OF, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(o.stdout, before.stdout);
    // One flipped byte inside an acknowledged frame is damage: refused, exit 3.
    let mut bytes = good.clone();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&seg, &bytes).unwrap();
    let o = socai(&db, &["trail", LINE]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    // A journal cut short of HEAD has lost acknowledged events: refused too.
    std::fs::write(&seg, &good[..good.len() - 10]).unwrap();
    let o = socai(&db, &["export"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("lacks acknowledged sequence"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&seg, &good).unwrap();
    drop(held);
}

#[test]
fn a_held_store_without_a_journal_is_refused_naming_the_server_door() {
    let (_tmp, db) = lung_phinh_store();
    let held = socai::ledger::Ledger::open(&db, socai::storage::OpenMode::MustExist).unwrap();
    std::fs::rename(db.join("journal"), db.join("journal.away")).unwrap();
    let o = socai(&db, &["report", "--as-of", AS_OF, "--plan-year", "2025"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("another socai process"), "{err}");
    assert!(err.contains("--server URL --token"), "{err}");
    std::fs::rename(db.join("journal.away"), db.join("journal")).unwrap();
    drop(held);
}

#[test]
fn with_server_and_token_the_commands_ask_the_server_and_print_what_they_print_locally() {
    let (tmp, db) = lung_phinh_store();
    let report = ["report", "--as-of", AS_OF, "--plan-year", "2025"];
    let settle = ["settlement", "--plan-year", "2025"];
    let asked: Vec<Vec<&str>> = vec![
        vec!["balance", "--as-of", AS_OF, "--json"],
        vec!["balance", "--as-of", AS_OF, "--plan-year", "2025"],
        vec!["summary", "--as-of", AS_OF, "--plan-year", "2025"],
        vec!["report", "--as-of", AS_OF, "--plan-year", "2025"],
        vec![
            "report",
            "--as-of",
            AS_OF,
            "--plan-year",
            "2025",
            "--format",
            "json",
            "--known-at",
            "2020-01-01",
        ],
        vec!["trail", LINE, "--json"],
        vec!["settlement", "--plan-year", "2025", "--lang", "en"],
        // Not the language's default dialect (these run in English): passed on, or the server
        // would answer plain.
        [
            &report[..],
            &["--format", "csv", "--csv-dialect", "excel-vi"],
        ]
        .concat(),
        vec!["settlement", "--plan-year", "2025", "--format", "csv"],
        [
            &settle[..],
            &["--format", "csv", "--csv-dialect", "excel-vi"],
        ]
        .concat(),
        // The report's number and date at its head, and in the provenance's command.
        [
            &report[..],
            &["--number", "Số 12/BC-UBND", "--date", "2025-11-25"],
        ]
        .concat(),
        [&report[..], &["--format", "json", "--number", "12/BC-UBND"]].concat(),
    ];
    let local: Vec<Output> = asked.iter().map(|a| socai(&db, a)).collect();
    let (token, entry) = credential("auditor-1", "auditor");
    let mut server = Server::start(&db, Some(&entry));
    // Another machine: no store at all, only the server's address and a token.
    let elsewhere = tmp.path().join("no-store-here");
    for (args, before) in asked.iter().zip(&local) {
        let mut remote = args.clone();
        remote.extend(["--server", server.base.as_str(), "--token", token.as_str()]);
        let o = socai(&elsewhere, &remote);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout), text(&before.stdout), "{args:?}");
    }
    assert!(!elsewhere.exists());
    // A wrong token, an unknown line, and a command the server does not answer: refused with
    // the local exit codes, naming why.
    let o = socai(
        &elsewhere,
        &[
            "balance",
            "--as-of",
            AS_OF,
            "--server",
            &server.base,
            "--token",
            "nope",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("401 unauthorized"),
        "{}",
        text(&o.stderr)
    );
    let o = socai(
        &elsewhere,
        &[
            "trail",
            "NO/SUCH",
            "--server",
            &server.base,
            "--token",
            &token,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = socai(
        &elsewhere,
        &["export", "--server", &server.base, "--token", &token],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(server.sigterm().success());
    let o = socai(
        &elsewhere,
        &[
            "balance",
            "--as-of",
            AS_OF,
            "--server",
            &server.base,
            "--token",
            &token,
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
}

/// A plain HTTP/1.1 GET on loopback with a bearer token; returns the status and the body.
fn http_get(addr: &str, path: &str, token: &str) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header end");
    let status = text(&response[9..12]).parse().unwrap_or(0);
    // Answers here are small: hyper sends them with a Content-Length, not chunked.
    (status, response[at + 4..].to_vec())
}

#[test]
fn the_api_writes_csv_in_the_dialect_asked_and_heads_the_report_with_its_number_and_date() {
    let (_tmp, db) = lung_phinh_store();
    let (token, entry) = credential("auditor-1", "auditor");
    let mut server = Server::start(&db, Some(&entry));
    let get = |path: &str| http_get(&server.addr, path, &token);
    // Balances: a vi-VN spreadsheet's CSV by default (no Accept-Language: Vietnamese), the
    // RFC 4180 shape on request; the same figures.
    let base = format!("/v1/balances?as_of={AS_OF}&format=csv");
    let (s, vi) = get(&base);
    assert_eq!(s, 200);
    let vi = text(&vi);
    assert!(vi.starts_with("\u{feff}row;line;program;"), "{vi}");
    let (s, plain) = get(&format!("{base}&csv_dialect=plain"));
    assert_eq!(s, 200);
    let plain = text(&plain);
    assert!(plain.starts_with("row,line,program,"), "{plain}");
    let cells = |csv: &str, sep: u8| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .delimiter(sep)
            .has_headers(false)
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(|f| f.replace(',', ".")).collect())
            .collect()
    };
    let (v, p) = (cells(&vi, b';'), cells(&plain, b','));
    assert_eq!(v, p);
    // Amounts are plain integers of đồng; a rate has a decimal comma in excel-vi.
    let total = vi.lines().last().unwrap();
    let plan_total = p.last().unwrap()[7].clone();
    assert!(plan_total.parse::<u64>().unwrap() > 0, "{plain}");
    assert!(total.contains(&format!(";{plan_total};")), "{total}");
    assert!(
        total.contains(";0,"),
        "a rate with a decimal comma: {total}"
    );
    let (s, body) = get(&format!("{base}&csv_dialect=excel"));
    assert_eq!(s, 400, "{}", text(&body));
    assert!(text(&body).contains("excel-vi, plain"), "{}", text(&body));

    // The report's number and date, as `report --number --date` prints them.
    let report = format!("/v1/reports/section-ii?as_of={AS_OF}&plan_year=2025");
    let (s, json) = get(&format!(
        "{report}&format=json&number=12%2FBC-UBND&date=2025-11-25"
    ));
    assert_eq!(s, 200, "{}", text(&json));
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let command = json["provenance"]["command"].as_str().unwrap();
    assert!(
        command.ends_with(" --number 12/BC-UBND --date 2025-11-25"),
        "{command}"
    );
    let (s, head) = get(&format!(
        "{report}&format=text&lang=vi&number=12%2FBC-UBND&date=2025-11-25"
    ));
    assert_eq!(s, 200);
    let head = text(&head);
    assert!(head.contains("12/BC-UBND"), "{head}");
    assert!(head.contains("ngày 25 tháng 11 năm 2025"), "{head}");
    for bad in ["number=", "number=%01x", "date=2025-02-30"] {
        let (s, body) = get(&format!("{report}&{bad}"));
        assert_eq!(s, 400, "{bad}: {}", text(&body));
    }
    assert!(server.sigterm().success());
}
