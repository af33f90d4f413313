//! Reading a plan table's cells from bytes: one sheet of a workbook (xlsx, xls, ods) or a
//! CSV file, into a `Table` of rows with their spreadsheet row numbers.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use super::{COLUMNS, Cell, MAX_ROWS, PlanError, Table};
use crate::core::rejection::{Code, Counted, Detail, InputFault, Rejection};

/// A refusal of the file `file` as a whole (no row, no column): malformed, with its fault.
fn whole_file(file: &str) -> impl Fn(InputFault, String) -> PlanError + '_ {
    move |fault, message| PlanError {
        sheet: file.to_string(),
        row: None,
        column: None,
        rejection: Rejection::new(Code::Malformed, Detail::Input(fault), message),
    }
}

/// Reads one sheet of an xlsx/xls/ods workbook. Without `sheet`, the workbook must hold exactly
/// one sheet: taking "the first" of several would be a guess.
pub fn read_workbook(bytes: Vec<u8>, file: &str, sheet: Option<&str>) -> Result<Table, PlanError> {
    let whole = whole_file(file);
    // calamine expands an ods workbook in full when it opens it: check its bounds first.
    crate::io::ods_scan::check(&bytes, file)?;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        whole(
            InputFault::NotWorkbook,
            format!("not a readable workbook: {e}"),
        )
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                let fault = InputFault::NoSuchSheet {
                    sheet: s.to_string(),
                    sheets: names.clone(),
                };
                return Err(whole(
                    fault,
                    format!("the workbook has no sheet {s:?}; its sheets: {names:?}"),
                ));
            }
            s.to_string()
        }
        None => match names.as_slice() {
            [only] => only.clone(),
            [] => {
                return Err(whole(
                    InputFault::NoSheet,
                    "the workbook has no sheet".into(),
                ));
            }
            _ => {
                return Err(whole(
                    InputFault::SeveralSheets {
                        sheets: names.clone(),
                    },
                    format!("the workbook has several sheets {names:?}; choose one with --sheet"),
                ));
            }
        },
    };
    // Read cell by cell within the limits: a dense range of a sheet with one far cell would
    // allocate without bound (see `sheet_cells`).
    let grid = crate::io::sheet_cells::read(&mut book, &name)?;
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

/// The text of a CSV file: UTF-8 (a BOM is dropped), else Windows-1258, what a vi-VN Excel
/// writes on a plain "Save as CSV". That code page writes most tone marks as combining
/// characters after the letter ("ố" as "ô" + U+0301), so the text is put in NFC, the form
/// every stored name has. Bytes Windows-1258 leaves undefined refuse the file rather than
/// turn into replacement characters.
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    use unicode_normalization::UnicodeNormalization;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    let legacy = encoding_rs::WINDOWS_1258
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or("the file is neither UTF-8 nor Windows-1258; save it as CSV UTF-8")?;
    Ok(std::borrow::Cow::Owned(legacy.nfc().collect()))
}

/// Reads a CSV file (UTF-8 with an optional BOM, or Windows-1258: `decode`). The delimiter is `,`, `;` or tab: whichever makes
/// the first line a row of known column names (vi-VN Excel writes `;`, since `,` is its decimal
/// mark); if none or several do, the file is refused rather than guessed at.
pub fn read_csv(bytes: &[u8], file: &str) -> Result<Table, PlanError> {
    let whole = whole_file(file);
    let text = decode(bytes).map_err(|m| whole(InputFault::NotUtf8OrWindows1258, m))?;
    let text = text.as_ref();
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
                InputFault::NoHeaderLine,
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
        let more = reader.read_record(&mut record).map_err(|e| {
            let row = e
                .position()
                .map_or(number, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
            let fault = InputFault::NotCsv {
                line: Some(u64::from(row)),
            };
            PlanError {
                sheet: table.sheet.clone(),
                row: Some(row),
                column: None,
                rejection: Rejection::new(
                    Code::Malformed,
                    Detail::Input(fault),
                    format!("not valid CSV: {e}"),
                ),
            }
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
                Counted::TableRows.at_most(MAX_ROWS as u64, None),
                format!("a plan table may hold at most {MAX_ROWS} rows; split it"),
            ),
        });
    }
    table.rows.push((number, cells));
    Ok(())
}

/// Trims spaces, including the no-break spaces spreadsheets like to keep.
pub(super) fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
}

pub(super) fn column_index(header: &str) -> Option<usize> {
    let lower = header.to_lowercase();
    COLUMNS.iter().position(|(name, _, _)| *name == lower)
}
