//! The events of the ledger and their import format (one JSON object per line).
//!
//! `parse_line` is the single door through which outside input becomes an `Event`; every
//! refusal carries a stable `Code`. `to_json` writes the same format back (export).

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use crate::core::fields::{Fields, unknown_type};
use crate::core::money::Amount;
use crate::core::rejection::{Code, Counted, Detail, Expected, FieldFault, InputFault, Rejection};

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

/// A work (công trình) as its `open_work` registers it: its code, name, approved total
/// investment (TMĐT), investment decision, owner and site. Also what a view knows of a
/// registered work (`works_annex::Registry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Work {
    pub work: String,
    pub name: String,
    pub total_investment: Amount,
    pub decision: Document,
    pub owner: Option<String>,
    pub site: Option<String>,
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
    // The four kinds below are boxed: rare in a log, they are the largest, and an unboxed
    // `Kind` took 176 bytes in every record held (`Recorded` 328 → 272 bytes boxed).
    OpenLine(Box<LineSpec>),
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
    /// A payment. With `recovers`, a completed-volume payment of `amount` of which `recovers`
    /// is offset against earlier advances (thu hồi tạm ứng): only `amount − recovers` is cash.
    Disburse {
        line: String,
        amount: Amount,
        payee: Option<String>,
        contract: Option<String>,
        recovers: Option<Amount>,
    },
    /// Money paid back. With `advance`, an advance returned in cash.
    Refund {
        line: String,
        amount: Amount,
        advance: bool,
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
    /// Tạm ứng: paid the day it is paid (disbursed), owed back until recovered.
    Advance {
        line: String,
        amount: Amount,
        payee: Option<String>,
        contract: Option<String>,
    },
    /// Cam kết chi: a registered contract reserving the line's plan.
    Commit {
        line: String,
        contract: String,
        amount: Amount,
        payee: String,
    },
    /// A work (công trình) and its approved total investment (TMĐT).
    OpenWork(Box<Work>),
    /// Money or value mobilised for a work (huy động): beside the budget, never in it.
    Contribute {
        work: String,
        amount: Amount,
        kind: ContributionKind,
    },
    /// A decision or plan of the period (issue 16); the event's `document` is the document.
    RegisterDocument(Box<crate::core::facts::Register>),
    /// One figure of a program's indicator (issue 16); see `core::facts`.
    RecordIndicator(Box<crate::core::facts::IndicatorFact>),
}

/// What a contribution to a work is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContributionKind {
    Cash,
    InKind,
    Labour,
}

impl ContributionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContributionKind::Cash => "cash",
            ContributionKind::InKind => "in_kind",
            ContributionKind::Labour => "labour",
        }
    }
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
            Kind::Advance { .. } => "advance",
            Kind::Commit { .. } => "commit",
            Kind::OpenWork(_) => "open_work",
            Kind::Contribute { .. } => "contribute",
            Kind::RegisterDocument(_) => "register_document",
            Kind::RecordIndicator(_) => "record_indicator",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub effective_date: NaiveDate,
    pub actor: Option<String>,
    pub note: Option<String>,
    /// Present on every event but `open_line` and `open_work` (whose decision is in its kind);
    /// enforced by `parse_line` and the stored decoder.
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
    /// Value of completed volume paid for (a payment's whole amount, recovery included).
    pub completed: rust_decimal::Decimal,
    /// Advances paid and not yet recovered.
    pub advance_outstanding: rust_decimal::Decimal,
    /// Contract amounts registered (cam kết chi).
    pub committed: rust_decimal::Decimal,
    /// The unpaid part of the registered contracts: it reserves plan like a payment.
    pub commitment_outstanding: rust_decimal::Decimal,
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
            completed: Decimal::ZERO,
            advance_outstanding: Decimal::ZERO,
            committed: Decimal::ZERO,
            commitment_outstanding: Decimal::ZERO,
        }
    }

    /// What it does to `available` (plan − disbursed − carried_out − lapsed −
    /// commitment_outstanding).
    pub fn available(&self) -> rust_decimal::Decimal {
        self.plan - self.disbursed - self.carried_out - self.lapsed - self.commitment_outstanding
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
            completed: -self.completed,
            advance_outstanding: -self.advance_outstanding,
            committed: -self.committed,
            commitment_outstanding: -self.commitment_outstanding,
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
        use rust_decimal::Decimal;
        fn one(m: Movement<'_>) -> [Option<Movement<'_>>; 2] {
            [Some(m), None]
        }
        match &self.kind {
            Kind::OpenLine(_)
            | Kind::Reverse { .. }
            | Kind::SetDeadline { .. }
            | Kind::OpenWork(_)
            | Kind::Contribute { .. }
            | Kind::RegisterDocument(_)
            | Kind::RecordIndicator(_) => [None, None],
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
            Kind::Disburse {
                line,
                amount,
                contract,
                recovers,
                ..
            } => {
                let offset = recovers.as_ref().map_or(Decimal::ZERO, |r| r.value());
                let cash = amount.value() - offset;
                // Never a negative zero: it would print as "-0" once summed.
                let minus = |d: Decimal| if d.is_zero() { Decimal::ZERO } else { -d };
                one(Movement {
                    disbursed: cash,
                    completed: amount.value(),
                    advance_outstanding: minus(offset),
                    commitment_outstanding: if contract.is_some() {
                        minus(cash)
                    } else {
                        Decimal::ZERO
                    },
                    ..Movement::zero(line)
                })
            }
            // A refund names no contract: it does not reopen a contract's unpaid part.
            Kind::Refund {
                line,
                amount,
                advance,
            } => one(Movement {
                disbursed: -amount.value(),
                completed: if *advance {
                    Decimal::ZERO
                } else {
                    -amount.value()
                },
                advance_outstanding: if *advance {
                    -amount.value()
                } else {
                    Decimal::ZERO
                },
                ..Movement::zero(line)
            }),
            Kind::Advance {
                line,
                amount,
                contract,
                ..
            } => one(Movement {
                disbursed: amount.value(),
                advance_outstanding: amount.value(),
                commitment_outstanding: if contract.is_some() {
                    -amount.value()
                } else {
                    Decimal::ZERO
                },
                ..Movement::zero(line)
            }),
            Kind::Commit { line, amount, .. } => one(Movement {
                committed: amount.value(),
                commitment_outstanding: amount.value(),
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
            Kind::Reverse { .. }
            | Kind::OpenWork(_)
            | Kind::Contribute { .. }
            | Kind::RegisterDocument(_)
            | Kind::RecordIndicator(_) => Vec::new(),
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
            Counted::LineBytes.at_most(MAX_LINE_BYTES as u64, Some(text.len() as u64)),
            format!(
                "line is {} bytes; the limit is {MAX_LINE_BYTES}",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let at = InputFault::NotJson {
            line: e.line() as u64,
            column: e.column() as u64,
        };
        Rejection::new(
            Code::Malformed,
            Detail::Input(at),
            format!("not valid JSON: {e}"),
        )
    })?;
    parse_value(&value)
}

/// Parses one event given as a JSON value.
pub fn parse_value(value: &Value) -> Result<Event, Rejection> {
    let Value::Object(obj) = value else {
        return Err(Rejection::new(
            Code::Malformed,
            Detail::Input(InputFault::NotObject),
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
                Detail::field(
                    key,
                    None,
                    FieldFault::NotPartOf {
                        within: type_name.to_string(),
                    },
                ),
                format!("field {key:?} is not part of a {type_name} event"),
            ));
        }
    }
    let effective_date = fields.date("effective_date")?;
    let actor = fields.optional_text("actor")?;
    let note = fields.optional_text("note")?;
    let document = if matches!(type_name, "open_line" | "open_work") {
        None
    } else {
        Some(fields.document()?)
    };
    let kind = parse_kind(type_name, &fields)?;
    Ok(Event {
        id,
        effective_date,
        actor,
        note,
        document,
        kind,
    })
}

/// The kind of an event of `type_name` (known to `allowed_fields`) from its fields.
fn parse_kind(type_name: &str, fields: &Fields<'_>) -> Result<Kind, Rejection> {
    Ok(match type_name {
        "open_line" => Kind::OpenLine(Box::new(line_spec(fields)?)),
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
            advance: fields.optional_bool("advance")?.unwrap_or(false),
        },
        "disburse" => Kind::Disburse {
            line: fields.code("line")?,
            amount: fields.amount()?,
            payee: fields.optional_text("payee")?,
            contract: fields.optional_code("contract")?,
            recovers: fields.optional_amount("recovers")?,
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
                    Detail::field("reason", None, FieldFault::Empty),
                    "field \"reason\" is empty: a reversal must say why the target is wrong",
                ));
            }
            Kind::Reverse { target, reason }
        }
        other => return payment_kind(other, fields),
    })
}

/// The kinds of issue 13 (payments, works).
fn payment_kind(type_name: &str, fields: &Fields<'_>) -> Result<Kind, Rejection> {
    Ok(match type_name {
        "advance" => Kind::Advance {
            line: fields.code("line")?,
            amount: fields.amount()?,
            payee: fields.optional_text("payee")?,
            contract: fields.optional_code("contract")?,
        },
        "commit" => Kind::Commit {
            line: fields.code("line")?,
            contract: fields.code("contract")?,
            amount: fields.amount()?,
            payee: fields.required_text("payee")?,
        },
        "open_work" => Kind::OpenWork(Box::new(Work {
            work: fields.required_text("work")?,
            name: fields.required_text("name")?,
            total_investment: fields.required_amount("total_investment")?,
            decision: fields.document_at("decision")?,
            owner: fields.optional_text("owner")?,
            site: fields.optional_text("site")?,
        })),
        "contribute" => Kind::Contribute {
            work: fields.required_text("work")?,
            amount: fields.amount()?,
            kind: match fields.required_str("kind")? {
                "cash" => ContributionKind::Cash,
                "in_kind" => ContributionKind::InKind,
                "labour" => ContributionKind::Labour,
                other => {
                    return Err(Rejection::new(
                        Code::Malformed,
                        Detail::expected(
                            "kind",
                            other,
                            Expected::OneOf(&["cash", "in_kind", "labour"]),
                        ),
                        format!(
                            "field \"kind\": {other:?} is not \"cash\", \"in_kind\" or \"labour\""
                        ),
                    ));
                }
            },
        },
        other => {
            return crate::core::facts::parse_kind(other, fields)
                .unwrap_or_else(|| Err(unknown_type(other)));
        }
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
                    Detail::expected(
                        "capital",
                        other,
                        Expected::OneOf(&["investment", "recurrent"]),
                    ),
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
                    Detail::expected(
                        "origin",
                        other,
                        Expected::OneOf(&["in_year", "carried_over", "extended"]),
                    ),
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
        "allocate" | "reduce" | "lapse" => &["line", "amount", "document"],
        "refund" => &["line", "amount", "advance", "document"],
        "set_deadline" => &["line", "deadline", "document"],
        "transfer" | "carry_over" => &["from", "to", "amount", "document"],
        "disburse" => &[
            "line", "amount", "payee", "contract", "recovers", "document",
        ],
        "advance" => &["line", "amount", "payee", "contract", "document"],
        "commit" => &["line", "contract", "amount", "payee", "document"],
        "open_work" => &[
            "work",
            "total_investment",
            "name",
            "decision",
            "owner",
            "site",
        ],
        "contribute" => &["work", "amount", "kind", "document"],
        "reverse" => &["target", "reason", "document"],
        other => return crate::core::facts::allowed_fields(other),
    })
}

pub use crate::core::event_json::to_json;
pub use crate::core::fields::check_code;
