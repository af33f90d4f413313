//! The report's section on likely duplicate vouchers (`core::duplicates::in_view`): every
//! counted event that repeats the document number, date, line(s) and amount of an earlier
//! counted one, as of the report's date. Shown only when there is one, so that reports without
//! duplicates keep their exact text.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::core::duplicates::Duplicate;
use crate::core::revision;
use crate::present::render::html_escape;
use crate::present::vi_format::{self, Lang};

fn title(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "Chứng từ có thể bị ghi trùng",
        Lang::En => "Likely duplicate vouchers",
    }
}

fn note(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => {
            "Các bút toán dưới đây có cùng số chứng từ, ngày chứng từ, dòng và số tiền với một bút toán \
             được tính trước đó; cả hai đều được tính trong số liệu trên. Nếu nhập trùng, hãy hủy một bút toán."
        }
        Lang::En => {
            "Each event below has the document number, document date, line and amount of an earlier \
             counted event; both count in the figures above. Reverse one if it was keyed twice."
        }
    }
}

/// One duplicate as a sentence.
fn sentence(d: &Duplicate<'_>, lang: Lang) -> String {
    let e = &d.record.event;
    let (number, date) = e
        .document
        .as_ref()
        .map_or((String::new(), String::new()), |doc| {
            (doc.number.clone(), doc.date.format("%d/%m/%Y").to_string())
        });
    let amount = revision::event_amount(&e.kind).map_or(String::new(), vi_format::dong);
    let lines = e.lines().join(" → ");
    match lang {
        Lang::Vi => format!(
            "Thứ tự {} lặp lại thứ tự {}: chứng từ {number} ngày {date}, dòng {lines}, {amount} đồng",
            d.record.seq, d.first.seq
        ),
        Lang::En => format!(
            "Sequence {} repeats sequence {}: document {number} of {date}, line {lines}, {amount} đồng",
            d.record.seq, d.first.seq
        ),
    }
}

/// Plain text (also used for Markdown, as a list).
pub fn text(found: &[Duplicate<'_>], lang: Lang, markdown: bool) -> String {
    if found.is_empty() {
        return String::new();
    }
    let mut out = if markdown {
        format!("\n## {}\n\n{}\n\n", title(lang), note(lang))
    } else {
        format!("\n{}\n{}\n", title(lang), note(lang))
    };
    for d in found {
        let _ = writeln!(out, "- {}", sentence(d, lang));
    }
    out
}

/// An HTML section, every text escaped.
pub fn html(found: &[Duplicate<'_>], lang: Lang) -> String {
    if found.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<section id=\"duplicates\">\n<h2>{}</h2>\n<p>{}</p>\n<ul>\n",
        html_escape(title(lang)),
        html_escape(note(lang))
    );
    for d in found {
        let _ = writeln!(out, "<li>{}</li>", html_escape(&sentence(d, lang)));
    }
    out.push_str("</ul>\n</section>\n");
    out
}

/// The JSON list (`likely_duplicates` of the report).
pub fn json(found: &[Duplicate<'_>]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|d| {
                let e = &d.record.event;
                json!({
                    "seq": d.record.seq,
                    "id": e.id.to_string(),
                    "duplicate_of": {"seq": d.first.seq, "id": d.first.event.id.to_string()},
                    "document": e.document.as_ref().map(|doc| json!({
                        "number": doc.number,
                        "date": doc.date.to_string(),
                    })),
                    "lines": e.lines(),
                    "amount": revision::event_amount(&e.kind).map(|a| a.to_string()),
                })
            })
            .collect(),
    )
}
