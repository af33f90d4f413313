//! How the server tests begin: `socai serve` on a new store in its own temporary folder, an
//! HTTP client, and the requests most of them send.

use std::path::PathBuf;

use serde_json::Value;
use tempfile::TempDir;

use super::{Server, client, json};

/// `socai serve` on a new store (`db` in a fresh temporary folder) with an optional config
/// (TOML text; `None`: open mode on loopback), and a client. Bind the four in this order: the
/// locals drop in reverse, so the server stops before its folder is removed.
pub fn served(config: Option<&str>) -> (TempDir, PathBuf, Server, reqwest::Client) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let server = Server::start(&db, config);
    (tmp, db, server, client())
}

/// Events as the one JSON array POST /v1/events takes.
pub fn array(events: &[Value]) -> String {
    Value::Array(events.to_vec()).to_string()
}

/// A GET with a bearer token.
pub fn get(c: &reqwest::Client, url: String, token: &str) -> reqwest::RequestBuilder {
    c.get(url).bearer_auth(token)
}

/// POST /v1/events with no credential (a server in open mode): the status and the answer.
pub async fn append_open(
    client: &reqwest::Client,
    server: &Server,
    events: &[Value],
) -> (u16, Value) {
    let request = client
        .post(server.url("/v1/events"))
        .header("content-type", "application/json")
        .body(array(events));
    json(request.send().await.unwrap()).await
}

/// The status and the stable error code of an answer ("" when it has none).
pub async fn code_of(resp: reqwest::Response) -> (u16, String) {
    let (s, v) = json(resp).await;
    (s, v["error"]["code"].as_str().unwrap_or("").to_string())
}

/// POST /v1/events with a bearer token: the events as one JSON array; the status and the
/// answer.
pub async fn append_as(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    events: &[Value],
) -> (u16, Value) {
    json(
        super::post_events(client, &server.base, token, events)
            .send()
            .await
            .unwrap(),
    )
    .await
}
