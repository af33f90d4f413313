//! The endpoints. Each parses its request, then answers a query through `crate::app::query`
//! from the log view (on a blocking thread: projections are CPU work) or queues a batch for
//! the writer (appends). Errors are `ApiError`s with stable codes.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::query::{self, Answer, DiffRequest, Query};
use crate::app::report::ReportRequest;
use crate::app::settlement::SettlementRequest;
use crate::ledger;
use crate::present::api_problems::{ApiProblem, JsonBody, Queue, Step};
use crate::present::problems;
use crate::present::render::official::Official;
use crate::present::vi_format::Lang;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::language;
use crate::server::log_view::Log;
use crate::server::query::{Format, Params, media_type, negotiate};
use crate::server::verified::Phase;
use crate::server::writer::Refused;
use crate::storage::StoreError;

pub(super) type Shared = State<Arc<AppState>>;

pub(super) fn respond(format: Format, body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_type(format)),
        )],
        body,
    )
        .into_response()
}

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// Runs a query against the log view on a blocking thread.
pub(super) async fn query<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&Log) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let view = state.log.clone();
    tokio::task::spawn_blocking(move || f(&view.read()))
        .await
        .map_err(|e| ApiError::fault(Step::Query, e))?
}

// ----- the log ---------------------------------------------------------------------------

/// Answers a query on a blocking thread, laid out for HTTP (compact JSON): from the
/// persisted index when it answers the question exactly for the acknowledged log
/// (`indexed`), else from the log view.
/// Before the store is verified, only the index answers (`indexed::before_verified`; the
/// answer says `pending`), else the query waits for the verification; after it, the index
/// answers only once proven against the verified log.
pub(super) async fn answer(state: &Arc<AppState>, q: Query) -> Result<Vec<u8>, ApiError> {
    if state.verification.phase() == Phase::Verifying {
        if let Some(answer) = before_verified(state, q.clone()).await? {
            return Ok(answer_bytes(answer));
        }
        state.verification.wait().await?;
    }
    let proven = matches!(
        state.verification.phase(),
        Phase::Verified { index_proven: true }
    );
    let store = state.dir.clone();
    let answer = query(state, move |log| {
        if proven && let Some(answer) = crate::server::indexed::answer(&store, log.chain(), &q) {
            return Ok(answer);
        }
        Ok(query::answer(log.chain(), &q)?)
    })
    .await?;
    Ok(answer_bytes(answer))
}

/// The index's answer while the store is verified, kept only if no append can have begun
/// meanwhile (the writer appends only once the store is verified).
async fn before_verified(state: &Arc<AppState>, q: Query) -> Result<Option<Answer>, ApiError> {
    let (dir, unit) = (state.dir.clone(), state.log.read().unit.clone());
    let answer = tokio::task::spawn_blocking(move || {
        crate::server::indexed::before_verified(&dir, unit.as_ref(), &q)
    })
    .await
    .map_err(|e| ApiError::fault(Step::Query, e))?;
    Ok(answer.filter(|_| state.verification.phase() == Phase::Verifying))
}

fn answer_bytes(answer: Answer) -> Vec<u8> {
    match answer {
        Answer::Text(text) => text.into_bytes(),
        Answer::Json(value) => value.to_string().into_bytes(),
        Answer::JsonText(text) => text.into_bytes(),
        Answer::Bytes(bytes) => bytes,
        Answer::Stream(stream) => crate::app::query::stream_bytes(stream, false),
    }
}

pub async fn balances(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    const ALLOWED: [&str; 5] = ["as_of", "known_at", "plan_year", "format", "csv_dialect"];
    let params = Params::parse(q.as_deref(), &ALLOWED)?;
    let offered = [Format::Json, Format::Csv, Format::Text];
    let format = negotiate(&params, &headers, &offered)?;
    let q = Query::Balance {
        as_of: params.required_date("as_of")?,
        known_at: params.known_at("known_at")?,
        plan_year: params.number("plan_year")?,
        format,
        lang: language::preferred(&headers),
        csv_dialect: params.csv_dialect()?,
    };
    Ok(respond(format, answer(&state, q).await?))
}

pub async fn trail(
    State(state): Shared,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    let q = Query::Trail {
        line: code,
        as_of: params.date("as_of")?,
        known_at: params.known_at("known_at")?,
        format,
        lang: language::preferred(&headers),
    };
    Ok(respond(format, answer(&state, q).await?))
}

pub(super) fn required_plan_year(params: &Params) -> Result<i32, ApiError> {
    params
        .number("plan_year")?
        .ok_or_else(|| missing("plan_year"))
}

pub async fn summary(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "plan_year", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Text])?;
    let q = Query::Summary {
        as_of: params.required_date("as_of")?,
        known_at: params.known_at("known_at")?,
        plan_year: required_plan_year(&params)?,
        lang: language::preferred(&headers),
    };
    Ok(respond(format, answer(&state, q).await?))
}

/// The parameters the report and the settlement both take.
const REPORT_PARAMS: [&str; 7] = [
    "as_of",
    "known_at",
    "plan_year",
    "lang",
    "unit",
    "format",
    "csv_dialect",
];

/// The point-in-time report of `socai report`: section II and its annexes, in every format
/// the report offers (xlsx is a download).
pub async fn section_two_report(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let allowed = [&REPORT_PARAMS[..], &["number", "date", "whole"]].concat();
    let params = Params::parse(q.as_deref(), &allowed)?;
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
            Format::Docx,
        ],
    )?;
    // `whole=true`: the whole report in the seed's layout (md, html; docx always is).
    let whole = params.flag("whole")?;
    let request = ReportRequest {
        as_of: params.required_date("as_of")?,
        known_at: params.known_at("known_at")?,
        plan_year: required_plan_year(&params)?,
        // The `lang` parameter, else the client's Accept-Language (Vietnamese by default).
        lang: params.lang(language::preferred(&headers))?,
        unit: params.amount_unit()?,
        format,
        official: official(&params)?,
        csv_dialect: params.csv_dialect()?,
        whole,
    };
    let name = format!("socai-report-{}-{}", request.as_of, request.plan_year);
    let response = respond(format, answer(&state, Query::Report(request)).await?);
    Ok(download(response, format, &name))
}

impl Refused {
    /// The 503 of a job the writer would not take, worded for what was asked (`ms`: the
    /// request's time limit, named by an outcome that is unknown).
    pub(super) fn api_error(self, queue: Queue, appends: bool, ms: u64) -> ApiError {
        match self {
            Refused::QueueFull => ApiError::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_full",
                ApiProblem::QueueFull(queue),
            ),
            Refused::Stopped => ApiError::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                ApiProblem::Stopping { appends },
            ),
            Refused::NotReady => ApiError::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "appends_not_ready",
                ApiProblem::AppendsNotReady,
            ),
            Refused::Unknown => ApiError::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                ApiProblem::Timeout { ms },
            ),
        }
    }
}

/// The report's number and date at its head (`number`, `date`: what `report --number/--date`
/// take), checked as the CLI checks them.
fn official(params: &Params) -> Result<Official, ApiError> {
    let number = params
        .get("number")
        .map(|n| {
            Official::check_number(n).map_err(|_| {
                ApiError::parameter(ApiProblem::BadReportNumber {
                    max: crate::present::render::official::MAX_NUMBER_CHARS,
                    control: n.chars().any(char::is_control),
                })
            })
        })
        .transpose()?;
    Ok(Official {
        number,
        date: params.date("date")?,
    })
}

/// An xlsx or docx answer is a download named `name.xlsx` or `name.docx`; other formats are
/// shown.
pub(super) fn download(mut response: Response, format: Format, name: &str) -> Response {
    if matches!(format, Format::Xlsx | Format::Docx)
        && let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{name}.{}\"",
            format.as_str()
        ))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// The settlement of a plan year (`socai settlement`), through the same use case as the CLI.
pub async fn settlement(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &REPORT_PARAMS)?;
    let format = negotiate(&params, &headers, &crate::app::settlement::FORMATS)?;
    let request = SettlementRequest {
        plan_year: required_plan_year(&params)?,
        as_of: params.date("as_of")?,
        known_at: params.known_at("known_at")?,
        format,
        // The `lang` parameter, else the client's Accept-Language (Vietnamese by default).
        lang: params.lang(language::preferred(&headers))?,
        unit: params.amount_unit()?,
        csv_dialect: params.csv_dialect()?,
    };
    let response = respond(format, answer(&state, Query::Settlement(request)).await?);
    let name = format!("socai-settlement-{}", request.plan_year);
    Ok(download(response, format, &name))
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
    let known_at = params
        .known_at("known_at")?
        .ok_or_else(|| missing("known_at"))?;
    let vs = params.known_at("vs")?.ok_or_else(|| missing("vs"))?;
    let q = Query::Diff(DiffRequest {
        as_of,
        known_at,
        vs,
        plan_year: params.number("plan_year")?,
        format,
        lang: language::preferred(&headers),
    });
    Ok(respond(format, answer(&state, q).await?))
}

// ----- integrity and health --------------------------------------------------------------

pub async fn verify(State(state): Shared) -> Result<Response, ApiError> {
    // Held by the blocking task, so a client that goes away does not free it early.
    let permit = crate::server::verify_gate::enter(&state)?;
    let reader = crate::server::verified::reader(&state)?;
    let acknowledged = state.log.read().hashes.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        ledger::verify_log(&reader, &acknowledged)
    })
    .await
    .map_err(|e| ApiError::fault(Step::Verification, e))?;
    match outcome {
        Ok((head, hash)) => Ok(json_response(
            StatusCode::OK,
            &json!({"ok": true, "verified_events": head, "head_seq": head, "head_hash": hash.map(hex::encode)}),
        )),
        Err(e @ StoreError::Integrity { .. }) => {
            // Refuse loudly: no more appends on a log that is not what was acknowledged.
            state.store_ok.store(false, Ordering::SeqCst);
            tracing::error!(error = %e, "verification failed");
            let seq = match &e {
                StoreError::Integrity { seq, .. } => *seq,
                _ => None,
            };
            Err(
                ApiError::store(StatusCode::INTERNAL_SERVER_ERROR, "integrity_failure", &e)
                    .with("seq", seq.map_or(Value::Null, Value::from)),
            )
        }
        Err(e) => Err(ApiError::store(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            &e,
        )),
    }
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
                "header_read_timeout_ms": l.header_read_timeout_ms,
            },
        }),
    )
}

/// A required query parameter that was not given.
pub fn missing(key: &str) -> ApiError {
    ApiError::parameter(ApiProblem::MissingParameter {
        key: key.to_string(),
        date: false,
    })
}

pub async fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "not_found", ApiProblem::NoEndpoint)
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::of(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        ApiProblem::MethodNotAllowed,
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
        .map_err(|e| {
            ApiError::of(
                StatusCode::BAD_REQUEST,
                "malformed",
                ApiProblem::BodyUnreadable,
            )
            .with("detail", e.to_string())
        })?;
    let request: Request = serde_json::from_slice(&bytes).map_err(|e| {
        let problem = ApiProblem::BadJson {
            body: JsonBody::Backup,
            line: e.line(),
            column: e.column(),
        };
        ApiError::of(StatusCode::BAD_REQUEST, "malformed", problem).with("detail", e.to_string())
    })?;
    let dest = std::path::PathBuf::from(&request.dir);
    if !dest.is_absolute() {
        return Err(ApiError::of(
            StatusCode::BAD_REQUEST,
            "malformed",
            ApiProblem::BackupDirNotAbsolute {
                dir: request.dir.clone(),
            },
        ));
    }
    // The copy checks this again (it never writes over anything); asked here first, so
    // that the usual mistake is answered in the client's language.
    if std::fs::read_dir(&dest).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "backup_failed",
            ApiProblem::BackupDirNotEmpty { dir: request.dir },
        ));
    }
    match state.writer.backup(dest).await {
        Err(r) => Err(r.api_error(Queue::Requests, false, state.limits.request_timeout_ms)),
        Ok(Err(e)) => Err(ApiError::of(
            StatusCode::CONFLICT,
            "backup_failed",
            ApiProblem::BackupFailed {
                why: problems::store(&e, Lang::Vi),
                why_en: problems::store(&e, Lang::En),
            },
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
