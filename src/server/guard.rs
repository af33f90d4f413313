//! Defences against a hostile web page in the user's browser, applied to every request:
//!
//! - DNS rebinding: in open mode (no credentials, loopback only) a page of another site whose
//!   name was made to resolve to 127.0.0.1 reaches the server with its own name in `Host`.
//!   Only loopback `Host` values are served then (403 `host_not_allowed`).
//! - Cross-site requests: a state-changing request (any method but GET, HEAD, OPTIONS) that a
//!   browser marks as coming from another origin (`Origin` naming another host, or
//!   `Sec-Fetch-Site` other than `same-origin`/`none`) is refused (403 `cross_site`), whatever
//!   its credentials. Clients that are not browsers send neither header and are unaffected.
//! - Responses are never cached (`Cache-Control: no-store`: they carry figures and tokens) and
//!   never framed (`X-Frame-Options: DENY`, CSP `frame-ancestors 'none'`: no clickjacking of
//!   the dashboard form); cookies are `Secure` when the server is reached over TLS.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::present::api_problems::{ApiProblem, CrossSite};
use crate::server::AppState;
use crate::server::api_error::ApiError;

/// The policy of every response that sets none itself (the dashboard sets a stricter one).
const CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// What the guard needs to know of a server (a single store's, or a province's).
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// No credentials are configured (loopback only).
    pub open: bool,
    /// See `Config::behind_tls_proxy`.
    pub tls_proxy: bool,
}

impl Policy {
    pub fn of(state: &AppState) -> Policy {
        Policy {
            open: state.auth.is_open(),
            tls_proxy: state.tls_proxy,
        }
    }
}

pub async fn guard(State(state): State<Policy>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if state.open && !host_is_loopback(headers) {
        return ApiError::of(
            StatusCode::FORBIDDEN,
            "host_not_allowed",
            ApiProblem::HostNotAllowed,
        )
        .into_response();
    }
    if !is_safe(req.method())
        && let Some(why) = cross_site(headers, state.tls_proxy)
    {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused: {why:?}");
        return ApiError::of(
            StatusCode::FORBIDDEN,
            "cross_site",
            ApiProblem::CrossSite(why),
        )
        .into_response();
    }
    let secure = state.tls_proxy || forwarded_https(headers);
    let mut response = next.run(req).await;
    harden(response.headers_mut(), secure);
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The host part of a `Host` value or an origin's authority: `name`, `v4` or `[v6]`, without
/// the port.
fn host_part(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let name = host_part(host.trim());
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why a request is cross-site, if a browser said it is. Behind a proxy (`behind_tls_proxy`)
/// the name the browser used may arrive as `X-Forwarded-Host` when the proxy rewrote `Host`.
fn cross_site(headers: &HeaderMap, behind_proxy: bool) -> Option<CrossSite> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if !matches!(site, "same-origin" | "none") {
            return Some(CrossSite::FetchSite {
                site: site.to_string(),
            });
        }
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("");
    let forwarded = behind_proxy
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    let host = forwarded
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match authority {
        Some(a) if same_authority(a, host, origin.starts_with("https://")) => None,
        _ => Some(CrossSite::Origin {
            origin: origin.to_string(),
            host: host.to_string(),
        }),
    }
}

/// `a` (from an origin) and `host` (the Host header) name the same host and port; an origin
/// omits the scheme's default port.
fn same_authority(a: &str, host: &str, https: bool) -> bool {
    let default = if https { "443" } else { "80" };
    let normal = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        let port = match s.strip_prefix('[') {
            Some(rest) => rest.split_once("]:").map(|(_, p)| p.to_string()),
            None => s.rsplit_once(':').map(|(_, p)| p.to_string()),
        };
        let port = port.unwrap_or_else(|| default.to_string());
        (host_part(&s).to_string(), port)
    };
    !host.is_empty() && normal(a) == normal(host)
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn harden(headers: &mut HeaderMap, secure: bool) {
    let defaults = [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if secure {
        let cookies: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| match v.to_str() {
                Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| v.clone())
                }
                _ => v.clone(),
            })
            .collect();
        headers.remove(header::SET_COOKIE);
        for c in cookies {
            headers.append(header::SET_COOKIE, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn loopback_hosts_only() {
        for ok in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:9",
            "127.3.4.5",
            "[::1]:80",
        ] {
            assert!(host_is_loopback(&headers(&[("host", ok)])), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "10.0.0.1",
            "localhost.evil.example",
            "",
        ] {
            assert!(!host_is_loopback(&headers(&[("host", bad)])), "{bad}");
        }
        assert!(!host_is_loopback(&HeaderMap::new()));
    }

    #[test]
    fn cross_site_by_origin_or_fetch_metadata() {
        let same = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert_eq!(cross_site(&same, false), None);
        let default_port = headers(&[("host", "localhost"), ("origin", "http://localhost")]);
        assert_eq!(cross_site(&default_port, false), None);
        for (origin, fetch) in [
            ("http://evil.example", "cross-site"),
            ("http://127.0.0.1:3000", "same-site"),
            ("null", "cross-site"),
        ] {
            let h = headers(&[("host", "127.0.0.1:8080"), ("origin", origin)]);
            assert!(cross_site(&h, false).is_some(), "{origin}");
            let h = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", fetch)]);
            assert!(cross_site(&h, false).is_some(), "{fetch}");
        }
        assert_eq!(cross_site(&headers(&[("host", "x")]), false), None);
        let proxied = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "socai.example"),
            ("origin", "https://socai.example"),
        ]);
        assert_eq!(cross_site(&proxied, true), None);
        assert!(cross_site(&proxied, false).is_some(), "only behind a proxy");
    }
}
