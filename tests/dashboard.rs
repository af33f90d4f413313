//! The browser dashboard at `/` of `socai serve`, rendered by a real headless Chromium:
//! Vietnamese text and vi-VN figures, both charts, a line's trail, and the disbursement form
//! (sent as a browser sends it) for the recorder role only.
//!
//! Chromium comes from the system packages (`.ci/run` installs chromium). Without it the
//! browser half is skipped with a note, unless SOCAI_REQUIRE_TOOLS=1 (CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::vi::{rate_percent, trieu_text};
use common::*;

const AS_OF: &str = "2025-11-20";

/// The plan-2025 store, and its `balance --json` as of AS_OF (taken before the server holds
/// the store's lock): the figures the page must show.
fn store(tmp: &Path) -> (PathBuf, serde_json::Value) {
    let db = tmp.join("db");
    for file in ["plan-2025/plan.xlsx", "plan-2025/disbursements.jsonl"] {
        import(&db, &fixture(file));
    }
    let o = socai(
        &db,
        &["balance", "--as-of", AS_OF, "--plan-year", "2025", "--json"],
    );
    (db, serde_json::from_slice(&o.stdout).unwrap())
}

fn chromium() -> Option<&'static str> {
    find_tool(&["chromium", "chromium-browser"], "the browser half")
}

/// Runs headless Chromium on a URL with a fresh profile; returns stdout (the DOM with --dump-dom).
fn browse(browser: &str, profile: &Path, extra: &[&str], url: &str) -> String {
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=vi",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn n(v: &serde_json::Value) -> i128 {
    v.as_str().unwrap().parse().unwrap()
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The CSRF token the page's POST forms carry.
fn csrf_token(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the form carries a CSRF token")
        + 19;
    page[at..at + 64].to_string()
}

/// The `name=value` of a cookie a response sets.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn form_id(page: &str) -> String {
    let at = page
        .find("name=\"id\" value=\"")
        .expect("the form carries an id")
        + 17;
    page[at..at + 36].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_the_dashboard_and_the_form_records_a_disbursement() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, balance) = store(tmp.path());
    let server = Server::start(&db, None);
    let page_url = format!(
        "{}/?as_of={AS_OF}&plan_year=2025&line=2025%2FDTTS%2FDT%2FCT02",
        server.base
    );
    let Some(browser) = chromium() else {
        return;
    };
    let dom = browse(browser, &tmp.path().join("p1"), &["--dump-dom"], &page_url);
    for text in [
        "Sổ cái – Bảng điều khiển",
        "Số liệu đến hết ngày 20/11/2025, năm kế hoạch 2025, theo dữ liệu ghi đến thứ tự 36",
        "Mục II. Kế hoạch vốn và giải ngân",
        "Giải ngân lũy kế so với kế hoạch vốn năm 2025 (đến ngày 20/11/2025)",
        "Tỷ lệ giải ngân theo chương trình",
        "Nhật ký dòng 2025/DTTS/DT/CT02",
        "Đã hủy bởi #36: chứng từ UNC-2025-008 nhập trùng hai lần",
        "594.000.000",
        "Ghi giải ngân",
    ] {
        assert!(dom.contains(text), "missing {text:?}");
    }
    assert_eq!(dom.matches("<svg").count(), 2, "both charts");
    // The totals and every line as `socai balance` gives them, in vi-VN format.
    let t = &balance["totals"];
    let totals = format!(
        "Tổng kế hoạch vốn: <b>{}</b> triệu đồng; đã giải ngân: <b>{}</b> triệu đồng, đạt <b>{}</b> KHV.",
        trieu_text(n(&t["plan"])),
        trieu_text(n(&t["disbursed"])),
        rate_percent(t["rate"].as_str().unwrap())
    );
    assert!(dom.contains(&totals), "missing {totals}");
    for l in balance["lines"].as_array().unwrap() {
        let row = format!(
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            trieu_text(n(&l["plan"])),
            trieu_text(n(&l["disbursed"])),
            trieu_text(n(&l["available"])),
            rate_percent(l["rate"].as_str().unwrap())
        );
        assert!(dom.contains(&row), "{}: missing {row}", l["line"]);
    }
    // A screenshot, into this test's temporary folder.
    let shot = tmp.path().join("dashboard.png");
    browse(
        browser,
        &tmp.path().join("p2"),
        &[
            "--window-size=1200,2600",
            &format!("--screenshot={}", shot.display()),
        ],
        &page_url,
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );

    // The form, sent as the browser sends it (urlencoded), with a vi-VN grouped amount.
    let client = client();
    let r = client.get(&page_url).send().await.unwrap();
    let nonce = set_cookie(&r, "socai_csrf").expect("the page sets the CSRF cookie");
    let page = r.text().await.unwrap();
    let id = form_id(&page);
    let token = csrf_token(&page);
    let fields = |amount: &'static str, id: &str| {
        form_body(&[
            ("csrf", &token),
            ("id", id),
            ("as_of", "2025-11-30"),
            ("plan_year", "2025"),
            ("line", "2025/DTTS/DT/CT01"),
            ("amount", amount),
            ("effective_date", "2025-11-25"),
            ("document_number", "UNC-2025-099"),
            ("document_date", "2025-11-25"),
            ("payee", "Công ty TNHH Xây dựng Sín Chải"),
            ("note", ""),
        ])
    };
    let send = |body: String| {
        client
            .post(server.url("/dashboard/disburse"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &nonce)
            .body(body)
            .send()
    };
    let r = send(fields("100.000", &id)).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("ambiguous"));
    let r = send(fields("100.000.000", &id)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Đã ghi giải ngân 100.000.000 đồng vào dòng 2025/DTTS/DT/CT01 (thứ tự 37)."),
        "{text}"
    );
    // The same form again: recorded once.
    let text = send(fields("100.000.000", &id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Phiếu này đã được ghi trước đó"), "{text}");
    // More than the line has left: refused by the rules, nothing recorded.
    let other = uuid::Uuid::new_v4().to_string();
    let r = send(fields("400.000.001", &other)).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("insufficient_funds"));

    // The browser sees the new voucher in the figures.
    let dom = browse(
        browser,
        &tmp.path().join("p3"),
        &["--dump-dom"],
        &format!("{}/?as_of=2025-11-30&plan_year=2025", server.base),
    );
    let ct01 = "<td class=\"n\">3.400</td><td class=\"n\">3.000</td><td class=\"n\">400</td><td class=\"n\">88,24%</td>";
    assert!(dom.contains(ct01), "CT01 after the voucher");
    assert!(dom.contains("theo dữ liệu ghi đến thứ tự 37"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_recorder_role_gets_the_form_and_may_send_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = store(tmp.path());
    let (recorder, a) = credential("ke-toan-xa", "recorder");
    let (auditor, b) = credential("kiem-toan-1", "auditor");
    let server = Server::start(&db, Some(&format!("{a}\n{b}\n")));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |cookie: Option<String>| {
        let mut r = client.get(server.url(&format!("/?as_of={AS_OF}&plan_year=2025")));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    // No credential: the login form, not the figures; it carries a CSRF token for the nonce
    // the browser is given.
    let r = page(None).await.unwrap();
    let nonce = set_cookie(&r, "socai_csrf").expect("the CSRF cookie");
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Đăng nhập") && !text.contains("Tổng kế hoạch vốn"),
        "{text}"
    );
    let login_token = csrf_token(&text);
    let login = |token: String| {
        client
            .post(server.url("/dashboard/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &nonce)
            .body(form_body(&[("csrf", &login_token), ("token", &token)]))
            .send()
    };
    let r = login("not-a-token".into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let cookie_of = |r: &reqwest::Response| {
        let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        set.split(';').next().unwrap().to_string()
    };
    let r = login(auditor.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let auditor_cookie = format!("{}; {nonce}", cookie_of(&r));
    let r = login(recorder.clone()).await.unwrap();
    let recorder_cookie = format!("{}; {nonce}", cookie_of(&r));
    // The auditor reads the figures but gets no form and may not send one.
    let text = page(Some(auditor_cookie.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Tổng kế hoạch vốn") && text.contains("kiểm toán (auditor)"));
    assert!(
        !text.contains("Ghi giải ngân"),
        "an auditor must not get the form"
    );
    // Forms are signed for the session they were shown in (the logout form carries it too).
    let auditor_token = csrf_token(&text);
    let id = uuid::Uuid::new_v4().to_string();
    let body = |token: &str| {
        form_body(&[
            ("csrf", token),
            ("id", &id),
            ("as_of", AS_OF),
            ("plan_year", "2025"),
            ("line", "2025/DTTS/DT/CT01"),
            ("amount", "1000000"),
            ("effective_date", AS_OF),
            ("document_number", "UNC-X"),
            ("document_date", AS_OF),
        ])
    };
    let post = |cookie: String, token: &str| {
        client
            .post(server.url("/dashboard/disburse"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(body(token))
            .send()
    };
    let r = post(auditor_cookie, &auditor_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        r.text().await.unwrap().contains("role auditor"),
        "refused for the role"
    );
    let r = post(nonce.clone(), &login_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // The recorder gets the form; the voucher is recorded with the recorder as its actor.
    let text = page(Some(recorder_cookie.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Ghi giải ngân"));
    let recorder_token = csrf_token(&text);
    // A token of another session (the auditor's) is refused, as is none.
    let r = post(recorder_cookie.clone(), &auditor_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = post(recorder_cookie.clone(), &login_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = post(recorder_cookie, &recorder_token).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let events = client
        .get(server.url("/v1/events?after=36"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(events.contains("\"actor\":\"ke-toan-xa\""), "{events}");
}
