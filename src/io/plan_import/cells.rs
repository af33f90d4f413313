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
        Cell::Text(t) if clean(t).contains('/') => parse_vi_date(clean(t)),
        Cell::Text(t) => money::parse_date(clean(t))
            .map_err(|e| format!("{e}; write dates as YYYY-MM-DD, DD/MM/YYYY or use a date cell")),
        Cell::Number(n) => Err(format!(
            "the number {n} is not a date; format the cell as a date or write YYYY-MM-DD"
        )),
        Cell::Empty => Err("the date is empty".into()),
        Cell::Other(o) => Err(format!("{o} is not a date")),
    }
}

/// A date as vi-VN writes it, day first: `20/11/2025` or `5/1/2025` (what a vi-VN Excel or
/// Calc writes into a CSV from a date cell). The year has four digits: `5/1/25` would be a
/// guess at the century, and is refused. Slashes always mean day/month/year here; vi-VN
/// software never writes month first.
pub(super) fn parse_vi_date(text: &str) -> Result<NaiveDate, String> {
    let shape = || format!("date {text:?} is not of the form DD/MM/YYYY (or YYYY-MM-DD)");
    let parts: Vec<&str> = text.split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return Err(shape());
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(d, 1, 2) && digits(m, 1, 2) && digits(y, 4, 4)) {
        return Err(shape());
    }
    let number = |p: &str| p.parse::<u32>().map_err(|_| shape());
    let year = i32::try_from(number(y)?).map_err(|_| shape())?;
    let date = NaiveDate::from_ymd_opt(year, number(m)?, number(d)?)
        .ok_or_else(|| format!("date {text:?} (day/month/year) does not exist in the calendar"))?;
    money::check_year(year).map_err(|e| format!("date {text:?}: {e}"))?;
    Ok(date)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vi_dates_are_day_first_with_a_four_digit_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_vi_date("20/11/2025"), Ok(d(2025, 11, 20)));
        assert_eq!(parse_vi_date("5/1/2025"), Ok(d(2025, 1, 5)));
        assert_eq!(parse_vi_date("01/02/2025"), Ok(d(2025, 2, 1)));
        for bad in [
            "31/02/2025",
            "13/13/2025",
            "5/1/25",
            "2025/01/05",
            "1//2025",
            "a/b/2025",
        ] {
            assert!(parse_vi_date(bad).is_err(), "{bad}");
        }
        let cell = |t: &str| parse_date_cell(&Cell::Text(t.to_string()));
        assert_eq!(cell(" 20/11/2025 "), Ok(d(2025, 11, 20)));
        assert_eq!(cell("2025-11-20"), Ok(d(2025, 11, 20)));
        assert!(cell("20-11-2025").is_err());
    }
}
