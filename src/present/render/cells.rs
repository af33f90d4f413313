//! The columns of every report table as typed cells, so that text renderers format them with
//! `vi_format` and the workbook writes numbers: section II and annex 01 (plan carried/in-year,
//! total, disbursed, rate, works, then each source's plan, disbursed and rate) and annex 02
//! per work (issue 13).

use rust_decimal::Decimal;

use super::{RATE_DECIMALS, Style, Table, TableRow};
use crate::core::annex;
use crate::core::by_source::source_label;
use crate::core::projection::Totals;
use crate::core::rule_data;
use crate::present::messages::t;
use crate::present::vi_format::{Lang, amount, ratio_percent};

/// A cell as computed, before display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Exact đồng, displayed in the report's unit.
    Amount(Decimal),
    /// A ratio (0.5538), displayed as a percentage; `None` without plan ("–").
    Rate(Option<Decimal>),
    Count(usize),
    Blank,
}

/// What a column holds (the workbook names the unit of amount columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Amount,
    Rate,
    Count,
}

impl Cell {
    pub fn display(&self, style: Style) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Amount(d) => amount(*d, style.unit, style.lang),
            Cell::Rate(r) => ratio_percent(*r, RATE_DECIMALS, style.lang),
            Cell::Count(n) => n.to_string(),
            Cell::Blank => String::new(),
        }
    }
}

fn rate(t: Totals) -> Cell {
    Cell::Rate(annex::ratio(t))
}

/// Headers and kinds of `table`'s columns, label first.
pub fn heads(style: Style, table: &Table) -> Vec<(String, Kind)> {
    let lang = style.lang;
    if table.work_columns {
        return works_heads(lang);
    }
    if table.advance_columns {
        return advance_heads(lang);
    }
    let mut c = vec![
        (t(lang, "Nội dung", "Item").to_string(), Kind::Text),
        (
            t(
                lang,
                "KH chuyển nguồn/kéo dài",
                "Plan carried over/extended",
            )
            .to_string(),
            Kind::Amount,
        ),
        (
            t(lang, "KH giao trong năm", "Plan in-year").to_string(),
            Kind::Amount,
        ),
        (
            t(lang, "Tổng KH vốn", "Plan total").to_string(),
            Kind::Amount,
        ),
        (t(lang, "Giải ngân", "Disbursed").to_string(), Kind::Amount),
        (t(lang, "Tỷ lệ GN", "Rate").to_string(), Kind::Rate),
    ];
    if table.works_column {
        c.push((t(lang, "Số công trình", "Works").to_string(), Kind::Count));
    }
    for key in &table.sources {
        let name = source_label(key);
        let [plan, disbursed, rate] = match lang {
            Lang::Vi => [
                format!("KH {name}"),
                format!("GN {name}"),
                format!("Tỷ lệ GN {name}"),
            ],
            Lang::En => [
                format!("Plan {name}"),
                format!("Disbursed {name}"),
                format!("Rate {name}"),
            ],
        };
        c.extend([
            (plan, Kind::Amount),
            (disbursed, Kind::Amount),
            (rate, Kind::Rate),
        ]);
    }
    c
}

/// A row's cells, in the order of `heads`.
pub fn typed(row: &TableRow, table: &Table, lang: Lang) -> Vec<Cell> {
    if table.work_columns {
        return works_cells(row);
    }
    if table.advance_columns {
        return advance_cells(row, table, lang);
    }
    let total = row.split.total();
    let mut c = vec![
        Cell::Text(row.label.clone()),
        Cell::Amount(row.split.carried.plan),
        Cell::Amount(row.split.in_year.plan),
        Cell::Amount(total.plan),
        Cell::Amount(total.disbursed),
        rate(total),
    ];
    if table.works_column {
        c.push(row.works.map_or(Cell::Blank, Cell::Count));
    }
    for key in &table.sources {
        let part = row.sources.get(key).total();
        c.extend([
            Cell::Amount(part.plan),
            Cell::Amount(part.disbursed),
            rate(part),
        ]);
    }
    c
}

/// Annex 02's columns: the work's approval, the years before, this year, cumulative figures,
/// and the contributions mobilised (beside the budget figures, never summed into them).
pub fn works_heads(lang: Lang) -> Vec<(String, Kind)> {
    use Kind::{Amount, Rate, Text};
    let h = |vi: &'static str, en: &'static str, k: Kind| (t(lang, vi, en).to_string(), k);
    vec![
        h("Nội dung", "Item", Text),
        h("TMĐT", "Total investment", Amount),
        h("Quyết định đầu tư", "Investment decision", Text),
        h("Chủ đầu tư", "Owner", Text),
        h(
            "Lũy kế vốn bố trí các năm trước",
            "Allocated in earlier years",
            Amount,
        ),
        h(
            "Lũy kế giải ngân các năm trước",
            "Disbursed in earlier years",
            Amount,
        ),
        h("KH kéo dài", "Plan extended", Amount),
        h("KH giao trong năm", "Plan in-year", Amount),
        h("Tổng KH vốn năm", "Plan of the year", Amount),
        h("Giải ngân trong năm", "Disbursed this year", Amount),
        h(
            "Trong đó: tạm ứng chưa thu hồi",
            "Of which advances not recovered",
            Amount,
        ),
        h("Tỷ lệ GN", "Rate", Rate),
        h("Lũy kế giải ngân", "Cumulative disbursed", Amount),
        h(
            "Còn lại so với TMĐT",
            "Remaining to total investment",
            Amount,
        ),
        h("Vốn huy động", "Contributions mobilised", Amount),
    ]
}

fn works_cells(row: &TableRow) -> Vec<Cell> {
    let w = row.work.clone().unwrap_or_default();
    let total = row.split.total();
    let info = w.info.as_ref();
    let opt = |d: Option<Decimal>| d.map_or(Cell::Blank, Cell::Amount);
    let decision = info.map_or(Cell::Blank, |i| {
        let d = &i.decision;
        let issuer = d
            .issuer
            .as_deref()
            .map_or(String::new(), |s| format!(" ({s})"));
        Cell::Text(format!(
            "{} {}{issuer}",
            d.number,
            d.date.format("%d/%m/%Y")
        ))
    });
    let owner = info
        .and_then(|i| i.owner.clone())
        .map_or(Cell::Blank, Cell::Text);
    vec![
        Cell::Text(row.label.clone()),
        opt(w.total_investment),
        decision,
        owner,
        Cell::Amount(w.allocated_before),
        Cell::Amount(w.disbursed_before),
        Cell::Amount(row.split.carried.plan),
        Cell::Amount(row.split.in_year.plan),
        Cell::Amount(total.plan),
        Cell::Amount(total.disbursed),
        Cell::Amount(w.advance_outstanding),
        rate(total),
        Cell::Amount(w.disbursed_before + total.disbursed),
        opt(w.remaining()),
        Cell::Amount(w.contributions.total()),
    ]
}

/// The advances to recover: line, contract, payee, outstanding, since, age, the contract's
/// amount and the completed volume paid under it, and the flag (payments under the contract
/// reached `rule_data::RECOVERY_DUE_PERCENT` of it with advances still outstanding).
pub fn advance_heads(lang: Lang) -> Vec<(String, Kind)> {
    use Kind::{Amount, Count, Text};
    let h = |vi: &'static str, en: &'static str, k: Kind| (t(lang, vi, en).to_string(), k);
    let flag = match lang {
        Lang::Vi => format!(
            "Chưa thu hồi khi đã thanh toán {}% HĐ",
            rule_data::RECOVERY_DUE_PERCENT
        ),
        Lang::En => format!(
            "Outstanding at {}% of the contract paid",
            rule_data::RECOVERY_DUE_PERCENT
        ),
    };
    vec![
        h("Dòng vốn", "Line", Text),
        h("Hợp đồng", "Contract", Text),
        h("Đơn vị nhận", "Payee", Text),
        h("Tạm ứng chưa thu hồi", "Outstanding", Amount),
        h("Tạm ứng từ ngày", "Since", Text),
        h("Số ngày", "Days", Count),
        h("Giá trị hợp đồng", "Contract amount", Amount),
        h("Đã thanh toán KLHT", "Completed volume paid", Amount),
        (flag, Text),
    ]
}

fn advance_cells(row: &TableRow, table: &Table, lang: Lang) -> Vec<Cell> {
    let text = |s: Option<&str>| s.map_or(Cell::Blank, |s| Cell::Text(s.to_string()));
    let Some(a) = &row.advance else {
        // The total row: what all the rows below it have outstanding.
        let mut c = vec![Cell::Text(row.label.clone()), Cell::Blank, Cell::Blank];
        c.push(Cell::Amount(table.advances_outstanding()));
        c.extend(std::iter::repeat_n(Cell::Blank, 5));
        return c;
    };
    let opt = |d: Option<Decimal>| d.map_or(Cell::Blank, Cell::Amount);
    vec![
        Cell::Text(row.label.clone()),
        text(a.contract.as_deref()),
        text(a.payee.as_deref()),
        Cell::Amount(a.outstanding),
        Cell::Text(crate::present::messages::date(lang, a.since)),
        Cell::Count(usize::try_from(a.age_days).unwrap_or(0)),
        opt(a.contract_amount),
        opt(a.completed),
        if a.flagged {
            Cell::Text(t(lang, "Có", "Yes").to_string())
        } else {
            Cell::Blank
        },
    ]
}
