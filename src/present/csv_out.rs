//! Every CSV the project writes goes through here, on the `csv` crate (quoting, embedded
//! separators and line breaks are its job, not ours), in one of two dialects:
//!
//! - `excel-vi`: what Excel and LibreOffice in a vi-VN locale open right with a double click:
//!   a UTF-8 byte order mark (without it Excel reads the text as Windows-1258), `;` between
//!   fields (the vi-VN list separator: the decimal separator is the comma), numbers with a
//!   decimal comma and no grouping, so "38,996" tỷ is read as 38.996 and not as 38 996.
//! - `plain`: RFC 4180 with `,` and a decimal point, for scripts (the shape before issue 14).
//!
//! Text cells are neutralised against formulas (`csv_cell`); numbers are written here and
//! never pass there, so a negative amount stays a number.

use rust_decimal::Decimal;

use crate::core::money::rate_text;
use crate::present::csv_cell;
use crate::present::vi_format::{Lang, Unit, number};

/// Which CSV a reader gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvDialect {
    ExcelVi,
    Plain,
}

impl CsvDialect {
    pub const ALL: [CsvDialect; 2] = [CsvDialect::ExcelVi, CsvDialect::Plain];

    /// The name of `--csv-dialect`.
    pub fn as_str(self) -> &'static str {
        match self {
            CsvDialect::ExcelVi => "excel-vi",
            CsvDialect::Plain => "plain",
        }
    }

    /// The dialect when none is asked for: a Vietnamese report is meant for a vi-VN
    /// spreadsheet, an English one keeps the RFC 4180 shape scripts read.
    pub fn for_lang(lang: Lang) -> CsvDialect {
        match lang {
            Lang::Vi => CsvDialect::ExcelVi,
            Lang::En => CsvDialect::Plain,
        }
    }

    /// The dialect `asked` for, else the language's default.
    pub fn chosen(asked: Option<CsvDialect>, lang: Lang) -> CsvDialect {
        asked.unwrap_or(CsvDialect::for_lang(lang))
    }

    fn delimiter(self) -> u8 {
        match self {
            CsvDialect::ExcelVi => b';',
            CsvDialect::Plain => b',',
        }
    }

    fn decimal_comma(self, text: String) -> String {
        match self {
            CsvDialect::ExcelVi => text.replace('.', ","),
            CsvDialect::Plain => text,
        }
    }

    /// An amount in `unit`, rounded to its precision, ungrouped: `38996`, `38.996` (plain) or
    /// `38,996` (excel-vi, tỷ).
    pub fn amount(self, dong: Decimal, unit: Unit) -> String {
        let text = number(dong / unit.divisor(), unit.decimals(), Lang::En).replace(',', "");
        self.decimal_comma(text)
    }

    /// A whole number of đồng as it is stored (exports), never rounded.
    pub fn exact(self, value: Decimal) -> String {
        self.decimal_comma(value.to_string())
    }

    /// A rate as a fraction with 4 decimals (`0.5538`, `0,5538`); empty without a plan.
    pub fn rate(self, rate: Option<Decimal>) -> String {
        rate_text(rate).map_or(String::new(), |t| self.decimal_comma(t))
    }
}

/// A CSV document being written into memory.
pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
}

/// The line end of every record: CRLF, as RFC 4180 and Excel write it.
const CRLF: csv::Terminator = csv::Terminator::CRLF;

impl CsvOut {
    pub fn new(dialect: CsvDialect) -> CsvOut {
        CsvOut {
            writer: writer(Vec::new(), dialect),
        }
    }

    /// One record; text cells must already have passed `text`.
    pub fn record<I, T>(&mut self, fields: I) -> Result<(), String>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(fields)
            .map_err(|e| format!("cannot write CSV: {e}"))
    }

    /// The document as text.
    pub fn finish(self) -> Result<String, String> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| format!("cannot write CSV: {e}"))?;
        String::from_utf8(bytes).map_err(|e| format!("cannot write CSV: {e}"))
    }
}

/// A `csv` writer in `dialect` over `out` (CRLF line ends); for excel-vi the byte order mark
/// is written first, through the same writer so it cannot be forgotten.
pub fn writer<W: std::io::Write>(mut out: W, dialect: CsvDialect) -> csv::Writer<W> {
    if dialect == CsvDialect::ExcelVi {
        // An io error here shows again on the first record written.
        let _ = out.write_all("\u{feff}".as_bytes());
    }
    csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .terminator(CRLF)
        .from_writer(out)
}

/// A `csv` writer for the row-per-record answers (export, balances) in `dialect`: excel-vi as
/// `writer` writes it; plain exactly as these answers were written before issue 14 (`,` and
/// LF line ends), so scripts and the benchmark baselines read the same bytes as before.
pub fn rows_writer<W: std::io::Write>(out: W, dialect: CsvDialect) -> csv::Writer<W> {
    match dialect {
        CsvDialect::ExcelVi => writer(out, dialect),
        CsvDialect::Plain => csv::Writer::from_writer(out),
    }
}

/// A text cell, neutralised against formulas.
pub fn text(field: &str) -> String {
    csv_cell::text(field).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_vi_has_a_bom_semicolons_and_decimal_commas_and_plain_does_not() {
        let d = Decimal::from(38_995_994_600_i64);
        let mut vi = CsvOut::new(CsvDialect::ExcelVi);
        vi.record([
            text("Xã; \"A\""),
            CsvDialect::ExcelVi.amount(d, Unit::Ty),
            CsvDialect::ExcelVi.rate(Some(Decimal::new(5538, 4))),
        ])
        .unwrap();
        assert_eq!(
            vi.finish().unwrap(),
            "\u{feff}\"Xã; \"\"A\"\"\";38,996;0,5538\r\n"
        );
        let mut plain = CsvOut::new(CsvDialect::Plain);
        plain
            .record([
                text("=1+1"),
                CsvDialect::Plain.amount(d, Unit::Trieu),
                CsvDialect::Plain.amount(-d, Unit::Ty),
                CsvDialect::Plain.rate(None),
            ])
            .unwrap();
        assert_eq!(plain.finish().unwrap(), "'=1+1,38996,-38.996,\r\n");
    }
}
