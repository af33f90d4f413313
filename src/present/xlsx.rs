//! The report as an xlsx workbook (rust_xlsxwriter): one sheet per table plus the provenance.
//! Cells hold numbers, never text: amounts are exact đồng, shown in `--unit` through a number
//! format that scales (`#,##0,,` shows millions), so sums in a spreadsheet are exact; rates are
//! the exact ratio shown as a percentage. The workbook's creation time is the recording time
//! of the `known_at` event, so the same command writes the same bytes.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use crate::core::annex::Figures;
use crate::present::render::cells::{Cell, Kind};
use crate::present::render::{self, Provenance, Style};
use crate::present::vi_format::{Lang, Unit};

fn amount_format(unit: Unit) -> &'static str {
    match unit {
        Unit::Dong => "#,##0",
        Unit::Trieu => "#,##0,,",
        Unit::Ty => "#,##0.000,,,",
    }
}

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

fn f64_of(d: Decimal) -> f64 {
    // Amounts are whole đồng below 2^53 for any real commune, so the conversion is exact.
    d.to_f64().unwrap_or(f64::NAN)
}

/// Writes the workbook to memory.
pub fn workbook(figures: &Figures, prov: &Provenance, style: Style) -> Result<Vec<u8>, String> {
    build(figures, prov, style).map_err(|e| format!("cannot write the xlsx workbook: {e}"))
}

fn build(figures: &Figures, prov: &Provenance, style: Style) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let created = prov
        .recorded_at
        .unwrap_or_else(|| prov.as_of.and_time(chrono::NaiveTime::MIN).and_utc());
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "MTQG {} / {} / known at {}",
                figures.plan_year, prov.as_of, prov.known_at
            ))
            .set_comment(prov.command.clone())
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(amount_format(style.unit));
    let money_bold = money.clone().set_bold();
    let rate = Format::new().set_num_format("0.00%");
    let rate_bold = rate.clone().set_bold();
    let names = sheet_names(style.lang);
    let unit = style.unit.label(style.lang);
    for (i, table) in render::tables(figures, style).iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(names[i])?;
        let mut head = vec![(
            match style.lang {
                Lang::Vi => "Cấp".to_string(),
                Lang::En => "Level".to_string(),
            },
            Kind::Count,
        )];
        // Amount columns name the unit they display.
        head.extend(
            render::cells::heads(style, table)
                .into_iter()
                .map(|(h, k)| {
                    if k == Kind::Amount {
                        (format!("{h} ({unit})"), k)
                    } else {
                        (h, k)
                    }
                }),
        );
        for (c, (h, _)) in head.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        ws.set_column_width(1, 48)?;
        for c in 2..head.len() {
            ws.set_column_width(c as u16, 20)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            let strong = row.level <= 1;
            let (m, p) = if strong {
                (&money_bold, &rate_bold)
            } else {
                (&money, &rate)
            };
            let label = Format::new().set_indent(row.level);
            let label = if strong { label.set_bold() } else { label };
            ws.write_number(r, 0, f64::from(row.level))?;
            for (c, cell) in render::cells::typed(row, table, style.lang)
                .iter()
                .enumerate()
            {
                let col = (c + 1) as u16;
                match cell {
                    Cell::Text(s) if c == 0 => ws.write_string_with_format(r, col, s, &label)?,
                    Cell::Text(s) => ws.write_string(r, col, s)?,
                    Cell::Amount(d) => ws.write_number_with_format(r, col, f64_of(*d), m)?,
                    Cell::Rate(Some(x)) => ws.write_number_with_format(r, col, f64_of(*x), p)?,
                    Cell::Rate(None) => ws.write_string(r, col, "–")?,
                    Cell::Count(n) => ws.write_number(r, col, *n as f64)?,
                    Cell::Blank => continue,
                };
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name(names[4])?;
    ws.set_column_width(0, 32)?;
    ws.set_column_width(1, 100)?;
    let unit = prov.unit_text().map(|u| ("budget_unit", u));
    let pairs: Vec<(&str, String)> = unit.into_iter().chain(prov.fields()).collect();
    for (r, (k, v)) in pairs.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, *k, &bold)?;
        ws.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}
