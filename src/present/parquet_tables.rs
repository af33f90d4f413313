//! The Parquet tables of `socai export --format parquet`, for the engines analysts already run
//! (DuckDB, Spark, Trino): `events` (the rows of `ledger_rows`: one per event and line it
//! moves, with signed deltas and `reversed_by`) and `lines` (each line's declaration).
//! Amounts are INT64 whole đồng, dates DATE, the recording time a UTC TIMESTAMP (µs).
//!
//! Written with the `parquet` crate's column writers (no Arrow: the Arrow crates would double
//! the build for two flat tables). Rows are buffered per column for one row group of at most
//! `ROW_GROUP_ROWS` rows, written, and dropped, so memory does not grow with the log.

use std::io::Write;
use std::sync::Arc;

use chrono::NaiveDate;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::present::export_survey::Parts;
use crate::present::ledger_rows::{DELTA_COLUMNS, Ledger, Row};

/// Rows per row group: groups large enough for the engines to skip by their statistics, and
/// buffers small beside the streamed export's own memory (50,000 rows took a 1M-event export
/// to 214 MB, against 177 MB for JSON lines; 16,384 take it to 177 MB, the file's size
/// unchanged).
pub const ROW_GROUP_ROWS: usize = 16_384;

/// A column's type as the engines read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    /// UTF-8 text (BYTE_ARRAY, STRING).
    Text,
    /// A whole number (INT64): sequences and amounts in đồng.
    Int64,
    /// A small whole number (INT32): plan years.
    Int32,
    /// A civil date (INT32, DATE: days since 1970-01-01).
    Date,
    /// A moment (INT64, TIMESTAMP(MICROS, UTC)).
    Timestamp,
}

/// A column: its name, type, and whether a row may leave it empty (null).
#[derive(Clone, Copy, Debug)]
struct Column {
    name: &'static str,
    ty: Type,
    optional: bool,
}

const fn col(name: &'static str, ty: Type, optional: bool) -> Column {
    Column { name, ty, optional }
}

/// The events table, in order (the deltas follow `amount`, in `DELTA_COLUMNS` order).
const EVENT_COLUMNS: [Column; 26] = {
    use Type::*;
    [
        col("unit", Text, true),
        col("seq", Int64, false),
        col("id", Text, false),
        col("type", Text, false),
        col("effective_date", Date, false),
        col("recorded_at", Timestamp, false),
        col("line", Text, true),
        col("counterpart_line", Text, true),
        col("amount", Int64, true),
        col(DELTA_COLUMNS[0], Int64, false),
        col(DELTA_COLUMNS[1], Int64, false),
        col(DELTA_COLUMNS[2], Int64, false),
        col(DELTA_COLUMNS[3], Int64, false),
        col(DELTA_COLUMNS[4], Int64, false),
        col(DELTA_COLUMNS[5], Int64, false),
        col(DELTA_COLUMNS[6], Int64, false),
        col(DELTA_COLUMNS[7], Int64, false),
        col(DELTA_COLUMNS[8], Int64, false),
        col("document_number", Text, true),
        col("document_date", Date, true),
        col("document_issuer", Text, true),
        col("payee", Text, true),
        col("actor", Text, true),
        col("note", Text, true),
        col("reverses", Text, true),
        col("reversed_by", Int64, true),
    ]
};

/// The lines table, in order.
const LINE_COLUMNS: [Column; 13] = {
    use Type::*;
    [
        col("unit", Text, true),
        col("line", Text, false),
        col("program", Text, false),
        col("project", Text, true),
        col("subproject", Text, true),
        col("capital", Text, false),
        col("source", Text, false),
        col("plan_year", Int32, false),
        col("origin", Text, false),
        col("work", Text, true),
        col("name", Text, true),
        col("deadline", Date, true),
        col("opened_seq", Int64, false),
    ]
};

/// One value of a row, in its column's type (`None`: null).
#[derive(Clone, Copy, Debug)]
enum Cell<'a> {
    Text(Option<&'a str>),
    Int64(Option<i64>),
    Int32(Option<i32>),
}

/// The names of the events table's columns, in order (README, tests).
pub fn event_columns() -> impl Iterator<Item = &'static str> {
    EVENT_COLUMNS.iter().map(|c| c.name)
}

/// The names of the lines table's columns, in order.
pub fn line_columns() -> impl Iterator<Item = &'static str> {
    LINE_COLUMNS.iter().map(|c| c.name)
}

fn schema_text(table: &str, columns: &[Column]) -> String {
    let mut text = format!("message {table} {{\n");
    for c in columns {
        let repetition = if c.optional { "optional" } else { "required" };
        let ty = match c.ty {
            Type::Text => "binary {} (STRING)",
            Type::Int64 => "int64 {}",
            Type::Int32 => "int32 {}",
            Type::Date => "int32 {} (DATE)",
            Type::Timestamp => "int64 {} (TIMESTAMP(MICROS,true))",
        };
        text.push_str(&format!("  {repetition} {};\n", ty.replace("{}", c.name)));
    }
    text.push('}');
    text
}

/// One column's values for the row group being filled, with the definition levels of an
/// optional column (1: a value, 0: null).
#[derive(Default)]
struct Buffer {
    texts: Vec<ByteArray>,
    int64s: Vec<i64>,
    int32s: Vec<i32>,
    defs: Vec<i16>,
}

/// A Parquet file being written row group by row group.
struct Table<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    columns: &'static [Column],
    buffers: Vec<Buffer>,
    rows: usize,
}

fn general(message: String) -> ParquetError {
    ParquetError::General(message)
}

impl<W: Write + Send> Table<W> {
    fn new(
        out: W,
        table: &str,
        columns: &'static [Column],
        metadata: &[(String, String)],
    ) -> Result<Table<W>, ParquetError> {
        let schema = Arc::new(parse_message_type(&schema_text(table, columns))?);
        let metadata = metadata
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        let properties = WriterProperties::builder()
            .set_created_by(format!("socai {}", env!("CARGO_PKG_VERSION")))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_key_value_metadata(Some(metadata))
            .build();
        Ok(Table {
            writer: SerializedFileWriter::new(out, schema, Arc::new(properties))?,
            columns,
            buffers: columns.iter().map(|_| Buffer::default()).collect(),
            rows: 0,
        })
    }

    /// Adds a row (one cell per column, in order); writes a row group when one is full.
    fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), ParquetError> {
        if cells.len() != self.columns.len() {
            return Err(general(format!(
                "a row of {} cells for {} columns",
                cells.len(),
                self.columns.len()
            )));
        }
        for ((cell, column), buffer) in cells.iter().zip(self.columns).zip(&mut self.buffers) {
            let present = match *cell {
                Cell::Text(v) => v.map(|t| buffer.texts.push(ByteArray::from(t))),
                Cell::Int64(v) => v.map(|n| buffer.int64s.push(n)),
                Cell::Int32(v) => v.map(|n| buffer.int32s.push(n)),
            };
            if column.optional {
                buffer.defs.push(i16::from(present.is_some()));
            } else if present.is_none() {
                return Err(general(format!("column {} needs a value", column.name)));
            }
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP_ROWS {
            self.write_group()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group and empties the buffers.
    fn write_group(&mut self) -> Result<(), ParquetError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        let mut buffers = self.buffers.iter_mut();
        while let Some(mut column) = group.next_column()? {
            let buffer = buffers
                .next()
                .ok_or_else(|| general("more columns than buffers".to_string()))?;
            let defs = (!buffer.defs.is_empty()).then_some(buffer.defs.as_slice());
            match column.untyped() {
                ColumnWriter::ByteArrayColumnWriter(w) => w.write_batch(&buffer.texts, defs, None),
                ColumnWriter::Int64ColumnWriter(w) => w.write_batch(&buffer.int64s, defs, None),
                ColumnWriter::Int32ColumnWriter(w) => w.write_batch(&buffer.int32s, defs, None),
                _ => Err(general("a column of an unexpected type".to_string())),
            }?;
            column.close()?;
            *buffer = Buffer::default();
        }
        group.close()?;
        self.rows = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<W, ParquetError> {
        self.write_group()?;
        self.writer.into_inner()
    }
}

/// Whole đồng as INT64 (amounts are at most 10^16, so always); anything else is refused.
fn dong(d: Decimal) -> Result<i64, ParquetError> {
    d.fract()
        .is_zero()
        .then(|| d.to_i64())
        .flatten()
        .ok_or_else(|| general(format!("amount {d} is not a whole number of đồng in INT64")))
}

/// Days since 1970-01-01 (Parquet's DATE).
fn days(d: NaiveDate) -> i32 {
    // A NaiveDate lies within ±262,143 years: its day count always fits an i32.
    let epoch = chrono::DateTime::UNIX_EPOCH.date_naive();
    i32::try_from((d - epoch).num_days()).unwrap_or(i32::MAX)
}

/// Writes the events table of `ledger` to `out` (see the module comment); `tick` once per
/// event. `metadata`: key-value pairs for the file footer (the provenance).
pub fn events<W: Write + Send>(
    out: W,
    (ledger, log): (&Ledger, &dyn Parts),
    unit: Option<&str>,
    metadata: &[(String, String)],
    tick: &mut dyn FnMut(),
) -> Result<W, ParquetError> {
    let mut table = Table::new(out, "events", &EVENT_COLUMNS, metadata)?;
    let mut failed: Option<ParquetError> = None;
    let written = log.each_part(&mut |part| {
        let pushed = part.iter().try_for_each(|r| {
            tick();
            let id = r.event.id.to_string();
            ledger.rows(r).iter().try_for_each(|row| {
                let reverses = row.reverses.map(|t| t.to_string());
                table.push(&event_cells(row, unit, &id, reverses.as_deref())?)
            })
        });
        // Kept as it is (an io::Error would lose its kind), and the reading stops.
        pushed.map_err(|e| {
            failed = Some(e);
            std::io::Error::other("parquet")
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    written.map_err(|e| general(format!("cannot read the log: {e}")))?;
    table.finish()
}

/// One row's cells; `id` and `reverses` are the event's and its target's ids as text.
fn event_cells<'b>(
    row: &'b Row<'_>,
    unit: Option<&'b str>,
    id: &'b str,
    reverses: Option<&'b str>,
) -> Result<[Cell<'b>; 26], ParquetError> {
    let (r, e) = (row.record, &row.record.event);
    let doc = e.document.as_ref();
    let mut deltas = [0i64; 9];
    for (slot, d) in deltas.iter_mut().zip(row.deltas) {
        *slot = dong(d)?;
    }
    let delta = |i: usize| Cell::Int64(Some(deltas[i]));
    Ok([
        Cell::Text(unit),
        Cell::Int64(Some(seq(r.seq)?)),
        Cell::Text(Some(id)),
        Cell::Text(Some(e.kind.type_name())),
        Cell::Int32(Some(days(e.effective_date))),
        Cell::Int64(Some(r.recorded_at.timestamp_micros())),
        Cell::Text(row.line),
        Cell::Text(row.counterpart),
        Cell::Int64(row.amount.map(dong).transpose()?),
        delta(0),
        delta(1),
        delta(2),
        delta(3),
        delta(4),
        delta(5),
        delta(6),
        delta(7),
        delta(8),
        Cell::Text(doc.map(|d| d.number.as_str())),
        Cell::Int32(doc.map(|d| days(d.date))),
        Cell::Text(doc.and_then(|d| d.issuer.as_deref())),
        Cell::Text(crate::present::event_text::payee(e)),
        Cell::Text(e.actor.as_deref()),
        Cell::Text(e.note.as_deref()),
        Cell::Text(reverses),
        Cell::Int64(row.reversed_by.map(seq).transpose()?),
    ])
}

fn seq(s: u64) -> Result<i64, ParquetError> {
    i64::try_from(s).map_err(|_| general(format!("sequence {s} beyond INT64")))
}

/// Writes the lines table of `ledger` to `out`: every line opened, in log order.
pub fn lines<W: Write + Send>(
    out: W,
    ledger: &Ledger,
    unit: Option<&str>,
    metadata: &[(String, String)],
) -> Result<W, ParquetError> {
    let mut table = Table::new(out, "lines", &LINE_COLUMNS, metadata)?;
    for (spec, opened, deadline) in ledger.lines() {
        table.push(&[
            Cell::Text(unit),
            Cell::Text(Some(spec.line.as_str())),
            Cell::Text(Some(spec.program.as_str())),
            Cell::Text(spec.project.as_deref()),
            Cell::Text(spec.subproject.as_deref()),
            Cell::Text(Some(spec.capital.as_str())),
            Cell::Text(Some(spec.source.as_str())),
            Cell::Int32(Some(spec.plan_year)),
            Cell::Text(Some(spec.origin.as_str())),
            Cell::Text(spec.work.as_deref()),
            Cell::Text(spec.name.as_deref()),
            Cell::Int32(deadline.map(days)),
            Cell::Int64(Some(seq(opened)?)),
        ])?;
    }
    table.finish()
}
