//! The consolidation of many units (`socai consolidate`, `GET /v1/reports/consolidated`) as
//! text, JSON, Markdown, CSV and xlsx, in Vietnamese: section II or the settlement view, one
//! row per unit and the province total, and a provenance naming each unit's knowledge point
//! and head hash and the command that prints the same bytes again. Draws what `app` summed;
//! never reads a store.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, Workbook, Worksheet, XlsxError};
use serde_json::{Map, Value, json};

use crate::core::annex::Split;
use crate::core::money;
use crate::core::settlement::Row as SettlementRow;
use crate::present::csv_out::{self, CsvDialect, CsvOut};
use crate::present::settlement as settled;
use crate::present::vi_format::{self, Lang, Unit};
use crate::present::xlsx_sheet::{self, Styles};

/// One unit's figures, or the province total, in the view asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figures {
    /// Section II: plan (carried over, in-year) and disbursement.
    SectionTwo(Split),
    /// The settlement's total row (quyết toán).
    Settlement(SettlementRow),
}

/// One unit's row with the knowledge point it was read at.
#[derive(Clone, Debug)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub known_at: u64,
    /// The chain hash of `known_at`, hex (`None`: an empty store).
    pub head_hash: Option<String>,
    pub figures: Figures,
}

/// A consolidation ready to be written.
#[derive(Clone, Debug)]
pub struct Consolidated {
    pub plan_year: i32,
    pub as_of: NaiveDate,
    pub units: Vec<UnitRow>,
    pub total: Figures,
    /// The command that prints the same bytes.
    pub command: String,
    /// The workbook's creation time: the latest recording time the units were read at, so
    /// the same pins give the same bytes.
    pub created: DateTime<Utc>,
}

/// Section II's columns of a consolidation: JSON/CSV key, Vietnamese heading.
const SECTION_TWO: [(&str, &str); 4] = [
    ("carried", "Vốn năm trước chuyển sang"),
    ("in_year", "Vốn giao trong năm"),
    ("plan", "Tổng kế hoạch vốn"),
    ("disbursed", "Giải ngân"),
];
const RATE_HEADING: &str = "Tỷ lệ giải ngân";

impl Figures {
    /// The amount columns (key, heading), the rate aside.
    fn columns(&self) -> Vec<(&'static str, &'static str)> {
        match self {
            Figures::SectionTwo(_) => SECTION_TWO.to_vec(),
            Figures::Settlement(_) => settled::COLUMNS[..settled::RATE_COLUMN]
                .iter()
                .map(|(key, vi, _)| (*key, *vi))
                .collect(),
        }
    }

    /// The amounts, in the order of `columns`, in đồng.
    fn amounts(&self) -> Vec<Decimal> {
        match self {
            Figures::SectionTwo(s) => {
                let t = s.total();
                vec![s.carried.plan, s.in_year.plan, t.plan, t.disbursed]
            }
            Figures::Settlement(row) => settled::amounts(row).to_vec(),
        }
    }

    fn rate(&self) -> Option<Decimal> {
        match self {
            Figures::SectionTwo(s) => {
                let t = s.total();
                money::rate(t.disbursed, t.plan)
            }
            Figures::Settlement(row) => row.rate(),
        }
    }

    /// The view's name in `--view` and in JSON.
    pub fn view_name(&self) -> &'static str {
        match self {
            Figures::SectionTwo(_) => "section-ii",
            Figures::Settlement(_) => "settlement",
        }
    }
}

impl Consolidated {
    fn title(&self) -> String {
        let what = match self.total {
            Figures::SectionTwo(_) => "kế hoạch vốn và giải ngân",
            Figures::Settlement(_) => "quyết toán kế hoạch vốn",
        };
        format!(
            "Tổng hợp {what} các Chương trình MTQG năm {}, số liệu đến hết ngày {}",
            self.plan_year,
            self.as_of.format("%d/%m/%Y")
        )
    }

    /// Every row: the units in folder order, then the total (its code empty).
    fn rows(&self) -> Vec<(&str, &str, &Figures)> {
        let mut rows: Vec<(&str, &str, &Figures)> = self
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.name.as_str(), &u.figures))
            .collect();
        rows.push(("", "Tổng cộng", &self.total));
        rows
    }

    fn provenance_json(&self) -> Value {
        let units: Vec<Value> = self
            .units
            .iter()
            .map(|u| json!({"code": u.code, "known_at": u.known_at, "head_hash": u.head_hash}))
            .collect();
        json!({"units": units, "command": self.command})
    }

    fn hash_text(u: &UnitRow) -> &str {
        u.head_hash.as_deref().unwrap_or("-")
    }

    /// The provenance block of the text answers (both views).
    fn provenance_text(&self, out: &mut String) {
        out.push_str("\nNguồn gốc số liệu\n");
        for u in &self.units {
            let _ = writeln!(
                out,
                "  {}: đến sự kiện {}, mã băm {}",
                u.code,
                u.known_at,
                Self::hash_text(u)
            );
        }
        let _ = writeln!(out, "  Lệnh tái lập: {}", self.command);
    }
}

/// The consolidation as JSON: exact đồng as strings, 4-decimal rates.
pub fn json(c: &Consolidated) -> Value {
    let figures = |f: &Figures| -> Map<String, Value> {
        let mut m = Map::new();
        for ((key, _), value) in f.columns().iter().zip(f.amounts()) {
            m.insert((*key).into(), value.to_string().into());
        }
        m.insert("rate".into(), money::rate_text(f.rate()).into());
        m
    };
    let units: Vec<Value> = c
        .units
        .iter()
        .map(|u| {
            let mut m = figures(&u.figures);
            m.insert("code".into(), u.code.clone().into());
            m.insert("name".into(), u.name.clone().into());
            Value::Object(m)
        })
        .collect();
    let mut out = json!({
        "plan_year": c.plan_year,
        "as_of": c.as_of.to_string(),
        "amounts": "đồng",
        "units": units,
        "total": Value::Object(figures(&c.total)),
        "provenance": c.provenance_json(),
    });
    // Section II keeps the shape it had before the settlement view existed.
    if let Figures::Settlement(_) = c.total {
        out["view"] = c.total.view_name().into();
    }
    out
}

/// The consolidation as text, in triệu đồng: section II one line per unit, the settlement
/// one block per unit with every column named.
pub fn text(c: &Consolidated) -> String {
    let mut out = format!(
        "{}\nĐơn vị: triệu đồng; {} đơn vị.\n\n",
        c.title(),
        c.units.len()
    );
    for (i, (code, name, f)) in c.rows().into_iter().enumerate() {
        let label = if code.is_empty() {
            name.to_string()
        } else {
            format!("{code} {name}")
        };
        match f {
            Figures::SectionTwo(s) => out.push_str(&section_two_line(&label, s)),
            Figures::Settlement(_) => {
                // A blank line between blocks, as the single settlement has.
                if i > 0 {
                    out.push('\n');
                }
                settlement_block(&mut out, &label, f);
            }
        }
    }
    c.provenance_text(&mut out);
    out
}

fn section_two_line(label: &str, s: &Split) -> String {
    let t = s.total();
    format!(
        "  {label}: kế hoạch {} (chuyển tiếp {}, trong năm {}), giải ngân {} ({})\n",
        vi_format::trieu(t.plan),
        vi_format::trieu(s.carried.plan),
        vi_format::trieu(s.in_year.plan),
        vi_format::trieu(t.disbursed),
        vi_format::percent(money::rate(t.disbursed, t.plan), 2)
    )
}

fn settlement_block(out: &mut String, label: &str, f: &Figures) {
    let columns = f.columns();
    let width = columns
        .iter()
        .map(|(_, h)| h.chars().count())
        .chain([RATE_HEADING.chars().count()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "{label}");
    for ((_, heading), value) in columns.iter().zip(f.amounts()) {
        let _ = writeln!(out, "  {heading:<width$}  {:>16}", vi_format::trieu(value));
    }
    let rate = vi_format::percent(f.rate(), 2);
    let _ = writeln!(out, "  {RATE_HEADING:<width$}  {rate:>16}");
}

/// A Markdown cell: a `|` would end it, a line break would end the row.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The consolidation as Markdown: one table (triệu đồng), then the provenance as a table.
pub fn markdown(c: &Consolidated) -> String {
    let columns = c.total.columns();
    let mut out = format!(
        "# {}\n\nĐơn vị tính: triệu đồng; {} đơn vị.\n\n| Mã đơn vị | Đơn vị |",
        c.title(),
        c.units.len()
    );
    for (_, heading) in &columns {
        let _ = write!(out, " {heading} |");
    }
    let _ = write!(out, " {RATE_HEADING} |\n|---|---|");
    out.push_str(&"---:|".repeat(columns.len() + 1));
    out.push('\n');
    for (code, name, f) in c.rows() {
        let name = if code.is_empty() {
            format!("**{name}**")
        } else {
            md_cell(name)
        };
        let _ = write!(out, "| {} | {name} |", md_cell(code));
        for value in f.amounts() {
            let _ = write!(out, " {} |", vi_format::trieu(value));
        }
        let _ = writeln!(out, " {} |", vi_format::percent(f.rate(), 2));
    }
    out.push_str(
        "\n## Nguồn gốc số liệu\n\n| Mã đơn vị | Đến sự kiện | Mã băm |\n|---|---:|---|\n",
    );
    for u in &c.units {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` |",
            md_cell(&u.code),
            u.known_at,
            Consolidated::hash_text(u)
        );
    }
    let _ = writeln!(out, "\nLệnh tái lập: `{}`", c.command);
    out
}

/// The consolidation as CSV (`present::csv_out`): provenance rows, then one row per unit
/// (with the knowledge point and head hash it was read at) and the total; amounts are whole
/// đồng, plain integers, rates 4-decimal fractions.
pub fn csv(c: &Consolidated, dialect: CsvDialect) -> Result<String, String> {
    let columns = c.total.columns();
    let mut out = CsvOut::new(dialect);
    let keys = columns.iter().map(|(k, _)| *k);
    out.record(["row", "code", "name"].into_iter().chain(keys).chain([
        "rate",
        "known_at",
        "head_hash",
    ]))?;
    let blanks = std::iter::repeat_n("", columns.len() + 3);
    for (k, v) in [
        ("view", c.total.view_name().to_string()),
        ("plan_year", c.plan_year.to_string()),
        ("as_of", c.as_of.to_string()),
        ("amounts", "đồng".to_string()),
        ("command", c.command.clone()),
    ] {
        let cell = csv_out::text(&format!("{k}={v}"));
        out.record(["provenance", "", &cell].into_iter().chain(blanks.clone()))?;
    }
    let pins = c
        .units
        .iter()
        .map(|u| (u.known_at.to_string(), u.head_hash.clone()));
    let pins = pins.map(Some).chain([None]);
    for ((code, name, f), pin) in c.rows().into_iter().zip(pins) {
        let kind = if pin.is_some() { "unit" } else { "total" };
        let (known_at, hash) = pin.map_or((String::new(), String::new()), |(k, h)| {
            (k, h.unwrap_or_default())
        });
        let head = [kind.to_string(), csv_out::text(code), csv_out::text(name)];
        let figures = f.amounts().into_iter().map(|d| dialect.exact(d));
        out.record(head.into_iter().chain(figures).chain([
            dialect.rate(f.rate()),
            known_at,
            hash,
        ]))?;
    }
    out.finish()
}

/// The consolidation as an xlsx workbook, laid out as every report table is
/// (`present::xlsx_sheet`): exact đồng shown in triệu, the total in bold; and the provenance.
pub fn xlsx(c: &Consolidated) -> Result<Vec<u8>, String> {
    build(c).map_err(|e| format!("cannot write the xlsx workbook: {e}"))
}

/// Width of the unit-name column, in characters.
const NAME_WIDTH: u16 = 36;

fn build(c: &Consolidated) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(c.title())
            .set_comment(c.command.clone())
            .set_creation_datetime(&c.created),
    );
    let styles = Styles::new(Unit::Trieu);
    let sheet = wb.add_worksheet();
    sheet.set_name("Tổng hợp")?;
    table_sheet(sheet, &styles, c)?;
    let provenance = wb.add_worksheet();
    provenance.set_name("Nguồn gốc")?;
    let mut rows: Vec<(String, String, &str)> = c
        .units
        .iter()
        .map(|u| {
            let value = format!(
                "{}: đến sự kiện {}, mã băm {}",
                u.name,
                u.known_at,
                Consolidated::hash_text(u)
            );
            (format!("Đơn vị {}", u.code), value, "unit")
        })
        .collect();
    rows.push(("Lập lại bằng lệnh".into(), c.command.clone(), "command"));
    let headers = ["Nội dung", "Giá trị", "Khóa"];
    xlsx_sheet::key_value_sheet(
        provenance,
        &styles,
        "Nguồn gốc số liệu",
        headers,
        &rows,
        Lang::Vi,
    )?;
    wb.save_to_buffer()
}

fn table_sheet(sheet: &mut Worksheet, styles: &Styles, c: &Consolidated) -> Result<(), XlsxError> {
    let caption = xlsx_sheet::unit_caption(Unit::Trieu, Lang::Vi);
    let mut head = vec!["Mã đơn vị".to_string(), "Đơn vị".to_string()];
    head.extend(
        c.total
            .columns()
            .iter()
            .map(|(_, h)| format!("{h} ({caption})")),
    );
    head.push(RATE_HEADING.to_string());
    let last = u16::try_from(head.len() - 1).unwrap_or(u16::MAX);
    let lines = [
        format!("Đơn vị tính: {caption}"),
        format!("{} đơn vị; nguồn gốc số liệu ở trang sau", c.units.len()),
    ];
    let at = xlsx_sheet::preamble(sheet, styles, last, &c.title(), &lines)?;
    xlsx_sheet::header(sheet, styles, at, &head, Lang::Vi)?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, NAME_WIDTH)?;
    for col in 2..=last {
        sheet.set_column_width(col, 14)?;
    }
    for (r, (code, name, f)) in c.rows().into_iter().enumerate() {
        let row = at + 1 + u32::try_from(r).unwrap_or(u32::MAX - at - 1);
        let level = if code.is_empty() { 0 } else { 2 };
        sheet.write_string_with_format(row, 0, code, &styles.text)?;
        sheet.write_string_with_format(row, 1, name, styles.label(level))?;
        xlsx_sheet::fit_label(sheet, row, name, NAME_WIDTH, level)?;
        let figures = (&f.amounts()[..], f.rate());
        xlsx_sheet::figures_row(sheet, styles, (row, 2), level, figures)?;
    }
    Ok(())
}
