//! The endpoints. Each parses its request, reads the log view (queries, on a blocking
//! thread: projections are CPU work) or queues a batch for the writer (appends), and renders
//! with `report`. Errors are `ApiError`s with stable codes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use crate::core::annex;
use crate::core::event;
use crate::core::known_at::{self, KnownAt};
use crate::core::money;
use crate::core::projection::{self, View};
use crate::core::revision;
use crate::core::rules::Recorded;
use crate::ledger::{self, AppendError};
use crate::present::chart;
use crate::present::render::{self, Provenance, Style};
use crate::present::report::{self, DiffPoint, Pin};
use crate::present::vi_format::{Lang, Unit};
use crate::present::xlsx;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::Principal;
use crate::server::body::{self, BodyError};
use crate::server::log_view::Log;
use crate::server::query::{Format, Params, negotiate};
use crate::server::writer::Refused;
use crate::storage::{Hash, StoreError};

type Shared = State<Arc<AppState>>;

fn hex_hash(hash: Option<Hash>) -> Value {
    hash.map_or(Value::Null, |h| Value::String(hex::encode(h)))
}

fn respond(format: Format, body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.media_type()),
        )],
        body,
    )
        .into_response()
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// Runs a query against the log view on a blocking thread.
async fn query<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&Log) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let view = state.log.clone();
    tokio::task::spawn_blocking(move || f(&view.read()))
        .await
        .map_err(|e| ApiError::internal(format!("the query failed: {e}")))?
}

/// The view `(as_of, known_at)` by the CLI's rules: `known_at` (a sequence or a past moment)
/// defaults to the head and may not lie beyond it.
fn view(log: &Log, as_of: NaiveDate, known_at: Option<KnownAt>) -> Result<(View, Pin), ApiError> {
    let view = known_at::view(&log.records, as_of, known_at, Utc::now())
        .map_err(|e| ApiError::bad_parameter(e.replace("--known-at", "known_at")))?;
    Ok((
        view,
        Pin {
            view,
            hash: log.hash_of(view.known_at),
        },
    ))
}

fn recorded_at(log: &Log, seq: u64) -> Option<chrono::DateTime<Utc>> {
    let i = usize::try_from(seq).ok()?.checked_sub(1)?;
    log.records.get(i).map(|r| r.recorded_at)
}

// ----- appends ---------------------------------------------------------------------------

pub async fn append_events(
    State(state): Shared,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if !state.store_ok.load(Ordering::SeqCst) {
        return Err(store_unavailable());
    }
    let max = state.limits.max_body_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body exceeds {max} bytes; split the batch"),
        )
        .with("limit", max)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, max).await.map_err(|e| {
        let over = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if over {
            too_large()
        } else {
            ApiError::bad_parameter(format!("the body could not be read: {e}"))
        }
    })?;
    let max_events = state.limits.max_events_per_request;
    let name = principal.name.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let mut events = body::parse_events(&bytes, max_events).map_err(body_error)?;
        body::stamp_actor(&mut events, &name).map_err(|(index, message)| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "actor_mismatch",
                format!("{message}; nothing of the batch was appended"),
            )
            .with("index", index)
            .with(
                "id",
                events
                    .get(index)
                    .map_or(Value::Null, |e| Value::String(e.id.to_string())),
            )
        })?;
        Ok(events)
    });
    let events = parsed
        .await
        .map_err(|e| ApiError::internal(format!("parsing failed: {e}")))??;
    let count = events.len();
    match state.writer.append(events).await {
        Err(Refused::QueueFull) => Err(ApiError::unavailable(
            "queue_full",
            "too many appends are waiting; retry shortly",
        )),
        Err(Refused::Stopped) => Err(ApiError::unavailable(
            "shutting_down",
            "the server is stopping and takes no more appends",
        )),
        Ok(Ok(done)) => {
            tracing::info!(
                actor = %principal.name,
                events = count,
                appended = done.seqs.len(),
                head = done.head_seq,
                "appended"
            );
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "appended": done.seqs.len(),
                    "seqs": done.seqs,
                    "already_present": done.already_present,
                    "head_seq": done.head_seq,
                    "head_hash": hex_hash(done.head_hash),
                }),
            ))
        }
        Ok(Err(AppendError::Rejected {
            index,
            id,
            rejection,
        })) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            rejection.code.as_str(),
            format!("{rejection}; nothing of the batch was appended"),
        )
        .with("index", index)
        .with(
            "id",
            id.map_or(Value::Null, |id| Value::String(id.to_string())),
        )),
        Ok(Err(AppendError::Store(e))) => {
            tracing::error!(error = %e, "append failed in the store");
            Err(store_unavailable().with("detail", e.to_string()))
        }
    }
}

fn store_unavailable() -> ApiError {
    ApiError::unavailable(
        "store_unavailable",
        "the store refused a write or failed verification; this server takes no more appends (see its log)",
    )
}

fn body_error(e: BodyError) -> ApiError {
    match e {
        BodyError::TooManyEvents { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!("a request may carry at most {limit} events; split the batch"),
        )
        .with("limit", limit),
        BodyError::Rejected {
            index,
            line,
            id,
            rejection,
        } => {
            let code = rejection.code.as_str();
            let mut message = rejection.message.clone();
            if let Some(line) = line {
                message = format!("line {line}: {message}");
            }
            let mut e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                format!("{message}; nothing of the batch was appended"),
            )
            .with("index", index.map_or(Value::Null, Value::from))
            .with("id", id.map_or(Value::Null, Value::from));
            if let Some(line) = line {
                e = e.with("line", line);
            }
            e
        }
    }
}

// ----- the log ---------------------------------------------------------------------------

/// One logged event as the API shows it: its place in the log, and the event itself in the
/// import format (so it can be re-sent or imported as it is).
fn entry_json(record: &Recorded, hash: Option<Hash>) -> Value {
    json!({
        "seq": record.seq,
        "recorded_at": record.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "hash": hex_hash(hash),
        "event": event::to_json(&record.event),
    })
}

fn check_after(after: u64, head: u64) -> Result<(), ApiError> {
    if after > head {
        return Err(ApiError::bad_parameter(format!(
            "after {after} is beyond the last recorded sequence ({head})"
        )));
    }
    Ok(())
}

pub async fn list_events(
    State(state): Shared,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["after", "limit"])?;
    let after: u64 = params.number("after")?.unwrap_or(0);
    let max = state.limits.max_page;
    let limit: usize = params.number("limit")?.unwrap_or(100.min(max));
    if limit == 0 || limit > max {
        return Err(ApiError::bad_parameter(format!(
            "limit {limit} is outside 1..={max}"
        )));
    }
    let page = query(&state, move |log| {
        let head = log.head_seq();
        check_after(after, head)?;
        let start = after as usize;
        let end = (start + limit).min(log.records.len());
        let entries: Vec<Value> = log.records[start..end]
            .iter()
            .map(|r| entry_json(r, log.hash_of(r.seq)))
            .collect();
        Ok(json!({
            "events": entries,
            "next_after": end,
            "head_seq": head,
            "head_hash": hex_hash(log.hash_of(head)),
        }))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &page))
}

/// Events sent per read of the log view by a stream.
const STREAM_CHUNK: usize = 256;

struct StreamState {
    state: Arc<AppState>,
    after: u64,
    buffer: VecDeque<SseEvent>,
    head: tokio::sync::watch::Receiver<u64>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

pub async fn stream_events(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["after"])?;
    // A reconnecting EventSource sends the last id it saw.
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| ApiError::bad_parameter("Last-Event-ID is not a sequence"))
        })
        .transpose()?;
    let after = match (params.number::<u64>("after")?, resume) {
        (Some(a), Some(r)) => a.max(r),
        (a, r) => a.or(r).unwrap_or(0),
    };
    check_after(after, state.log.read().head_seq())?;
    let permit = state.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::unavailable(
            "too_many_streams",
            format!(
                "at most {} event streams may be open at once",
                state.limits.max_streams
            ),
        )
    })?;
    let stream_state = StreamState {
        head: state.log.subscribe(),
        shutdown: state.shutdown.clone(),
        state,
        after,
        buffer: VecDeque::new(),
        _permit: permit,
    };
    let stream = futures_util::stream::unfold(stream_state, |mut s| async move {
        loop {
            if let Some(event) = s.buffer.pop_front() {
                return Some((Ok::<_, Infallible>(event), s));
            }
            if *s.shutdown.borrow() {
                return None;
            }
            // Mark the head seen before reading, so an append after the read wakes us.
            s.head.borrow_and_update();
            {
                let log = s.state.log.read();
                let start = s.after as usize;
                let end = (start + STREAM_CHUNK).min(log.records.len());
                for r in log.records.get(start..end).unwrap_or(&[]) {
                    let data = entry_json(r, log.hash_of(r.seq)).to_string();
                    s.buffer.push_back(
                        SseEvent::default()
                            .id(r.seq.to_string())
                            .event("event")
                            .data(data),
                    );
                    s.after = r.seq;
                }
            }
            if !s.buffer.is_empty() {
                continue;
            }
            tokio::select! {
                changed = s.head.changed() => if changed.is_err() { return None },
                _ = s.shutdown.changed() => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

// ----- views -----------------------------------------------------------------------------

pub async fn balances(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "plan_year", "format"])?;
    let format = negotiate(
        &params,
        &headers,
        &[Format::Json, Format::Csv, Format::Text],
    )?;
    let as_of = params.required_date("as_of")?;
    let known_at = params.known_at("known_at")?;
    let plan_year: Option<i32> = params.number("plan_year")?;
    let body = query(&state, move |log| {
        let (view, pin) = view(log, as_of, known_at)?;
        let lines = projection::balances(&log.records, view, plan_year);
        Ok(match format {
            Format::Text => report::balance_text(pin, &lines),
            Format::Csv => balance_csv(&lines)?,
            _ => report::balance_json(pin, &lines).to_string(),
        })
    })
    .await?;
    Ok(respond(format, body))
}

/// Balances as CSV: one row per line, then a `total` row; amounts in đồng. The closing
/// columns of issue 12 come last, so readers of the earlier columns read them unchanged.
fn balance_csv(lines: &[projection::LineBalance<'_>]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(format!("cannot write CSV: {e}"));
    w.write_record([
        "row",
        "line",
        "program",
        "capital",
        "source",
        "plan_year",
        "origin",
        "plan",
        "disbursed",
        "available",
        "rate",
        "carried_out",
        "lapsed",
        "recovered_after_close",
        "deadline",
    ])
    .map_err(fail)?;
    let rate = |r| money::rate_text(r).unwrap_or_default();
    for l in lines {
        w.write_record([
            "line",
            &l.spec.line,
            &l.spec.program,
            l.spec.capital.as_str(),
            &l.spec.source,
            &l.spec.plan_year.to_string(),
            l.spec.origin.as_str(),
            &l.plan.to_string(),
            &l.disbursed.to_string(),
            &l.available().to_string(),
            &rate(l.rate()),
            &l.carried_out.to_string(),
            &l.lapsed.to_string(),
            &l.recovered_after_close.to_string(),
            &l.deadline.to_string(),
        ])
        .map_err(fail)?;
    }
    let t = projection::totals(lines);
    w.write_record([
        "total",
        "",
        "",
        "",
        "",
        "",
        "",
        &t.plan.to_string(),
        &t.disbursed.to_string(),
        &t.available().to_string(),
        &rate(t.rate()),
        &t.carried_out.to_string(),
        &t.lapsed.to_string(),
        &t.recovered_after_close.to_string(),
        "",
    ])
    .map_err(fail)?;
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
}

pub async fn trail(
    State(state): Shared,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    let as_of = match params.date("as_of")? {
        Some(d) => d,
        None => NaiveDate::from_ymd_opt(money::MAX_YEAR, 12, 31)
            .ok_or_else(|| ApiError::internal("no last date"))?,
    };
    let known_at = params.known_at("known_at")?;
    let body = query(&state, move |log| {
        let (view, pin) = view(log, as_of, known_at)?;
        let rows = projection::trail(&log.records, &code, view).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_line",
                format!("line {code:?} was not opened by sequence {}", view.known_at),
            )
        })?;
        Ok(match format {
            Format::Text => report::trail_text(pin, &code, &rows),
            _ => report::trail_json(pin, &code, &rows).to_string(),
        })
    })
    .await?;
    Ok(respond(format, body))
}

pub async fn summary(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "plan_year", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Text])?;
    let as_of = params.required_date("as_of")?;
    let known_at = params.known_at("known_at")?;
    let plan_year: i32 = params
        .number("plan_year")?
        .ok_or_else(|| ApiError::bad_parameter("query parameter plan_year is required"))?;
    let body = query(&state, move |log| {
        let (view, pin) = view(log, as_of, known_at)?;
        let lines = projection::balances(&log.records, view, Some(plan_year));
        Ok(report::section_two_text(pin, plan_year, &lines))
    })
    .await?;
    Ok(respond(format, body))
}

/// The point-in-time report of `socai report`: section II and its annexes, in every format
/// the report offers (xlsx is a download).
pub async fn section_two_report(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(
        q.as_deref(),
        &["as_of", "known_at", "plan_year", "lang", "unit", "format"],
    )?;
    let format = negotiate(
        &params,
        &headers,
        &[
            Format::Json,
            Format::Text,
            Format::Md,
            Format::Html,
            Format::Csv,
            Format::Xlsx,
        ],
    )?;
    let as_of = params.required_date("as_of")?;
    let known_at = params.known_at("known_at")?;
    let plan_year: i32 = params
        .number("plan_year")?
        .ok_or_else(|| ApiError::bad_parameter("query parameter plan_year is required"))?;
    let lang: Lang = params.choice("lang")?.unwrap_or(Lang::Vi);
    let unit: Unit = params.choice("unit")?.unwrap_or(Unit::Trieu);
    let body = query(&state, move |log| {
        let (view, _) = view(log, as_of, known_at)?;
        let lines = projection::balances(&log.records, view, Some(plan_year));
        let figures = annex::build(plan_year, &lines);
        let prov = Provenance {
            as_of,
            plan_year,
            known_at: view.known_at,
            recorded_at: recorded_at(log, view.known_at),
            head_hash: log.hash_of(view.known_at),
            command: format!(
                "socai report --as-of {as_of} --known-at {} --plan-year {plan_year} --format {} --lang {} --unit {}",
                view.known_at,
                format.name(),
                lang.as_str(),
                unit.as_str()
            ),
        };
        let style = Style { lang, unit };
        Ok(match format {
            Format::Text => render::text(&figures, &prov, style).into_bytes(),
            Format::Md => render::markdown(&figures, &prov, style).into_bytes(),
            Format::Html => {
                let hash = log.hash_of(view.known_at).map(hex::encode);
                let charts =
                    chart::report_charts(&log.records, view, plan_year, hash.as_deref(), lang)
                        .map_err(ApiError::internal)?;
                render::html(&figures, &prov, style, &charts).into_bytes()
            }
            Format::Json => render::json(&figures, &prov).to_string().into_bytes(),
            Format::Csv => render::csv(&figures, &prov, style).into_bytes(),
            Format::Xlsx => xlsx::workbook(&figures, &prov, style).map_err(ApiError::internal)?,
        })
    })
    .await?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.media_type()),
        )],
        body,
    )
        .into_response();
    if format == Format::Xlsx {
        let name = format!("attachment; filename=\"socai-report-{as_of}-{plan_year}.xlsx\"");
        if let Ok(v) = HeaderValue::from_str(&name) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

/// The settlement of a plan year (`socai settlement`), through the same use case as the CLI.
pub async fn settlement(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    use crate::app::settlement::{self as use_case, Request, Source};
    let params = Params::parse(
        q.as_deref(),
        &["as_of", "known_at", "plan_year", "lang", "unit", "format"],
    )?;
    let offered = [Format::Json, Format::Text, Format::Csv, Format::Xlsx];
    let format = negotiate(&params, &headers, &offered)?;
    let as_of = params
        .date("as_of")?
        .unwrap_or_else(use_case::default_as_of);
    let known_at = params.known_at("known_at")?;
    let plan_year: i32 = params
        .number("plan_year")?
        .ok_or_else(|| ApiError::bad_parameter("query parameter plan_year is required"))?;
    let request = Request {
        plan_year,
        as_of: Some(as_of),
        known_at,
        format: match format {
            Format::Text => use_case::Format::Text,
            Format::Csv => use_case::Format::Csv,
            Format::Xlsx => use_case::Format::Xlsx,
            _ => use_case::Format::Json,
        },
        lang: params.choice("lang")?.unwrap_or(Lang::Vi),
        unit: params.choice("unit")?.unwrap_or(Unit::Trieu),
    };
    use_case::check(&request).map_err(|e| ApiError::bad_parameter(e.to_string()))?;
    let body = query(&state, move |log| {
        let (view, _) = view(log, as_of, known_at)?;
        let hash_of = |seq: u64| log.hash_of(seq);
        let source = Source {
            records: &log.records,
            hash_of: &hash_of,
        };
        use_case::render(source, view, &request).map_err(|e| match e {
            use_case::Error::Usage(m) => ApiError::bad_parameter(m),
            use_case::Error::Output(m) => ApiError::internal(m),
        })
    })
    .await?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.media_type()),
        )],
        body,
    )
        .into_response();
    if format == Format::Xlsx {
        let name = format!("attachment; filename=\"socai-settlement-{plan_year}-{as_of}.xlsx\"");
        if let Ok(v) = HeaderValue::from_str(&name) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

/// What changed in the figures as of a date between two knowledge points (`socai diff`).
pub async fn diff(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(
        q.as_deref(),
        &["as_of", "known_at", "vs", "plan_year", "format"],
    )?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    let as_of = params.required_date("as_of")?;
    let before = params
        .known_at("known_at")?
        .ok_or_else(|| ApiError::bad_parameter("query parameter known_at is required"))?;
    let after = params
        .known_at("vs")?
        .ok_or_else(|| ApiError::bad_parameter("query parameter vs is required"))?;
    let plan_year: Option<i32> = params.number("plan_year")?;
    let body = query(&state, move |log| {
        let (b, _) = view(log, as_of, Some(before))?;
        let (a, _) = view(log, as_of, Some(after))?;
        let rev = revision::diff(&log.records, as_of, b.known_at, a.known_at, plan_year);
        let point = |seq: u64| DiffPoint {
            seq,
            recorded_at: recorded_at(log, seq),
            hash: log.hash_of(seq),
        };
        Ok(match format {
            Format::Text => {
                report::diff_text(&rev, plan_year, point(b.known_at), point(a.known_at))
            }
            _ => {
                report::diff_json(&rev, plan_year, point(b.known_at), point(a.known_at)).to_string()
            }
        })
    })
    .await?;
    Ok(respond(format, body))
}

// ----- integrity and health --------------------------------------------------------------

pub async fn verify(State(state): Shared) -> Result<Response, ApiError> {
    let reader = state.reader.clone();
    let acknowledged = state.log.read().hashes.clone();
    let outcome = tokio::task::spawn_blocking(move || ledger::verify_log(&reader, &acknowledged))
        .await
        .map_err(|e| ApiError::internal(format!("verification failed to run: {e}")))?;
    match outcome {
        Ok((head, hash)) => Ok(json_response(
            StatusCode::OK,
            &json!({"ok": true, "verified_events": head, "head_seq": head, "head_hash": hex_hash(hash)}),
        )),
        Err(e @ StoreError::Integrity { .. }) => {
            // Refuse loudly: no more appends on a log that is not what was acknowledged.
            state.store_ok.store(false, Ordering::SeqCst);
            tracing::error!(error = %e, "verification failed");
            let seq = match &e {
                StoreError::Integrity { seq, .. } => *seq,
                _ => None,
            };
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "integrity_failure",
                e.to_string(),
            )
            .with("seq", seq.map_or(Value::Null, Value::from)))
        }
        Err(e) => Err(ApiError::unavailable("store_unavailable", e.to_string())),
    }
}

pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

pub async fn readyz(State(state): Shared) -> Result<Response, ApiError> {
    if *state.shutdown.borrow() {
        return Err(ApiError::unavailable(
            "not_ready",
            "the server is shutting down",
        ));
    }
    if !state.store_ok.load(Ordering::SeqCst) {
        return Err(ApiError::unavailable(
            "not_ready",
            "the store failed a write or a verification",
        ));
    }
    let head = state.log.read().head_seq();
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ready", "head_seq": head}),
    ))
}

pub async fn stats(State(state): Shared) -> Response {
    let s = &state.stats;
    let l = &state.limits;
    json_response(
        StatusCode::OK,
        &json!({
            "head_seq": state.log.read().head_seq(),
            "commits": s.commits.load(Ordering::Relaxed),
            "append_requests": s.requests.load(Ordering::Relaxed),
            "events_appended": s.events_appended.load(Ordering::Relaxed),
            "largest_group": s.largest_group.load(Ordering::Relaxed),
            "open_access": state.auth.is_open(),
            "credentials": state.credentials.iter().map(|c| json!({"name": c.name, "role": c.role.as_str()})).collect::<Vec<_>>(),
            "limits": {
                "max_body_bytes": l.max_body_bytes,
                "max_events_per_request": l.max_events_per_request,
                "request_timeout_ms": l.request_timeout_ms,
                "max_concurrent_requests": l.max_concurrent_requests,
                "max_streams": l.max_streams,
                "append_queue": l.append_queue,
                "max_page": l.max_page,
                "max_connections": l.max_connections,
            },
        }),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint (see schemas/openapi.json)",
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method (see schemas/openapi.json)",
    )
}

/// POST /v1/admin/backup `{"dir": PATH}`: a verified copy of the store, taken by the writer
/// between two group commits while the server keeps serving. PATH is on the server's machine
/// and must be new or empty; the answer names the head the copy holds.
pub async fn backup(State(state): Shared, body: Body) -> Result<Response, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Request {
        dir: String,
    }
    const MAX_BACKUP_BODY: usize = 64 * 1024;
    let bytes = axum::body::to_bytes(body, MAX_BACKUP_BODY)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed", e.to_string()))?;
    let request: Request = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("the body must be {{\"dir\": \"/path/to/new/dir\"}}: {e}"),
        )
    })?;
    let dest = std::path::PathBuf::from(&request.dir);
    if !dest.is_absolute() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("dir {:?} must be an absolute path", request.dir),
        ));
    }
    match state.writer.backup(dest).await {
        Err(Refused::QueueFull) => Err(ApiError::unavailable(
            "queue_full",
            "too many requests are waiting for the writer; retry shortly",
        )),
        Err(Refused::Stopped) => Err(ApiError::unavailable(
            "shutting_down",
            "the server is stopping",
        )),
        Ok(Err(e)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "backup_failed",
            format!("no backup was made: {e}"),
        )),
        Ok(Ok((seq, hash))) => Ok(json_response(
            StatusCode::OK,
            &json!({
                "dir": request.dir,
                "head_seq": seq,
                "head_hash": hex::encode(hash),
                "expect_head": format!("{seq}:{}", hex::encode(hash)),
            }),
        )),
    }
}
