//! The CSV (RFC 4180) rendering of a report.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{Provenance, Style, Table, TableRow, tables};
use crate::core::annex::Figures;
use crate::core::money::{self, rate_text};
use crate::core::works_annex::WorkColumns;
use crate::present::csv_cell;
use crate::present::vi_format::{Lang, number};

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV (RFC 4180): one header, then provenance rows and every table's rows, tagged by `table`.
/// Amounts are in `--unit`, rounded to its precision, with a "." decimal point and no
/// grouping; rates are fractions with 4 decimals (0.5538), as in JSON. After `works` come
/// `plan_S,disbursed_S,rate_S` for each source code S of the plan year (NSTW, NSDP, …).
pub fn csv(figures: &Figures, prov: &Provenance, style: Style) -> String {
    let mut out = String::from("table,level,label,carried,in_year,plan,disbursed,rate,works");
    for key in &figures.sources {
        let key = csv_field(&csv_cell::text(key));
        let _ = write!(out, ",plan_{key},disbursed_{key},rate_{key}");
    }
    out.push_str(WORK_COLUMNS);
    out.push_str(ADVANCE_COLUMNS);
    out.push_str("\r\n");
    let source_blanks = ",".repeat(3 * figures.sources.len());
    let work_blanks = ",".repeat(WORK_COLUMNS.matches(',').count());
    let advance_blanks = ",".repeat(ADVANCE_COLUMNS.matches(',').count());
    let blanks = format!("{source_blanks}{work_blanks}{advance_blanks}");
    let plain = |d: Decimal| {
        number(d / style.unit.divisor(), style.unit.decimals(), Lang::En).replace(',', "")
    };
    if let Some(unit) = prov.unit_text() {
        let _ = write!(
            out,
            "provenance,,{},,,,,,{blanks}\r\n",
            csv_field(&format!("budget_unit={unit}"))
        );
    }
    let unit = ("unit", style.unit.as_str().to_string());
    for (k, v) in prov.fields().into_iter().chain([unit]) {
        let _ = write!(
            out,
            "provenance,,{},,,,,,{blanks}\r\n",
            csv_field(&format!("{k}={v}"))
        );
    }
    for table in tables(figures, style) {
        for r in &table.rows {
            if table.advance_columns {
                let _ = write!(
                    out,
                    "{},{},{},,,,,,{source_blanks}{work_blanks}{}\r\n",
                    table.key,
                    r.level,
                    csv_field(&csv_cell::text(&r.label)),
                    advance_fields(r, &table, &plain),
                );
                continue;
            }
            let total = r.split.total();
            let _ = write!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                table.key,
                r.level,
                csv_field(&csv_cell::text(&r.label)),
                plain(r.split.carried.plan),
                plain(r.split.in_year.plan),
                plain(total.plan),
                plain(total.disbursed),
                rate_text(money::rate(total.disbursed, total.plan)).unwrap_or_default(),
                r.works.map_or(String::new(), |w| w.to_string()),
            );
            // Every row carries its split by source (annex 02's too: exact data costs nothing).
            for key in &figures.sources {
                let part = r.sources.get(key).total();
                let _ = write!(
                    out,
                    ",{},{},{}",
                    plain(part.plan),
                    plain(part.disbursed),
                    rate_text(money::rate(part.disbursed, part.plan)).unwrap_or_default()
                );
            }
            out.push_str(&work_fields(r.work.as_ref(), total.disbursed, &plain));
            out.push_str(&advance_blanks);
            out.push_str("\r\n");
        }
    }
    out
}

/// The advances to recover (issue 13), last; blank on other tables' rows. `outstanding` on
/// the table's total row is the sum of its rows.
const ADVANCE_COLUMNS: &str =
    ",contract,payee,outstanding,since,age_days,contract_amount,completed,flagged";

fn advance_fields(r: &TableRow, table: &Table, plain: &dyn Fn(Decimal) -> String) -> String {
    let Some(a) = &r.advance else {
        return format!(",,,{},,,,,", plain(table.advances_outstanding()));
    };
    let text = |s: Option<&str>| csv_field(&csv_cell::text(s.unwrap_or("")));
    format!(
        ",{},{},{},{},{},{},{},{}",
        text(a.contract.as_deref()),
        text(a.payee.as_deref()),
        plain(a.outstanding),
        a.since,
        a.age_days,
        a.contract_amount.map_or(String::new(), plain),
        a.completed.map_or(String::new(), plain),
        a.flagged,
    )
}

/// Annex 02's per-work columns (issue 13), after the source columns; blank on other rows.
const WORK_COLUMNS: &str = ",total_investment,decision,owner,allocated_before,\
    disbursed_before,advance_outstanding,cumulative_disbursed,remaining,contributions";

fn work_fields(
    work: Option<&WorkColumns>,
    disbursed_this_year: Decimal,
    plain: &dyn Fn(Decimal) -> String,
) -> String {
    let Some(w) = work else {
        return ",".repeat(WORK_COLUMNS.matches(',').count());
    };
    let info = w.info.as_ref();
    let decision = info.map_or(String::new(), |i| {
        format!("{} {}", i.decision.number, i.decision.date)
    });
    let owner = info.and_then(|i| i.owner.clone()).unwrap_or_default();
    let cumulative = w.disbursed_before + disbursed_this_year;
    format!(
        ",{},{},{},{},{},{},{},{},{}",
        w.total_investment.map_or(String::new(), plain),
        csv_field(&csv_cell::text(&decision)),
        csv_field(&csv_cell::text(&owner)),
        plain(w.allocated_before),
        plain(w.disbursed_before),
        plain(w.advance_outstanding),
        plain(cumulative),
        w.remaining().map_or(String::new(), plain),
        plain(w.contributions.total()),
    )
}
