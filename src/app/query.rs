//! The read-only use cases every door answers the same way: balances, a line's trail, the
//! section II summary, a revision diff, the report and the export. A request is a plain
//! value; the answer is text, a JSON value (each door lays it out: the CLI pretty-printed,
//! HTTP compact) or bytes.

use chrono::NaiveDate;
use serde_json::Value;

use crate::app::error::{AppError, Problem, render};
use crate::app::events;
use crate::app::export::{self, ExportFormat};
use crate::app::format::Format;
use crate::app::report::{self, ReportRequest};
use crate::app::settlement::{self, SettlementRequest};
use crate::app::source::{Chain, Log, view};
use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::core::projection::{self, LineBalance};
use crate::core::revision;
use crate::core::trail_plan::{Trail, TrailPlan};
use crate::present::csv_out::CsvDialect;
use crate::present::readable;
use crate::present::report::{self as present, DiffPoint, Pin};
use crate::present::vi_format::Lang;
use std::borrow::Cow;

/// What changed between two knowledge points, as of one date: the question that every door
/// asks and both the full log and the index answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffRequest {
    pub as_of: NaiveDate,
    pub known_at: KnownAt,
    pub vs: KnownAt,
    pub plan_year: Option<i32>,
    pub format: Format,
    pub lang: Lang,
}

/// A read-only question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Balances per line and totals (`format`: text, JSON or CSV).
    Balance {
        as_of: NaiveDate,
        known_at: Option<KnownAt>,
        plan_year: Option<i32>,
        format: Format,
        /// The language of the text answer (JSON does not change with it).
        lang: Lang,
        /// The CSV's dialect (default: `CsvDialect::for_lang(lang)`).
        csv_dialect: Option<CsvDialect>,
    },
    /// Every event that touched a line (`format`: text or JSON); `as_of` defaults to the
    /// last date there is.
    Trail {
        line: String,
        as_of: Option<NaiveDate>,
        known_at: Option<KnownAt>,
        format: Format,
        lang: Lang,
    },
    /// Section II as text.
    Summary {
        as_of: NaiveDate,
        known_at: Option<KnownAt>,
        plan_year: i32,
        lang: Lang,
    },
    /// Section II as JSON (`summary --json`): the report's `section_ii` with its provenance.
    SummaryJson {
        as_of: NaiveDate,
        known_at: Option<KnownAt>,
        plan_year: i32,
    },
    /// What changed between two knowledge points (`format`: text or JSON).
    Diff(DiffRequest),
    /// The point-in-time report.
    Report(ReportRequest),
    /// The settlement of a plan year.
    Settlement(SettlementRequest),
    /// The events a filter keeps, one bounded page (`format`: text or JSON).
    Events {
        request: events::Request,
        format: Format,
        lang: Lang,
    },
    /// The advances to recover at a view (`format`: text or JSON).
    Advances {
        as_of: NaiveDate,
        known_at: Option<KnownAt>,
        format: Format,
        lang: Lang,
    },
    /// The log in an export format.
    Export {
        format: ExportFormat,
        known_at: Option<KnownAt>,
        /// How a CSV export is written (other formats ignore it).
        csv_dialect: CsvDialect,
    },
}

/// An answer, before its door lays it out.
#[derive(Debug)]
pub enum Answer {
    Text(String),
    Json(Value),
    /// JSON already serialized, compact: an answer too large to hold as a `Value` (a far
    /// `diff`, see `present::diff_json`). Each door lays it out as it lays out a value: HTTP
    /// sends it as it is, the CLI pretty-prints it as it writes it.
    JsonText(String),
    Bytes(Vec<u8>),
    /// An answer written as it is made, its records read back as their turn comes (a far
    /// `diff` from the journal): held whole, it would be larger than every figure behind it.
    /// Only the CLI's query door receives one (`write_to`).
    Stream(Box<dyn Streamed>),
}

/// An answer that writes itself: JSON pretty-printed (the CLI) or compact (HTTP), text as it
/// is. What was written before a failure stays written.
pub trait Streamed: Send + std::fmt::Debug {
    fn write(self: Box<Self>, out: &mut dyn std::io::Write, pretty: bool) -> Result<(), Unwritten>;
}

/// Why an answer was not written whole.
#[derive(Debug)]
pub enum Unwritten {
    /// The output refused bytes.
    Output(std::io::Error),
    /// What the answer reads as it is written could not be read (a record read back).
    Source(AppError),
}

impl From<std::io::Error> for Unwritten {
    fn from(e: std::io::Error) -> Unwritten {
        Unwritten::Output(e)
    }
}

impl Answer {
    /// The bytes every door writes: text as it is, JSON pretty-printed with a final newline.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Answer::Text(text) => text.into_bytes(),
            Answer::Json(value) => {
                let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
                text.push('\n');
                text.into_bytes()
            }
            Answer::JsonText(text) => {
                let mut out = Vec::with_capacity(text.len() * 2);
                // Text this process serialized: it reads back, and a Vec takes every byte.
                let _ = pretty_json(&text, &mut out);
                out.push(b'\n');
                out
            }
            Answer::Bytes(bytes) => bytes,
            Answer::Stream(stream) => stream_bytes(stream, true),
        }
    }

    /// Writes the answer as `into_bytes` gives it, without a second copy of a serialized JSON
    /// answer: it is pretty-printed token by token into `out`, and a stream as it is made.
    pub fn write_to(self, out: &mut dyn std::io::Write) -> Result<(), Unwritten> {
        use std::io::Write;
        match self {
            Answer::JsonText(text) => {
                let mut buffered = std::io::BufWriter::new(out);
                pretty_json(&text, &mut buffered)?;
                buffered.write_all(b"\n")?;
                Ok(buffered.flush()?)
            }
            Answer::Stream(stream) => {
                let mut buffered = std::io::BufWriter::with_capacity(64 << 10, out);
                stream.write(&mut buffered, true)?;
                Ok(buffered.flush()?)
            }
            // Written as it is laid out: the pretty text of a large answer (a trail of 40,000
            // rows: 25 MB) is never held beside its value.
            Answer::Json(value) => {
                let mut buffered = std::io::BufWriter::with_capacity(64 << 10, out);
                serde_json::to_writer_pretty(&mut buffered, &value)
                    .map_err(std::io::Error::from)?;
                buffered.write_all(b"\n")?;
                Ok(buffered.flush()?)
            }
            other => Ok(out.write_all(&other.into_bytes())?),
        }
    }
}

/// A stream's bytes for a door that sends an answer whole. No door receives a stream that
/// way today (`Answer::Stream`); if one did, a failure is logged and the bytes end there.
pub fn stream_bytes(stream: Box<dyn Streamed>, pretty: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = stream.write(&mut out, pretty) {
        tracing::error!("a streamed answer was cut short: {e:?}");
    }
    out
}

/// Compact JSON text pretty-printed as `serde_json::to_string_pretty` prints a value.
fn pretty_json(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut from = serde_json::Deserializer::from_str(text);
    let mut to = serde_json::Serializer::pretty(out);
    serde_transcode::transcode(&mut from, &mut to).map_err(std::io::Error::other)
}

/// The view a request names, pinned by its hash, and the balances of its lines (those of
/// `plan_year` when given): what balances, summary, report, reconcile and the dashboard read.
pub fn balances<'a>(
    chain: Chain<'a>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: Option<i32>,
) -> Result<(Pin, Vec<LineBalance<'a>>), AppError> {
    let view = view(chain, as_of, known_at)?;
    let lines = projection::balances(chain.records(), view, plan_year);
    Ok((chain.pin(view), lines))
}

/// Answers a query from `source`.
pub fn answer(chain: Chain<'_>, query: &Query) -> Result<Answer, AppError> {
    match query {
        Query::Balance {
            as_of,
            known_at,
            plan_year,
            format,
            lang,
            csv_dialect,
        } => {
            let (pin, lines) = balances(chain, *as_of, *known_at, *plan_year)?;
            let dialect = CsvDialect::chosen(*csv_dialect, *lang);
            Ok(match balance(pin, &lines, *format, (*lang, dialect))? {
                Answer::Json(value) => {
                    Answer::Json(crate::app::unit::with_unit(value, chain.unit()))
                }
                other => other,
            })
        }
        Query::Trail {
            line,
            as_of,
            known_at,
            format,
            lang,
        } => trail(chain, line, (*as_of, *known_at), *format, *lang),
        Query::Summary {
            as_of,
            known_at,
            plan_year,
            lang,
        } => summary(chain, *as_of, *known_at, *plan_year, *lang).map(Answer::Text),
        Query::SummaryJson {
            as_of,
            known_at,
            plan_year,
        } => summary_json(chain, *as_of, *known_at, *plan_year),
        Query::Diff(request) => diff(chain, request),
        Query::Settlement(_)
        | Query::Report(_)
        | Query::Export { .. }
        | Query::Advances { .. }
        | Query::Events { .. } => match answer_in_parts(chain.into(), query) {
            Some(answer) => answer,
            None => unreachable!("a question read in parts is answered by answer_in_parts"),
        },
    }
}

/// The answer of a question that reads the log in order (`reads_in_parts`: a fold over it, or
/// a page of `events`), from a log in memory or read back in parts; `None` for any other
/// question, which reads a chain (`answer`).
pub fn answer_in_parts(log: Log<'_>, query: &Query) -> Option<Result<Answer, AppError>> {
    Some(match query {
        Query::Settlement(request) => settlement::settlement(log, request),
        Query::Report(request) => report::report(log, request),
        Query::Export {
            format,
            known_at,
            csv_dialect,
        } => export::export(log, *format, *known_at, *csv_dialect, &mut || {}).map(Answer::Text),
        Query::Advances {
            as_of,
            known_at,
            format,
            lang,
        } => crate::app::advances::advances(log, *as_of, *known_at, *format, *lang),
        Query::Events {
            request,
            format,
            lang,
        } => events::answer(log, request, (*format, *lang)),
        _ => return None,
    })
}

impl Query {
    /// Whether `answer_in_parts` answers it: a door may then open the log without holding it.
    pub fn reads_in_parts(&self) -> bool {
        matches!(
            self,
            Query::Settlement(_)
                | Query::Report(_)
                | Query::Export { .. }
                | Query::Advances { .. }
                | Query::Events { .. }
        )
    }
}

/// Balances of a pinned view in a format (JSON unless text or CSV is asked for). Also used
/// by the index path, which finds the lines without the records.
pub fn balance(
    pin: Pin,
    lines: &[LineBalance<'_>],
    format: Format,
    (lang, dialect): (Lang, CsvDialect),
) -> Result<Answer, AppError> {
    Ok(match format {
        Format::Text => Answer::Text(readable::balance(pin, lines, lang)),
        Format::Csv => Answer::Text(present::balance_csv(lines, dialect).map_err(render)?),
        _ => Answer::Json(present::balance_json(pin, lines)),
    })
}

fn trail(
    chain: Chain<'_>,
    line: &str,
    (as_of, known_at): (Option<NaiveDate>, Option<KnownAt>),
    format: Format,
    lang: Lang,
) -> Result<Answer, AppError> {
    let view = view(chain, trail_as_of(as_of)?, known_at)?;
    let known = &chain.records()[..usize::try_from(view.known_at).unwrap_or(usize::MAX)];
    trail_of(known, line, chain.pin(view), (format, lang)).ok_or_else(|| AppError::UnknownLine {
        line: line.to_string(),
        known_at: view.known_at,
    })
}

/// The date a trail runs to: the one asked for, or the last date there is.
pub fn trail_as_of(as_of: Option<NaiveDate>) -> Result<NaiveDate, AppError> {
    match as_of {
        Some(d) => Ok(d),
        None => NaiveDate::from_ymd_opt(money::MAX_YEAR, 12, 31).ok_or(AppError::Output(
            Problem::Internal {
                what: "no last date",
            },
        )),
    }
}

/// The trail of `line` at `pin`'s view, from `known`: the records known at the view, in
/// sequence order; all of them, or (the index's read path) at least every record naming the
/// line, every reversal of one, and for JSON every registered document. `None` when `known`
/// opens no such line.
pub fn trail_of(
    known: &[crate::core::rules::Recorded],
    line: &str,
    pin: Pin,
    (format, lang): (Format, Lang),
) -> Option<Answer> {
    // `known` is already cut at the view's knowledge point (and may be a subset of the log,
    // whose positions are not sequences): nothing more to cut.
    let mut plan = TrailPlan::new(line, pin.view.as_of);
    for (at, r) in known.iter().enumerate() {
        plan.note(at, r, || r);
    }
    let mut trail = plan.finish()?;
    let mut out = Vec::new();
    let record_at = |at: usize| Ok(Cow::Borrowed(&known[at]));
    // A Vec takes every byte, and what is written is `String`s and serde_json's text.
    let how = (pin, line, (format, lang));
    let _ = write_trail(&mut trail, &record_at, known, how, (false, &mut out));
    let text = String::from_utf8(out).unwrap_or_default();
    Some(match format {
        Format::Text => Answer::Text(text),
        _ => Answer::JsonText(text),
    })
}

/// The record at a position of the records a trail was planned from.
pub(crate) type RecordAt<'a> =
    dyn Fn(usize) -> std::io::Result<Cow<'a, crate::core::rules::Recorded>> + 'a;

/// Writes `trail`'s rows, each made from the record `record_at` gives for its position.
pub(crate) fn write_trail<R: std::borrow::Borrow<crate::core::rules::Recorded>>(
    trail: &mut Trail<R>,
    record_at: &RecordAt<'_>,
    documents: &[crate::core::rules::Recorded],
    (pin, line, (format, lang)): (Pin, &str, (Format, Lang)),
    (pretty, out): (bool, &mut dyn std::io::Write),
) -> std::io::Result<()> {
    let positions = trail.positions();
    let name = trail.name().map(str::to_string);
    let mut rows = |each: &mut dyn FnMut(&projection::TrailRow<'_>) -> std::io::Result<()>| {
        for at in &positions {
            let record = record_at(*at)?;
            each(&trail.row(&record))?;
        }
        Ok(())
    };
    match format {
        Format::Text => readable::write_trail((pin, line, name.as_deref()), &mut rows, lang, out),
        _ => {
            let entries = crate::core::facts_view::documents(documents, pin.view);
            let link = |row: &mut Value| crate::app::sections::link_row(&entries, row);
            let rows = (positions.len(), &mut rows as &mut present::EachRow<'_>);
            present::write_trail_json(pin, line, rows, &link, (pretty, out))?;
            match pretty {
                true => out.write_all(b"\n"),
                false => Ok(()),
            }
        }
    }
}

/// Section II as text.
pub fn summary(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
    lang: Lang,
) -> Result<String, AppError> {
    let (pin, lines) = balances(chain, as_of, known_at, Some(plan_year))?;
    Ok(readable::summary(pin, plan_year, &lines, lang))
}

/// `summary --json`: the section II object of the JSON report (exact đồng), under the same
/// provenance, whose `command` prints it again.
fn summary_json(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
) -> Result<Answer, AppError> {
    let request = ReportRequest {
        as_of,
        known_at,
        plan_year,
        format: Format::Json,
        lang: crate::present::vi_format::Lang::Vi,
        unit: crate::present::vi_format::Unit::Trieu,
        official: Default::default(),
        csv_dialect: None,
        whole: false,
    };
    let Answer::Json(mut report) = report::report(chain.into(), &request)? else {
        return Err(AppError::Output(Problem::Internal {
            what: "the JSON report is not JSON",
        }));
    };
    let mut provenance = report["provenance"].take();
    let known = provenance["known_at"].clone();
    provenance["command"] =
        format!("socai summary --as-of {as_of} --known-at {known} --plan-year {plan_year} --json")
            .into();
    Ok(Answer::Json(serde_json::json!({
        "provenance": provenance,
        "amounts": report["amounts"].take(),
        "section_ii": report["section_ii"].take(),
    })))
}

fn diff(chain: Chain<'_>, q: &DiffRequest) -> Result<Answer, AppError> {
    let before = view(chain, q.as_of, Some(q.known_at))?.known_at;
    let after = view(chain, q.as_of, Some(q.vs))?.known_at;
    let rev = revision::diff(chain.records(), q.as_of, before, after, q.plan_year);
    let point = |seq: u64| DiffPoint {
        seq,
        recorded_at: chain.recorded_at(seq),
        hash: chain.hash_of(seq),
    };
    diff_answer(
        &rev,
        chain.records(),
        q.plan_year,
        (point(before), point(after)),
        (q.format, q.lang),
    )
}

/// A revision in a format (JSON unless text is asked for), its causes' records from
/// `records`, every one in memory.
pub fn diff_answer(
    rev: &revision::Revision<'_>,
    records: &[crate::core::rules::Recorded],
    plan_year: Option<i32>,
    (before, after): (DiffPoint, DiffPoint),
    (format, lang): (Format, Lang),
) -> Result<Answer, AppError> {
    let points = (plan_year, before, after);
    let mut out = Vec::new();
    // Into memory (which takes every byte), from the records the revision was found in.
    let written = match format {
        Format::Text => crate::present::diff_text::write(rev, records, points, lang, &mut out),
        _ => crate::present::diff_json::write(rev, records, points, false, &mut out),
    };
    if let Err(e) = written {
        return Err(crate::app::error::render(format!("the diff: {e:?}")));
    }
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(match format {
        Format::Text => Answer::Text(text),
        _ => Answer::JsonText(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a diff's JSON holds: nested objects and arrays, empty ones, null, numbers,
    /// Vietnamese text and characters JSON escapes.
    fn sample() -> Value {
        serde_json::json!({
            "as_of": "2025-12-31",
            "plan_year": null,
            "before": {"known_at": 500000, "recorded_at": null, "head_hash": "ab01"},
            "totals": {"plan_before": "-12", "plan_after": "38996000000"},
            "lines": [{"line": "2025/NTM/ĐT", "causes": []}, {"line": "x", "causes": [{"a": 1}]}],
            "events": [],
            "note": "Chi trả \"đợt 2\"\tthôn Nà\\Phìn",
            "empty": {}
        })
    }

    #[test]
    fn serialized_json_is_laid_out_by_each_door_as_a_value_is() {
        let value = sample();
        let text = value.to_string();
        // The CLI: pretty-printed with one final newline, whether written or returned.
        let mut expected = serde_json::to_string_pretty(&value).expect("a value serializes");
        expected.push('\n');
        let returned = Answer::JsonText(text.clone()).into_bytes();
        assert_eq!(String::from_utf8(returned).expect("UTF-8"), expected);
        let mut written = Vec::new();
        Answer::JsonText(text.clone())
            .write_to(&mut written)
            .expect("a Vec takes every byte");
        assert_eq!(String::from_utf8(written).expect("UTF-8"), expected);
        // As the value would be written by `write_to`.
        let mut from_value = Vec::new();
        Answer::Json(value)
            .write_to(&mut from_value)
            .expect("a Vec takes every byte");
        assert_eq!(String::from_utf8(from_value).expect("UTF-8"), expected);
    }
}
