//! The event journal as an xlsx sheet (`socai export --format xlsx --out F`): one row per
//! event, for an accountant or an auditor who filters and sorts in a spreadsheet. Amounts are
//! exact đồng as numbers, dates are date cells (dd/mm/yyyy), text cells are text (a spreadsheet
//! never runs a cell of an xlsx written as a string, so no formula neutralisation is needed).
//!
//! The worksheet is written in rust_xlsxwriter's constant-memory mode: each row goes to a
//! temporary file as soon as the next one starts, so memory does not grow with the log.

use rust_xlsxwriter::{DocProperties, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::core::event::Kind;
use crate::core::rules::Recorded;
use crate::present::export_survey::Parts;
use crate::present::export_survey::{ReversalIndex, Survey};
use crate::present::xlsx_sheet::cell_number;

/// Data rows one sheet holds (the xlsx limit, 1 048 576 rows, less the header).
pub const MAX_ROWS: u64 = 1_048_575;

/// The columns, in order.
const HEADERS: [&str; 13] = [
    "Số thứ tự",
    "Ghi sổ lúc (UTC)",
    "Ngày hiệu lực",
    "Loại nghiệp vụ",
    "Dòng vốn",
    "Số tiền (đồng)",
    "Số chứng từ",
    "Ngày chứng từ",
    "Cơ quan ban hành",
    "Người nhận",
    "Người ghi",
    "Ghi chú",
    "Bị đảo bởi (số thứ tự)",
];

const WIDTHS: [f64; 13] = [
    10.0, 20.0, 12.0, 18.0, 36.0, 18.0, 18.0, 12.0, 24.0, 28.0, 14.0, 40.0, 12.0,
];

/// What an event does, in the words of a commune's finance office (the one list,
/// `event_text::TYPE_NAMES_VI`), capitalised as a cell's text.
fn kind_label(kind: &Kind) -> String {
    let name = crate::present::event_text::type_vi(kind);
    let mut chars = name.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The line(s) an event moves (`from → to` for a transfer or carry-over) and its amount.
fn lines_and_amount(kind: &Kind) -> (String, Option<rust_decimal::Decimal>) {
    match kind {
        Kind::OpenLine(spec) => (spec.line.clone(), None),
        Kind::Allocate { line, amount }
        | Kind::Reduce { line, amount }
        | Kind::Refund { line, amount, .. }
        | Kind::Lapse { line, amount }
        | Kind::Disburse { line, amount, .. }
        | Kind::Advance { line, amount, .. }
        | Kind::Commit { line, amount, .. } => (line.clone(), Some(amount.value())),
        // A work is not a line: its code stands in the lines column.
        Kind::OpenWork(w) => (w.work.clone(), Some(w.total_investment.value())),
        Kind::Contribute { work, amount, .. } => (work.clone(), Some(amount.value())),
        Kind::Transfer { from, to, amount } | Kind::CarryOver { from, to, amount } => {
            (format!("{from} → {to}"), Some(amount.value()))
        }
        Kind::SetDeadline { line, deadline } => (format!("{line} (hạn {deadline})"), None),
        Kind::Reverse { .. } | Kind::RegisterDocument(_) => (String::new(), None),
        Kind::RecordIndicator(f) => (format!("{} ({})", f.indicator, f.period), None),
    }
}

/// The note column: the event's note, and for a reversal what it reverses and why.
fn note(r: &Recorded, reversals: &ReversalIndex) -> std::io::Result<String> {
    let event = &r.event;
    let own = event.note.clone().unwrap_or_default();
    Ok(match &event.kind {
        Kind::Reverse { reason, .. } => {
            let seq = (reversals.target_of(r)?).map_or("?".to_string(), |s| s.to_string());
            let why = format!("Đảo sự kiện số {seq}: {reason}");
            if own.is_empty() {
                why
            } else {
                format!("{why}. {own}")
            }
        }
        _ => own,
    })
}

struct Formats {
    header: Format,
    text: Format,
    date: Format,
    moment: Format,
    money: Format,
    count: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Hair);
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(0xDDEBF7),
            date: cell.clone().set_num_format("dd/mm/yyyy"),
            moment: cell.clone().set_num_format("dd/mm/yyyy hh:mm:ss"),
            money: cell.clone().set_num_format("#,##0"),
            count: cell.clone().set_num_format("0"),
            text: cell,
        }
    }
}

/// Writes the journal of `records` up to `known_at` into `wb` (one constant-memory sheet);
/// `tick` is called once per event. The caller saves the workbook.
pub fn journal(
    wb: &mut Workbook,
    log: &dyn Parts,
    known_at: u64,
    command: &str,
    tick: &mut dyn FnMut(),
) -> Result<(), XlsxError> {
    let survey = Survey::of(log).map_err(XlsxError::IoError)?;
    let reversals = &survey.reversals;
    let created = survey
        .last_recorded_at
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("Nhật ký sự kiện, số thứ tự 1–{known_at}"))
            .set_comment(command)
            .set_creation_datetime(&created),
    );
    let f = Formats::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("Nhật ký")?;
    for (c, (h, w)) in (0u16..).zip(HEADERS.iter().zip(WIDTHS)) {
        ws.set_column_width(c, w)?;
        ws.write_string_with_format(0, c, *h, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    let mut row = 1u32;
    let mut failed: Option<XlsxError> = None;
    let read = log.each_part(&mut |part| {
        for r in part {
            if let Err(e) = event_row(ws, &f, row, r, reversals) {
                failed = Some(e);
                return Err(std::io::Error::other("xlsx"));
            }
            row = row.saturating_add(1);
            tick();
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e);
    }
    read.map_err(XlsxError::IoError)?;
    let last = u32::try_from(survey.count).unwrap_or(u32::MAX);
    ws.autofilter(0, 0, last, 12)?;
    Ok(())
}

fn event_row(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    r: &Recorded,
    reversals: &ReversalIndex,
) -> Result<(), XlsxError> {
    let e = &r.event;
    let (lines, amount) = lines_and_amount(&e.kind);
    ws.write_number_with_format(row, 0, r.seq as f64, &f.count)?;
    ws.write_datetime_with_format(row, 1, r.recorded_at.naive_utc(), &f.moment)?;
    ws.write_datetime_with_format(row, 2, e.effective_date, &f.date)?;
    ws.write_string_with_format(row, 3, kind_label(&e.kind), &f.text)?;
    ws.write_string_with_format(row, 4, &lines, &f.text)?;
    match amount {
        Some(a) => ws.write_number_with_format(row, 5, cell_number(a), &f.money)?,
        None => ws.write_blank(row, 5, &f.money)?,
    };
    match &e.document {
        Some(d) => {
            ws.write_string_with_format(row, 6, &d.number, &f.text)?;
            ws.write_datetime_with_format(row, 7, d.date, &f.date)?;
            let issuer = d.issuer.as_deref().unwrap_or_default();
            ws.write_string_with_format(row, 8, issuer, &f.text)?;
        }
        None => {
            for c in 6..=8 {
                ws.write_blank(row, c, &f.text)?;
            }
        }
    }
    let payee = match &e.kind {
        Kind::Disburse { payee, .. } | Kind::Advance { payee, .. } => {
            payee.as_deref().unwrap_or_default()
        }
        Kind::Commit { payee, .. } => payee.as_str(),
        _ => "",
    };
    ws.write_string_with_format(row, 9, payee, &f.text)?;
    ws.write_string_with_format(row, 10, e.actor.as_deref().unwrap_or_default(), &f.text)?;
    ws.write_string_with_format(row, 11, note(r, reversals)?, &f.text)?;
    match reversals.reversed_by(r.seq) {
        Some(seq) => ws.write_number_with_format(row, 12, seq as f64, &f.count)?,
        None => ws.write_blank(row, 12, &f.count)?,
    };
    Ok(())
}
