//! The report as an xlsx workbook (rust_xlsxwriter): one sheet per table plus the provenance.
//! Cells hold numbers, never text: amounts are exact đồng, shown in `--unit` through a number
//! format that scales (`#,##0,,` shows millions), so sums in a spreadsheet are exact; rates are
//! the exact ratio shown as a percentage. The workbook's creation time is the recording time
//! of the `known_at` event, so the same command writes the same bytes.

use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::core::annex::Figures;
use crate::present::messages;
use crate::present::render::cells::{Cell, Kind};
use crate::present::render::{self, Provenance, Style, Table, provenance_pairs};
use crate::present::vi_format::Lang;
use crate::present::xlsx_sheet::{self as sheet, Styles, cell_number};

/// Width of the label column, in characters.
const LABEL_WIDTH: u16 = 60;

fn sheet_names(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Vi => [
            "Mục II",
            "Phụ biểu 01",
            "Phụ biểu 02",
            "Tạm ứng",
            "Nguồn gốc",
        ],
        Lang::En => [
            "Section II",
            "Annex 01",
            "Annex 02",
            "Advances",
            "Provenance",
        ],
    }
}

/// Writes the workbook to memory.
pub fn workbook(figures: &Figures, prov: &Provenance, style: Style) -> Result<Vec<u8>, String> {
    build(figures, prov, style).map_err(sheet::unwritten)
}

/// The lines under a sheet's title: the budget unit, "đơn vị tính", the as-of date.
///
/// Issue 14's `vi` section gives the official unit header (code, name, report number and
/// date) and the signature block; the header belongs here, in place of the unit line, and
/// the signature block after a table's last row (`table_sheet`).
pub fn preamble_lines(prov: &Provenance, style: Style) -> Vec<String> {
    let lang = style.lang;
    let mut lines = Vec::with_capacity(3);
    if let Some(unit) = &prov.unit {
        lines.push(match lang {
            Lang::Vi => format!("Đơn vị: {} (mã {})", unit.name, unit.code),
            Lang::En => format!("Budget unit: {} (code {})", unit.name, unit.code),
        });
    }
    let caption = sheet::unit_caption(style.unit, lang);
    let date = messages::date(lang, prov.as_of);
    lines.push(match lang {
        Lang::Vi => format!("Đơn vị tính: {caption}"),
        Lang::En => format!("Amounts: {caption}"),
    });
    lines.push(match lang {
        Lang::Vi => format!(
            "Số liệu đến hết ngày {date}, theo sổ đến sự kiện số {}",
            prov.known_at
        ),
        Lang::En => format!(
            "Figures as of the end of {date}, known at sequence {}",
            prov.known_at
        ),
    });
    lines
}

fn build(figures: &Figures, prov: &Provenance, style: Style) -> Result<Vec<u8>, XlsxError> {
    let title = format!(
        "MTQG {} / {} / known at {}",
        figures.plan_year, prov.as_of, prov.known_at
    );
    let mut wb = sheet::document_workbook(prov, title);
    let styles = Styles::new(style.unit);
    let names = sheet_names(style.lang);
    for (i, table) in render::tables(figures, style).iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(names[i])?;
        table_sheet(ws, &styles, table, figures, prov, style)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(names[4])?;
    provenance_sheet(ws, &styles, prov, style)?;
    wb.save_to_buffer()
}

/// One table: preamble, headers, then a row per figure row; the hierarchy is the label's
/// indentation and weight (no level column to read).
fn table_sheet(
    ws: &mut Worksheet,
    styles: &Styles,
    table: &Table,
    figures: &Figures,
    prov: &Provenance,
    style: Style,
) -> Result<(), XlsxError> {
    let caption = sheet::unit_caption(style.unit, style.lang);
    // Amount columns say what their cells hold and show.
    let head: Vec<String> = render::cells::heads(style, table)
        .into_iter()
        .map(|(h, k)| match k {
            Kind::Amount => format!("{h} ({caption})"),
            _ => h,
        })
        .collect();
    let last = u16::try_from(head.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let title = match style.lang {
        Lang::Vi => format!("{} năm {}", table.title, figures.plan_year),
        Lang::En => format!("{}, plan year {}", table.title, figures.plan_year),
    };
    let at = sheet::preamble(ws, styles, last, &title, &preamble_lines(prov, style))?;
    sheet::header(ws, styles, at, &head, style.lang)?;
    ws.set_column_width(0, LABEL_WIDTH)?;
    for c in 1..=last {
        ws.set_column_width(c, 15)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = at + 1 + u32::try_from(r).unwrap_or(u32::MAX - at - 1);
        let l = row.level;
        for (col, cell) in (0u16..).zip(render::cells::typed(row, table, style.lang)) {
            match cell {
                Cell::Text(s) if col == 0 => {
                    ws.write_string_with_format(r, col, &s, styles.label(l))?;
                    sheet::fit_label(ws, r, &s, LABEL_WIDTH, l)?;
                }
                Cell::Text(s) => {
                    ws.write_string_with_format(r, col, &s, &styles.text)?;
                }
                Cell::Amount(d) => {
                    ws.write_number_with_format(r, col, cell_number(d), styles.money(l))?;
                }
                Cell::Rate(Some(x)) => {
                    ws.write_number_with_format(r, col, cell_number(x), styles.rate(l))?;
                }
                // No plan, no rate: the cell stays empty (a number or nothing, never text).
                Cell::Rate(None) => {
                    ws.write_blank(r, col, styles.rate(l))?;
                }
                Cell::Count(n) => {
                    ws.write_number_with_format(r, col, n as f64, styles.count(l))?;
                }
                Cell::Blank => {
                    ws.write_blank(r, col, &styles.text)?;
                }
            }
        }
    }
    Ok(())
}

/// The provenance as a table: what each item is (in the report's language), its value, and
/// its machine key (the names of the JSON and CSV provenance).
fn provenance_sheet(
    ws: &mut Worksheet,
    styles: &Styles,
    prov: &Provenance,
    style: Style,
) -> Result<(), XlsxError> {
    let lang = style.lang;
    let keys = prov
        .unit
        .as_ref()
        .map(|_| "budget_unit")
        .into_iter()
        .chain(prov.fields().map(|(k, _)| k));
    let mut rows: Vec<(String, String, &str)> = provenance_pairs(prov, lang)
        .into_iter()
        .zip(keys)
        .map(|((label, value), key)| (label.to_string(), value, key))
        .collect();
    let unit_label = match lang {
        Lang::Vi => "Đơn vị tính",
        Lang::En => "Amounts",
    };
    rows.push((
        unit_label.to_string(),
        sheet::unit_caption(style.unit, lang),
        "unit",
    ));
    sheet::provenance_sheet(ws, styles, &rows, lang)
}
