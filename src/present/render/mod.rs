//! Renders the figures of `annex` as a report: text, Markdown, HTML, JSON and CSV (xlsx lives in
//! `xlsx`). Every renderer draws the same tables, built once by `tables`; rounding happens
//! here at display, each figure on its own, through `vi_format`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::core::advances::AdvanceDue;
use crate::core::annex::{Figures, Row, RowKind, Split};
use crate::core::by_source::BySource;
use crate::core::chain::Hash;
use crate::core::event::Capital;
use crate::core::works_annex::WorkColumns;
use crate::present::catalogue;
use crate::present::messages::t;
use crate::present::vi_format::{Lang, Unit};

pub mod cells;
mod csv;
mod html;
mod json;
pub mod official;
pub mod section_two;
mod text;

pub use csv::csv;
pub use html::{html, html_escape};
pub(crate) use html::{html_provenance, html_signatures, html_table, page_start};
pub use json::json;
pub(super) use section_two::prose;
pub use text::{aligned, markdown, text};
pub(crate) use text::{markdown_provenance, markdown_signatures, markdown_table, md_escape};

/// Decimals of a percentage in reports (the seed prints 55,38%).
pub const RATE_DECIMALS: u32 = 2;

/// Where the figures come from and how to get them again.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub as_of: NaiveDate,
    pub plan_year: i32,
    pub known_at: u64,
    /// When the event at `known_at` was recorded (`None` when nothing is known).
    pub recorded_at: Option<DateTime<Utc>>,
    /// Hash of the event at `known_at`.
    pub head_hash: Option<Hash>,
    /// The command that prints this report again, with a numeric `--known-at`.
    pub command: String,
    /// The budget unit whose books these are (`None` for a store made before units: the
    /// report is then exactly as before).
    pub unit: Option<crate::core::unit::Unit>,
    /// The report number and date its issuer gave (the official head).
    pub official: official::Official,
}

impl Provenance {
    /// The `provenance` object of every JSON report. Only a store with a unit names one
    /// (`budget_unit`): older stores' reports stay byte for byte the same.
    pub fn json(&self) -> serde_json::Value {
        let mut p = serde_json::json!({
            "as_of": self.as_of.to_string(),
            "plan_year": self.plan_year,
            "known_at": self.known_at,
            "recorded_at": self.recorded_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            "head_hash": self.head_hash.map(hex::encode),
            "command": self.command,
        });
        if let Some(u) = &self.unit {
            p["budget_unit"] =
                serde_json::json!({"code": u.code, "name": u.name, "parent": u.parent});
        }
        p
    }
    pub fn recorded_text(&self) -> String {
        self.recorded_at.map_or("-".to_string(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        })
    }
    pub fn hash_text(&self) -> String {
        self.head_hash.map_or("-".to_string(), hex::encode)
    }
    /// `CODE — Name` (and `; PARENT`), when the store has a unit.
    pub fn unit_text(&self) -> Option<String> {
        self.unit.as_ref().map(|u| {
            let parent = u
                .parent
                .as_deref()
                .map(|p| format!(" (cấp trên / parent {p})"))
                .unwrap_or_default();
            format!("{} — {}{parent}", u.code, u.name)
        })
    }
    /// The provenance as (machine name, value) pairs, in the order every format lists them.
    pub fn fields(&self) -> [(&'static str, String); 6] {
        [
            ("as_of", self.as_of.to_string()),
            ("plan_year", self.plan_year.to_string()),
            ("known_at", self.known_at.to_string()),
            ("recorded_at", self.recorded_text()),
            ("head_hash", self.hash_text()),
            ("command", self.command.clone()),
        ]
    }
}

/// How figures are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub lang: Lang,
    pub unit: Unit,
}

/// One table of the report, the same for every renderer.
#[derive(Clone, Debug)]
pub struct Table {
    /// Stable key (CSV `table` column, JSON).
    pub key: &'static str,
    pub title: String,
    pub works_column: bool,
    /// Annex 02: the per-work columns of `cells::works_heads` instead of the plan columns.
    pub work_columns: bool,
    /// The advances to recover: the columns of `cells::advance_heads`.
    pub advance_columns: bool,
    /// Source keys shown as plan / disbursed / rate columns after the totals (section II and
    /// annex 01: NSTW, NSĐP and any other source present).
    pub sources: Vec<String>,
    pub rows: Vec<TableRow>,
}

impl Table {
    /// What the advances listed in the table have outstanding (its total row's figure).
    pub fn advances_outstanding(&self) -> Decimal {
        self.rows
            .iter()
            .filter_map(|r| r.advance.as_ref())
            .map(|a| a.outstanding)
            .sum()
    }
}

#[derive(Clone, Debug)]
pub struct TableRow {
    pub level: u8,
    pub label: String,
    pub split: Split,
    pub sources: BySource,
    pub works: Option<usize>,
    /// Annex 02's per-work figures (`works_annex::complete`).
    pub work: Option<WorkColumns>,
    /// A row of the advances to recover (`None` on their total row).
    pub advance: Option<AdvanceDue>,
}

/// Column headers: label, plan carried over/extended, plan in-year, plan total, disbursed,
/// rate, (section II) works, then plan, disbursed and rate of each source in `table.sources`;
/// annex 02 has its own (`cells::works_heads`).
pub fn columns(style: Style, table: &Table) -> Vec<String> {
    cells::heads(style, table)
        .into_iter()
        .map(|(h, _)| h)
        .collect()
}

pub fn capital_label(lang: Lang, capital: Capital) -> &'static str {
    match capital {
        Capital::Recurrent => t(lang, "Vốn sự nghiệp", "Recurrent funds (vốn sự nghiệp)"),
        Capital::Investment => t(
            lang,
            "Vốn đầu tư phát triển",
            "Development investment (vốn ĐTPT)",
        ),
    }
}

pub(super) fn annex_label(lang: Lang, row: &Row) -> String {
    let missing = |s: &Option<String>, vi, en| s.clone().unwrap_or_else(|| t(lang, vi, en).into());
    match row.kind {
        RowKind::Total => t(lang, "Tổng cộng", "Total").to_string(),
        RowKind::Program => row
            .program
            .as_deref()
            .map_or_else(String::new, catalogue::program_name),
        RowKind::Project => match (&row.program, &row.project) {
            (Some(p), Some(d)) => catalogue::project_label(p, d),
            _ => missing(&row.project, "(không thuộc dự án)", "(no project)"),
        },
        RowKind::Subproject => match (&row.program, &row.project, &row.subproject) {
            (Some(p), Some(d), Some(s)) => catalogue::subproject_label(p, d, s),
            _ => missing(&row.subproject, "", ""),
        },
        RowKind::OtherLines => t(lang, "(khác)", "(other lines)").to_string(),
        RowKind::Works => missing(&row.works, "", ""),
    }
}

/// The three tables of the report: section II, phụ biểu 01, phụ biểu 02.
pub fn tables(figures: &Figures, style: Style) -> Vec<Table> {
    let lang = style.lang;
    let mut s2 = vec![TableRow {
        level: 0,
        label: t(
            lang,
            "Tổng các CT MTQG (gồm vốn kéo dài)",
            "All programs (incl. carried-over and extended funds)",
        )
        .to_string(),
        split: figures.all,
        sources: figures.all_sources.clone(),
        works: None,
        work: None,
        advance: None,
    }];
    for c in &figures.capitals {
        let inv = c.capital == Capital::Investment;
        s2.push(TableRow {
            level: 1,
            label: capital_label(lang, c.capital).to_string(),
            split: c.split,
            sources: c.sources.clone(),
            works: inv.then_some(c.works),
            work: None,
            advance: None,
        });
        for p in &c.programs {
            s2.push(TableRow {
                level: 2,
                label: catalogue::program_name(&p.program),
                split: p.split,
                sources: p.sources.clone(),
                works: inv.then_some(p.works),
                work: None,
                advance: None,
            });
        }
    }
    let annex = |rows: &[Row]| {
        rows.iter()
            .map(|r| TableRow {
                level: r.level,
                label: match r.work.as_ref().and_then(|w| w.info.as_ref()) {
                    Some(info) => format!("{} – {}", info.work, info.name),
                    None => annex_label(lang, r),
                },
                split: r.split,
                sources: r.sources.clone(),
                works: None,
                work: r.work.clone(),
                advance: None,
            })
            .collect()
    };
    vec![
        Table {
            key: "section_ii",
            title: t(
                lang,
                "Mục II. Kế hoạch vốn và giải ngân",
                "Section II. Capital plan and disbursement",
            )
            .to_string(),
            works_column: true,
            work_columns: false,
            advance_columns: false,
            sources: figures.sources.clone(),
            rows: s2,
        },
        Table {
            key: "annex_01",
            title: t(
                lang,
                "Phụ biểu 01. Vốn sự nghiệp theo chương trình, dự án, tiểu dự án",
                "Annex 01. Recurrent funds by program, project, sub-project",
            )
            .to_string(),
            works_column: false,
            work_columns: false,
            advance_columns: false,
            sources: figures.sources.clone(),
            rows: annex(&figures.annex01),
        },
        Table {
            key: "annex_02",
            title: t(
                lang,
                "Phụ biểu 02. Vốn đầu tư phát triển theo công trình",
                "Annex 02. Development investment by works",
            )
            .to_string(),
            works_column: false,
            // Annex 02 per work once `works_annex::complete` filled its rows (the report);
            // without it (a figure set built from balances alone) the plan columns.
            work_columns: figures.annex02.iter().any(|r| r.work.is_some()),
            advance_columns: false,
            sources: Vec::new(),
            rows: annex(&figures.annex02),
        },
        advances_table(figures, lang),
    ]
}

/// The advances to recover (issue 13): their total, then one row per line, contract and payee.
fn advances_table(figures: &Figures, lang: Lang) -> Table {
    let row = |level: u8, label: String, advance: Option<AdvanceDue>| TableRow {
        level,
        label,
        split: Split::default(),
        sources: BySource::default(),
        works: None,
        work: None,
        advance,
    };
    let total = row(0, t(lang, "Tổng cộng", "Total").to_string(), None);
    let rows = std::iter::once(total)
        .chain(
            figures
                .advances
                .iter()
                .map(|a| row(1, a.line.clone(), Some(a.clone()))),
        )
        .collect();
    Table {
        key: "advances",
        title: t(
            lang,
            "Danh sách tạm ứng chưa thu hồi",
            "Advances to recover",
        )
        .to_string(),
        works_column: false,
        work_columns: false,
        advance_columns: true,
        sources: Vec::new(),
        rows,
    }
}

/// The cells of a row as displayed: label first, then the figures (see `columns`).
pub fn cells(style: Style, row: &TableRow, table: &Table) -> Vec<String> {
    cells::typed(row, table, style.lang)
        .iter()
        .map(|c| c.display(style))
        .collect()
}

pub(super) fn heading(figures: &Figures, prov: &Provenance, style: Style) -> (String, String) {
    let lang = style.lang;
    let title = match lang {
        Lang::Vi => format!(
            "Báo cáo kế hoạch vốn và giải ngân các Chương trình MTQG năm {}, số liệu đến hết ngày {}",
            figures.plan_year,
            crate::present::messages::date(lang, prov.as_of)
        ),
        Lang::En => format!(
            "National Target Programs: capital plan and disbursement, plan year {}, as of the end of {}",
            figures.plan_year, prov.as_of
        ),
    };
    let title = match &prov.unit {
        Some(u) => format!("{} — {title}", u.name),
        None => title,
    };
    let unit = match lang {
        Lang::Vi => format!(
            "Đơn vị: {}; mỗi số được làm tròn riêng (tổng đã làm tròn có thể khác tổng các số đã làm tròn).",
            style.unit.label(lang)
        ),
        Lang::En => format!(
            "Unit: {}; each figure is rounded on its own (rounded parts need not add up to the rounded total).",
            style.unit.label(lang)
        ),
    };
    (title, unit)
}

/// Provenance as (label, value) pairs, in display order.
pub(crate) fn provenance_pairs(prov: &Provenance, lang: Lang) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::with_capacity(7);
    if let Some(unit) = prov.unit_text() {
        pairs.push((t(lang, "Đơn vị dự toán", "Budget unit"), unit));
    }
    pairs.extend([
        (
            t(lang, "Số liệu đến hết ngày", "As of (end of day)"),
            prov.as_of.to_string(),
        ),
        (
            t(lang, "Năm kế hoạch", "Plan year"),
            prov.plan_year.to_string(),
        ),
        (
            t(lang, "Theo sổ đến sự kiện", "Known at sequence"),
            prov.known_at.to_string(),
        ),
        (
            t(
                lang,
                "Sự kiện đó được ghi lúc",
                "That event was recorded at",
            ),
            prov.recorded_text(),
        ),
        (t(lang, "Mã băm đầu chuỗi", "Head hash"), prov.hash_text()),
        (
            t(lang, "Lệnh tái lập", "Reproduce with"),
            prov.command.clone(),
        ),
    ]);
    pairs
}
