//! The CSV rendering of a report, in either dialect (`present::csv_out`).

use super::{Provenance, Style, tables};
use crate::core::annex::Figures;
use crate::core::money;
use crate::present::csv_out::{CsvDialect, CsvOut, text};

/// One header, then provenance rows and every table's rows, tagged by `table`. Amounts are
/// in `--unit`, rounded to its precision, without grouping; rates are fractions with 4
/// decimals (0.5538), as in JSON. The dialect chooses separator, decimal mark and BOM.
pub fn csv(
    figures: &Figures,
    prov: &Provenance,
    style: Style,
    dialect: CsvDialect,
) -> Result<String, String> {
    let mut out = CsvOut::new(dialect);
    out.record([
        "table",
        "level",
        "label",
        "carried",
        "in_year",
        "plan",
        "disbursed",
        "rate",
        "works",
    ])?;
    let unit = prov.unit_text().map(|u| ("budget_unit", u));
    let fields = prov.fields().into_iter();
    let unit_row = ("unit", style.unit.as_str().to_string());
    for (k, v) in unit.into_iter().chain(fields).chain([unit_row]) {
        let cell = text(&format!("{k}={v}"));
        out.record(["provenance", "", &cell, "", "", "", "", "", ""])?;
    }
    let amount = |d| dialect.amount(d, style.unit);
    for table in tables(figures, style) {
        for r in &table.rows {
            let total = r.split.total();
            out.record([
                table.key.to_string(),
                r.level.to_string(),
                text(&r.label),
                amount(r.split.carried.plan),
                amount(r.split.in_year.plan),
                amount(total.plan),
                amount(total.disbursed),
                dialect.rate(money::rate(total.disbursed, total.plan)),
                r.works.map_or(String::new(), |w| w.to_string()),
            ])?;
        }
    }
    out.finish()
}
