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

use crate::app::replicate::{PAGE, Source, SourceError};

type Response = hyper::Response<hyper::body::Incoming>;

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
    /// `/v1/units/CODE` when the source is one unit of a province server: its paths stand
    /// for a single store's `/v1/…`.
    prefix: Option<String>,
    token: String,
    runtime: tokio::runtime::Runtime,
    /// The open event stream of `--follow`, if any.
    stream: Option<EventStream>,
    /// `Accept-Language` of every request: the server words its text answers in it.
    language: &'static str,
}

/// `GET /v1/events/stream` kept open between calls: the body and what is not yet parsed.
struct EventStream {
    /// The last sequence handed out (the stream goes on from there).
    after: u64,
    body: hyper::body::Incoming,
    buffer: Vec<u8>,
    driver: tokio::task::JoinHandle<Result<(), hyper::Error>>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl HttpSource {
    /// `url` is `http://HOST:PORT` (a trailing `/` is ignored).
    pub fn new(url: &str, token: &str) -> Result<HttpSource, String> {
        let base = url.trim_end_matches('/').to_string();
        let Some(rest) = base.strip_prefix("http://") else {
            return Err(format!(
                "{url:?}: only http:// URLs are supported (socai serve speaks plain HTTP; use a private network or an SSH tunnel)"
            ));
        };
        let (authority, prefix) = match rest.split_once('/') {
            None => (rest, None),
            Some((authority, path)) => (authority, Some(unit_prefix(path).ok_or_else(|| {
                format!("{url:?} must be http://HOST:PORT or, for one unit of a province server, http://HOST:PORT/v1/units/CODE")
            })?)),
        };
        if authority.is_empty() {
            return Err(format!("{url:?} must be http://HOST:PORT"));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(HttpSource {
            authority: authority.to_string(),
            prefix,
            base,
            token: token.to_string(),
            runtime,
            stream: None,
            language: "vi",
        })
    }

    /// Sends one GET on a new connection; returns the response and the connection's driver.
    async fn send(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<(Response, tokio::task::JoinHandle<Result<(), hyper::Error>>), String> {
        let connect = tokio::net::TcpStream::connect(self.authority.as_str());
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| format!("connecting to {} timed out", self.authority))?
            .map_err(|e| format!("cannot connect to {}: {e}", self.authority))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {} failed: {e}", self.authority))?;
        let driver = tokio::spawn(conn);
        let target = match (&self.prefix, path.strip_prefix("/v1")) {
            (Some(prefix), Some(rest)) => format!("{prefix}{rest}"),
            _ => path.to_string(),
        };
        let request = hyper::Request::get(target.as_str())
            .header("host", self.authority.as_str())
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", accept)
            .header("accept-language", self.language)
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("bad request {path}: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        Ok((response, driver))
    }

    async fn once(&self, path: &str, accept: &str) -> Result<(u16, Bytes), String> {
        let (response, driver) = self.send(path, accept).await?;
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

impl HttpSource {
    /// One GET of `path` (with its query) asking for `accept`: the status and the body. One
    /// attempt: a person is waiting, and the message says what failed.
    pub fn fetch(&self, path: &str, accept: &str) -> Result<(u16, Vec<u8>), String> {
        let answer = self.runtime.block_on(async {
            tokio::time::timeout(REQUEST_TIMEOUT, self.once(path, accept)).await
        });
        let (status, body) =
            answer.map_err(|_| format!("{path}: no answer within {REQUEST_TIMEOUT:?}"))??;
        Ok((status, body.to_vec()))
    }

    /// Asks the server to word its text answers in `language` (`vi` or `en`).
    pub fn with_language(mut self, language: &'static str) -> HttpSource {
        self.language = language;
        self
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
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
            let answer = self.runtime.block_on(async {
                tokio::time::timeout(REQUEST_TIMEOUT, self.once(path, "application/json")).await
            });
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

    /// Reads the event stream (opened once, kept open) for up to `wait`: the records after
    /// `after` that arrived, at most a page. A broken stream is reopened at the next call.
    fn follow(&mut self, after: u64, wait: Duration) -> Result<Vec<Value>, SourceError> {
        if self.stream.as_ref().map(|s| s.after) != Some(after) {
            self.stream = None;
            self.open_stream(after)?;
        }
        let HttpSource {
            runtime, stream, ..
        } = self;
        let Some(open) = stream.as_mut() else {
            return Ok(Vec::new());
        };
        let read = runtime.block_on(async {
            let deadline = tokio::time::Instant::now() + wait;
            let mut events = Vec::new();
            while events.len() < PAGE {
                let frame = match tokio::time::timeout_at(deadline, open.body.frame()).await {
                    Err(_) => break,
                    Ok(None) => return Err("the event stream ended".to_string()),
                    Ok(Some(Err(e))) => return Err(format!("the event stream broke: {e}")),
                    Ok(Some(Ok(frame))) => frame,
                };
                if let Ok(data) = frame.into_data() {
                    open.buffer.extend_from_slice(&data);
                }
                if open.buffer.len() > MAX_BODY_BYTES {
                    return Err("an event of the stream is too large".to_string());
                }
                events.extend(take_events(&mut open.buffer)?);
                if !events.is_empty() && open.buffer.is_empty() {
                    break;
                }
            }
            Ok(events)
        });
        match read {
            Ok(events) => {
                if let Some(last) = events
                    .last()
                    .and_then(|e| e.get("seq"))
                    .and_then(Value::as_u64)
                {
                    open.after = last;
                }
                Ok(events)
            }
            Err(e) => {
                *stream = None;
                Err(SourceError::Unreachable(e))
            }
        }
    }
}

impl HttpSource {
    /// Opens `GET /v1/events/stream?after=` (within the request timeout).
    fn open_stream(&mut self, after: u64) -> Result<(), SourceError> {
        let path = format!("/v1/events/stream?after={after}");
        let opened = self.runtime.block_on(async {
            tokio::time::timeout(REQUEST_TIMEOUT, self.send(&path, "text/event-stream")).await
        });
        let (response, driver) = match opened {
            Err(_) => return Err(SourceError::Unreachable(format!("{path}: no answer"))),
            Ok(Err(e)) => return Err(SourceError::Unreachable(e)),
            Ok(Ok(answer)) => answer,
        };
        let status = response.status().as_u16();
        if status != 200 {
            driver.abort();
            return Err(SourceError::Refused {
                status,
                body: format!("{path}: the event stream was refused"),
            });
        }
        self.stream = Some(EventStream {
            after,
            body: response.into_body(),
            buffer: Vec::new(),
            driver,
        });
        Ok(())
    }
}

/// `v1/units/CODE` (a unit of a province server) as the prefix of its paths.
fn unit_prefix(path: &str) -> Option<String> {
    let code = path.strip_prefix("v1/units/")?;
    let valid = !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    valid.then(|| format!("/v1/units/{code}"))
}

/// Takes the complete server-sent events out of `buffer`: the JSON of their `data` lines.
fn take_events(buffer: &mut Vec<u8>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
        let block: Vec<u8> = buffer.drain(..end + 2).collect();
        let text = String::from_utf8_lossy(&block);
        let data: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(str::trim_start)
            .collect();
        if data.is_empty() {
            continue; // a keep-alive comment
        }
        let value = serde_json::from_str(&data.join("\n"))
            .map_err(|e| format!("the event stream sent data that is not JSON: {e}"))?;
        out.push(value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_are_taken_whole_and_keep_alives_skipped() {
        let mut buffer =
            b": keep-alive\n\nid: 1\nevent: event\ndata: {\"seq\":1}\n\nid: 2\ndata: {\"se"
                .to_vec();
        let events = take_events(&mut buffer).expect("valid");
        assert_eq!(events, vec![serde_json::json!({"seq": 1})]);
        assert_eq!(buffer, b"id: 2\ndata: {\"se".to_vec());
        buffer.extend_from_slice(b"q\":2}\n\n");
        assert_eq!(
            take_events(&mut buffer).expect("valid"),
            vec![serde_json::json!({"seq": 2})]
        );
        let mut bad = b"data: {oops\n\n".to_vec();
        assert!(take_events(&mut bad).is_err());
    }

    #[test]
    fn only_plain_http_urls_without_a_path_are_taken() {
        assert!(HttpSource::new("https://x:1", "t").is_err());
        assert!(HttpSource::new("http://x:1/api", "t").is_err());
        assert!(HttpSource::new("http://x:1/v1/units/", "t").is_err());
        assert!(HttpSource::new("http://x:1/v1/units/A/b", "t").is_err());
        let unit = HttpSource::new("http://x:1/v1/units/LP-01", "t").expect("a unit");
        assert_eq!(unit.prefix.as_deref(), Some("/v1/units/LP-01"));
        assert!(HttpSource::new("http://127.0.0.1:8080/", "t").is_ok());
    }
}
