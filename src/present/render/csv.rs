//! The CSV rendering of a report, in either dialect (`present::csv_out`).

use rust_decimal::Decimal;

use super::{Provenance, Style, Table, TableRow, tables};
use crate::core::annex::Figures;
use crate::core::money;
use crate::core::works_annex::WorkColumns;
use crate::present::csv_out::{CsvDialect, CsvOut, text};

/// One header, then provenance rows and every table's rows, tagged by `table`. Amounts are
/// in `--unit`, rounded to its precision, without grouping; rates are fractions with 4
/// decimals (0.5538), as in JSON. After `works` come `plan_S,disbursed_S,rate_S` for each
/// source code S of the plan year (NSTW, NSDP, …), then annex 02's per-work columns and the
/// advances' columns. The dialect chooses separator, decimal mark and BOM.
pub fn csv(
    figures: &Figures,
    prov: &Provenance,
    style: Style,
    dialect: CsvDialect,
) -> Result<String, String> {
    let mut out = CsvOut::new(dialect);
    let mut head: Vec<String> = [
        "table",
        "level",
        "label",
        "carried",
        "in_year",
        "plan",
        "disbursed",
        "rate",
        "works",
    ]
    .map(String::from)
    .to_vec();
    for key in &figures.sources {
        let key = text(key);
        head.extend([
            format!("plan_{key}"),
            format!("disbursed_{key}"),
            format!("rate_{key}"),
        ]);
    }
    head.extend(WORK_COLUMNS.map(String::from));
    head.extend(ADVANCE_COLUMNS.map(String::from));
    let width = head.len();
    out.record(&head)?;
    let unit = prov.unit_text().map(|u| ("budget_unit", u));
    let fields = prov.fields().into_iter();
    let unit_row = ("unit", style.unit.as_str().to_string());
    for (k, v) in unit.into_iter().chain(fields).chain([unit_row]) {
        let mut row = vec![
            "provenance".to_string(),
            String::new(),
            text(&format!("{k}={v}")),
        ];
        row.resize(width, String::new());
        out.record(&row)?;
    }
    let amount = |d: Decimal| dialect.amount(d, style.unit);
    let sources = 3 * figures.sources.len();
    for table in tables(figures, style) {
        for r in &table.rows {
            let mut row = vec![table.key.to_string(), r.level.to_string(), text(&r.label)];
            if table.advance_columns {
                row.resize(9 + sources + WORK_COLUMNS.len(), String::new());
                row.extend(advance_fields(r, &table, &amount));
                out.record(&row)?;
                continue;
            }
            let total = r.split.total();
            row.extend([
                amount(r.split.carried.plan),
                amount(r.split.in_year.plan),
                amount(total.plan),
                amount(total.disbursed),
                dialect.rate(money::rate(total.disbursed, total.plan)),
                r.works.map_or(String::new(), |w| w.to_string()),
            ]);
            // Every row carries its split by source (annex 02's too: exact data costs nothing).
            for key in &figures.sources {
                let part = r.sources.get(key).total();
                row.extend([
                    amount(part.plan),
                    amount(part.disbursed),
                    dialect.rate(money::rate(part.disbursed, part.plan)),
                ]);
            }
            row.extend(work_fields(r.work.as_ref(), total.disbursed, &amount));
            row.resize(width, String::new());
            out.record(&row)?;
        }
    }
    out.finish()
}

/// The advances to recover (issue 13), last; blank on other tables' rows. `outstanding` on
/// the table's total row is the sum of its rows.
const ADVANCE_COLUMNS: [&str; 8] = [
    "contract",
    "payee",
    "outstanding",
    "since",
    "age_days",
    "contract_amount",
    "completed",
    "flagged",
];

fn advance_fields(r: &TableRow, table: &Table, amount: &dyn Fn(Decimal) -> String) -> Vec<String> {
    let Some(a) = &r.advance else {
        let mut row = vec![String::new(); ADVANCE_COLUMNS.len()];
        row[2] = amount(table.advances_outstanding());
        return row;
    };
    let cell = |s: Option<&str>| text(s.unwrap_or(""));
    vec![
        cell(a.contract.as_deref()),
        cell(a.payee.as_deref()),
        amount(a.outstanding),
        a.since.to_string(),
        a.age_days.to_string(),
        a.contract_amount.map_or(String::new(), amount),
        a.completed.map_or(String::new(), amount),
        a.flagged.to_string(),
    ]
}

/// Annex 02's per-work columns (issue 13), after the source columns; blank on other rows.
const WORK_COLUMNS: [&str; 9] = [
    "total_investment",
    "decision",
    "owner",
    "allocated_before",
    "disbursed_before",
    "advance_outstanding",
    "cumulative_disbursed",
    "remaining",
    "contributions",
];

fn work_fields(
    work: Option<&WorkColumns>,
    disbursed_this_year: Decimal,
    amount: &dyn Fn(Decimal) -> String,
) -> Vec<String> {
    let Some(w) = work else {
        return vec![String::new(); WORK_COLUMNS.len()];
    };
    let info = w.info.as_ref();
    let decision = info.map_or(String::new(), |i| {
        format!("{} {}", i.decision.number, i.decision.date)
    });
    let owner = info.and_then(|i| i.owner.clone()).unwrap_or_default();
    let cumulative = w.disbursed_before + disbursed_this_year;
    vec![
        w.total_investment.map_or(String::new(), amount),
        text(&decision),
        text(&owner),
        amount(w.allocated_before),
        amount(w.disbursed_before),
        amount(w.advance_outstanding),
        amount(cumulative),
        w.remaining().map_or(String::new(), amount),
        amount(w.contributions.total()),
    ]
}
