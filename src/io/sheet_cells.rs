//! The non-empty cells of one workbook sheet, read within a plan table's limits.
//!
//! calamine's `worksheet_range` builds a dense grid from the first to the farthest cell: a
//! 1.6 KB xlsx holding A1 and XFD1048576 asked for 512 GB and aborted the process, and A1 plus
//! AZ1000000 cost 1.6 GB before any limit of ours was checked. Here xlsx and xlsb sheets are read
//! cell by cell (calamine's lazy cells reader), each non-empty cell is checked against the limits
//! before anything is kept for it, and only non-empty cells are kept. xls and ods have no lazy
//! reader in calamine: their grid is built when the workbook is opened, bounded by those formats
//! themselves (xls: 65,536 × 256 cells); the same limits are then applied to their cells.

use std::collections::BTreeMap;
use std::io::{Read, Seek};

use calamine::{Cell, Data, DataRef, Reader, Sheets};

use super::plan_import::{MAX_ROWS, PlanError, column_letter};
use crate::core::rejection::{Code, Counted, Detail, InputFault, Rejection};

/// Columns a plan table may use, A to BL: its 15 columns with room for leading blank ones.
pub const MAX_COLUMNS: u32 = 64;
/// The last sheet row (1-based) a value may sit in: MAX_ROWS data rows and as many blank rows.
pub const MAX_SHEET_ROWS: u32 = 2 * MAX_ROWS as u32 + 1;
/// Cell records read (empty, styled cells included) before the sheet is refused: bounds the
/// time a decompression bomb of repeated cells can take.
const MAX_CELL_RECORDS: usize = (MAX_ROWS + 1) * MAX_COLUMNS as usize;

/// Non-empty cells by 0-based row, each row's cells as (0-based column, value) in sheet order.
pub type Grid = BTreeMap<u32, Vec<(u32, Data)>>;

/// Reads the non-empty cells of sheet `name`, refusing a value outside the limits (naming its
/// row and column) before the sheet is read any further.
pub fn read<RS: Read + Seek>(book: &mut Sheets<RS>, name: &str) -> Result<Grid, PlanError> {
    let mut grid = Limited::new(name);
    let unreadable = |e: String| {
        grid_error(
            name,
            None,
            (Code::Malformed, Detail::Input(InputFault::Unreadable)),
            format!("cannot read the sheet: {e}"),
        )
    };
    match book {
        Sheets::Xlsx(xlsx) => {
            let mut cells = xlsx
                .worksheet_cells_reader(name)
                .map_err(|e| unreadable(e.to_string()))?;
            grid.add_each(|| cells.next_cell(), &unreadable)?;
        }
        Sheets::Xlsb(xlsb) => {
            let mut cells = xlsb
                .worksheet_cells_reader(name)
                .map_err(|e| unreadable(e.to_string()))?;
            grid.add_each(|| cells.next_cell(), &unreadable)?;
        }
        other => {
            let range = other
                .worksheet_range(name)
                .map_err(|e| unreadable(e.to_string()))?;
            let (top, left) = range.start().unwrap_or((0, 0));
            for (r, c, value) in range.used_cells() {
                let at = (
                    top.saturating_add(u32::try_from(r).unwrap_or(u32::MAX)),
                    left.saturating_add(u32::try_from(c).unwrap_or(u32::MAX)),
                );
                grid.add(at, || value.clone())?;
            }
        }
    }
    Ok(grid.rows)
}

fn grid_error(
    sheet: &str,
    at: Option<(u32, u32)>,
    (code, facts): (Code, Detail),
    message: String,
) -> PlanError {
    PlanError {
        sheet: sheet.to_string(),
        row: at.map(|(r, _)| r.saturating_add(1)),
        column: at.map(|(_, c)| (column_letter(c as usize), String::new())),
        rejection: Rejection::new(code, facts, message),
    }
}

/// The cells kept so far, and the count of records read.
struct Limited<'a> {
    sheet: &'a str,
    rows: Grid,
    records: usize,
}

impl<'a> Limited<'a> {
    fn new(sheet: &'a str) -> Self {
        Limited {
            sheet,
            rows: Grid::new(),
            records: 0,
        }
    }

    /// Adds every cell a lazy cells reader (xlsx, xlsb) gives, one `next` at a time, until it
    /// has no more; a reader's error is the sheet's, worded by `unreadable`.
    fn add_each<'d, E: std::fmt::Display>(
        &mut self,
        mut next: impl FnMut() -> Result<Option<Cell<DataRef<'d>>>, E>,
        unreadable: &impl Fn(String) -> PlanError,
    ) -> Result<(), PlanError> {
        while let Some(cell) = next().map_err(|e| unreadable(e.to_string()))? {
            self.add(cell.get_position(), || Data::from(cell.get_value().clone()))?;
        }
        Ok(())
    }

    /// Keeps the cell at `at` if it holds a value, after checking it lies within the limits;
    /// `value` is only made for a cell that is kept.
    fn add(&mut self, at: (u32, u32), value: impl FnOnce() -> Data) -> Result<(), PlanError> {
        let (row, column) = at;
        let too_large = |what: Counted, max: u32, message: String| {
            let facts = Detail::Limit {
                what,
                max: u64::from(max),
                found: None,
            };
            grid_error(self.sheet, Some(at), (Code::TooLarge, facts), message)
        };
        self.records += 1;
        if self.records > MAX_CELL_RECORDS {
            return Err(too_large(
                Counted::SheetCells,
                MAX_CELL_RECORDS as u32,
                format!(
                    "the sheet holds more than {MAX_CELL_RECORDS} cells; a plan table has at most {MAX_ROWS} rows of {MAX_COLUMNS} columns"
                ),
            ));
        }
        let value = value();
        if is_blank(&value) {
            return Ok(());
        }
        if column >= MAX_COLUMNS {
            return Err(too_large(
                Counted::SheetColumns,
                MAX_COLUMNS,
                format!(
                    "a value right of column {}; a plan table uses columns A to {} only",
                    column_letter(MAX_COLUMNS as usize - 1),
                    column_letter(MAX_COLUMNS as usize - 1)
                ),
            ));
        }
        if row >= MAX_SHEET_ROWS {
            return Err(too_large(
                Counted::SheetRows,
                MAX_SHEET_ROWS,
                format!(
                    "a value below row {MAX_SHEET_ROWS}; a plan table may hold at most {MAX_ROWS} rows; split it"
                ),
            ));
        }
        if !self.rows.contains_key(&row) && self.rows.len() > MAX_ROWS {
            return Err(too_large(
                Counted::TableRows,
                MAX_ROWS as u32,
                format!("a plan table may hold at most {MAX_ROWS} rows; split it"),
            ));
        }
        self.rows.entry(row).or_default().push((column, value));
        Ok(())
    }
}

/// An empty cell, or text of spaces only: a styled but unused cell keeps nothing.
fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}
