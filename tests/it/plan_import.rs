//! `socai import-plan`: plan tables from xlsx and CSV become the same events, all or nothing,
//! with refusals naming sheet, row and column; re-importing is idempotent.

use crate::common;
use common::socai;

use std::path::{Path, PathBuf};
use std::process::Output;

use rust_xlsxwriter::Workbook;

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A file of the plan-2025 fixture.
fn plan_fixture(name: &str) -> PathBuf {
    common::fixture("plan-2025").join(name)
}

fn fixture_csv() -> String {
    std::fs::read_to_string(plan_fixture("plan.csv")).unwrap()
}

fn import(db: &Path, file: &Path) -> Output {
    socai(db, &["import-plan", file.to_str().unwrap()])
}

fn export(db: &Path) -> String {
    let o = socai(db, &["export"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    out(&o)
}

/// A store holding the fixture plan, imported from its CSV.
fn planned(tmp: &Path) -> PathBuf {
    let db = tmp.join("db");
    let o = import(&db, &plan_fixture("plan.csv"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    db
}

fn write_csv(tmp: &Path, name: &str, text: &str) -> PathBuf {
    let path = tmp.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Asserts a refusal: exit 1, the given fragments in stderr, and the store unchanged.
fn refused(db: &Path, file: &Path, fragments: &[&str]) {
    let before = if db.exists() {
        export(db)
    } else {
        String::new()
    };
    let o = import(db, file);
    assert_eq!(
        o.status.code(),
        Some(1),
        "stdout {} stderr {}",
        out(&o),
        err(&o)
    );
    let e = err(&o);
    for f in fragments {
        assert!(e.contains(f), "{f:?} not in {e}");
    }
    assert!(e.contains("nothing was appended"), "{e}");
    let after = if db.exists() {
        export(db)
    } else {
        String::new()
    };
    assert_eq!(before, after, "a refused import changed the store");
}

#[test]
fn xlsx_and_csv_of_the_same_table_make_the_same_events_and_reimport_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let o = import(&a, &plan_fixture("plan.xlsx"));
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains(
            "9 rows, 7 new lines; appended 16 events (sequences 1–16), 0 already present"
        ),
        "{}",
        out(&o)
    );
    assert_eq!(import(&b, &plan_fixture("plan.csv")).status.code(), Some(0));
    let exported = export(&a);
    assert_eq!(exported, export(&b));
    assert_eq!(exported.lines().count(), 16);
    // The second allocation to an existing line cites its own decision and date.
    assert!(
        exported.contains(
            r#""amount":"300000000","document":{"number":"502/QĐ-UBND","date":"2025-07-01""#
        ),
        "{exported}"
    );
    // Re-importing either file again (the other format, even) is a no-op.
    for file in ["plan.xlsx", "plan.csv"] {
        let o = import(&a, &plan_fixture(file));
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert!(
            out(&o).contains("appended 0 events, 9 already present"),
            "{}",
            out(&o)
        );
    }
    assert_eq!(export(&a), exported);
    // The plan as the balance shows it: 9.401.500.000 đồng in all.
    let o = socai(&a, &["balance", "--as-of", "2025-12-31", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["totals"]["plan"], "9401500000");
}

#[test]
fn a_corrected_sheet_adds_new_rows_and_refuses_a_changed_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    let db = planned(tmp.path());
    // A changed amount on row 3 (the second data row): refused, not doubled, not overwritten.
    let changed = fixture_csv().replace("860.500.000", "865.500.000");
    let file = write_csv(tmp.path(), "changed.csv", &changed);
    refused(
        &db,
        &file,
        &[
            "row 3",
            "column K (amount)",
            "already_allocated",
            "860500000",
            "865500000",
            "reverse that event first",
        ],
    );
    // A new row (a supplementary decision) is appended alone; the old rows are already there.
    let added = fixture_csv()
        + "2025/GNBV/SN/DA2/NSTW;GNBV;DA2;;recurrent;NSTW;2025;in_year;;\"DA2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo\";55.000.000;700/QĐ-UBND;2025-10-01;UBND xã Lùng Phình\n";
    let file = write_csv(tmp.path(), "added.csv", &added);
    let o = import(&db, &file);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains(
            "10 rows, 0 new lines; appended 1 events (sequences 17–17), 9 already present"
        ),
        "{}",
        out(&o)
    );
    // After the clerk reverses the wrong allocation, the corrected row goes in.
    let exported = export(&db);
    let target = exported
        .lines()
        .find(|l| l.contains("\"860500000\""))
        .and_then(|l| l.split("\"id\":\"").nth(1))
        .map(|s| s[..36].to_string())
        .unwrap();
    let reversal = format!(
        r#"{{"id":"5eeded00-0000-4000-8000-000000000001","type":"reverse","effective_date":"2025-01-20","target":"{target}","reason":"sai số tiền","document":{{"number":"BB-01","date":"2025-01-20"}}}}"#
    );
    let rev = write_csv(tmp.path(), "rev.jsonl", &(reversal + "\n"));
    assert_eq!(
        socai(&db, &["import", rev.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let file = write_csv(tmp.path(), "changed.csv", &changed);
    let o = import(&db, &file);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = socai(&db, &["balance", "--as-of", "2025-12-31", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let line = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == "2025/DTTS/SN/DA3/TDA1/NSTW")
        .unwrap();
    assert_eq!(line["plan"], "865500000");
}

#[test]
fn ambiguous_and_fractional_amounts_are_refused_with_sheet_row_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let db = planned(tmp.path());
    let cases = [
        ("860.500.000", "860.500", "ambiguous"),
        ("860.500.000", "860500000,5", "comma"),
        ("860.500.000", "1,234,567", "comma"),
        ("860.500.000", "860.500.000,00", "comma"),
        ("860.500.000", "86.05.000", "group digits by three"),
        ("860.500.000", "", "amount is empty"),
    ];
    for (from, to, why) in cases {
        let text = fixture_csv().replacen(from, to, 1);
        let file = write_csv(tmp.path(), "bad.csv", &text);
        let code = if to.is_empty() {
            "missing_field"
        } else {
            "invalid_amount"
        };
        refused(
            &db,
            &file,
            &["bad.csv", "row 3", "column K (amount)", code, why],
        );
    }
}

#[test]
fn dates_codes_headers_and_duplicates_are_refused_where_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let csv = fixture_csv();
    let cases: Vec<(String, Vec<&str>)> = vec![
        // Day first (vi-VN) is read (issue 14); a two-digit year's century is never guessed.
        (csv.replacen("2025-02-03", "03/02/25", 1), vec!["row 6", "column M (decision_date)", "invalid_date", "DD/MM/YYYY"]),
        // A code the event format refuses, on the last row: nothing before it is appended.
        (csv.replacen("2025/NTM/SN/ND1/NSDP;NTM;ND1;;recurrent;NSDP;2025;in_year;;NTM: Nâng cao chất lượng tiêu chí nông thôn mới;125", "2025/NTM SN;NTM;ND1;;recurrent;NSDP;2025;in_year;;NTM: x;125", 1), vec!["row 10", "column A (line)", "invalid_code"]),
        (csv.replacen("recurrent", "thường xuyên", 1), vec!["row 2", "column E (capital)", "malformed"]),
        (csv.replacen(";amount;", ";amout;", 1), vec!["row 1", "column K", "\"amout\" is not a plan table column"]),
        (csv.replacen(";decision_number", ";project", 1), vec!["row 1", "column L", "appears twice"]),
        (csv.replace(";decision_issuer", ""), vec!["row 2", "column N", "without a header"]),
        // The same line and decision twice: one row per line and decision.
        (format!("{csv}{}", csv.lines().nth(1).unwrap()), vec!["row 11", "already_allocated", "row 2 already allocates"]),
        // The same line described two ways.
        (csv.replacen("2025/DTTS/SN/DA1/NSTW;DTTS;DA1;;recurrent;NSTW;2025;in_year;;\"DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt\";300", "2025/DTTS/SN/DA1/NSTW;DTTS;DA1;;investment;NSTW;2025;in_year;;\"DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt\";300", 1), vec!["row 9", "column E (capital)", "line_exists", "declared by row 2"]),
    ];
    for (text, fragments) in cases {
        let file = write_csv(tmp.path(), "bad.csv", &text);
        refused(&db, &file, &fragments);
    }
    // A line the ledger holds with another capital type.
    let db = planned(tmp.path());
    let text = "line,program,capital,source,plan_year,origin,amount,decision_number,decision_date\n\
                2025/DTTS/DT/CT01,DTTS,recurrent,NSTW,2025,in_year,1000000,9/QĐ,2025-05-05\n";
    let file = write_csv(tmp.path(), "other.csv", text);
    refused(
        &db,
        &file,
        &[
            "row 2",
            "line_exists",
            "declared by the ledger",
            "capital investment",
        ],
    );
}

#[test]
fn workbook_cells_are_read_by_type_and_sheets_are_never_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let header = [
        "line",
        "program",
        "capital",
        "source",
        "plan_year",
        "origin",
        "amount",
        "decision_number",
        "decision_date",
    ];
    let book = |path: &Path, amount: f64, sheets: &[&str]| {
        let mut wb = Workbook::new();
        for name in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(*name).unwrap();
            for (c, h) in header.iter().enumerate() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            for (c, t) in ["L1", "DTTS", "recurrent", "NSTW"].iter().enumerate() {
                ws.write_string(2, c as u16, *t).unwrap();
            }
            ws.write_number(2, 4, 2025).unwrap();
            ws.write_string(2, 5, "in_year").unwrap();
            ws.write_number(2, 6, amount).unwrap();
            ws.write_string(2, 7, "1/QĐ").unwrap();
            ws.write_string(2, 8, "2025-01-02").unwrap();
        }
        wb.save(path).unwrap();
    };
    let fractional = tmp.path().join("fractional.xlsx");
    book(&fractional, 1_500_000.5, &["KH"]);
    refused(
        &db,
        &fractional,
        &[
            "sheet \"KH\"",
            "row 3",
            "column G (amount)",
            "invalid_amount",
            "not whole đồng",
        ],
    );

    let two = tmp.path().join("two.xlsx");
    book(&two, 1_500_000.0, &["KH", "Nháp"]);
    refused(&db, &two, &["several sheets", "--sheet"]);
    let o = socai(
        &db,
        &["import-plan", two.to_str().unwrap(), "--sheet", "Nháp"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).starts_with("sheet \"Nháp\": 1 rows, 1 new lines; appended 2 events"),
        "{}",
        out(&o)
    );
    assert!(export(&db).contains(r#""amount":"1500000""#));
    let o = socai(
        &db,
        &["import-plan", two.to_str().unwrap(), "--sheet", "Missing"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("no sheet \"Missing\""), "{}", err(&o));
}

#[test]
fn the_layout_description_in_schemas_matches_the_reader() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/plan-table.json"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let described: Vec<(String, bool)> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["required"].as_bool().unwrap(),
            )
        })
        .collect();
    let code: Vec<(String, bool)> = socai::io::plan_import::COLUMNS
        .iter()
        .map(|(n, r, _)| (n.to_string(), *r))
        .collect();
    assert_eq!(described, code);
}

#[test]
fn csv_rows_are_numbered_as_a_spreadsheet_shows_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    // A blank line after the header: the second data row is line 4 of the file.
    let mut lines: Vec<String> = fixture_csv().lines().map(str::to_string).collect();
    lines.insert(1, String::new());
    lines[3] = lines[3].replacen("860.500.000", "860.500", 1);
    let file = write_csv(tmp.path(), "gap.csv", &(lines.join("\n") + "\n"));
    refused(
        &db,
        &file,
        &["sheet \"gap.csv\", row 4, column K (amount)", "ambiguous"],
    );
}
