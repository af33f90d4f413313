//! The values of single cells: amounts by the strict vi-VN rule, dates and text.

use chrono::NaiveDate;

use super::Cell;
use super::table::clean;
use crate::core::money;

/// The vi-VN amount rule for text lives with the money it reads (the dashboard's form uses it
/// too): `money::parse_amount_text`.
pub use crate::core::money::parse_amount_text;

/// A numeric workbook cell as whole đồng: it must be integral and exactly representable.
pub fn parse_amount_number(value: f64) -> Result<money::Amount, String> {
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(format!(
            "the number {value} is not whole đồng; amounts have no decimals"
        ));
    }
    // Beyond 2^53 a float no longer holds every integer: the cell may not say what was typed.
    if value.abs() > 9_007_199_254_740_992.0 {
        return Err(format!(
            "the number {value} is too large to be read exactly from a spreadsheet number; write it as text"
        ));
    }
    money::Amount::parse(&format!("{}", value as i64))
}

pub(super) fn parse_date_cell(cell: &Cell) -> Result<NaiveDate, String> {
    match cell {
        Cell::Date(d) => d.clone().and_then(|d| {
            money::check_year(chrono::Datelike::year(&d))?;
            Ok(d)
        }),
        Cell::Text(t) => money::parse_date(clean(t)).map_err(|e| {
            format!("{e}; write dates as YYYY-MM-DD or use a date cell (day/month order is never guessed)")
        }),
        Cell::Number(n) => Err(format!(
            "the number {n} is not a date; format the cell as a date or write YYYY-MM-DD"
        )),
        Cell::Empty => Err("the date is empty".into()),
        Cell::Other(o) => Err(format!("{o} is not a date")),
    }
}

/// A text field from a cell: text as is (trimmed); a whole number as its digits (codes such as
/// a source "135" are often typed as numbers).
pub(super) fn text_cell(cell: &Cell) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(t) => Ok(Some(clean(t).to_string())),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(Some(format!("{}", *n as i64))),
        Cell::Number(n) => Err(format!("the number {n} is not a code or text")),
        Cell::Date(_) => Err("a date cell where text is expected".into()),
        Cell::Other(o) => Err(format!("{o} where text is expected")),
    }
}
