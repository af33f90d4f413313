//! `socai consolidate`: section II over unit stores, one row per unit and the total, equal to
//! each unit's own report; its provenance command prints the same bytes after more appends.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use rust_decimal::Decimal;
use serde_json::Value;

const FIXTURE: &str = "replay-fixtures/lung-phinh-2025/events.jsonl";

fn consolidate(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .arg("consolidate")
        .args(args)
        .output()
        .unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn report_total(db: &Path) -> Value {
    let out = socai(
        db,
        &[
            "report",
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["section_ii"]["total"].clone()
}

#[test]
fn consolidation_sums_each_units_own_report_and_reproduces_its_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    let a = units.join("a");
    let b = units.join("b");
    assert!(socai(&a, &["demo"]).status.success());
    assert!(
        socai(&b, &["init", "--unit", "B-02", "--name", "Xã B"])
            .status
            .success()
    );
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let half: Vec<&str> = fixture.lines().take(150).collect();
    let path = tmp.path().join("half.jsonl");
    std::fs::write(&path, half.join("\n") + "\n").unwrap();
    assert!(
        socai(&b, &["import", path.to_str().unwrap()])
            .status
            .success()
    );

    let dir = units.to_str().unwrap();
    let args = [
        "--units",
        dir,
        "--plan-year",
        "2025",
        "--as-of",
        "2025-11-20",
        "--format",
        "json",
    ];
    let out = consolidate(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = out.stdout.clone();
    let v: Value = serde_json::from_slice(&first).unwrap();
    let rows = v["units"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["code"], "DEMO-LUNGPHINH");
    assert_eq!(rows[1]["code"], "B-02");
    let (ta, tb) = (report_total(&a), report_total(&b));
    for key in ["plan", "disbursed", "carried", "in_year"] {
        assert_eq!(dec(&rows[0][key]), dec(&ta[key]), "{key}");
        assert_eq!(dec(&rows[1][key]), dec(&tb[key]), "{key}");
        assert_eq!(
            dec(&v["total"][key]),
            dec(&ta[key]) + dec(&tb[key]),
            "{key}"
        );
    }
    assert_ne!(dec(&ta["plan"]), dec(&tb["plan"]), "the two units differ");
    let prov = &v["provenance"]["units"];
    assert_eq!(prov[0]["known_at"], 277);
    assert_eq!(prov[1]["known_at"], 150);

    // More events in B; the provenance command still prints the very same bytes.
    let rest: Vec<&str> = fixture.lines().skip(150).collect();
    std::fs::write(&path, rest.join("\n") + "\n").unwrap();
    assert!(
        socai(&b, &["import", path.to_str().unwrap()])
            .status
            .success()
    );
    let command = v["provenance"]["command"].as_str().unwrap();
    let words: Vec<&str> = command.split(' ').skip(2).collect();
    let again = consolidate(&words);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(again.stdout, first);
    let now: Value = serde_json::from_slice(&consolidate(&args).stdout).unwrap();
    assert_ne!(
        now["total"], v["total"],
        "without pins, the new events count"
    );

    // A store without a unit cannot be consolidated: it is named.
    assert!(
        socai(&units.join("c"), &["import", FIXTURE])
            .status
            .success()
    );
    let out = consolidate(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("has no unit"),
        "{}",
        text(&out.stderr)
    );
}
