//! A line's audit trail on the page (`#trail`, near its top): Vietnamese event types, amounts
//! in đồng, the payee, the other line of a transfer or carry-over, the actor and the note.
//! Every stored text is escaped: a payee or note is data, never markup.

use std::fmt::Write as _;

use crate::core::event::Kind;
use crate::core::projection::{self, TrailRow, View};
use crate::present::event_text;
use crate::present::messages::{Lang, date, say, t};
use crate::present::render::html_escape as e;
use crate::server::log_view::Log;

use super::page::dong;

/// The trail table's column headings.
const COLUMNS: [(&str, &str); 12] = [
    ("Thứ tự", "Seq"),
    ("Ngày hiệu lực", "Effective"),
    ("Loại", "Type"),
    ("KH thay đổi", "Plan change"),
    ("GN thay đổi", "Disbursed change"),
    ("KH lũy kế", "Plan to date"),
    ("GN lũy kế", "Disbursed to date"),
    ("Chứng từ", "Document"),
    ("Đơn vị nhận", "Payee"),
    ("Dòng đối ứng", "Other line"),
    ("Người ghi", "Recorded by"),
    ("Ghi chú", "Note"),
];

pub(super) fn trail(b: &mut String, log: &Log, line: &str, view: View, lang: Lang) {
    let _ = writeln!(
        b,
        "<section id=\"trail\"><h2>{} {}</h2>",
        t(lang, "Nhật ký dòng", "Trail of line"),
        e(line)
    );
    let Some(rows) = projection::trail(&log.records, line, view) else {
        let (line, seq) = (e(line), view.known_at);
        let text = say(
            lang,
            format!("Dòng {line} chưa được mở đến thứ tự {seq}."),
            format!("Line {line} is not open at sequence {seq}."),
        );
        let _ = writeln!(b, "<p class=\"notice err\">{text}</p></section>");
        return;
    };
    let _ = write!(
        b,
        "<p>{}</p>\n<div class=\"wide\"><table id=\"trail-table\"><thead><tr>",
        t(
            lang,
            "Số tiền tính bằng đồng; dòng gạch ngang đã bị hủy và không được tính.",
            "Amounts in VND; struck-through rows were reversed and are not counted."
        )
    );
    for (vi, en) in COLUMNS {
        let _ = write!(b, "<th>{}</th>", t(lang, vi, en));
    }
    b.push_str("</tr></thead><tbody>\n");
    for row in &rows {
        trail_row(b, row, line, lang);
    }
    b.push_str("</tbody></table></div></section>\n");
}

fn trail_row(b: &mut String, row: &TrailRow<'_>, line: &str, lang: Lang) {
    let ev = &row.record.event;
    let doc = ev
        .document
        .as_ref()
        .map_or(String::new(), |d| event_text::document_dated(d, lang));
    let other = event_text::other_line(ev, line)
        .map_or(String::new(), |(dir, l)| format!("{} {l}", dir.word(lang)));
    let mut note = ev.note.clone().unwrap_or_default();
    if let Some(r) = row.reversed_by {
        let reason = match &r.event.kind {
            Kind::Reverse { reason, .. } => reason.as_str(),
            _ => "",
        };
        if !note.is_empty() {
            note.push_str("; ");
        }
        let by = t(lang, "Đã hủy bởi", "Reversed by");
        let _ = write!(note, "{by} #{}: {reason}", r.seq);
    }
    let _ = writeln!(
        b,
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td></tr>",
        if row.reversed_by.is_some() {
            " class=\"reversed\""
        } else {
            ""
        },
        row.record.seq,
        date(lang, ev.effective_date),
        event_text::type_in(&ev.kind, lang),
        dong(row.plan_delta, lang),
        dong(row.disbursed_delta, lang),
        dong(row.plan, lang),
        dong(row.disbursed, lang),
        e(&doc),
        e(event_text::payee(ev).unwrap_or("")),
        e(&other),
        e(ev.actor.as_deref().unwrap_or("")),
        e(&note)
    );
}
