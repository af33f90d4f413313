//! The recording forms (disbursement, refund, reversal): drawn on the page, read back into an
//! event in the import format for `event::parse_value`, so they pass the same parser, rules
//! and writer queue as `POST /v1/events`. After a refusal each form shows what was typed.
//!
//! An advance (tạm ứng, issue 13) names its payee and, optionally, the contract it is paid
//! under; a refund may say it returns an advance.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::event;
use crate::core::money;
use crate::core::projection;
use crate::core::rules::Recorded;
use crate::present::messages::{Lang, say, t};
use crate::present::render::html_escape as e;
use crate::server::query::Params;

use super::page::Ask;
use super::{today, with_lang};

/// The kinds of voucher the dashboard records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    Disburse,
    Advance,
    Refund,
    Reverse,
}

impl Form {
    pub(super) const ALL: [Form; 4] = [Form::Disburse, Form::Advance, Form::Refund, Form::Reverse];

    pub(super) fn slug(self) -> &'static str {
        match self {
            Form::Disburse => "disburse",
            Form::Advance => "advance",
            Form::Refund => "refund",
            Form::Reverse => "reverse",
        }
    }

    fn title(self, lang: Lang) -> &'static str {
        match self {
            Form::Disburse => t(lang, "Ghi giải ngân", "Record a disbursement"),
            Form::Advance => t(lang, "Ghi tạm ứng", "Record an advance"),
            Form::Refund => t(lang, "Ghi thu hồi, nộp trả", "Record a refund"),
            Form::Reverse => t(lang, "Hủy một bút toán", "Reverse an entry"),
        }
    }

    /// What the notice says was recorded.
    pub(super) fn done(self, lang: Lang) -> &'static str {
        match self {
            Form::Disburse => t(lang, "Đã ghi giải ngân", "Recorded a disbursement of"),
            Form::Advance => t(lang, "Đã ghi tạm ứng", "Recorded an advance of"),
            Form::Refund => t(lang, "Đã ghi thu hồi", "Recorded a refund of"),
            Form::Reverse => t(lang, "Đã hủy bút toán", "Reversed the entry"),
        }
    }
}

/// The fields a dashboard form may send.
pub(super) const FIELDS: [&str; 15] = [
    "token",
    "id",
    "as_of",
    "plan_year",
    "line",
    "amount",
    "effective_date",
    "document_number",
    "document_date",
    "payee",
    "note",
    "target_seq",
    "reason",
    "contract",
    "advance",
];

/// What was typed into the form that was refused (`None`: fresh forms).
#[derive(Clone, Copy)]
pub(super) struct Typed<'a> {
    pub(super) form: Form,
    pub(super) params: &'a Params,
}

/// A field's value: what was typed into this form if it was refused, else `default`.
fn value(typed: Option<Typed<'_>>, form: Form, key: &str, default: &str) -> String {
    typed
        .filter(|t| t.form == form)
        .and_then(|t| t.params.get(key))
        .map_or(default.to_string(), str::to_string)
}

/// A labelled text field on a line of its own; `value` is already escaped.
fn text_field(b: &mut String, label: &str, name: &str, value: &str) {
    let _ = writeln!(
        b,
        "<p><label>{label} <input type=\"text\" name=\"{name}\" value=\"{value}\"></label></p>"
    );
}

/// The recording forms, one per kind, each with a fresh id (sending it twice records it
/// once) unless it is the refused one, which keeps its id and values.
pub(super) fn forms(
    b: &mut String,
    ask: &Ask,
    lines: &[projection::LineBalance<'_>],
    typed: Option<Typed<'_>>,
) {
    let lang = ask.reader.lang;
    b.push_str("<section id=\"record\">\n");
    for form in Form::ALL {
        let v = |key: &str, default: &str| e(&value(typed, form, key, default));
        let today = today().to_string();
        let _ = writeln!(
            b,
            "<h2>{}</h2>\n<form id=\"{slug}\" method=\"post\" action=\"{}\">\n\
             <input type=\"hidden\" name=\"id\" value=\"{}\">\
             <input type=\"hidden\" name=\"as_of\" value=\"{}\">\
             <input type=\"hidden\" name=\"plan_year\" value=\"{}\">",
            form.title(lang),
            e(&with_lang(
                &format!("/dashboard/{}", form.slug()),
                ask.reader
            )),
            v("id", &Uuid::new_v4().to_string()),
            ask.as_of,
            ask.plan_year,
            slug = form.slug(),
        );
        if form == Form::Reverse {
            let _ = writeln!(
                b,
                "<p><label>{} <input type=\"text\" inputmode=\"numeric\" \
                 name=\"target_seq\" value=\"{}\"></label></p>",
                t(
                    lang,
                    "Thứ tự bút toán cần hủy",
                    "Sequence of the entry to reverse"
                ),
                v("target_seq", "")
            );
            text_field(b, t(lang, "Lý do", "Reason"), "reason", &v("reason", ""));
        } else {
            line_select(b, ask, lines, &value(typed, form, "line", ""));
            let _ = writeln!(
                b,
                "<p><label>{} <input type=\"text\" inputmode=\"numeric\" name=\"amount\" \
                 value=\"{}\" placeholder=\"{}\"></label></p>",
                t(lang, "Số tiền (đồng)", "Amount (VND)"),
                v("amount", ""),
                t(
                    lang,
                    "150000000 hoặc 150.000.000",
                    "150000000 or 150.000.000"
                )
            );
        }
        let _ = writeln!(
            b,
            "<p><label>{} <input type=\"date\" name=\"effective_date\" value=\"{}\"></label></p>\n\
             <p><label>{} <input type=\"text\" name=\"document_number\" value=\"{}\"></label> \
             <label>{} <input type=\"date\" name=\"document_date\" value=\"{}\"></label></p>",
            t(lang, "Ngày hiệu lực", "Effective date"),
            v("effective_date", &today),
            t(lang, "Số chứng từ", "Document number"),
            v("document_number", ""),
            t(lang, "Ngày chứng từ", "Document date"),
            v("document_date", &today)
        );
        if matches!(form, Form::Disburse | Form::Advance) {
            text_field(b, t(lang, "Đơn vị nhận", "Payee"), "payee", &v("payee", ""));
        }
        if form == Form::Advance {
            let label = t(lang, "Số hợp đồng", "Contract number");
            text_field(b, label, "contract", &v("contract", ""));
        }
        if form == Form::Refund {
            let checked = typed
                .filter(|t| t.form == form)
                .and_then(|t| t.params.get("advance"))
                .is_some();
            let _ = writeln!(
                b,
                "<p><label><input type=\"checkbox\" name=\"advance\" value=\"true\"{}> \
                 {}</label></p>",
                if checked { " checked" } else { "" },
                t(
                    lang,
                    "Hoàn trả tạm ứng bằng tiền",
                    "Returns an advance in cash"
                )
            );
        }
        text_field(b, t(lang, "Ghi chú", "Note"), "note", &v("note", ""));
        let _ = writeln!(
            b,
            "<p><button type=\"submit\">{}</button></p>\n</form>",
            form.title(lang)
        );
    }
    b.push_str("</section>\n");
}

fn line_select(b: &mut String, ask: &Ask, lines: &[projection::LineBalance<'_>], typed: &str) {
    let chosen = if typed.is_empty() {
        ask.line.as_deref().unwrap_or("")
    } else {
        typed
    };
    let _ = write!(
        b,
        "<p><label>{} <select name=\"line\">",
        t(ask.reader.lang, "Dòng", "Line")
    );
    for l in lines {
        let label = match &l.spec.name {
            Some(n) => format!("{} – {n}", l.spec.line),
            None => l.spec.line.clone(),
        };
        let _ = write!(
            b,
            "<option value=\"{}\"{}>{}</option>",
            e(&l.spec.line),
            if chosen == l.spec.line {
                " selected"
            } else {
                ""
            },
            e(&label)
        );
    }
    b.push_str("</select></label></p>\n");
}

/// Builds the event a form describes, in the import format, for `event::parse_value`.
/// `records` resolves a reversal's target sequence to its id.
pub(super) fn event_of(
    form: Form,
    params: &Params,
    actor: &str,
    records: &[Recorded],
    lang: Lang,
) -> Result<event::Event, String> {
    let field = |k: &str| params.get(k).map(str::trim).filter(|v| !v.is_empty());
    let mut obj = Map::new();
    obj.insert("id".into(), field("id").unwrap_or("").into());
    obj.insert("type".into(), form.slug().into());
    obj.insert(
        "effective_date".into(),
        field("effective_date").unwrap_or("").into(),
    );
    match form {
        Form::Disburse | Form::Advance | Form::Refund => {
            let amount = money::parse_amount_text(field("amount").unwrap_or(""))
                .map_err(|m| format!("invalid_amount: {} {m}", t(lang, "số tiền:", "amount:")))?;
            obj.insert("line".into(), field("line").unwrap_or("").into());
            obj.insert("amount".into(), amount.to_string().into());
        }
        Form::Reverse => {
            let seq: u64 = field("target_seq").and_then(|s| s.parse().ok()).ok_or(t(
                lang,
                "malformed: thứ tự bút toán cần hủy phải là một số nguyên dương",
                "malformed: the sequence of the entry to reverse must be a positive whole number",
            ))?;
            let target = usize::try_from(seq)
                .ok()
                .and_then(|s| s.checked_sub(1))
                .and_then(|i| records.get(i))
                .ok_or_else(|| {
                    say(
                        lang,
                        format!("unknown_target: không có bút toán thứ tự {seq}"),
                        format!("unknown_target: there is no entry at sequence {seq}"),
                    )
                })?;
            obj.insert("target".into(), target.event.id.to_string().into());
            obj.insert("reason".into(), field("reason").unwrap_or("").into());
        }
    }
    if matches!(form, Form::Disburse | Form::Advance)
        && let Some(p) = field("payee")
    {
        obj.insert("payee".into(), p.into());
    }
    if form == Form::Advance
        && let Some(c) = field("contract")
    {
        obj.insert("contract".into(), c.into());
    }
    if form == Form::Refund && field("advance").is_some() {
        obj.insert("advance".into(), Value::Bool(true));
    }
    let mut doc = Map::new();
    doc.insert(
        "number".into(),
        field("document_number").unwrap_or("").into(),
    );
    doc.insert("date".into(), field("document_date").unwrap_or("").into());
    obj.insert("document".into(), Value::Object(doc));
    obj.insert("actor".into(), actor.into());
    if let Some(n) = field("note") {
        obj.insert("note".into(), n.into());
    }
    event::parse_value(&Value::Object(obj))
        .map_err(|r| crate::present::messages::rejection(&r, lang))
}
