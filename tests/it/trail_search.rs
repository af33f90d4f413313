//! Issue 14, "Trail, search and duplicates": `socai events` and `GET /v1/events` filters, the
//! export CSV's added columns, and likely duplicate vouchers (accepted, warned about by
//! `import` and the API, listed by the report).

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

/// The plan-2025 seed store (36 events; UNC-2025-008 keyed twice, then reversed at seq 36).
fn seed(tmp: &Path) -> PathBuf {
    let db = tmp.join("db");
    for file in ["plan-2025/plan.xlsx", "plan-2025/disbursements.jsonl"] {
        import(&db, &fixture(file));
    }
    db
}

fn events_json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["events", "--json"];
    all.extend_from_slice(args);
    let o = socai(db, &all);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn seqs(page: &Value) -> Vec<u64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

#[test]
fn events_finds_by_document_payee_line_dates_and_type_in_bounded_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let db = seed(tmp.path());
    // The document filter ignores case and matches part of the number.
    let page = events_json(&db, &["--document", "unc-2025-008"]);
    assert_eq!(seqs(&page), [24, 25]);
    assert_eq!(page["head_seq"], 36);
    assert_eq!(page["next_after"], 36);
    assert_eq!(
        page["events"][0]["event"]["payee"],
        "HTX Xây dựng Lùng Phình"
    );
    // The reversal that cancels the duplicate carries its own document.
    assert_eq!(seqs(&events_json(&db, &["--type", "reverse"])), [36]);
    // Payee, line and dates combine (AND).
    let page = events_json(
        &db,
        &[
            "--payee",
            "lùng phình",
            "--line",
            "2025/DTTS/DT/CT02",
            "--from",
            "2025-07-01",
            "--to",
            "2025-12-31",
        ],
    );
    for e in page["events"].as_array().unwrap() {
        let ev = &e["event"];
        assert_eq!(ev["line"], "2025/DTTS/DT/CT02");
        assert!(ev["effective_date"].as_str().unwrap() >= "2025-07-01");
        assert!(ev["payee"].as_str().unwrap().contains("Lùng Phình"));
    }
    assert!(!seqs(&page).is_empty());
    assert!(
        !seqs(&page).contains(&24),
        "effective 2025-06-30, before --from"
    );
    // Bounded pages that continue where the last one stopped.
    let first = events_json(&db, &["--type", "disburse", "--limit", "3"]);
    assert_eq!(seqs(&first).len(), 3);
    let next = first["next_after"].as_u64().unwrap();
    assert_eq!(next, *seqs(&first).last().unwrap());
    let after = next.to_string();
    let second = events_json(
        &db,
        &["--type", "disburse", "--limit", "3", "--after", &after],
    );
    assert!(seqs(&second).iter().all(|s| *s > next));
    // People read Vietnamese (the default; the tests' environment asks for English):
    // types, dates, đồng.
    let o = socai(
        &db,
        &["--lang", "vi", "events", "--document", "UNC-2025-008"],
    );
    let out = text(&o.stdout);
    assert!(out.contains("giải ngân"), "{out}");
    assert!(out.contains("594.000.000"), "{out}");
    assert!(
        out.contains("chứng từ UNC-2025-008 ngày 30/06/2025"),
        "{out}"
    );
    assert!(
        out.contains("đơn vị nhận: HTX Xây dựng Lùng Phình"),
        "{out}"
    );
    // With --lang en: the stable type names, ISO dates, en grouping.
    let o = socai(
        &db,
        &["--lang", "en", "events", "--document", "UNC-2025-008"],
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("disburse") && out.contains("594,000,000"),
        "{out}"
    );
    assert!(out.contains("document UNC-2025-008 of 2025-06-30"), "{out}");
    assert!(!out.contains("giải ngân"), "{out}");
    // Refusals name what was wrong.
    let o = socai(&db, &["events", "--type", "payment"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown event type \"payment\""));
    let o = socai(&db, &["events", "--limit", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

#[test]
fn export_csv_appends_payee_note_actor_program_capital_and_plan_year() {
    let tmp = tempfile::tempdir().unwrap();
    let db = seed(tmp.path());
    let o = socai(&db, &["export", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    let head: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    // The old columns keep their places; the new ones come at the end.
    assert_eq!(head[..2], ["seq", "id"]);
    assert_eq!(head[15], "recovered_after_close_delta");
    assert_eq!(
        head[16..22],
        ["payee", "note", "actor", "program", "capital", "plan_year"]
    );
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let dup = rows
        .iter()
        .find(|r| &r[col("id")] == "7e5a2025-0000-4000-8000-000000000009")
        .unwrap();
    assert_eq!(&dup[col("payee")], "HTX Xây dựng Lùng Phình");
    assert_eq!(&dup[col("note")], "nhập trùng chứng từ UNC-2025-008");
    assert_eq!(&dup[col("actor")], "ke-toan-xa");
    assert_eq!(&dup[col("capital")], "investment");
    assert_eq!(&dup[col("plan_year")], "2025");
    assert!(!dup[col("program")].is_empty());
}

fn voucher(n: u64, amount: &str) -> String {
    json!({"id": event_id(n), "type": "disburse", "effective_date": "2025-12-01",
        "line": "2025/DTTS/DT/CT01", "amount": amount, "payee": "Công ty <b>Sín Chải</b>",
        "document": {"number": "UNC-2025-030", "date": "2025-12-01"}})
    .to_string()
}

#[test]
fn a_voucher_recorded_twice_is_accepted_warned_about_and_listed_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let db = seed(tmp.path());
    let file = tmp.path().join("dec.jsonl");
    std::fs::write(&file, voucher(901, "10000000") + "\n").unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!text(&o.stderr).contains("likely_duplicate"));
    // The same voucher again, under another id: accepted, with a warning naming both.
    std::fs::write(&file, voucher(902, "10000000") + "\n").unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("appended 1 events (sequences 38–38)"));
    let warning = text(&o.stderr);
    assert!(
        warning.contains("warning: likely_duplicate: sequence 38")
            && warning.contains("document UNC-2025-030 of 2025-12-01")
            && warning.contains("10.000.000 đồng")
            && warning.contains("already counted at sequence 37"),
        "{warning}"
    );
    // Another amount on the same number is not the same voucher.
    std::fs::write(&file, voucher(903, "20000000") + "\n").unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert!(!text(&o.stderr).contains("likely_duplicate"));
    // The report lists it as of a date on which both count, not before.
    // The report's section in the default language (Vietnamese).
    let report = |as_of: &str, format: &str| {
        let o = socai_default(
            &db,
            &[
                "report",
                "--as-of",
                as_of,
                "--plan-year",
                "2025",
                "--format",
                format,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let r = report("2025-12-31", "text");
    assert!(r.contains("Chứng từ có thể bị ghi trùng"), "{r}");
    assert!(r.contains(
        "Thứ tự 38 lặp lại thứ tự 37: chứng từ UNC-2025-030 ngày 01/12/2025, dòng 2025/DTTS/DT/CT01, 10.000.000 đồng"
    ));
    assert!(!report("2025-11-30", "text").contains("ghi trùng"));
    let j: Value = serde_json::from_str(&report("2025-12-31", "json")).unwrap();
    assert_eq!(j["likely_duplicates"][0]["seq"], 38);
    assert_eq!(j["likely_duplicates"][0]["duplicate_of"]["seq"], 37);
    // UNC-2025-008 of the seed was reversed: it is not listed.
    assert!(!r.contains("UNC-2025-008"));
    let html = report("2025-12-31", "html");
    assert!(html.contains("<section id=\"duplicates\">"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_filters_events_and_warns_about_a_duplicate_in_the_append_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let db = seed(tmp.path());
    let (token, entry) = credential("ke-toan-xa", "recorder");
    let server = Server::start(&db, Some(&entry));
    let c = client();
    let ev: Value = serde_json::from_str(&voucher(901, "10000000")).unwrap();
    let (status, body) = json(
        post_events(&c, &server.base, &token, std::slice::from_ref(&ev))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"], json!([]));
    let again: Value = serde_json::from_str(&voucher(902, "10000000")).unwrap();
    let (status, body) = json(
        post_events(&c, &server.base, &token, &[again])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let w = &body["warnings"][0];
    assert_eq!(w["code"], "likely_duplicate");
    assert_eq!(w["seq"], 38);
    assert_eq!(w["duplicate_of"]["seq"], 37);
    assert_eq!(w["document"]["number"], "UNC-2025-030");
    // The same filters as the CLI; the unfiltered page keeps its shape for replication.
    let get = |q: &str| {
        c.get(server.url(&format!("/v1/events?{q}")))
            .bearer_auth(&token)
            .send()
    };
    let (status, page) = json(get("document=UNC-2025-030&type=disburse").await.unwrap()).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(seqs(&page), [37, 38]);
    let (_, page) = json(get("after=30&limit=2").await.unwrap()).await;
    assert_eq!(seqs(&page), [31, 32]);
    assert_eq!(page["next_after"], 32);
    assert_eq!(page["head_seq"], 38);
    let (status, page) = json(
        get("payee=s%C3%ADn%20ch%E1%BA%A3i&from=2025-12-01")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(seqs(&page), [37, 38]);
    let (status, err) = json(get("type=payment").await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_parameter");
    let (status, _) = json(get("from=2025-12-02&to=2025-12-01").await.unwrap()).await;
    assert_eq!(status, 400);

    // A batch too large to be parsed and looked up on the request's own task (over 16 KiB,
    // over 32 events) is warned of the same way: its last voucher repeats its first.
    let big: Vec<Value> = (0..80u64)
        .map(|i| {
            json!({"id": event_id(1000 + i), "type": "disburse", "effective_date": "2025-12-02",
                "line": "2025/DTTS/DT/CT01", "amount": "1000", "payee": "Công ty <b>Sín Chải</b>",
                "document": {"number": format!("BIG-{}", i % 79), "date": "2025-12-02"}})
        })
        .collect();
    assert!(serde_json::to_vec(&big).unwrap().len() > 16 * 1024);
    let (status, body) = json(
        post_events(&c, &server.base, &token, &big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first = body["seqs"][0].as_u64().unwrap();
    let warned: Vec<(u64, u64)> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["seq"].as_u64().unwrap(),
                w["duplicate_of"]["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(warned, [(first + 79, first)], "{body}");
}
