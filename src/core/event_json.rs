//! Writing the import format back (export): the inverse of `event::parse_line`.

use serde_json::{Map, Value};

use crate::core::event::{Document, Event, Kind};
use crate::core::money::Amount;

/// The event in import format; `parse_value(&to_json(e)) == Ok(e)`.
pub fn to_json(event: &Event) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), Value::String(event.id.to_string()));
    obj.insert("type".into(), Value::String(event.kind.type_name().into()));
    obj.insert(
        "effective_date".into(),
        Value::String(event.effective_date.to_string()),
    );
    match &event.kind {
        Kind::OpenLine(spec) => {
            obj.insert("line".into(), text(&spec.line));
            obj.insert("program".into(), text(&spec.program));
            optional(&mut obj, "project", spec.project.as_deref());
            optional(&mut obj, "subproject", spec.subproject.as_deref());
            obj.insert("capital".into(), text(spec.capital.as_str()));
            obj.insert("source".into(), text(&spec.source));
            obj.insert("plan_year".into(), Value::from(spec.plan_year));
            obj.insert("origin".into(), text(spec.origin.as_str()));
            optional(&mut obj, "work", spec.work.as_deref());
            optional(&mut obj, "name", spec.name.as_deref());
        }
        Kind::Allocate { line, amount: a }
        | Kind::Reduce { line, amount: a }
        | Kind::Lapse { line, amount: a } => {
            obj.insert("line".into(), text(line));
            obj.insert("amount".into(), amount(a));
        }
        Kind::Refund {
            line,
            amount: a,
            advance,
        } => {
            obj.insert("line".into(), text(line));
            obj.insert("amount".into(), amount(a));
            if *advance {
                obj.insert("advance".into(), Value::Bool(true));
            }
        }
        // An advance is a payment too: the same fields, without a recovery.
        Kind::Disburse {
            line,
            amount: a,
            payee,
            contract,
            ..
        }
        | Kind::Advance {
            line,
            amount: a,
            payee,
            contract,
        } => {
            obj.insert("line".into(), text(line));
            obj.insert("amount".into(), amount(a));
            optional(&mut obj, "payee", payee.as_deref());
            optional(&mut obj, "contract", contract.as_deref());
            if let Kind::Disburse {
                recovers: Some(r), ..
            } = &event.kind
            {
                obj.insert("recovers".into(), amount(r));
            }
        }
        Kind::Transfer {
            from,
            to,
            amount: a,
        }
        | Kind::CarryOver {
            from,
            to,
            amount: a,
        } => {
            obj.insert("from".into(), text(from));
            obj.insert("to".into(), text(to));
            obj.insert("amount".into(), amount(a));
        }
        Kind::Reverse { target, reason } => {
            obj.insert("target".into(), Value::String(target.to_string()));
            obj.insert("reason".into(), text(reason));
        }
        Kind::SetDeadline { line, deadline } => {
            obj.insert("line".into(), text(line));
            obj.insert("deadline".into(), Value::String(deadline.to_string()));
        }
        Kind::Commit { .. } | Kind::OpenWork(_) | Kind::Contribute { .. } => {
            payment_fields(&mut obj, &event.kind)
        }
        Kind::RegisterDocument(_) | Kind::RecordIndicator(_) => {
            crate::core::facts::write_json(&mut obj, &event.kind)
        }
    }
    if let Some(doc) = &event.document {
        obj.insert("document".into(), document(doc));
    }
    optional(&mut obj, "actor", event.actor.as_deref());
    optional(&mut obj, "note", event.note.as_deref());
    Value::Object(obj)
}

/// A text field.
fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

/// An amount field, in whole đồng as a string (as the import format reads it).
fn amount(a: &Amount) -> Value {
    Value::String(a.to_string())
}

/// Inserts `key` when `value` is present (the import format leaves absent fields out).
pub(crate) fn optional(obj: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        obj.insert(key.into(), text(v));
    }
}

fn document(doc: &Document) -> Value {
    let mut d = Map::new();
    d.insert("number".into(), Value::String(doc.number.clone()));
    d.insert("date".into(), Value::String(doc.date.to_string()));
    optional(&mut d, "issuer", doc.issuer.as_deref());
    Value::Object(d)
}

/// The fields of the kinds of issue 13 (commitments, works; an advance is written as a payment).
fn payment_fields(obj: &mut Map<String, Value>, kind: &Kind) {
    match kind {
        Kind::Commit {
            line,
            contract,
            amount: a,
            payee,
        } => {
            obj.insert("line".into(), text(line));
            obj.insert("contract".into(), text(contract));
            obj.insert("amount".into(), amount(a));
            obj.insert("payee".into(), text(payee));
        }
        Kind::OpenWork(w) => {
            obj.insert("work".into(), text(&w.work));
            obj.insert("name".into(), text(&w.name));
            obj.insert("total_investment".into(), amount(&w.total_investment));
            obj.insert("decision".into(), document(&w.decision));
            optional(obj, "owner", w.owner.as_deref());
            optional(obj, "site", w.site.as_deref());
        }
        Kind::Contribute {
            work,
            amount: a,
            kind,
        } => {
            obj.insert("work".into(), text(work));
            obj.insert("amount".into(), amount(a));
            obj.insert("kind".into(), text(kind.as_str()));
        }
        _ => {}
    }
}
