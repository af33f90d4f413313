//! A plan table's header and data rows, read into import-format fields (not yet checked by
//! the event parser).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::cells::{parse_amount_number, parse_amount_text, parse_date_cell, text_cell};
use super::table::{clean, column_index};
use super::{COLUMNS, Cell, PlanError, Table, column_letter};
use crate::core::rejection::{Code, Detail, Expected, FieldFault, InputFault, Rejection};

pub(super) struct Header {
    pub(super) row: u32,
    /// Column index by field name.
    pub(super) at: HashMap<&'static str, usize>,
}

pub(super) fn read_header(table: &Table) -> Result<Header, PlanError> {
    let Some((row, cells)) = table.rows.first() else {
        return Err(PlanError {
            sheet: table.sheet.clone(),
            row: None,
            column: None,
            rejection: Rejection::new(
                Code::MissingField,
                Detail::Input(InputFault::NoHeader),
                "the sheet is empty: no header row",
            ),
        });
    };
    let mut at = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        let err = |fault: InputFault, message: String| PlanError {
            sheet: table.sheet.clone(),
            row: Some(*row),
            column: Some((column_letter(i), String::new())),
            rejection: Rejection::new(Code::Malformed, Detail::Input(fault), message),
        };
        let name = match cell {
            Cell::Empty => continue,
            Cell::Text(t) => clean(t),
            _ => {
                return Err(err(
                    InputFault::NotAColumn { name: None },
                    "a header cell must be a column name".into(),
                ));
            }
        };
        let Some(k) = column_index(name) else {
            let fault = InputFault::NotAColumn {
                name: Some(name.to_string()),
            };
            return Err(err(
                fault,
                format!(
                    "{name:?} is not a plan table column; the columns are: {}",
                    COLUMNS.map(|c| c.0).join(", ")
                ),
            ));
        };
        let key = COLUMNS[k].0;
        if at.insert(key, i).is_some() {
            return Err(err(
                InputFault::ColumnTwice {
                    name: key.to_string(),
                },
                format!("column {key:?} appears twice"),
            ));
        }
    }
    for (name, required, _) in COLUMNS {
        if required && !at.contains_key(name) {
            return Err(PlanError {
                sheet: table.sheet.clone(),
                row: Some(*row),
                column: None,
                rejection: Rejection::new(
                    Code::MissingField,
                    Detail::Input(InputFault::NoColumn {
                        name: name.to_string(),
                    }),
                    format!("the header has no {name:?} column"),
                ),
            });
        }
    }
    Ok(Header { row: *row, at })
}

/// One data row, read into import-format fields (not yet checked by the event parser).
pub(super) struct RowValues {
    pub(super) row: u32,
    pub(super) line: Map<String, Value>,
    pub(super) allocation: Map<String, Value>,
    pub(super) effective: NaiveDate,
    pub(super) key: (String, String, NaiveDate),
}

pub(super) fn read_row(
    table: &Table,
    header: &Header,
    row: u32,
    cells: &[Cell],
) -> Result<RowValues, PlanError> {
    let cell = |name: &str| -> &Cell {
        header
            .at
            .get(name)
            .and_then(|i| cells.get(*i))
            .unwrap_or(&Cell::Empty)
    };
    // A refused cell: its column, the code, what was wrong with it, and the English words.
    let err = |name: &str, code: Code, fault: FieldFault, message: String| PlanError {
        sheet: table.sheet.clone(),
        row: Some(row),
        column: header
            .at
            .get(name)
            .map(|i| (column_letter(*i), name.to_string())),
        rejection: Rejection::new(code, Detail::field(name, shown(cell(name)), fault), message),
    };
    // Cells outside the header's columns would be silently dropped: refuse them.
    for (i, c) in cells.iter().enumerate() {
        if *c != Cell::Empty && !header.at.values().any(|j| *j == i) {
            return Err(PlanError {
                sheet: table.sheet.clone(),
                row: Some(row),
                column: Some((column_letter(i), String::new())),
                rejection: Rejection::new(
                    Code::Malformed,
                    Detail::Input(InputFault::OutsideColumns),
                    "a value in a column without a header; totals and notes do not belong in the plan table",
                ),
            });
        }
    }
    let text = |name: &str| -> Result<Option<String>, PlanError> {
        text_cell(cell(name)).map_err(|m| {
            err(
                name,
                Code::Malformed,
                FieldFault::Expected(Expected::Text),
                m,
            )
        })
    };
    let required = |name: &str| -> Result<String, PlanError> {
        text(name)?.ok_or_else(|| {
            err(
                name,
                Code::MissingField,
                FieldFault::Empty,
                format!("{name} is empty"),
            )
        })
    };
    let mut line = Map::new();
    for name in ["line", "program", "capital", "source", "origin"] {
        line.insert(name.into(), required(name)?.into());
    }
    for name in ["project", "subproject", "work", "name"] {
        if let Some(t) = text(name)? {
            line.insert(name.into(), t.into());
        }
    }
    let year = plan_year(cell("plan_year"))
        .map_err(|(code, fault, m)| err("plan_year", code, fault, m))?;
    line.insert("plan_year".into(), year.into());
    let amount =
        amount_of(cell("amount")).map_err(|(code, fault, m)| err("amount", code, fault, m))?;
    let date = |name: &str| -> Result<NaiveDate, PlanError> {
        parse_date_cell(cell(name)).map_err(|m| {
            let (code, fault) = if *cell(name) == Cell::Empty {
                (Code::MissingField, FieldFault::Empty)
            } else {
                (Code::InvalidDate, FieldFault::Expected(Expected::Date))
            };
            err(name, code, fault, m)
        })
    };
    let number = required("decision_number")?;
    let decision_date = date("decision_date")?;
    let effective =
        if header.at.contains_key("effective_date") && *cell("effective_date") != Cell::Empty {
            date("effective_date")?
        } else {
            decision_date
        };
    let mut document = Map::new();
    document.insert("number".into(), number.clone().into());
    document.insert("date".into(), decision_date.to_string().into());
    if let Some(issuer) = text("decision_issuer")? {
        document.insert("issuer".into(), issuer.into());
    }
    let mut allocation = Map::new();
    allocation.insert("amount".into(), amount.to_string().into());
    allocation.insert("document".into(), Value::Object(document));
    let line_code = line
        .get("line")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(RowValues {
        row,
        line,
        allocation,
        effective,
        key: (line_code, number, decision_date),
    })
}

/// The amount of a row: a number cell or text in whole đồng (see the number rule).
fn amount_of(cell: &Cell) -> Result<crate::core::money::Amount, (Code, FieldFault, String)> {
    let bad = |m: String| {
        (
            Code::InvalidAmount,
            FieldFault::Expected(Expected::WholeDong),
            m,
        )
    };
    match cell {
        Cell::Number(n) => parse_amount_number(*n).map_err(bad),
        Cell::Text(t) => parse_amount_text(t).map_err(bad),
        Cell::Empty => Err((
            Code::MissingField,
            FieldFault::Empty,
            "amount is empty".into(),
        )),
        Cell::Date(_) => Err(bad("a date cell is not an amount".into())),
        Cell::Other(o) => Err(bad(format!("{o} is not an amount"))),
    }
}

/// The plan year of a row: a whole number cell or four digits of text.
fn plan_year(cell: &Cell) -> Result<i64, (Code, FieldFault, String)> {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e6 => Ok(*n as i64),
        Cell::Text(t) if clean(t).bytes().all(|b| b.is_ascii_digit()) && clean(t).len() == 4 => {
            Ok(clean(t).parse().unwrap_or(0))
        }
        Cell::Empty => Err((
            Code::MissingField,
            FieldFault::Empty,
            "plan_year is empty".into(),
        )),
        _ => Err((
            Code::Malformed,
            FieldFault::Expected(Expected::Year),
            "plan_year must be a four-digit year".into(),
        )),
    }
}

/// A cell's value as the sheet shows it, for a refusal naming what was found.
fn shown(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(t) => Some(clean(t).to_string()),
        Cell::Number(n) => Some(n.to_string()),
        Cell::Date(Ok(d)) => Some(d.format("%d/%m/%Y").to_string()),
        Cell::Date(Err(e)) | Cell::Other(e) => Some(e.clone()),
    }
}
