//! What people read about one event, wherever it is shown (trail, `events`, dashboard, CSV):
//! its type in Vietnamese, its payee, the other line of a transfer or carry-over, and the
//! export CSV's column list (kept here, in one place, for whoever writes the CSV).

use std::collections::HashMap;
use std::fmt::Write as _;

use uuid::Uuid;

use crate::core::event::{Document, Event, Kind};
use crate::core::revision;
use crate::core::rules::Recorded;
use crate::present::messages::{Msg, date, say, t};
use crate::present::vi_format::Lang;

/// The event types as a commune accountant names them, keyed by the stable type name (the
/// JSON keeps `type_name`). The one list every renderer uses: trail, `events`, the dashboard,
/// the journal xlsx, refusals. Words from the domain brief: a transfer is an "điều chỉnh" of the
/// plan, a reduce "thu hồi dự toán", a refund "nộp trả"; a carry-over is "chuyển nguồn" for
/// recurrent and "kéo dài" for investment capital.
pub const TYPE_NAMES_VI: [(&str, &str); 16] = [
    ("open_line", "mở dòng vốn"),
    ("allocate", "giao kế hoạch vốn"),
    ("reduce", "thu hồi dự toán"),
    ("transfer", "điều chỉnh kế hoạch vốn"),
    ("carry_over", "chuyển nguồn, kéo dài"),
    ("disburse", "giải ngân"),
    ("refund", "nộp trả"),
    ("reverse", "hủy bút toán"),
    ("lapse", "hủy dự toán"),
    ("set_deadline", "đặt thời hạn giải ngân"),
    ("advance", "tạm ứng"),
    ("commit", "cam kết chi"),
    ("open_work", "mở công trình"),
    ("contribute", "huy động đóng góp"),
    ("register_document", "đăng ký văn bản"),
    ("record_indicator", "ghi chỉ tiêu"),
];

/// The width (in characters) of the longest Vietnamese type name: the type column of the
/// trail and of `events` is this wide, so the columns after it stay aligned.
pub fn type_width_vi() -> usize {
    TYPE_NAMES_VI
        .iter()
        .map(|(_, vi)| vi.chars().count())
        .max()
        .unwrap_or(0)
}

/// An event type's Vietnamese name by its stable name; an unknown name is shown as it is.
pub fn type_vi_named(type_name: &str) -> &str {
    TYPE_NAMES_VI
        .iter()
        .find(|(name, _)| *name == type_name)
        .map_or(type_name, |(_, vi)| vi)
}

/// An event's type as a commune accountant names it.
pub fn type_vi(kind: &Kind) -> &'static str {
    let name = kind.type_name();
    TYPE_NAMES_VI
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, vi)| vi)
}

/// Who was (or is to be) paid: payments, advances and commitments.
pub fn payee(e: &Event) -> Option<&str> {
    match &e.kind {
        Kind::Disburse { payee, .. } | Kind::Advance { payee, .. } => payee.as_deref(),
        Kind::Commit { payee, .. } => Some(payee.as_str()),
        _ => None,
    }
}

/// Seen from `line`, the other line of a transfer or carry-over, with the direction:
/// `("to", other)` when money left `line`, `("from", other)` when it came in.
pub fn other_line<'a>(e: &'a Event, line: &str) -> Option<(Direction, &'a str)> {
    match &e.kind {
        Kind::Transfer { from, to, .. } | Kind::CarryOver { from, to, .. } => {
            if from == line {
                Some((Direction::To, to.as_str()))
            } else if to == line {
                Some((Direction::From, from.as_str()))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Money left the line for the other one.
    To,
    /// Money came to the line from the other one.
    From,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::To => "to",
            Direction::From => "from",
        }
    }

    pub fn vi(self) -> &'static str {
        match self {
            Direction::To => "sang",
            Direction::From => "từ",
        }
    }

    /// The word in a language: "sang"/"từ", or "to"/"from".
    pub fn word(self, lang: Lang) -> &'static str {
        t(lang, self.vi(), self.as_str())
    }
}

/// The columns of `export --format csv`, in order. Columns are only ever added at the end, so
/// that spreadsheets reading by position keep working.
pub const EXPORT_CSV_COLUMNS: [&str; 35] = [
    "seq",
    "id",
    "type",
    "effective_date",
    "recorded_at",
    "line",
    "plan_delta",
    "disbursed_delta",
    "document_number",
    "document_date",
    "document_issuer",
    "reverses",
    "reversed_by",
    "carried_out_delta",
    "lapsed_delta",
    "recovered_after_close_delta",
    // Issue 14: who, why and where in the plan, without a second lookup.
    "payee",
    "note",
    "actor",
    "program",
    "capital",
    "plan_year",
    // Issue 15: the columns of the Parquet tables the CSV lacked (`present::ledger_rows`).
    "unit",
    "counterpart_line",
    "amount",
    "completed_delta",
    "advance_outstanding_delta",
    "committed_delta",
    "commitment_outstanding_delta",
    "project",
    "subproject",
    "source",
    "origin",
    "work",
    "name",
];

/// What a search asked for, in words (the first line of `socai events`).
pub struct Asked<'a> {
    /// Reversed event id → the sequence of its reversal.
    pub reversed_by: &'a HashMap<Uuid, u64>,
    pub criteria: Vec<(&'static str, String)>,
    pub after: u64,
    pub next_after: u64,
    pub head: u64,
    pub full: bool,
    pub events: &'a [&'a Recorded],
    pub lang: Lang,
}

/// A search criterion's stable name (`app::events::Filter::criteria`) as people call it.
fn criterion(key: &str, lang: Lang) -> &str {
    let vi = match key {
        "document" => "chứng từ",
        "payee" => "đơn vị nhận",
        "line" => "dòng",
        "from" => "từ ngày",
        "to" => "đến ngày",
        "type" => "loại",
        other => other,
    };
    t(lang, vi, key)
}

/// The event type shown in a language: the accountant's name, or the stable type name.
pub fn type_in(kind: &Kind, lang: Lang) -> &'static str {
    t(lang, type_vi(kind), kind.type_name())
}

/// `socai events` for people: one line per event, amounts in đồng, dates dd/mm/yyyy.
pub fn events_text(a: &Asked<'_>) -> String {
    let lang = a.lang;
    let criteria = if a.criteria.is_empty() {
        t(lang, "mọi sự kiện", "all events").to_string()
    } else {
        a.criteria
            .iter()
            .map(|(k, v)| format!("{} {v}", criterion(k, lang)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (after, n, head) = (a.after, a.events.len(), a.head);
    let mut out = say(
        lang,
        format!(
            "Tìm sự kiện ({criteria}), sau thứ tự {after}: {n} sự kiện; sổ ghi đến thứ tự {head}.\n"
        ),
        format!(
            "Events ({criteria}) after sequence {after}: {n} found; the ledger is recorded to sequence {head}.\n"
        ),
    );
    out.push_str(t(lang, "Số tiền tính bằng đồng.\n", "Amounts in đồng.\n"));
    for r in a.events {
        let reversed_by = a.reversed_by.get(&r.event.id);
        let _ = writeln!(out, "{}", event_line(r, reversed_by, lang));
    }
    if a.full && a.next_after < a.head {
        let next = a.next_after;
        out.push_str(&say(
            lang,
            format!("Còn sự kiện phù hợp sau thứ tự {next}: thêm --after {next} để xem tiếp.\n"),
            format!("More events match after sequence {next}: add --after {next} to see them.\n"),
        ));
    }
    out
}

fn event_line(r: &Recorded, reversed_by: Option<&u64>, lang: Lang) -> String {
    let e = &r.event;
    let amount = revision::event_amount(&e.kind)
        .map_or(String::new(), |a| crate::present::messages::money(lang, a));
    // The type column fits the longest name (English type names fit in 18).
    let width = match lang {
        Lang::Vi => type_width_vi(),
        Lang::En => 18,
    };
    let mut line = format!(
        "{:>6}  {}  {:<width$}  {:>17}  {}",
        r.seq,
        date(lang, e.effective_date),
        type_in(&e.kind, lang),
        amount,
        e.lines().join(" → ")
    );
    if let Some(d) = &e.document {
        let _ = write!(
            line,
            "  {} {}",
            Msg::Document.text(lang),
            document_dated(d, lang)
        );
    }
    let labelled = [
        (payee(e), t(lang, "đơn vị nhận", "payee")),
        (e.actor.as_deref(), t(lang, "người ghi", "actor")),
        (e.note.as_deref(), t(lang, "ghi chú", "note")),
    ];
    for (value, label) in labelled {
        if let Some(v) = value {
            let _ = write!(line, "  {label}: {v}");
        }
    }
    if let Kind::Reverse { target, reason } = &e.kind {
        let _ = write!(line, "  {} {target}: {reason}", t(lang, "hủy", "reverses"));
    }
    match &e.kind {
        Kind::RecordIndicator(f) => {
            let value = match f.figure {
                crate::core::facts::Figure::Number(v) => {
                    crate::present::vi_format::number(v, v.scale(), Lang::Vi)
                }
                crate::core::facts::Figure::Met(m) => {
                    (if m { "đạt" } else { "chưa đạt" }).to_string()
                }
            };
            let _ = write!(
                line,
                "  chỉ tiêu {} năm {}: {value} {}",
                f.indicator, f.period, f.unit
            );
        }
        Kind::RegisterDocument(r) => {
            let _ = write!(line, "  {} về {}", r.form, r.subject);
        }
        _ => {}
    }
    if let Some(seq) = reversed_by {
        let _ = write!(line, "  {} #{seq}", Msg::ReversedBy.text(lang));
    }
    line.truncate(line.trim_end().len());
    line
}

/// A document as a sentence names it: its number and date ("UNC-12 ngày 20/11/2025",
/// "UNC-12 of 2025-11-20"), without its issuer.
pub fn document_dated(d: &Document, lang: Lang) -> String {
    format!(
        "{} {} {}",
        d.number,
        t(lang, "ngày", "of"),
        date(lang, d.date)
    )
}
