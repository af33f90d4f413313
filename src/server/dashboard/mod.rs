//! The browser dashboard at `/`: plain server-rendered HTML (no script, nothing fetched from
//! elsewhere). Figures as of a chosen date and knowledge point, both charts, a line's audit
//! trail, and, for the recorder and admin roles, a form that records a disbursement through
//! the same parser, rules and writer queue as `POST /v1/events`.
//!
//! Browsers cannot send a bearer header from a link or a form, so the dashboard also accepts
//! the token from an `HttpOnly; SameSite=Strict` cookie set by its login form (`SameSite=Strict`
//! keeps other sites' forms from posting with it). An `Authorization` header still wins.

mod form;
mod page;
mod trail;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::core::event::Kind;
use crate::ledger::AppendError;
use crate::present::render;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::{Access, Principal};
use crate::server::query::Params;
use crate::server::writer::Refused;

use form::disbursement;
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
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
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
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a dashboard form is at most {MAX_FORM_BYTES} bytes"),
            )
        })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_parameter("the form is not UTF-8"))?;
    Params::parse(
        Some(text),
        &[
            "token",
            "id",
            "as_of",
            "plan_year",
            "line",
            "amount",
            "effective_date",
            "document_number",
            "document_date",
            "payee",
            "note",
        ],
    )
}

fn error_page(e: &ApiError) -> Response {
    let status = e.status;
    html(
        status,
        page_shell(
            "Sổ cái – Lỗi",
            &format!(
                "<h1>Sổ cái – Bảng điều khiển</h1>\n<p class=\"notice err\">{}</p>\n<p><a href=\"/\">Quay lại</a></p>\n",
                render::html_escape(&e.message)
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
        Err(join) => error_page(&ApiError::internal(format!("the page failed: {join}"))),
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

pub async fn disburse(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let principal = match who(&state, &headers, Access::Append) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return html(
                StatusCode::UNAUTHORIZED,
                login_page(Some("Hãy đăng nhập để ghi giải ngân.")),
            );
        }
        Err(err) => return error_page(&err),
    };
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(err) => return error_page(&err),
    };
    let ask = match ask(&params) {
        Ok(a) => Ask {
            line: params.get("line").map(str::to_string),
            ..a
        },
        Err(err) => return error_page(&err),
    };
    let (status, notice) = match disbursement(&params, &principal.name) {
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            (false, format!("Không ghi được: {message}")),
        ),
        Ok(ev) => {
            let (line, amount) = match &ev.kind {
                Kind::Disburse { line, amount, .. } => (line.clone(), amount.value()),
                _ => (String::new(), Decimal::ZERO),
            };
            match state.writer.append(vec![ev]).await {
                Ok(Ok(done)) if done.seqs.is_empty() => (
                    StatusCode::OK,
                    (
                        true,
                        "Phiếu này đã được ghi trước đó; không ghi lại.".to_string(),
                    ),
                ),
                Ok(Ok(done)) => (
                    StatusCode::OK,
                    (
                        true,
                        format!(
                            "Đã ghi giải ngân {} đồng vào dòng {line} (thứ tự {}).",
                            dong(amount),
                            done.head_seq
                        ),
                    ),
                ),
                Ok(Err(AppendError::Rejected { rejection, .. })) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    (false, format!("Không ghi được: {rejection}")),
                ),
                Ok(Err(AppendError::Store(err))) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    (false, format!("Không ghi được: kho dữ liệu lỗi: {err}")),
                ),
                Err(Refused::QueueFull) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    (
                        false,
                        "Không ghi được: máy chủ đang bận, hãy gửi lại.".to_string(),
                    ),
                ),
                Err(Refused::Stopped) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    (false, "Không ghi được: máy chủ đang dừng.".to_string()),
                ),
            }
        }
    };
    // The page shows the head after the append: the new voucher is in the figures.
    let ask = Ask {
        known_at: None,
        ..ask
    };
    let log = state.log.clone();
    let result = tokio::task::spawn_blocking(move || {
        render_page(&log.read(), &principal, &ask, Some(notice))
    })
    .await;
    match result {
        Ok(Ok(body)) => html(status, body),
        Ok(Err(err)) => error_page(&err),
        Err(join) => error_page(&ApiError::internal(format!("the page failed: {join}"))),
    }
}
