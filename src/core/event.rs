//! The events of the ledger and their import format (one JSON object per line).
//!
//! `parse_line` is the single door through which outside input becomes an `Event`; every
//! refusal carries a stable `Code`. `to_json` writes the same format back (export).

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::money::{self, Amount};
use crate::core::rejection::{Code, Rejection};
use crate::core::text;

/// Longest accepted import line, in bytes. Real events are a few hundred bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Longest accepted free-text field (names, notes, document numbers), in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest accepted code (line, program, project, source), in characters.
pub const MAX_CODE_CHARS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capital {
    Investment,
    Recurrent,
}

impl Capital {
    pub fn as_str(self) -> &'static str {
        match self {
            Capital::Investment => "investment",
            Capital::Recurrent => "recurrent",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    InYear,
    CarriedOver,
    Extended,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::InYear => "in_year",
            Origin::CarriedOver => "carried_over",
            Origin::Extended => "extended",
        }
    }
}

/// A budget line: a leaf of program → project → sub-project → content, for one capital type,
/// source, plan year and origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineSpec {
    pub line: String,
    pub program: String,
    pub project: Option<String>,
    pub subproject: Option<String>,
    pub capital: Capital,
    pub source: String,
    pub plan_year: i32,
    pub origin: Origin,
    pub work: Option<String>,
    pub name: Option<String>,
}

/// The decision, plan or voucher a money event rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub number: String,
    pub date: NaiveDate,
    pub issuer: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    OpenLine(LineSpec),
    Allocate {
        line: String,
        amount: Amount,
    },
    Reduce {
        line: String,
        amount: Amount,
    },
    Transfer {
        from: String,
        to: String,
        amount: Amount,
    },
    CarryOver {
        from: String,
        to: String,
        amount: Amount,
    },
    Disburse {
        line: String,
        amount: Amount,
        payee: Option<String>,
    },
    Refund {
        line: String,
        amount: Amount,
    },
    Reverse {
        target: Uuid,
        reason: String,
    },
    /// Hủy dự toán / nộp trả: unspent plan cancelled at or after the year's end. Its own
    /// column (`lapsed`), not a cut of the plan.
    Lapse {
        line: String,
        amount: Amount,
    },
    /// The legal basis (e.g. a National Assembly resolution) that sets a line's disbursement
    /// deadline, replacing the default of the rule data.
    SetDeadline {
        line: String,
        deadline: NaiveDate,
    },
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::OpenLine(_) => "open_line",
            Kind::Allocate { .. } => "allocate",
            Kind::Reduce { .. } => "reduce",
            Kind::Transfer { .. } => "transfer",
            Kind::CarryOver { .. } => "carry_over",
            Kind::Disburse { .. } => "disburse",
            Kind::Refund { .. } => "refund",
            Kind::Reverse { .. } => "reverse",
            Kind::Lapse { .. } => "lapse",
            Kind::SetDeadline { .. } => "set_deadline",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub effective_date: NaiveDate,
    pub actor: Option<String>,
    pub note: Option<String>,
    /// Present on every event but `open_line` (enforced by `parse_line` and the stored decoder).
    pub document: Option<Document>,
    pub kind: Kind,
}

/// How one event moves one line, in đồng (signed), column by column of the settlement.
/// `plan` is what the line was given (allocations − reduce ± transfers + carry-overs in);
/// a carry-over out and a lapse leave it alone and count in their own columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Movement<'a> {
    pub line: &'a str,
    pub plan: rust_decimal::Decimal,
    pub disbursed: rust_decimal::Decimal,
    pub carried_out: rust_decimal::Decimal,
    pub lapsed: rust_decimal::Decimal,
    /// Refunds effective after the line's deadline: budget revenue, not a lower `disbursed`.
    /// `Event::movements` never fills it (it needs the deadline): see `budget_year`.
    pub recovered: rust_decimal::Decimal,
}

impl<'a> Movement<'a> {
    pub fn zero(line: &'a str) -> Movement<'a> {
        use rust_decimal::Decimal;
        Movement {
            line,
            plan: Decimal::ZERO,
            disbursed: Decimal::ZERO,
            carried_out: Decimal::ZERO,
            lapsed: Decimal::ZERO,
            recovered: Decimal::ZERO,
        }
    }

    /// What it does to `available` (plan − disbursed − carried_out − lapsed).
    pub fn available(&self) -> rust_decimal::Decimal {
        self.plan - self.disbursed - self.carried_out - self.lapsed
    }

    /// The same movement undone (a reversal).
    pub fn negated(self) -> Movement<'a> {
        Movement {
            line: self.line,
            plan: -self.plan,
            disbursed: -self.disbursed,
            carried_out: -self.carried_out,
            lapsed: -self.lapsed,
            recovered: -self.recovered,
        }
    }
}

impl Event {
    /// The movements of money this event makes, line by line (none for `open_line` and
    /// `reverse`: a reversal acts by cancelling its target's movements).
    pub fn movements(&self) -> Vec<Movement<'_>> {
        self.movement_slots().into_iter().flatten().collect()
    }

    /// `movements` without allocating (an event moves at most two lines): the filled slots,
    /// in the same order, then `None`s. For the hot paths that run once per event at open.
    pub fn movement_slots(&self) -> [Option<Movement<'_>>; 2] {
        fn one(m: Movement<'_>) -> [Option<Movement<'_>>; 2] {
            [Some(m), None]
        }
        match &self.kind {
            Kind::OpenLine(_) | Kind::Reverse { .. } | Kind::SetDeadline { .. } => [None, None],
            Kind::Allocate { line, amount } => one(Movement {
                plan: amount.value(),
                ..Movement::zero(line)
            }),
            Kind::Reduce { line, amount } => one(Movement {
                plan: -amount.value(),
                ..Movement::zero(line)
            }),
            Kind::Transfer { from, to, amount } => [
                Some(Movement {
                    plan: -amount.value(),
                    ..Movement::zero(from)
                }),
                Some(Movement {
                    plan: amount.value(),
                    ..Movement::zero(to)
                }),
            ],
            Kind::CarryOver { from, to, amount } => [
                Some(Movement {
                    carried_out: amount.value(),
                    ..Movement::zero(from)
                }),
                Some(Movement {
                    plan: amount.value(),
                    ..Movement::zero(to)
                }),
            ],
            Kind::Disburse { line, amount, .. } => one(Movement {
                disbursed: amount.value(),
                ..Movement::zero(line)
            }),
            Kind::Refund { line, amount } => one(Movement {
                disbursed: -amount.value(),
                ..Movement::zero(line)
            }),
            Kind::Lapse { line, amount } => one(Movement {
                lapsed: amount.value(),
                ..Movement::zero(line)
            }),
        }
    }

    /// Every line code the event names (for `open_line`, the line it declares).
    pub fn lines(&self) -> Vec<&str> {
        match &self.kind {
            Kind::OpenLine(spec) => vec![spec.line.as_str()],
            Kind::Reverse { .. } => Vec::new(),
            Kind::SetDeadline { line, .. } => vec![line.as_str()],
            _ => self.movements().into_iter().map(|m| m.line).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing the import format.

/// Parses one import line. The caller has already bounded its length.
pub fn parse_line(text: &str) -> Result<Event, Rejection> {
    if text.len() > MAX_LINE_BYTES {
        return Err(Rejection::new(
            Code::TooLarge,
            format!(
                "line is {} bytes; the limit is {MAX_LINE_BYTES}",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Rejection::new(Code::Malformed, format!("not valid JSON: {e}")))?;
    parse_value(&value)
}

/// Parses one event given as a JSON value.
pub fn parse_value(value: &Value) -> Result<Event, Rejection> {
    let Value::Object(obj) = value else {
        return Err(Rejection::new(
            Code::Malformed,
            "an event must be a JSON object",
        ));
    };
    let fields = Fields { obj };
    let id = fields.uuid("id")?;
    let type_name = fields.required_str("type")?;
    let Some(allowed) = allowed_fields(type_name) else {
        return Err(unknown_type(type_name));
    };
    for key in obj.keys() {
        let common = matches!(
            key.as_str(),
            "id" | "type" | "effective_date" | "actor" | "note"
        );
        if !common && !allowed.contains(&key.as_str()) {
            return Err(Rejection::new(
                Code::Malformed,
                format!("field {key:?} is not part of a {type_name} event"),
            ));
        }
    }
    let effective_date = fields.date("effective_date")?;
    let actor = fields.optional_text("actor")?;
    let note = fields.optional_text("note")?;
    let document = if type_name == "open_line" {
        None
    } else {
        Some(fields.document()?)
    };
    let kind = match type_name {
        "open_line" => Kind::OpenLine(line_spec(&fields)?),
        "allocate" => Kind::Allocate {
            line: fields.code("line")?,
            amount: fields.amount()?,
        },
        "reduce" => Kind::Reduce {
            line: fields.code("line")?,
            amount: fields.amount()?,
        },
        "refund" => Kind::Refund {
            line: fields.code("line")?,
            amount: fields.amount()?,
        },
        "disburse" => Kind::Disburse {
            line: fields.code("line")?,
            amount: fields.amount()?,
            payee: fields.optional_text("payee")?,
        },
        "transfer" => Kind::Transfer {
            from: fields.code("from")?,
            to: fields.code("to")?,
            amount: fields.amount()?,
        },
        "carry_over" => Kind::CarryOver {
            from: fields.code("from")?,
            to: fields.code("to")?,
            amount: fields.amount()?,
        },
        "lapse" => Kind::Lapse {
            line: fields.code("line")?,
            amount: fields.amount()?,
        },
        "set_deadline" => Kind::SetDeadline {
            line: fields.code("line")?,
            deadline: fields.date("deadline")?,
        },
        "reverse" => {
            let target = fields.uuid("target")?;
            let reason = fields.required_text("reason")?;
            if reason.trim().is_empty() {
                return Err(Rejection::new(
                    Code::MissingField,
                    "field \"reason\" is empty: a reversal must say why the target is wrong",
                ));
            }
            Kind::Reverse { target, reason }
        }
        other => return Err(unknown_type(other)),
    };
    Ok(Event {
        id,
        effective_date,
        actor,
        note,
        document,
        kind,
    })
}

/// The declaration of an `open_line` event.
fn line_spec(fields: &Fields<'_>) -> Result<LineSpec, Rejection> {
    Ok(LineSpec {
        line: fields.code("line")?,
        program: fields.code("program")?,
        project: fields.optional_code("project")?,
        subproject: fields.optional_code("subproject")?,
        capital: match fields.required_str("capital")? {
            "investment" => Capital::Investment,
            "recurrent" => Capital::Recurrent,
            other => {
                return Err(Rejection::new(
                    Code::Malformed,
                    format!("field \"capital\": {other:?} is not \"investment\" or \"recurrent\""),
                ));
            }
        },
        source: fields.code("source")?,
        plan_year: fields.plan_year()?,
        origin: match fields.required_str("origin")? {
            "in_year" => Origin::InYear,
            "carried_over" => Origin::CarriedOver,
            "extended" => Origin::Extended,
            other => {
                return Err(Rejection::new(
                    Code::Malformed,
                    format!(
                        "field \"origin\": {other:?} is not \"in_year\", \"carried_over\" or \"extended\""
                    ),
                ));
            }
        },
        work: fields.optional_text("work")?,
        name: fields.optional_text("name")?,
    })
}

fn allowed_fields(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "open_line" => &[
            "line",
            "program",
            "project",
            "subproject",
            "capital",
            "source",
            "plan_year",
            "origin",
            "work",
            "name",
        ],
        "allocate" | "reduce" | "refund" | "lapse" => &["line", "amount", "document"],
        "set_deadline" => &["line", "deadline", "document"],
        "transfer" | "carry_over" => &["from", "to", "amount", "document"],
        "disburse" => &["line", "amount", "payee", "document"],
        "reverse" => &["target", "reason", "document"],
        _ => return None,
    })
}

fn unknown_type(type_name: &str) -> Rejection {
    Rejection::new(
        Code::UnknownType,
        format!(
            "type {type_name:?} is not one of open_line, allocate, reduce, transfer, carry_over, disburse, refund, reverse, lapse, set_deadline"
        ),
    )
}

struct Fields<'a> {
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn required_str(&self, key: &str) -> Result<&'a str, Rejection> {
        match self.get(key) {
            None => Err(Rejection::new(
                Code::MissingField,
                format!("field {key:?} is missing"),
            )),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(Rejection::new(
                Code::Malformed,
                format!("field {key:?} must be a string"),
            )),
        }
    }

    /// A UUID in its one written form, hyphenated 8-4-4-4-12, so an id has one spelling.
    fn uuid(&self, key: &str) -> Result<Uuid, Rejection> {
        let text = self.required_str(key)?;
        let b = text.as_bytes();
        let hyphenated = b.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-');
        let parsed = if hyphenated {
            Uuid::try_parse(text).ok()
        } else {
            None
        };
        parsed.ok_or_else(|| {
            Rejection::new(
                Code::Malformed,
                format!("field {key:?}: {text:?} is not a hyphenated UUID (8-4-4-4-12 hex digits)"),
            )
        })
    }

    fn optional_str(&self, key: &str) -> Result<Option<&'a str>, Rejection> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.required_str(key).map(Some),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, Rejection> {
        check_text(key, self.required_str(key)?)
    }

    fn optional_text(&self, key: &str) -> Result<Option<String>, Rejection> {
        match self.optional_str(key)? {
            None => Ok(None),
            Some(text) => check_text(key, text).map(Some),
        }
    }

    fn code(&self, key: &str) -> Result<String, Rejection> {
        let text = self.required_str(key)?;
        check_code(key, text)?;
        Ok(text.to_string())
    }

    fn optional_code(&self, key: &str) -> Result<Option<String>, Rejection> {
        match self.optional_str(key)? {
            None => Ok(None),
            Some(text) => {
                check_code(key, text)?;
                Ok(Some(text.to_string()))
            }
        }
    }

    fn date(&self, key: &str) -> Result<NaiveDate, Rejection> {
        let text = self.required_str(key)?;
        money::parse_date(text)
            .map_err(|e| Rejection::new(Code::InvalidDate, format!("field {key:?}: {e}")))
    }

    fn amount(&self) -> Result<Amount, Rejection> {
        match self.get("amount") {
            None => Err(Rejection::new(
                Code::MissingField,
                "field \"amount\" is missing",
            )),
            Some(Value::String(s)) => Amount::parse(s)
                .map_err(|e| Rejection::new(Code::InvalidAmount, format!("field \"amount\": {e}"))),
            Some(other) => Err(Rejection::new(
                Code::InvalidAmount,
                format!(
                    "field \"amount\": {other} must be a JSON string of whole đồng, e.g. \"1500000\""
                ),
            )),
        }
    }

    fn plan_year(&self) -> Result<i32, Rejection> {
        let value = self
            .get("plan_year")
            .ok_or_else(|| Rejection::new(Code::MissingField, "field \"plan_year\" is missing"))?;
        let year = value
            .as_i64()
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(|| {
                Rejection::new(
                    Code::Malformed,
                    format!("field \"plan_year\": {value} is not an integer year"),
                )
            })?;
        money::check_year(year)
            .map_err(|e| Rejection::new(Code::InvalidDate, format!("field \"plan_year\": {e}")))?;
        Ok(year)
    }

    fn document(&self) -> Result<Document, Rejection> {
        let value = self.get("document").ok_or_else(|| {
            Rejection::new(
                Code::MissingField,
                "field \"document\" is missing: every money event must cite its decision, plan or voucher",
            )
        })?;
        let Value::Object(obj) = value else {
            return Err(Rejection::new(
                Code::Malformed,
                "field \"document\" must be an object {number, date, issuer?}",
            ));
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "number" | "date" | "issuer") {
                return Err(Rejection::new(
                    Code::Malformed,
                    format!("field \"document.{key}\" is not part of a document"),
                ));
            }
        }
        let inner = Fields { obj };
        let number = inner
            .required_text("number")
            .map_err(|r| prefix(r, "document."))?;
        if number.trim().is_empty() {
            return Err(Rejection::new(
                Code::MissingField,
                "field \"document.number\" is empty",
            ));
        }
        Ok(Document {
            number,
            date: inner.date("date").map_err(|r| prefix(r, "document."))?,
            issuer: inner
                .optional_text("issuer")
                .map_err(|r| prefix(r, "document."))?,
        })
    }
}

fn prefix(mut rejection: Rejection, path: &str) -> Rejection {
    rejection.message = rejection
        .message
        .replacen("field \"", &format!("field \"{path}"), 1);
    rejection
}

/// A free-text field of new input, bounded, refused with control characters, and normalised
/// (NFC, trimmed: see `core::text`). Stored records are decoded elsewhere and never pass here.
fn check_text(key: &str, text: &str) -> Result<String, Rejection> {
    // The line is at most MAX_LINE_BYTES, so normalising before counting is bounded work.
    let text = text::accept(key, text)?;
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(Rejection::new(
            Code::TooLarge,
            format!("field {key:?} has {chars} characters; the limit is {MAX_TEXT_CHARS}"),
        ));
    }
    Ok(text)
}

/// Codes: `[A-Za-z0-9._:/-]{1,128}`.
pub fn check_code(key: &str, text: &str) -> Result<(), Rejection> {
    let ok = !text.is_empty()
        && text.len() <= MAX_CODE_CHARS
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Rejection::new(
            Code::InvalidCode,
            format!(
                "field {key:?}: {text:?} is not a code of 1–{MAX_CODE_CHARS} characters from A–Z a–z 0–9 . _ : / -"
            ),
        ))
    }
}

pub use crate::core::event_json::to_json;
