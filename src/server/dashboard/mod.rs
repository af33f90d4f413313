//! The browser dashboard at `/`: plain server-rendered HTML (no script, nothing fetched from
//! elsewhere). Figures as of a chosen date and knowledge point, both charts, a line's audit
//! trail, and, for the recorder and admin roles, forms that record a disbursement, a refund or
//! a reversal through the same parser, rules and writer queue as `POST /v1/events`.
//!
//! Browsers cannot send a bearer header from a link or a form, so the dashboard also accepts
//! the token from an `HttpOnly; SameSite=Strict` cookie set by its login form (`SameSite=Strict`
//! keeps other sites' forms from posting with it). An `Authorization` header still wins.

mod form;
mod lines;
mod page;
mod trail;

use std::sync::Arc;

use crate::present::vi_format::Lang;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{FixedOffset, NaiveDate, Utc};

use crate::core::event::Kind;
use crate::ledger::AppendError;
use crate::present::api_problems::{ApiProblem, Step};
use crate::present::render;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::{Access, Principal};
use crate::server::query::Params;
use crate::server::writer::Refused;

use form::{Form, Typed, event_of};
use page::{Ask, ask, dong, login_page, page_shell, render_page};

pub const COOKIE: &str = "socai_token";
/// A dashboard form is a few hundred bytes.
const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(page))
        .route("/dashboard/login", post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/disburse", post(disburse))
        .route("/dashboard/advance", post(advance))
        .route("/dashboard/refund", post(refund))
        .route("/dashboard/reverse", post(reverse))
}

/// Today in Vietnam (UTC+7): the default as-of date of the dashboard.
pub(super) fn today() -> NaiveDate {
    let now = Utc::now();
    FixedOffset::east_opt(7 * 3600).map_or_else(
        || now.date_naive(),
        |ict| now.with_timezone(&ict).date_naive(),
    )
}

pub(super) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    crate::server::csrf::cookie(headers, COOKIE)
}

/// Who is asking: `Ok(None)` when no credential was presented (show the login form).
fn who(
    state: &AppState,
    headers: &HeaderMap,
    access: Access,
) -> Result<Option<Principal>, ApiError> {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec())
        .or_else(|| cookie_token(headers).map(|t| format!("Bearer {t}").into_bytes()));
    if header.is_none() && !state.auth.is_open() {
        return Ok(None);
    }
    state.auth.authorize(header.as_deref(), access)
}

async fn read_form(body: Body) -> Result<Params, ApiError> {
    let too_large = ApiProblem::FormTooLarge {
        max: MAX_FORM_BYTES as u64,
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return Err(ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            too_large,
        ));
    };
    let text =
        std::str::from_utf8(&bytes).map_err(|_| ApiError::parameter(ApiProblem::FormNotUtf8))?;
    Params::parse(Some(text), &form::FIELDS)
}

fn error_page(e: &ApiError) -> Response {
    let status = e.status;
    html(
        status,
        page_shell(
            "Sổ cái – Lỗi",
            &format!(
                "<h1>Sổ cái – Bảng điều khiển</h1>\n<p class=\"notice err\">{}</p>\n<p><a href=\"/\">Quay lại</a></p>\n",
                render::html_escape(e.message_in(Lang::Vi))
            ),
        ),
    )
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let principal = match who(&state, &headers, Access::Read) {
        Ok(Some(p)) => p,
        Ok(None) => return html(StatusCode::OK, login_page(None)),
        Err(err) if err.status == StatusCode::UNAUTHORIZED => {
            return html(
                StatusCode::UNAUTHORIZED,
                login_page(Some("Mã truy cập không hợp lệ.")),
            );
        }
        Err(err) => return error_page(&err),
    };
    let params = match Params::parse(q.as_deref(), &["as_of", "plan_year", "known_at", "line"])
        .and_then(|p| ask(&p))
    {
        Ok(a) => a,
        Err(err) => return error_page(&err),
    };
    let log = state.log.clone();
    let result =
        tokio::task::spawn_blocking(move || render_page(&log.read(), &principal, &params, None))
            .await;
    match result {
        Ok(Ok(body)) => html(StatusCode::OK, body),
        Ok(Err(err)) => error_page(&err),
        Err(join) => error_page(&ApiError::fault(Step::Page, join)),
    }
}

pub async fn login(State(state): State<Arc<AppState>>, body: Body) -> Response {
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(err) => return error_page(&err),
    };
    let token = params.get("token").unwrap_or("").trim().to_string();
    let cookie_safe = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'));
    let header = format!("Bearer {token}");
    if !cookie_safe
        || state
            .auth
            .authorize(Some(header.as_bytes()), Access::Read)
            .is_err()
    {
        return html(
            StatusCode::UNAUTHORIZED,
            login_page(Some("Mã truy cập không hợp lệ.")),
        );
    }
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, HeaderValue::from_static("/"))],
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

pub async fn logout() -> Response {
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, HeaderValue::from_static("/"))],
    )
        .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("socai_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

pub async fn disburse(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    record(Form::Disburse, state, headers, body).await
}

pub async fn advance(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    record(Form::Advance, state, headers, body).await
}

pub async fn refund(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    record(Form::Refund, state, headers, body).await
}

pub async fn reverse(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    record(Form::Reverse, state, headers, body).await
}

/// Records what one of the forms describes, then shows the page at the new head with the
/// outcome (and, after a refusal, the form as it was typed).
async fn record(
    form: Form,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let principal = match who(&state, &headers, Access::Append) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return html(
                StatusCode::UNAUTHORIZED,
                login_page(Some("Hãy đăng nhập để ghi chứng từ.")),
            );
        }
        Err(err) => return error_page(&err),
    };
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(err) => return error_page(&err),
    };
    let ask = match ask(&params) {
        // The page shows the head after the append: the new voucher is in the figures.
        Ok(a) => Ask {
            line: params.get("line").map(str::to_string).or(a.line),
            known_at: None,
            ..a
        },
        Err(err) => return error_page(&err),
    };
    let log = state.log.clone();
    let actor = principal.name.clone();
    let built = {
        let view = log.read();
        event_of(form, &params, &actor, &view.records)
    };
    let (status, ok, text, seqs) = match built {
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            format!("Không ghi được: {message}"),
            Vec::new(),
        ),
        Ok(ev) => append(&state, form, ev).await,
    };
    let result = tokio::task::spawn_blocking(move || {
        let outcome = page::Outcome {
            ok,
            text,
            typed: (!ok).then_some(Typed {
                form,
                params: &params,
            }),
            seqs,
        };
        render_page(&log.read(), &principal, &ask, Some(&outcome))
    })
    .await;
    match result {
        Ok(Ok(body)) => html(status, body),
        Ok(Err(err)) => error_page(&err),
        Err(join) => error_page(&ApiError::fault(Step::Page, join)),
    }
}

/// Queues one event for the writer: the status, whether it was recorded, the notice and the
/// sequences recorded.
async fn append(
    state: &AppState,
    form: Form,
    ev: crate::core::event::Event,
) -> (StatusCode, bool, String, Vec<u64>) {
    let what = match &ev.kind {
        Kind::Disburse { line, amount, .. }
        | Kind::Refund { line, amount, .. }
        | Kind::Advance { line, amount, .. } => {
            format!("{} đồng vào dòng {line}", dong(amount.value()))
        }
        _ => String::new(),
    };
    let refused = |status, text: String| (status, false, format!("Không ghi được: {text}"), vec![]);
    match state.writer.append(vec![ev]).await {
        Ok(Ok(done)) if done.seqs.is_empty() => (
            StatusCode::OK,
            true,
            "Phiếu này đã được ghi trước đó; không ghi lại.".to_string(),
            vec![],
        ),
        Ok(Ok(done)) => (
            StatusCode::OK,
            true,
            format!("{} {what} (thứ tự {}).", form.done(), done.head_seq).replace("  ", " "),
            done.seqs,
        ),
        Ok(Err(AppendError::Rejected { rejection, .. })) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::present::messages::rejection(&rejection, crate::present::vi_format::Lang::Vi),
        ),
        Ok(Err(AppendError::Store(err))) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::present::problems::store(&err, Lang::Vi),
        ),
        Err(Refused::QueueFull) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "máy chủ đang bận, hãy gửi lại.".to_string(),
        ),
        Err(Refused::Stopped) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "máy chủ đang dừng.".to_string(),
        ),
    }
}
