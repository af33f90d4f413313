//! The stored form of a recorded event: a format-version byte, then bincode (standard config)
//! of a frozen per-version struct.
//!
//! The `*V1` types below are the on-disk format of version 1, the `*V2` types that of version 2
//! (the budget year, issue 12: the rules version that accepted the event, and the `lapse` and
//! `set_deadline` kinds). They are frozen: never reorder, rename the type of, add or remove a
//! field or enum variant. A new format gets new types and a new version byte; old versions keep
//! decoding (upcast on read, never rewritten): a version-1 record upcasts to version 2 as
//! accepted by rules version 1. `replay-fixtures/format-v1` and `legacy-rules-v1` pin it.
//!
//! How upcasting works. `decode` dispatches on the version byte; each `decode_vN` turns its
//! frozen `RecordVN` into the current in-memory `Recorded` — that conversion *is* the upcast
//! (e.g. a field V1 lacks gets the default the new rules give it). `encode` writes only the
//! newest version. Stored bytes are never re-encoded: the chain hash covers them, so a log holds
//! a mix of versions for ever, each read through its own `decode_vN`, and copies (backup,
//! recover) move the bytes verbatim. To add version 2: add `RecordV2`… and `FORMAT_V2`, make
//! `encode` write V2, add a `FORMAT_V2 => decode_v2(body)` arm, keep `decode_v1` untouched, and
//! keep `replay-fixtures/format-v1` passing (`tests/format.rs`); then freeze a `format-v2`
//! fixture the same way.
//!
//! Version 3 (payments, issue 13) lives in `envelope_v3`: its writer is the only one, and
//! versions 1 and 2 decode through the same `Frame` into the same events as before.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::core::event::{Capital, Document, Event, Kind, LineSpec, Origin};
use crate::core::money::Amount;
use crate::core::rule_data::{self, RULES_V1};
use crate::core::rules::Recorded;
use crate::storage::envelope_v3;

pub const FORMAT_V1: u8 = 1;
/// Version 2 (budget year): the rules version that accepted the event, and two new kinds.
/// Every event of a version-1 record was accepted by rules version 1.
pub const FORMAT_V2: u8 = 2;
/// Version 3 (payments): advances, commitments, works, contributions (`envelope_v3`).
pub const FORMAT_V3: u8 = 3;
/// Upper bound on one decoded record; protects the decoder from corrupted length prefixes.
const MAX_RECORD_BYTES: usize = 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct RecordV1 {
    seq: u64,
    /// Microseconds since the Unix epoch, UTC.
    recorded_at_micros: i64,
    id: [u8; 16],
    /// Days since 0001-01-01 (chrono's `num_days_from_ce`).
    effective_date: i32,
    actor: Option<String>,
    note: Option<String>,
    document: Option<DocumentV1>,
    kind: KindV1,
}

#[derive(Serialize, Deserialize)]
pub(super) struct DocumentV1 {
    pub(super) number: String,
    pub(super) date: i32,
    pub(super) issuer: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct LineV1 {
    line: String,
    program: String,
    project: Option<String>,
    subproject: Option<String>,
    /// 0 investment, 1 recurrent.
    capital: u8,
    source: String,
    plan_year: i32,
    /// 0 in_year, 1 carried_over, 2 extended.
    origin: u8,
    work: Option<String>,
    name: Option<String>,
}

/// Variant order is part of the format (bincode writes the index).
#[derive(Serialize, Deserialize)]
enum KindV1 {
    OpenLine(LineV1),
    Allocate {
        line: String,
        amount: Decimal,
    },
    Reduce {
        line: String,
        amount: Decimal,
    },
    Transfer {
        from: String,
        to: String,
        amount: Decimal,
    },
    CarryOver {
        from: String,
        to: String,
        amount: Decimal,
    },
    Disburse {
        line: String,
        amount: Decimal,
        payee: Option<String>,
    },
    Refund {
        line: String,
        amount: Decimal,
    },
    Reverse {
        target: [u8; 16],
        reason: String,
    },
}

/// Format version 2: version 1's fields in the same order, `kind` of `KindV2`, then the
/// version of the rules that accepted the event. Frozen like `RecordV1`.
#[derive(Serialize, Deserialize)]
struct RecordV2 {
    seq: u64,
    recorded_at_micros: i64,
    id: [u8; 16],
    effective_date: i32,
    actor: Option<String>,
    note: Option<String>,
    document: Option<DocumentV1>,
    kind: KindV2,
    rules: u16,
}

/// `KindV1`'s variants in the same order, then the budget year's. Frozen: append only.
#[derive(Serialize, Deserialize)]
pub(super) enum KindV2 {
    OpenLine(LineV1),
    Allocate {
        line: String,
        amount: Decimal,
    },
    Reduce {
        line: String,
        amount: Decimal,
    },
    Transfer {
        from: String,
        to: String,
        amount: Decimal,
    },
    CarryOver {
        from: String,
        to: String,
        amount: Decimal,
    },
    Disburse {
        line: String,
        amount: Decimal,
        payee: Option<String>,
    },
    Refund {
        line: String,
        amount: Decimal,
    },
    Reverse {
        target: [u8; 16],
        reason: String,
    },
    Lapse {
        line: String,
        amount: Decimal,
    },
    SetDeadline {
        line: String,
        /// Days since 0001-01-01.
        deadline: i32,
    },
}

/// The upcast of a version-1 kind: the same variant of version 2.
impl From<KindV1> for KindV2 {
    fn from(kind: KindV1) -> KindV2 {
        match kind {
            KindV1::OpenLine(l) => KindV2::OpenLine(l),
            KindV1::Allocate { line, amount } => KindV2::Allocate { line, amount },
            KindV1::Reduce { line, amount } => KindV2::Reduce { line, amount },
            KindV1::Transfer { from, to, amount } => KindV2::Transfer { from, to, amount },
            KindV1::CarryOver { from, to, amount } => KindV2::CarryOver { from, to, amount },
            KindV1::Disburse {
                line,
                amount,
                payee,
            } => KindV2::Disburse {
                line,
                amount,
                payee,
            },
            KindV1::Refund { line, amount } => KindV2::Refund { line, amount },
            KindV1::Reverse { target, reason } => KindV2::Reverse { target, reason },
        }
    }
}

pub(super) fn days(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

pub(super) fn date(days: i32) -> Result<NaiveDate, String> {
    NaiveDate::from_num_days_from_ce_opt(days)
        .ok_or_else(|| format!("stored date {days} is out of range"))
}

pub(super) fn amount(value: Decimal) -> Result<Amount, String> {
    Amount::from_decimal(value).map_err(|e| format!("stored {e}"))
}

/// The stored form of a line declaration.
pub(super) fn line_v1(s: &LineSpec) -> LineV1 {
    LineV1 {
        line: s.line.clone(),
        program: s.program.clone(),
        project: s.project.clone(),
        subproject: s.subproject.clone(),
        capital: match s.capital {
            Capital::Investment => 0,
            Capital::Recurrent => 1,
        },
        source: s.source.clone(),
        plan_year: s.plan_year,
        origin: match s.origin {
            Origin::InYear => 0,
            Origin::CarriedOver => 1,
            Origin::Extended => 2,
        },
        work: s.work.clone(),
        name: s.name.clone(),
    }
}

/// Encodes a record as format version 3 (the newest; see `envelope_v3` for why always).
pub fn encode(recorded: &Recorded) -> Result<Vec<u8>, String> {
    let record = envelope_v3::record_v3(recorded);
    let mut bytes = vec![FORMAT_V3];
    let body = bincode::serde::encode_to_vec(&record, bincode::config::standard())
        .map_err(|e| format!("cannot encode record: {e}"))?;
    bytes.extend_from_slice(&body);
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "record is {} bytes; the limit is {MAX_RECORD_BYTES}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Decodes stored bytes of any known format version. Never panics on bad bytes.
pub fn decode(bytes: &[u8]) -> Result<Recorded, String> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err("empty record".to_string());
    };
    match version {
        FORMAT_V1 => decode_v1(body),
        FORMAT_V2 => decode_v2(body),
        FORMAT_V3 => assemble(envelope_v3::decode_v3(decode_body(body)?)?),
        other => Err(format!("unknown record format version {other}")),
    }
}

fn check_len(body: &[u8]) -> Result<(), String> {
    if body.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "record is {} bytes; the limit is {MAX_RECORD_BYTES}",
            body.len()
        ));
    }
    Ok(())
}

fn decode_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    check_len(body)?;
    let config = bincode::config::standard().with_limit::<MAX_RECORD_BYTES>();
    let (record, used): (T, usize) = bincode::serde::decode_from_slice(body, config)
        .map_err(|e| format!("cannot decode record: {e}"))?;
    if used != body.len() {
        return Err(format!(
            "record has {} trailing bytes",
            body.len().saturating_sub(used)
        ));
    }
    Ok(record)
}

/// Version 1: upcast to version 2, accepted by rules version 1.
fn decode_v1(body: &[u8]) -> Result<Recorded, String> {
    let r: RecordV1 = decode_body(body)?;
    upcast(RecordV2 {
        seq: r.seq,
        recorded_at_micros: r.recorded_at_micros,
        id: r.id,
        effective_date: r.effective_date,
        actor: r.actor,
        note: r.note,
        document: r.document,
        kind: r.kind.into(),
        rules: RULES_V1,
    })
}

fn decode_v2(body: &[u8]) -> Result<Recorded, String> {
    upcast(decode_body(body)?)
}

/// A stored line declaration as the in-memory spec.
pub(super) fn line_of(l: LineV1) -> Result<LineSpec, String> {
    Ok(LineSpec {
        line: l.line,
        program: l.program,
        project: l.project,
        subproject: l.subproject,
        capital: match l.capital {
            0 => Capital::Investment,
            1 => Capital::Recurrent,
            other => return Err(format!("unknown stored capital {other}")),
        },
        source: l.source,
        plan_year: l.plan_year,
        origin: match l.origin {
            0 => Origin::InYear,
            1 => Origin::CarriedOver,
            2 => Origin::Extended,
            other => return Err(format!("unknown stored origin {other}")),
        },
        work: l.work,
        name: l.name,
    })
}

pub(super) fn document_of(d: DocumentV1) -> Result<Document, String> {
    Ok(Document {
        number: d.number,
        date: date(d.date)?,
        issuer: d.issuer,
    })
}

/// A decoded record of any version, its kind already in memory: what `assemble` checks and
/// finishes into a `Recorded`.
pub(super) struct Frame {
    pub(super) seq: u64,
    pub(super) recorded_at_micros: i64,
    pub(super) id: [u8; 16],
    pub(super) effective_date: i32,
    pub(super) actor: Option<String>,
    pub(super) note: Option<String>,
    pub(super) document: Option<DocumentV1>,
    pub(super) kind: Kind,
    pub(super) rules: u16,
}

/// The current in-memory record of a version-2 record (version 1 upcasts to it; it upcasts
/// to version 3's kind, whose conversion is the one to memory).
fn upcast(record: RecordV2) -> Result<Recorded, String> {
    assemble(Frame {
        seq: record.seq,
        recorded_at_micros: record.recorded_at_micros,
        id: record.id,
        effective_date: record.effective_date,
        actor: record.actor,
        note: record.note,
        document: record.document,
        kind: envelope_v3::kind_of(record.kind.into())?,
        rules: record.rules,
    })
}

/// Checks what every version shares and builds the in-memory record.
fn assemble(record: Frame) -> Result<Recorded, String> {
    let kind = record.kind;
    if !rule_data::knows_kind(record.rules, &kind) {
        return Err("stored event is of a type its rules version does not know".to_string());
    }
    let no_document = matches!(kind, Kind::OpenLine(_) | Kind::OpenWork { .. });
    let document = record.document.map(document_of).transpose()?;
    if no_document == document.is_some() {
        return Err("stored document presence does not match the event type".to_string());
    }
    let recorded_at = DateTime::<Utc>::from_timestamp_micros(record.recorded_at_micros)
        .ok_or_else(|| format!("stored time {} is out of range", record.recorded_at_micros))?;
    Ok(Recorded {
        seq: record.seq,
        recorded_at,
        event: Event {
            id: Uuid::from_bytes(record.id),
            effective_date: date(record.effective_date)?,
            actor: record.actor,
            note: record.note,
            document,
            kind,
        },
        rules: record.rules,
    })
}
