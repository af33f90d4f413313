//! Scenario 1 of issue 13 (work CT05: contract 900, advance 270, two payments recovering it)
//! through a real store: imported with the CLI, read back cold through the persisted index
//! (`balance --json`, at a date and at an earlier knowledge point), as the advances list
//! (`socai advances`), and over HTTP (`GET /v1/balances`, `GET /v1/advances`). Amounts in
//! whole đồng; the triệu are × 1 000 000.

use crate::common;

use std::path::Path;

use common::{Server, client, socai, text};
use serde_json::{Value, json};
use socai::app::Format;
use socai::app::indexed_query;
use socai::app::query::{Answer, Query};
use socai::core::known_at::KnownAt;

const TR: i64 = 1_000_000;

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn doc() -> Value {
    json!({"number": "UNC-01", "date": "2025-01-02", "issuer": "KBNN Mường Chà"})
}

fn money(n: u32, kind: &str, date: &str, mut body: Value) -> Value {
    body["id"] = json!(id(n));
    body["type"] = json!(kind);
    body["effective_date"] = json!(date);
    body["document"] = doc();
    body
}

fn amount(triệu: i64) -> String {
    (triệu * TR).to_string()
}

fn scenario_1() -> Vec<Value> {
    vec![
        json!({"id": id(1), "type": "open_line", "effective_date": "2025-01-01", "line": "CT05",
               "program": "NTM", "capital": "investment", "source": "NSTW", "plan_year": 2025,
               "origin": "in_year", "work": "CT05"}),
        money(
            2,
            "allocate",
            "2025-01-15",
            json!({"line": "CT05", "amount": amount(1000)}),
        ),
        money(
            3,
            "commit",
            "2025-03-01",
            json!({"line": "CT05", "contract": "HD-05",
               "amount": amount(900), "payee": "Công ty Xây dựng Lùng Phình"}),
        ),
        money(
            4,
            "advance",
            "2025-03-10",
            json!({"line": "CT05", "contract": "HD-05",
               "amount": amount(270), "payee": "Công ty Xây dựng Lùng Phình"}),
        ),
        money(
            5,
            "disburse",
            "2025-06-15",
            json!({"line": "CT05", "contract": "HD-05",
               "amount": amount(400), "recovers": amount(120)}),
        ),
        money(
            6,
            "disburse",
            "2025-09-20",
            json!({"line": "CT05", "contract": "HD-05",
               "amount": amount(350), "recovers": amount(150)}),
        ),
    ]
}

fn import(db: &Path, events: &[Value], name: &str) -> std::process::Output {
    let file = db.parent().unwrap().join(name);
    let body: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&file, body.join("\n") + "\n").unwrap();
    socai(db, &["import", file.to_str().unwrap()])
}

fn json_out(db: &Path, args: &[&str]) -> Value {
    let o = socai(db, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn line<'a>(balance: &'a Value, code: &str) -> &'a Value {
    balance["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == code)
        .unwrap()
}

fn figures(l: &Value) -> [String; 4] {
    ["disbursed", "completed", "advance_outstanding", "rate"]
        .map(|k| l[k].as_str().unwrap_or("null").to_string())
}

fn tr(n: i64) -> String {
    (n * TR).to_string()
}

/// The index's own answer (the cold path), or a failure when it would fall back.
fn cold(db: &Path, as_of: &str, known_at: Option<u64>) -> Value {
    let q = Query::Balance {
        as_of: as_of.parse().unwrap(),
        known_at: known_at.map(KnownAt::Seq),
        plan_year: None,
        format: Format::Json,
        lang: socai::present::vi_format::Lang::Vi,
        csv_dialect: None,
    };
    match indexed_query::answer(db, &q).unwrap() {
        Some(Answer::Json(v)) => v,
        other => panic!("the index did not answer: {other:?}"),
    }
}

#[test]
fn scenario_1_through_the_cli_and_the_cold_index() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut events = scenario_1();
    // First the advance of 300 (over 30% of 900): refused, nothing recorded.
    let mut over = events[..4].to_vec();
    over[3]["amount"] = json!(amount(300));
    let o = import(&db, &over, "over.jsonl");
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("advance_over_limit"),
        "{}",
        text(&o.stderr)
    );
    let o = import(&db, &events.split_off(0), "events.jsonl");
    assert!(o.status.success(), "{}", text(&o.stderr));

    let june = json_out(&db, &["balance", "--as-of", "2025-06-30", "--json"]);
    let l = line(&june, "CT05");
    assert_eq!(figures(l), [tr(550), tr(400), tr(150), "0.5500".into()]);
    assert_eq!(l["committed"], tr(900));
    // 900 − (270 + 280) paid under the contract.
    assert_eq!(l["commitment_outstanding"], tr(350));
    assert_eq!(june["totals"]["advance_outstanding"], tr(150));
    assert_eq!(
        cold(&db, "2025-06-30", None),
        june,
        "the index answers what the CLI printed"
    );

    let september = json_out(&db, &["balance", "--as-of", "2025-09-30", "--json"]);
    let l = line(&september, "CT05");
    assert_eq!(figures(l), [tr(750), tr(750), "0".into(), "0.7500".into()]);
    assert_eq!(september["totals"]["completed"], tr(750));
    assert_eq!(cold(&db, "2025-09-30", None), september);

    // Known at sequence 4 (line, plan, commit, advance): a historical view of the index.
    let early = cold(&db, "2025-12-31", Some(4));
    assert_eq!(
        figures(line(&early, "CT05")),
        [tr(270), "0".into(), tr(270), "0.2700".into()]
    );
    let cli_early = json_out(
        &db,
        &[
            "balance",
            "--as-of",
            "2025-12-31",
            "--known-at",
            "4",
            "--json",
        ],
    );
    assert_eq!(early, cli_early);

    let list = json_out(&db, &["advances", "--as-of", "2025-06-30", "--json"]);
    let rows = list["advances"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["contract"], "HD-05");
    assert_eq!(rows[0]["outstanding"], tr(150));
    assert_eq!(rows[0]["age_days"], 112);
    assert_eq!(rows[0]["flagged"], false);
    let later = json_out(&db, &["advances", "--as-of", "2025-09-30", "--json"]);
    assert_eq!(later["advances"], json!([]));

    // The journal posts cash: the advance (270) and each payment net of its recovery
    // (280, 200); the commitment moves no money on its accounts and says so.
    let o = socai(&db, &["export", "--format", "hledger"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let journal = text(&o.stdout);
    assert!(journal.contains("commit: moves no money on these accounts, not posted"));
    for cash in [tr(270), tr(280), tr(200)] {
        assert!(
            journal.contains(&format!("Expenses:Disbursed:CT05  {cash} VND")),
            "{cash} in\n{journal}"
        );
    }
    // The import format round-trips every new field: a fresh store from the export has
    // the same figures.
    let o = socai(&db, &["export"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let again = tmp.path().join("again");
    let lines: Vec<Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let o = import(&again, &lines, "export.jsonl");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let copy = json_out(&again, &["balance", "--as-of", "2025-09-30", "--json"]);
    assert_eq!(copy["lines"], september["lines"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_1_variant_over_http_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut events = scenario_1();
    events[5]["recovers"] = json!(amount(100));
    let o = import(&db, &events, "events.jsonl");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let server = Server::start(&db, None);
    let client = client();
    let get = |path: &str| client.get(server.url(path)).send();
    let r = get("/v1/balances?as_of=2025-09-30").await.unwrap();
    assert_eq!(r.status(), 200);
    let balances: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let l = line(&balances, "CT05");
    assert_eq!(figures(l), [tr(800), tr(750), tr(50), "0.8000".into()]);
    let r = get("/v1/advances?as_of=2025-09-30").await.unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let rows = list["advances"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["outstanding"], tr(50));
    assert_eq!(rows[0]["completed"], tr(750));
    assert_eq!(rows[0]["contract_amount"], tr(900));
    assert_eq!(rows[0]["flagged"], true);
    let r = get("/v1/advances").await.unwrap();
    assert_eq!(r.status(), 400, "as_of is required");
}
