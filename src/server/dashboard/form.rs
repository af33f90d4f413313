//! The disbursement form: drawn on the page, read back into an event.

use std::fmt::Write as _;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::event;
use crate::core::money;
use crate::core::projection;
use crate::present::render::html_escape as e;
use crate::server::query::Params;

use super::page::Ask;
use super::today;

pub(super) fn disbursement_form(b: &mut String, ask: &Ask, lines: &[projection::LineBalance<'_>]) {
    // A fresh id per form: sending the same form twice records it once.
    let id = Uuid::new_v4();
    let _ = writeln!(
        b,
        "<h2>Ghi giải ngân</h2>\n<form id=\"disburse\" method=\"post\" action=\"/dashboard/disburse\">\n\
         <input type=\"hidden\" name=\"id\" value=\"{id}\">\
         <input type=\"hidden\" name=\"as_of\" value=\"{}\">\
         <input type=\"hidden\" name=\"plan_year\" value=\"{}\">\n<p><label>Dòng <select name=\"line\">",
        ask.as_of, ask.plan_year
    );
    for l in lines {
        let _ = write!(
            b,
            "<option value=\"{0}\"{1}>{0}</option>",
            e(&l.spec.line),
            if ask.line.as_deref() == Some(l.spec.line.as_str()) {
                " selected"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        b,
        "</select></label></p>\n\
         <p><label>Số tiền (đồng) <input type=\"text\" name=\"amount\" placeholder=\"150000000 hoặc 150.000.000\"></label></p>\n\
         <p><label>Ngày hiệu lực <input type=\"date\" name=\"effective_date\" value=\"{0}\"></label></p>\n\
         <p><label>Số chứng từ <input type=\"text\" name=\"document_number\"></label> \
         <label>Ngày chứng từ <input type=\"date\" name=\"document_date\" value=\"{0}\"></label></p>\n\
         <p><label>Đơn vị nhận <input type=\"text\" name=\"payee\"></label></p>\n\
         <p><label>Ghi chú <input type=\"text\" name=\"note\"></label></p>\n\
         <p><button type=\"submit\">Ghi giải ngân</button></p>\n</form>",
        ask.as_of.min(today())
    );
}

/// Builds the disbursement event from the form, in the import format, for `event::parse_value`.
pub(super) fn disbursement(params: &Params, actor: &str) -> Result<event::Event, String> {
    let field = |k: &str| params.get(k).map(str::trim).filter(|v| !v.is_empty());
    let amount = money::parse_amount_text(field("amount").unwrap_or(""))
        .map_err(|m| format!("invalid_amount: số tiền: {m}"))?;
    let mut doc = Map::new();
    doc.insert(
        "number".into(),
        field("document_number").unwrap_or("").into(),
    );
    doc.insert("date".into(), field("document_date").unwrap_or("").into());
    let mut obj = Map::new();
    obj.insert("id".into(), field("id").unwrap_or("").into());
    obj.insert("type".into(), "disburse".into());
    obj.insert(
        "effective_date".into(),
        field("effective_date").unwrap_or("").into(),
    );
    obj.insert("line".into(), field("line").unwrap_or("").into());
    obj.insert("amount".into(), amount.to_string().into());
    if let Some(p) = field("payee") {
        obj.insert("payee".into(), p.into());
    }
    obj.insert("document".into(), Value::Object(doc));
    obj.insert("actor".into(), actor.into());
    if let Some(n) = field("note") {
        obj.insert("note".into(), n.into());
    }
    event::parse_value(&Value::Object(obj)).map_err(|r| r.to_string())
}
