//! The CSV (RFC 4180) rendering of a report.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{Provenance, Style, tables};
use crate::core::annex::Figures;
use crate::core::money::{self, rate_text};
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
    out.push_str("\r\n");
    let blanks = ",".repeat(3 * figures.sources.len());
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
            out.push_str("\r\n");
        }
    }
    out
}
