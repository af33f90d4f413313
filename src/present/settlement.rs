//! The settlement of a plan year (quyết toán) for people and machines: text, JSON, CSV and
//! xlsx, Vietnamese by default like the other reports, each with its provenance. Reads the
//! view (`core::settlement`); never the store.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Worksheet, XlsxError};
use serde_json::{Map, Value, json};

use crate::core::event::Capital;
use crate::core::money::rate_text;
use crate::core::rejection::Rejection;
use crate::core::settlement::{Row, Settlement};
use crate::present::csv_out::{self, CsvDialect, CsvOut};
use crate::present::messages::t;
use crate::present::render::{Provenance, RATE_DECIMALS, Style};
use crate::present::vi_format::{Lang, amount, ratio_percent};
use crate::present::xlsx_sheet::{self, Styles};

/// The columns, in order: JSON/CSV key, Vietnamese and English headings.
pub(crate) const COLUMNS: [(&str, &str, &str); 15] = [
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
pub(crate) const RATE_COLUMN: usize = COLUMNS.len() - 1;

/// A row's amounts in the order of `COLUMNS` (the rate aside), in đồng.
pub(crate) fn amounts(row: &Row) -> [Decimal; RATE_COLUMN] {
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
        let label = crate::present::catalogue::program_title(program, lang);
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

/// The provenance's three labels: when the head was recorded, its hash, the command.
fn provenance_labels(lang: Lang) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::Vi => ("Ghi sổ lúc", "Mã băm", "Lập lại bằng lệnh"),
        Lang::En => ("Recorded at", "Hash", "Reproduce with"),
    }
}

fn provenance_lines(prov: &Provenance, lang: Lang) -> Vec<String> {
    let (recorded, hash, again) = provenance_labels(lang);
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
    let _ = writeln!(out, "{}: {unit}", t(lang, "Đơn vị", "Unit"));
    let width = COLUMNS
        .iter()
        .map(|(_, vi, en)| t(lang, vi, en).chars().count())
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
            let name = t(lang, vi, en);
            let shown = amount(value, style.unit, lang);
            let _ = writeln!(out, "  {name:<width$}  {shown:>16}");
        }
        let (_, vi, en) = COLUMNS[RATE_COLUMN];
        let name = t(lang, vi, en);
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

/// CSV like the report's (`present::csv_out`): provenance rows, then one row per line and
/// aggregate; amounts in `--unit` without grouping, rates as 4-decimal fractions.
pub fn csv(
    s: &Settlement<'_>,
    prov: &Provenance,
    style: Style,
    dialect: CsvDialect,
) -> Result<String, String> {
    let mut out = CsvOut::new(dialect);
    let keys = COLUMNS.iter().map(|(k, _, _)| *k);
    out.record(["level", "key", "label"].into_iter().chain(keys))?;
    let blanks = std::iter::repeat_n("", COLUMNS.len());
    let unit = ("unit", style.unit.as_str().to_string());
    for (k, v) in prov.fields().into_iter().chain([unit]) {
        let cell = csv_out::text(&format!("{k}={v}"));
        let row = ["provenance", "", &cell].into_iter().chain(blanks.clone());
        out.record(row)?;
    }
    for (level, key, label, row) in rows(s, style.lang) {
        let figures = amounts(row).map(|d| dialect.amount(d, style.unit));
        let head = [
            level.to_string(),
            csv_out::text(&key),
            csv_out::text(&label),
        ];
        out.record(
            head.into_iter()
                .chain(figures)
                .chain([dialect.rate(row.rate())]),
        )?;
    }
    out.finish()
}

/// The settlement as an xlsx workbook: the table (numbers, never text) and the provenance.
pub fn xlsx(s: &Settlement<'_>, prov: &Provenance, style: Style) -> Result<Vec<u8>, String> {
    build(s, prov, style).map_err(xlsx_sheet::unwritten)
}

fn build(s: &Settlement<'_>, prov: &Provenance, style: Style) -> Result<Vec<u8>, XlsxError> {
    let lang = style.lang;
    let mut wb = xlsx_sheet::document_workbook(prov, title(s, prov, lang));
    let styles = Styles::new(style.unit);
    let sheet = wb.add_worksheet();
    sheet.set_name(t(lang, "Quyết toán", "Settlement"))?;
    settlement_sheet(sheet, &styles, s, prov, style)?;
    let provenance = wb.add_worksheet();
    provenance.set_name(t(lang, "Nguồn gốc", "Provenance"))?;
    let (recorded, hash, again) = provenance_labels(lang);
    let rows = [
        (recorded.to_string(), prov.recorded_text(), "recorded_at"),
        (hash.to_string(), prov.hash_text(), "head_hash"),
        (again.to_string(), prov.command.clone(), "command"),
    ];
    xlsx_sheet::provenance_sheet(provenance, &styles, &rows, lang)?;
    wb.save_to_buffer()
}

/// The settlement table, laid out as the report's tables are (`present::xlsx_sheet`): the
/// total and the aggregates in bold, the lines indented under them.
fn settlement_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    s: &Settlement<'_>,
    prov: &Provenance,
    style: Style,
) -> Result<(), XlsxError> {
    let lang = style.lang;
    let caption = xlsx_sheet::unit_caption(style.unit, lang);
    let mut head = vec![
        t(lang, "Mã", "Key").to_string(),
        t(lang, "Nội dung", "Item").to_string(),
    ];
    for (i, (_, vi, en)) in COLUMNS.iter().enumerate() {
        let name = t(lang, vi, en);
        // Every column but the rate holds an amount.
        head.push(if i + 1 < COLUMNS.len() {
            format!("{name} ({caption})")
        } else {
            name.to_string()
        });
    }
    let last = u16::try_from(head.len() - 1).unwrap_or(u16::MAX);
    let lines = crate::present::xlsx::preamble_lines(prov, style);
    let at = xlsx_sheet::preamble(sheet, styles, last, &title(s, prov, lang), &lines)?;
    xlsx_sheet::header(sheet, styles, at, &head, lang)?;
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, LABEL_WIDTH)?;
    for c in 2..=last {
        sheet.set_column_width(c, 14)?;
    }
    for (r, (kind, key, label, row)) in rows(s, lang).into_iter().enumerate() {
        let at = at + 1 + u32::try_from(r).unwrap_or(u32::MAX - at - 1);
        let level = match kind {
            "total" => 0,
            "line" => 2,
            _ => 1,
        };
        sheet.write_string_with_format(at, 0, key, &styles.text)?;
        sheet.write_string_with_format(at, 1, &label, styles.label(level))?;
        xlsx_sheet::fit_label(sheet, at, &label, LABEL_WIDTH, level)?;
        let figures = (&amounts(row)[..], row.rate());
        xlsx_sheet::figures_row(sheet, styles, (at, 2), level, figures)?;
    }
    Ok(())
}

/// Width of the label column, in characters.
const LABEL_WIDTH: u16 = 56;

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
