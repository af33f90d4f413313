//! The replication client: `app::replicate::Source` over plain HTTP/1.1 (hyper, already
//! linked for the server). No TLS: `socai serve` speaks plain HTTP behind a TLS-terminating
//! proxy or on a private network; reach a remote one through that network or an SSH tunnel.
//! Every request is bounded: connect and answer timeouts, a body size limit, and a few
//! retries with backoff for unreachable servers and 5xx answers.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::app::replicate::{Source, SourceError};

/// Connecting gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole request (headers and body) gives up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest answer read (a page of 500 records is well under 1 MiB).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Attempts per request; waits 0.5 s, 1 s, 2 s, 4 s between them.
const ATTEMPTS: u32 = 5;

pub struct HttpSource {
    base: String,
    authority: String,
    token: String,
    runtime: tokio::runtime::Runtime,
}

impl HttpSource {
    /// `url` is `http://HOST:PORT` (a trailing `/` is ignored).
    pub fn new(url: &str, token: &str) -> Result<HttpSource, String> {
        let base = url.trim_end_matches('/').to_string();
        let Some(authority) = base.strip_prefix("http://") else {
            return Err(format!(
                "{url:?}: only http:// URLs are supported (socai serve speaks plain HTTP; use a private network or an SSH tunnel)"
            ));
        };
        if authority.is_empty() || authority.contains('/') {
            return Err(format!("{url:?} must be http://HOST:PORT, without a path"));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(HttpSource {
            authority: authority.to_string(),
            base,
            token: token.to_string(),
            runtime,
        })
    }

    async fn once(&self, path: &str) -> Result<(u16, Bytes), String> {
        let connect = tokio::net::TcpStream::connect(self.authority.as_str());
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| format!("connecting to {} timed out", self.authority))?
            .map_err(|e| format!("cannot connect to {}: {e}", self.authority))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {} failed: {e}", self.authority))?;
        let driver = tokio::spawn(conn);
        let request = hyper::Request::get(path)
            .header("host", self.authority.as_str())
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("bad request {path}: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| format!("{path}: reading the answer failed: {e}"))?
            .to_bytes();
        driver.abort();
        Ok((status, body))
    }
}

impl Source for HttpSource {
    fn describe(&self) -> String {
        self.base.clone()
    }

    fn get(&mut self, path: &str) -> Result<Value, SourceError> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500 << (attempt - 1)));
            }
            let answer = self
                .runtime
                .block_on(async { tokio::time::timeout(REQUEST_TIMEOUT, self.once(path)).await });
            match answer {
                Err(_) => last = format!("{path}: no answer within {REQUEST_TIMEOUT:?}"),
                Ok(Err(e)) => last = e,
                Ok(Ok((status, body))) if status >= 500 => {
                    last = format!("{path}: HTTP {status}: {}", String::from_utf8_lossy(&body));
                }
                Ok(Ok((200, body))) => {
                    return serde_json::from_slice(&body).map_err(|e| SourceError::Refused {
                        status: 200,
                        body: format!("{path}: the answer is not JSON: {e}"),
                    });
                }
                Ok(Ok((status, body))) => {
                    return Err(SourceError::Refused {
                        status,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                }
            }
        }
        Err(SourceError::Unreachable(format!(
            "{last} (after {ATTEMPTS} attempts)"
        )))
    }
}
