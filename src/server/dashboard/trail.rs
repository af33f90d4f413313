//! A line's audit trail on the page (`#trail`, near its top): Vietnamese event types, amounts
//! in đồng, the payee, the other line of a transfer or carry-over, the actor and the note.
//! Every stored text is escaped: a payee or note is data, never markup.

use std::fmt::Write as _;

use crate::core::event::Kind;
use crate::core::projection::{self, TrailRow, View};
use crate::present::event_text;
use crate::present::render::html_escape as e;
use crate::server::log_view::Log;

use super::page::{dong, vi_date};

pub(super) fn trail(b: &mut String, log: &Log, line: &str, view: View) {
    let _ = writeln!(b, "<section id=\"trail\"><h2>Nhật ký dòng {}</h2>", e(line));
    let Some(rows) = projection::trail(&log.records, line, view) else {
        let _ = writeln!(
            b,
            "<p class=\"notice err\">Dòng {} chưa được mở đến thứ tự {}.</p></section>",
            e(line),
            view.known_at
        );
        return;
    };
    b.push_str(
        "<p>Số tiền tính bằng đồng; dòng gạch ngang đã bị hủy và không được tính.</p>\n\
         <div class=\"wide\"><table id=\"trail-table\"><thead><tr><th>Thứ tự</th>\
         <th>Ngày hiệu lực</th><th>Loại</th><th>KH thay đổi</th><th>GN thay đổi</th>\
         <th>KH lũy kế</th><th>GN lũy kế</th><th>Chứng từ</th><th>Đơn vị nhận</th>\
         <th>Dòng đối ứng</th><th>Người ghi</th><th>Ghi chú</th></tr></thead><tbody>\n",
    );
    for row in &rows {
        trail_row(b, row, line);
    }
    b.push_str("</tbody></table></div></section>\n");
}

fn trail_row(b: &mut String, row: &TrailRow<'_>, line: &str) {
    let ev = &row.record.event;
    let doc = ev.document.as_ref().map_or(String::new(), |d| {
        format!("{} ngày {}", d.number, vi_date(d.date))
    });
    let other = event_text::other_line(ev, line)
        .map_or(String::new(), |(dir, l)| format!("{} {l}", dir.vi()));
    let mut note = ev.note.clone().unwrap_or_default();
    if let Some(r) = row.reversed_by {
        let reason = match &r.event.kind {
            Kind::Reverse { reason, .. } => reason.as_str(),
            _ => "",
        };
        if !note.is_empty() {
            note.push_str("; ");
        }
        let _ = write!(note, "Đã hủy bởi #{}: {reason}", r.seq);
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
        vi_date(ev.effective_date),
        event_text::type_vi(&ev.kind),
        dong(row.plan_delta),
        dong(row.disbursed_delta),
        dong(row.plan),
        dong(row.disbursed),
        e(&doc),
        e(event_text::payee(ev).unwrap_or("")),
        e(&other),
        e(ev.actor.as_deref().unwrap_or("")),
        e(&note)
    );
}
