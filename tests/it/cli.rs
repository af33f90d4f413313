//! The command-line contract: exit codes, what goes to stdout and stderr, import/export.

use crate::common;
use common::socai;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn write(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

const OPEN: &str = r#"{"id":"00000000-0000-0000-0000-000000000001","type":"open_line","effective_date":"2025-01-02","line":"L1","program":"DTTS","capital":"recurrent","source":"NSTW","plan_year":2025,"origin":"in_year"}"#;
const ALLOC: &str = r#"{"id":"00000000-0000-0000-0000-000000000002","type":"allocate","effective_date":"2025-01-05","line":"L1","amount":"1000","document":{"number":"1/QD","date":"2025-01-04"}}"#;
const OVERSPEND: &str = r#"{"id":"00000000-0000-0000-0000-000000000003","type":"disburse","effective_date":"2025-01-06","line":"L1","amount":"1001","document":{"number":"PC-1","date":"2025-01-06"}}"#;

#[test]
fn a_rejected_import_exits_1_names_line_id_and_code_and_appends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = write(tmp.path(), "in.jsonl", &[OPEN, ALLOC, OVERSPEND]);
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("in.jsonl:3"), "{err}");
    assert!(
        err.contains("00000000-0000-0000-0000-000000000003"),
        "{err}"
    );
    assert!(err.contains("insufficient_funds"), "{err}");
    assert_eq!(stdout(&o), "");
    // Nothing of the batch was appended: the first two events are new on the next import.
    let file = write(tmp.path(), "ok.jsonl", &[OPEN, ALLOC]);
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("appended 2 events (sequences 1–2), 0 already present"));
}

#[test]
fn a_parse_error_names_its_line_and_code() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let bad = r#"{"id":"00000000-0000-0000-0000-000000000009","type":"allocate","effective_date":"2025-02-30","line":"L1","amount":"5","document":{"number":"x","date":"2025-01-01"}}"#;
    let file = write(tmp.path(), "in.jsonl", &[OPEN, "", bad]);
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("in.jsonl:3"), "{err}");
    assert!(err.contains("invalid_date"), "{err}");
    assert!(
        err.contains("00000000-0000-0000-0000-000000000009"),
        "{err}"
    );
}

#[test]
fn reimporting_the_same_file_is_a_no_op() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = write(tmp.path(), "in.jsonl", &[OPEN, ALLOC]);
    assert_eq!(
        socai(&db, &["import", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("appended 0 events, 2 already present; head 2 "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn import_reads_stdin_and_stdout_carries_only_the_result_even_with_logging_on() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_socai"))
        .env("SOCAI_LANG", common::TEST_LANG)
        .arg("--db")
        .arg(&db)
        .args(["import", "-"])
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{OPEN}\n{ALLOC}\n").as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("appended 2 events"));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = write(tmp.path(), "in.jsonl", &[OPEN, ALLOC]);
    socai(&db, &["import", file.to_str().unwrap()]);
    for args in [
        vec!["balance", "--as-of", "2025-13-01"],
        vec!["balance"],
        vec!["frobnicate"],
        vec!["balance", "--as-of", "2025-12-31", "--known-at", "3"],
        vec!["trail", "NO-SUCH-LINE"],
    ] {
        let o = socai(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[test]
fn a_missing_store_is_not_created_by_a_query() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("nothing-here");
    let o = socai(&db, &["balance", "--as-of", "2025-12-31"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("no store"), "{}", stderr(&o));
    assert!(!db.exists());
}

#[test]
fn balance_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let disburse = r#"{"id":"00000000-0000-0000-0000-000000000004","type":"disburse","effective_date":"2025-01-06","line":"L1","amount":"250","document":{"number":"PC-1","date":"2025-01-06"}}"#;
    let file = write(tmp.path(), "in.jsonl", &[OPEN, ALLOC, disburse]);
    socai(&db, &["import", file.to_str().unwrap()]);
    let o = socai(&db, &["balance", "--as-of", "2025-12-31", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["as_of"], "2025-12-31");
    assert_eq!(v["known_at"], 3);
    assert_eq!(v["head_hash"].as_str().unwrap().len(), 64);
    let line = &v["lines"][0];
    assert_eq!(line["line"], "L1");
    assert_eq!(line["program"], "DTTS");
    assert_eq!(line["capital"], "recurrent");
    assert_eq!(line["source"], "NSTW");
    assert_eq!(line["plan_year"], 2025);
    assert_eq!(line["origin"], "in_year");
    assert_eq!(line["plan"], "1000");
    assert_eq!(line["disbursed"], "250");
    assert_eq!(line["available"], "750");
    assert_eq!(line["rate"], "0.2500");
    assert_eq!(v["totals"]["available"], "750");
    // known_at 2 excludes the disbursement, and its head_hash is that of sequence 2.
    let o2 = socai(
        &db,
        &[
            "balance",
            "--as-of",
            "2025-12-31",
            "--known-at",
            "2",
            "--json",
        ],
    );
    let v2: serde_json::Value = serde_json::from_str(&stdout(&o2)).unwrap();
    assert_eq!(v2["lines"][0]["disbursed"], "0");
    assert_ne!(v2["head_hash"], v["head_hash"]);
}

#[test]
fn export_then_import_into_an_empty_store_gives_identical_balances() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("fixture.json")) else {
            continue;
        };
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        for batch in manifest["batches"].as_array().unwrap() {
            let path = dir.join(batch["file"].as_str().unwrap());
            // Plan tables go through import-plan, event files through import.
            let command = match path.extension().and_then(|e| e.to_str()) {
                Some("xlsx" | "csv") => "import-plan",
                _ => "import",
            };
            let o = socai(&a, &[command, path.to_str().unwrap()]);
            let refused = batch.get("expect").is_some();
            assert_eq!(
                o.status.code(),
                Some(if refused { 1 } else { 0 }),
                "{}",
                stderr(&o)
            );
        }
        let export = socai(&a, &["export"]);
        assert_eq!(export.status.code(), Some(0));
        let file = tmp.path().join("export.jsonl");
        std::fs::write(&file, &export.stdout).unwrap();
        let o = socai(&b, &["import", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        for as_of in ["2024-12-31", "2025-06-30", "2025-11-20", "2026-12-31"] {
            let ba = socai(&a, &["balance", "--as-of", as_of, "--json"]);
            let bb = socai(&b, &["balance", "--as-of", as_of, "--json"]);
            let mut va: serde_json::Value = serde_json::from_slice(&ba.stdout).unwrap();
            let mut vb: serde_json::Value = serde_json::from_slice(&bb.stdout).unwrap();
            // Recording times differ between the two stores, so do hashes; nothing else may.
            va["head_hash"] = serde_json::Value::Null;
            vb["head_hash"] = serde_json::Value::Null;
            assert_eq!(va, vb, "{} as of {as_of}", dir.display());
        }
        // The export of the copy is the export of the original, byte for byte.
        assert_eq!(socai(&b, &["export"]).stdout, export.stdout);
        checked += 1;
    }
    assert!(checked >= 1);
}

#[test]
fn demo_loads_the_lung_phinh_figures_and_can_run_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    // What a user sees without choosing a language: Vietnamese, vi-VN figures (the line CI
    // and README quote).
    let o = common::socai_default(&db, &["demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("kế hoạch 38.996, giải ngân 21.597 (55,38%)"),
        "{out}"
    );
    let again = common::socai_default(&db, &["demo"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).contains("đã ghi 0 sự kiện, 277 sự kiện đã có từ trước"));
    // In English on request, with en-US figures.
    let en = socai(&db, &["--lang", "en", "demo"]);
    assert!(stdout(&en).contains("plan 38,996, disbursed 21,597 (55.38%)"));
}

#[test]
fn trail_lists_documents_in_effective_date_order() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let late = r#"{"id":"00000000-0000-0000-0000-000000000005","type":"disburse","effective_date":"2025-03-01","line":"L1","amount":"100","document":{"number":"PC-LATE","date":"2025-03-01"}}"#;
    let early = r#"{"id":"00000000-0000-0000-0000-000000000006","type":"disburse","effective_date":"2025-02-01","line":"L1","amount":"100","document":{"number":"PC-EARLY","date":"2025-02-01","issuer":"Kho bạc"}}"#;
    let file = write(tmp.path(), "in.jsonl", &[OPEN, ALLOC, late, early]);
    socai(&db, &["import", file.to_str().unwrap()]);
    let o = socai(&db, &["trail", "L1", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let docs: Vec<&str> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["document"]["number"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(docs, ["-", "1/QD", "PC-EARLY", "PC-LATE"]);
    let seqs: Vec<u64> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 4, 3]);
    assert_eq!(v["rows"][3]["disbursed"], "200");
    let text = stdout(&socai(&db, &["trail", "L1"]));
    assert!(text.contains("PC-EARLY of 2025-02-01 (Kho bạc)"), "{text}");
}
