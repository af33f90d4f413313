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

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::event::{self, Event, Kind, LineSpec};
use crate::core::money;
use crate::core::rejection::{Code, Rejection};
use crate::core::rules::State;
use crate::core::text;

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

// ---------------------------------------------------------------------------------------------
// Reading cells.

/// Reads one sheet of an xlsx/xls/ods workbook. Without `sheet`, the workbook must hold exactly
/// one sheet: taking "the first" of several would be a guess.
pub fn read_workbook(bytes: Vec<u8>, file: &str, sheet: Option<&str>) -> Result<Table, PlanError> {
    let whole = |code: Code, message: String| PlanError {
        sheet: file.to_string(),
        row: None,
        column: None,
        rejection: Rejection::new(code, message),
    };
    // calamine expands an ods workbook in full when it opens it: check its bounds first.
    super::ods_scan::check(&bytes, file)?;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| whole(Code::Malformed, format!("not a readable workbook: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                return Err(whole(
                    Code::Malformed,
                    format!("the workbook has no sheet {s:?}; its sheets: {names:?}"),
                ));
            }
            s.to_string()
        }
        None => match names.as_slice() {
            [only] => only.clone(),
            [] => return Err(whole(Code::Malformed, "the workbook has no sheet".into())),
            _ => {
                return Err(whole(
                    Code::Malformed,
                    format!("the workbook has several sheets {names:?}; choose one with --sheet"),
                ));
            }
        },
    };
    // Read cell by cell within the limits: a dense range of a sheet with one far cell would
    // allocate without bound (see `sheet_cells`).
    let grid = super::sheet_cells::read(&mut book, &name)?;
    let mut table = Table {
        sheet: name,
        rows: Vec::new(),
    };
    for (row, values) in grid {
        let width = values
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut cells: Vec<Cell> = vec![Cell::Empty; width];
        for (column, value) in &values {
            if let Some(slot) = cells.get_mut(*column as usize) {
                *slot = workbook_cell(value);
            }
        }
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        push_row(&mut table, row.saturating_add(1), cells)?;
    }
    Ok(table)
}

fn workbook_cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            if clean(s).is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            Cell::Date(if (hh, mm, ss, ms) != (0, 0, 0, 0) {
                Err(format!(
                    "the cell holds a time of day ({hh:02}:{mm:02}:{ss:02}); a date has none"
                ))
            } else {
                NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                    .ok_or_else(|| format!("{y}-{m:02}-{d:02} is not a calendar date"))
            })
        }
        Data::DateTimeIso(s) => Cell::Text(s.clone()),
        Data::DateTime(_) | Data::DurationIso(_) => Cell::Other("a duration".into()),
        Data::Bool(b) => Cell::Other(format!("the boolean {b}")),
        Data::Error(e) => Cell::Other(format!("the spreadsheet error {e}")),
    }
}

/// Reads a CSV file (UTF-8, an optional BOM). The delimiter is `,`, `;` or tab: whichever makes
/// the first line a row of known column names (vi-VN Excel writes `;`, since `,` is its decimal
/// mark); if none or several do, the file is refused rather than guessed at.
pub fn read_csv(bytes: &[u8], file: &str) -> Result<Table, PlanError> {
    let whole = |message: String| PlanError {
        sheet: file.to_string(),
        row: None,
        column: None,
        rejection: Rejection::new(Code::Malformed, message),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|e| whole(format!("the file is not UTF-8 ({e}); save it as CSV UTF-8")))?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    // How many known column names the first line holds with each delimiter.
    let known = |delimiter: u8| -> usize {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(first.as_bytes());
        match reader.records().next() {
            Some(Ok(record)) => record
                .iter()
                .filter(|h| column_index(clean(h)).is_some())
                .count(),
            _ => 0,
        }
    };
    let scores: Vec<(u8, usize)> = [b',', b';', b'\t']
        .into_iter()
        .map(|d| (d, known(d)))
        .collect();
    let best = scores.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let winners: Vec<u8> = scores
        .iter()
        .filter(|(_, n)| *n == best)
        .map(|(d, _)| *d)
        .collect();
    // Two known names at least, and one delimiter ahead of the others; the header check then
    // names any cell that is not a column.
    let delimiter = match winners.as_slice() {
        [d] if best >= 2 => *d,
        _ => {
            return Err(whole(
                "the first line is not a header of known column names separated by ',', ';' or tab (see the plan table layout)".into(),
            ));
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    // A CSV file has one sheet; it goes by the file's name.
    let sheet = std::path::Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
        .to_string();
    let mut table = Table {
        sheet,
        rows: Vec::new(),
    };
    // A CSV row is numbered by the file line it starts on: blank lines count, as they do when
    // a spreadsheet opens the file (a quoted field spanning lines is the rare exception).
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        let number = u32::try_from(line).unwrap_or(u32::MAX);
        let more = reader.read_record(&mut record).map_err(|e| PlanError {
            sheet: table.sheet.clone(),
            row: Some(
                e.position()
                    .map_or(number, |p| u32::try_from(p.line()).unwrap_or(u32::MAX)),
            ),
            column: None,
            rejection: Rejection::new(Code::Malformed, format!("not valid CSV: {e}")),
        })?;
        if !more {
            break;
        }
        let number =
            u32::try_from(record.position().map_or(line, |p| p.line())).unwrap_or(u32::MAX);
        let cells: Vec<Cell> = record
            .iter()
            .map(|s| {
                if clean(s).is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s.to_string())
                }
            })
            .collect();
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        push_row(&mut table, number, cells)?;
    }
    Ok(table)
}

fn push_row(table: &mut Table, number: u32, cells: Vec<Cell>) -> Result<(), PlanError> {
    // The header row plus MAX_ROWS data rows.
    if table.rows.len() > MAX_ROWS {
        return Err(PlanError {
            sheet: table.sheet.clone(),
            row: Some(number),
            column: None,
            rejection: Rejection::new(
                Code::TooLarge,
                format!("a plan table may hold at most {MAX_ROWS} rows; split it"),
            ),
        });
    }
    table.rows.push((number, cells));
    Ok(())
}

/// Trims spaces, including the no-break spaces spreadsheets like to keep.
fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
}

fn column_index(header: &str) -> Option<usize> {
    let lower = header.to_lowercase();
    COLUMNS.iter().position(|(name, _, _)| *name == lower)
}

// ---------------------------------------------------------------------------------------------
// Numbers and dates.

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

fn parse_date_cell(cell: &Cell) -> Result<NaiveDate, String> {
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
fn text_cell(cell: &Cell) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(t) => Ok(Some(clean(t).to_string())),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(Some(format!("{}", *n as i64))),
        Cell::Number(n) => Err(format!("the number {n} is not a code or text")),
        Cell::Date(_) => Err("a date cell where text is expected".into()),
        Cell::Other(o) => Err(format!("{o} where text is expected")),
    }
}

// ---------------------------------------------------------------------------------------------
// Rows to events.

/// The events one data row produced, with its row number.
#[derive(Clone, Debug)]
pub struct RowEvents {
    pub row: u32,
    pub events: Vec<Event>,
}

/// What a plan table turns into: events in row order (an `open_line` precedes the first
/// allocation of a line the ledger does not hold yet).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub rows: Vec<RowEvents>,
}

impl Plan {
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.rows.iter().flat_map(|r| r.events.iter())
    }
    /// The row an event (by its 0-based index in `events()`) came from.
    pub fn row_of(&self, index: usize) -> Option<u32> {
        let mut seen = 0;
        for r in &self.rows {
            seen += r.events.len();
            if index < seen {
                return Some(r.row);
            }
        }
        None
    }
}

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, b"socai:plan-import:v1")
}

/// The id of an event built from a plan row: UUID v5 over its content without the id, as JSON
/// with keys in sorted order, so the id does not depend on the order the code builds fields in.
fn content_id(mut value: Map<String, Value>) -> Uuid {
    value.remove("id");
    let text = serde_json::to_string(&sorted(Value::Object(value))).unwrap_or_default();
    Uuid::new_v5(&namespace(), text.as_bytes())
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        other => other,
    }
}

struct Header {
    row: u32,
    /// Column index by field name.
    at: HashMap<&'static str, usize>,
}

fn read_header(table: &Table) -> Result<Header, PlanError> {
    let Some((row, cells)) = table.rows.first() else {
        return Err(PlanError {
            sheet: table.sheet.clone(),
            row: None,
            column: None,
            rejection: Rejection::new(Code::MissingField, "the sheet is empty: no header row"),
        });
    };
    let mut at = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        let err = |code: Code, message: String| PlanError {
            sheet: table.sheet.clone(),
            row: Some(*row),
            column: Some((column_letter(i), String::new())),
            rejection: Rejection::new(code, message),
        };
        let name = match cell {
            Cell::Empty => continue,
            Cell::Text(t) => clean(t),
            _ => {
                return Err(err(
                    Code::Malformed,
                    "a header cell must be a column name".into(),
                ));
            }
        };
        let Some(k) = column_index(name) else {
            return Err(err(
                Code::Malformed,
                format!(
                    "{name:?} is not a plan table column; the columns are: {}",
                    COLUMNS.map(|c| c.0).join(", ")
                ),
            ));
        };
        let key = COLUMNS[k].0;
        if at.insert(key, i).is_some() {
            return Err(err(
                Code::Malformed,
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
                    format!("the header has no {name:?} column"),
                ),
            });
        }
    }
    Ok(Header { row: *row, at })
}

/// One data row, read into import-format fields (not yet checked by the event parser).
struct RowValues {
    row: u32,
    line: Map<String, Value>,
    allocation: Map<String, Value>,
    effective: NaiveDate,
    key: (String, String, NaiveDate),
}

/// Turns a plan table into events, checked against the ledger's current `state` for lines that
/// already exist and allocations already imported. Pure: reads nothing but its arguments.
pub fn plan_events(table: &Table, state: &State) -> Result<Plan, PlanError> {
    let header = read_header(table)?;
    let column_of = |field: &str| -> Option<(String, String)> {
        let name = match field {
            "document.number" => "decision_number",
            "document.date" => "decision_date",
            "document.issuer" => "decision_issuer",
            "effective_date" if !header.at.contains_key("effective_date") => "decision_date",
            other => other,
        };
        header
            .at
            .get(name)
            .map(|i| (column_letter(*i), name.to_string()))
    };
    let mut values = Vec::new();
    for (row, cells) in table.rows.iter().skip(1) {
        values.push(read_row(table, &header, *row, cells)?);
    }
    if values.is_empty() {
        return Err(PlanError {
            sheet: table.sheet.clone(),
            row: Some(header.row),
            column: None,
            rejection: Rejection::new(Code::MissingField, "the sheet has a header but no rows"),
        });
    }
    // A line is opened at the earliest date any of its rows takes effect.
    let mut first_date: HashMap<String, NaiveDate> = HashMap::new();
    for v in &values {
        let line = v.key.0.clone();
        let d = first_date.entry(line).or_insert(v.effective);
        *d = (*d).min(v.effective);
    }
    let parse = |row: u32, value: Map<String, Value>| -> Result<Event, PlanError> {
        event::parse_value(&Value::Object(value)).map_err(|rejection| {
            let field = rejection
                .message
                .strip_prefix("field \"")
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("");
            PlanError {
                sheet: table.sheet.clone(),
                row: Some(row),
                column: column_of(field),
                rejection,
            }
        })
    };
    let allocations = allocation_index(state);
    let mut plan = Plan::default();
    // Lines declared by earlier rows of this sheet: spec and the row that declared it.
    let mut declared: HashMap<String, (LineSpec, u32)> = HashMap::new();
    let mut seen_keys: BTreeMap<(String, String, NaiveDate), u32> = BTreeMap::new();
    for v in values {
        let row = v.row;
        let at_row = |column: Option<(String, String)>, code: Code, message: String| PlanError {
            sheet: table.sheet.clone(),
            row: Some(row),
            column,
            rejection: Rejection::new(code, message),
        };
        let mut events = Vec::new();
        let line_code = v.key.0.clone();
        // The line as the row describes it.
        let mut open = v.line;
        open.insert("type".into(), "open_line".into());
        let date = first_date.get(&line_code).copied().unwrap_or(v.effective);
        open.insert("effective_date".into(), date.to_string().into());
        open.insert("id".into(), Uuid::nil().to_string().into());
        let mut open_event = parse(row, open.clone())?;
        open_event.id = content_id(open);
        let Kind::OpenLine(spec) = &open_event.kind else {
            return Err(at_row(
                None,
                Code::Malformed,
                "not a line declaration".into(),
            ));
        };
        let known = state
            .line(&line_code)
            .map(|s| (s.clone(), "the ledger".to_string()))
            .or_else(|| {
                declared
                    .get(&line_code)
                    .map(|(s, r)| (s.clone(), format!("row {r}")))
            });
        match known {
            Some((existing, where_)) => {
                let diffs = spec_differences(&existing, spec);
                if !diffs.is_empty() {
                    return Err(at_row(
                        column_of(diffs[0].0),
                        Code::LineExists,
                        format!(
                            "line {line_code:?} is already declared by {where_} with {}; this row says {}",
                            diffs
                                .iter()
                                .map(|(f, old, _)| format!("{f} {old}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            diffs
                                .iter()
                                .map(|(f, _, new)| format!("{f} {new}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
            None => {
                declared.insert(line_code.clone(), (spec.clone(), row));
                events.push(open_event);
            }
        }
        // The allocation.
        if let Some(first) = seen_keys.insert(v.key.clone(), row) {
            return Err(at_row(
                column_of("decision_number"),
                Code::AlreadyAllocated,
                format!(
                    "row {first} already allocates to line {line_code:?} under decision {} of {}; one row per line and decision (add them up)",
                    v.key.1, v.key.2
                ),
            ));
        }
        let mut alloc = v.allocation;
        alloc.insert("type".into(), "allocate".into());
        alloc.insert("line".into(), line_code.clone().into());
        alloc.insert("effective_date".into(), v.effective.to_string().into());
        alloc.insert("id".into(), Uuid::nil().to_string().into());
        let mut alloc_event = parse(row, alloc.clone())?;
        alloc_event.id = content_id(alloc);
        if let Some(prior) = prior_allocation(&allocations, &alloc_event) {
            return Err(at_row(column_of("amount"), Code::AlreadyAllocated, prior));
        }
        events.push(alloc_event);
        plan.rows.push(RowEvents { row, events });
    }
    Ok(plan)
}

fn read_row(
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
    let err = |name: &str, code: Code, message: String| PlanError {
        sheet: table.sheet.clone(),
        row: Some(row),
        column: header
            .at
            .get(name)
            .map(|i| (column_letter(*i), name.to_string())),
        rejection: Rejection::new(code, message),
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
                    "a value in a column without a header; totals and notes do not belong in the plan table",
                ),
            });
        }
    }
    let text = |name: &str| -> Result<Option<String>, PlanError> {
        text_cell(cell(name)).map_err(|m| err(name, Code::Malformed, m))
    };
    let required = |name: &str| -> Result<String, PlanError> {
        text(name)?.ok_or_else(|| err(name, Code::MissingField, format!("{name} is empty")))
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
    let year = match cell("plan_year") {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e6 => *n as i64,
        Cell::Text(t) if clean(t).bytes().all(|b| b.is_ascii_digit()) && clean(t).len() == 4 => {
            clean(t).parse().unwrap_or(0)
        }
        Cell::Empty => {
            return Err(err(
                "plan_year",
                Code::MissingField,
                "plan_year is empty".into(),
            ));
        }
        _ => {
            return Err(err(
                "plan_year",
                Code::Malformed,
                "plan_year must be a four-digit year".into(),
            ));
        }
    };
    line.insert("plan_year".into(), year.into());
    let amount = match cell("amount") {
        Cell::Number(n) => parse_amount_number(*n),
        Cell::Text(t) => parse_amount_text(t),
        Cell::Empty => {
            return Err(err("amount", Code::MissingField, "amount is empty".into()));
        }
        Cell::Date(_) => Err("a date cell is not an amount".into()),
        Cell::Other(o) => Err(format!("{o} is not an amount")),
    }
    .map_err(|m| err("amount", Code::InvalidAmount, m))?;
    let date = |name: &str| -> Result<NaiveDate, PlanError> {
        parse_date_cell(cell(name)).map_err(|m| {
            let code = if *cell(name) == Cell::Empty {
                Code::MissingField
            } else {
                Code::InvalidDate
            };
            err(name, code, m)
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

/// Fields where two specs of the same line differ: (column, ledger's value, row's value).
fn spec_differences(old: &LineSpec, new: &LineSpec) -> Vec<(&'static str, String, String)> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "(empty)".into());
    // Free text compared in normal form: the ledger may hold it as typed before normalisation.
    let text = |o: &Option<String>| {
        o.as_deref()
            .map_or("(empty)".into(), |t| text::normal_form(t).into_owned())
    };
    let pairs = [
        ("program", old.program.clone(), new.program.clone()),
        ("project", opt(&old.project), opt(&new.project)),
        ("subproject", opt(&old.subproject), opt(&new.subproject)),
        (
            "capital",
            old.capital.as_str().to_string(),
            new.capital.as_str().to_string(),
        ),
        ("source", old.source.clone(), new.source.clone()),
        (
            "plan_year",
            old.plan_year.to_string(),
            new.plan_year.to_string(),
        ),
        (
            "origin",
            old.origin.as_str().to_string(),
            new.origin.as_str().to_string(),
        ),
        ("work", text(&old.work), text(&new.work)),
        ("name", text(&old.name), text(&new.name)),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).collect()
}

/// The allocations the ledger counts (not reversed), by (line, decision number, decision date).
type AllocationIndex<'a> =
    HashMap<(&'a str, &'a str, NaiveDate), Vec<&'a crate::core::rules::Recorded>>;

fn allocation_index(state: &State) -> AllocationIndex<'_> {
    let reversed: std::collections::HashSet<Uuid> = state
        .records()
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::Reverse { target, .. } => Some(*target),
            _ => None,
        })
        .collect();
    let mut index: AllocationIndex<'_> = HashMap::new();
    for r in state.records() {
        if let (Kind::Allocate { line, .. }, Some(d)) = (&r.event.kind, &r.event.document)
            && !reversed.contains(&r.event.id)
        {
            index
                .entry((line.as_str(), d.number.as_str(), d.date))
                .or_default()
                .push(r);
        }
    }
    index
}

/// A counted allocation of the same line under the same decision, recorded with other content:
/// importing the row would count the decision twice.
fn prior_allocation(index: &AllocationIndex<'_>, candidate: &Event) -> Option<String> {
    let Kind::Allocate { line, amount } = &candidate.kind else {
        return None;
    };
    let doc = candidate.document.as_ref()?;
    let recorded = index.get(&(line.as_str(), doc.number.as_str(), doc.date))?;
    recorded.iter().find(|r| r.event.id != candidate.id).map(|r| {
        let a = match &r.event.kind {
            Kind::Allocate { amount, .. } => amount.to_string(),
            _ => "?".to_string(),
        };
        format!(
            "line {line:?} already holds an allocation under decision {} of {}: {a} đồng at sequence {} (id {}); this row says {amount} đồng. The ledger does not overwrite: if the sheet corrects it, reverse that event first, then re-import",
            doc.number, doc.date, r.seq, r.event.id
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
