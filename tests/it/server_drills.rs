//! Drills against `socai serve` (issue 11, items 5–9 and 13): a store that fails under the
//! writer, the dashboard form after a failed verification, idle connections by the thousand,
//! a hostile web page in the user's browser, concurrent verifications, and query parameters
//! an endpoint does not take. Each drives the real binary over loopback.

use crate::common;
use common::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One raw HTTP/1.1 request (so `Host` can be anything); the status and the whole answer.
fn raw(addr: &str, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// The dashboard page (open mode): its CSRF cookie and its form's token.
async fn dashboard_form(client: &reqwest::Client, server: &Server) -> (String, String) {
    let r = client
        .get(server.url("/?as_of=2025-12-31&plan_year=2025"))
        .send()
        .await
        .unwrap();
    let nonce = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("socai_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap_or("socai_csrf=")
        .to_string();
    let page = r.text().await.unwrap();
    // (`cross_site_and_rebinding_requests_are_refused` requires the token; the other drills
    // would send a form without one, as before tokens existed.)
    let token = page
        .find("name=\"csrf\" value=\"")
        .map_or(String::new(), |at| page[at + 19..at + 19 + 64].to_string());
    (nonce, token)
}

fn disburse_form(token: &str, id: &str) -> String {
    [
        ("csrf", token),
        ("id", id),
        ("as_of", "2025-12-31"),
        ("plan_year", "2025"),
        ("line", "A"),
        ("amount", "3"),
        ("effective_date", "2025-02-01"),
        ("document_number", "UNC-9"),
        ("document_date", "2025-02-01"),
    ]
    .iter()
    .filter(|(k, v)| *k != "csrf" || !v.is_empty())
    .map(|(k, v)| format!("{k}={v}"))
    .collect::<Vec<_>>()
    .join("&")
}

async fn head_seq(client: &reqwest::Client, server: &Server) -> u64 {
    let (_, v) = json(
        client
            .get(server.url("/v1/events?limit=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    v["head_seq"].as_u64().unwrap()
}

// ----- item 5: a store failure under the writer --------------------------------------------

/// HEAD cannot be written after sled took the batch (here a folder named HEAD.tmp is in the
/// way, as a full disk or a stray backup would do; HEAD is rewritten in place after most
/// commits, but renamed into place through HEAD.tmp at the first commit after an open, so the
/// folder is put there between two runs of the server): the append is refused with
/// `store_unavailable`, so is every later one (the dashboard's too), `/readyz` says 503,
/// SIGTERM exits 0, and a restart recovers the store and takes appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_head_write_makes_the_server_refuse_appends_until_a_restart() {
    let (_tmp, db, mut server, client) = served(None);
    let (s, v) = append_open(
        &client,
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 50)],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(server.sigterm().code(), Some(0), "{}", server.logs());
    std::fs::create_dir(db.join("HEAD.tmp")).unwrap();
    let mut server = Server::start(&db, None);
    let (nonce, token) = dashboard_form(&client, &server).await;

    let (s, v) = append_open(&client, &server, &[money(3, "allocate", "A", 7)]).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{v}"
    );
    let (s, v) = append_open(&client, &server, &[money(4, "allocate", "A", 8)]).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{v}"
    );
    let r = client
        .post(server.url("/dashboard/disburse"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &nonce)
        .body(disburse_form(&token, &uuid::Uuid::new_v4().to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503, "{}", r.text().await.unwrap());
    let (s, code) = code_of(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!((s, code.as_str()), (503, "not_ready"));
    // The read side still serves what was acknowledged.
    assert_eq!(head_seq(&client, &server).await, 2);
    let status = server.sigterm();
    assert_eq!(status.code(), Some(0), "{}", server.logs());
    assert!(!server.logs().contains("panicked"), "{}", server.logs());

    std::fs::remove_dir(db.join("HEAD.tmp")).unwrap();
    let server = Server::start(&db, None);
    let (s, _) = code_of(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(s, 200);
    // The refused batch may be in the log (sled took it); re-sending it is safe either way.
    let (s, v) = append_open(&client, &server, &[money(3, "allocate", "A", 7)]).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = append_open(&client, &server, &[money(5, "allocate", "A", 9)]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["head_seq"], 4, "{v}");
}

/// A backup into the store's own folder (HEAD.tmp included, or through a link) is refused,
/// and the server keeps taking appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_into_the_store_folder_is_refused() {
    let (tmp, db, server, client) = served(None);
    let (s, _) = append_open(&client, &server, &[open_line(1, "A")]).await;
    assert_eq!(s, 200);
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let inside = [
        db.join("HEAD.tmp"),
        db.join("copies/today"),
        link.join("copy"),
        tmp.path().join("elsewhere/../db/x"),
    ];
    for dir in inside {
        let (s, code) = code_of(
            client
                .post(server.url("/v1/admin/backup"))
                .body(json!({"dir": dir}).to_string())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, code.as_str()),
            (409, "backup_failed"),
            "{}",
            dir.display()
        );
    }
    assert!(!db.join("HEAD.tmp").exists() && !db.join("copies").exists());
    let (s, v) = append_open(&client, &server, &[money(2, "allocate", "A", 5)]).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = code_of(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(s, 200);
    // A folder of its own is fine.
    let (s, v) = json(
        client
            .post(server.url("/v1/admin/backup"))
            .body(json!({"dir": tmp.path().join("backup")}).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["head_seq"].as_u64()), (200, Some(2)), "{v}");
}

// ----- item 6: one gate for every append path ----------------------------------------------

/// After `/v1/verify` found HEAD altered, the dashboard form is refused like the API, and
/// HEAD (the evidence) is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_form_is_refused_after_a_failed_verification() {
    let (_tmp, db, server, client) = served(None);
    let (s, _) = append_open(
        &client,
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 50)],
    )
    .await;
    assert_eq!(s, 200);
    let (nonce, token) = dashboard_form(&client, &server).await;
    let forged = format!("socai-head 1\n2\n{}\n", "00".repeat(32));
    std::fs::write(db.join("HEAD"), &forged).unwrap();
    let (s, code) = code_of(client.get(server.url("/v1/verify")).send().await.unwrap()).await;
    assert_eq!((s, code.as_str()), (500, "integrity_failure"));
    let r = client
        .post(server.url("/dashboard/disburse"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &nonce)
        .body(disburse_form(&token, &uuid::Uuid::new_v4().to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503, "{}", r.text().await.unwrap());
    assert_eq!(std::fs::read_to_string(db.join("HEAD")).unwrap(), forged);
    assert_eq!(head_seq(&client, &server).await, 2);
}

// ----- item 7: idle connections ------------------------------------------------------------

/// 1,100 connections that never send a byte do not stop the service: `/healthz` and an
/// authenticated append answer within 2 s, and the idle connections are closed after the
/// header-read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_by_the_thousand_do_not_stop_the_service() {
    raise_open_files(4096);
    let tmp = tempfile::tempdir().unwrap();
    let (token, entry) = credential("ke-toan", "recorder");
    // The default limits: the header-read timeout is 10 s.
    let server = Server::start(&tmp.path().join("db"), Some(&entry));
    let idle: Vec<TcpStream> = (0..1100)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let start = Instant::now();
    let r = quick.get(server.url("/healthz")).send().await;
    assert!(
        r.is_ok_and(|r| r.status() == 200),
        "/healthz did not answer in 2 s"
    );
    let r = quick
        .post(server.url("/v1/events"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(array(&[open_line(1, "A")]))
        .send()
        .await;
    assert!(
        r.is_ok_and(|r| r.status() == 200),
        "the append did not answer in 2 s"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // An idle connection is closed by the server (EOF), not held for ever.
    let mut first = idle.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 64];
    let n = first.read(&mut buf);
    assert!(
        matches!(n, Ok(0))
            || n.as_ref()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "an idle connection is still open after 15 s: {n:?}"
    );
}

/// Lets this test process (and the server it starts) open `wanted` files.
fn raise_open_files(wanted: u64) {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write one rlimit struct we own.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut l), 0);
        if l.rlim_cur < wanted {
            l.rlim_cur = wanted.min(l.rlim_max);
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &l), 0);
        }
    }
    assert!(
        l.rlim_cur >= 2400,
        "this drill needs `ulimit -n` of at least 2400 (hard limit {})",
        l.rlim_max
    );
}

// ----- item 8: a hostile web page ----------------------------------------------------------

/// In open mode, requests naming another host (DNS rebinding) and state-changing requests
/// from another origin are refused; nothing is appended or backed up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_and_rebinding_requests_are_refused() {
    let (tmp, _db, server, client) = served(None);
    let (s, _) = append_open(
        &client,
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 50)],
    )
    .await;
    assert_eq!(s, 200);
    let (nonce, token) = dashboard_form(&client, &server).await;
    assert_eq!(token.len(), 64, "the form carries a CSRF token");
    let evil = [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ];
    for (name, value) in evil {
        let r = client
            .post(server.url("/v1/events"))
            .header(name, value)
            .body(array(&[money(3, "allocate", "A", 5)]))
            .send()
            .await
            .unwrap();
        assert_eq!(
            code_of(r).await,
            (403, "cross_site".to_string()),
            "{name}: {value}"
        );
        let r = client
            .post(server.url("/dashboard/disburse"))
            .header(name, value)
            .header("cookie", &nonce)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(disburse_form(&token, &uuid::Uuid::new_v4().to_string()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{name}: {value}");
        let r = client
            .post(server.url("/v1/admin/backup"))
            .header(name, value)
            .body(json!({"dir": tmp.path().join("stolen")}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(
            code_of(r).await,
            (403, "cross_site".to_string()),
            "{name}: {value}"
        );
    }
    // A form posted without the page's token (an old browser sends no Origin) is refused.
    let r = client
        .post(server.url("/dashboard/disburse"))
        .header("cookie", &nonce)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(disburse_form(
            "0".repeat(64).as_str(),
            &uuid::Uuid::new_v4().to_string(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 reads and writes nothing.
    let body = array(&[money(4, "allocate", "A", 5)]);
    for request in [
        "GET /v1/balances?as_of=2025-12-31 HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n".to_string(),
        format!(
            "POST /v1/events HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    ] {
        let (status, answer) = raw(&server.addr, &request);
        assert_eq!(status, 403, "{answer}");
        assert!(answer.contains("host_not_allowed"), "{answer}");
    }
    assert!(!tmp.path().join("stolen").exists());
    assert_eq!(head_seq(&client, &server).await, 2);
    // The server's own pages still work: same origin, loopback names.
    let port = server.addr.rsplit(':').next().unwrap();
    let r = client
        .post(server.url("/dashboard/disburse"))
        .header("origin", format!("http://127.0.0.1:{port}"))
        .header("sec-fetch-site", "same-origin")
        .header("cookie", &nonce)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(disburse_form(&token, &uuid::Uuid::new_v4().to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let (status, answer) = raw(
        &server.addr,
        &format!("GET /healthz HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(head_seq(&client, &server).await, 3);
}

/// Pages are never cached nor framed; the login form carries a CSRF token; the session
/// cookie is `Secure` behind a TLS proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_pages_are_not_cached_or_framed_and_cookies_are_secure_behind_tls() {
    let tmp = tempfile::tempdir().unwrap();
    let (token, entry) = credential("ke-toan", "recorder");
    let config = format!("behind_tls_proxy = true\n\n{entry}\n");
    let server = Server::start(&tmp.path().join("db"), Some(&config));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(server.url("/")).send().await.unwrap();
    let h = r.headers().clone();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let nonce = h["set-cookie"].to_str().unwrap().to_string();
    assert!(
        nonce.starts_with("socai_csrf=") && nonce.contains("Secure"),
        "{nonce}"
    );
    let nonce = nonce.split(';').next().unwrap().to_string();
    let page = r.text().await.unwrap();
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("login form token")
        + 19;
    let csrf = &page[at..at + 64];
    // Without the token the login is refused; with it the session cookie is Secure.
    let login = |body: String| {
        client
            .post(server.url("/dashboard/login"))
            .header("cookie", &nonce)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = login(format!("token={token}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = login(format!("csrf={csrf}&token={token}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let session = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        session.starts_with("socai_token=") && session.contains("; Secure"),
        "{session}"
    );
    // API answers are not cached or framed either.
    let r = client
        .get(server.url("/v1/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}

// ----- item 9: one verification at a time -------------------------------------------------

/// A store of 40,000 events (one line, many small disbursements), written once per run
/// through the CLI for the drills that need a big one; each gets its own copy in `dir`. It
/// lives in Cargo's scratch folder for tests (one copy, replaced at each run), since no
/// temporary folder outlives the test that made it.
fn big_store(dir: &Path) -> std::path::PathBuf {
    static STORE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let original = STORE.get_or_init(|| {
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("server-drills-big-store");
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let db = home.join("db");
        let mut lines = vec![
            open_line(1, "A").to_string(),
            money(2, "allocate", "A", 10_000_000).to_string(),
        ];
        for i in 3..=BIG {
            lines.push(money(i, "disburse", "A", 1).to_string());
        }
        let file = home.join("events.jsonl");
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let o = socai(&db, &["import", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        db
    });
    let db = dir.join("db");
    copy_dir(original, &db);
    db
}

const BIG: u64 = 40_000;

/// 16 verifications at once: one runs, the others are told to retry (503 `verify_busy`,
/// `Retry-After`), so memory holds one copy of the log, not 16.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_verification_runs_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let db = big_store(tmp.path());
    let server = Server::start(&db, None);
    let client = client();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (client, url, barrier) =
                (client.clone(), server.url("/v1/verify"), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let r = client.get(url).send().await.unwrap();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                let (s, v) = json(r).await;
                (s, v, retry)
            })
        })
        .collect();
    let (mut ok, mut busy) = (0, 0);
    for t in tasks {
        let (s, v, retry) = t.await.unwrap();
        match s {
            200 => {
                assert_eq!(v["verified_events"], BIG, "{v}");
                ok += 1;
            }
            503 => {
                assert_eq!(v["error"]["code"], "verify_busy", "{v}");
                assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
                busy += 1;
            }
            _ => panic!("{s}: {v}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} verified, {busy} refused");
    // Once they are done, a verification runs again.
    let (s, v) = json(client.get(server.url("/v1/verify")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
}

// ----- item 13: query parameters -----------------------------------------------------------

/// Endpoints that take no query parameters refuse any: `?dry_run=true` must not append.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_without_parameters_refuse_any() {
    let (tmp, _db, server, client) = served(None);
    let r = client
        .post(server.url("/v1/events?dry_run=true"))
        .body(array(&[open_line(1, "A")]))
        .send()
        .await
        .unwrap();
    let (s, v) = json(r).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_parameter")),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("dry_run"),
        "{v}"
    );
    assert_eq!(head_seq(&client, &server).await, 0, "nothing appended");
    for path in [
        "/v1/verify?full=1",
        "/v1/admin/stats?x=1",
        "/readyz?deep=1",
        "/healthz?x",
    ] {
        let (s, code) = code_of(client.get(server.url(path)).send().await.unwrap()).await;
        assert_eq!((s, code.as_str()), (400, "invalid_parameter"), "{path}");
    }
    let r = client
        .post(server.url("/v1/admin/backup?force=1"))
        .body(json!({"dir": tmp.path().join("b")}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await, (400, "invalid_parameter".to_string()));
    assert!(!tmp.path().join("b").exists());
}

/// A client that opens an event stream and reads nothing loses its connection once its
/// writes stall for `request_timeout_ms`, and its stream slot is free again; before, it held
/// both for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_loses_its_connection() {
    let tmp = tempfile::tempdir().unwrap();
    let db = big_store(tmp.path());
    let config = "[limits]\nrequest_timeout_ms = 1000\nmax_streams = 1\n";
    let server = Server::start(&db, Some(config));
    let client = client();
    // Streams wait for the store's verification; this drill is about what follows.
    common::verified(&client, &server).await;
    let mut silent = TcpStream::connect(&server.addr).unwrap();
    silent
        .write_all(b"GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut freed = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let r = client
            .get(server.url("/v1/events/stream?after=40000"))
            .timeout(Duration::from_millis(500))
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            freed = true;
            break;
        }
        assert_eq!(code_of(r).await.1, "too_many_streams");
    }
    assert!(
        freed,
        "the silent client still holds the only stream slot after 10 s"
    );
    // What it was sent ends (the server closed the connection) instead of going on for ever.
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut sink = Vec::new();
    let end = silent.read_to_end(&mut sink);
    assert!(
        end.is_ok() || end.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "the connection is still open"
    );
}

/// The server's log cannot be written (its stderr is `/dev/full`, as a log file on a full
/// disk): every request is still answered, appends are taken, and SIGTERM exits 0. A failed
/// log line used to panic the request's task (tracing-subscriber reports its own write errors
/// with `eprintln!`, which panics when stderr fails), so the client got no answer at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_cannot_be_written_does_not_stop_the_server_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut server = Server::start_logging_to(&db, Path::new("/dev/full"));
    let client = client();
    let (s, v) = append_open(
        &client,
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 50)],
    )
    .await;
    assert_eq!((s, v["head_seq"].as_u64()), (200, Some(2)), "{v}");
    let (s, code) = code_of(
        client
            .post(server.url("/v1/events"))
            .header("content-type", "application/json")
            .body("[{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (422, "malformed"));
    let (s, _) = code_of(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(head_seq(&client, &server).await, 2);
    assert_eq!(server.sigterm().code(), Some(0));
}

/// A small tmpfs mounted for one drill, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// `None`, with a note that the drill is skipped, where mounting is not allowed (not
    /// root, or no CAP_SYS_ADMIN in a container); a failure if SOCAI_REQUIRE_MOUNT is set.
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            assert!(
                std::env::var("SOCAI_REQUIRE_MOUNT").is_err(),
                "SOCAI_REQUIRE_MOUNT is set but tmpfs cannot be mounted"
            );
            eprintln!("note: cannot mount a tmpfs here; the drill is skipped");
        }
        mounted.then(|| Tmpfs(at.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        let o = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
    }
}

/// The disk fills while clients append: appends are refused with `store_unavailable`,
/// `/readyz` says 503, SIGTERM exits 0; once space is freed the store verifies with every
/// acknowledged event and the restarted server takes appends. Needs a tmpfs mount (root);
/// skipped with a note where mounting is not allowed, unless SOCAI_REQUIRE_MOUNT=1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_the_server_is_refused_cleanly_and_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "6m") else {
        return;
    };
    let db = disk.0.join("db");
    let mut server = Server::start(&db, None);
    let client = client();
    let (s, _) = append_open(
        &client,
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 1 << 40)],
    )
    .await;
    assert_eq!(s, 200);
    let mut acknowledged = 2;
    let mut refusal = None;
    for n in (3..1_000_000u64).step_by(20) {
        let batch: Vec<Value> = (n..n + 20)
            .map(|i| {
                let mut e = money(i, "disburse", "A", 1);
                e["note"] = Value::String("x".repeat(1500));
                e
            })
            .collect();
        let (s, v) = append_open(&client, &server, &batch).await;
        if s != 200 {
            refusal = Some((s, v));
            break;
        }
        acknowledged = v["head_seq"].as_u64().unwrap();
    }
    let (s, v) = refusal.expect("the disk filled");
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{v}"
    );
    let (s, v) = append_open(&client, &server, &[money(9_999_999, "allocate", "A", 1)]).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (503, Some("store_unavailable")),
        "{v}"
    );
    let (s, _) = code_of(client.get(server.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(s, 503);
    assert_eq!(head_seq(&client, &server).await, acknowledged);
    assert_eq!(server.sigterm().code(), Some(0), "{}", server.logs());

    disk.resize("64m");
    let o = socai(&db, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let server = Server::start(&db, None);
    assert!(head_seq(&client, &server).await >= acknowledged);
    let (s, v) = append_open(&client, &server, &[money(9_999_999, "allocate", "A", 1)]).await;
    assert_eq!(s, 200, "{v}");
}

/// Bytes free on the filesystem holding `path`.
fn free_bytes(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: statvfs(3) reads a NUL-terminated path and fills a struct we own.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut stat) }, 0);
    stat.f_bavail * stat.f_frsize
}

/// With 128 KiB left on the disk, a small append is taken and the zeros the store writes
/// ahead of sled's and the journal's segments (a speed-up) leave the free space to the
/// records, the index, HEAD and the log: zeros written in part until the disk was full took
/// every last byte (and could take the room the other copy's frames needed, refusing a batch
/// that fits). Needs a tmpfs mount, as the drill above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeros_written_ahead_never_take_a_nearly_full_disks_last_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "4m") else {
        return;
    };
    let db = disk.0.join("db");
    let mut server = Server::start_logging_to(&db, &tmp.path().join("server.log"));
    let filler = disk.0.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![1u8; 64 << 10];
    while file.write_all(&chunk).is_ok() {}
    let full = file.metadata().unwrap().len();
    file.set_len(full - full % 4096 - (128 << 10)).unwrap();
    let before = free_bytes(&disk.0);
    // The server may write a page or two meanwhile (sled flushes in the background): seen
    // once at 124 KiB on a loaded machine.
    assert!(before >= 112 << 10, "{before}");

    let (s, v) = append_open(
        &client(),
        &server,
        &[open_line(1, "A"), money(2, "allocate", "A", 50)],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let after = free_bytes(&disk.0);
    assert!(
        after >= 64 << 10,
        "{before} bytes free before the append, {after} after"
    );
    assert_eq!(server.sigterm().code(), Some(0), "{}", server.logs());
}
