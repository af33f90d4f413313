//! The settlement of a plan year (quyết toán) for people and machines: text, JSON, CSV and
//! xlsx, Vietnamese by default like the other reports, each with its provenance. Reads the
//! view (`core::settlement`); never the store.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};
use serde_json::{Map, Value, json};

use crate::core::event::Capital;
use crate::core::money::rate_text;
use crate::core::rejection::Rejection;
use crate::core::settlement::{Row, Settlement};
use crate::present::render::{Provenance, RATE_DECIMALS, Style};
use crate::present::vi_format::{Lang, amount, number, ratio_percent};

/// The columns, in order: JSON/CSV key, Vietnamese and English headings.
const COLUMNS: [(&str, &str, &str); 15] = [
    (
        "brought_forward",
        "Năm trước chuyển sang",
        "Brought forward",
    ),
    ("assigned", "Giao trong năm", "Assigned"),
    ("withdrawn", "Thu hồi", "Withdrawn"),
    ("transferred_net", "Điều chỉnh (thuần)", "Transferred (net)"),
    ("plan", "Kế hoạch", "Plan"),
    ("disbursed", "Giải ngân", "Disbursed"),
    ("carried_out", "Chuyển nguồn, kéo dài", "Carried out"),
    ("lapsed", "Hủy dự toán", "Lapsed"),
    ("unspent", "Chưa sử dụng", "Unspent"),
    (
        "recovered_after_close",
        "Thu hồi sau hạn",
        "Recovered after close",
    ),
    (
        "completed",
        "Thanh toán khối lượng hoàn thành",
        "Completed volume paid",
    ),
    (
        "advance_outstanding",
        "Tạm ứng chưa thu hồi",
        "Advances outstanding",
    ),
    ("committed", "Cam kết chi", "Committed"),
    (
        "commitment_outstanding",
        "Cam kết chưa thanh toán",
        "Commitments unpaid",
    ),
    ("rate", "Tỷ lệ giải ngân", "Rate"),
];
/// The rate's column (the last).
const RATE_COLUMN: usize = COLUMNS.len() - 1;

fn amounts(row: &Row) -> [Decimal; RATE_COLUMN] {
    [
        row.brought_forward,
        row.assigned,
        row.withdrawn,
        row.transferred_net,
        row.plan,
        row.disbursed,
        row.carried_out,
        row.lapsed,
        row.unspent(),
        row.recovered_after_close,
        row.pay.completed,
        row.pay.advance_outstanding,
        row.pay.committed,
        row.pay.commitment_outstanding,
    ]
}

fn capital_label(capital: Capital, lang: Lang) -> &'static str {
    match (capital, lang) {
        (Capital::Investment, Lang::Vi) => "Vốn đầu tư phát triển",
        (Capital::Recurrent, Lang::Vi) => "Vốn sự nghiệp",
        (Capital::Investment, Lang::En) => "Development investment",
        (Capital::Recurrent, Lang::En) => "Recurrent funds",
    }
}

/// A labelled row of the settlement: (level, key, label, figures), lines first, then the
/// aggregates by capital type and program, then the total.
fn rows<'a>(s: &'a Settlement<'_>, lang: Lang) -> Vec<(&'static str, String, String, &'a Row)> {
    let mut out = Vec::new();
    for l in &s.lines {
        let label = l.spec.name.clone().unwrap_or_else(|| l.spec.line.clone());
        out.push(("line", l.spec.line.clone(), label, &l.row));
    }
    for (capital, row) in &s.by_capital {
        let label = capital_label(*capital, lang).to_string();
        out.push(("capital", capital.as_str().to_string(), label, row));
    }
    for (program, row) in &s.by_program {
        // The catalogue's name (a proper name: the same in both languages); an unknown code
        // keeps the words it had.
        let name = crate::present::catalogue::program_name(program);
        let label = match lang {
            _ if name != *program => name,
            Lang::Vi => format!("Chương trình {program}"),
            Lang::En => format!("Program {program}"),
        };
        out.push(("program", program.clone(), label, row));
    }
    let total = match lang {
        Lang::Vi => "Tổng cộng",
        Lang::En => "Total",
    };
    out.push(("total", "total".to_string(), total.to_string(), &s.total));
    out
}

fn title(s: &Settlement<'_>, prov: &Provenance, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!(
            "QUYẾT TOÁN KẾ HOẠCH VỐN NĂM {} (đến ngày {}, theo sổ đến thứ tự {})",
            s.plan_year,
            prov.as_of.format("%d/%m/%Y"),
            prov.known_at
        ),
        Lang::En => format!(
            "SETTLEMENT OF PLAN YEAR {} (as of {}, known at sequence {})",
            s.plan_year, prov.as_of, prov.known_at
        ),
    }
}

fn provenance_lines(prov: &Provenance, lang: Lang) -> Vec<String> {
    let (recorded, hash, again) = match lang {
        Lang::Vi => ("Ghi sổ lúc", "Mã băm", "Lập lại bằng lệnh"),
        Lang::En => ("Recorded at", "Hash", "Reproduce with"),
    };
    vec![
        format!("{recorded}: {}", prov.recorded_text()),
        format!("{hash}: {}", prov.hash_text()),
        format!("{again}: {}", prov.command),
    ]
}

/// The settlement as text: one block per row, every column named, amounts in `--unit`.
pub fn text(s: &Settlement<'_>, prov: &Provenance, style: Style) -> String {
    let lang = style.lang;
    let mut out = title(s, prov, lang);
    out.push('\n');
    let unit = style.unit.label(lang);
    let _ = writeln!(
        out,
        "{}: {unit}",
        if lang == Lang::Vi {
            "Đơn vị"
        } else {
            "Unit"
        }
    );
    let width = COLUMNS
        .iter()
        .map(|(_, vi, en)| if lang == Lang::Vi { vi } else { en }.chars().count())
        .max()
        .unwrap_or(0);
    for (level, key, label, row) in rows(s, lang) {
        let head = if level == "line" && key != label {
            format!("{key} – {label}")
        } else {
            label
        };
        let _ = writeln!(out, "\n{head}");
        for ((_, vi, en), value) in COLUMNS.iter().zip(amounts(row)) {
            let name = if lang == Lang::Vi { vi } else { en };
            let shown = amount(value, style.unit, lang);
            let _ = writeln!(out, "  {name:<width$}  {shown:>16}");
        }
        let (_, vi, en) = COLUMNS[RATE_COLUMN];
        let name = if lang == Lang::Vi { vi } else { en };
        let rate = ratio_percent(row.rate(), RATE_DECIMALS, lang);
        let _ = writeln!(out, "  {name:<width$}  {rate:>16}");
    }
    out.push('\n');
    for line in provenance_lines(prov, lang) {
        let _ = writeln!(out, "{line}");
    }
    out
}

fn row_json(row: &Row) -> Map<String, Value> {
    let mut m = Map::new();
    for ((key, _, _), value) in COLUMNS.iter().zip(amounts(row)) {
        m.insert((*key).into(), value.to_string().into());
    }
    m.insert(
        "rate".into(),
        rate_text(row.rate()).map_or(Value::Null, Value::String),
    );
    m
}

/// The machine form: exact đồng as strings, 4-decimal rates, whatever `--unit` and `--lang`.
pub fn json(s: &Settlement<'_>, prov: &Provenance) -> Value {
    let lines: Vec<Value> = s
        .lines
        .iter()
        .map(|l| {
            let mut m = Map::new();
            m.insert("line".into(), l.spec.line.clone().into());
            m.insert("program".into(), l.spec.program.clone().into());
            m.insert("capital".into(), l.spec.capital.as_str().into());
            m.insert("source".into(), l.spec.source.clone().into());
            m.insert("origin".into(), l.spec.origin.as_str().into());
            m.insert("deadline".into(), l.deadline.to_string().into());
            m.extend(row_json(&l.row));
            Value::Object(m)
        })
        .collect();
    let group = |key: &str, name: String, row: &Row| {
        let mut m = Map::new();
        m.insert(key.into(), name.into());
        m.extend(row_json(row));
        Value::Object(m)
    };
    json!({
        "provenance": prov.json(),
        "amounts": "đồng",
        "plan_year": s.plan_year,
        "lines": lines,
        "by_capital": s.by_capital.iter()
            .map(|(c, r)| group("capital", c.as_str().to_string(), r)).collect::<Vec<_>>(),
        "by_program": s.by_program.iter()
            .map(|(p, r)| group("program", p.clone(), r)).collect::<Vec<_>>(),
        "total": Value::Object(row_json(&s.total)),
    })
}

/// A text cell: neutralised against spreadsheet formulas like every CSV output
/// (`present::csv_cell`), then quoted as RFC 4180 asks.
fn csv_field(s: &str) -> String {
    let s = crate::present::csv_cell::text(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV (RFC 4180), like the report's: provenance rows, then one row per line and aggregate;
/// amounts in `--unit` with a "." decimal point and no grouping, rates as 4-decimal fractions.
pub fn csv(s: &Settlement<'_>, prov: &Provenance, style: Style) -> String {
    let keys: Vec<&str> = COLUMNS.iter().map(|(k, _, _)| *k).collect();
    let mut out = format!("level,key,label,{}\r\n", keys.join(","));
    let blanks = ",".repeat(COLUMNS.len());
    for (k, v) in [
        ("as_of", prov.as_of.to_string()),
        ("plan_year", prov.plan_year.to_string()),
        ("known_at", prov.known_at.to_string()),
        ("recorded_at", prov.recorded_text()),
        ("head_hash", prov.hash_text()),
        ("command", prov.command.clone()),
        ("unit", style.unit.as_str().to_string()),
    ] {
        let _ = write!(
            out,
            "provenance,,{}{blanks}\r\n",
            csv_field(&format!("{k}={v}"))
        );
    }
    let plain = |d: Decimal| {
        number(d / style.unit.divisor(), style.unit.decimals(), Lang::En).replace(',', "")
    };
    for (level, key, label, row) in rows(s, style.lang) {
        let figures: Vec<String> = amounts(row).into_iter().map(plain).collect();
        let _ = write!(
            out,
            "{level},{},{},{},{}\r\n",
            csv_field(&key),
            csv_field(&label),
            figures.join(","),
            rate_text(row.rate()).unwrap_or_default()
        );
    }
    out
}

/// The settlement as an xlsx workbook: the table (numbers, never text) and the provenance.
pub fn xlsx(s: &Settlement<'_>, prov: &Provenance, style: Style) -> Result<Vec<u8>, String> {
    build(s, prov, style).map_err(|e| format!("cannot write the xlsx workbook: {e}"))
}

fn build(s: &Settlement<'_>, prov: &Provenance, style: Style) -> Result<Vec<u8>, XlsxError> {
    let lang = style.lang;
    let mut wb = Workbook::new();
    let created = prov
        .recorded_at
        .unwrap_or_else(|| prov.as_of.and_time(chrono::NaiveTime::MIN).and_utc());
    wb.set_properties(
        &DocProperties::new()
            .set_title(title(s, prov, lang))
            .set_comment(prov.command.clone())
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(match style.unit {
        crate::present::vi_format::Unit::Dong => "#,##0",
        crate::present::vi_format::Unit::Trieu => "#,##0,,",
        crate::present::vi_format::Unit::Ty => "#,##0.000,,,",
    });
    let rate = Format::new().set_num_format("0.00%");
    let sheet = wb.add_worksheet();
    sheet.set_name(if lang == Lang::Vi {
        "Quyết toán"
    } else {
        "Settlement"
    })?;
    sheet.write_string_with_format(0, 0, title(s, prov, lang), &bold)?;
    let unit = style.unit.label(lang);
    sheet.write_string(1, 0, unit)?;
    sheet.write_string_with_format(2, 0, if lang == Lang::Vi { "Mã" } else { "Key" }, &bold)?;
    sheet.write_string_with_format(
        2,
        1,
        if lang == Lang::Vi {
            "Nội dung"
        } else {
            "Item"
        },
        &bold,
    )?;
    for (i, (_, vi, en)) in COLUMNS.iter().enumerate() {
        let col = u16::try_from(i + 2).unwrap_or(u16::MAX);
        sheet.write_string_with_format(2, col, if lang == Lang::Vi { *vi } else { *en }, &bold)?;
    }
    for (r, (_, key, label, row)) in rows(s, lang).into_iter().enumerate() {
        let at = u32::try_from(r + 3).unwrap_or(u32::MAX);
        sheet.write_string(at, 0, key)?;
        sheet.write_string(at, 1, label)?;
        for (i, value) in amounts(row).into_iter().enumerate() {
            let col = u16::try_from(i + 2).unwrap_or(u16::MAX);
            // Whole đồng below 2^53 for any real commune: the conversion is exact.
            sheet.write_number_with_format(at, col, value.to_f64().unwrap_or(f64::NAN), &money)?;
        }
        if let Some(ratio) = row.rate().and_then(|d| d.to_f64()) {
            let col = u16::try_from(RATE_COLUMN + 2).unwrap_or(u16::MAX);
            sheet.write_number_with_format(at, col, ratio, &rate)?;
        }
    }
    let provenance = wb.add_worksheet();
    provenance.set_name(if lang == Lang::Vi {
        "Nguồn gốc"
    } else {
        "Provenance"
    })?;
    for (i, line) in provenance_lines(prov, lang).into_iter().enumerate() {
        provenance.write_string(u32::try_from(i).unwrap_or(u32::MAX), 0, line)?;
    }
    wb.save_to_buffer()
}

/// What `verify` adds about stored events that earlier rules accepted and today's refuse.
pub fn legacy_text(refusals: &[(u64, Rejection)], lang: Lang) -> String {
    if refusals.is_empty() {
        return String::new();
    }
    let n = refusals.len();
    let mut out = match lang {
        Lang::Vi => format!(
            "lưu ý: {n} sự kiện đã lưu được quy tắc cũ chấp nhận mà quy tắc hiện nay sẽ từ chối; chúng được giữ nguyên và vẫn được tính:\n"
        ),
        Lang::En => format!(
            "note: {n} stored event(s) were accepted by earlier rules that today's rules would refuse; they are kept and counted:\n"
        ),
    };
    for (seq, why) in refusals {
        let word = crate::present::messages::t(lang, "sự kiện số", "sequence");
        let why = match lang {
            Lang::Vi => crate::present::messages::rejection(why, lang),
            Lang::En => why.to_string(),
        };
        let _ = writeln!(out, "  {word} {seq}: {why}");
    }
    out
}
