//! The register of documents and the programs' indicators (issue 16): `register_document` and
//! `record_indicator`, the facts of sections I and III, recorded in the log like money and
//! checked by rules version 4.
//!
//! - `register_document` — the event's `document` is the registered document itself (number,
//!   date, issuer: required); `kind` is its form (QĐ, KH, NQ, CV, TB …), `subject` what it is
//!   about, `program` the program it serves (none: all), `amends` the number of an earlier
//!   registered document it amends. One document per number and issuer
//!   (`document_exists`); `amends` names a registered document (`unknown_document`).
//! - `record_indicator` — one figure of a catalogue indicator (`core::indicators`) for a
//!   `period` ("2025"): `value`, or `numerator` and `denominator` for a rate (the value is
//!   their ratio in percent); a new-rural criterion is recorded as met or not met with
//!   `"value": true | false` (a boolean, not 1/0, so a criterion cannot be summed by mistake).
//!   `target` is the plan's figure, `above` marks a figure printed as "trên 95%". The event's
//!   `document` is where the figure comes from (a survey, a decision recognising criteria).
//!   Refused: `unknown_indicator`, `unit_mismatch` (the unit is the catalogue's),
//!   `numerator_exceeds_denominator`, `indicator_out_of_bounds` (the kind's bounds, a zero
//!   denominator, a boolean for a number or a number for a criterion).
//!
//! A figure is revised by recording the same indicator and period again: the view shows the
//! latest one it knows (see `facts_view`). Neither kind moves money, and neither can be
//! reversed: a register is corrected by recording, never by erasing.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::core::event::{Event, Kind};
use crate::core::fields::Fields;
use crate::core::indicators::{self, IndicatorKind};
use crate::core::rejection::{Code, Detail, Rejection};

/// Longest accepted document form (`QĐ`, `KH`, `NQ` …), in characters.
const MAX_FORM_CHARS: usize = 16;
/// Longest accepted decimal figure as written.
const MAX_FIGURE_CHARS: usize = 32;
/// Most decimals of a recorded figure.
const MAX_FIGURE_DECIMALS: u32 = 6;

/// What `register_document` says about its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    /// The form: QĐ, KH, NQ, CV, TB …
    pub form: String,
    pub subject: String,
    pub program: Option<String>,
    /// The number of the registered document this one amends.
    pub amends: Option<String>,
}

/// One recorded figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    Value(Decimal),
    Ratio {
        numerator: Decimal,
        denominator: Decimal,
    },
    /// A criterion met (true) or not.
    Met(bool),
}

impl Figure {
    /// The figure as one number: a ratio in percent, a criterion 1 or 0.
    pub fn value(&self) -> Decimal {
        match *self {
            Figure::Value(v) => v,
            Figure::Ratio {
                numerator,
                denominator,
            } if !denominator.is_zero() => numerator * Decimal::ONE_HUNDRED / denominator,
            Figure::Ratio { .. } => Decimal::ZERO,
            Figure::Met(m) => Decimal::from(u8::from(m)),
        }
    }
}

/// What `record_indicator` records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorFact {
    pub indicator: String,
    pub period: String,
    pub figure: Figure,
    pub unit: String,
    pub target: Option<Decimal>,
    /// Printed as a lower bound ("trên 95%").
    pub above: bool,
}

/// The import fields of the two kinds.
pub fn allowed_fields(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "register_document" => &["form", "subject", "program", "amends", "document"],
        "record_indicator" => &[
            "indicator",
            "period",
            "value",
            "numerator",
            "denominator",
            "unit",
            "target",
            "above",
            "document",
        ],
        _ => return None,
    })
}

/// The kind of a `register_document` or `record_indicator` event from its fields.
pub(crate) fn parse_kind(type_name: &str, fields: &Fields<'_>) -> Option<Result<Kind, Rejection>> {
    match type_name {
        "register_document" => Some(register(fields)),
        "record_indicator" => Some(indicator(fields)),
        _ => None,
    }
}

fn register(fields: &Fields<'_>) -> Result<Kind, Rejection> {
    let form = fields.required_text("form")?;
    if form.trim().is_empty() || form.chars().count() > MAX_FORM_CHARS {
        return Err(Rejection::new(
            Code::Malformed,
            format!("field \"form\": {form:?} must have 1 to {MAX_FORM_CHARS} characters (QĐ, KH, NQ, CV, TB …)"),
        ));
    }
    let document = fields.document()?;
    if document.issuer.as_deref().is_none_or(|i| i.trim().is_empty()) {
        return Err(Rejection::new(
            Code::MissingField,
            "field \"document.issuer\" is missing: a registered document names who issued it",
        ));
    }
    Ok(Kind::RegisterDocument(Register {
        form,
        subject: fields.required_text("subject")?,
        program: fields.optional_code("program")?,
        amends: fields.optional_text("amends")?,
    }))
}

fn indicator(fields: &Fields<'_>) -> Result<Kind, Rejection> {
    let numerator = decimal(fields, "numerator")?;
    let denominator = decimal(fields, "denominator")?;
    let figure = match (fields.get("value"), numerator, denominator) {
        (Some(Value::Bool(b)), None, None) => Figure::Met(*b),
        (Some(_), None, None) => Figure::Value(decimal(fields, "value")?.unwrap_or_default()),
        (None, Some(numerator), Some(denominator)) => Figure::Ratio {
            numerator,
            denominator,
        },
        _ => {
            return Err(Rejection::new(
                Code::Malformed,
                "a record_indicator gives either \"value\" or both \"numerator\" and \"denominator\"",
            ));
        }
    };
    Ok(Kind::RecordIndicator(IndicatorFact {
        indicator: fields.code("indicator")?,
        period: fields.code("period")?,
        figure,
        unit: fields.required_text("unit")?,
        target: decimal(fields, "target")?,
        above: fields.optional_bool("above")?.unwrap_or(false),
    }))
}

/// A decimal figure given as a JSON number or a string ("25.46"), bounded in length and
/// decimals before it is parsed (rust_decimal holds 28 digits).
fn decimal(fields: &Fields<'_>, key: &str) -> Result<Option<Decimal>, Rejection> {
    let text = match fields.get(key) {
        None => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(Rejection::new(
                Code::Malformed,
                format!("field {key:?} must be a number or a decimal string"),
            ));
        }
    };
    let plain = text.len() <= MAX_FIGURE_CHARS
        && !text.is_empty()
        && text.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let value = if plain {
        Decimal::from_str(&text).ok()
    } else {
        None
    };
    match value {
        Some(v) if v.scale() <= MAX_FIGURE_DECIMALS => Ok(Some(v.normalize())),
        _ => Err(Rejection::new(
            Code::Malformed,
            format!(
                "field {key:?}: {text:?} is not a decimal number of at most {MAX_FIGURE_CHARS} characters and {MAX_FIGURE_DECIMALS} decimals"
            ),
        )),
    }
}

/// The import fields of the two kinds (the inverse of `parse_kind`).
pub fn write_json(obj: &mut Map<String, Value>, kind: &Kind) {
    let text = |s: &str| Value::String(s.to_string());
    let dec = |d: &Decimal| Value::String(d.to_string());
    match kind {
        Kind::RegisterDocument(r) => {
            obj.insert("form".into(), text(&r.form));
            obj.insert("subject".into(), text(&r.subject));
            if let Some(p) = &r.program {
                obj.insert("program".into(), text(p));
            }
            if let Some(a) = &r.amends {
                obj.insert("amends".into(), text(a));
            }
        }
        Kind::RecordIndicator(f) => {
            obj.insert("indicator".into(), text(&f.indicator));
            obj.insert("period".into(), text(&f.period));
            match &f.figure {
                Figure::Value(v) => {
                    obj.insert("value".into(), dec(v));
                }
                Figure::Ratio {
                    numerator,
                    denominator,
                } => {
                    obj.insert("numerator".into(), dec(numerator));
                    obj.insert("denominator".into(), dec(denominator));
                }
                Figure::Met(m) => {
                    obj.insert("value".into(), Value::Bool(*m));
                }
            }
            obj.insert("unit".into(), text(&f.unit));
            if let Some(t) = &f.target {
                obj.insert("target".into(), dec(t));
            }
            if f.above {
                obj.insert("above".into(), Value::Bool(true));
            }
        }
        _ => {}
    }
}

/// What the rules keep about the register: documents by (number, issuer), and how many
/// registered documents carry each number (what `amends` may name).
#[derive(Default)]
pub struct Facts {
    documents: HashMap<(String, String), u64>,
    numbers: HashMap<String, usize>,
}

fn key_of(event: &Event) -> Option<(String, String)> {
    let d = event.document.as_ref()?;
    Some((d.number.clone(), d.issuer.clone().unwrap_or_default()))
}

impl Facts {
    /// Whether a document with this number is registered (by any issuer).
    pub fn knows_number(&self, number: &str) -> bool {
        self.numbers.contains_key(number)
    }

    /// The checks of rules version 4 for the two kinds (other kinds pass).
    pub fn check(&self, event: &Event) -> Result<(), Rejection> {
        match &event.kind {
            Kind::RegisterDocument(r) => self.check_register(event, r),
            Kind::RecordIndicator(f) => check_indicator(f),
            _ => Ok(()),
        }
    }

    fn check_register(&self, event: &Event, r: &Register) -> Result<(), Rejection> {
        let Some(key) = key_of(event) else {
            return Ok(());
        };
        let document = |number: &str| Detail::Document {
            number: number.to_string(),
            issuer: Some(key.1.clone()),
        };
        if let Some(seq) = self.documents.get(&key) {
            return Err(Rejection::new(
                Code::DocumentExists,
                format!(
                    "document {:?} of {:?} is already registered at sequence {seq}",
                    key.0, key.1
                ),
            )
            .with(document(&key.0)));
        }
        if let Some(amends) = &r.amends {
            if !self.knows_number(amends) {
                return Err(Rejection::new(
                    Code::UnknownDocument,
                    format!("amends {amends:?}, which no register_document recorded"),
                )
                .with(document(amends)));
            }
        }
        Ok(())
    }

    /// Notes a recorded event (`sign` 1) or undoes it (−1, a failed batch).
    pub fn note(&mut self, seq: u64, event: &Event, sign: i32) {
        let (Kind::RegisterDocument(_), Some(key)) = (&event.kind, key_of(event)) else {
            return;
        };
        let count = self.numbers.entry(key.0.clone()).or_default();
        if sign > 0 {
            *count += 1;
            self.documents.insert(key, seq);
        } else {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.numbers.remove(&key.0);
            }
            self.documents.remove(&key);
        }
    }
}

fn check_indicator(f: &IndicatorFact) -> Result<(), Rejection> {
    let catalogue = indicators::shipped();
    let detail = || Detail::Indicator {
        indicator: f.indicator.clone(),
        period: f.period.clone(),
    };
    let refuse = |code: Code, why: String| Err(Rejection::new(code, why).with(detail()));
    let Some(entry) = catalogue.get(&f.indicator) else {
        return refuse(
            Code::UnknownIndicator,
            format!(
                "indicator {:?} is not in the indicator catalogue (version {})",
                f.indicator, catalogue.version
            ),
        );
    };
    if f.unit != entry.unit {
        return refuse(
            Code::UnitMismatch,
            format!(
                "indicator {:?} is recorded in {:?}, not {:?}",
                f.indicator, entry.unit, f.unit
            ),
        );
    }
    let criterion = entry.kind == IndicatorKind::Criterion;
    let shape_ok = match f.figure {
        Figure::Met(_) => criterion && f.target.is_none(),
        Figure::Ratio { .. } => entry.kind == IndicatorKind::Rate,
        Figure::Value(_) => !criterion,
    };
    if !shape_ok {
        return refuse(
            Code::IndicatorOutOfBounds,
            format!(
                "indicator {:?} takes {}",
                f.indicator,
                if criterion {
                    "\"value\": true or false (met or not), without a target"
                } else {
                    "a number (a rate may give numerator and denominator), not true or false"
                }
            ),
        );
    }
    if let Figure::Ratio {
        numerator,
        denominator,
    } = f.figure
    {
        if numerator > denominator {
            return refuse(
                Code::NumeratorExceedsDenominator,
                format!("numerator {numerator} is above denominator {denominator}"),
            );
        }
        if denominator <= Decimal::ZERO || numerator < Decimal::ZERO {
            return refuse(
                Code::IndicatorOutOfBounds,
                format!("numerator {numerator} and denominator {denominator} must be ≥ 0 and > 0"),
            );
        }
    }
    let Some((low, high)) = entry.bounds() else {
        return Ok(());
    };
    let whole = entry.kind != IndicatorKind::Count || f.figure.value().fract().is_zero();
    for (what, v) in std::iter::once(("value", f.figure.value())).chain(f.target.map(|t| ("target", t))) {
        if v < low || high.is_some_and(|h| v > h) || !whole {
            return refuse(
                Code::IndicatorOutOfBounds,
                format!(
                    "{what} {v} of indicator {:?} is outside {low} to {} {}",
                    f.indicator,
                    high.map_or("∞".to_string(), |h| h.to_string()),
                    if whole { "" } else { "(a count is whole)" }
                ),
            );
        }
    }
    Ok(())
}
