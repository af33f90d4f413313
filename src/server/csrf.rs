//! CSRF tokens for the dashboard's forms (login, logout, disbursement): a signed double-submit
//! token. The browser holds a random nonce in the `socai_csrf` cookie (`HttpOnly`,
//! `SameSite=Strict`); every form carries `HMAC-SHA256(server key, nonce, session cookie)`.
//! A POST is served only when its `csrf` field is that HMAC for the nonce and session it
//! arrived with (compared in constant time). Another site can neither read the field nor
//! compute it for a nonce it planted (the key never leaves the process; it is new at every
//! start, so a restart only asks users to reload the page), and a token made for one session
//! is worthless in another.
//!
//! The middleware wraps the dashboard's routes only, and works on what goes in and out of
//! them: it checks and removes the field from the form body, and adds the field to each
//! `method="post"` form of the HTML it answers, so the pages need no knowledge of it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::present::messages::{Lang, t};
use crate::server::AppState;
use crate::server::dashboard::{COOKIE as SESSION_COOKIE, Reader};

pub const COOKIE: &str = "socai_csrf";
pub const FIELD: &str = "csrf";
/// Largest dashboard form read (as `dashboard` reads it).
const MAX_FORM_BYTES: usize = 16 * 1024;
/// Largest page rewritten (a dashboard page with both charts is a few hundred KB).
const MAX_PAGE_BYTES: usize = 64 * 1024 * 1024;
/// The dashboard uses no script and loads nothing from elsewhere; its styles and SVG charts
/// are inline.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type HmacSha256 = Hmac<Sha256>;

pub struct Csrf {
    key: [u8; 32],
}

impl Default for Csrf {
    fn default() -> Csrf {
        Csrf::new()
    }
}

impl Csrf {
    /// A fresh key from the OS's random source (two v4 UUIDs: 244 random bits).
    pub fn new() -> Csrf {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Csrf { key }
    }

    fn mac(&self, nonce: &str, session: &str) -> HmacSha256 {
        // Hmac accepts keys of any length; the fallback is unreachable for a 32-byte key.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
        mac.update(b"socai-csrf\0");
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(session.as_bytes());
        mac
    }

    pub fn token(&self, nonce: &str, session: &str) -> String {
        hex::encode(self.mac(nonce, session).finalize().into_bytes())
    }

    pub fn check(&self, nonce: &str, session: &str, token: &str) -> bool {
        match hex::decode(token) {
            Ok(bytes) => self.mac(nonce, session).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn valid_nonce(n: &str) -> bool {
    n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The middleware of the dashboard's routes.
pub async fn protect(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let session = cookie(req.headers(), SESSION_COOKIE).unwrap_or_default();
    let planted = cookie(req.headers(), COOKIE).filter(|n| valid_nonce(n));
    let fresh = planted.is_none();
    let nonce = planted.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let lang = Reader::of(req.uri().query(), req.headers()).lang;
    let req = if req.method() == Method::POST {
        match checked(&state.csrf, &nonce, &session, req, lang).await {
            Ok(req) => req,
            Err(response) => return response,
        }
    } else {
        req
    };
    let response = next.run(req).await;
    let mut response = with_tokens(response, &state.csrf.token(&nonce, &session), lang).await;
    if fresh {
        let set = format!("{COOKIE}={nonce}; HttpOnly; SameSite=Strict; Path=/");
        if let Ok(v) = HeaderValue::from_str(&set) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The request with its form's `csrf` field checked and removed, or the refusal.
async fn checked(
    csrf: &Csrf,
    nonce: &str,
    session: &str,
    req: Request,
    lang: Lang,
) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| {
            refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                t(lang, "Biểu mẫu quá lớn.", "The form is too large."),
                lang,
            )
        })?;
    // The other fields are passed on byte for byte: the form's reader judges them.
    let prefix = format!("{FIELD}=");
    let mut token: Option<&[u8]> = None;
    let mut rest: Vec<&[u8]> = Vec::new();
    for pair in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix(prefix.as_bytes()) {
            Some(value) if token.is_none() => token = Some(value),
            Some(_) => {
                return Err(refusal(
                    StatusCode::FORBIDDEN,
                    t(
                        lang,
                        "Mã chống giả mạo bị gửi hai lần.",
                        "The anti-forgery token was sent twice.",
                    ),
                    lang,
                ));
            }
            None => rest.push(pair),
        }
    }
    let valid = token
        .and_then(|t| std::str::from_utf8(t).ok())
        .is_some_and(|t| csrf.check(nonce, session, t));
    if !valid {
        tracing::warn!(path = %parts.uri.path(), "dashboard form refused: missing or wrong CSRF token");
        return Err(refusal(
            StatusCode::FORBIDDEN,
            t(
                lang,
                "Biểu mẫu không hợp lệ hoặc đã cũ (mã chống giả mạo CSRF không khớp). Hãy tải lại trang rồi gửi lại.",
                "The form is invalid or stale (the CSRF anti-forgery token does not match). Reload the page and send it again.",
            ),
            lang,
        ));
    }
    Ok(Request::from_parts(parts, Body::from(rest.join(&b'&'))))
}

fn refusal(status: StatusCode, message: &str, lang: Lang) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><h1>{}</h1><p class=\"notice err\">{}</p><p><a href=\"/\">{}</a></p></body></html>\n",
        lang.as_str(),
        t(lang, "Sổ cái – Lỗi", "Sổ cái – Error"),
        crate::server::dashboard::heading(lang),
        crate::present::render::html_escape(message),
        t(lang, "Quay lại", "Back")
    );
    crate::server::dashboard::html(status, body)
}

/// Adds the token to every POST form of an HTML page, and the page's own CSP.
async fn with_tokens(response: Response, token: &str, lang: Lang) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            t(lang, "Trang quá lớn.", "The page is too large."),
            lang,
        );
    };
    let page = insert_field(&String::from_utf8_lossy(&bytes), token);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    Response::from_parts(parts, Body::from(page))
}

/// `page` with a hidden `csrf` field right after the opening tag of each `method="post"` form.
fn insert_field(page: &str, token: &str) -> String {
    let field = format!("<input type=\"hidden\" name=\"{FIELD}\" value=\"{token}\">");
    let mut out = String::with_capacity(page.len() + 256);
    let mut rest = page;
    while let Some(at) = rest.find("<form") {
        let Some(end) = rest[at..].find('>').map(|e| at + e + 1) else {
            break;
        };
        out.push_str(&rest[..end]);
        if rest[at..end].contains("method=\"post\"") {
            out.push_str(&field);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_the_nonce_and_the_session() {
        let c = Csrf::new();
        let n = "0123456789abcdef0123456789abcdef";
        let t = c.token(n, "s1");
        assert!(c.check(n, "s1", &t));
        assert!(!c.check(n, "s2", &t), "another session");
        assert!(
            !c.check("fedcba9876543210fedcba9876543210", "s1", &t),
            "another nonce"
        );
        assert!(!Csrf::new().check(n, "s1", &t), "another server key");
        assert!(!c.check(n, "s1", "zz"));
        assert!(!c.check(n, "s1", &t[..62]));
    }

    #[test]
    fn the_field_goes_into_post_forms_only() {
        let page = "<form method=\"get\" action=\"/\"><input></form>\
                    <form class=\"inline\" method=\"post\" action=\"/x\"><button></button></form>";
        let out = insert_field(page, "T");
        assert_eq!(out.matches("name=\"csrf\" value=\"T\"").count(), 1);
        assert!(out.contains("action=\"/x\"><input type=\"hidden\" name=\"csrf\""));
    }
}
