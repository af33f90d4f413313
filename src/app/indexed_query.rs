//! `balance`, `summary` and `trail` answered from the persisted index (`crate::storage::index_codec`), without loading
//! the log: the cold path a user waits for. Falls back (returns `None`) whenever the index
//! cannot be trusted to reflect HEAD; the caller then opens the full, verified ledger.

use std::collections::HashMap;
use std::path::Path;

use rust_decimal::Decimal;

use crate::app::Format;
use crate::app::chart;
use crate::app::error::AppError;
use crate::app::indexed_diff;
use crate::app::query::{self, Answer, Query, Streamed, Unwritten};
use crate::core::known_at::KnownAt;
use crate::core::projection::{LineBalance, View};
use crate::core::trail_plan::{Trail, TrailPlan};
use crate::present::chart as present_chart;
use crate::present::csv_out::CsvDialect;
use crate::present::readable;
use crate::present::report::Pin;
use crate::present::vi_format::Lang;
use crate::storage::index::{Fallback, IndexReader, LineFigures};
use crate::storage::index_codec::{self, DISBURSED};
use crate::storage::index_trail::TrailFile;
use std::borrow::Cow;

/// The query's answer from the index, or `None` when the full ledger must answer.
pub fn answer(db: &Path, query: &Query) -> Result<Option<Answer>, AppError> {
    Ok(match answer_or_why(db, query)? {
        Indexed::Answer(answer) => Some(answer),
        Indexed::Unsupported | Indexed::Untrusted => None,
    })
}

/// What the index could do for a query.
pub enum Indexed {
    /// The answer, from the index.
    Answer(Answer),
    /// The index does not answer this question (the full ledger must).
    Unsupported,
    /// The index is missing, stale or damaged: the full ledger must answer and rebuild it
    /// (or every later query would bypass it too).
    Untrusted,
}

/// The query's answer from the index, or why the full ledger must answer.
pub fn answer_or_why(db: &Path, query: &Query) -> Result<Indexed, AppError> {
    match try_answer(db, query) {
        Ok(Some(answer)) => Ok(Indexed::Answer(answer)),
        Ok(None) => Ok(Indexed::Unsupported),
        Err(Fallback::Rebuild(why)) => {
            tracing::info!("answering from the full log: {why}");
            Ok(Indexed::Untrusted)
        }
        Err(Fallback::Store(e)) => Err(e.into()),
    }
}

fn try_answer(db: &Path, query: &Query) -> Result<Option<Answer>, Fallback> {
    if let Query::Trail {
        line,
        as_of,
        known_at,
        format,
        lang,
    } = query
    {
        let Ok(as_of) = query::trail_as_of(*as_of) else {
            return Ok(None);
        };
        let reader = IndexReader::open(db)?;
        let Some(known_at) = known_seq(&reader, *known_at) else {
            return Ok(None);
        };
        let pin = reader.pin(View { as_of, known_at })?;
        return trail_stream(&reader, line, pin, (*format, *lang));
    }
    if let Query::Diff(request) = query {
        let reader = IndexReader::open(db)?;
        let seq = |k: KnownAt| known_seq(&reader, Some(k));
        let (Some(before), Some(after)) = (seq(request.known_at), seq(request.vs)) else {
            return Ok(None);
        };
        return indexed_diff::diff(db, &reader, request, (before, after));
    }
    if !matches!(query, Query::Balance { .. } | Query::Summary { .. }) {
        return Ok(None);
    }
    answer_from(&IndexReader::open(db)?, query)
}

/// The query's answer from an open index (`None`: the index does not answer it).
pub fn answer_from(reader: &IndexReader, query: &Query) -> Result<Option<Answer>, Fallback> {
    let (as_of, known_at, plan_year) = match query {
        Query::Balance {
            as_of,
            known_at,
            plan_year,
            ..
        } => (*as_of, *known_at, *plan_year),
        Query::Summary {
            as_of,
            known_at,
            plan_year,
            ..
        } => (*as_of, *known_at, Some(*plan_year)),
        _ => return Ok(None),
    };
    let Some(known_at) = known_seq(reader, known_at) else {
        return Ok(None);
    };
    let figures: Vec<LineFigures> = reader.balances(as_of, known_at, plan_year)?;
    let pin = reader.pin(View { as_of, known_at })?;
    let lines: Vec<LineBalance<'_>> = figures
        .iter()
        .map(|f| LineBalance::of(&f.spec, f.deadline, f.columns))
        .collect();
    Ok(match query {
        // Rendering CSV cannot fail on figures the index holds; if it ever did, the full path
        // answers and reports it.
        Query::Balance {
            format,
            lang,
            csv_dialect,
            ..
        } => {
            let dialect = CsvDialect::chosen(*csv_dialect, *lang);
            query::balance(pin, &lines, *format, (*lang, dialect)).ok()
        }
        Query::Summary {
            plan_year, lang, ..
        } => Some(Answer::Text(readable::summary(
            pin, *plan_year, &lines, *lang,
        ))),
        _ => None,
    })
}

/// The knowledge point a view names, when the index can tell: beyond the head the full path
/// words the usage error, and it maps a moment to a sequence through the records' recording
/// times.
fn known_seq(reader: &IndexReader, known_at: Option<KnownAt>) -> Option<u64> {
    let head = reader.head_seq();
    match known_at {
        None => Some(head),
        Some(KnownAt::Seq(s)) if s <= head => Some(s),
        Some(KnownAt::Seq(_)) | Some(KnownAt::At(_)) => None,
    }
}

/// `chart` drawn from the index (head tables, or a checkpoint and the blocks after it), or
/// `None` when the full log must draw it (which also words every refusal).
pub fn chart(db: &Path, request: &chart::Request) -> Result<Option<String>, AppError> {
    match try_chart(db, request) {
        Ok(svg) => Ok(svg),
        Err(Fallback::Rebuild(why)) => {
            tracing::info!("drawing from the full log: {why}");
            Ok(None)
        }
        Err(Fallback::Store(e)) => Err(e.into()),
    }
}

fn try_chart(db: &Path, request: &chart::Request) -> Result<Option<String>, Fallback> {
    let plan_year = request.plan_year;
    let Ok(as_of) = chart::chart_as_of(request.as_of, plan_year) else {
        return Ok(None);
    };
    let Ok(span) = present_chart::span(as_of, plan_year) else {
        return Ok(None);
    };
    let reader = IndexReader::open(db)?;
    let Some(known_at) = known_seq(&reader, request.known_at) else {
        return Ok(None);
    };
    let charted = reader.chart((as_of, known_at), plan_year, span, DISBURSED)?;
    let lines: Vec<LineBalance<'_>> = charted
        .figures
        .iter()
        .map(|f| LineBalance::of(&f.spec, f.deadline, f.columns))
        .collect();
    let moved = &charted.daily;
    let mut daily: HashMap<&str, Vec<Decimal>> = HashMap::new();
    for (line, days) in moved {
        let days = days
            .iter()
            .map(|d| index_codec::decimal(*d))
            .collect::<Result<Vec<Decimal>, _>>()?;
        daily.insert(line.as_str(), days);
    }
    let view = View { as_of, known_at };
    let progress = present_chart::progress_of(view, plan_year, &lines, &daily);
    let hash = reader.hash_of(known_at)?;
    Ok(chart::draw(&progress, request.kind, hash, request.lang).ok())
}

/// `trail_of` from a line's trail file (the CLI's index path), written as it is made: the
/// rows are planned as the file is read and checked, then each record is read back as its
/// row is written, so neither the records nor the answer are held (issue 17). In JSON the
/// registered documents are linked to the rows.
fn trail_stream(
    reader: &IndexReader,
    line: &str,
    pin: Pin,
    format: (Format, Lang),
) -> Result<Option<Answer>, Fallback> {
    let mut plan = TrailPlan::new(line, pin.view.as_of);
    let asked = (line, pin.view.known_at, format.0 != Format::Text);
    let read = reader.trail(asked, &mut |at, r| plan.note(at, &r, || r.clone()))?;
    // Only now is every record the plan saw proven.
    let (Some((file, documents)), Some(trail)) = (read, plan.finish()) else {
        return Ok(None);
    };
    Ok(Some(Answer::Stream(Box::new(TrailStream {
        trail,
        file,
        documents,
        line: line.to_string(),
        pin,
        format,
    }))))
}

struct TrailStream {
    trail: Trail<crate::core::rules::Recorded>,
    file: TrailFile,
    documents: Vec<crate::core::rules::Recorded>,
    line: String,
    pin: Pin,
    format: (Format, Lang),
}

impl std::fmt::Debug for TrailStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrailStream({}, {} records)", self.line, self.file.len())
    }
}

impl Streamed for TrailStream {
    fn write(self: Box<Self>, out: &mut dyn std::io::Write, pretty: bool) -> Result<(), Unwritten> {
        let TrailStream {
            mut trail,
            file,
            documents,
            line,
            pin,
            format,
        } = *self;
        // Each record is read back and checked to chain as it did when the plan was made; a
        // file changed since fails the answer, loudly, where it stands.
        let failed = std::cell::RefCell::new(None);
        let record_at = |at: usize| match file.record(at) {
            Ok(r) => Ok(Cow::Owned(r)),
            Err(e) => {
                let said = std::io::Error::other(e.0.clone());
                *failed.borrow_mut() = Some(e);
                Err(said)
            }
        };
        let how = (pin, line.as_str(), format);
        let written = query::write_trail(&mut trail, &record_at, &documents, how, (pretty, out));
        match (written, failed.into_inner()) {
            (Ok(()), _) => Ok(()),
            (Err(_), Some(e)) => Err(Unwritten::Source(crate::app::source::unreadable(e.0))),
            (Err(e), None) => Err(Unwritten::Output(e)),
        }
    }
}
