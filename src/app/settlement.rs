//! The settlement of a plan year (quyết toán), written once for every door: the CLI
//! (`socai settlement`, through `render_ledger`) and the HTTP API (`GET
//! /v1/reports/settlement`, on a snapshot) both call `render`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::core::projection::View;
use crate::core::rules::Recorded;
use crate::core::settlement;
use crate::ledger::Ledger;
use crate::present::render::{Provenance, Style};
use crate::present::settlement as present;
use crate::present::vi_format::{Lang, Unit};
use crate::storage::Hash;

/// The forms a settlement is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Some(match text {
            "text" => Format::Text,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            _ => return None,
        })
    }
}

/// What the caller asks for.
#[derive(Clone, Debug)]
pub struct Request {
    pub plan_year: i32,
    /// Default: every effective date (the last day the ledger knows).
    pub as_of: Option<NaiveDate>,
    /// Default: everything recorded.
    pub known_at: Option<KnownAt>,
    pub format: Format,
    pub lang: Lang,
    pub unit: Unit,
}

/// Why no settlement was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The request names a view that cannot be reproduced (a knowledge point in the future).
    Usage(String),
    /// The output could not be written (xlsx).
    Output(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::Output(m) => f.write_str(m),
        }
    }
}

/// The log a settlement reads: its records and the chain hash of any sequence. The CLI gives
/// its ledger, the server a snapshot of it.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub records: &'a [Recorded],
    pub hash_of: &'a dyn Fn(u64) -> Option<Hash>,
}

/// The `as_of` of a request that names none: every effective date.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(money::MAX_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Checks what a request asks for before a view is taken.
pub fn check(request: &Request) -> Result<(), Error> {
    money::check_year(request.plan_year)
        .map_err(|e| Error::Usage(format!("plan year {}: {e}", request.plan_year)))
}

/// The settlement through a ledger (the CLI): resolves the view, then `render`.
pub fn render_ledger(
    ledger: &Ledger,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, Error> {
    check(request)?;
    let as_of = request.as_of.unwrap_or_else(default_as_of);
    let view = ledger
        .view_known(as_of, request.known_at, now)
        .map_err(Error::Usage)?;
    let hash_of = |seq: u64| ledger.hash_of(seq);
    let source = Source {
        records: ledger.records(),
        hash_of: &hash_of,
    };
    render(source, view, request)
}

/// The settlement of `request.plan_year` in `view`, in the requested form, with its
/// provenance.
pub fn render(source: Source<'_>, view: View, request: &Request) -> Result<Vec<u8>, Error> {
    check(request)?;
    let as_of = view.as_of;
    let recorded_at = usize::try_from(view.known_at)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| source.records.get(i))
        .map(|r| r.recorded_at);
    let s = settlement::settlement(source.records, view, request.plan_year);
    let prov = Provenance {
        as_of,
        plan_year: request.plan_year,
        known_at: view.known_at,
        recorded_at,
        head_hash: (source.hash_of)(view.known_at),
        command: format!(
            "socai settlement --plan-year {} --as-of {as_of} --known-at {} --format {} --lang {} --unit {}",
            request.plan_year,
            view.known_at,
            request.format.as_str(),
            request.lang.as_str(),
            request.unit.as_str()
        ),
    };
    let style = Style {
        lang: request.lang,
        unit: request.unit,
    };
    Ok(match request.format {
        Format::Text => present::text(&s, &prov, style).into_bytes(),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&present::json(&s, &prov))
                .map_err(|e| Error::Output(e.to_string()))?;
            text.push('\n');
            text.into_bytes()
        }
        Format::Csv => present::csv(&s, &prov, style).into_bytes(),
        Format::Xlsx => present::xlsx(&s, &prov, style).map_err(Error::Output)?,
    })
}
