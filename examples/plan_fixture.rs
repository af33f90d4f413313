//! Writes replay-fixtures/plan-2025/plan.xlsx and plan.csv: the same small 2025 plan table,
//! once as a workbook with typed cells (numbers, date cells) and once as the CSV a vi-VN Excel
//! saves (`;`-separated, amounts grouped with dots).
//!
//!     cargo run --example plan_fixture
//!
//! The rows are literals here; `replay-fixtures/plan-2025/expected.py` re-derives the expected
//! balances from plan.csv and disbursements.jsonl on its own.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

struct Row {
    line: &'static str,
    program: &'static str,
    project: &'static str,
    subproject: &'static str,
    capital: &'static str,
    source: &'static str,
    origin: &'static str,
    work: &'static str,
    name: &'static str,
    amount: i64,
    decision: &'static str,
    date: (u16, u8, u8),
    issuer: &'static str,
}

const HEADER: [&str; 14] = [
    "line",
    "program",
    "project",
    "subproject",
    "capital",
    "source",
    "plan_year",
    "origin",
    "work",
    "name",
    "amount",
    "decision_number",
    "decision_date",
    "decision_issuer",
];

const ROWS: [Row; 9] = [
    Row {
        line: "2025/DTTS/SN/DA1/NSTW",
        program: "DTTS",
        project: "DA1",
        subproject: "",
        capital: "recurrent",
        source: "NSTW",
        origin: "in_year",
        work: "",
        name: "DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt",
        amount: 1_250_000_000,
        decision: "125/QĐ-UBND",
        date: (2025, 1, 10),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/DTTS/SN/DA3/TDA1/NSTW",
        program: "DTTS",
        project: "DA3",
        subproject: "TDA1",
        capital: "recurrent",
        source: "NSTW",
        origin: "in_year",
        work: "",
        name: "DA3/TDA1: Phát triển kinh tế nông, lâm nghiệp bền vững gắn với bảo vệ rừng",
        amount: 860_500_000,
        decision: "125/QĐ-UBND",
        date: (2025, 1, 10),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/DTTS/DT/CT01",
        program: "DTTS",
        project: "DA4",
        subproject: "",
        capital: "investment",
        source: "NSTW",
        origin: "in_year",
        work: "Đường nội bản Sín Chải",
        name: "Đường bê tông nội bản Sín Chải",
        amount: 3_400_000_000,
        decision: "126/QĐ-UBND",
        date: (2025, 1, 15),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/DTTS/DT/CT02",
        program: "DTTS",
        project: "DA4",
        subproject: "",
        capital: "investment",
        source: "NSTW",
        origin: "in_year",
        work: "Nhà văn hóa bản Lùng Phình",
        name: "Nhà văn hóa bản Lùng Phình",
        amount: 1_980_000_000,
        decision: "126/QĐ-UBND",
        date: (2025, 1, 15),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/GNBV/SN/DA2/NSTW",
        program: "GNBV",
        project: "DA2",
        subproject: "",
        capital: "recurrent",
        source: "NSTW",
        origin: "in_year",
        work: "",
        name: "DA2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo",
        amount: 720_000_000,
        decision: "131/QĐ-UBND",
        date: (2025, 2, 3),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/GNBV/SN/DA3/TDA1/NSTW/CN",
        program: "GNBV",
        project: "DA3",
        subproject: "TDA1",
        capital: "recurrent",
        source: "NSTW",
        origin: "carried_over",
        work: "",
        name: "DA3/TDA1: Hỗ trợ phát triển sản xuất – vốn chuyển nguồn 2024",
        amount: 315_250_000,
        decision: "18/QĐ-UBND",
        date: (2025, 1, 6),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/NTM/SN/ND1/NSDP",
        program: "NTM",
        project: "ND1",
        subproject: "",
        capital: "recurrent",
        source: "NSDP",
        origin: "in_year",
        work: "",
        name: "NTM: Nâng cao chất lượng tiêu chí nông thôn mới",
        amount: 450_000_000,
        decision: "140/QĐ-UBND",
        date: (2025, 3, 12),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/DTTS/SN/DA1/NSTW",
        program: "DTTS",
        project: "DA1",
        subproject: "",
        capital: "recurrent",
        source: "NSTW",
        origin: "in_year",
        work: "",
        name: "DA1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt",
        amount: 300_000_000,
        decision: "502/QĐ-UBND",
        date: (2025, 7, 1),
        issuer: "UBND xã Lùng Phình",
    },
    Row {
        line: "2025/NTM/SN/ND1/NSDP",
        program: "NTM",
        project: "ND1",
        subproject: "",
        capital: "recurrent",
        source: "NSDP",
        origin: "in_year",
        work: "",
        name: "NTM: Nâng cao chất lượng tiêu chí nông thôn mới",
        amount: 125_750_000,
        decision: "611/QĐ-UBND",
        date: (2025, 8, 20),
        issuer: "UBND xã Lùng Phình",
    },
];

/// vi-VN grouping of whole đồng: 1250000000 → "1.250.000.000".
fn grouped(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/plan-2025");

    let mut book = Workbook::new();
    // A fixed creation time keeps the file's bytes the same from run to run.
    let created = ExcelDateTime::from_ymd(2025, 1, 1)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    sheet.set_name("KH2025")?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in ROWS.iter().enumerate() {
        let row = i as u32 + 1;
        let texts = [
            r.line,
            r.program,
            r.project,
            r.subproject,
            r.capital,
            r.source,
        ];
        for (c, t) in texts.iter().enumerate() {
            if !t.is_empty() {
                sheet.write_string(row, c as u16, *t)?;
            }
        }
        sheet.write_number(row, 6, 2025)?;
        sheet.write_string(row, 7, r.origin)?;
        if !r.work.is_empty() {
            sheet.write_string(row, 8, r.work)?;
        }
        sheet.write_string(row, 9, r.name)?;
        sheet.write_number_with_format(row, 10, r.amount as f64, &money)?;
        sheet.write_string(row, 11, r.decision)?;
        let (y, m, d) = r.date;
        sheet.write_datetime_with_format(row, 12, ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        sheet.write_string(row, 13, r.issuer)?;
    }
    sheet.set_column_width(9, 60)?;
    sheet.set_column_width(10, 16)?;
    book.save(dir.join("plan.xlsx"))?;

    let mut csv = HEADER.join(";");
    csv.push('\n');
    for r in &ROWS {
        let (y, m, d) = r.date;
        let fields = [
            r.line.to_string(),
            r.program.into(),
            r.project.into(),
            r.subproject.into(),
            r.capital.into(),
            r.source.into(),
            "2025".into(),
            r.origin.into(),
            r.work.into(),
            r.name.into(),
            grouped(r.amount),
            r.decision.into(),
            format!("{y:04}-{m:02}-{d:02}"),
            r.issuer.into(),
        ];
        // Names hold commas: quote every text field the way Excel does when it must.
        let quoted: Vec<String> = fields
            .iter()
            .map(|f| {
                if f.contains([';', '"', ',']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.clone()
                }
            })
            .collect();
        csv.push_str(&quoted.join(";"));
        csv.push('\n');
    }
    std::fs::write(dir.join("plan.csv"), csv)?;
    Ok(())
}
