//! `socai consolidate`: section II over unit stores, one row per unit and the total, equal to
//! each unit's own report; its provenance command prints the same bytes after more appends.

use crate::common;

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

/// The units folder, plan year and date every consolidation here reads.
fn at(dir: &str) -> [&str; 6] {
    [
        "--units",
        dir,
        "--plan-year",
        "2025",
        "--as-of",
        "2025-11-20",
    ]
}

/// A command's JSON answer on one unit store, after checking it succeeded.
fn json_of(db: &Path, args: &[&str]) -> Value {
    let out = socai(db, args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn report_total(db: &Path) -> Value {
    let args = ["report", "--as-of", "2025-11-20", "--plan-year", "2025"];
    json_of(db, &[&args[..], &["--format", "json"]].concat())["section_ii"]["total"].clone()
}

#[test]
fn consolidation_sums_each_units_own_report_and_reproduces_its_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    let rest = two_units(&units);
    let (a, b) = (units.join("a"), units.join("b"));

    let dir = units.to_str().unwrap();
    let args = [&at(dir)[..], &["--format", "json"]].concat();
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
    let path = tmp.path().join("rest.jsonl");
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

/// `socai settlement --json` of one unit store: its total row.
fn settlement_total(db: &Path) -> Value {
    let args = ["settlement", "--plan-year", "2025", "--as-of", "2025-11-20"];
    json_of(db, &[&args[..], &["--json"]].concat())["total"].clone()
}

/// Two units under `units`: the demo's Lùng Phình (277 events) and B-02 with the fixture's
/// first 150; returns the temporary folder's guard and the rest of the fixture's lines.
fn two_units(units: &Path) -> Vec<String> {
    assert!(socai(&units.join("a"), &["demo"]).status.success());
    let b = units.join("b");
    assert!(
        socai(&b, &["init", "--unit", "B-02", "--name", "Xã B"])
            .status
            .success()
    );
    let fixture = std::fs::read_to_string(FIXTURE).unwrap();
    let half: Vec<&str> = fixture.lines().take(150).collect();
    let path = units.with_extension("half.jsonl");
    std::fs::write(&path, half.join("\n") + "\n").unwrap();
    assert!(
        socai(&b, &["import", path.to_str().unwrap()])
            .status
            .success()
    );
    fixture.lines().skip(150).map(str::to_string).collect()
}

#[test]
fn the_settlement_view_sums_each_units_own_settlement_row_by_row() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    two_units(&units);
    let dir = units.to_str().unwrap();
    let out = consolidate(&[&at(dir)[..], &["--view", "settlement", "--format", "json"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["view"], "settlement");
    let rows = v["units"].as_array().unwrap();
    let (ta, tb) = (
        settlement_total(&units.join("a")),
        settlement_total(&units.join("b")),
    );
    let keys = [
        "brought_forward",
        "assigned",
        "withdrawn",
        "transferred_net",
        "plan",
        "disbursed",
        "carried_out",
        "lapsed",
        "unspent",
        "recovered_after_close",
        "completed",
        "advance_outstanding",
        "committed",
        "commitment_outstanding",
    ];
    for key in keys {
        assert_eq!(dec(&rows[0][key]), dec(&ta[key]), "{key}");
        assert_eq!(dec(&rows[1][key]), dec(&tb[key]), "{key}");
        let sum = dec(&ta[key]) + dec(&tb[key]);
        assert_eq!(dec(&v["total"][key]), sum, "{key}");
    }
    assert_eq!(rows[0]["rate"], ta["rate"]);
    assert_ne!(
        dec(&ta["withdrawn"]),
        Decimal::ZERO,
        "a figure only the settlement has"
    );
    // The settlement's plan is section II's plan, unit by unit.
    for (db, row) in [(units.join("a"), &rows[0]), (units.join("b"), &rows[1])] {
        assert_eq!(dec(&row["plan"]), dec(&report_total(&db)["plan"]));
    }
}

/// Every new format of both views, written now, is printed byte for byte by the command its
/// provenance names after more events reached a unit; the same command without its pins
/// counts them. The CSV and xlsx carry the exact đồng of the JSON. In Vietnamese (the
/// default) and in English: the command names the language, whatever SOCAI_LANG says.
#[test]
fn every_format_of_both_views_is_reproduced_byte_for_byte_by_its_command() {
    every_format_is_reproduced_in("vi", "Tổng hợp");
}

#[test]
fn every_format_is_reproduced_in_english_too() {
    every_format_is_reproduced_in("en", "Consolidated");
}

fn every_format_is_reproduced_in(lang: &str, sheet: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    let rest = two_units(&units);
    let dir = units.to_str().unwrap();
    let mut base = at(dir).to_vec();
    base.extend(["--lang", lang]);
    let cases: Vec<(&str, &str, Vec<&str>)> = [
        ("section-ii", "md", vec![]),
        ("section-ii", "csv", vec![]),
        ("section-ii", "csv", vec!["--csv-dialect", "plain"]),
        ("section-ii", "xlsx", vec![]),
        ("settlement", "text", vec![]),
        ("settlement", "json", vec![]),
        ("settlement", "md", vec![]),
        ("settlement", "csv", vec![]),
        ("settlement", "csv", vec!["--csv-dialect", "plain"]),
        ("settlement", "xlsx", vec![]),
    ]
    .into_iter()
    .collect();
    let mut taken = Vec::new();
    for (view, format, extra) in &cases {
        let mut args = base.to_vec();
        args.extend(["--view", view, "--format", format]);
        args.extend(extra);
        let out = consolidate(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let command = consolidation_command(&out.stdout, format);
        assert!(
            command.contains(&format!(
                " --lang {lang} --pin DEMO-LUNGPHINH=277 --pin B-02=150"
            )),
            "{command}"
        );
        taken.push((args, command, out.stdout));
    }
    // The exact figures, whatever the format: CSV (both dialects) and xlsx cells against JSON.
    let json = |view: &str| -> Value {
        let mut args = base.to_vec();
        args.extend(["--view", view, "--format", "json"]);
        serde_json::from_slice(&consolidate(&args).stdout).unwrap()
    };
    for (i, (view, format, extra)) in cases.iter().enumerate() {
        let v = json(view);
        let plan = |u: usize| dec(&v["units"][u]["plan"]);
        match *format {
            "csv" => {
                let plain = extra.contains(&"plain");
                let body = text(&taken[i].2);
                assert_eq!(body.starts_with('\u{feff}'), !plain, "{view} {extra:?}");
                let sep = if plain { ',' } else { ';' };
                let unit_row = body.lines().find(|l| l.starts_with("unit")).unwrap();
                assert!(
                    unit_row.contains(&format!("{sep}{}{sep}", plan(0))),
                    "{view}: {unit_row}"
                );
            }
            "xlsx" => {
                use calamine::Reader;
                let bytes = taken[i].2.clone();
                let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
                let range = wb.worksheet_range(sheet).unwrap();
                let numbers: Vec<f64> = range
                    .rows()
                    .filter(|r| r[0] == calamine::Data::String("B-02".into()))
                    .flat_map(|r| r[2..].iter().filter_map(calamine::DataType::as_f64))
                    .collect();
                let want: f64 = plan(1).to_string().parse().unwrap();
                assert!(numbers.contains(&want), "{view}: {numbers:?} lacks {want}");
            }
            _ => {}
        }
    }
    // More events in B; every command still prints the very same bytes.
    let b = units.join("b");
    let path = tmp.path().join("rest.jsonl");
    std::fs::write(&path, rest.join("\n") + "\n").unwrap();
    assert!(
        socai(&b, &["import", path.to_str().unwrap()])
            .status
            .success()
    );
    for (args, command, first) in &taken {
        let words: Vec<&str> = command.split(' ').skip(2).collect();
        let again = consolidate(&words);
        assert!(again.status.success(), "{command}: {}", text(&again.stderr));
        assert!(again.stdout == *first, "{command}: not the same bytes");
        let now = consolidate(args);
        assert!(
            now.stdout != *first,
            "{args:?}: unpinned, the new events count"
        );
    }
}

/// `--lang en`: the text and Markdown consolidations are English (headings, labels, the
/// title and the provenance; only the units' own names stay as recorded), amounts in
/// million VND grouped with commas; the Vietnamese default keeps its wording and vi-VN
/// grouping; the JSON is the same but for the command naming its language.
#[test]
fn the_consolidation_speaks_english_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    two_units(&units);
    let dir = units.to_str().unwrap();
    let run = |lang: &str, extra: &[&str]| -> String {
        let args = [&at(dir)[..], &["--lang", lang], extra].concat();
        let out = consolidate(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let v: Value = serde_json::from_str(&run("en", &["--format", "json"])).unwrap();
    let names: Vec<String> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    for view in ["section-ii", "settlement"] {
        let figures: Value =
            serde_json::from_str(&run("en", &["--view", view, "--format", "json"])).unwrap();
        let plan: i128 = figures["total"]["plan"].as_str().unwrap().parse().unwrap();
        let millions = vi::trieu(plan);
        for format in ["text", "md"] {
            let en = run("en", &["--view", view, "--format", format]);
            let mut rest = en.clone();
            for n in &names {
                rest = rest.replace(n.as_str(), "");
            }
            assert!(!vi::has_vietnamese(&rest), "{view} {format}:\n{en}");
            for word in [
                "Total",
                "Provenance",
                "Reproduce with",
                "National Target Programs",
            ] {
                assert!(en.contains(word), "{view} {format}: {word}\n{en}");
            }
            assert!(en.contains("million VND"), "{view} {format}:\n{en}");
            assert!(en.contains(&vi::group(millions).replace('.', ",")), "{en}");
            let vi_text = run("vi", &["--view", view, "--format", format]);
            for word in [
                "Tổng cộng",
                "Nguồn gốc số liệu",
                "Lệnh tái lập",
                "triệu đồng",
            ] {
                assert!(vi_text.contains(word), "{view} {format}: {word}\n{vi_text}");
            }
            assert!(vi_text.contains(&vi::group(millions)), "{vi_text}");
        }
    }
    let vi_json: Value = serde_json::from_str(&run("vi", &["--format", "json"])).unwrap();
    let mut en_json = v.clone();
    en_json["provenance"]["command"] = vi_json["provenance"]["command"].clone();
    assert_eq!(en_json, vi_json, "only the command differs");
}
