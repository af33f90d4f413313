//! Section II and annex 01 split by source of funds (issue 13): NSTW, NSĐP (counterpart funds)
//! and any other source code present, the totals unchanged, in every report format.

use crate::common;
use common::events::{line_json, uid};
use common::{report_2025, store_of, text};

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};

const MILLION: i64 = 1_000_000;

fn open_da1(n: u128, line: &str, source: &str) -> Value {
    json!({"id": uid(n), "type": "open_line", "effective_date": "2025-01-02", "line": line,
        "program": "DTTS", "project": "DA1", "capital": "recurrent", "source": source,
        "plan_year": 2025, "origin": "in_year"})
}

/// Issue 13, scenario 4: DTTS DA1 2025, NSTW 2.700 / disbursed 2.100 and NSĐP 233 / 162
/// (triệu), in whole đồng; `extra` events are appended after.
fn scenario_four(extra: &[Value]) -> (tempfile::TempDir, PathBuf) {
    let mut events = vec![
        open_da1(1, "DA1/NSTW", "NSTW"),
        open_da1(2, "DA1/NSDP", "NSDP"),
        line_json(3, "allocate", "DA1/NSTW", 2_700 * MILLION, "2025-02-01"),
        line_json(4, "allocate", "DA1/NSDP", 233 * MILLION, "2025-02-01"),
        line_json(5, "disburse", "DA1/NSTW", 2_100 * MILLION, "2025-06-01"),
        line_json(6, "disburse", "DA1/NSDP", 162 * MILLION, "2025-06-01"),
    ];
    events.extend(extra.iter().cloned());
    store_of(&events)
}

fn part<'v>(row: &'v Value, source: &str) -> &'v Value {
    row["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no {source} in {row}"))
}

#[test]
fn annex_01_splits_dtts_da1_by_source_in_whole_dong_with_the_total_unchanged() {
    let (_tmp, db) = scenario_four(&[]);
    let v: Value = serde_json::from_slice(&report_2025(&db, "json", "trieu")).unwrap();
    assert_eq!(v["sources"], json!(["NSTW", "NSDP"]));
    let da1 = v["annex_01"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "project" && r["project"] == "DA1")
        .unwrap();
    assert_eq!(da1["plan"], "2933000000");
    assert_eq!(da1["disbursed"], "2262000000");
    assert_eq!(da1["rate"], "0.7712");
    let nstw = part(da1, "NSTW");
    assert_eq!(
        (&nstw["plan"], &nstw["disbursed"], &nstw["rate"]),
        (&json!("2700000000"), &json!("2100000000"), &json!("0.7778"))
    );
    let nsdp = part(da1, "NSDP");
    assert_eq!(
        (&nsdp["plan"], &nsdp["disbursed"], &nsdp["rate"]),
        (&json!("233000000"), &json!("162000000"), &json!("0.6953"))
    );
    // Section II carries the same split at every level.
    let total = &v["section_ii"]["total"];
    assert_eq!(part(total, "NSDP")["disbursed"], "162000000");
    let program = &v["section_ii"]["capitals"][0]["programs"][0];
    assert_eq!(part(program, "NSTW")["plan"], "2700000000");

    // Text, Markdown and HTML print the row with its source columns, vi-VN.
    let da1_text = |out: &str| -> String {
        out.lines()
            .skip_while(|l| !l.contains("Phụ biểu 01"))
            .find(|l| l.contains("DA1"))
            .unwrap_or_else(|| panic!("no DA1 row in {out}"))
            .to_string()
    };
    let txt = text(&report_2025(&db, "text", "trieu"));
    let row_text = da1_text(&txt);
    // The project prints with its catalogue name (issue 14); the figures follow it.
    let figures = row_text
        .trim_start()
        .strip_prefix("DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt")
        .unwrap_or_else(|| panic!("{row_text}"));
    let row: Vec<&str> = std::iter::once("DA1")
        .chain(figures.split_whitespace())
        .collect();
    assert_eq!(
        row,
        [
            "DA1", "0", "2.933", "2.933", "2.262", "77,12%", "2.700", "2.100", "77,78%", "233",
            "162", "69,53%"
        ]
    );
    assert!(txt.contains("KH NSĐP  GN NSĐP  Tỷ lệ GN NSĐP"), "{txt}");
    let md = text(&report_2025(&db, "md", "trieu"));
    assert!(
        da1_text(&md)
            .ends_with("| 2.933 | 2.262 | 77,12% | 2.700 | 2.100 | 77,78% | 233 | 162 | 69,53% |"),
        "{md}"
    );
    let html = text(&report_2025(&db, "html", "dong"));
    assert!(
        html.contains("<td class=\"n\">233.000.000</td><td class=\"n\">162.000.000</td><td class=\"n\">69,53%</td>"),
        "{html}"
    );
}

#[test]
fn csv_and_xlsx_carry_each_sources_plan_disbursed_and_rate() {
    let (_tmp, db) = scenario_four(&[]);
    // The default CSV of a Vietnamese report is the excel-vi dialect (issue 14): a BOM, `;`,
    // decimal commas.
    let csv = text(&report_2025(&db, "csv", "dong"));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}table;level;label;carried;in_year;plan;disbursed;rate;works;\
         plan_NSTW;disbursed_NSTW;rate_NSTW;plan_NSDP;disbursed_NSDP;rate_NSDP;\
         total_investment;decision;owner;allocated_before;disbursed_before;\
         advance_outstanding;cumulative_disbursed;remaining;contributions;\
         contract;payee;outstanding;since;age_days;contract_amount;completed;flagged"
    );
    assert!(
        csv.contains("annex_01;2;DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt;0;2933000000;2933000000;2262000000;0,7712;;2700000000;2100000000;0,7778;233000000;162000000;0,6953;;;;;;;;;;;;;;;;;\r\n"),
        "{csv}"
    );
    let cols = |l: &str| l.split(';').count();
    assert!(csv.lines().all(|l| cols(l) == 32), "{csv}");

    let bytes = report_2025(&db, "xlsx", "trieu");
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Phụ biểu 01").unwrap();
    // The table starts under the title rows, with its label column first (no level column).
    let rows: Vec<&[Data]> = sheet
        .rows()
        .skip_while(|r| r[0] != Data::String("Nội dung".into()))
        .collect();
    let head: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(head[6], "KH NSTW (đồng, hiển thị triệu đồng)");
    assert_eq!(head[8], "Tỷ lệ GN NSTW");
    assert_eq!(head[9], "KH NSĐP (đồng, hiển thị triệu đồng)");
    let da1 = rows
        .iter()
        .find(|r| r[0].to_string().trim_start().starts_with("DA1: "))
        .expect("a DA1 row");
    let num = |d: &Data| match d {
        Data::Float(f) => *f,
        other => panic!("not a number: {other:?}"),
    };
    // Exact đồng in the cells; the number format only scales the display.
    assert_eq!(num(&da1[6]), 2_700_000_000.0);
    assert_eq!(num(&da1[7]), 2_100_000_000.0);
    assert_eq!(num(&da1[9]), 233_000_000.0);
    assert_eq!(num(&da1[10]), 162_000_000.0);
    assert!((num(&da1[11]) - 162.0 / 233.0).abs() < 1e-12);
    assert_eq!(num(&da1[3]), num(&da1[6]) + num(&da1[9]));
}

#[test]
fn any_other_source_code_gets_its_own_columns() {
    let extra = [
        open_da1(10, "DA1/LG", "LG"),
        open_da1(11, "DA1/NSDP2", "NSDP"),
        line_json(12, "allocate", "DA1/LG", 50 * MILLION, "2025-02-01"),
        line_json(13, "allocate", "DA1/NSDP2", 7 * MILLION, "2025-02-01"),
    ];
    let (_tmp, db) = scenario_four(&extra);
    let v: Value = serde_json::from_slice(&report_2025(&db, "json", "trieu")).unwrap();
    assert_eq!(v["sources"], json!(["NSTW", "NSDP", "LG"]));
    let total = &v["annex_01"][0];
    assert_eq!(total["plan"], "2990000000");
    assert_eq!(part(total, "NSDP")["plan"], "240000000");
    assert_eq!(part(total, "LG")["plan"], "50000000");
    assert_eq!(part(total, "LG")["rate"], "0.0000");
    let sum: i64 = total["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["plan"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, 2_990 * MILLION);
}

/// `schemas/report.schema.json` describes the report JSON: the fixture's shipped report and
/// a store with three sources validate; a report missing a source split does not.
#[test]
fn the_report_json_schema_holds_the_source_split() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("schemas/report.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::meta::validate(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let check = |v: &Value| {
        let errors: Vec<String> = validator.iter_errors(v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    };
    let shipped = root.join("replay-fixtures/lung-phinh-2025/expected/report-2025-11-20-json.out");
    let mut fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    check(&fixture);
    let extra = [open_da1(10, "DA1/LG", "LG")];
    let (_tmp, db) = scenario_four(&extra);
    check(&serde_json::from_slice(&report_2025(&db, "json", "dong")).unwrap());
    fixture["annex_01"][1]
        .as_object_mut()
        .unwrap()
        .remove("sources");
    assert!(!validator.is_valid(&fixture));
}
