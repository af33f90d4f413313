//! Unit identity (`socai init`): a store's budget unit is given once, named by its answers,
//! and bound into the hash chain so that it cannot be swapped silently.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const FIXTURE: &str = "replay-fixtures/lung-phinh-2025/events.jsonl";

fn balance_json(db: &Path) -> Value {
    let out = socai(db, &["balance", "--as-of", "2025-11-20", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn import_lines(db: &Path, lines: &[&str], dir: &Path, name: &str) {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = socai(db, &["import", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_unit_is_given_once_and_balance_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = socai(
        &db,
        &[
            "init",
            "--unit",
            "02857",
            "--name",
            "Xã Lùng Phình",
            "--parent",
            "10",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = socai(&db, &["import", FIXTURE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let unit = &balance_json(&db)["unit"];
    assert_eq!(unit["code"], "02857");
    assert_eq!(unit["name"], "Xã Lùng Phình");
    assert_eq!(unit["parent"], "10");
    assert_eq!(unit["since_seq"], 0);

    let again = socai(&db, &["init", "--unit", "OTHER", "--name", "Khác"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("unit_already_set"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(balance_json(&db)["unit"]["code"], "02857");

    let bad = socai(
        &tmp.path().join("db2"),
        &["init", "--unit", "../x", "--name", "n"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

#[test]
fn a_store_without_a_unit_answers_as_before_and_can_take_one_after_its_events() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let lines: Vec<&str> = fixture.lines().filter(|l| !l.trim().is_empty()).collect();
    let (first, rest) = lines.split_at(100);
    import_lines(&db, first, tmp.path(), "first.jsonl");
    let before = socai(&db, &["balance", "--as-of", "2025-11-20", "--json"]).stdout;
    assert!(balance_json(&db).get("unit").is_none());

    let out = socai(&db, &["init", "--unit", "LP", "--name", "Lùng Phình"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("after sequence 100"),
        "{}",
        text(&out.stdout)
    );
    // The figures are unchanged; only the unit is added.
    let mut with_unit = balance_json(&db);
    assert_eq!(with_unit["unit"]["since_seq"], 100);
    with_unit.as_object_mut().unwrap().remove("unit");
    assert_eq!(with_unit, serde_json::from_slice::<Value>(&before).unwrap());

    import_lines(&db, rest, tmp.path(), "rest.jsonl");
    assert!(socai(&db, &["verify"]).status.success());

    // The unit is bound into the link of sequence 101: editing or removing it breaks there.
    let unit_file = db.join("UNIT");
    let original = std::fs::read_to_string(&unit_file).unwrap();
    std::fs::write(&unit_file, original.replace("Lùng Phình", "Lùng Phinh")).unwrap();
    let out = socai(&db, &["verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sequence 101"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(&unit_file).unwrap();
    let out = socai(&db, &["verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sequence 101"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&unit_file, original).unwrap();
    assert!(socai(&db, &["verify"]).status.success());
}

#[test]
fn a_swapped_unit_on_a_store_created_for_it_is_refused_from_its_first_event() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = socai(&db, &["demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(balance_json(&db)["unit"]["name"], "Xã Lùng Phình");
    let unit_file = db.join("UNIT");
    let original = std::fs::read_to_string(&unit_file).unwrap();
    std::fs::write(&unit_file, original.replace("DEMO-LUNGPHINH", "DEMO-KHAC")).unwrap();
    let out = socai(&db, &["export"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sequence 1:"),
        "{}",
        text(&out.stderr)
    );
}
