//! `socai serve --units DIR`: a province server serves each unit store under DIR at
//! `/v1/units/{unit}/…`; credentials scoped to units reach only theirs (403 `unit_forbidden`
//! across units), appends land in their unit's store, a province auditor reads every unit,
//! and a replica under DIR is served read-only.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// A config entry (from `socai token new`) limited to `units`.
fn scoped(name: &str, role: &str, units: &[&str]) -> (String, String) {
    let (token, entry) = credential(name, role);
    let list: Vec<String> = units.iter().map(|u| format!("{u:?}")).collect();
    (token, format!("{entry}units = [{}]\n", list.join(", ")))
}

fn init(db: &Path, code: &str, name: &str) {
    let out = socai(db, &["init", "--unit", code, "--name", name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Starts `socai serve --units DIR` (config written beside DIR).
fn start_province(dir: &Path, config: Option<&str>) -> Result<Server, String> {
    Server::start_with(
        dir,
        config,
        &["--units", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"],
    )
}

fn province(dir: &Path, config: &str) -> Server {
    start_province(dir, Some(config)).unwrap_or_else(|e| panic!("{e}"))
}

struct Tokens {
    lp_clerk: String,
    ht_clerk: String,
    lp_auditor: String,
    auditor: String,
    admin: String,
}

fn config() -> (Tokens, String) {
    let (lp_clerk, a) = scoped("clerk-lp", "recorder", &["LP-01"]);
    let (ht_clerk, b) = scoped("clerk-ht", "recorder", &["HT-02"]);
    let (lp_auditor, c) = scoped("audit-lp", "auditor", &["LP-01"]);
    let (auditor, d) = credential("audit-province", "auditor");
    let (admin, e) = credential("admin-province", "admin");
    let tokens = Tokens {
        lp_clerk,
        ht_clerk,
        lp_auditor,
        auditor,
        admin,
    };
    (tokens, format!("{a}\n{b}\n{c}\n{d}\n{e}\n"))
}

/// Two communes' stores and a replica of a third (taken from its own server) under one DIR.
fn units_dir(tmp: &Path) -> PathBuf {
    let dir = tmp.join("units");
    init(&dir.join("LP-01"), "LP-01", "Xã Lùng Phình");
    init(&dir.join("HT-02"), "HT-02", "Xã Hồ Thầu");
    let own = tmp.join("own").join("TS-03");
    init(&own, "TS-03", "Xã Tả Sử Choóng");
    let (token, entry) = credential("reader", "auditor");
    let mut server = Server::start(&own, Some(&entry));
    let out = Command::new(BIN)
        .args([
            "replicate",
            "--from",
            &server.base,
            "--token",
            &token,
            "--to",
        ])
        .arg(dir.join("TS-03"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.sigterm();
    dir
}

/// POST {unit URL}/events: the events as one JSON array.
fn append(
    c: &reqwest::Client,
    unit: &str,
    token: &str,
    events: &[Value],
) -> reqwest::RequestBuilder {
    post(
        c,
        format!("{unit}/events"),
        token,
        Value::Array(events.to_vec()).to_string(),
    )
}

async fn status_code(resp: reqwest::Response) -> (u16, String) {
    let (status, body) = json(resp).await;
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

async fn events_of(c: &reqwest::Client, server: &Server, unit: &str, token: &str) -> Vec<Value> {
    let resp = c
        .get(server.url(&format!("/v1/units/{unit}/events?after=0")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    body["events"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unit_scoped_credentials_reach_their_unit_only_and_appends_land_in_its_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = units_dir(tmp.path());
    let (t, config) = config();
    let mut server = province(&dir, &config);
    let c = client();
    let lp = format!("{}/v1/units/LP-01", server.base);
    let ht = format!("{}/v1/units/HT-02", server.base);
    let batch = |n: u64| {
        vec![
            open_line(n, "L1"),
            money(n + 1, "allocate", "L1", 5_000_000),
        ]
    };

    // Within its unit: 200. Across units: 403 unit_forbidden, to append and to read.
    let resp = append(&c, &lp, &t.lp_clerk, &batch(1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = append(&c, &ht, &t.lp_clerk, &batch(10))
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (403, "unit_forbidden".into()));
    for token in [&t.lp_clerk, &t.lp_auditor] {
        let resp = c
            .get(format!("{ht}/events?after=0"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(status_code(resp).await, (403, "unit_forbidden".into()));
    }
    let resp = append(&c, &ht, &t.ht_clerk, &[open_line(20, "H1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // Appends landed in their own stores; the province auditor reads every unit.
    assert_eq!(
        events_of(&c, &server, "LP-01", &t.lp_auditor).await.len(),
        2
    );
    assert_eq!(events_of(&c, &server, "LP-01", &t.auditor).await.len(), 2);
    let ht_events = events_of(&c, &server, "HT-02", &t.auditor).await;
    assert_eq!(ht_events.len(), 1);
    assert_eq!(ht_events[0]["event"]["line"], "H1");
    assert_eq!(ht_events[0]["event"]["actor"], "clerk-ht");
    // An auditor appends nowhere, scoped or not.
    let resp = append(&c, &lp, &t.auditor, &batch(30))
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (403, "forbidden".into()));

    // The list of units keeps to those a credential reaches.
    let codes = |body: &Value| -> Vec<String> {
        body["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["unit"]["code"].as_str().unwrap().to_string())
            .collect()
    };
    let resp = c
        .get(server.url("/v1/units"))
        .bearer_auth(&t.lp_clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(codes(&json(resp).await.1), ["LP-01"]);
    let resp = c
        .get(server.url("/v1/units"))
        .bearer_auth(&t.auditor)
        .send()
        .await
        .unwrap();
    let (_, all) = json(resp).await;
    assert_eq!(codes(&all), ["HT-02", "LP-01", "TS-03"]);
    assert_eq!(all["units"][1]["head_seq"], 2);
    assert!(all["units"][2]["replica_of"].is_string(), "{all}");

    // Unknown units and missing credentials.
    let resp = c
        .get(server.url("/v1/units/XX-99/events"))
        .bearer_auth(&t.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (404, "unknown_unit".into()));
    let resp = c.get(format!("{lp}/events")).send().await.unwrap();
    assert_eq!(status_code(resp).await, (401, "unauthorized".into()));

    // The single store's guards hold per unit: a cross-site append is refused.
    let resp = append(&c, &lp, &t.lp_clerk, &batch(40))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (403, "cross_site".into()));

    // The replica is served read-only.
    let ts = format!("{}/v1/units/TS-03", server.base);
    let resp = append(&c, &ts, &t.admin, &batch(50)).send().await.unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("replica_read_only"), "{body}");
    let resp = c
        .get(format!("{ts}/unit"))
        .bearer_auth(&t.auditor)
        .send()
        .await
        .unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(
        (status, body["unit"]["code"].as_str()),
        (200, Some("TS-03"))
    );

    let resp = c.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    server.sigterm();
    // On disk: each store holds its own unit's events and verifies.
    for (unit, lines) in [("LP-01", vec!["L1", "L1"]), ("HT-02", vec!["H1"])] {
        let db = dir.join(unit);
        assert!(socai(&db, &["verify"]).status.success());
        let out = socai(&db, &["export"]);
        let exported: Vec<String> = text(&out.stdout)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["line"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(exported, lines, "{unit}");
    }
}

#[test]
fn a_units_dir_with_a_store_without_a_unit_or_twice_the_same_unit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("units");
    init(&dir.join("LP-01"), "LP-01", "Xã Lùng Phình");
    init(&dir.join("LP-01-copy"), "LP-01", "Xã Lùng Phình");
    let err = start_province(&dir, None).err().expect("refused");
    // The server's own refusal, in the default language (Vietnamese).
    assert!(err.contains("kho thứ hai của đơn vị LP-01"), "{err}");
    std::fs::remove_dir_all(dir.join("LP-01-copy")).unwrap();
    // A store made before units existed.
    let file = tmp.path().join("one.jsonl");
    std::fs::write(&file, open_line(1, "L1").to_string() + "\n").unwrap();
    import(&dir.join("plain"), &file);
    let err = start_province(&dir, None).err().expect("refused");
    assert!(err.contains("chưa có đơn vị"), "{err}");
}

/// The province server's consolidated report equals `socai consolidate` over the same
/// folder, and the command in its provenance prints the very same bytes from the stores
/// after more events arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consolidated_report_is_reproduced_byte_for_byte_by_its_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("units");
    assert!(socai(&dir.join("a"), &["demo"]).status.success());
    init(&dir.join("b"), "B-02", "Xã B");
    let fixture = std::fs::read_to_string(lung_phinh_events()).unwrap();
    let half = tmp.path().join("half.jsonl");
    let lines: Vec<&str> = fixture.lines().take(150).collect();
    std::fs::write(&half, lines.join("\n") + "\n").unwrap();
    import(&dir.join("b"), &half);
    let (t, config) = config();
    let mut server = province(&dir, &config);
    let c = client();
    let url = |format: &str| {
        server.url(&format!(
            "/v1/reports/consolidated?plan_year=2025&as_of=2025-11-20&format={format}"
        ))
    };
    let mut answers = Vec::new();
    for format in ["json", "text"] {
        let resp = c
            .get(url(format))
            .bearer_auth(&t.auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        answers.push(resp.bytes().await.unwrap().to_vec());
    }
    // The other views and formats, as the command writes them (xlsx a download).
    let mut others = Vec::new();
    for (format, view, extra) in [
        ("md", "section-ii", ""),
        ("xlsx", "section-ii", ""),
        ("json", "settlement", ""),
        ("csv", "settlement", ""),
        ("csv", "settlement", "&csv_dialect=plain"),
        ("xlsx", "settlement", ""),
    ] {
        let resp = c
            .get(format!("{}&view={view}{extra}", url(format)))
            .bearer_auth(&t.auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{format} {view}");
        let attachment = resp.headers().get("content-disposition").is_some();
        assert_eq!(attachment, format == "xlsx", "{format} {view}");
        others.push((format, resp.bytes().await.unwrap().to_vec()));
    }
    let resp = c
        .get(format!("{}&view=annex", url("json")))
        .bearer_auth(&t.auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (400, "invalid_parameter".into()));
    // A commune's credential does not see the province's consolidation.
    let resp = c
        .get(url("json"))
        .bearer_auth(&t.lp_clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(status_code(resp).await, (403, "unit_forbidden".into()));
    // More events in B, through the server, after the report was taken.
    let b = format!("{}/v1/units/B-02", server.base);
    let more: Vec<Value> = fixture
        .lines()
        .skip(150)
        .take(40)
        .map(|l| {
            let mut e: Value = serde_json::from_str(l).unwrap();
            e.as_object_mut().unwrap().remove("actor");
            e
        })
        .collect();
    let resp = append(&c, &b, &t.admin, &more).send().await.unwrap();
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    // One unit of a province server is a replication source of its own.
    let replica = tmp.path().join("replica-b");
    let out = Command::new(BIN)
        .args(["replicate", "--from", &b, "--token", &t.auditor, "--to"])
        .arg(&replica)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.sigterm();
    let head = |db: &Path| std::fs::read_to_string(db.join("HEAD")).unwrap();
    assert_eq!(head(&replica), head(&dir.join("b")));
    assert!(socai(&replica, &["verify"]).status.success());
    assert_eq!(
        socai(&replica, &["export"]).stdout,
        socai(&dir.join("b"), &["export"]).stdout
    );

    let v: Value = serde_json::from_slice(&answers[0]).unwrap();
    assert_eq!(v["units"][0]["code"], "DEMO-LUNGPHINH");
    assert_eq!(v["provenance"]["units"][1]["known_at"], 150);
    let text_command = text(&answers[1])
        .lines()
        .find_map(|l| l.trim().strip_prefix("Lệnh tái lập: ").map(str::to_string))
        .unwrap();
    for (answer, command) in [
        (
            &answers[0],
            v["provenance"]["command"].as_str().unwrap().to_string(),
        ),
        (&answers[1], text_command),
    ] {
        let words: Vec<&str> = command.split(' ').skip(1).collect();
        let out = Command::new(BIN).args(&words).output().unwrap();
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), text(answer), "{command}");
        // Without its pins the same command counts the events appended since.
        let unpinned: Vec<&str> = words
            .iter()
            .copied()
            .take_while(|w| *w != "--pin")
            .collect();
        let out = Command::new(BIN).args(&unpinned).output().unwrap();
        assert_ne!(text(&out.stdout), text(answer), "{command}");
    }
    for (format, answer) in &others {
        let command = consolidation_command(answer, format);
        let words: Vec<&str> = command.split(' ').skip(1).collect();
        let out = Command::new(BIN).args(&words).output().unwrap();
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        assert!(out.stdout == *answer, "{command}: not the same bytes");
    }
}
