//! The values of single cells: amounts by the strict vi-VN rule, dates and text.

use chrono::NaiveDate;

use super::Cell;
use super::table::clean;
use crate::core::money;

/// The vi-VN amount rule for text cells (CSV, or text in a workbook). Amounts are whole đồng:
/// - plain digits: `1234567`;
/// - digits grouped by `.` in groups of exactly three, with at least two dots: `1.234.567`
///   (no other reading exists: an English decimal has one point);
/// - a single dot (`1.234`, `150.000`) is refused as ambiguous: 1 234 đồng in vi-VN, 1.234 in
///   English; write `1234` or `150000`;
/// - a comma anywhere (`1,5`, `1.234,00`, `1,234,567`), spaces inside, signs, units: refused.
pub fn parse_amount_text(raw: &str) -> Result<money::Amount, String> {
    let text = clean(raw);
    if text.is_empty() {
        return Err("the amount is empty".into());
    }
    if text.contains(',') {
        return Err(format!(
            "{text:?} has a comma: in vi-VN that is a decimal mark, in English a thousands separator; amounts are whole đồng, write digits only (e.g. 1234567) or group with dots (1.234.567)"
        ));
    }
    let digits = if text.contains('.') {
        let groups: Vec<&str> = text.split('.').collect();
        let shaped = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
            && (1..=3).contains(&groups[0].len())
            && !groups[0].starts_with('0')
            && groups[1..].iter().all(|g| g.len() == 3);
        if !shaped {
            return Err(format!(
                "{text:?} is not whole đồng: dots may only group digits by three (1.234.567); decimals are refused"
            ));
        }
        if groups.len() == 2 {
            return Err(format!(
                "{text:?} is ambiguous: {} đồng in vi-VN or {text} in English; write {} (digits only) or with two group dots",
                groups.concat(),
                groups.concat()
            ));
        }
        groups.concat()
    } else {
        text.to_string()
    };
    money::Amount::parse(&digits)
}

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
