//! `socai serve`, end to end: the real binary on a loopback port, every endpoint, role and
//! limit. See tests/server_load.rs for concurrency and crash recovery.

use crate::common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};

const FIXTURE: &str = include_str!("../../replay-fixtures/lung-phinh-2025/events.jsonl");
const FACTS: &str = include_str!("../../replay-fixtures/lung-phinh-2025/facts.jsonl");
/// The fixture's events name this actor: a recorder credential of the same name sends them.
const FIXTURE_ACTOR: &str = "ke-toan-ngan-sach-xa-lung-phinh";

struct Creds {
    recorder: String,
    auditor: String,
    admin: String,
    config: String,
}

fn creds(extra: &str) -> Creds {
    let (recorder, a) = credential(FIXTURE_ACTOR, "recorder");
    let (auditor, b) = credential("auditor-1", "auditor");
    let (admin, c) = credential("admin-1", "admin");
    Creds {
        recorder,
        auditor,
        admin,
        config: format!("{extra}\n{a}\n{b}\n{c}\n"),
    }
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_and_their_roles() {
    let spec: Value = serde_json::from_str(include_str!("../../schemas/openapi.json")).unwrap();
    let mut documented = BTreeSet::new();
    let mut province = BTreeSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let roles: Vec<String> = op["x-socai-roles"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no x-socai-roles"))
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            let key = (method.to_uppercase(), path.clone(), roles);
            // A province server's paths (`socai serve --units DIR`) are compared below.
            if is_province(op) {
                province.insert(key);
            } else {
                documented.insert(key);
            }
        }
    }
    let routed: BTreeSet<_> = socai::server::routes::ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.path.to_string(),
                r.access
                    .roles()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(documented, routed);
    // The province serves each of those under /v1/units/{unit}/ (the probes aside), with
    // the same roles, and its own two.
    let mut scoped: BTreeSet<_> = routed
        .iter()
        .filter(|(_, path, _)| path.starts_with("/v1/"))
        .map(|(method, path, roles)| {
            let path = format!("/v1/units/{{unit}}/{}", &path["/v1/".len()..]);
            (method.clone(), path, roles.clone())
        })
        .collect();
    let read: Vec<String> = ["recorder", "auditor", "admin"].map(String::from).to_vec();
    for own in ["/v1/units", "/v1/reports/consolidated"] {
        scoped.insert(("GET".to_string(), own.to_string(), read.clone()));
    }
    assert_eq!(province, scoped);
}

/// Whether the document names an operation of the province server.
fn is_province(op: &Value) -> bool {
    op["tags"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "province"))
}

/// Every documented route, with every role: 401 without a token, 403 for a role it does not
/// allow, and never 404/405 for one it allows (so the router serves what the spec says).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_answers_each_role_as_documented() {
    let c = creds("");
    let (tmp, _db, server, client) = served(Some(&c.config));
    let r = post(
        &client,
        server.url("/v1/events"),
        &c.recorder,
        array(&[open_line(1, "L/1")]),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let spec: Value = serde_json::from_str(include_str!("../../schemas/openapi.json")).unwrap();
    let tokens = [
        ("recorder", &c.recorder),
        ("auditor", &c.auditor),
        ("admin", &c.admin),
    ];
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            // Served by a province server only (tests/openapi.rs drives one).
            if is_province(op) {
                continue;
            }
            let url = server.url(&path.replace("{code}", "L%2F1").replace("{kind}", "rates"))
                + match path.as_str() {
                    "/v1/balances" | "/v1/advances" => "?as_of=2025-12-31",
                    "/v1/reports/summary" | "/v1/reports/section-ii" => {
                        "?as_of=2025-12-31&plan_year=2025"
                    }
                    "/v1/reports/diff" => "?as_of=2025-12-31&known_at=0&vs=1",
                    "/v1/reports/settlement" | "/v1/charts/{kind}" => "?plan_year=2025",
                    "/v1/reconcile" => "?as_of=2025-12-31&plan_year=2025",
                    "/v1/events/stream" => "?after=1",
                    _ => "",
                };
            let roles: Vec<&str> = op["x-socai-roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let request = |token: Option<&str>| {
                let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut b = client
                    .request(m, url.clone())
                    .timeout(Duration::from_secs(10));
                if let Some(t) = token {
                    b = b.bearer_auth(t);
                }
                if path == "/v1/admin/backup" {
                    let dir = tmp
                        .path()
                        .join(format!("backup-{}", token.unwrap_or("none").len()));
                    b = b.body(json!({ "dir": dir }).to_string());
                } else if path == "/v1/reconcile" {
                    b = b.body(r#"{"source": "-", "claims": []}"#);
                } else if method == "post" {
                    b = b.body("[]");
                }
                b
            };
            let anonymous = request(None).send().await.unwrap();
            if roles.is_empty() {
                assert_eq!(anonymous.status(), 200, "{method} {path}");
                continue;
            }
            assert_eq!(anonymous.status(), 401, "{method} {path}");
            assert!(anonymous.headers().contains_key("www-authenticate"));
            let (_, body) = json(anonymous).await;
            assert_eq!(body["error"]["code"], "unauthorized");
            let wrong = request(Some("not-a-token")).send().await.unwrap();
            assert_eq!(wrong.status(), 401, "{method} {path}");
            for (role, token) in tokens {
                let resp = request(Some(token)).send().await.unwrap();
                let status = resp.status().as_u16();
                if roles.contains(&role) {
                    assert_eq!(status, 200, "{role} {method} {path}");
                } else {
                    assert_eq!(status, 403, "{role} {method} {path}");
                    let (_, body) = json(resp).await;
                    assert_eq!(body["error"]["code"], "forbidden");
                }
            }
        }
    }
    // Unknown routes and methods answer JSON errors too.
    let (s, b) = json(
        get(&client, server.url("/v1/nothing"), &c.admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, b) = json(
        client
            .delete(server.url("/v1/balances"))
            .bearer_auth(&c.admin)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_are_atomic_idempotent_and_record_the_credential() {
    let tmp = tempfile::tempdir().unwrap();
    let c = creds("");
    let (clerk2, entry) = credential("clerk-2", "recorder");
    let server = Server::start(
        &tmp.path().join("db"),
        Some(&format!("{}\n{entry}", c.config)),
    );
    let client = client();
    let batch = [
        open_line(1, "A"),
        money(2, "allocate", "A", 1000),
        money(3, "disburse", "A", 400),
    ];
    let (s, b) = append_as(&client, &server, &clerk2, &batch).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["seqs"], json!([1, 2, 3]));
    assert_eq!(
        (
            b["appended"].as_u64(),
            b["already_present"].as_u64(),
            b["head_seq"].as_u64()
        ),
        (Some(3), Some(0), Some(3))
    );
    let head_hash = b["head_hash"].as_str().unwrap().to_string();
    // The same batch again: a no-op success.
    let (s, b) = append_as(&client, &server, &clerk2, &batch).await;
    assert_eq!(
        (s, b["appended"].as_u64(), b["already_present"].as_u64()),
        (200, Some(0), Some(3))
    );
    // JSON lines work too; one already present, one new.
    let lines = format!("{}\n\n{}\n", batch[0], money(4, "allocate", "A", 5));
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &clerk2, lines)
            .header("content-type", "application/x-ndjson")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["seqs"].clone(), b["already_present"].as_u64()),
        (200, json!([4]), Some(1))
    );
    // A refused event: 422 with its code and index; nothing of the batch appended.
    let bad = [
        money(5, "allocate", "A", 1),
        money(6, "disburse", "A", 1_000_000),
    ];
    let (s, b) = append_as(&client, &server, &clerk2, &bad).await;
    assert_eq!(s, 422);
    assert_eq!(b["error"]["code"], "insufficient_funds");
    assert_eq!(b["error"]["index"], 1);
    assert_eq!(b["error"]["id"], event_id(6));
    // Same id, other content.
    let (s, b) = append_as(&client, &server, &clerk2, &[money(2, "allocate", "A", 999)]).await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["index"].as_u64()),
        (422, Some("id_conflict"), Some(0))
    );
    // A parse error in JSON lines names the event's index and line.
    let lines = format!("{}\n{{\"id\":\"x\"}}\n", money(7, "allocate", "A", 1));
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &clerk2, lines)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            s,
            b["error"]["code"].as_str(),
            b["error"]["index"].as_u64(),
            b["error"]["line"].as_u64()
        ),
        (422, Some("malformed"), Some(1), Some(2))
    );
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &clerk2, "[{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["index"].clone()),
        (422, Some("malformed"), Value::Null)
    );
    // Another actor than the credential is refused, naming the event.
    let mut other = money(8, "allocate", "A", 1);
    other["actor"] = json!("someone-else");
    let (s, b) = append_as(
        &client,
        &server,
        &clerk2,
        &[money(9, "allocate", "A", 1), other],
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["index"].as_u64()),
        (422, Some("actor_mismatch"), Some(1))
    );
    // Giving the credential's own name is fine.
    let mut own = money(10, "allocate", "A", 1);
    own["actor"] = json!("clerk-2");
    let (s, _) = append_as(&client, &server, &clerk2, &[own]).await;
    assert_eq!(s, 200);
    // The log: nothing of the refused batches, every event stamped with its credential, and
    // the hash the first append answered is that of sequence 3.
    let (s, page) = json(
        get(&client, server.url("/v1/events"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let events = page["events"].as_array().unwrap();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["event"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            event_id(1),
            event_id(2),
            event_id(3),
            event_id(4),
            event_id(10)
        ]
    );
    assert!(events.iter().all(|e| e["event"]["actor"] == "clerk-2"));
    assert_eq!(events[2]["hash"], head_hash);
    assert_eq!(page["head_seq"], 5);
    // The same event from another credential differs in actor: an id conflict, not a copy.
    let (s, b) = append_as(&client, &server, &c.admin, &[batch[0].clone()]).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("id_conflict")));
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/replay-fixtures/lung-phinh-2025/expected/{name}.out",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Drops the first line (which names the head hash: the recording time differs from the
/// fixture's) and, for JSON, the head_hash field.
fn without_pin(text: &str) -> String {
    text.split_once('\n').unwrap().1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_reproduce_the_fixture_in_every_format() {
    let c = creds("");
    let (_tmp, _db, server, client) = served(Some(&c.config));
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &c.recorder, FIXTURE)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["appended"].as_u64()), (200, Some(277)), "{b}");
    // The fixture's second batch: the documents and indicators (issue 16).
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &c.recorder, FACTS)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, b["appended"].as_u64()), (200, Some(35)), "{b}");
    // Section II, as `socai summary` printed it for the fixture.
    let r = get(
        &client,
        server.url("/v1/reports/summary?as_of=2025-11-20&plan_year=2025"),
        &c.auditor,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        without_pin(&r.text().await.unwrap()),
        without_pin(&expected("summary-2025-11-20"))
    );
    // Balances JSON, as `socai balance --json`.
    for date in ["2025-11-20", "2025-12-31"] {
        let (s, mut got) = json(
            get(
                &client,
                server.url(&format!("/v1/balances?as_of={date}&plan_year=2025")),
                &c.auditor,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        let mut want: Value = serde_json::from_str(&expected(&format!("balance-{date}"))).unwrap();
        assert_eq!(got["head_hash"].as_str().unwrap().len(), 64);
        got["head_hash"] = Value::Null;
        want["head_hash"] = Value::Null;
        assert_eq!(got, want);
    }
    // CSV carries the same figures: one row per line, then the totals.
    let (_, js) = json(
        get(
            &client,
            server.url("/v1/balances?as_of=2025-11-20&plan_year=2025"),
            &c.auditor,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    // A program reading the CSV asks for the plain dialect (the default follows the language:
    // a vi-VN spreadsheet's `;` and byte order mark).
    let r = get(
        &client,
        server.url("/v1/balances?as_of=2025-11-20&plan_year=2025&csv_dialect=plain"),
        &c.auditor,
    )
    .header("accept", "text/csv")
    .send()
    .await
    .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "row",
            "line",
            "program",
            "capital",
            "source",
            "plan_year",
            "origin",
            "plan",
            "disbursed",
            "available",
            "rate",
            "carried_out",
            "lapsed",
            "recovered_after_close",
            "deadline"
        ]
    );
    let lines = js["lines"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len() + 2);
    for (row, line) in rows[1..].iter().zip(lines) {
        assert_eq!(row[0], "line");
        assert_eq!(row[1], line["line"]);
        assert_eq!(row[7], line["plan"]);
        assert_eq!(row[8], line["disbursed"]);
        assert_eq!(row[10], line["rate"].as_str().unwrap_or(""));
        assert_eq!(row[11], line["carried_out"]);
        assert_eq!(row[12], line["lapsed"]);
        assert_eq!(row[13], line["recovered_after_close"]);
        assert_eq!(row[14], line["deadline"]);
    }
    let total = rows.last().unwrap();
    assert_eq!(
        (total[0], total[7], total[8]),
        (
            "total",
            js["totals"]["plan"].as_str().unwrap(),
            js["totals"]["disbursed"].as_str().unwrap()
        )
    );
    // Text, by parameter.
    let t = get(
        &client,
        server.url("/v1/balances?as_of=2025-11-20&format=text"),
        &c.auditor,
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    // Vietnamese by default (no Accept-Language), with vi-VN grouped đồng.
    assert!(
        t.contains("TỔNG CỘNG") && t.contains("số tiền tính bằng đồng"),
        "{t}"
    );
    // A line's plan (from the JSON answer), grouped the vi-VN way on its row.
    let first = &js["lines"][0];
    let plan: i128 = first["plan"].as_str().unwrap().parse().unwrap();
    let row = t
        .lines()
        .find(|l| l.starts_with(first["line"].as_str().unwrap()))
        .unwrap();
    assert!(row.contains(&common::vi::group(plan)), "{row}");
    // A view at an earlier known_at pins that sequence.
    let (_, early) = json(
        get(
            &client,
            server.url("/v1/balances?as_of=2025-12-31&known_at=10"),
            &c.auditor,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(early["known_at"], 10);
    let (_, page) = json(
        get(
            &client,
            server.url("/v1/events?after=9&limit=1"),
            &c.auditor,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(early["head_hash"], page["events"][0]["hash"]);
    // The trail of a line whose code holds slashes (percent-encoded in the path).
    let line = lines
        .iter()
        .find(|l| l["line"].as_str().unwrap().contains('/'))
        .unwrap()["line"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/lines/{}/trail", line.replace('/', "%2F"));
    let (s, trail) = json(
        get(&client, server.url(&path), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{trail}");
    assert_eq!(trail["line"], line.as_str());
    assert!(!trail["rows"].as_array().unwrap().is_empty());
    let last = trail["rows"].as_array().unwrap().last().unwrap();
    let bal = lines.iter().find(|l| l["line"] == line.as_str()).unwrap();
    let (_, all) = json(
        get(
            &client,
            server.url("/v1/balances?as_of=2100-12-31&plan_year=2025"),
            &c.auditor,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let bal_end = all["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == line.as_str())
        .unwrap();
    assert_eq!(
        (&last["plan"], &last["disbursed"]),
        (&bal_end["plan"], &bal_end["disbursed"])
    );
    assert!(bal.is_object());
    let text = get(
        &client,
        server.url(&format!("{path}?format=text")),
        &c.auditor,
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(
        text.starts_with(&format!("Sổ chi tiết dòng {line} — ")),
        "{text}"
    );
    // Errors: every one with a stable code.
    for (url, status, code) in [
        ("/v1/lines/NO-SUCH/trail", 404, "unknown_line"),
        ("/v1/balances", 400, "invalid_parameter"),
        ("/v1/balances?as_of=2025-02-30", 400, "invalid_parameter"),
        (
            "/v1/balances?as_of=2025-11-20&known_at=9999",
            400,
            "invalid_parameter",
        ),
        (
            "/v1/balances?as_of=2025-11-20&as_off=1",
            400,
            "invalid_parameter",
        ),
        (
            "/v1/balances?as_of=2025-11-20&format=xlsx",
            406,
            "unsupported_format",
        ),
        (
            "/v1/reports/summary?as_of=2025-11-20",
            400,
            "invalid_parameter",
        ),
        (
            "/v1/reports/summary?as_of=2025-11-20&plan_year=2025&format=json",
            406,
            "unsupported_format",
        ),
        ("/v1/events?limit=0", 400, "invalid_parameter"),
        ("/v1/events?after=313", 400, "invalid_parameter"),
    ] {
        let (s, b) = json(
            get(&client, server.url(url), &c.auditor)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (status, Some(code)),
            "{url}: {b}"
        );
    }
    let r = get(
        &client,
        server.url("/v1/balances?as_of=2025-11-20"),
        &c.auditor,
    )
    .header("accept", "image/png")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 406);
    // Verify re-reads the stored log and agrees with what was acknowledged.
    let (s, v) = json(
        get(&client, server.url("/v1/verify"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["ok"].as_bool(), v["head_seq"].as_u64()),
        (200, Some(true), Some(312))
    );
    assert_eq!(
        v["head_hash"],
        page_head(&client, &server, &c.auditor).await
    );
}

async fn page_head(client: &reqwest::Client, server: &Server, token: &str) -> Value {
    let (_, p) = json(
        get(client, server.url("/v1/events?limit=1"), token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    p["head_hash"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_pages_in_order_and_streams_live() {
    let c = creds("[limits]\nmax_page = 3\nmax_streams = 1\n");
    let (_tmp, _db, server, client) = served(Some(&c.config));
    let mut events = vec![open_line(1, "A")];
    events.extend((2..=7).map(|n| money(n, "allocate", "A", n)));
    let (s, _) = append_as(&client, &server, &c.recorder, &events).await;
    assert_eq!(s, 200);
    // Paging: 3 at a time, in sequence order, each entry in the import format plus its place.
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let (s, p) = json(
            get(
                &client,
                server.url(&format!("/v1/events?after={after}&limit=3")),
                &c.auditor,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        let page = p["events"].as_array().unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        for e in page {
            seen.push(e["seq"].as_u64().unwrap());
            assert_eq!(e["hash"].as_str().unwrap().len(), 64);
            assert!(e["recorded_at"].as_str().unwrap().ends_with('Z'));
            socai::core::event::parse_value(&e["event"]).unwrap();
        }
        after = p["next_after"].as_u64().unwrap();
    }
    assert_eq!(seen, (1..=7).collect::<Vec<_>>());
    let (s, b) = json(
        get(&client, server.url("/v1/events?limit=4"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_parameter"))
    );
    // The stream: catch-up after 5, then a live append.
    let mut stream = get(&client, server.url("/v1/events/stream?after=5"), &c.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The one allowed stream is taken: a second is refused.
    let (s, b) = json(
        get(&client, server.url("/v1/events/stream"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (503, Some("too_many_streams"))
    );
    let mut got = read_sse(&mut stream, 2).await;
    let (s, _) = append_as(
        &client,
        &server,
        &c.recorder,
        &[money(8, "allocate", "A", 8)],
    )
    .await;
    assert_eq!(s, 200);
    got.extend(read_sse(&mut stream, 1).await);
    let seqs: Vec<u64> = got.iter().map(|(id, _)| *id).collect();
    assert_eq!(seqs, vec![6, 7, 8]);
    assert_eq!(got[2].1["event"]["id"], event_id(8));
    assert_eq!(got[2].1["seq"], 8);
    drop(stream);
    // Resuming with Last-Event-ID continues after it (the slot is free again once the
    // first stream is gone; give the server a moment to notice).
    let mut resumed = None;
    for _ in 0..50 {
        let r = get(&client, server.url("/v1/events/stream"), &c.auditor)
            .header("last-event-id", "7")
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            resumed = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = read_sse(resumed.as_mut().unwrap(), 1).await;
    assert_eq!(got[0].0, 8);
}

/// Reads `n` SSE messages (skipping keep-alive comments): (id, data).
async fn read_sse(resp: &mut reqwest::Response, n: usize) -> Vec<(u64, Value)> {
    let mut buf = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an SSE message within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let message: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            for line in message.lines() {
                if let Some(v) = line
                    .strip_prefix("id: ")
                    .or_else(|| line.strip_prefix("id:"))
                {
                    id = Some(v.trim().parse().unwrap());
                }
                if let Some(v) = line
                    .strip_prefix("data: ")
                    .or_else(|| line.strip_prefix("data:"))
                {
                    data = Some(serde_json::from_str(v).unwrap());
                }
            }
            if let (Some(id), Some(data)) = (id, data) {
                out.push((id, data));
            }
        }
    }
    out
}

/// Sends the head of a POST by hand and leaves the body unfinished: the request is in
/// progress (holding its slot) until the rest comes.
fn slow_post(addr: &str, token: &str, body: &str, sent: usize) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..sent]
    )
    .unwrap();
    s.flush().unwrap();
    s
}

/// A stalled POST that the server has taken in (not refused at once: another request may
/// have held the slot when it arrived).
fn hold_slot(addr: &str, token: &str, body: &str) -> TcpStream {
    for _ in 0..50 {
        let s = slow_post(addr, token, body, 10);
        std::thread::sleep(Duration::from_millis(200));
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut byte = [0u8; 1];
        match s.peek(&mut byte) {
            Ok(_) => continue, // answered already: refused
            Err(_) => {
                s.set_read_timeout(None).unwrap();
                return s;
            }
        }
    }
    panic!("the server never took in the stalled request");
}

fn read_response(mut s: TcpStream) -> (u16, Value) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_is_answered_with_a_stable_code() {
    let c = creds(
        "[limits]\nmax_body_bytes = 2048\nmax_events_per_request = 2\nrequest_timeout_ms = 4000\nmax_concurrent_requests = 1\n",
    );
    let (_tmp, _db, server, client) = served(Some(&c.config));
    let (s, b) = append_as(
        &client,
        &server,
        &c.recorder,
        &[open_line(1, "A"), open_line(2, "B"), open_line(3, "C")],
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["limit"].as_u64()),
        (413, Some("too_many_events"), Some(2))
    );
    let big = format!("[{}]", " ".repeat(3000));
    let (s, b) = json(
        post(&client, server.url("/v1/events"), &c.recorder, big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    // Without a Content-Length (chunked), the limit holds all the same.
    let addr = server.addr.clone();
    let token = c.recorder.clone();
    let (s, b) = tokio::task::spawn_blocking(move || {
        let mut t = TcpStream::connect(&addr).unwrap();
        write!(t, "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap();
        for _ in 0..5 {
            // The server may answer and close before the last chunk: ignore write errors.
            let _ = write!(t, "3e8\r\n{}\r\n", " ".repeat(1000));
        }
        let _ = write!(t, "0\r\n\r\n");
        read_response(t)
    })
    .await
    .unwrap();
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    // A request in progress holds the only slot: another is refused at once, not queued.
    let body = array(&[open_line(4, "D")]);
    let addr = server.addr.clone();
    let token = c.recorder.clone();
    let held = tokio::task::spawn_blocking({
        let (addr, token, body) = (addr.clone(), token.clone(), body.clone());
        move || hold_slot(&addr, &token, &body)
    })
    .await
    .unwrap();
    let mut r = None;
    for _ in 0..40 {
        let resp = get(&client, server.url("/v1/events"), &c.auditor)
            .send()
            .await
            .unwrap();
        if resp.status() == 503 {
            r = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = r.unwrap_or_else(|| {
        panic!(
            "a second request is refused while the first holds the only slot; log:\n{}",
            server.logs()
        )
    });
    assert_eq!(
        r.headers().get("retry-after").map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let (s, b) = json(r).await;
    assert_eq!((s, b["error"]["code"].as_str()), (503, Some("overloaded")));
    // The stalled request times out; its append was never made.
    let (s, b) = tokio::task::spawn_blocking(move || read_response(held))
        .await
        .unwrap();
    assert_eq!((s, b["error"]["code"].as_str()), (503, Some("timeout")));
    let (s, p) = json(
        get(&client, server.url("/v1/events"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, p["head_seq"].as_u64()), (200, Some(0)));
    // Health probes are outside the request limits: they answer while the slot is taken.
    let held = tokio::task::spawn_blocking(move || hold_slot(&addr, &token, &body))
        .await
        .unwrap();
    let (s, _) = json(
        get(
            &client,
            server.url("/v1/balances?as_of=2025-01-01"),
            &c.auditor,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 503);
    assert_eq!(
        client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(held);
}

#[test]
fn the_server_refuses_to_listen_beyond_loopback_without_credentials() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without credentials"), "{err}");
    assert!(out.stdout.is_empty());
    // With credentials it listens there.
    let (_, entry) = credential("a", "admin");
    let mut server = Server::start_with(&db, Some(&entry), &["--listen", "0.0.0.0:0"]).unwrap();
    assert!(
        server.base.starts_with("http://0.0.0.0:"),
        "{}",
        server.base
    );
    assert_eq!(server.sigterm().code(), Some(0));
    // A bad config file is a usage error naming the problem.
    let err = Server::start_with(&db, Some("[limits]\nmax_page = 0\n"), &[])
        .err()
        .unwrap();
    assert!(err.contains("max_page"), "{err}");
}

#[test]
fn token_hash_and_token_new_make_working_credentials() {
    let mut child = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["token", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"abc\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
    );
    let (token, entry) = credential("clerk-9", "auditor");
    let config = socai::server::config::Config::parse(&entry).unwrap();
    assert_eq!(config.credentials[0].name, "clerk-9");
    assert_eq!(
        config.credentials[0].token_sha256,
        socai::server::config::token_sha256(&token)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_progress_then_exits_0() {
    let c = creds("");
    let (_tmp, db, mut server, client) = served(Some(&c.config));
    let body = array(&[open_line(1, "A"), money(2, "allocate", "A", 7)]);
    let held = slow_post(&server.addr, &c.recorder, &body, 20);
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigterm(server.pid());
    // No new connections are taken once the signal is in…
    let mut refused = false;
    for _ in 0..100 {
        let probe = reqwest::Client::new()
            .get(server.url("/healthz"))
            .timeout(Duration::from_millis(500))
            .send()
            .await;
        if probe.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        refused,
        "the server still accepts connections after SIGTERM"
    );
    // …but the request in progress is finished and answered: durable.
    let mut held = held;
    held.write_all(&body.as_bytes()[20..]).unwrap();
    let (s, b) = tokio::task::spawn_blocking(move || read_response(held))
        .await
        .unwrap();
    assert_eq!((s, b["seqs"].clone()), (200, json!([1, 2])), "{b}");
    let status = server.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", server.logs());
    assert!(server.logs().contains("store closed"));
    // The acknowledged batch is there after a restart.
    let server = Server::start(&db, Some(&c.config));
    let (_, p) = json(
        get(&client, server.url("/v1/events"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p["head_seq"], 2);
}

/// With room for one waiting append, a burst of concurrent appends finds the queue full:
/// those are refused with 503 `queue_full` and never written; the others are durable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_append_queue_is_refused_and_nothing_of_it_is_written() {
    let c = creds("[limits]\nappend_queue = 1\n");
    let (_tmp, _db, server, client) = served(Some(&c.config));
    let (s, _) = append_as(&client, &server, &c.recorder, &[open_line(1, "A")]).await;
    assert_eq!(s, 200);
    let mut refused = Vec::new();
    let mut acked = Vec::new();
    let mut n = 100;
    for _round in 0..10 {
        let mut tasks = Vec::new();
        for _ in 0..32 {
            n += 1;
            let req = post(
                &client,
                server.url("/v1/events"),
                &c.recorder,
                array(&[money(n, "allocate", "A", 1)]),
            );
            tasks.push(tokio::spawn(async move {
                (n, json(req.send().await.unwrap()).await)
            }));
        }
        for t in tasks {
            let (id, (status, body)) = t.await.unwrap();
            match status {
                200 => acked.push(event_id(id)),
                503 => {
                    assert_eq!(body["error"]["code"], "queue_full", "{body}");
                    refused.push(event_id(id));
                }
                other => panic!("{other}: {body}"),
            }
        }
        if !refused.is_empty() {
            break;
        }
    }
    assert!(
        !refused.is_empty(),
        "32 concurrent appends never filled a queue of 1"
    );
    let (_, page) = json(
        get(&client, server.url("/v1/events?limit=1000"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let logged: BTreeSet<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(acked.iter().all(|id| logged.contains(id)));
    assert!(refused.iter().all(|id| !logged.contains(id)));
    assert_eq!(logged.len(), acked.len() + 1);
}

/// What the CLI prints by default (no language set), as the server answers by default.
fn cli(db: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(BIN)
        .env_remove("SOCAI_LANG")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The reports of issue 3 over HTTP: the same bytes the CLI prints on the same store, in
/// every format, chosen by parameter or by Accept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_over_http_are_what_the_cli_prints_on_the_same_store() {
    let c = creds("");
    let (_tmp, db, mut server, client) = served(Some(&c.config));
    let (s, _) = json(
        post(&client, server.url("/v1/events"), &c.recorder, FIXTURE)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let fetch = |query: String, accept: Option<&'static str>| {
        let mut b = get(&client, server.url(&query), &c.auditor);
        if let Some(a) = accept {
            b = b.header("accept", a);
        }
        async move {
            let r = b.send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let cd = r
                .headers()
                .get("content-disposition")
                .map(|v| v.to_str().unwrap().to_string());
            (status, ct, cd, r.bytes().await.unwrap().to_vec())
        }
    };
    let base = "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025";
    let mut got = Vec::new();
    for (format, accept, extra, media) in [
        ("text", None, "", "text/plain"),
        ("md", None, "", "text/markdown"),
        ("html", None, "", "text/html"),
        ("csv", None, "", "text/csv"),
        ("json", None, "", "application/json"),
        ("text", None, "&lang=en&unit=ty", "text/plain"),
        ("md", Some("text/markdown"), "", "text/markdown"),
    ] {
        let query = if accept.is_some() {
            base.to_string()
        } else {
            format!("{base}&format={format}{extra}")
        };
        let (s, ct, _, body) = fetch(query, accept).await;
        assert_eq!(s, 200, "{format}");
        assert!(ct.unwrap().starts_with(media), "{format}");
        got.push((format, extra, body));
    }
    let (s, ct, cd, xlsx) = fetch(format!("{base}&format=xlsx"), None).await;
    assert_eq!(s, 200);
    assert_eq!(
        ct.unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(cd.unwrap().starts_with("attachment;"));
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    // The settlement of 2024 (issue 12): the same use case as `socai settlement`.
    let settlement_q = "/v1/reports/settlement?plan_year=2024&as_of=2025-12-31";
    let mut settlements = Vec::new();
    for format in ["json", "text", "csv"] {
        let (s, _, _, body) = fetch(format!("{settlement_q}&format={format}"), None).await;
        assert_eq!(s, 200, "settlement {format}");
        settlements.push((format, body));
    }
    let (s, _, cd, xlsx) = fetch(format!("{settlement_q}&format=xlsx"), None).await;
    assert_eq!(s, 200);
    assert!(cd.unwrap().starts_with("attachment;"));
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    let diff_q = "/v1/reports/diff?as_of=2025-11-20&known_at=100&vs=277&plan_year=2025";
    let (s, _, _, diff_json) = fetch(diff_q.to_string(), None).await;
    assert_eq!(s, 200);
    let (s, _, _, diff_text) = fetch(format!("{diff_q}&format=text"), None).await;
    assert_eq!(s, 200);
    // Knowledge points as moments, read as the CLI reads them.
    let (s, _, _, early) = fetch(
        "/v1/balances?as_of=2025-11-20&known_at=2001-01-01T00:00:00Z".to_string(),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let early: Value = serde_json::from_slice(&early).unwrap();
    assert_eq!(early["known_at"], 0);
    for bad in ["2999-01-01T00:00:00Z", "yesterday"] {
        let (s, _, _, body) = fetch(
            format!("/v1/balances?as_of=2025-11-20&known_at={bad}"),
            None,
        )
        .await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (s, body["error"]["code"].as_str()),
            (400, Some("invalid_parameter")),
            "{bad}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("known_at")
        );
    }
    for (q, code) in [
        (format!("{base}&lang=fr"), "invalid_parameter"),
        (
            "/v1/reports/diff?as_of=2025-11-20&known_at=1".to_string(),
            "invalid_parameter",
        ),
        (
            "/v1/reports/section-ii?as_of=2025-11-20".to_string(),
            "invalid_parameter",
        ),
    ] {
        let (s, _, _, body) = fetch(q.clone(), None).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (s, body["error"]["code"].as_str()),
            (400, Some(code)),
            "{q}"
        );
    }
    // Stop the server; the CLI may then open the same store and must print the same.
    assert_eq!(server.sigterm().code(), Some(0));
    for (format, extra, body) in got {
        let mut args = vec![
            "report",
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
            "--format",
            format,
        ];
        if !extra.is_empty() {
            args.extend(["--lang", "en", "--unit", "ty"]);
        }
        let want = cli(&db, &args);
        if format == "json" {
            let a: Value = serde_json::from_slice(&body).unwrap();
            let b: Value = serde_json::from_slice(&want).unwrap();
            assert_eq!(a, b);
        } else {
            assert_eq!(
                String::from_utf8(body).unwrap(),
                String::from_utf8(want).unwrap(),
                "{format}{extra}"
            );
        }
    }
    for (format, body) in settlements {
        let args = [
            "settlement",
            "--plan-year",
            "2024",
            "--as-of",
            "2025-12-31",
            "--format",
            format,
        ];
        let want = cli(&db, &args);
        if format == "json" {
            let a: Value = serde_json::from_slice(&body).unwrap();
            let b: Value = serde_json::from_slice(&want).unwrap();
            assert_eq!(a, b);
            // The identity holds on every row the server sent.
            let n = |v: &Value, k: &str| v[k].as_str().unwrap().parse::<i128>().unwrap();
            let total = &a["total"];
            assert_eq!(
                n(total, "plan"),
                n(total, "disbursed")
                    + n(total, "carried_out")
                    + n(total, "lapsed")
                    + n(total, "unspent")
            );
            assert!(n(total, "carried_out") > 0 && n(total, "lapsed") > 0);
        } else {
            assert_eq!(
                String::from_utf8(body).unwrap(),
                String::from_utf8(want).unwrap(),
                "settlement {format}"
            );
        }
    }
    let diff_args = [
        "diff",
        "--as-of",
        "2025-11-20",
        "--known-at",
        "100",
        "--vs",
        "277",
        "--plan-year",
        "2025",
    ];
    assert_eq!(
        String::from_utf8(diff_text).unwrap(),
        String::from_utf8(cli(&db, &diff_args)).unwrap()
    );
    let mut json_args = diff_args.to_vec();
    json_args.push("--json");
    let a: Value = serde_json::from_slice(&diff_json).unwrap();
    let b: Value = serde_json::from_slice(&cli(&db, &json_args)).unwrap();
    assert_eq!(a, b);
    assert!(!a.as_object().unwrap().is_empty());
}

/// Idle connections cannot pile up: beyond `max_connections` the server stops accepting
/// until one closes, then serves the waiting client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_connections_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let c = creds("[limits]\nmax_connections = 1\n");
    let server = Server::start(&tmp.path().join("db"), Some(&c.config));
    let idle = TcpStream::connect(&server.addr).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = reqwest::Client::new()
        .get(server.url("/healthz"))
        .timeout(Duration::from_millis(700))
        .send()
        .await;
    assert!(waiting.is_err(), "served beyond max_connections");
    drop(idle);
    let mut served = false;
    for _ in 0..50 {
        let r = reqwest::Client::new()
            .get(server.url("/healthz"))
            .timeout(Duration::from_millis(700))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            served = true;
            break;
        }
    }
    assert!(served, "a slot freed by a closed connection is used again");
}

/// An open event stream does not keep a stopping server alive: it ends, and the server exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_open_event_streams() {
    let c = creds("");
    let (_tmp, _db, mut server, client) = served(Some(&c.config));
    let (s, _) = append_as(&client, &server, &c.recorder, &[open_line(1, "A")]).await;
    assert_eq!(s, 200);
    let mut stream = get(&client, server.url("/v1/events/stream"), &c.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(read_sse(&mut stream, 1).await[0].0, 1);
    sigterm(server.pid());
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream did not end after SIGTERM");
    let status = tokio::task::spawn_blocking(move || server.wait(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// A backup of a live server: taken between two group commits while appends keep arriving,
/// it is the log as of one sequence, verifies on its own against the head it reports, and
/// restores to the figures the server gave for that sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_backs_up_a_verified_copy_between_group_commits() {
    let c = creds("");
    let (tmp, _db, server, client) = served(Some(&c.config));
    let r = post(&client, server.url("/v1/events"), &c.recorder, FIXTURE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Appends keep coming while the backup is taken.
    let writer = {
        let client = client.clone();
        let url = server.url("/v1/events");
        let token = c.recorder.clone();
        tokio::spawn(async move {
            let mut acked = 0;
            for n in 0..40u64 {
                let e = money(1000 + n, "allocate", "2025/GNBV/SN/DA2/NSTW", 1_000 + n);
                let r = post(&client, url.clone(), &token, array(&[e]))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                acked += 1;
            }
            acked
        })
    };
    let dest = tmp.path().join("backup");
    let (s, b) = json(
        post(
            &client,
            server.url("/v1/admin/backup"),
            &c.admin,
            json!({ "dir": dest }).to_string(),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(writer.await.unwrap(), 40);
    let seq = b["head_seq"].as_u64().unwrap();
    assert!((277..=317).contains(&seq), "{b}");
    // The copy proves itself against the head the server reported.
    let expect = b["expect_head"].as_str().unwrap();
    let verified = String::from_utf8(cli(&dest, &["verify", "--expect-head", expect])).unwrap();
    assert!(
        verified.starts_with(&format!("đúng: {seq} sự kiện")),
        "{verified}"
    );
    // Restored, it gives the figures the live server gives for that knowledge point.
    let from_server = get(
        &client,
        server.url(&format!("/v1/balances?as_of=2025-12-31&known_at={seq}")),
        &c.auditor,
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let from_copy = cli(&dest, &["balance", "--as-of", "2025-12-31", "--json"]);
    let a: Value = serde_json::from_str(&from_server).unwrap();
    let b2: Value = serde_json::from_slice(&from_copy).unwrap();
    assert_eq!(a, b2);
    // A second backup into the same directory is refused, and nothing there is touched.
    let (s, b) = json(
        post(
            &client,
            server.url("/v1/admin/backup"),
            &c.admin,
            json!({ "dir": dest }).to_string(),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("backup_failed")),
        "{b}"
    );
    let (s, b) = json(
        post(
            &client,
            server.url("/v1/admin/backup"),
            &c.admin,
            r#"{"dir": "relative/path"}"#,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("malformed")),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_verification_makes_the_server_unready_and_refuse_appends() {
    let c = creds("");
    let (_tmp, db, server, client) = served(Some(&c.config));
    let (s, _) = append_as(
        &client,
        &server,
        &c.recorder,
        &[open_line(1, "A"), money(2, "allocate", "A", 5)],
    )
    .await;
    assert_eq!(s, 200);
    // The acknowledged head no longer matches what is on disk (here: its HEAD record).
    let zero = "00".repeat(32);
    std::fs::write(db.join("HEAD"), format!("socai-head 1\n2\n{zero}\n")).unwrap();
    let (s, v) = json(
        get(&client, server.url("/v1/verify"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 500, "{v}");
    assert_eq!(v["error"]["code"], "integrity_failure", "{v}");
    assert_eq!(v["error"]["seq"], 2, "{v}");
    // From then on the server says it is not ready and takes no more appends.
    let (s, v) = json(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("not_ready")),
        "{v}"
    );
    let (s, v) = append_as(
        &client,
        &server,
        &c.recorder,
        &[money(3, "allocate", "A", 7)],
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{v}"
    );
    let (_, page) = json(
        get(&client, server.url("/v1/events?limit=10"), &c.auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["events"].as_array().unwrap().len(), 2, "{page}");
}
