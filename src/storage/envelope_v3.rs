//! Format version 3 of the stored envelope (payments, issue 13): the `advance`, `commit`,
//! `open_work` and `contribute` kinds, and a payment's contract and recovery, a refund's
//! advance flag. Frozen like the types of `envelope`: append only, never reorder. Issue 16
//! appended `register_document` and `record_indicator` (rules version 4) at the end of
//! `KindV3`: the format byte stays 3 because no earlier record changes meaning; an older
//! socai refuses such a record loudly (unknown variant) rather than misreading it.
//!
//! Every new record is written as version 3, whatever its kind. One writer means one path that
//! every test exercises (a "version 2 unless needed" writer would leave version 3 to the
//! payment tests only, and would double the places where a new field can be forgotten); old
//! records are never re-encoded (the chain hash covers them), so old stores keep their bytes
//! and their outputs. A version-3 record carries the rules version like version 2; the decoder
//! refuses (in `envelope::assemble`, for every version) a kind recorded under rules that did
//! not know it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::core::event::{ContributionKind, Kind, Work};
use crate::core::facts::{Figure, IndicatorFact, Register};
use crate::core::rules::Recorded;
use crate::storage::envelope::{
    DeadlineV2, DocumentV1, KindV2, LineAmountV1, LineV1, MoveV1, RecordV1, RecordV2, ReverseV1,
    amount, days, document_of, document_v1, line_of, line_v1,
};

/// `KindV2`'s variants in the same order (`Disburse` and `Refund` with their new fields), then
/// the payments'. Frozen: append only. A version-3 record is a `RecordV2<KindV3>`.
#[derive(Serialize, Deserialize)]
pub(super) enum KindV3 {
    OpenLine(LineV1),
    Allocate(LineAmountV1),
    Reduce(LineAmountV1),
    Transfer(MoveV1),
    CarryOver(MoveV1),
    Disburse {
        line: String,
        amount: Decimal,
        payee: Option<String>,
        contract: Option<String>,
        recovers: Option<Decimal>,
    },
    Refund {
        line: String,
        amount: Decimal,
        advance: bool,
    },
    Reverse(ReverseV1),
    Lapse(LineAmountV1),
    SetDeadline(DeadlineV2),
    Advance {
        line: String,
        amount: Decimal,
        payee: Option<String>,
        contract: Option<String>,
    },
    Commit {
        line: String,
        contract: String,
        amount: Decimal,
        payee: String,
    },
    OpenWork {
        work: String,
        name: String,
        total_investment: Decimal,
        decision: DocumentV1,
        owner: Option<String>,
        site: Option<String>,
    },
    Contribute {
        work: String,
        amount: Decimal,
        /// 0 cash, 1 in kind, 2 labour.
        kind: u8,
    },
    /// Appended for rules version 4 (issue 16): bincode writes the variant index, so the
    /// indices above keep their meaning and every earlier record decodes as before; a record
    /// of these variants is refused unless its rules version is 4 or later (`assemble`).
    RegisterDocument {
        form: String,
        subject: String,
        program: Option<String>,
        amends: Option<String>,
    },
    RecordIndicator {
        indicator: String,
        period: String,
        figure: FigureV3,
        numerator: Option<Decimal>,
        denominator: Option<Decimal>,
        unit: String,
        target: Option<Decimal>,
        above: bool,
    },
}

/// A recorded indicator's figure. Frozen: append only.
#[derive(Serialize, Deserialize)]
pub(super) enum FigureV3 {
    Number(Decimal),
    Met(bool),
}

fn kind_v3(kind: &Kind) -> KindV3 {
    match kind.clone() {
        Kind::OpenLine(s) => KindV3::OpenLine(line_v1(&s)),
        Kind::Allocate { line, amount } => KindV3::Allocate(LineAmountV1::of(line, amount)),
        Kind::Reduce { line, amount } => KindV3::Reduce(LineAmountV1::of(line, amount)),
        Kind::Transfer { from, to, amount } => KindV3::Transfer(MoveV1::of(from, to, amount)),
        Kind::CarryOver { from, to, amount } => KindV3::CarryOver(MoveV1::of(from, to, amount)),
        Kind::Disburse {
            line,
            amount,
            payee,
            contract,
            recovers,
        } => KindV3::Disburse {
            line,
            amount: amount.value(),
            payee,
            contract,
            recovers: recovers.map(|r| r.value()),
        },
        Kind::Refund {
            line,
            amount,
            advance,
        } => KindV3::Refund {
            line,
            amount: amount.value(),
            advance,
        },
        Kind::Reverse { target, reason } => KindV3::Reverse(ReverseV1::of(target, reason)),
        Kind::Lapse { line, amount } => KindV3::Lapse(LineAmountV1::of(line, amount)),
        Kind::SetDeadline { line, deadline } => KindV3::SetDeadline(DeadlineV2::of(line, deadline)),
        Kind::Advance {
            line,
            amount,
            payee,
            contract,
        } => KindV3::Advance {
            line,
            amount: amount.value(),
            payee,
            contract,
        },
        Kind::Commit {
            line,
            contract,
            amount,
            payee,
        } => KindV3::Commit {
            line,
            contract,
            amount: amount.value(),
            payee,
        },
        Kind::OpenWork(w) => KindV3::OpenWork {
            work: w.work,
            name: w.name,
            total_investment: w.total_investment.value(),
            decision: document_v1(&w.decision),
            owner: w.owner,
            site: w.site,
        },
        Kind::Contribute { work, amount, kind } => KindV3::Contribute {
            work,
            amount: amount.value(),
            kind: match kind {
                ContributionKind::Cash => 0,
                ContributionKind::InKind => 1,
                ContributionKind::Labour => 2,
            },
        },
        facts @ (Kind::RegisterDocument(_) | Kind::RecordIndicator(_)) => facts_v3(facts),
    }
}

/// The stored form of the kinds of rules version 4 (issue 16).
fn facts_v3(kind: Kind) -> KindV3 {
    match kind {
        Kind::RegisterDocument(r) => KindV3::RegisterDocument {
            form: r.form,
            subject: r.subject,
            program: r.program,
            amends: r.amends,
        },
        Kind::RecordIndicator(f) => KindV3::RecordIndicator {
            indicator: f.indicator,
            period: f.period,
            figure: match f.figure {
                Figure::Number(v) => FigureV3::Number(v),
                Figure::Met(m) => FigureV3::Met(m),
            },
            numerator: f.numerator,
            denominator: f.denominator,
            unit: f.unit,
            target: f.target,
            above: f.above,
        },
        _ => unreachable!("facts_v3 is called for the two fact kinds only"),
    }
}

/// The body of a version-3 record (the caller prefixes the version byte).
pub(super) fn record_v3(recorded: &Recorded) -> RecordV2<KindV3> {
    let e = &recorded.event;
    let v1 = RecordV1 {
        seq: recorded.seq,
        recorded_at_micros: recorded.recorded_at.timestamp_micros(),
        id: *e.id.as_bytes(),
        effective_date: days(e.effective_date),
        actor: e.actor.clone(),
        note: e.note.clone(),
        document: e.document.as_ref().map(document_v1),
        kind: kind_v3(&e.kind),
    };
    RecordV2 {
        v1,
        rules: recorded.rules,
    }
}

/// The upcast of a version-2 kind: the same variant, a payment with no contract and no
/// recovery, a refund that is not an advance.
impl From<KindV2> for KindV3 {
    fn from(kind: KindV2) -> KindV3 {
        match kind {
            KindV2::OpenLine(l) => KindV3::OpenLine(l),
            KindV2::Allocate(a) => KindV3::Allocate(a),
            KindV2::Reduce(a) => KindV3::Reduce(a),
            KindV2::Transfer(m) => KindV3::Transfer(m),
            KindV2::CarryOver(m) => KindV3::CarryOver(m),
            KindV2::Disburse(d) => d.disburse_v3(),
            KindV2::Refund(a) => a.refund_v3(),
            KindV2::Reverse(r) => KindV3::Reverse(r),
            KindV2::Lapse(a) => KindV3::Lapse(a),
            KindV2::SetDeadline(d) => KindV3::SetDeadline(d),
        }
    }
}

/// A stored kind of any version (upcast to version 3) as the in-memory kind.
pub(super) fn kind_of(kind: KindV3) -> Result<Kind, String> {
    Ok(match kind {
        KindV3::OpenLine(l) => Kind::OpenLine(Box::new(line_of(l)?)),
        KindV3::Allocate(a) => a.into_kind(|line, amount| Kind::Allocate { line, amount })?,
        KindV3::Reduce(a) => a.into_kind(|line, amount| Kind::Reduce { line, amount })?,
        KindV3::Transfer(m) => {
            m.into_kind(|from, to, amount| Kind::Transfer { from, to, amount })?
        }
        KindV3::CarryOver(m) => {
            m.into_kind(|from, to, amount| Kind::CarryOver { from, to, amount })?
        }
        KindV3::Disburse {
            line,
            amount: a,
            payee,
            contract,
            recovers,
        } => Kind::Disburse {
            line,
            amount: amount(a)?,
            payee,
            contract,
            recovers: recovers.map(amount).transpose()?,
        },
        KindV3::Refund {
            line,
            amount: a,
            advance,
        } => Kind::Refund {
            line,
            amount: amount(a)?,
            advance,
        },
        KindV3::Reverse(r) => r.into_kind(),
        KindV3::Lapse(a) => a.into_kind(|line, amount| Kind::Lapse { line, amount })?,
        KindV3::SetDeadline(d) => d.into_kind()?,
        KindV3::Advance {
            line,
            amount: a,
            payee,
            contract,
        } => Kind::Advance {
            line,
            amount: amount(a)?,
            payee,
            contract,
        },
        KindV3::Commit {
            line,
            contract,
            amount: a,
            payee,
        } => Kind::Commit {
            line,
            contract,
            amount: amount(a)?,
            payee,
        },
        KindV3::OpenWork {
            work,
            name,
            total_investment,
            decision,
            owner,
            site,
        } => Kind::OpenWork(Box::new(Work {
            work,
            name,
            total_investment: amount(total_investment)?,
            decision: document_of(decision)?,
            owner,
            site,
        })),
        KindV3::Contribute {
            work,
            amount: a,
            kind,
        } => Kind::Contribute {
            work,
            amount: amount(a)?,
            kind: match kind {
                0 => ContributionKind::Cash,
                1 => ContributionKind::InKind,
                2 => ContributionKind::Labour,
                other => return Err(format!("unknown stored contribution kind {other}")),
            },
        },
        facts => fact_of(facts)?,
    })
}

/// The in-memory kind of a stored fact (rules version 4, issue 16).
fn fact_of(kind: KindV3) -> Result<Kind, String> {
    Ok(match kind {
        KindV3::RegisterDocument {
            form,
            subject,
            program,
            amends,
        } => Kind::RegisterDocument(Box::new(Register {
            form,
            subject,
            program,
            amends,
        })),
        KindV3::RecordIndicator {
            indicator,
            period,
            figure,
            numerator,
            denominator,
            unit,
            target,
            above,
        } => Kind::RecordIndicator(Box::new(IndicatorFact {
            indicator,
            period,
            figure: match figure {
                FigureV3::Number(v) => Figure::Number(v),
                FigureV3::Met(m) => Figure::Met(m),
            },
            numerator,
            denominator,
            unit,
            target,
            above,
        })),
        _ => return Err("not a stored fact kind".to_string()),
    })
}
