//! The browser dashboard at `/` of `socai serve`, rendered by a real headless Chromium:
//! Vietnamese text and vi-VN figures, both charts, a line's trail, and the disbursement form
//! (sent as a browser sends it) for the recorder role only.
//!
//! Chromium comes from the system packages (`.ci/run` installs chromium). Without it the
//! browser half is skipped with a note, unless SOCAI_REQUIRE_TOOLS=1 (CI).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::vi::{rate_percent, trieu_text};
use common::*;
use serde_json::json;

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
        "Tỷ lệ giải ngân theo loại vốn và chương trình",
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
        r.text().await.unwrap().contains("vai trò auditor"),
        "refused for the role, in Vietnamese"
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

/// The HTML the server answers for `url` (no credential: open mode).
async fn page_text(url: &str) -> String {
    let r = client().get(url).send().await.unwrap();
    r.text().await.unwrap()
}

/// The page's HTML as a file Chromium can open (no server CSP on file://), so that a
/// measuring wrapper beside it may read its layout: the same markup and styles the server sent.
fn page_file(dir: &Path, html: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("page.html"), html).unwrap();
    // The wrapper frames the page at a phone's width and writes what it measured into its DOM.
    let wrap = "<!DOCTYPE html><html><body style=\"margin:0\">\
        <iframe id=\"f\" src=\"page.html\" width=\"390\" height=\"2400\" style=\"border:0\"></iframe>\
        <script>document.getElementById('f').addEventListener('load', function () {\
        var d = this.contentDocument.documentElement;\
        document.body.insertAdjacentHTML('beforeend', '<p id=\"sw\">' + d.scrollWidth + ' ' + d.clientWidth + '</p>');\
        });</script></body></html>";
    std::fs::write(dir.join("wrap.html"), wrap).unwrap();
    dir.join("wrap.html")
}

/// The page framed 390 px wide: (scrollWidth, clientWidth) of its document.
fn phone_widths(browser: &str, dir: &Path, html: &str) -> (u32, u32) {
    let wrap = page_file(dir, html);
    let dom = browse(
        browser,
        &dir.join("profile"),
        &[
            "--dump-dom",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--window-size=800,2600",
        ],
        &format!("file://{}", wrap.display()),
    );
    let at = dom
        .rfind("<p id=\"sw\">")
        .expect("the wrapper measured the page")
        + 11;
    let end = at + dom[at..].find('<').unwrap();
    let measured = &dom[at..end];
    let mut n = measured.split(' ').map(|v| {
        v.parse::<u32>()
            .unwrap_or_else(|_| panic!("measured {measured:?}"))
    });
    (n.next().unwrap(), n.next().unwrap())
}

/// Each line's name and project as recorded (`socai events --type open_line --json`): an
/// oracle independent of the page.
fn line_specs(db: &Path) -> Vec<serde_json::Value> {
    let o = socai(db, &["events", "--type", "open_line", "--json"]);
    let page: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_groups_lines_shows_the_trail_first_and_keeps_a_refused_form() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, balance) = store(tmp.path());
    let specs = line_specs(&db);
    let server = Server::start(&db, None);
    let Some(browser) = chromium() else {
        return;
    };
    let page_url = format!(
        "{}/?as_of={AS_OF}&plan_year=2025&line=2025%2FDTTS%2FDT%2FCT02",
        server.base
    );
    let dom = browse(browser, &tmp.path().join("p1"), &["--dump-dom"], &page_url);
    // The trail comes before the lines, in Vietnamese, with the payee and amounts in đồng.
    let trail = dom.find("id=\"trail\"").expect("the trail");
    assert!(
        trail < dom.find("id=\"lines\"").unwrap(),
        "trail near the top"
    );
    for text in [
        "<td>mở dòng vốn</td>",
        "<td>giao kế hoạch vốn</td>",
        "<td>giải ngân</td>",
        "<td>HTX Xây dựng Lùng Phình</td>",
        "<td class=\"n\">594.000.000</td>",
        "<td>ke-toan-xa</td>",
        "nhập trùng chứng từ UNC-2025-008; Đã hủy bởi #36",
    ] {
        assert!(dom[trail..].contains(text), "trail: missing {text:?}");
    }
    assert!(!dom[trail..].contains("<td>disburse</td>"));
    // Capital type → program → project, each with its subtotal of `socai balance`'s lines.
    let lines = balance["lines"].as_array().unwrap();
    for (capital, label) in [
        ("recurrent", "Vốn sự nghiệp"),
        ("investment", "Vốn đầu tư phát triển"),
    ] {
        let of: Vec<_> = lines.iter().filter(|l| l["capital"] == capital).collect();
        let plan: i128 = of.iter().map(|l| n(&l["plan"])).sum();
        let disbursed: i128 = of.iter().map(|l| n(&l["disbursed"])).sum();
        let row = format!(
            "<tr class=\"g1\"><th scope=\"row\">{label}</th><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            trieu_text(plan),
            trieu_text(disbursed)
        );
        assert!(dom.contains(&row), "missing {row}");
    }
    let recurrent = dom.find(">Vốn sự nghiệp</th>").unwrap();
    let investment = dom.find(">Vốn đầu tư phát triển</th>").unwrap();
    // Programs and projects by their catalogue names, not their codes.
    let dtts = dom[recurrent..]
        .find(">Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi</th>")
        .unwrap()
        + recurrent;
    let gnbv = dom[recurrent..]
        .find(">Chương trình MTQG giảm nghèo bền vững</th>")
        .unwrap()
        + recurrent;
    assert!(
        recurrent < dtts && dtts < gnbv && gnbv < investment,
        "grouping order"
    );
    // Every line under its group, with its recorded name.
    for spec in &specs {
        let code = spec["line"].as_str().unwrap();
        let at = dom.find(&format!(">{code}</a>")).expect(code);
        let capital = if spec["capital"] == "recurrent" {
            recurrent
        } else {
            investment
        };
        assert!(at > capital, "{code} under its capital type");
        if let Some(name) = spec["name"].as_str() {
            assert!(
                dom[at..].starts_with(&format!(
                    ">{code}</a><br><span class=\"name\">{name}</span>"
                )),
                "{code}: name {name}"
            );
        }
        if let Some(project) = spec["project"].as_str() {
            let heading = dom[..at].rfind("<tr class=\"g3\">").unwrap();
            let program = spec["program"].as_str().unwrap();
            let title = socai::present::catalogue::project_title(
                program,
                project,
                socai::present::vi_format::Lang::Vi,
            );
            assert!(
                title.starts_with(&format!("{project}: ")),
                "{code}: {project} has a name"
            );
            assert!(dom[heading..at].contains(&title), "{code} under {title}");
        }
    }

    // A refused disbursement comes back with everything typed still in the form.
    let client = client();
    let r = client.get(&page_url).send().await.unwrap();
    let nonce = set_cookie(&r, "socai_csrf").unwrap();
    let page = r.text().await.unwrap();
    let token = csrf_token(&page);
    let id = form_id(&page);
    let hostile_payee = "<script>alert(1)</script> Công ty \"Sín Chải\"";
    let hostile_note = "\"><img src=x onerror=alert(2)>";
    let send = |path: &'static str, pairs: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", token.clone())];
        all.extend(pairs);
        let borrowed: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &nonce)
            .body(form_body(&borrowed))
            .send()
    };
    let voucher = |id: &str, amount: &str| {
        vec![
            ("id", id.to_string()),
            ("as_of", "2025-12-31".to_string()),
            ("plan_year", "2025".to_string()),
            ("line", "2025/DTTS/DT/CT01".to_string()),
            ("amount", amount.to_string()),
            ("effective_date", "2025-12-01".to_string()),
            ("document_number", "UNC-2025-030".to_string()),
            ("document_date", "2025-12-01".to_string()),
            ("payee", hostile_payee.to_string()),
            ("note", hostile_note.to_string()),
        ]
    };
    let r = send("/dashboard/disburse", voucher(&id, "900.000.000.000"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let refused = r.text().await.unwrap();
    assert!(!refused.contains("<script>alert") && !refused.contains("<img src=x"));
    let dom = browse(
        browser,
        &tmp.path().join("p2"),
        &["--dump-dom"],
        &format!(
            "file://{}",
            page_file(&tmp.path().join("refused"), &refused).display()
        )
        .replace("wrap.html", "page.html"),
    );
    let form = &dom[dom.find("<form id=\"disburse\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    for (name, value) in [
        ("amount", "900.000.000.000"),
        ("effective_date", "2025-12-01"),
        ("document_number", "UNC-2025-030"),
        (
            "payee",
            "&lt;script&gt;alert(1)&lt;/script&gt; Công ty &quot;Sín Chải&quot;",
        ),
        ("note", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        ("id", id.as_str()),
    ] {
        assert!(
            form.contains(&format!("name=\"{name}\" value=\"{value}\"")),
            "kept {name}: {form}"
        );
    }
    assert!(
        form.contains("<option value=\"2025/DTTS/DT/CT01\" selected=\"\">"),
        "kept line"
    );
    assert!(dom.contains("insufficient_funds"), "the refusal is shown");
    assert!(!dom.contains("<img src=\"x\""), "hostile text stays text");

    // Recorded twice: accepted, and the second time the page warns.
    let first = uuid::Uuid::new_v4().to_string();
    let r = send("/dashboard/disburse", voucher(&first, "10.000.000"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(!r.text().await.unwrap().contains("trùng chứng từ"));
    let second = uuid::Uuid::new_v4().to_string();
    let r = send("/dashboard/disburse", voucher(&second, "10.000.000"))
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(text.contains("Cảnh báo: có thể trùng chứng từ. Thứ tự 38 lặp lại chứng từ UNC-2025-030 ngày 01/12/2025"), "{text}");
    assert!(
        text.contains("<section id=\"duplicates\">"),
        "listed on the page"
    );
    // The payee is shown escaped in the trail of that line.
    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!text.contains("<script>alert"));
    // The recorder reverses the second one and records a refund on the first.
    // A voucher of 2 December with a fresh id, the view of 31 December, and its own fields.
    let dated = |fields: [(&'static str, &str); 3]| {
        let mut all = vec![
            ("id", uuid::Uuid::new_v4().to_string()),
            ("as_of", "2025-12-31".to_string()),
            ("plan_year", "2025".to_string()),
            ("effective_date", "2025-12-02".to_string()),
            ("document_date", "2025-12-02".to_string()),
        ];
        all.extend(fields.map(|(k, v)| (k, v.to_string())));
        all
    };
    let reversal = dated([
        ("target_seq", "38"),
        ("reason", "nhập trùng UNC-2025-030"),
        ("document_number", "BB-2025-09"),
    ]);
    let r = send("/dashboard/reverse", reversal).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("Đã hủy bút toán (thứ tự 39)."), "{text}");
    assert!(
        !text.contains("<section id=\"duplicates\">"),
        "reversed: no longer listed"
    );
    let refund = dated([
        ("line", "2025/DTTS/DT/CT01"),
        ("amount", "2.000.000"),
        ("document_number", "GNT-2025-01"),
    ]);
    let r = send("/dashboard/refund", refund).await.unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.contains("Đã ghi thu hồi 2.000.000 đồng vào dòng 2025/DTTS/DT/CT01 (thứ tự 40)."),
        "{text}"
    );
    // An advance (issue 13): recorded with its payee, shown as "tạm ứng" (a contract, when
    // named, must have been registered by a commit: the rules refuse it otherwise).
    let mut advance = dated([
        ("line", "2025/DTTS/DT/CT01"),
        ("amount", "5.000.000"),
        ("document_number", "TU-2025-01"),
    ]);
    advance.push(("payee", "HTX Sín Chải".to_string()));
    let r = send("/dashboard/advance", advance).await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let notice = text
        .find("id=\"notice\"")
        .map_or("", |at| &text[at..at + 400]);
    assert_eq!(status, 200, "{notice}");
    assert!(
        text.contains("Đã ghi tạm ứng 5.000.000 đồng vào dòng 2025/DTTS/DT/CT01 (thứ tự 41)."),
        "{text}"
    );
    let trail = &text[text.find("id=\"trail\"").unwrap()..];
    assert!(trail.contains("<td>tạm ứng</td>") && trail.contains("<td>HTX Sín Chải</td>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_fits_a_390_px_phone_and_prints_on_a4() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = store(tmp.path());
    let server = Server::start(&db, None);
    let Some(browser) = chromium() else {
        return;
    };
    let url = format!(
        "{}/?as_of={AS_OF}&plan_year=2025&line=2025%2FDTTS%2FDT%2FCT02",
        server.base
    );
    let html = page_text(&url).await;
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    let (scroll, client_width) = phone_widths(browser, &tmp.path().join("phone"), &html);
    assert!(
        client_width <= 390 && client_width > 300,
        "framed at 390 px: {client_width}"
    );
    assert!(
        scroll <= client_width,
        "horizontal scroll at 390 px: {scroll} > {client_width}"
    );
    // The measure sees overflow when there is some: the same page without its styles scrolls.
    let bare = html.replace("<style>", "<style media=\"not all\">");
    let (scroll, client_width) = phone_widths(browser, &tmp.path().join("bare"), &bare);
    assert!(scroll > client_width, "unstyled: {scroll} ≤ {client_width}");
    // Printed: A4 pages (595 × 842 pt).
    let pdf = tmp.path().join("page.pdf");
    browse(
        browser,
        &tmp.path().join("print"),
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
        &url,
    );
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/MediaBox [0 0 595") || text.contains("/MediaBox [0 0 594"),
        "A4"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_payees_and_notes_stay_text_on_every_part_of_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = store(tmp.path());
    let server = Server::start(&db, None);
    let hostile = |n: u32| format!("\"><img src=x onerror=alert({n})><script>alert({n})</script>");
    let line = "2025/DTTS/SN/HOSTILE";
    let events = [
        json!({"id": event_id(9001), "type": "open_line", "effective_date": "2025-01-02",
            "line": line, "program": "DTTS", "project": "DA9", "capital": "recurrent",
            "source": "NSTW", "plan_year": 2025, "origin": "in_year", "name": hostile(1)}),
        json!({"id": event_id(9002), "type": "allocate", "effective_date": "2025-02-01",
            "line": line, "amount": "50000000", "note": hostile(2),
            "document": {"number": "QĐ-1", "date": "2025-02-01"}}),
        json!({"id": event_id(9003), "type": "disburse", "effective_date": "2025-03-01",
            "line": line, "amount": "1000000", "payee": hostile(3), "note": hostile(4),
            "document": {"number": hostile(5), "date": "2025-03-01"}}),
        json!({"id": event_id(9004), "type": "disburse", "effective_date": "2025-03-01",
            "line": line, "amount": "1000000", "payee": hostile(3),
            "document": {"number": hostile(5), "date": "2025-03-01"}}),
    ];
    // Open mode (no credentials): no bearer header at all.
    let (status, body) = json(
        client()
            .post(server.url("/v1/events"))
            .header("content-type", "application/json")
            .body(serde_json::Value::Array(events.to_vec()).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"].as_array().unwrap().len(), 1, "{body}");
    let url = format!(
        "{}/?as_of=2025-11-20&plan_year=2025&line=2025%2FDTTS%2FSN%2FHOSTILE",
        server.base
    );
    let html = page_text(&url).await;
    // Every hostile text is on the page (line name, note, payee, document number, duplicate
    // section), and none of it as markup.
    for n in 1..=5 {
        assert!(
            html.contains(&format!("&lt;img src=x onerror=alert({n})&gt;")),
            "text {n} shown escaped"
        );
        assert!(
            !html.contains(&format!("onerror=alert({n})>")),
            "markup {n}"
        );
    }
    assert!(!html.contains("<script>"), "no script element");
    assert!(html.contains("<section id=\"duplicates\">"));
    let Some(browser) = chromium() else {
        return;
    };
    let dom = browse(browser, &tmp.path().join("p"), &["--dump-dom"], &url);
    assert!(
        !dom.contains("<img"),
        "no image element in the rendered DOM"
    );
    assert!(
        !dom.contains("<script"),
        "no script element in the rendered DOM"
    );
}
