//! `POST /v1/events`: an append's body read within its bound, parsed, queued for the writer's
//! group commit, and answered once durable with the likely duplicates it made. A small body
//! is parsed, and its duplicates looked up, on the request's own task: sent to the blocking
//! pool, every request of 64 clients woke a thread of its own twice (a pool of ~70 threads,
//! 19 futex calls per append, a third of the server's CPU; BENCHMARKS.md, 2026-12-08).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::app::duplicates;
use crate::core::event::Event;
use crate::core::rejection::Rejection;
use crate::ledger::AppendError;
use crate::present::api_problems::{ApiProblem, Queue, Step};
use crate::present::messages;
use crate::present::vi_format::Lang;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::Principal;
use crate::server::body::{self, BodyError};
use crate::server::handlers::{Shared, json_response, query};
use crate::server::writer::AppendDeadline;

pub async fn append_events(
    State(state): Shared,
    Extension(principal): Extension<Principal>,
    deadline: Option<Extension<AppendDeadline>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if !state.store_ok.load(Ordering::SeqCst) {
        return Err(store_unavailable());
    }
    let bytes = read_body(&headers, body, state.limits.max_body_bytes).await?;
    let max_events = state.limits.max_events_per_request;
    let events = parsed(bytes, max_events, principal.name.clone()).await?;
    let count = events.len();
    let deadline = deadline.map_or_else(|| state.writer.deadline(), |Extension(d)| d);
    match state.writer.append_by(events, deadline).await {
        Err(r) => Err(r.api_error(Queue::Appends, true, state.limits.request_timeout_ms)),
        Ok(Ok(done)) => {
            let warnings = warnings(&state, done.seqs.clone()).await;
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
                    "head_hash": done.head_hash.map(hex::encode),
                    "warnings": warnings,
                }),
            ))
        }
        Ok(Err(AppendError::Rejected {
            index,
            id,
            rejection,
        })) => Err(ApiError::worded(
            StatusCode::UNPROCESSABLE_ENTITY,
            rejection.code.as_str(),
            refused_batch(&rejection, None, Lang::Vi),
            refused_batch(&rejection, None, Lang::En),
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

/// Bodies parsed on the request's task (about 30 events); a larger one goes to the blocking
/// pool, as parsing it may take longer than a task should run between two awaits.
const PARSED_IN_TASK_BYTES: usize = 16 * 1024;

/// Appended events whose likely duplicates are looked up on the request's task.
const LOOKED_UP_IN_TASK: usize = 32;

/// The body's events, each stamped with the principal as its actor.
async fn parsed(
    bytes: axum::body::Bytes,
    max_events: usize,
    name: String,
) -> Result<Vec<Event>, ApiError> {
    let small = bytes.len() <= PARSED_IN_TASK_BYTES;
    let parse = move || {
        let mut events = body::parse_events(&bytes, max_events).map_err(body_error)?;
        body::stamp_actor(&mut events, &name).map_err(|(index, problem)| {
            whole_batch(StatusCode::UNPROCESSABLE_ENTITY, "actor_mismatch", &problem)
                .with("index", index)
                .with(
                    "id",
                    events
                        .get(index)
                        .map_or(Value::Null, |e| Value::String(e.id.to_string())),
                )
        })?;
        Ok::<_, ApiError>(events)
    };
    if small {
        return parse();
    }
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| ApiError::fault(Step::Parsing, e))?
}

/// The likely duplicates an append made, as JSON warnings. A durable batch is never turned
/// into an error: a failed look is logged and answered with none.
async fn warnings(state: &Arc<AppState>, seqs: Vec<u64>) -> Vec<Value> {
    let look = |log: &crate::server::log_view::Log, seqs: &[u64]| {
        duplicates::of_pairs(&log.repeats(seqs))
            .iter()
            .map(duplicates::Warning::to_json)
            .collect::<Vec<Value>>()
    };
    // On the task only when the view can be read at once: a writer waiting to extend it
    // behind a long query would otherwise hold up this runtime thread.
    if seqs.len() <= LOOKED_UP_IN_TASK
        && let Some(log) = state.log.try_read()
    {
        return look(&log, &seqs);
    }
    query(state, move |log| Ok(look(log, &seqs)))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, "duplicate check after an append failed");
            Vec::new()
        })
}

/// An append's body, refused as `body_too_large` past `max` bytes (by its declared length
/// before reading, or while reading).
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            ApiProblem::BodyTooLarge { max: max as u64 },
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
    axum::body::to_bytes(body, max).await.map_err(|e| {
        if over_limit(&e) {
            too_large()
        } else {
            ApiError::parameter(ApiProblem::BodyUnreadable).with("detail", e.to_string())
        }
    })
}

/// Whether reading a body failed on its length limit: the limit's error type somewhere in
/// the chain of sources (axum and hyper each wrap it).
fn over_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn store_unavailable() -> ApiError {
    ApiError::of(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        ApiProblem::StoreUnavailable,
    )
}

/// A batch refused as a whole, worded by the catalogue with "nothing was appended".
fn whole_batch(status: StatusCode, code: &'static str, problem: &ApiProblem) -> ApiError {
    let say = |lang| {
        format!(
            "{}; {}",
            problem.text(lang),
            messages::nothing_appended(lang)
        )
    };
    ApiError::worded(status, code, say(Lang::Vi), say(Lang::En))
}

/// A refused event of a batch in `lang`: the line of a JSON-lines body, the rejection
/// (worded from its code and facts) and "nothing was appended".
fn refused_batch(rejection: &Rejection, line: Option<usize>, lang: Lang) -> String {
    let mut message = messages::rejection(rejection, lang);
    if let Some(line) = line {
        let word = messages::t(lang, "dòng nhập", "line");
        message = format!("{word} {line}: {message}");
    }
    format!("{message}; {}", messages::nothing_appended(lang))
}

fn body_error(e: BodyError) -> ApiError {
    match e {
        BodyError::TooManyEvents { limit } => ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            ApiProblem::TooManyEvents { limit },
        )
        .with("limit", limit),
        BodyError::Whole(problem) => {
            whole_batch(StatusCode::UNPROCESSABLE_ENTITY, "malformed", &problem)
                .with("index", Value::Null)
                .with("id", Value::Null)
        }
        BodyError::Rejected {
            index,
            line,
            id,
            rejection,
        } => {
            let mut e = ApiError::worded(
                StatusCode::UNPROCESSABLE_ENTITY,
                rejection.code.as_str(),
                refused_batch(&rejection, line, Lang::Vi),
                refused_batch(&rejection, line, Lang::En),
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
