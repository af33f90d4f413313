//! The consolidation of many units (`socai consolidate`, `GET /v1/reports/consolidated`) as
//! text, JSON, Markdown, CSV and xlsx, in Vietnamese: section II or the settlement view, one
//! row per unit and the province total, and a provenance naming each unit's knowledge point
//! and head hash and the command that prints the same bytes again. Draws what `app` summed;
//! never reads a store. Vietnamese by default, English on request (`Consolidated::lang`);
//! JSON keys and CSV column keys stay the same in both.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, Workbook, Worksheet, XlsxError};
use serde_json::{Map, Value, json};

use crate::core::annex::Split;
use crate::core::money;
use crate::core::settlement::Row as SettlementRow;
use crate::present::csv_out::{self, CsvDialect, CsvOut};
use crate::present::messages::t;
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
    /// The language of what people read (headings, labels, number style).
    pub lang: Lang,
}

/// Section II's columns of a consolidation: the JSON/CSV keys (headings: `section_two`).
const SECTION_TWO: [&str; 4] = ["carried", "in_year", "plan", "disbursed"];

/// The heading of a section II column in `lang`.
fn section_two(key: &'static str, lang: Lang) -> (&'static str, &'static str) {
    let heading = match key {
        "carried" => t(
            lang,
            "Vốn năm trước chuyển sang",
            "Carried over from the previous year",
        ),
        "in_year" => t(lang, "Vốn giao trong năm", "Allocated in the year"),
        "plan" => t(lang, "Tổng kế hoạch vốn", "Total capital plan"),
        _ => t(lang, "Giải ngân", "Disbursed"),
    };
    (key, heading)
}

fn rate_heading(lang: Lang) -> &'static str {
    t(lang, "Tỷ lệ giải ngân", "Disbursement rate")
}

/// The English plural's "s" of `n` units.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Whole đồng in triệu (million đồng), written as the language writes numbers.
fn millions(d: Decimal, lang: Lang) -> String {
    match lang {
        Lang::Vi => vi_format::trieu(d),
        Lang::En => vi_format::amount(d, Unit::Trieu, lang),
    }
}

/// A rate as a percentage with two decimals, as the language writes it.
fn percent(rate: Option<Decimal>, lang: Lang) -> String {
    match lang {
        Lang::Vi => vi_format::percent(rate, 2),
        Lang::En => vi_format::ratio_percent(rate, 2, lang),
    }
}

impl Figures {
    /// The amount columns (key, heading in `lang`), the rate aside.
    fn columns(&self, lang: Lang) -> Vec<(&'static str, &'static str)> {
        match self {
            Figures::SectionTwo(_) => SECTION_TWO.iter().map(|k| section_two(k, lang)).collect(),
            Figures::Settlement(_) => settled::COLUMNS[..settled::RATE_COLUMN]
                .iter()
                .map(|(key, vi, en)| (*key, t(lang, vi, en)))
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
        let settlement = matches!(self.total, Figures::Settlement(_));
        match self.lang {
            Lang::Vi => format!(
                "Tổng hợp {} các Chương trình MTQG năm {}, số liệu đến hết ngày {}",
                if settlement {
                    "quyết toán kế hoạch vốn"
                } else {
                    "kế hoạch vốn và giải ngân"
                },
                self.plan_year,
                self.as_of.format("%d/%m/%Y")
            ),
            Lang::En => format!(
                "Consolidated {} of the National Target Programs, plan year {}, figures as of {}",
                if settlement {
                    "capital plan settlement"
                } else {
                    "capital plan and disbursement"
                },
                self.plan_year,
                self.as_of
            ),
        }
    }

    /// "up to event K, head hash H" of one unit.
    fn pinned_at(&self, u: &UnitRow) -> String {
        let (at, hash) = (u.known_at, Self::hash_text(u));
        match self.lang {
            Lang::Vi => format!("đến sự kiện {at}, mã băm {hash}"),
            Lang::En => format!("up to event {at}, head hash {hash}"),
        }
    }

    fn provenance_title(&self) -> &'static str {
        t(self.lang, "Nguồn gốc số liệu", "Provenance")
    }

    fn reproduce_label(&self) -> &'static str {
        t(self.lang, "Lệnh tái lập", "Reproduce with")
    }

    /// "Đơn vị tính: triệu đồng; N đơn vị." of the text and Markdown answers.
    fn unit_line(&self, heading: &str) -> String {
        let n = self.units.len();
        match self.lang {
            Lang::Vi => format!("{heading}: triệu đồng; {n} đơn vị."),
            Lang::En => format!("Amounts: million VND; {n} unit{}.", plural(n)),
        }
    }

    /// Every row: the units in folder order, then the total (its code empty).
    fn rows(&self) -> Vec<(&str, &str, &Figures)> {
        let mut rows: Vec<(&str, &str, &Figures)> = self
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.name.as_str(), &u.figures))
            .collect();
        rows.push(("", t(self.lang, "Tổng cộng", "Total"), &self.total));
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
        let _ = writeln!(out, "\n{}", self.provenance_title());
        for u in &self.units {
            let _ = writeln!(out, "  {}: {}", u.code, self.pinned_at(u));
        }
        let _ = writeln!(out, "  {}: {}", self.reproduce_label(), self.command);
    }
}

/// The consolidation as JSON: exact đồng as strings, 4-decimal rates.
pub fn json(c: &Consolidated) -> Value {
    let figures = |f: &Figures| -> Map<String, Value> {
        let mut m = Map::new();
        for ((key, _), value) in f.columns(c.lang).iter().zip(f.amounts()) {
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
    let mut out = format!("{}\n{}\n\n", c.title(), c.unit_line("Đơn vị"));
    for (i, (code, name, f)) in c.rows().into_iter().enumerate() {
        let label = if code.is_empty() {
            name.to_string()
        } else {
            format!("{code} {name}")
        };
        match f {
            Figures::SectionTwo(s) => out.push_str(&section_two_line(&label, s, c.lang)),
            Figures::Settlement(_) => {
                // A blank line between blocks, as the single settlement has.
                if i > 0 {
                    out.push('\n');
                }
                settlement_block(&mut out, &label, f, c.lang);
            }
        }
    }
    c.provenance_text(&mut out);
    out
}

fn section_two_line(label: &str, s: &Split, lang: Lang) -> String {
    let total = s.total();
    let m = |d| millions(d, lang);
    let (plan, carried, in_year) = (m(total.plan), m(s.carried.plan), m(s.in_year.plan));
    let disbursed = m(total.disbursed);
    let rate = percent(money::rate(total.disbursed, total.plan), lang);
    match lang {
        Lang::Vi => format!(
            "  {label}: kế hoạch {plan} (chuyển tiếp {carried}, trong năm {in_year}), giải ngân {disbursed} ({rate})\n"
        ),
        Lang::En => format!(
            "  {label}: plan {plan} (carried over {carried}, in-year {in_year}), disbursed {disbursed} ({rate})\n"
        ),
    }
}

fn settlement_block(out: &mut String, label: &str, f: &Figures, lang: Lang) {
    let columns = f.columns(lang);
    let rate_heading = rate_heading(lang);
    let width = columns
        .iter()
        .map(|(_, h)| h.chars().count())
        .chain([rate_heading.chars().count()])
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "{label}");
    for ((_, heading), value) in columns.iter().zip(f.amounts()) {
        let _ = writeln!(out, "  {heading:<width$}  {:>16}", millions(value, lang));
    }
    let rate = percent(f.rate(), lang);
    let _ = writeln!(out, "  {rate_heading:<width$}  {rate:>16}");
}

/// A Markdown cell: a `|` would end it, a line break would end the row.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The consolidation as Markdown: one table (triệu đồng), then the provenance as a table.
pub fn markdown(c: &Consolidated) -> String {
    let lang = c.lang;
    let columns = c.total.columns(lang);
    let mut out = format!(
        "# {}\n\n{}\n\n| {} | {} |",
        c.title(),
        c.unit_line("Đơn vị tính"),
        t(lang, "Mã đơn vị", "Unit code"),
        t(lang, "Đơn vị", "Unit")
    );
    for (_, heading) in &columns {
        let _ = write!(out, " {heading} |");
    }
    let _ = write!(out, " {} |\n|---|---|", rate_heading(lang));
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
            let _ = write!(out, " {} |", millions(value, lang));
        }
        let _ = writeln!(out, " {} |", percent(f.rate(), lang));
    }
    let _ = write!(
        out,
        "\n## {}\n\n| {} |\n|---|---:|---|\n",
        c.provenance_title(),
        t(
            lang,
            "Mã đơn vị | Đến sự kiện | Mã băm",
            "Unit code | Up to event | Head hash"
        )
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
    let _ = writeln!(out, "\n{}: `{}`", c.reproduce_label(), c.command);
    out
}

/// The consolidation as CSV (`present::csv_out`): provenance rows, then one row per unit
/// (with the knowledge point and head hash it was read at) and the total; amounts are whole
/// đồng, plain integers, rates 4-decimal fractions.
pub fn csv(c: &Consolidated, dialect: CsvDialect) -> Result<String, String> {
    let columns = c.total.columns(c.lang);
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
    build(c).map_err(xlsx_sheet::unwritten)
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
    let lang = c.lang;
    let sheet = wb.add_worksheet();
    sheet.set_name(t(lang, "Tổng hợp", "Consolidated"))?;
    table_sheet(sheet, &styles, c)?;
    let provenance = wb.add_worksheet();
    provenance.set_name(t(lang, "Nguồn gốc", "Provenance"))?;
    let mut rows: Vec<(String, String, &str)> = c
        .units
        .iter()
        .map(|u| {
            let value = format!("{}: {}", u.name, c.pinned_at(u));
            let unit = t(lang, "Đơn vị", "Unit");
            (format!("{unit} {}", u.code), value, "unit")
        })
        .collect();
    let again = t(lang, "Lập lại bằng lệnh", "Reproduce with");
    rows.push((again.into(), c.command.clone(), "command"));
    xlsx_sheet::provenance_sheet(provenance, &styles, &rows, lang)?;
    wb.save_to_buffer()
}

fn table_sheet(sheet: &mut Worksheet, styles: &Styles, c: &Consolidated) -> Result<(), XlsxError> {
    let lang = c.lang;
    let caption = xlsx_sheet::unit_caption(Unit::Trieu, lang);
    let mut head = vec![
        t(lang, "Mã đơn vị", "Unit code").to_string(),
        t(lang, "Đơn vị", "Unit").to_string(),
    ];
    head.extend(
        c.total
            .columns(lang)
            .iter()
            .map(|(_, h)| format!("{h} ({caption})")),
    );
    head.push(rate_heading(lang).to_string());
    let last = u16::try_from(head.len() - 1).unwrap_or(u16::MAX);
    let n = c.units.len();
    let lines = match lang {
        Lang::Vi => [
            format!("Đơn vị tính: {caption}"),
            format!("{n} đơn vị; nguồn gốc số liệu ở trang sau"),
        ],
        Lang::En => [
            format!("Unit: {caption}"),
            format!("{n} unit{}; provenance on the next sheet", plural(n)),
        ],
    };
    let at = xlsx_sheet::preamble(sheet, styles, last, &c.title(), &lines)?;
    xlsx_sheet::header(sheet, styles, at, &head, lang)?;
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
