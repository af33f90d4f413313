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
//! versions 1 and 2 decode through the same `RecordV2<Kind>` frame into the same events as
//! before.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::core::event::{Capital, Document, Event, Kind, LineSpec, Origin};
use crate::core::money::Amount;
use crate::core::rule_data::{self, RULES_V1};
use crate::core::rules::Recorded;
use crate::storage::envelope_v3::{self, KindV3, kind_of};

pub const FORMAT_V1: u8 = 1;
/// Version 2 (budget year): the rules version that accepted the event, and two new kinds.
/// Every event of a version-1 record was accepted by rules version 1.
pub const FORMAT_V2: u8 = 2;
/// Version 3 (payments): advances, commitments, works, contributions (`envelope_v3`).
pub const FORMAT_V3: u8 = 3;
/// Upper bound on one decoded record; protects the decoder from corrupted length prefixes.
const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// The fields of a version-1 record around its kind: version 1 stores `RecordV1<KindV2>`.
/// Frozen: never reorder, add or remove a field.
#[derive(Serialize, Deserialize)]
pub(super) struct RecordV1<K> {
    pub(super) seq: u64,
    /// Microseconds since the Unix epoch, UTC.
    pub(super) recorded_at_micros: i64,
    pub(super) id: [u8; 16],
    /// Days since 0001-01-01 (chrono's `num_days_from_ce`).
    pub(super) effective_date: i32,
    pub(super) actor: Option<String>,
    pub(super) note: Option<String>,
    pub(super) document: Option<DocumentV1>,
    pub(super) kind: K,
}

/// Format version 2: version 1's fields in the same order, then the version of the rules that
/// accepted the event. Version 2 stores `RecordV2<KindV2>`, version 3 `RecordV2<KindV3>`, and
/// a decoded record of any version is a `RecordV2<Kind>` (the frame `assemble` finishes).
/// bincode writes a nested struct's fields in place, with no prefix, so this is byte for byte
/// the flat record of nine fields that version 2 always wrote (`tests/payments_format.rs`
/// writes it through a flat mirror). Frozen like `RecordV1`.
#[derive(Serialize, Deserialize)]
pub(super) struct RecordV2<K> {
    pub(super) v1: RecordV1<K>,
    pub(super) rules: u16,
}

impl<K> RecordV2<K> {
    /// The same record with its kind converted (an upcast, or the decoding into memory).
    pub(super) fn map_kind<L>(
        self,
        convert: impl FnOnce(K) -> Result<L, String>,
    ) -> Result<RecordV2<L>, String> {
        let r = self.v1;
        Ok(RecordV2 {
            v1: RecordV1 {
                seq: r.seq,
                recorded_at_micros: r.recorded_at_micros,
                id: r.id,
                effective_date: r.effective_date,
                actor: r.actor,
                note: r.note,
                document: r.document,
                kind: convert(r.kind)?,
            },
            rules: self.rules,
        })
    }
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

// The payloads that the kinds of versions 1, 2 and 3 share. bincode writes a struct variant
// `Allocate { line, amount }` as the variant index then the fields in order, and a newtype
// variant `Allocate(LineAmountV1)` as the variant index then the struct's fields in order: the
// same bytes, so the versions can name one frozen type instead of spelling each variant again
// (`tests/envelope_bytes.rs` pins version 3's bytes, `payments_format.rs` version 2's,
// `format.rs` version 1's). Sharing is safe only because each of these types, like every
// version using it, is frozen for ever: never change one; a new shape is a new type.

/// A line and an amount: allocate, reduce, lapse, and the refund of versions 1 and 2.
#[derive(Serialize, Deserialize)]
pub(super) struct LineAmountV1 {
    line: String,
    amount: Decimal,
}

/// Money moved between two lines: transfer and carry-over.
#[derive(Serialize, Deserialize)]
pub(super) struct MoveV1 {
    from: String,
    to: String,
    amount: Decimal,
}

/// The disbursement of versions 1 and 2 (version 3 adds a contract and a recovery).
#[derive(Serialize, Deserialize)]
pub(super) struct DisburseV1 {
    line: String,
    amount: Decimal,
    payee: Option<String>,
}

/// A reversal: the reversed event's id and why.
#[derive(Serialize, Deserialize)]
pub(super) struct ReverseV1 {
    target: [u8; 16],
    reason: String,
}

/// A line's disbursement deadline (version 2 on).
#[derive(Serialize, Deserialize)]
pub(super) struct DeadlineV2 {
    line: String,
    /// Days since 0001-01-01.
    deadline: i32,
}

impl LineAmountV1 {
    pub(super) fn of(line: String, amount: Amount) -> LineAmountV1 {
        let amount = amount.value();
        LineAmountV1 { line, amount }
    }

    /// The in-memory kind `make` builds of the line and the checked amount.
    pub(super) fn into_kind(self, make: fn(String, Amount) -> Kind) -> Result<Kind, String> {
        Ok(make(self.line, amount(self.amount)?))
    }
}

impl LineAmountV1 {
    /// Version 3's refund of a version-1/2 one: not an advance returned.
    pub(super) fn refund_v3(self) -> KindV3 {
        let (line, amount) = (self.line, self.amount);
        KindV3::Refund {
            line,
            amount,
            advance: false,
        }
    }
}

impl DisburseV1 {
    /// Version 3's disbursement of a version-1/2 one: no contract, nothing recovered.
    pub(super) fn disburse_v3(self) -> KindV3 {
        KindV3::Disburse {
            line: self.line,
            amount: self.amount,
            payee: self.payee,
            contract: None,
            recovers: None,
        }
    }
}

impl MoveV1 {
    pub(super) fn of(from: String, to: String, amount: Amount) -> MoveV1 {
        let amount = amount.value();
        MoveV1 { from, to, amount }
    }

    /// The in-memory kind `make` builds of both lines and the checked amount.
    pub(super) fn into_kind(
        self,
        make: fn(String, String, Amount) -> Kind,
    ) -> Result<Kind, String> {
        Ok(make(self.from, self.to, amount(self.amount)?))
    }
}

impl ReverseV1 {
    pub(super) fn of(target: Uuid, reason: String) -> ReverseV1 {
        let target = *target.as_bytes();
        ReverseV1 { target, reason }
    }

    pub(super) fn into_kind(self) -> Kind {
        let target = Uuid::from_bytes(self.target);
        Kind::Reverse {
            target,
            reason: self.reason,
        }
    }
}

impl DeadlineV2 {
    pub(super) fn of(line: String, deadline: NaiveDate) -> DeadlineV2 {
        let deadline = days(deadline);
        DeadlineV2 { line, deadline }
    }

    pub(super) fn into_kind(self) -> Result<Kind, String> {
        let deadline = date(self.deadline)?;
        Ok(Kind::SetDeadline {
            line: self.line,
            deadline,
        })
    }
}

/// The kinds of versions 1 and 2. Variant order is part of the format (bincode writes the
/// index). Version 1 wrote the first eight, with these payloads; version 2 appended the budget
/// year's `Lapse` and `SetDeadline`. A version-1 record decodes with this enum too (it once had
/// its own `KindV1`, the first eight variants spelled again): a version-1 record claiming one of
/// the last two is refused by `assemble`, as every kind its rules version does not know.
/// Frozen: append only.
#[derive(Serialize, Deserialize)]
pub(super) enum KindV2 {
    OpenLine(LineV1),
    Allocate(LineAmountV1),
    Reduce(LineAmountV1),
    Transfer(MoveV1),
    CarryOver(MoveV1),
    Disburse(DisburseV1),
    Refund(LineAmountV1),
    Reverse(ReverseV1),
    Lapse(LineAmountV1),
    SetDeadline(DeadlineV2),
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
    check_len(&bytes)?;
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
        FORMAT_V3 => assemble(decode_body::<RecordV2<KindV3>>(body)?.map_kind(kind_of)?),
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
    let v1: RecordV1<KindV2> = decode_body(body)?;
    let rules = RULES_V1;
    upcast(RecordV2 { v1, rules })
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

pub(super) fn document_v1(d: &Document) -> DocumentV1 {
    DocumentV1 {
        number: d.number.clone(),
        date: days(d.date),
        issuer: d.issuer.clone(),
    }
}

pub(super) fn document_of(d: DocumentV1) -> Result<Document, String> {
    Ok(Document {
        number: d.number,
        date: date(d.date)?,
        issuer: d.issuer,
    })
}

/// The current in-memory record of a version-2 record (version 1 upcasts to it; it upcasts
/// to version 3's kind, whose conversion is the one to memory).
fn upcast(record: RecordV2<KindV2>) -> Result<Recorded, String> {
    assemble(record.map_kind(|k| kind_of(k.into()))?)
}

/// Checks what every version shares and builds the in-memory record.
fn assemble(record: RecordV2<Kind>) -> Result<Recorded, String> {
    let rules = record.rules;
    let record = record.v1;
    let kind = record.kind;
    if !rule_data::knows_kind(rules, &kind) {
        return Err("stored event is of a type its rules version does not know".to_string());
    }
    let no_document = matches!(kind, Kind::OpenLine(_) | Kind::OpenWork(_));
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
        rules,
    })
}
