//! Plan tables (xlsx or CSV) turned into events: `open_line` for lines the ledger does not hold
//! yet, then one `allocate` per row citing the row's decision.
//!
//! The cells are read here from bytes (the CLI reads the file); every event is then built as
//! import-format JSON and goes through `event::parse_value` and, at append, `rules::State::check`,
//! exactly like a JSON-lines import. Amounts follow a strict vi-VN rule (`parse_amount_text`):
//! anything that could be read two ways is refused with its sheet, row and column.
//!
//! Event ids are UUID v5 over the event's content (not over the file's bytes): re-importing a
//! sheet, even after Excel re-saved it, adds nothing; a corrected sheet adds its new rows and
//! refuses a changed allocation of an already imported (line, decision) instead of doubling it.

mod cells;
mod events;
mod rows;
mod table;

pub use cells::{parse_amount_number, parse_amount_text};
pub use events::{Plan, RowEvents, plan_events};
pub use table::{read_csv, read_workbook};

use chrono::NaiveDate;

use crate::core::rejection::Rejection;

/// Largest plan file accepted, in bytes; a commune's plan table is a few hundred kilobytes.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Most data rows one plan table may hold (each row makes at most two events).
pub const MAX_ROWS: usize = 50_000;

/// The columns of a plan table, by header name (first non-empty row), in any order.
/// `(name, required, what it holds)`; also written to `schemas/plan-table.json`.
pub const COLUMNS: [(&str, bool, &str); 15] = [
    ("line", true, "line code [A-Za-z0-9._:/-]{1,128}"),
    ("program", true, "program code, e.g. DTTS"),
    ("project", false, "project code, e.g. DA1"),
    ("subproject", false, "sub-project code, e.g. TDA1"),
    ("capital", true, "investment | recurrent"),
    ("source", true, "funding source code, e.g. NSTW"),
    ("plan_year", true, "plan year, an integer"),
    ("origin", true, "in_year | carried_over | extended"),
    (
        "work",
        false,
        "the works (công trình) an investment line funds",
    ),
    ("name", false, "the line's full name"),
    (
        "amount",
        true,
        "plan allocated by the decision, whole đồng (see the number rule)",
    ),
    ("decision_number", true, "number of the allocating decision"),
    (
        "decision_date",
        true,
        "date of the decision: a date cell or YYYY-MM-DD",
    ),
    ("decision_issuer", false, "who issued the decision"),
    (
        "effective_date",
        false,
        "when the allocation takes effect (default: decision_date)",
    ),
];

/// One cell as read from a workbook or a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted cell: its calendar date, or why it is not one.
    Date(Result<NaiveDate, String>),
    Other(String),
}

/// A sheet: its name and its non-empty rows with their 1-based row numbers as a spreadsheet
/// shows them; cells by 0-based column index.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// Where a refused input sits, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    pub sheet: String,
    pub row: Option<u32>,
    /// Column letter and header name.
    pub column: Option<(String, String)>,
    pub rejection: Rejection,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet {:?}", self.sheet)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some((letter, name)) = &self.column {
            write!(f, ", column {letter} ({name})")?;
        }
        write!(f, ": {}", self.rejection)
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::events::content_id;
    use super::*;
    use serde_json::{Map, Value};

    #[test]
    fn amounts_in_text_follow_the_vi_vn_rule_and_refuse_what_is_ambiguous() {
        let ok = |t: &str| parse_amount_text(t).map(|a| a.to_string());
        assert_eq!(ok("1234567"), Ok("1234567".into()));
        assert_eq!(ok(" 1.234.567 "), Ok("1234567".into()));
        assert_eq!(ok("12.000.000.000"), Ok("12000000000".into()));
        for bad in [
            "1.234",
            "150.000",
            "1,234",
            "1,234,567",
            "1.234,5",
            "1.234.567,00",
            "1.23.456",
            "1.2345.678",
            "01.234.567",
            "1 234 567",
            "-1.234.567",
            "1234.5",
            "",
            "0",
            "1e6",
            ".234.567",
        ] {
            assert!(parse_amount_text(bad).is_err(), "{bad:?} should be refused");
        }
        let msg = parse_amount_text("1.234").unwrap_err();
        assert!(msg.contains("ambiguous"), "{msg}");
    }

    #[test]
    fn numeric_cells_must_be_whole_and_exact() {
        assert_eq!(
            parse_amount_number(1_500_000.0).map(|a| a.to_string()),
            Ok("1500000".into())
        );
        for bad in [1.5, 0.0, -3.0, f64::NAN, 1e17] {
            assert!(parse_amount_number(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn content_ids_do_not_depend_on_field_order() {
        let a: Map<String, Value> =
            serde_json::from_str(r#"{"type":"allocate","line":"L","amount":"5","document":{"number":"1","date":"2025-01-01"}}"#)
                .unwrap_or_default();
        let b: Map<String, Value> =
            serde_json::from_str(r#"{"document":{"date":"2025-01-01","number":"1"},"amount":"5","line":"L","type":"allocate","id":"x"}"#)
                .unwrap_or_default();
        assert_eq!(content_id(a.clone()), content_id(b));
        let mut c = a.clone();
        c.insert("amount".into(), "6".into());
        assert_ne!(content_id(a), content_id(c));
    }

    #[test]
    fn column_letters_run_like_a_spreadsheet() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
