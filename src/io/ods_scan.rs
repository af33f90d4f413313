//! An ods workbook's cells checked against the plan table's bounds before calamine reads it.
//!
//! calamine parses every ods sheet when the workbook opens and expands it into a dense grid
//! (repeated rows and cells written out, up to 100 million cells): an 824-byte ods holding A1
//! and one value at AZ1000000 cost 3.2 GB and 20 s before any limit of ours was checked. This
//! scan streams `content.xml` once, counting rows and columns as calamine does (their
//! `number-rows-repeated` / `number-columns-repeated`), and refuses the workbook when a value
//! lies outside the bounds `sheet_cells` applies, so calamine only ever sees a grid within them.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::plan_import::{MAX_ROWS, PlanError, column_letter};
use super::sheet_cells::{MAX_COLUMNS, MAX_SHEET_ROWS};
use crate::core::rejection::{Code, Counted, Detail, InputFault, Rejection};

/// XML events read before the workbook is refused: bounds the time a decompression bomb takes.
const MAX_EVENTS: u64 = 16 * 1024 * 1024;

/// Checks an ods workbook (a zip holding `content.xml`); anything else passes untouched, for
/// calamine to read or refuse.
pub fn check(bytes: &[u8], file: &str) -> Result<(), PlanError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    Scan::new(file).run(BufReader::new(content))
}

/// Where the scan is: the current table and the next row and column (0-based).
struct Scan<'a> {
    file: &'a str,
    table: String,
    row: u64,
    column: u64,
    /// Repeats of the row being read.
    row_repeats: u64,
    events: u64,
}

impl<'a> Scan<'a> {
    fn new(file: &'a str) -> Self {
        Scan {
            file,
            table: String::new(),
            row: 0,
            column: 0,
            row_repeats: 1,
            events: 0,
        }
    }

    fn refuse(
        &self,
        code: Code,
        at: Option<(u64, u64)>,
        facts: Detail,
        message: String,
    ) -> PlanError {
        let sheet = if self.table.is_empty() {
            self.file.to_string()
        } else {
            self.table.clone()
        };
        PlanError {
            sheet,
            row: at.map(|(r, _)| u32::try_from(r.saturating_add(1)).unwrap_or(u32::MAX)),
            column: at.map(|(_, c)| {
                let c = usize::try_from(c).unwrap_or(usize::MAX - 1);
                (column_letter(c), String::new())
            }),
            rejection: Rejection::new(code, facts, message),
        }
    }

    fn run<R: Read>(mut self, content: BufReader<R>) -> Result<(), PlanError> {
        let mut xml = Reader::from_reader(content);
        xml.config_mut().expand_empty_elements = true;
        let mut buf = Vec::new();
        loop {
            let event = self.next(&mut xml, &mut buf)?;
            match event {
                Event::Start(e) => match e.name().as_ref() {
                    "table:table" => {
                        self.table = attr(&e, "table:name").unwrap_or_default();
                        self.row = 0;
                    }
                    "table:table-row" => {
                        self.row_repeats = repeats(&e, "table:number-rows-repeated");
                        self.column = 0;
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        let columns = repeats(&e, "table:number-columns-repeated");
                        let valued = attr(&e, "office:value-type").is_some()
                            || attr(&e, "table:formula").is_some();
                        let end = e.name().as_ref().to_string();
                        let has_content = self.skip_cell(&mut xml, &end)?;
                        if valued || has_content {
                            self.check_value(columns)?;
                        }
                        self.column = self.column.saturating_add(columns);
                    }
                    _ => {}
                },
                Event::End(e) if e.name().as_ref() == "table:table-row" => {
                    self.row = self.row.saturating_add(self.row_repeats);
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
            buf.clear();
        }
    }

    /// The next XML event, within the event budget; malformed XML refuses the workbook.
    fn next<'b, R: Read>(
        &mut self,
        xml: &mut Reader<BufReader<R>>,
        buf: &'b mut Vec<u8>,
    ) -> Result<Event<'b>, PlanError> {
        self.events += 1;
        if self.events > MAX_EVENTS {
            return Err(self.refuse(
                Code::TooLarge,
                None,
                Counted::WorkbookElements.at_most(MAX_EVENTS, None),
                format!("the workbook's content has more than {MAX_EVENTS} XML elements; a plan table is far smaller"),
            ));
        }
        xml.read_event_into(buf).map_err(|e| {
            self.refuse(
                Code::Malformed,
                None,
                Detail::Input(InputFault::NotWorkbook),
                format!("not a readable workbook: content.xml: {e}"),
            )
        })
    }

    /// Reads up to the end of the cell `end`; true when it holds anything (text, an element).
    fn skip_cell<R: Read>(
        &mut self,
        xml: &mut Reader<BufReader<R>>,
        end: &str,
    ) -> Result<bool, PlanError> {
        let mut buf = Vec::new();
        let mut depth = 0u32;
        let mut content = false;
        loop {
            match self.next(xml, &mut buf)? {
                Event::End(e) if depth == 0 && e.name().as_ref() == end => return Ok(content),
                Event::End(_) => depth = depth.saturating_sub(1),
                Event::Start(_) => {
                    depth += 1;
                    content = true;
                }
                Event::Text(t) => content |= !t.trim().is_empty(),
                Event::Eof => return Ok(content),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
                _ => content = true,
            }
            buf.clear();
        }
    }

    /// A value repeated over `columns` cells from the current position, on every repeat of
    /// the current row: each must lie within the bounds.
    fn check_value(&self, columns: u64) -> Result<(), PlanError> {
        let last_column = self.column.saturating_add(columns.saturating_sub(1));
        let last_row = self.row.saturating_add(self.row_repeats.saturating_sub(1));
        if last_column >= u64::from(MAX_COLUMNS) {
            let at = (self.row, self.column.max(u64::from(MAX_COLUMNS)));
            return Err(self.refuse(
                Code::TooLarge,
                Some(at),
                Counted::SheetColumns.at_most(u64::from(MAX_COLUMNS), None),
                format!(
                    "a value right of column {}; a plan table uses columns A to {} only",
                    column_letter(MAX_COLUMNS as usize - 1),
                    column_letter(MAX_COLUMNS as usize - 1)
                ),
            ));
        }
        if last_row >= u64::from(MAX_SHEET_ROWS) {
            let at = (self.row.max(u64::from(MAX_SHEET_ROWS)), self.column);
            return Err(self.refuse(
                Code::TooLarge,
                Some(at),
                Counted::SheetRows.at_most(u64::from(MAX_SHEET_ROWS), None),
                format!("a value below row {MAX_SHEET_ROWS}; a plan table may hold at most {MAX_ROWS} rows; split it"),
            ));
        }
        Ok(())
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| a.value.into_owned())
}

/// A repeat count (at least 1); an unreadable one counts as huge, so it cannot hide a value.
fn repeats(e: &BytesStart<'_>, name: &str) -> u64 {
    match attr(e, name) {
        None => 1,
        Some(v) => v.trim().parse::<u64>().unwrap_or(u64::MAX).max(1),
    }
}
