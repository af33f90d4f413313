//! Spreadsheets and CSV (issue 14): what LibreOffice makes of the files socai writes, output
//! files' permissions, and the format `--out`'s extension names.

use crate::common;
// Every sheet here is what a vi-VN office gets by default: no SOCAI_LANG.
use common::office::{REPORT, convert, ok, report, soffice};
use common::{find_tool, lung_phinh_store, socai_default as socai, text, vi};

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

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

/// The amount columns of `export --format csv` (plan, disbursed, carried_out, lapsed,
/// recovered deltas, in đồng) and the sequence column.
const EXPORT_NUMBERS: [usize; 6] = [0, 6, 7, 13, 14, 15];

#[test]
fn libreoffice_in_vi_vn_reads_the_exact_amounts_of_the_export_csv() {
    let Some(soffice) = soffice("the vi-VN export CSV check") else {
        return;
    };
    let (tmp, db) = lung_phinh_store();
    // What a vi-VN office gets by default, and what a program asks for.
    let vi_csv = ok(socai(&db, &["export", "--format", "csv"]));
    assert!(
        vi_csv.starts_with("\u{feff}seq;".as_bytes()),
        "{}",
        text(&vi_csv)
    );
    let plain = ok(socai(
        &db,
        &["export", "--format", "csv", "--csv-dialect", "plain"],
    ));
    assert!(plain.starts_with(b"seq,"), "{}", text(&plain));
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(plain.as_slice())
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() > 250, "{}", rows.len());
    let file = tmp.path().join("so-cai.csv");
    std::fs::write(&file, &vi_csv).unwrap();
    let xlsx = convert(soffice, tmp.path(), &file, Some(VI_VN_CSV), "xlsx");
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let read: Vec<&[Data]> = range.rows().skip(1).collect();
    assert_eq!(read.len(), rows.len());
    let mut nonzero = 0;
    for (cells, row) in read.iter().zip(&rows) {
        for col in EXPORT_NUMBERS {
            // A number cell holding exactly the đồng the plain export writes, never text.
            let exact: i64 = row[col].parse().unwrap();
            assert_eq!(
                float(&cells[col]),
                exact as f64,
                "seq {} col {col}",
                &row[0]
            );
            nonzero += usize::from(exact != 0);
        }
        assert_eq!(cells[1], Data::String(row[1].to_string()), "the event id");
    }
    assert!(nonzero > 250, "{nonzero}");
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

/// The text of each page of a PDF (pdftotext from poppler-utils), and the page size.
fn pdf_pages(pdf: &Path) -> Option<(Vec<String>, String)> {
    find_tool(&["pdftotext"], "the printed xlsx check")?;
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftotext: {}", text(&o.stderr));
    let mut pages: Vec<String> = text(&o.stdout).split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let size = text(&info.stdout)
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_default()
        .to_string();
    Some((pages, size))
}

/// Prints `xlsx` to PDF with LibreOffice; checks every page is A4 landscape and returns the
/// pages before the provenance sheet's, and all pages.
fn printed(soffice: &str, dir: &Path, xlsx: &Path) -> Option<(Vec<String>, Vec<String>)> {
    let pdf = convert(soffice, dir, xlsx, None, "pdf");
    let (pages, size) = pdf_pages(&pdf)?;
    // A4 landscape: 842 × 595 points.
    assert!(size.contains("841.89 x 595"), "{size}");
    let tables = pages
        .iter()
        .take_while(|p| !p.contains("Nguồn gốc số liệu"))
        .cloned()
        .collect();
    Some((tables, pages))
}

#[test]
fn the_xlsx_report_prints_on_four_landscape_a4_pages_with_its_headers() {
    let Some(soffice) = soffice("the printed xlsx check") else {
        return;
    };
    let (tmp, db) = lung_phinh_store();
    let xlsx = tmp.path().join("report.xlsx");
    report(&db, &["--out", xlsx.to_str().unwrap()]);
    let Some((tables, pages)) = printed(soffice, tmp.path(), &xlsx) else {
        return;
    };
    // Section II and both annexes come first; then the advances to recover and the provenance.
    let tables: Vec<String> = tables
        .into_iter()
        .take_while(|p| !p.contains("Danh sách tạm ứng chưa thu hồi"))
        .collect();
    assert!(
        tables.len() <= 4,
        "the three tables take {} pages",
        tables.len()
    );
    for title in ["Mục II.", "Phụ biểu 01.", "Phụ biểu 02."] {
        assert!(
            tables.iter().any(|p| p.contains(title)),
            "{title} is printed"
        );
    }
    for (i, page) in tables.iter().enumerate() {
        // The headers on every page, whole (wrapped, not clipped), and no level column.
        for header in [
            "Nội dung",
            "Tổng KH vốn",
            "Giải ngân",
            "Tỷ lệ GN",
            "hiển thị",
        ] {
            assert!(
                page.contains(header),
                "page {}: no {header:?}\n{page}",
                i + 1
            );
        }
        assert!(
            page.contains("Đơn vị tính: đồng, hiển thị triệu đồng"),
            "{page}"
        );
        assert!(page.contains("Số liệu đến hết ngày 20/11/2025"), "{page}");
        assert!(
            !page.contains("Cấp"),
            "page {}: a level column\n{page}",
            i + 1
        );
    }
    // The seed's figures, as the unit shows them: plan 38.996 triệu, disbursed 21.597.
    let first = &tables[0];
    let shown = |n: i128| [vi::group(n), vi::group(n).replace('.', ",")];
    for n in [vi::trieu(38_995_994_600), vi::trieu(21_597_210_500)] {
        assert!(shown(n).iter().any(|s| first.contains(s)), "{n}: {first}");
    }
    // The provenance reads as a table in Vietnamese.
    let last = pages.last().unwrap();
    for label in ["Nội dung", "Giá trị", "Lệnh tái lập", "Mã băm đầu chuỗi"] {
        assert!(last.contains(label), "{label}: {last}");
    }
}

#[test]
fn the_settlement_xlsx_prints_landscape_with_its_headers() {
    let Some(soffice) = soffice("the printed settlement check") else {
        return;
    };
    let (tmp, db) = lung_phinh_store();
    let xlsx = tmp.path().join("settlement.xlsx");
    let args = [
        "settlement",
        "--plan-year",
        "2025",
        "--out",
        xlsx.to_str().unwrap(),
    ];
    ok(socai(&db, &args));
    let Some((tables, pages)) = printed(soffice, tmp.path(), &xlsx) else {
        return;
    };
    assert!(!tables.is_empty() && tables.len() < pages.len());
    // The column headers (which name the unit) repeat on every page; the preamble heads the
    // first.
    assert!(
        tables[0].contains("Đơn vị tính: đồng, hiển thị triệu đồng"),
        "{}",
        tables[0]
    );
    for page in &tables {
        for header in [
            "Nội dung",
            "Kế hoạch",
            "Giải ngân",
            "Tỷ lệ giải ngân",
            "hiển thị",
        ] {
            assert!(page.contains(header), "no {header:?}\n{page}");
        }
    }
}

#[test]
fn the_consolidated_settlement_xlsx_prints_on_one_landscape_page_with_its_headers() {
    let Some(soffice) = soffice("the printed consolidation check") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    ok(socai(&units.join("a"), &["demo"]));
    let b = units.join("b");
    ok(socai(&b, &["init", "--unit", "B-02", "--name", "Xã B"]));
    common::import(&b, &common::lung_phinh_events());
    let xlsx = tmp.path().join("tong-hop.xlsx");
    let args = [
        "consolidate",
        "--units",
        units.to_str().unwrap(),
        "--plan-year",
        "2025",
        "--as-of",
        "2025-12-31",
        "--view",
        "settlement",
        "--lang",
        "vi",
        "--out",
        xlsx.to_str().unwrap(),
    ];
    ok(socai(&b, &args));
    let Some((tables, pages)) = printed(soffice, tmp.path(), &xlsx) else {
        return;
    };
    // Two units and the total: one page, fitted to its width, then the provenance.
    assert_eq!(tables.len(), 1, "{pages:?}");
    let page = &tables[0];
    for text in [
        "Tổng hợp quyết toán kế hoạch vốn",
        "Đơn vị tính: đồng, hiển thị triệu đồng",
        "Mã đơn vị",
        "Năm trước",
        "Kế hoạch",
        "Chưa sử dụng",
        "DEMO-LUNGPHINH",
        "Xã B",
        "Tổng cộng",
    ] {
        assert!(page.contains(text), "no {text:?}\n{page}");
    }
    // Exact đồng shown in triệu: each unit's plan 38.996, the total 77.992 (the separator is
    // the printing locale's).
    assert!(page.contains("38,996") || page.contains("38.996"), "{page}");
    assert!(page.contains("77,992") || page.contains("77.992"), "{page}");
    let last = pages.last().unwrap();
    for text in ["Nội dung", "Giá trị", "Lập lại bằng lệnh", "--pin B-02="] {
        assert!(last.contains(text), "{text}: {last}");
    }
}

/// A row without plan (a line opened, nothing allocated yet) has no rate: the cell is empty,
/// not the text "–" that a sum or a chart trips over.
#[test]
fn a_row_without_plan_leaves_the_rate_cell_empty() {
    let open = |n: u32, line: &str, work: &str| {
        serde_json::json!({"id": format!("00000000-0000-4000-8000-00000000000{n}"),
            "type": "open_line", "effective_date": "2025-01-02", "line": line,
            "program": "DTTS", "capital": "investment", "source": "NSTW", "plan_year": 2025,
            "origin": "in_year", "work": work})
    };
    let alloc = serde_json::json!({"id": "00000000-0000-4000-8000-000000000009",
        "type": "allocate", "effective_date": "2025-01-03", "line": "I1", "amount": "1000000",
        "document": {"number": "1", "date": "2025-01-03"}});
    let (tmp, db) = common::store_of(&[open(1, "I1", "Cầu"), open(2, "I2", "Kè"), alloc]);
    let out = tmp.path().join("r.xlsx");
    let args = [
        "report",
        "--as-of",
        "2025-12-31",
        "--plan-year",
        "2025",
        "--out",
        out.to_str().unwrap(),
    ];
    ok(socai(&db, &args));
    let mut wb: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let range = wb.worksheet_range("Phụ biểu 02").unwrap();
    // Columns found by their headers: annex 02 puts each work's own columns first.
    let head = range
        .rows()
        .find(|r| r[0] == Data::String("Nội dung".into()))
        .unwrap();
    let col = |name: &str| {
        head.iter()
            .position(|h| matches!(h, Data::String(s) if s.starts_with(name)))
            .unwrap_or_else(|| panic!("no column {name}: {head:?}"))
    };
    let (plan, rate) = (col("Tổng KH vốn"), col("Tỷ lệ GN"));
    let kè = range
        .rows()
        .find(|r| matches!(&r[0], Data::String(s) if s.ends_with("Kè")))
        .unwrap_or_else(|| panic!("no row for Kè: {range:?}"));
    assert_eq!(kè[plan], Data::Float(0.0), "no plan");
    assert_eq!(kè[rate], Data::Empty, "no rate");
    let cầu = range
        .rows()
        .find(|r| matches!(&r[0], Data::String(s) if s.ends_with("Cầu")))
        .unwrap();
    assert_eq!(
        cầu[rate],
        Data::Float(0.0),
        "a plan and nothing disbursed: 0 %"
    );
}

/// `text` as a vi-VN Excel writes it in Windows-1258: letters the code page holds whole (â, ê,
/// ô, ă, ơ, ư, đ) as one byte, each tone mark as a combining byte after the letter.
fn windows_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut split = String::new();
    for c in text.chars() {
        let nfd: String = c.to_string().nfd().collect();
        let tones: String = nfd.chars().filter(|m| TONES.contains(m)).collect();
        let letter: String = nfd.chars().filter(|m| !TONES.contains(m)).collect();
        split.extend(letter.nfc());
        split.push_str(&tones);
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&split);
    assert!(!unmappable, "{split}");
    bytes.into_owned()
}

#[test]
fn import_plan_reads_a_windows_1258_csv_with_day_first_dates_as_its_utf_8_twin() {
    let tmp = tempfile::tempdir().unwrap();
    let utf8 = common::fixture("plan-2025/plan.csv");
    let original = std::fs::read_to_string(&utf8).unwrap();
    // What "Save as CSV" in a vi-VN Excel writes: Windows-1258, dates day first.
    let mut vi_vn = String::new();
    for line in original.lines() {
        let cells: Vec<String> = line
            .split(';')
            .map(|c| match c.as_bytes() {
                [_, _, _, _, b'-', _, _, b'-', _, _] => {
                    format!("{}/{}/{}", &c[8..], &c[5..7], &c[..4])
                }
                _ => c.to_string(),
            })
            .collect();
        vi_vn.push_str(&cells.join(";"));
        vi_vn.push_str("\r\n");
    }
    assert!(vi_vn.contains(";10/01/2025;"), "{vi_vn}");
    let legacy = tmp.path().join("ke-hoach.csv");
    let bytes = windows_1258(&vi_vn);
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    std::fs::write(&legacy, bytes).unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(socai(&a, &["import-plan", utf8.to_str().unwrap()]));
    ok(socai(&b, &["import-plan", legacy.to_str().unwrap()]));
    // The same events, ids included (they are the rows' content): names in NFC, same dates.
    let export = |db: &Path| text(&ok(socai(db, &["export"])));
    let (from_utf8, from_legacy) = (export(&a), export(&b));
    assert!(from_utf8.contains("Giải quyết tình trạng thiếu đất ở"));
    assert_eq!(from_legacy, from_utf8);
    // A date that does not exist names itself.
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, vi_vn.replace("10/01/2025", "31/02/2025")).unwrap();
    let o = socai(
        &tmp.path().join("c"),
        &["import-plan", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("31/02/2025"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_xlsx_journal_has_one_row_per_event_as_the_jsonl_export_says() {
    // The plan-2025 fixture: a plan table, a transfer, a refund, a reversed duplicate voucher.
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    common::fixture_store(&common::fixture("plan-2025"), &db);
    let out = tmp.path().join("nhat-ky.xlsx");
    // The extension names the format.
    assert!(ok(socai(&db, &["export", "--out", out.to_str().unwrap()])).is_empty());
    let events: Vec<Value> = text(&ok(socai(&db, &["export"])))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut wb: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), ["Nhật ký"]);
    let range = wb.worksheet_range("Nhật ký").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows[0][0], Data::String("Số thứ tự".into()));
    assert_eq!(
        rows.len(),
        events.len() + 1,
        "a header and one row per event"
    );
    let seq_of: std::collections::HashMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e["id"].as_str().unwrap(), i + 1))
        .collect();
    let mut reversed_by = std::collections::HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if e["type"] == "reverse" {
            reversed_by.insert(seq_of[e["target"].as_str().unwrap()], i + 1);
        }
    }
    assert!(!reversed_by.is_empty(), "the fixture reverses a voucher");
    let day = |d: &Data| match d {
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y}-{m:02}-{d:02}")
        }
        other => panic!("not a date cell: {other:?}"),
    };
    let cell_text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    };
    for (i, (e, row)) in events.iter().zip(&rows[1..]).enumerate() {
        let seq = i + 1;
        assert_eq!(float(&row[0]), seq as f64);
        assert_eq!(
            day(&row[2]),
            e["effective_date"].as_str().unwrap(),
            "seq {seq}"
        );
        match e["amount"].as_str() {
            Some(a) => assert_eq!(float(&row[5]), a.parse::<f64>().unwrap(), "seq {seq}"),
            None => assert_eq!(row[5], Data::Empty, "seq {seq}"),
        }
        if let Some(line) = e["line"].as_str() {
            assert!(cell_text(&row[4]).starts_with(line), "seq {seq}");
        }
        if let (Some(from), Some(to)) = (e["from"].as_str(), e["to"].as_str()) {
            assert_eq!(cell_text(&row[4]), format!("{from} → {to}"), "seq {seq}");
        }
        let doc = &e["document"];
        assert_eq!(
            cell_text(&row[6]),
            doc["number"].as_str().unwrap_or(""),
            "seq {seq}"
        );
        if let Some(date) = doc["date"].as_str() {
            assert_eq!(day(&row[7]), date, "seq {seq}");
        }
        assert_eq!(
            cell_text(&row[8]),
            doc["issuer"].as_str().unwrap_or(""),
            "seq {seq}"
        );
        assert_eq!(
            cell_text(&row[9]),
            e["payee"].as_str().unwrap_or(""),
            "seq {seq}"
        );
        assert_eq!(
            cell_text(&row[10]),
            e["actor"].as_str().unwrap_or(""),
            "seq {seq}"
        );
        match reversed_by.get(&seq) {
            Some(by) => assert_eq!(float(&row[12]), *by as f64, "seq {seq}"),
            None => assert_eq!(row[12], Data::Empty, "seq {seq}"),
        }
    }
    // To stdout it would be bytes on a terminal: refused, as is a contradiction.
    let o = socai(&db, &["export", "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    let o = socai(
        &db,
        &["export", "--format", "csv", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("format_mismatch"));
    // --out for the text formats writes what stdout would have.
    let jsonl = tmp.path().join("e.jsonl");
    ok(socai(&db, &["export", "--out", jsonl.to_str().unwrap()]));
    assert_eq!(std::fs::read(&jsonl).unwrap(), ok(socai(&db, &["export"])));
}
