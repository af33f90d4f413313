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

use std::convert::Infallible;
use std::sync::Arc;

use crate::present::vi_format::Lang;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
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

use crate::present::messages::{say, t};

use form::{Form, Typed, event_of};
pub(crate) use page::heading;
use page::{Ask, LoginNote, ask, dong, login_page, page_shell, render_page};

pub const COOKIE: &str = "socai_token";
/// Remembers the language the reader chose (not a secret: no `HttpOnly` needed).
const LANG_COOKIE: &str = "socai_lang";
/// A dashboard form is a few hundred bytes.
const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(page))
        .route("/dashboard/login", post(login))
        .route("/dashboard/logout", post(logout))
        .merge(form_routes())
}

/// `POST /dashboard/{disburse,advance,refund,reverse}`: one route per form, each recording
/// what its form describes.
fn form_routes() -> Router<Arc<AppState>> {
    let mut router = Router::new();
    for form in Form::ALL {
        let handler =
            move |state: State<Arc<AppState>>, headers: HeaderMap, reader: Reader, body: Body| {
                record(form, state, headers, reader, body)
            };
        router = router.route(&format!("/dashboard/{}", form.slug()), post(handler));
    }
    router
}

/// Who reads the page, and in which language: `?lang=vi|en` when the reader chose one (the
/// language switch's links, and every link and form after them, carry it, and the page
/// remembers it in a cookie), else the language remembered, else Vietnamese. The browser's
/// `Accept-Language` is not asked: it is the language of the computer's system (English on
/// most office PCs, and in headless Chromium), not a request of the reader, and the
/// dashboard is Vietnamese unless English is asked for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader {
    pub(crate) lang: Lang,
    chosen: bool,
}

impl Reader {
    pub(crate) fn of(query: Option<&str>, headers: &HeaderMap) -> Reader {
        let named = |text: &str| match text {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        };
        let chosen = query
            .unwrap_or("")
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang=").and_then(named));
        let remembered = crate::server::csrf::cookie(headers, LANG_COOKIE).and_then(|v| named(&v));
        Reader {
            lang: chosen.or(remembered).unwrap_or(Lang::Vi),
            chosen: chosen.is_some(),
        }
    }

    /// The cookie that remembers the reader's choice, when one was made.
    fn remember(self, response: &mut Response) {
        if let Some((_, lang)) = self.pair() {
            let set = format!("{LANG_COOKIE}={lang}; SameSite=Strict; Path=/");
            if let Ok(v) = HeaderValue::from_str(&set) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }

    /// The `lang` parameter links and forms carry, when the reader chose the language.
    pub(super) fn pair(self) -> Option<(&'static str, &'static str)> {
        self.chosen.then_some(("lang", self.lang.as_str()))
    }
}

/// A dashboard handler takes its reader as an argument: `Reader::of` the request.
impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Reader::of(parts.uri.query(), &parts.headers))
    }
}

/// `path` keeping the language the reader chose.
pub(super) fn with_lang(path: &str, reader: Reader) -> String {
    match reader.pair() {
        Some((k, v)) => {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}{k}={v}")
        }
        None => path.to_string(),
    }
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

fn error_page(e: &ApiError, reader: Reader) -> Response {
    let lang = reader.lang;
    html(
        e.status,
        page_shell(
            lang,
            t(lang, "Sổ cái – Lỗi", "Sổ cái – Error"),
            &format!(
                "<h1>{}</h1>\n<p class=\"notice err\">{}</p>\n<p><a href=\"{}\">{}</a></p>\n",
                heading(lang),
                render::html_escape(e.message_in(lang)),
                render::html_escape(&with_lang("/", reader)),
                t(lang, "Quay lại", "Back")
            ),
        ),
    )
}

async fn page(
    state: State<Arc<AppState>>,
    headers: HeaderMap,
    reader: Reader,
    RawQuery(q): RawQuery,
) -> Response {
    let mut response = page_in(state, headers, q, reader).await;
    reader.remember(&mut response);
    response
}

async fn page_in(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Option<String>,
    reader: Reader,
) -> Response {
    let principal = match who(&state, &headers, Access::Read) {
        Ok(Some(p)) => p,
        Ok(None) => return html(StatusCode::OK, login_page(reader, None)),
        Err(err) if err.status == StatusCode::UNAUTHORIZED => {
            return html(
                StatusCode::UNAUTHORIZED,
                login_page(reader, Some(LoginNote::BadToken)),
            );
        }
        Err(err) => return error_page(&err, reader),
    };
    let allowed = ["as_of", "plan_year", "known_at", "line", "lang"];
    let params = match Params::parse(q.as_deref(), &allowed).and_then(|p| ask(&p, reader)) {
        Ok(a) => a,
        Err(err) => return error_page(&err, reader),
    };
    let log = state.log.clone();
    let result =
        tokio::task::spawn_blocking(move || render_page(&log.read(), &principal, &params, None))
            .await;
    rendered(result, StatusCode::OK, reader)
}

/// The page a blocking render built, with `status`; or the error page of its failure.
fn rendered(
    result: Result<Result<String, ApiError>, tokio::task::JoinError>,
    status: StatusCode,
    reader: Reader,
) -> Response {
    match result {
        Ok(Ok(body)) => html(status, body),
        Ok(Err(err)) => error_page(&err, reader),
        Err(join) => error_page(&ApiError::fault(Step::Page, join), reader),
    }
}

/// A redirection to the page, keeping the language the reader chose.
fn to_page(reader: Reader) -> Response {
    let location = HeaderValue::from_str(&with_lang("/", reader))
        .unwrap_or_else(|_| HeaderValue::from_static("/"));
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    reader.remember(&mut response);
    response
}

async fn login(State(state): State<Arc<AppState>>, reader: Reader, body: Body) -> Response {
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(err) => return error_page(&err, reader),
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
            login_page(reader, Some(LoginNote::BadToken)),
        );
    }
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
    let mut response = to_page(reader);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

async fn logout(reader: Reader) -> Response {
    let mut response = to_page(reader);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("socai_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

/// Records what one of the forms describes, then shows the page at the new head with the
/// outcome (and, after a refusal, the form as it was typed).
async fn record(
    form: Form,
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    reader: Reader,
    body: Body,
) -> Response {
    let lang = reader.lang;
    let principal = match who(&state, &headers, Access::Append) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return html(
                StatusCode::UNAUTHORIZED,
                login_page(reader, Some(LoginNote::LogInToRecord)),
            );
        }
        Err(err) => return error_page(&err, reader),
    };
    let params = match read_form(body).await {
        Ok(p) => p,
        Err(err) => return error_page(&err, reader),
    };
    let ask = match ask(&params, reader) {
        // The page shows the head after the append: the new voucher is in the figures.
        Ok(a) => Ask {
            line: params.get("line").map(str::to_string).or(a.line),
            known_at: None,
            ..a
        },
        Err(err) => return error_page(&err, reader),
    };
    let log = state.log.clone();
    let actor = principal.name.clone();
    let built = {
        let view = log.read();
        event_of(form, &params, &actor, &view.records, lang)
    };
    let (status, ok, text, seqs) = match built {
        Err(message) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            not_recorded(lang, &message),
            Vec::new(),
        ),
        Ok(ev) => append(&state, form, ev, lang).await,
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
    rendered(result, status, reader)
}

/// The notice of a form that recorded nothing.
fn not_recorded(lang: Lang, why: &str) -> String {
    format!("{} {why}", t(lang, "Không ghi được:", "Not recorded:"))
}

/// Queues one event for the writer: the status, whether it was recorded, the notice and the
/// sequences recorded.
async fn append(
    state: &AppState,
    form: Form,
    ev: crate::core::event::Event,
    lang: Lang,
) -> (StatusCode, bool, String, Vec<u64>) {
    let what = match &ev.kind {
        Kind::Disburse { line, amount, .. }
        | Kind::Refund { line, amount, .. }
        | Kind::Advance { line, amount, .. } => {
            let amount = dong(amount.value(), lang);
            say(
                lang,
                format!("{amount} đồng vào dòng {line}"),
                format!("{amount} VND to line {line}"),
            )
        }
        _ => String::new(),
    };
    let refused = |status, text: String| (status, false, not_recorded(lang, &text), vec![]);
    match state.writer.append(vec![ev]).await {
        Ok(Ok(done)) if done.seqs.is_empty() => (
            StatusCode::OK,
            true,
            t(
                lang,
                "Phiếu này đã được ghi trước đó; không ghi lại.",
                "This voucher was recorded before; not recorded again.",
            )
            .to_string(),
            vec![],
        ),
        Ok(Ok(done)) => {
            let (done_text, seq) = (form.done(lang), done.head_seq);
            let text = say(
                lang,
                format!("{done_text} {what} (thứ tự {seq})."),
                format!("{done_text} {what} (sequence {seq})."),
            );
            (StatusCode::OK, true, text.replace("  ", " "), done.seqs)
        }
        Ok(Err(AppendError::Rejected { rejection, .. })) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::present::messages::rejection(&rejection, lang),
        ),
        Ok(Err(AppendError::Store(err))) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::present::problems::store(&err, lang),
        ),
        Err(Refused::QueueFull) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            t(
                lang,
                "máy chủ đang bận, hãy gửi lại.",
                "the server is busy; send it again.",
            )
            .to_string(),
        ),
        Err(Refused::Stopped) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            t(lang, "máy chủ đang dừng.", "the server is stopping.").to_string(),
        ),
        Err(Refused::NotReady) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            t(
                lang,
                "máy chủ vẫn đang kiểm tra sổ sau khi khởi động; hãy gửi lại sau vài phút.",
                "the server is still verifying the store after starting; send it again in a few minutes.",
            )
            .to_string(),
        ),
        Err(Refused::Unknown) => (
            StatusCode::SERVICE_UNAVAILABLE,
            false,
            t(
                lang,
                "Không rõ phiếu đã được ghi hay chưa (máy chủ trả lời quá chậm): hãy gửi lại; phiếu đã ghi sẽ không bị ghi hai lần.",
                "It is not known whether the voucher was recorded (the server answered too slowly): send it again; a recorded voucher is not recorded twice.",
            )
            .to_string(),
            vec![],
        ),
    }
}
