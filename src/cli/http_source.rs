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
use crate::present::messages::{Lang, say};
use crate::present::os_text::{Doing, NetFault, TextFault, net};

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
    lang: Lang,
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
    /// `url` is `http://HOST:PORT` (a trailing `/` is ignored); a refusal is worded in `lang`.
    pub fn new(url: &str, token: &str, lang: Lang) -> Result<HttpSource, String> {
        let base = url.trim_end_matches('/').to_string();
        let Some(rest) = base.strip_prefix("http://") else {
            return Err(say(
                lang,
                format!(
                    "{url:?}: chỉ hỗ trợ địa chỉ http:// (socai serve nói HTTP thường; hãy dùng mạng nội bộ hoặc đường hầm SSH)"
                ),
                format!(
                    "{url:?}: only http:// URLs are supported (socai serve speaks plain HTTP; use a private network or an SSH tunnel)"
                ),
            ));
        };
        let shape = || {
            say(
                lang,
                format!(
                    "{url:?} phải có dạng http://MÁY:CỔNG hoặc, với một đơn vị của máy chủ tỉnh, http://MÁY:CỔNG/v1/units/MÃ"
                ),
                format!(
                    "{url:?} must be http://HOST:PORT or, for one unit of a province server, http://HOST:PORT/v1/units/CODE"
                ),
            )
        };
        let (authority, prefix) = match rest.split_once('/') {
            None => (rest, None),
            Some((authority, path)) => (authority, Some(unit_prefix(path).ok_or_else(shape)?)),
        };
        if authority.is_empty() {
            return Err(shape());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|cause| net(&NetFault::NoRuntime { cause: &cause }, lang))?;
        Ok(HttpSource {
            authority: authority.to_string(),
            prefix,
            base,
            token: token.to_string(),
            runtime,
            stream: None,
            lang,
        })
    }

    /// Sends one GET on a new connection; returns the response and the connection's driver.
    async fn send(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<(Response, tokio::task::JoinHandle<Result<(), hyper::Error>>), String> {
        let connect = tokio::net::TcpStream::connect(self.authority.as_str());
        let authority = self.authority.as_str();
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| self.say(NetFault::ConnectTimedOut { authority }))?
            .map_err(|cause| {
                self.say(NetFault::Connect {
                    authority,
                    cause: &cause,
                })
            })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.exchange(Doing::Handshake, authority, e))?;
        let driver = tokio::spawn(conn);
        let target = match (&self.prefix, path.strip_prefix("/v1")) {
            (Some(prefix), Some(rest)) => format!("{prefix}{rest}"),
            _ => path.to_string(),
        };
        let request = hyper::Request::get(target.as_str())
            .header("host", self.authority.as_str())
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", accept)
            .header("accept-language", self.lang.as_str())
            .body(Empty::<Bytes>::new())
            .map_err(|e| self.exchange(Doing::Sending, path, e))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| self.exchange(Doing::Sending, path, e))?;
        Ok((response, driver))
    }

    async fn once(&self, path: &str, accept: &str) -> Result<(u16, Bytes), String> {
        let (response, driver) = self.send(path, accept).await?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| self.exchange(Doing::Reading, path, e))?
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
        let (status, body) = answer.map_err(|_| self.no_answer(path))??;
        Ok((status, body.to_vec()))
    }

    /// A failure of the client in the reader's language.
    fn say(&self, fault: NetFault<'_>) -> String {
        net(&fault, self.lang)
    }

    fn exchange(&self, doing: Doing, target: &str, e: impl std::fmt::Display) -> String {
        self.say(NetFault::Exchange {
            doing,
            target,
            detail: e.to_string(),
        })
    }

    fn no_answer(&self, path: &str) -> String {
        let secs = REQUEST_TIMEOUT.as_secs();
        self.say(NetFault::NoAnswer { path, secs })
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
                Err(_) => last = self.no_answer(path),
                Ok(Err(e)) => last = e,
                Ok(Ok((status, body))) if status >= 500 => {
                    let body = String::from_utf8_lossy(&body);
                    last = self.say(NetFault::ServerFailed {
                        path,
                        status,
                        body: &body,
                    });
                }
                Ok(Ok((200, body))) => {
                    return serde_json::from_slice(&body).map_err(|e| SourceError::Refused {
                        status: 200,
                        body: self.say(NetFault::NotJson {
                            path,
                            fault: TextFault::json(&e),
                        }),
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
        Err(SourceError::Unreachable(self.say(NetFault::Attempts {
            last: &last,
            attempts: ATTEMPTS,
        })))
    }

    /// Reads the event stream (opened once, kept open) for up to `wait`: the records after
    /// `after` that arrived, at most a page. A broken stream is reopened at the next call.
    fn follow(&mut self, after: u64, wait: Duration) -> Result<Vec<Value>, SourceError> {
        if self.stream.as_ref().map(|s| s.after) != Some(after) {
            self.stream = None;
            self.open_stream(after)?;
        }
        let lang = self.lang;
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
                    Ok(None) => return Err(net(&NetFault::StreamEnded, lang)),
                    Ok(Some(Err(e))) => {
                        let (doing, detail) = (Doing::Streaming, e.to_string());
                        let fault = NetFault::Exchange {
                            doing,
                            target: "/v1/events/stream",
                            detail,
                        };
                        return Err(net(&fault, lang));
                    }
                    Ok(Some(Ok(frame))) => frame,
                };
                if let Ok(data) = frame.into_data() {
                    open.buffer.extend_from_slice(&data);
                }
                if open.buffer.len() > MAX_BODY_BYTES {
                    return Err(net(&NetFault::StreamTooLarge, lang));
                }
                events.extend(take_events(&mut open.buffer, lang)?);
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
            Err(_) => return Err(SourceError::Unreachable(self.no_answer(&path))),
            Ok(Err(e)) => return Err(SourceError::Unreachable(e)),
            Ok(Ok(answer)) => answer,
        };
        let status = response.status().as_u16();
        if status != 200 {
            driver.abort();
            return Err(SourceError::Refused {
                status,
                body: self.say(NetFault::StreamRefused { path: &path }),
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
fn take_events(buffer: &mut Vec<u8>, lang: Lang) -> Result<Vec<Value>, String> {
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
        let value = serde_json::from_str(&data.join("\n")).map_err(|e| {
            let fault = NetFault::NotJson {
                path: "/v1/events/stream",
                fault: TextFault::json(&e),
            };
            net(&fault, lang)
        })?;
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
        let events = take_events(&mut buffer, Lang::En).expect("valid");
        assert_eq!(events, vec![serde_json::json!({"seq": 1})]);
        assert_eq!(buffer, b"id: 2\ndata: {\"se".to_vec());
        buffer.extend_from_slice(b"q\":2}\n\n");
        assert_eq!(
            take_events(&mut buffer, Lang::En).expect("valid"),
            vec![serde_json::json!({"seq": 2})]
        );
        let mut bad = b"data: {oops\n\n".to_vec();
        assert!(take_events(&mut bad, Lang::En).is_err());
    }

    #[test]
    fn only_plain_http_urls_without_a_path_are_taken() {
        assert!(HttpSource::new("https://x:1", "t", Lang::En).is_err());
        assert!(HttpSource::new("http://x:1/api", "t", Lang::En).is_err());
        assert!(HttpSource::new("http://x:1/v1/units/", "t", Lang::En).is_err());
        assert!(HttpSource::new("http://x:1/v1/units/A/b", "t", Lang::En).is_err());
        let unit = HttpSource::new("http://x:1/v1/units/LP-01", "t", Lang::En).expect("a unit");
        assert_eq!(unit.prefix.as_deref(), Some("/v1/units/LP-01"));
        assert!(HttpSource::new("http://127.0.0.1:8080/", "t", Lang::En).is_ok());
    }
}
