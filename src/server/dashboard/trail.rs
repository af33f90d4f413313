//! A line's audit trail on the page.

use std::fmt::Write as _;

use crate::core::event::Kind;
use crate::core::projection::{self, View};
use crate::present::render::html_escape as e;
use crate::server::log_view::Log;

use super::page::{dong, vi_date};

pub(super) fn trail(b: &mut String, log: &Log, line: &str, view: View) {
    let _ = writeln!(b, "<h2 id=\"trail\">Nhật ký dòng {}</h2>", e(line));
    let Some(rows) = projection::trail(&log.records, line, view) else {
        let _ = writeln!(
            b,
            "<p class=\"notice err\">Dòng {} chưa được mở đến thứ tự {}.</p>",
            e(line),
            view.known_at
        );
        return;
    };
    b.push_str(
        "<table id=\"trail-table\"><thead><tr><th>Thứ tự</th><th>Ngày hiệu lực</th><th>Loại</th>\
         <th>KH thay đổi (đồng)</th><th>GN thay đổi (đồng)</th><th>KH lũy kế</th><th>GN lũy kế</th>\
         <th>Chứng từ</th><th>Ghi chú</th></tr></thead><tbody>\n",
    );
    for row in rows {
        let ev = &row.record.event;
        let doc = ev.document.as_ref().map_or(String::new(), |d| {
            format!("{} ngày {}", d.number, vi_date(d.date))
        });
        let mark = row.reversed_by.map_or(String::new(), |r| {
            let reason = match &r.event.kind {
                Kind::Reverse { reason, .. } => reason.as_str(),
                _ => "",
            };
            format!("Đã hủy bởi #{}: {reason}", r.seq)
        });
        let _ = writeln!(
            b,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            if row.reversed_by.is_some() {
                " class=\"reversed\""
            } else {
                ""
            },
            row.record.seq,
            vi_date(ev.effective_date),
            ev.kind.type_name(),
            dong(row.plan_delta),
            dong(row.disbursed_delta),
            dong(row.plan),
            dong(row.disbursed),
            e(&doc),
            e(&mark)
        );
    }
    b.push_str("</tbody></table>\n");
}
