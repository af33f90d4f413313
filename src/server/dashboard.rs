//! The browser dashboard at `/`: plain server-rendered HTML (no script, nothing fetched from
//! elsewhere). Figures as of a chosen date and knowledge point, both charts, a line's audit
//! trail, and, for the recorder and admin roles, a form that records a disbursement through
//! the same parser, rules and writer queue as `POST /v1/events`.
//!
//! Browsers cannot send a bearer header from a link or a form, so the dashboard also accepts
//! the token from an `HttpOnly; SameSite=Strict` cookie set by its login form (`SameSite=Strict`
//! keeps other sites' forms from posting with it). An `Authorization` header still wins.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::app::query;
use crate::core::annex;
use crate::core::event::{self, Kind};
use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::core::projection::{self, View};
use crate::ledger::AppendError;
use crate::present::chart;
use crate::present::render::{self, Style, html_escape as e};
use crate::present::vi_format::{self, Lang, Unit};
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::{Access, Principal};
use crate::server::config::Role;
use crate::server::log_view::Log;
use crate::server::query::Params;
use crate::server::writer::Refused;

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
fn today() -> NaiveDate {
    let now = Utc::now();
    FixedOffset::east_opt(7 * 3600).map_or_else(
        || now.date_naive(),
        |ict| now.with_timezone(&ict).date_naive(),
    )
}

fn html(status: StatusCode, body: String) -> Response {
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
    super::csrf::cookie(headers, COOKIE)
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

fn page_shell(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body{{font-family:sans-serif;margin:1.5em;max-width:1100px}}\
         table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #999;padding:2px 6px}}\
         td.n{{text-align:right}}.notice{{padding:.5em;border:1px solid}}.ok{{background:#e8f5e9}}\
         .err{{background:#ffebee}}figure{{margin:0}}form.inline *{{margin-right:.5em}}\
         tr.reversed{{color:#888;text-decoration:line-through}}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        e(title)
    )
}

fn login_page(message: Option<&str>) -> String {
    let mut body = String::from("<h1>Sổ cái – Bảng điều khiển</h1>\n");
    if let Some(m) = message {
        let _ = writeln!(body, "<p class=\"notice err\">{}</p>", e(m));
    }
    body.push_str(
        "<form method=\"post\" action=\"/dashboard/login\">\n<label>Mã truy cập (token) \
         <input type=\"password\" name=\"token\" autocomplete=\"off\"></label>\n\
         <button type=\"submit\">Đăng nhập</button>\n</form>\n",
    );
    page_shell("Sổ cái – Đăng nhập", &body)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Recorder => "kế toán (recorder)",
        Role::Auditor => "kiểm toán (auditor)",
        Role::Admin => "quản trị (admin)",
    }
}

/// What the page shows.
struct Ask {
    as_of: NaiveDate,
    plan_year: i32,
    known_at: Option<KnownAt>,
    line: Option<String>,
}

fn ask(params: &Params) -> Result<Ask, ApiError> {
    let as_of = params.date("as_of")?.unwrap_or_else(today);
    Ok(Ask {
        as_of,
        plan_year: params.number("plan_year")?.unwrap_or(as_of.year()),
        known_at: params.known_at("known_at")?,
        line: params
            .get("line")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    })
}

fn millions(d: Decimal) -> String {
    vi_format::amount(d, Unit::Trieu, Lang::Vi)
}

fn dong(d: Decimal) -> String {
    vi_format::amount(d, Unit::Dong, Lang::Vi)
}

fn vi_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn link(ask: &Ask, view: View, line: Option<&str>) -> String {
    let mut url = format!(
        "/?as_of={}&plan_year={}&known_at={}",
        ask.as_of, ask.plan_year, view.known_at
    );
    if let Some(l) = line {
        url.push_str("&line=");
        url.push_str(&percent_encode(l));
    }
    url
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The whole dashboard page for one view; `notice` is the outcome of a form just sent.
fn render_page(
    log: &Log,
    principal: &Principal,
    ask: &Ask,
    notice: Option<(bool, String)>,
) -> Result<String, ApiError> {
    let (pin, lines) = query::balances(log.chain(), ask.as_of, ask.known_at, Some(ask.plan_year))?;
    let view = pin.view;
    let totals = projection::totals(&lines);
    let hash = pin.hash.map(hex::encode);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Sổ cái – Bảng điều khiển</h1>\n<p>Người dùng: <b>{}</b>, vai trò {}. \
         <form class=\"inline\" method=\"post\" action=\"/dashboard/logout\" style=\"display:inline\">\
         <button type=\"submit\">Đăng xuất</button></form></p>",
        e(&principal.name),
        role_name(principal.role)
    );
    if let Some((ok, text)) = &notice {
        let _ = writeln!(
            b,
            "<p class=\"notice {}\" id=\"notice\">{}</p>",
            if *ok { "ok" } else { "err" },
            e(text)
        );
    }
    let _ = writeln!(
        b,
        "<form class=\"inline\" method=\"get\" action=\"/\">\
         <label>Đến ngày <input type=\"date\" name=\"as_of\" value=\"{}\"></label>\
         <label>Năm kế hoạch <input type=\"number\" name=\"plan_year\" value=\"{}\"></label>\
         <label>Theo dữ liệu ghi đến thứ tự <input type=\"text\" name=\"known_at\" value=\"{}\" size=\"8\"></label>\
         <button type=\"submit\">Xem</button></form>",
        ask.as_of, ask.plan_year, view.known_at
    );
    let _ = writeln!(
        b,
        "<p id=\"provenance\">Số liệu đến hết ngày {}, năm kế hoạch {}, theo dữ liệu ghi đến thứ tự {} \
         (hash <code>{}</code>).</p>",
        vi_date(ask.as_of),
        ask.plan_year,
        view.known_at,
        e(hash.as_deref().unwrap_or("-"))
    );
    let _ = writeln!(
        b,
        "<p id=\"totals\">Tổng kế hoạch vốn: <b>{}</b> triệu đồng; đã giải ngân: <b>{}</b> triệu đồng, \
         đạt <b>{}</b> KHV.</p>",
        millions(totals.plan),
        millions(totals.disbursed),
        vi_format::ratio_percent(
            (!totals.plan.is_zero()).then(|| totals.disbursed / totals.plan),
            2,
            Lang::Vi
        )
    );
    section_two(&mut b, ask.plan_year, &lines);
    lines_table(&mut b, ask, view, &lines);
    // The charts.
    let charts = chart::report_charts(&log.records, view, ask.plan_year, hash.as_deref(), Lang::Vi)
        .map_err(ApiError::internal)?;
    if !charts.is_empty() {
        b.push_str("<h2>Biểu đồ</h2>\n");
        for svg in charts {
            let _ = writeln!(b, "<figure>{}</figure>", svg.trim_end());
        }
    }
    // A line's trail.
    if let Some(line) = &ask.line {
        trail(&mut b, log, line, view);
    }
    if matches!(principal.role, Role::Recorder | Role::Admin) {
        disbursement_form(&mut b, ask, &lines);
    }
    Ok(page_shell("Sổ cái – Bảng điều khiển", &b))
}

/// Section II as the report prints it.
fn section_two(b: &mut String, plan_year: i32, lines: &[projection::LineBalance<'_>]) {
    let style = Style {
        lang: Lang::Vi,
        unit: Unit::Trieu,
    };
    let figures = annex::build(plan_year, lines);
    if let Some(table) = render::tables(&figures, style).into_iter().next() {
        let _ = writeln!(
            b,
            "<h2>{}</h2>\n<table id=\"section-ii\"><thead><tr>{}</tr></thead><tbody>",
            e(&table.title),
            render::columns(style, &table)
                .iter()
                .map(|h| format!("<th>{}</th>", e(h)))
                .collect::<String>()
        );
        for r in &table.rows {
            let c = render::cells(style, r, &table);
            let _ = write!(
                b,
                "<tr><td style=\"padding-left:{}em\">{}</td>",
                r.level,
                e(&c[0])
            );
            for cell in &c[1..] {
                let _ = write!(b, "<td class=\"n\">{}</td>", e(cell));
            }
            b.push_str("</tr>\n");
        }
        b.push_str("</tbody></table>\n");
    }
}

/// The lines, each a link to its trail.
fn lines_table(b: &mut String, ask: &Ask, view: View, lines: &[projection::LineBalance<'_>]) {
    b.push_str(
        "<h2>Các dòng ngân sách (triệu đồng)</h2>\n<table id=\"lines\"><thead><tr><th>Mã dòng</th>\
         <th>Chương trình</th><th>Kế hoạch vốn</th><th>Đã giải ngân</th><th>Còn lại</th>\
         <th>Tỷ lệ</th></tr></thead><tbody>\n",
    );
    for l in lines {
        let _ = writeln!(
            b,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            e(&link(ask, view, Some(&l.spec.line))),
            e(&l.spec.line),
            e(&l.spec.program),
            millions(l.plan),
            millions(l.disbursed),
            millions(l.available()),
            vi_format::ratio_percent(
                (!l.plan.is_zero()).then(|| l.disbursed / l.plan),
                2,
                Lang::Vi
            )
        );
    }
    b.push_str("</tbody></table>\n");
}

fn trail(b: &mut String, log: &Log, line: &str, view: View) {
    let _ = writeln!(b, "<h2 id=\"trail\">Nhật ký dòng {}</h2>", e(line));
    let Some(rows) = projection::trail(&log.records, line, view) else {
        let _ = writeln!(
            b,
            "<p class=\"notice err\">Dòng {} chưa được mở đến thứ tự {}.</p>",
            e(line),
            view.known_at
        );
        return;
    };
    b.push_str(
        "<table id=\"trail-table\"><thead><tr><th>Thứ tự</th><th>Ngày hiệu lực</th><th>Loại</th>\
         <th>KH thay đổi (đồng)</th><th>GN thay đổi (đồng)</th><th>KH lũy kế</th><th>GN lũy kế</th>\
         <th>Chứng từ</th><th>Ghi chú</th></tr></thead><tbody>\n",
    );
    for row in rows {
        let ev = &row.record.event;
        let doc = ev.document.as_ref().map_or(String::new(), |d| {
            format!("{} ngày {}", d.number, vi_date(d.date))
        });
        let mark = row.reversed_by.map_or(String::new(), |r| {
            let reason = match &r.event.kind {
                Kind::Reverse { reason, .. } => reason.as_str(),
                _ => "",
            };
            format!("Đã hủy bởi #{}: {reason}", r.seq)
        });
        let _ = writeln!(
            b,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            if row.reversed_by.is_some() {
                " class=\"reversed\""
            } else {
                ""
            },
            row.record.seq,
            vi_date(ev.effective_date),
            ev.kind.type_name(),
            dong(row.plan_delta),
            dong(row.disbursed_delta),
            dong(row.plan),
            dong(row.disbursed),
            e(&doc),
            e(&mark)
        );
    }
    b.push_str("</tbody></table>\n");
}

fn disbursement_form(b: &mut String, ask: &Ask, lines: &[projection::LineBalance<'_>]) {
    // A fresh id per form: sending the same form twice records it once.
    let id = Uuid::new_v4();
    let _ = writeln!(
        b,
        "<h2>Ghi giải ngân</h2>\n<form id=\"disburse\" method=\"post\" action=\"/dashboard/disburse\">\n\
         <input type=\"hidden\" name=\"id\" value=\"{id}\">\
         <input type=\"hidden\" name=\"as_of\" value=\"{}\">\
         <input type=\"hidden\" name=\"plan_year\" value=\"{}\">\n<p><label>Dòng <select name=\"line\">",
        ask.as_of, ask.plan_year
    );
    for l in lines {
        let _ = write!(
            b,
            "<option value=\"{0}\"{1}>{0}</option>",
            e(&l.spec.line),
            if ask.line.as_deref() == Some(l.spec.line.as_str()) {
                " selected"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        b,
        "</select></label></p>\n\
         <p><label>Số tiền (đồng) <input type=\"text\" name=\"amount\" placeholder=\"150000000 hoặc 150.000.000\"></label></p>\n\
         <p><label>Ngày hiệu lực <input type=\"date\" name=\"effective_date\" value=\"{0}\"></label></p>\n\
         <p><label>Số chứng từ <input type=\"text\" name=\"document_number\"></label> \
         <label>Ngày chứng từ <input type=\"date\" name=\"document_date\" value=\"{0}\"></label></p>\n\
         <p><label>Đơn vị nhận <input type=\"text\" name=\"payee\"></label></p>\n\
         <p><label>Ghi chú <input type=\"text\" name=\"note\"></label></p>\n\
         <p><button type=\"submit\">Ghi giải ngân</button></p>\n</form>",
        ask.as_of.min(today())
    );
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

/// Builds the disbursement event from the form, in the import format, for `event::parse_value`.
fn disbursement(params: &Params, actor: &str) -> Result<event::Event, String> {
    let field = |k: &str| params.get(k).map(str::trim).filter(|v| !v.is_empty());
    let amount = money::parse_amount_text(field("amount").unwrap_or(""))
        .map_err(|m| format!("invalid_amount: số tiền: {m}"))?;
    let mut doc = Map::new();
    doc.insert(
        "number".into(),
        field("document_number").unwrap_or("").into(),
    );
    doc.insert("date".into(), field("document_date").unwrap_or("").into());
    let mut obj = Map::new();
    obj.insert("id".into(), field("id").unwrap_or("").into());
    obj.insert("type".into(), "disburse".into());
    obj.insert(
        "effective_date".into(),
        field("effective_date").unwrap_or("").into(),
    );
    obj.insert("line".into(), field("line").unwrap_or("").into());
    obj.insert("amount".into(), amount.to_string().into());
    if let Some(p) = field("payee") {
        obj.insert("payee".into(), p.into());
    }
    obj.insert("document".into(), Value::Object(doc));
    obj.insert("actor".into(), actor.into());
    if let Some(n) = field("note") {
        obj.insert("note".into(), n.into());
    }
    event::parse_value(&Value::Object(obj)).map_err(|r| r.to_string())
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
                    (
                        false,
                        format!(
                            "Không ghi được: {}",
                            crate::present::messages::rejection(&rejection, Lang::Vi)
                        ),
                    ),
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
