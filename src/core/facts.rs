//! The register of documents and the programs' indicators (issue 16): `register_document` and
//! `record_indicator`, the facts of sections I and III, recorded in the log like money and
//! checked by rules version 4.
//!
//! - `register_document` — the event's `document` is the registered document itself (number,
//!   date, issuer); `form` is its form (QĐ, KH, NQ, CV, TB …), `subject` what it is
//!   about, `program` the program it serves (none: all), `amends` the number of an earlier
//!   registered document it amends. One document per number and issuer
//!   (`document_exists`); `amends` names a registered document (`unknown_document`).
//! - `record_indicator` — one figure of a catalogue indicator (`core::indicators`) for a
//!   `period` ("2025"): `value` as the commune states it ("25.46"), and for a rate optionally
//!   the `numerator` and `denominator` it comes from (570 of 2239 households); a new-rural
//!   criterion is recorded as met or not met with `"value": true | false` (a boolean, not 1/0,
//!   so a criterion cannot be summed by mistake). `target` is the plan's figure, `above` marks
//!   a figure printed as "trên 95%". The event's `document` is where the figure comes from (a
//!   survey, a decision recognising criteria). Refused: `unknown_indicator`, `unit_mismatch`
//!   (the unit is the catalogue's), `numerator_exceeds_denominator`, `ratio_mismatch` (the
//!   value is not numerator ÷ denominator at the value's decimals), `indicator_out_of_bounds`
//!   (the kind's bounds, a zero denominator, one of numerator and denominator without the
//!   other, a boolean for a number or a number for a criterion).
//!
//! A figure is revised by recording the same indicator and period again: the view shows the
//! latest one it knows (see `facts_view`). Neither kind moves money, and neither can be
//! reversed: a register is corrected by recording, never by erasing.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::core::event::{Event, Kind};
use crate::core::event_json::optional;
use crate::core::fields::Fields;
use crate::core::indicators::{self, IndicatorKind};
use crate::core::rejection::{Code, Detail, Expected, Rejection};

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
    /// What it is about, as cited after "về" ("việc thành lập Ban Chỉ đạo …").
    pub subject: String,
    /// The program it serves; none: every program (a steering committee).
    pub program: Option<String>,
    /// The number of the registered document this one amends.
    pub amends: Option<String>,
}

/// One recorded figure: a number, or a criterion met (true) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    Number(Decimal),
    Met(bool),
}

impl Figure {
    /// The figure as one number: a criterion 1 or 0.
    pub fn value(&self) -> Decimal {
        match *self {
            Figure::Number(v) => v,
            Figure::Met(m) => Decimal::from(u8::from(m)),
        }
    }
}

/// What `record_indicator` records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorFact {
    /// The catalogue code (`GNBV.HO_NGHEO`).
    pub indicator: String,
    /// The period the figure is for ("2025").
    pub period: String,
    /// The figure as stated.
    pub figure: Figure,
    /// The counts a rate comes from (both or neither).
    pub numerator: Option<Decimal>,
    pub denominator: Option<Decimal>,
    /// The catalogue's unit, repeated so a record reads on its own.
    pub unit: String,
    /// The plan's figure (kế hoạch giao).
    pub target: Option<Decimal>,
    /// Printed as a lower bound ("trên 95%").
    pub above: bool,
}

impl IndicatorFact {
    /// The exact figure: numerator ÷ denominator in percent when both are given (and the
    /// denominator is not 0), else the value.
    pub fn exact(&self) -> Decimal {
        match (self.numerator, self.denominator) {
            (Some(n), Some(d)) if !d.is_zero() => n * Decimal::ONE_HUNDRED / d,
            _ => self.figure.value(),
        }
    }
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
            Detail::expected(
                "form",
                &form,
                Expected::Form {
                    max: MAX_FORM_CHARS as u64,
                },
            ),
            format!(
                "field \"form\": {form:?} must have 1 to {MAX_FORM_CHARS} characters (QĐ, KH, NQ, CV, TB …)"
            ),
        ));
    }
    Ok(Kind::RegisterDocument(Box::new(Register {
        form,
        subject: fields.required_text("subject")?,
        program: fields.optional_code("program")?,
        amends: fields.optional_text("amends")?,
    })))
}

fn indicator(fields: &Fields<'_>) -> Result<Kind, Rejection> {
    let figure = match fields.get("value") {
        Some(Value::Bool(b)) => Figure::Met(*b),
        Some(_) => Figure::Number(decimal(fields, "value")?.unwrap_or_default()),
        None => {
            return Err(Rejection::new(
                Code::MissingField,
                Detail::missing("value"),
                "field \"value\" is missing",
            ));
        }
    };
    Ok(Kind::RecordIndicator(Box::new(IndicatorFact {
        indicator: fields.code("indicator")?,
        period: fields.code("period")?,
        figure,
        numerator: decimal(fields, "numerator")?,
        denominator: decimal(fields, "denominator")?,
        unit: fields.required_text("unit")?,
        target: decimal(fields, "target")?,
        above: fields.optional_bool("above")?.unwrap_or(false),
    })))
}

/// A decimal figure given as a string ("25.46"): an optional minus, digits, and at most
/// `MAX_FIGURE_DECIMALS` decimals after a '.', bounded in length before it is parsed
/// (rust_decimal holds 28 digits). The schema's `decimal` says the same.
fn decimal(fields: &Fields<'_>, key: &str) -> Result<Option<Decimal>, Rejection> {
    let Some(text) = fields.optional_str(key)? else {
        return Ok(None);
    };
    let body = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let shaped = text.len() <= MAX_FIGURE_CHARS
        && digits(int)
        && (!body.contains('.') || (digits(frac) && frac.len() <= MAX_FIGURE_DECIMALS as usize));
    match shaped.then(|| Decimal::from_str(text).ok()).flatten() {
        Some(v) => Ok(Some(v)),
        None => Err(Rejection::new(
            Code::Malformed,
            Detail::expected(
                key,
                text,
                Expected::Decimal {
                    chars: MAX_FIGURE_CHARS as u64,
                    decimals: u64::from(MAX_FIGURE_DECIMALS),
                },
            ),
            format!(
                "field {key:?}: {text:?} is not a decimal string of at most {MAX_FIGURE_CHARS} characters and {MAX_FIGURE_DECIMALS} decimals (\"25.46\")"
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
            optional(obj, "program", r.program.as_deref());
            optional(obj, "amends", r.amends.as_deref());
        }
        Kind::RecordIndicator(f) => {
            obj.insert("indicator".into(), text(&f.indicator));
            obj.insert("period".into(), text(&f.period));
            match &f.figure {
                Figure::Number(v) => obj.insert("value".into(), dec(v)),
                Figure::Met(m) => obj.insert("value".into(), Value::Bool(*m)),
            };
            if let Some(n) = &f.numerator {
                obj.insert("numerator".into(), dec(n));
            }
            if let Some(d) = &f.denominator {
                obj.insert("denominator".into(), dec(d));
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
                document(&key.0),
                format!(
                    "document {:?} of {:?} is already registered at sequence {seq}",
                    key.0, key.1
                ),
            ));
        }
        if let Some(amends) = &r.amends
            && !self.knows_number(amends)
        {
            return Err(Rejection::new(
                Code::UnknownDocument,
                document(amends),
                format!("amends {amends:?}, which no register_document recorded"),
            ));
        }
        Ok(())
    }

    /// Notes a recorded event (`sign` 1) or undoes it (−1, a failed batch).
    pub fn note(&mut self, seq: u64, event: &Event, sign: i32) {
        // The kind first: this runs for every event at open, money included.
        if !matches!(event.kind, Kind::RegisterDocument(_)) {
            return;
        }
        let Some(key) = key_of(event) else {
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
    let refuse = |code: Code, why: String| Err(Rejection::new(code, detail(), why));
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
    let counts = f.numerator.is_some() || f.denominator.is_some();
    let shape_ok = match f.figure {
        Figure::Met(_) => criterion && f.target.is_none() && !counts,
        Figure::Number(_) => !criterion && (!counts || entry.kind == IndicatorKind::Rate),
    };
    if !shape_ok {
        return refuse(
            Code::IndicatorOutOfBounds,
            format!(
                "indicator {:?} takes {}",
                f.indicator,
                if criterion {
                    "\"value\": true or false (met or not), without target, numerator or denominator"
                } else {
                    "a number (a rate may add numerator and denominator), not true or false"
                }
            ),
        );
    }
    check_counts(f, detail)?;
    let Some((low, high)) = entry.bounds() else {
        return Ok(());
    };
    let whole = entry.kind != IndicatorKind::Count || f.figure.value().fract().is_zero();
    let numbers = [("value", Some(f.figure.value())), ("target", f.target)];
    for (what, v) in numbers.into_iter().filter_map(|(w, v)| Some((w, v?))) {
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

/// A rate's counts: both or neither, 0 ≤ numerator ≤ denominator, denominator > 0, and the
/// value their ratio in percent at the value's own decimals (half away from zero).
fn check_counts(f: &IndicatorFact, detail: impl Fn() -> Detail) -> Result<(), Rejection> {
    let (numerator, denominator) = match (f.numerator, f.denominator) {
        (None, None) => return Ok(()),
        (Some(n), Some(d)) => (n, d),
        _ => {
            return Err(Rejection::new(
                Code::IndicatorOutOfBounds,
                detail(),
                "a rate gives both numerator and denominator, or neither",
            ));
        }
    };
    if numerator > denominator {
        return Err(Rejection::new(
            Code::NumeratorExceedsDenominator,
            detail(),
            format!("numerator {numerator} is above denominator {denominator}"),
        ));
    }
    if denominator <= Decimal::ZERO || numerator < Decimal::ZERO {
        return Err(Rejection::new(
            Code::IndicatorOutOfBounds,
            detail(),
            format!("numerator {numerator} and denominator {denominator} must be ≥ 0 and > 0"),
        ));
    }
    let value = f.figure.value();
    let ratio = crate::core::number::round(f.exact(), value.scale());
    if ratio != value {
        return Err(Rejection::new(
            Code::RatioMismatch,
            detail(),
            format!("value {value} is not {numerator} ÷ {denominator} = {ratio}% at its decimals"),
        ));
    }
    Ok(())
}
