//! Spreadsheets and CSV (issue 14): what LibreOffice makes of the files socai writes, output
//! files' permissions, and the format `--out`'s extension names.

mod common;
use common::{find_tool, lung_phinh_store, socai, text, vi};

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

const REPORT: [&str; 5] = ["report", "--as-of", "2025-11-20", "--plan-year", "2025"];

fn ok(o: std::process::Output) -> Vec<u8> {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    o.stdout
}

fn report(db: &Path, extra: &[&str]) -> Vec<u8> {
    let args: Vec<&str> = REPORT.iter().chain(extra).copied().collect();
    ok(socai(db, &args))
}

/// LibreOffice's binary, or None (the test is skipped unless SOCAI_REQUIRE_TOOLS).
fn soffice(what: &str) -> Option<&'static str> {
    find_tool(&["soffice", "libreoffice"], what)
}

/// Converts `file` with headless LibreOffice (its own profile in `dir`, so tests may run it
/// side by side) and returns the converted file.
fn convert(soffice: &str, dir: &Path, file: &Path, infilter: Option<&str>, to: &str) -> PathBuf {
    let profile = dir.join(format!("lo-profile-{to}"));
    let mut c = Command::new(soffice);
    c.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args(["--headless", "--norestore", "--nologo"]);
    if let Some(f) = infilter {
        c.arg(format!("--infilter={f}"));
    }
    let out_dir = dir.join(format!("converted-{to}"));
    let o = c
        .args(["--convert-to", to, "--outdir"])
        .arg(&out_dir)
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "soffice: {}", text(&o.stderr));
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let ext = to.split(':').next().unwrap();
    let converted = out_dir.join(format!("{stem}.{ext}"));
    assert!(
        converted.exists(),
        "soffice wrote no {}: {} {}",
        converted.display(),
        text(&o.stdout),
        text(&o.stderr)
    );
    converted
}

/// The CSV import options of LibreOffice: separator `;` (59), quote `"` (34), UTF-8 (76),
/// from line 1, standard columns, language vi-VN (LCID 1066): what a vi-VN Calc does.
const VI_VN_CSV: &str = "CSV:59,34,76,1,,1066";

/// Section II's total and capital rows from the JSON report, in exact đồng: (plan, disbursed).
fn exact_rows(db: &Path) -> Vec<(i128, i128)> {
    let json: Value = serde_json::from_slice(&report(db, &["--format", "json"])).unwrap();
    let n = |v: &Value| v.as_str().unwrap().parse::<i128>().unwrap();
    let s = &json["section_ii"];
    let mut out = vec![(n(&s["total"]["plan"]), n(&s["total"]["disbursed"]))];
    for c in s["capitals"].as_array().unwrap() {
        out.push((n(&c["plan"]), n(&c["disbursed"])));
    }
    out
}

/// What LibreOffice read: the section II rows (total, then capitals, level ≤ 1) as
/// (plan, disbursed, rate) cells.
fn section_two_cells(xlsx: &Path) -> Vec<(Data, Data, Data)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(xlsx).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .filter(|r| r[0] == Data::String("section_ii".into()))
        .filter(|r| matches!(r[1], Data::Float(l) if l <= 1.0) || r[1] == Data::Int(0))
        .map(|r| (r[5].clone(), r[6].clone(), r[7].clone()))
        .collect()
}

fn float(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("LibreOffice read {other:?} as text, not a number"),
    }
}

#[test]
fn libreoffice_in_vi_vn_reads_the_exact_amounts_of_the_excel_vi_csv() {
    let Some(soffice) = soffice("the vi-VN CSV check") else {
        return;
    };
    let (tmp, db) = lung_phinh_store();
    let exact = exact_rows(&db);
    for (unit, divisor) in [
        ("trieu", 1_000_000_i128),
        ("ty", 1_000_000_000),
        ("dong", 1),
    ] {
        let file = tmp.path().join(format!("report-{unit}.csv"));
        let csv = report(&db, &["--format", "csv", "--unit", unit]);
        assert!(
            csv.starts_with("\u{feff}".as_bytes()),
            "excel-vi starts with a BOM"
        );
        std::fs::write(&file, csv).unwrap();
        let xlsx = convert(soffice, tmp.path(), &file, Some(VI_VN_CSV), "xlsx");
        let cells = section_two_cells(&xlsx);
        assert_eq!(cells.len(), exact.len(), "{unit}: {cells:?}");
        for ((plan, disbursed, rate), (p, d)) in cells.iter().zip(&exact) {
            // The unit's precision: whole triệu, tỷ with three decimals, whole đồng.
            let shown = |x: i128| match unit {
                "ty" => vi::div_round(x, 1_000_000) as f64 / 1000.0,
                _ => vi::div_round(x, divisor) as f64,
            };
            assert_eq!(float(plan), shown(*p), "{unit} plan");
            assert_eq!(float(disbursed), shown(*d), "{unit} disbursed");
            let r = vi::div_round(d * 10_000, *p) as f64 / 10_000.0;
            assert_eq!(float(rate), r, "{unit} rate");
        }
    }
    // The old shape read the same way shows what the dialect is for: 38.996 tỷ becomes 38996.
    let file = tmp.path().join("plain-ty.csv");
    let plain = report(
        &db,
        &["--format", "csv", "--unit", "ty", "--csv-dialect", "plain"],
    );
    std::fs::write(&file, plain).unwrap();
    let xlsx = convert(soffice, tmp.path(), &file, Some(VI_VN_CSV), "xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let name = wb.sheet_names()[0].clone();
    let first = wb
        .worksheet_range(&name)
        .unwrap()
        .rows()
        .nth(1)
        .map(|r| r[0].clone());
    assert!(
        matches!(first, Some(Data::String(ref s)) if s.contains(',')),
        "a plain CSV is not split at ';': {first:?}"
    );
}

#[test]
fn settlement_csv_defaults_to_excel_vi_and_plain_keeps_the_rfc_4180_shape() {
    let (_tmp, db) = lung_phinh_store();
    let args = ["settlement", "--plan-year", "2025", "--format", "csv"];
    let vi_csv = text(&ok(socai(&db, &args)));
    assert!(
        vi_csv.starts_with("\u{feff}level;key;label;brought_forward;"),
        "{vi_csv}"
    );
    let en = [&args[..], &["--lang", "en"]].concat();
    let en_csv = text(&ok(socai(&db, &en)));
    assert!(
        en_csv.starts_with("level,key,label,brought_forward,"),
        "{en_csv}"
    );
    let plain = [&args[..], &["--csv-dialect", "plain"]].concat();
    let plain_csv = text(&ok(socai(&db, &plain)));
    assert!(
        plain_csv.contains("--csv-dialect plain"),
        "reproducible: {plain_csv}"
    );
    // The same figures, separators and decimal marks aside.
    let total = |csv: &str, sep: char| {
        let row = csv.lines().find(|l| l.starts_with("total")).unwrap();
        row.split(sep).map(str::to_string).collect::<Vec<_>>()
    };
    let v = total(&vi_csv, ';');
    let p = total(&plain_csv, ',');
    assert_eq!(v.len(), p.len());
    for (a, b) in v.iter().zip(&p) {
        assert_eq!(a.replace(',', "."), *b);
    }
}

#[cfg(unix)]
#[test]
fn files_written_with_out_get_the_umasks_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, db) = lung_phinh_store();
    for (umask, want) in [("022", 0o644), ("027", 0o640)] {
        let out = tmp.path().join(format!("r-{umask}.xlsx"));
        let script = format!(
            "umask {umask} && exec \"$0\" --db \"$1\" report --as-of 2025-11-20 --plan-year 2025 --out \"$2\""
        );
        let o = Command::new("sh")
            .args(["-c", &script, common::BIN])
            .arg(&db)
            .arg(&out)
            .env_remove("SOCAI_DB")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, want, "umask {umask}: {mode:o}");
    }
}

#[test]
fn the_out_extension_chooses_the_format_and_a_contradiction_is_refused() {
    let (tmp, db) = lung_phinh_store();
    let xlsx = tmp.path().join("r.xlsx");
    let o = socai(
        &db,
        &[&REPORT[..], &["--out", xlsx.to_str().unwrap()]].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );
    let csv = tmp.path().join("r.CSV");
    ok(socai(
        &db,
        &[&REPORT[..], &["--out", csv.to_str().unwrap()]].concat(),
    ));
    assert!(
        std::fs::read(&csv)
            .unwrap()
            .starts_with("\u{feff}table;".as_bytes())
    );
    // No extension, or one that names no format: text, as before.
    let plain = tmp.path().join("r.out");
    ok(socai(
        &db,
        &[&REPORT[..], &["--out", plain.to_str().unwrap()]].concat(),
    ));
    assert!(std::fs::read_to_string(&plain).unwrap().contains("38.996"));
    let bad = tmp.path().join("bad.xlsx");
    for command in [
        &[&REPORT[..], &["--format", "text"]].concat(),
        &["settlement", "--plan-year", "2025", "--json"][..],
    ] {
        let args = [command, &["--out", bad.to_str().unwrap()]].concat();
        let o = socai(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = text(&o.stderr);
        assert!(err.contains("format_mismatch"), "{err}");
        assert!(err.contains("bad.xlsx"), "{err}");
        assert!(!bad.exists(), "nothing written on a refusal");
    }
    let set = tmp.path().join("s.xlsx");
    let args = [
        "settlement",
        "--plan-year",
        "2025",
        "--out",
        set.to_str().unwrap(),
    ];
    ok(socai(&db, &args));
    assert!(std::fs::read(&set).unwrap().starts_with(b"PK"));
}
