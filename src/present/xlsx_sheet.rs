//! The look of every xlsx table socai writes (report, settlement), so that it prints as an
//! office prints a report: a title, the unit, "đơn vị tính" and as-of rows above the table;
//! landscape A4 fitted to the page width, the column headers repeated on every printed page
//! and frozen on screen, wrapped headers, thin borders, page numbers in the footer.
//!
//! Amount cells hold exact đồng (a spreadsheet sums them exactly); a number format shows
//! them in the report's unit (`#,##0,,` shows triệu), and the headers say both.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::present::render::Provenance;
use crate::present::vi_format::{Lang, Unit};

/// A4 in the paper size codes of the xlsx format.
const A4: u8 = 9;
/// Deepest indentation drawn; deeper rows keep this one.
const MAX_LEVEL: usize = 4;
/// Rows of hierarchy shown in bold: the total and the capital types.
const BOLD_LEVELS: u8 = 1;

/// The number format that shows exact đồng in `unit` (commas scale by a thousand).
pub fn amount_format(unit: Unit) -> &'static str {
    match unit {
        Unit::Dong => "#,##0",
        Unit::Trieu => "#,##0,,",
        Unit::Ty => "#,##0.000,,,",
    }
}

/// What an amount cell holds and shows: "đồng, hiển thị triệu đồng".
pub fn unit_caption(unit: Unit, lang: Lang) -> String {
    match (unit, lang) {
        (Unit::Dong, _) => unit.label(lang).to_string(),
        (_, Lang::Vi) => format!("đồng, hiển thị {}", unit.label(lang)),
        (_, Lang::En) => format!("VND, shown in {}", unit.label(lang)),
    }
}

/// Whole đồng as a cell number. Amounts are whole đồng below 2^53 for any real budget unit,
/// so the conversion is exact.
pub fn cell_number(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// The formats of one workbook.
pub struct Styles {
    pub title: Format,
    pub meta: Format,
    pub header: Format,
    labels: Vec<Format>,
    money: [Format; 2],
    rate: [Format; 2],
    count: [Format; 2],
    pub text: Format,
}

impl Styles {
    pub fn new(unit: Unit) -> Styles {
        let cell = Format::new().set_border(FormatBorder::Thin);
        let both = |f: Format| [f.clone(), f.set_bold()];
        let labels = (0..=MAX_LEVEL)
            .map(|level| {
                let f = cell.clone().set_text_wrap().set_indent(level as u8);
                if level as u8 <= BOLD_LEVELS {
                    f.set_bold()
                } else {
                    f
                }
            })
            .collect();
        Styles {
            title: Format::new().set_bold().set_font_size(13),
            meta: Format::new().set_italic(),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(0xDDEBF7),
            labels,
            money: both(cell.clone().set_num_format(amount_format(unit))),
            rate: both(cell.clone().set_num_format("0.00%")),
            count: both(cell.clone().set_num_format("0")),
            text: cell,
        }
    }

    /// The label of a row at `level` of the hierarchy: indented, bold near the top.
    pub fn label(&self, level: u8) -> &Format {
        &self.labels[usize::from(level).min(MAX_LEVEL)]
    }
    pub fn money(&self, level: u8) -> &Format {
        &self.money[usize::from(level <= BOLD_LEVELS)]
    }
    pub fn rate(&self, level: u8) -> &Format {
        &self.rate[usize::from(level <= BOLD_LEVELS)]
    }
    pub fn count(&self, level: u8) -> &Format {
        &self.count[usize::from(level <= BOLD_LEVELS)]
    }
}

/// The figures of one table row from column `first` on: each amount a number cell in đồng
/// shown in the unit, then the rate as a percentage; no plan, no rate: that cell stays empty.
pub fn figures_row(
    ws: &mut Worksheet,
    styles: &Styles,
    (row, first): (u32, u16),
    level: u8,
    (amounts, rate): (&[Decimal], Option<Decimal>),
) -> Result<(), XlsxError> {
    let mut col = first;
    for value in amounts {
        ws.write_number_with_format(row, col, cell_number(*value), styles.money(level))?;
        col += 1;
    }
    match rate {
        Some(r) => ws.write_number_with_format(row, col, cell_number(r), styles.rate(level))?,
        None => ws.write_blank(row, col, styles.rate(level))?,
    };
    Ok(())
}

/// Height of one line of text in a cell, in points (Calibri 11 and its spacing).
const LINE_HEIGHT: f64 = 15.0;

/// Gives a row the height its wrapped label needs. Neither Excel nor LibreOffice grows a row
/// written by a library when its text wraps, so a long works name would overprint the row
/// below it. The estimate takes five characters of Vietnamese text to four column units (the
/// width of "0"), less two units for each indentation step (measured on the seed's works
/// names in LibreOffice's PDF: a label of 63 characters fits a 60-unit column at level 2).
pub fn fit_label(
    ws: &mut Worksheet,
    row: u32,
    label: &str,
    width: u16,
    level: u8,
) -> Result<(), XlsxError> {
    let room = (usize::from(width).saturating_sub(2 * usize::from(level)) * 5 / 4).max(8);
    let lines = label.chars().count().div_ceil(room);
    if lines > 1 {
        ws.set_row_height(row, LINE_HEIGHT * lines as f64)?;
    }
    Ok(())
}

/// Writes the title and the lines under it (unit, đơn vị tính, as-of), each across the
/// table's width, and returns the row the column headers go on.
pub fn preamble(
    ws: &mut Worksheet,
    styles: &Styles,
    last_col: u16,
    title: &str,
    lines: &[String],
) -> Result<u32, XlsxError> {
    ws.merge_range(0, 0, 0, last_col, title, &styles.title)?;
    ws.set_row_height(0, 33)?;
    let wrapped = styles.title.clone().set_text_wrap();
    ws.set_cell_format(0, 0, &wrapped)?;
    let mut row = 1;
    for line in lines {
        ws.merge_range(row, 0, row, last_col, line, &styles.meta)?;
        row += 1;
    }
    // One empty row between the preamble and the table.
    Ok(row + 1)
}

/// The column headers on `row`: wrapped, frozen on screen and repeated on every printed page;
/// then the page set-up (landscape A4, one page wide, page numbers).
pub fn header(
    ws: &mut Worksheet,
    styles: &Styles,
    row: u32,
    headers: &[String],
    lang: Lang,
) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        ws.write_string_with_format(row, c, h, &styles.header)?;
    }
    ws.set_row_height(row, 4.0 * LINE_HEIGHT)?;
    ws.set_freeze_panes(row + 1, 0)?;
    ws.set_repeat_rows(row, row)?;
    ws.set_landscape();
    ws.set_paper_size(A4);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer(match lang {
        Lang::Vi => "&CTrang &P/&N",
        Lang::En => "&CPage &P of &N",
    });
    Ok(())
}

/// The provenance sheet of every workbook: a two-column sheet of labelled values under its
/// title and a header row, one row per item with its machine key in a third column for
/// scripts.
pub fn provenance_sheet(
    ws: &mut Worksheet,
    styles: &Styles,
    rows: &[(String, String, &str)],
    lang: Lang,
) -> Result<(), XlsxError> {
    let (title, headers) = match lang {
        Lang::Vi => ("Nguồn gốc số liệu", ["Nội dung", "Giá trị", "Khóa"]),
        Lang::En => ("Provenance", ["Item", "Value", "Key"]),
    };
    let at = preamble(ws, styles, 2, title, &[])?;
    let heads: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    header(ws, styles, at, &heads, lang)?;
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 90)?;
    ws.set_column_width(2, 16)?;
    let wrapped = styles.text.clone().set_text_wrap();
    for (i, (label, value, key)) in rows.iter().enumerate() {
        let r = at + 1 + u32::try_from(i).unwrap_or(u32::MAX - at - 1);
        ws.write_string_with_format(r, 0, label, styles.label(1))?;
        ws.write_string_with_format(r, 1, value, &wrapped)?;
        ws.write_string_with_format(r, 2, *key, &styles.text)?;
    }
    Ok(())
}

/// Why a workbook could not be written (the writer's words).
pub fn unwritten(e: XlsxError) -> String {
    format!("cannot write the xlsx workbook: {e}")
}

/// A new workbook of a point-in-time document: titled, the command that reproduces it as its
/// comment, and created when the newest event it counts was recorded (else at the start of its
/// as-of day), so that the same question gives the same bytes.
pub fn document_workbook(prov: &Provenance, title: String) -> Workbook {
    let mut wb = Workbook::new();
    let created = prov
        .recorded_at
        .unwrap_or_else(|| prov.as_of.and_time(chrono::NaiveTime::MIN).and_utc());
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_comment(prov.command.clone())
            .set_creation_datetime(&created),
    );
    wb
}
