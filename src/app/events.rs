//! Finding events: `socai events` and `GET /v1/events` (which replication also pages through)
//! answer the same request here. Without filters a page is the log from `after` on, as
//! replication has always read it; filters only drop entries. Every answer is bounded by
//! `limit` (at most `MAX_LIMIT`), and `next_after` says where the next page starts.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::app::error::{AppError, Problem};
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::source::Log;
use crate::core::chain::Hash;
use uuid::Uuid;

use crate::core::event::{Event, Kind};
use crate::core::rules::Recorded;
use crate::present::event_text;
use crate::present::messages::{self, Lang};

/// The default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page any door may ask for (the server may allow less: its `max_page`).
pub const MAX_LIMIT: usize = 10_000;

/// The event types a filter may name (the import format's `type`).
pub const TYPES: [&str; 16] = [
    "open_line",
    "allocate",
    "reduce",
    "transfer",
    "carry_over",
    "disburse",
    "refund",
    "reverse",
    "lapse",
    "set_deadline",
    "advance",
    "commit",
    "open_work",
    "contribute",
    "register_document",
    "record_indicator",
];

/// Which events to keep. Text filters match without regard to case, anywhere in the field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Part of the document number.
    pub document: Option<String>,
    /// Part of the payee's name.
    pub payee: Option<String>,
    /// A line code the event names (either side of a transfer), exactly.
    pub line: Option<String>,
    /// Effective on or after this date.
    pub from: Option<NaiveDate>,
    /// Effective on or before this date.
    pub to: Option<NaiveDate>,
    /// The event type (`disburse`, `refund`, …).
    pub kind: Option<String>,
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl Filter {
    /// Refuses a filter that could never match (an unknown type, `from` after `to`).
    pub fn check(&self) -> Result<(), AppError> {
        if let Some(t) = &self.kind
            && !TYPES.contains(&t.as_str())
        {
            return Err(AppError::Usage(Problem::UnknownEventType {
                given: t.clone(),
                known: &TYPES,
            }));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(AppError::Usage(Problem::FromAfterTo { from, to }));
        }
        Ok(())
    }

    pub fn matches(&self, e: &Event) -> bool {
        let doc = e.document.as_ref();
        self.document
            .as_deref()
            .is_none_or(|n| doc.is_some_and(|d| contains(&d.number, n)))
            && self
                .payee
                .as_deref()
                .is_none_or(|p| event_text::payee(e).is_some_and(|have| contains(have, p)))
            && self.line.as_deref().is_none_or(|l| e.lines().contains(&l))
            && self.from.is_none_or(|d| e.effective_date >= d)
            && self.to.is_none_or(|d| e.effective_date <= d)
            && self.kind.as_deref().is_none_or(|t| e.kind.type_name() == t)
    }
}

/// One page of a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub filter: Filter,
    /// Start after this sequence (0: from the beginning).
    pub after: u64,
    /// At most this many events (1..=`MAX_LIMIT`).
    pub limit: usize,
}

/// The events found, and where the next page starts: the last sequence looked at (the log's
/// head when the page is not full).
pub struct Page {
    /// Each event found, with its chain hash.
    pub events: Vec<(Recorded, Option<Hash>)>,
    pub next_after: u64,
    pub head: u64,
    pub head_hash: Option<Hash>,
}

/// The page `request` asks for: the records after `request.after` are read in order until
/// the page is full, from memory or back from the store (a page never holds more than
/// `limit` records, whatever the log's length).
pub fn find(log: Log<'_>, request: &Request) -> Result<Page, AppError> {
    request.filter.check()?;
    if request.limit == 0 || request.limit > MAX_LIMIT {
        return Err(AppError::Usage(Problem::LimitOutside {
            limit: request.limit,
            max: MAX_LIMIT,
        }));
    }
    let head = log.head_seq();
    if request.after > head {
        return Err(AppError::Usage(Problem::AfterBeyondHead {
            after: request.after,
            head,
        }));
    }
    let mut events = Vec::new();
    let mut next_after = head;
    log.each_after(request.after, &mut |r, hash| {
        if !request.filter.matches(&r.event) {
            return true;
        }
        events.push((r.clone(), hash));
        let full = events.len() == request.limit;
        if full {
            next_after = r.seq;
        }
        !full
    })?;
    Ok(Page {
        events,
        next_after,
        head,
        head_hash: log.hash_of(head)?,
    })
}

fn hex_hash(hash: Option<Hash>) -> Value {
    hash.map_or(Value::Null, |h| Value::String(hex::encode(h)))
}

/// One logged event as the API shows it: its place in the log, and the event itself in the
/// import format (so it can be re-sent or imported as it is).
pub fn entry_json(record: &Recorded, hash: Option<Hash>) -> Value {
    json!({
        "seq": record.seq,
        "recorded_at": record.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "rules": record.rules,
        "hash": hex_hash(hash),
        "event": crate::core::event::to_json(&record.event),
    })
}

/// The page in the shape `GET /v1/events` has always had.
pub fn page_json(page: &Page) -> Value {
    let entries: Vec<Value> = (page.events.iter())
        .map(|(r, hash)| entry_json(r, *hash))
        .collect();
    json!({
        "events": entries,
        "next_after": page.next_after,
        "head_seq": page.head,
        "head_hash": hex_hash(page.head_hash),
    })
}

/// The page's reversed events: id → the sequence of the reversal that cancels it, anywhere
/// in the log (for the text answer). A store's rules keep them; a log in memory is searched.
fn reversals(log: Log<'_>, page: &Page) -> HashMap<Uuid, u64> {
    match log {
        Log::Chain(chain) => (chain.records().iter())
            .filter_map(|r| match &r.event.kind {
                Kind::Reverse { target, .. } => Some((*target, r.seq)),
                _ => None,
            })
            .collect(),
        Log::Stored(ledger) => (page.events.iter())
            .filter_map(|(r, _)| Some((r.event.id, ledger.state().reversed_by(r.seq)?)))
            .collect(),
    }
}

/// The page as each door shows it: text for people (Vietnamese), else the JSON page.
pub fn answer(
    log: Log<'_>,
    request: &Request,
    (format, lang): (Format, Lang),
) -> Result<Answer, AppError> {
    let page = find(log, request)?;
    Ok(match format {
        Format::Text => {
            let events: Vec<&Recorded> = page.events.iter().map(|(r, _)| r).collect();
            Answer::Text(event_text::events_text(&event_text::Asked {
                reversed_by: &reversals(log, &page),
                criteria: request.filter.criteria(lang),
                after: request.after,
                next_after: page.next_after,
                head: page.head,
                full: page.events.len() == request.limit,
                events: &events,
                lang,
            }))
        }
        _ => Answer::Json(page_json(&page)),
    })
}

impl Filter {
    /// The filter for the text answer's first line: each criterion's stable name (worded by
    /// `present::event_text`) and its value (dates as people of `lang` write them).
    pub fn criteria(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        put("document", self.document.clone());
        put("payee", self.payee.clone());
        put("line", self.line.clone());
        put("from", self.from.map(|d| messages::date(lang, d)));
        put("to", self.to.map(|d| messages::date(lang, d)));
        put("type", self.kind.clone());
        out
    }
}
