//! Unit identity (`socai init`): a store's budget unit is given once, named by its answers,
//! and bound into the hash chain so that it cannot be swapped silently.

use crate::common;

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
    assert_eq!(with_unit["unit"]["code"], "LP");
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

#[test]
fn reports_and_journals_name_the_unit_and_a_store_without_one_prints_none() {
    let tmp = tempfile::tempdir().unwrap();
    let with = tmp.path().join("with");
    let without = tmp.path().join("without");
    assert!(socai(&with, &["demo"]).status.success());
    assert!(socai(&without, &["import", FIXTURE]).status.success());
    let args = ["report", "--as-of", "2025-11-20", "--plan-year", "2025"];
    // The unit heads the official report (its name in capitals, its code), and titles it.
    let report = text(&common::socai_default(&with, &args).stdout);
    let first = report.lines().next().unwrap();
    assert_eq!(
        first, "XÃ LÙNG PHÌNH (mã đơn vị: DEMO-LUNGPHINH)",
        "{report}"
    );
    assert!(report.contains("\nXã Lùng Phình — Báo cáo"), "{report}");
    assert!(
        report.contains("Đơn vị dự toán: DEMO-LUNGPHINH — Xã Lùng Phình"),
        "{report}"
    );
    // A store without a unit says so where the unit would stand, and names none.
    let plain = text(&common::socai_default(&without, &args).stdout);
    assert!(plain.starts_with("ĐƠN VỊ: (chưa khai báo"), "{plain}");
    assert!(plain.contains("\nBáo cáo kế hoạch vốn"), "{plain}");
    assert!(!plain.contains("Đơn vị dự toán"));

    let json_args = [&args[..], &["--format", "json"]].concat();
    let json: Value = serde_json::from_slice(&socai(&with, &json_args).stdout).unwrap();
    assert_eq!(json["provenance"]["budget_unit"]["code"], "DEMO-LUNGPHINH");
    let json: Value = serde_json::from_slice(&socai(&without, &json_args).stdout).unwrap();
    assert!(json["provenance"].get("budget_unit").is_none());
    // The settlement is a report too: its provenance names the unit the same way.
    let settle = ["settlement", "--plan-year", "2025", "--format", "json"];
    let json: Value = serde_json::from_slice(&socai(&with, &settle).stdout).unwrap();
    assert_eq!(json["provenance"]["budget_unit"]["code"], "DEMO-LUNGPHINH");
    let json: Value = serde_json::from_slice(&socai(&without, &settle).stdout).unwrap();
    assert!(json["provenance"].get("budget_unit").is_none());

    for format in ["hledger", "beancount"] {
        let journal = text(&socai(&with, &["export", "--format", format]).stdout);
        assert!(
            journal.starts_with("; unit: DEMO-LUNGPHINH — Xã Lùng Phình"),
            "{journal}"
        );
        let journal = text(&socai(&without, &["export", "--format", format]).stdout);
        assert!(!journal.contains("; unit:"));
    }
}

#[test]
fn a_backup_keeps_the_unit_and_the_chain_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let copy = tmp.path().join("copy");
    let out = socai(&db, &["backup", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let verify = |d: &Path| text(&socai(d, &["verify"]).stdout);
    // A backup holds the log, its journal and UNIT, not the index (rebuilt on first use).
    let without_index = |t: String| -> String {
        t.lines()
            .filter(|l| !l.starts_with("index:"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(without_index(verify(&db)), without_index(verify(&copy)));
    assert!(
        verify(&copy).contains("unit DEMO-LUNGPHINH"),
        "{}",
        verify(&copy)
    );
}

/// The journal chains as the log does, unit binding included: a store with a unit verifies,
/// a byte flipped in its sled log is repaired from the journal, and the recovered store keeps
/// the unit (and so the very chain hashes).
#[test]
fn a_store_with_a_unit_is_repaired_from_its_journal_and_keeps_its_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let out = socai(&db, &["init", "--unit", "02857", "--name", "Xã Lùng Phình"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = socai(&db, &["import", FIXTURE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let good = socai(&db, &["verify"]);
    assert!(good.status.success(), "{}", text(&good.stderr));
    assert!(
        text(&good.stdout).contains("journal: agrees with the log"),
        "{}",
        text(&good.stdout)
    );
    let head = |o: &std::process::Output| -> Option<String> {
        text(&o.stdout)
            .lines()
            .find(|l| l.starts_with("head "))
            .map(str::to_string)
    };
    let truth = head(&good).unwrap();
    let unit_bytes = std::fs::read(db.join("UNIT")).unwrap();

    // One character of a voucher number inside log/db (as in tests/drills.rs).
    let log = db.join("log/db");
    let mut bytes = std::fs::read(&log).unwrap();
    let needle = "QĐ-UBND".as_bytes();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&log, bytes).unwrap();
    assert_eq!(socai(&db, &["verify"]).status.code(), Some(3));

    let fixed = tmp.path().join("fixed");
    let out = std::process::Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["recover", "--from"])
        .arg(&db)
        .arg("--to")
        .arg(&fixed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("taken from the journal"),
        "{}",
        text(&out.stdout)
    );
    let check = socai(&fixed, &["verify"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert_eq!(head(&check).as_deref(), Some(truth.as_str()));
    assert_eq!(std::fs::read(fixed.join("UNIT")).unwrap(), unit_bytes);
    assert_eq!(balance_json(&fixed)["unit"]["code"], "02857");
}
