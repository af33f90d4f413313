//! The log's own endpoints: pages of recorded events (`GET /v1/events`, filtered for people
//! or verbatim for replicas) and the live event stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use crate::app::events;
use crate::present::api_problems::ApiProblem;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::handlers::{Shared, json_response, query};
use crate::server::query::Params;

fn check_after(after: u64, head: u64) -> Result<(), ApiError> {
    if after > head {
        return Err(ApiError::parameter(ApiProblem::AfterBeyondHead {
            after,
            head,
        }));
    }
    Ok(())
}

pub async fn list_events(
    State(state): Shared,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(
        q.as_deref(),
        &[
            "after", "limit", "stored", "document", "payee", "line", "from", "to", "type",
        ],
    )?;
    let after: u64 = params.number("after")?.unwrap_or(0);
    let max = state.limits.max_page.min(events::MAX_LIMIT);
    let limit: usize = params
        .number("limit")?
        .unwrap_or(events::DEFAULT_LIMIT.min(max));
    if limit == 0 || limit > max {
        return Err(ApiError::parameter(ApiProblem::LimitOutOfRange {
            limit,
            max,
        }));
    }
    let text = |k: &str| params.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let request = events::Request {
        filter: events::Filter {
            document: text("document"),
            payee: text("payee"),
            line: text("line"),
            from: params.date("from")?,
            to: params.date("to")?,
            kind: text("type"),
        },
        after,
        limit,
    };
    // `stored=true`: each entry also carries its stored envelope, byte for byte (replicas,
    // which copy the log in order: no filter).
    let stored = params.flag("stored")?;
    if stored && request.filter != events::Filter::default() {
        return Err(ApiError::parameter(ApiProblem::StoredTakesNoFilter));
    }
    let reader = match stored {
        true => Some(crate::server::verified::reader(&state)?),
        false => None,
    };
    let page = query(&state, move |log| {
        check_after(after, log.head_seq())?;
        let page = events::find(log.chain().into(), &request).map_err(ApiError::from)?;
        let mut value = events::page_json(&page);
        if let (Some(reader), Some(entries)) = (reader, value["events"].as_array_mut()) {
            crate::server::stored::add_envelopes(&reader, log, after, entries)?;
        }
        Ok(value)
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
                .map_err(|_| ApiError::parameter(ApiProblem::BadLastEventId))
        })
        .transpose()?;
    let after = match (params.number::<u64>("after")?, resume) {
        (Some(a), Some(r)) => a.max(r),
        (a, r) => a.or(r).unwrap_or(0),
    };
    check_after(after, state.log.read().head_seq())?;
    let permit = state.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::of(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            crate::present::api_problems::ApiProblem::TooManyStreams {
                max: state.limits.max_streams,
            },
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
                    let data = events::entry_json(r, log.hash_of(r.seq)).to_string();
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
