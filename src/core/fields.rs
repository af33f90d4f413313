//! The typed fields of one import-format object: the checks every event field passes
//! (bounded text, codes, dates, whole-đồng amounts, documents), each refusal with a stable code
//! naming the field.

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::core::event::{Document, MAX_CODE_CHARS, MAX_TEXT_CHARS};
use crate::core::money::{self, Amount};
use crate::core::rejection::{Code, Detail, Expected, FieldFault, Rejection};
use crate::core::text;

/// The refusal of a required field the object does not hold.
fn missing(key: &str) -> Rejection {
    Rejection::new(
        Code::MissingField,
        Detail::missing(key),
        format!("field {key:?} is missing"),
    )
}

pub(crate) struct Fields<'a> {
    pub(crate) obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub(crate) fn required_str(&self, key: &str) -> Result<&'a str, Rejection> {
        match self.get(key) {
            None => Err(missing(key)),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(Rejection::new(
                Code::Malformed,
                Detail::expected(key, other, Expected::Text),
                format!("field {key:?} must be a string"),
            )),
        }
    }

    /// A UUID in its one written form, hyphenated 8-4-4-4-12, so an id has one spelling.
    pub(crate) fn uuid(&self, key: &str) -> Result<Uuid, Rejection> {
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
                Detail::expected(key, text, Expected::Uuid),
                format!("field {key:?}: {text:?} is not a hyphenated UUID (8-4-4-4-12 hex digits)"),
            )
        })
    }

    pub(crate) fn optional_str(&self, key: &str) -> Result<Option<&'a str>, Rejection> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.required_str(key).map(Some),
        }
    }

    pub(crate) fn required_text(&self, key: &str) -> Result<String, Rejection> {
        check_text(key, self.required_str(key)?)
    }

    pub(crate) fn optional_text(&self, key: &str) -> Result<Option<String>, Rejection> {
        match self.optional_str(key)? {
            None => Ok(None),
            Some(text) => check_text(key, text).map(Some),
        }
    }

    pub(crate) fn code(&self, key: &str) -> Result<String, Rejection> {
        let text = self.required_str(key)?;
        check_code(key, text)?;
        Ok(text.to_string())
    }

    pub(crate) fn optional_code(&self, key: &str) -> Result<Option<String>, Rejection> {
        match self.optional_str(key)? {
            None => Ok(None),
            Some(text) => {
                check_code(key, text)?;
                Ok(Some(text.to_string()))
            }
        }
    }

    pub(crate) fn date(&self, key: &str) -> Result<NaiveDate, Rejection> {
        let text = self.required_str(key)?;
        money::parse_date(text).map_err(|e| {
            Rejection::new(
                Code::InvalidDate,
                Detail::expected(key, text, Expected::Date),
                format!("field {key:?}: {e}"),
            )
        })
    }

    pub(crate) fn amount(&self) -> Result<Amount, Rejection> {
        self.required_amount("amount")
    }

    /// A positive whole-đồng amount written as a JSON string.
    pub(crate) fn required_amount(&self, key: &str) -> Result<Amount, Rejection> {
        match self.get(key) {
            None => Err(missing(key)),
            Some(Value::String(s)) => Amount::parse(s).map_err(|e| {
                Rejection::new(
                    Code::InvalidAmount,
                    Detail::expected(key, s, Expected::WholeDong),
                    format!("field {key:?}: {e}"),
                )
            }),
            Some(other) => Err(Rejection::new(
                Code::InvalidAmount,
                Detail::expected(key, other, Expected::WholeDong),
                format!(
                    "field {key:?}: {other} must be a JSON string of whole đồng, e.g. \"1500000\""
                ),
            )),
        }
    }

    pub(crate) fn optional_amount(&self, key: &str) -> Result<Option<Amount>, Rejection> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.required_amount(key).map(Some),
        }
    }

    pub(crate) fn optional_bool(&self, key: &str) -> Result<Option<bool>, Rejection> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(Rejection::new(
                Code::Malformed,
                Detail::expected(key, other, Expected::Bool),
                format!("field {key:?}: {other} must be true or false"),
            )),
        }
    }

    pub(crate) fn plan_year(&self) -> Result<i32, Rejection> {
        let value = self.get("plan_year").ok_or_else(|| {
            Rejection::new(
                Code::MissingField,
                Detail::missing("plan_year"),
                "field \"plan_year\" is missing",
            )
        })?;
        let year = value
            .as_i64()
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(|| {
                Rejection::new(
                    Code::Malformed,
                    Detail::expected("plan_year", value, Expected::Year),
                    format!("field \"plan_year\": {value} is not an integer year"),
                )
            })?;
        money::check_year(year).map_err(|e| {
            Rejection::new(
                Code::InvalidDate,
                Detail::expected("plan_year", year, Expected::Year),
                format!("field \"plan_year\": {e}"),
            )
        })?;
        Ok(year)
    }

    pub(crate) fn document(&self) -> Result<Document, Rejection> {
        self.document_at("document")
    }

    /// A document object {number, date, issuer?} under `key`.
    pub(crate) fn document_at(&self, key: &str) -> Result<Document, Rejection> {
        let value = self.get(key).ok_or_else(|| {
            Rejection::new(
                Code::MissingField,
                Detail::missing(key),
                format!("field {key:?} is missing: every money event must cite its decision, plan or voucher"),
            )
        })?;
        let Value::Object(obj) = value else {
            return Err(Rejection::new(
                Code::Malformed,
                Detail::expected(key, value, Expected::Document),
                format!("field {key:?} must be an object {{number, date, issuer?}}"),
            ));
        };
        for inner in obj.keys() {
            if !matches!(inner.as_str(), "number" | "date" | "issuer") {
                return Err(Rejection::new(
                    Code::Malformed,
                    Detail::field(
                        &format!("{key}.{inner}"),
                        None,
                        FieldFault::NotPartOf {
                            within: "document".into(),
                        },
                    ),
                    format!("field \"{key}.{inner}\" is not part of a document"),
                ));
            }
        }
        let inner = Fields { obj };
        let path = format!("{key}.");
        let number = inner
            .required_text("number")
            .map_err(|r| prefix(r, &path))?;
        if number.trim().is_empty() {
            return Err(Rejection::new(
                Code::MissingField,
                Detail::field(&format!("{key}.number"), None, FieldFault::Empty),
                format!("field \"{key}.number\" is empty"),
            ));
        }
        Ok(Document {
            number,
            date: inner.date("date").map_err(|r| prefix(r, &path))?,
            issuer: inner
                .optional_text("issuer")
                .map_err(|r| prefix(r, &path))?,
        })
    }
}

pub(crate) fn prefix(mut rejection: Rejection, path: &str) -> Rejection {
    rejection.message = rejection
        .message
        .replacen("field \"", &format!("field \"{path}"), 1);
    if let Detail::Field { key, .. } = rejection.detail.as_mut() {
        key.insert_str(0, path);
    }
    rejection
}

/// A free-text field of new input, bounded, refused with control characters, and normalised
/// (NFC, trimmed: see `core::text`). Stored records are decoded elsewhere and never pass here.
pub(crate) fn check_text(key: &str, text: &str) -> Result<String, Rejection> {
    // The line is at most MAX_LINE_BYTES, so normalising before counting is bounded work.
    let text = text::accept(key, text)?;
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(Rejection::new(
            Code::TooLarge,
            Detail::field(
                key,
                None,
                FieldFault::TooLong {
                    max: MAX_TEXT_CHARS as u64,
                    found: chars as u64,
                },
            ),
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
            Detail::expected(
                key,
                text,
                Expected::Code {
                    max: MAX_CODE_CHARS as u64,
                },
            ),
            format!(
                "field {key:?}: {text:?} is not a code of 1–{MAX_CODE_CHARS} characters from A–Z a–z 0–9 . _ : / -"
            ),
        ))
    }
}

/// A type no version of the import format knows.
pub(crate) fn unknown_type(type_name: &str) -> Rejection {
    Rejection::new(
        Code::UnknownType,
        Detail::Type {
            found: type_name.to_string(),
            rules_version: None,
        },
        format!(
            "type {type_name:?} is not one of open_line, allocate, reduce, transfer, carry_over, disburse, refund, reverse, lapse, set_deadline, advance, commit, open_work, contribute, register_document, record_indicator"
        ),
    )
}
