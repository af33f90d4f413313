//! Issue 14: every error the server answers for people is Vietnamese by default and English
//! on `Accept-Language: en` — credentials and roles, the Host and Origin guards, malformed
//! bodies, the backup endpoint, claims files, event pages, report numbers and the province's
//! consolidation — with its status, stable code and JSON keys the same in both languages.

use crate::common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// English words no Vietnamese message holds (identifiers such as `Authorization`,
/// `Sec-Fetch-Site`, `stored=true` or `limit` are names, not English, and are not listed).
const ENGLISH: [&str; 30] = [
    "the",
    "is",
    "not",
    "must",
    "may",
    "this",
    "of",
    "and",
    "with",
    "without",
    "only",
    "server",
    "request",
    "body",
    "credential",
    "known",
    "absolute",
    "path",
    "changing",
    "ledger",
    "pages",
    "reach",
    "limited",
    "beyond",
    "outside",
    "sequence",
    "file",
    "array",
    "appended",
    "characters",
];

fn english_in(text: &str) -> Vec<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    ENGLISH
        .iter()
        .copied()
        .filter(|w| words.iter().any(|x| x == w))
        .collect()
}

/// One error case: its name, the request (given the `Accept-Language` to send), the status
/// and code expected in both languages and facts each message must name.
struct Case<'a> {
    name: &'a str,
    ask: Box<dyn Fn(Option<&'static str>) -> reqwest::RequestBuilder + 'a>,
    status: u16,
    code: &'a str,
    facts: Vec<&'a str>,
}

/// Asks each case without `Accept-Language` (Vietnamese) and with English preferred: same
/// status, code and keys; the Vietnamese names the facts in Vietnamese with no English word,
/// the English names them without Vietnamese.
async fn check(cases: Vec<Case<'_>>) {
    for case in cases {
        let name = case.name;
        let (s, vi) = json((case.ask)(None).send().await.unwrap()).await;
        assert_eq!(
            (s, vi["error"]["code"].as_str()),
            (case.status, Some(case.code)),
            "{name}: {vi}"
        );
        let message = vi["error"]["message"].as_str().unwrap_or_default();
        assert!(vi::has_vietnamese(message), "{name}: {message}");
        assert_eq!(english_in(message), Vec::<&str>::new(), "{name}: {message}");
        let (s, en) = json((case.ask)(Some("en-US,en;q=0.9")).send().await.unwrap()).await;
        assert_eq!(
            (s, en["error"]["code"].as_str()),
            (case.status, Some(case.code)),
            "{name}: {en}"
        );
        let english = en["error"]["message"].as_str().unwrap_or_default();
        assert!(!vi::has_vietnamese(english), "{name}: {english}");
        assert!(!english_in(english).is_empty(), "{name}: {english}");
        for fact in &case.facts {
            assert!(message.contains(fact), "{name}: {fact} in {message}");
            assert!(english.contains(fact), "{name}: {fact} in {english}");
        }
        let keys = |v: &Value| {
            let mut k: Vec<String> = v["error"].as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&vi), keys(&en), "{name}");
    }
}

fn with_lang(req: reqwest::RequestBuilder, lang: Option<&'static str>) -> reqwest::RequestBuilder {
    match lang {
        Some(l) => req.header("accept-language", l),
        None => req,
    }
}

fn init(db: &Path, code: &str, name: &str) {
    let out = socai(db, &["init", "--unit", code, "--name", name]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn credentials_roles_units_and_the_guard_refuse_in_vietnamese_then_english() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    init(&db, "LP-01", "Xã Lùng Phình");
    let (clerk, a) = credential("clerk-1", "recorder");
    let (auditor, b) = credential("audit-1", "auditor");
    let (other, c) = credential("clerk-ht", "recorder");
    let config = format!("{a}\n{b}\n{c}units = [\"HT-02\"]\n");
    let server = Server::start(&db, Some(&config));
    let client = client();
    let c = &client;
    let events = server.url("/v1/events");
    let cases = vec![
        Case {
            name: "no credential",
            ask: Box::new(|l| with_lang(c.get(server.url("/v1/events?after=0")), l)),
            status: 401,
            code: "unauthorized",
            facts: vec!["Authorization: Bearer TOKEN"],
        },
        Case {
            name: "not a bearer token",
            ask: Box::new(|l| {
                let req = c.get(server.url("/v1/events?after=0"));
                with_lang(req.header("authorization", "Basic eDp5"), l)
            }),
            status: 401,
            code: "unauthorized",
            facts: vec!["Bearer TOKEN"],
        },
        Case {
            name: "unknown token",
            ask: Box::new(|l| {
                with_lang(
                    c.get(server.url("/v1/events?after=0")).bearer_auth("nope"),
                    l,
                )
            }),
            status: 401,
            code: "unauthorized",
            facts: vec![],
        },
        Case {
            name: "role",
            ask: Box::new(|l| with_lang(post(c, events.clone(), &auditor, "[]"), l)),
            status: 403,
            code: "forbidden",
            facts: vec!["\"audit-1\"", "auditor"],
        },
        Case {
            name: "unit",
            ask: Box::new(|l| {
                with_lang(
                    c.get(server.url("/v1/events?after=0")).bearer_auth(&other),
                    l,
                )
            }),
            status: 403,
            code: "unit_forbidden",
            facts: vec!["\"clerk-ht\"", "HT-02", "LP-01"],
        },
        Case {
            name: "origin",
            ask: Box::new(|l| {
                let req = post(c, events.clone(), &clerk, "[]");
                with_lang(req.header("origin", "http://evil.example"), l)
            }),
            status: 403,
            code: "cross_site",
            facts: vec!["\"http://evil.example\""],
        },
        Case {
            name: "fetch site",
            ask: Box::new(|l| {
                let req = post(c, events.clone(), &clerk, "[]");
                with_lang(req.header("sec-fetch-site", "cross-site"), l)
            }),
            status: 403,
            code: "cross_site",
            facts: vec!["Sec-Fetch-Site", "\"cross-site\""],
        },
    ];
    check(cases).await;

    // Without credentials, only loopback names are answered.
    let open_db = dir.path().join("open").join("db");
    init(&open_db, "LP-01", "Xã Lùng Phình");
    let open = Server::start(&open_db, None);
    let url = open.url("/v1/events?after=0");
    check(vec![Case {
        name: "host",
        ask: Box::new(|l| with_lang(c.get(&url).header("host", "evil.example"), l)),
        status: 403,
        code: "host_not_allowed",
        facts: vec!["localhost", "127.0.0.1"],
    }])
    .await;
}

#[tokio::test]
async fn bodies_backups_claims_and_pages_refuse_in_vietnamese_then_english() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    assert!(socai(&db, &["demo"]).status.success());
    let (clerk, a) = credential("clerk-1", "recorder");
    let (admin, b) = credential("admin-1", "admin");
    let config = format!("{a}\n{b}");
    let server = Server::start(&db, Some(&config));
    let client = client();
    let c = &client;
    let events = server.url("/v1/events");
    let backup = server.url("/v1/admin/backup");
    let full = dir.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("x"), "x").unwrap();
    let full_body = serde_json::json!({ "dir": full }).to_string();
    let mine = serde_json::json!([open_line(900, "L-900")
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .chain([("actor".to_string(), Value::from("someone-else"))])
        .collect::<serde_json::Map<_, _>>()])
    .to_string();
    let reconcile = server.url("/v1/reconcile?as_of=2025-12-31&plan_year=2025");
    let get = |path: &str| c.get(server.url(path)).bearer_auth(&clerk);
    let id_900 = event_id(900);
    let cases = vec![
        Case {
            name: "body not UTF-8",
            ask: Box::new(|l| with_lang(post(c, events.clone(), &clerk, vec![b'[', 0xff]), l)),
            status: 422,
            code: "malformed",
            facts: vec![],
        },
        Case {
            name: "body not a JSON array",
            ask: Box::new(|l| with_lang(post(c, events.clone(), &clerk, "[{"), l)),
            status: 422,
            code: "malformed",
            facts: vec!["1", "2"],
        },
        Case {
            name: "actor",
            ask: Box::new(|l| with_lang(post(c, events.clone(), &clerk, mine.clone()), l)),
            status: 422,
            code: "actor_mismatch",
            facts: vec!["\"someone-else\"", "\"clerk-1\"", &id_900],
        },
        Case {
            name: "backup body",
            ask: Box::new(|l| with_lang(post(c, backup.clone(), &admin, "{\"folder\": 1}"), l)),
            status: 400,
            code: "malformed",
            facts: vec!["dir"],
        },
        Case {
            name: "backup relative dir",
            ask: Box::new(|l| {
                with_lang(post(c, backup.clone(), &admin, "{\"dir\": \"rel/x\"}"), l)
            }),
            status: 400,
            code: "malformed",
            facts: vec!["\"rel/x\""],
        },
        Case {
            name: "backup into a folder that is not empty",
            ask: Box::new(|l| with_lang(post(c, backup.clone(), &admin, full_body.clone()), l)),
            status: 409,
            code: "backup_failed",
            facts: vec![full.to_str().unwrap()],
        },
        Case {
            name: "claims not UTF-8",
            ask: Box::new(|l| {
                let req = c
                    .post(&reconcile)
                    .bearer_auth(&clerk)
                    .body(vec![0xffu8, 0xfe]);
                with_lang(req, l)
            }),
            status: 400,
            code: "malformed",
            facts: vec![],
        },
        Case {
            name: "after beyond the head",
            ask: Box::new(|l| with_lang(get("/v1/events?after=999999"), l)),
            status: 400,
            code: "invalid_parameter",
            facts: vec!["after 999999"],
        },
        Case {
            name: "limit",
            ask: Box::new(|l| with_lang(get("/v1/events?limit=0"), l)),
            status: 400,
            code: "invalid_parameter",
            facts: vec!["limit 0", "1..="],
        },
        Case {
            name: "stored with a filter",
            ask: Box::new(|l| with_lang(get("/v1/events?stored=true&payee=X"), l)),
            status: 400,
            code: "invalid_parameter",
            facts: vec!["stored=true"],
        },
        Case {
            name: "Last-Event-ID",
            ask: Box::new(|l| with_lang(get("/v1/events/stream").header("last-event-id", "x"), l)),
            status: 400,
            code: "invalid_parameter",
            facts: vec!["Last-Event-ID"],
        },
        Case {
            name: "report number",
            ask: Box::new(|l| {
                let long = "9".repeat(65);
                with_lang(
                    get(&format!(
                        "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025&number={long}"
                    )),
                    l,
                )
            }),
            status: 400,
            code: "invalid_parameter",
            facts: vec!["number", "64"],
        },
    ];
    check(cases).await;
}

#[tokio::test]
async fn a_province_refuses_a_consolidation_to_a_credential_scoped_to_one_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("units");
    init(&dir.join("LP-01"), "LP-01", "Xã Lùng Phình");
    init(&dir.join("HT-02"), "HT-02", "Xã Hồ Thầu");
    let (token, entry) = credential("clerk-lp", "recorder");
    let (auditor, all) = credential("audit-province", "auditor");
    let config = format!("{entry}units = [\"LP-01\"]\n\n{all}");
    let server = Server::start_with(
        &dir,
        Some(&config),
        &["--units", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let client = client();
    let url = server.url("/v1/reports/consolidated?plan_year=2025&as_of=2025-12-31");
    check(vec![Case {
        name: "consolidation",
        ask: Box::new(|l| with_lang(client.get(&url).bearer_auth(&token), l)),
        status: 403,
        code: "unit_forbidden",
        facts: vec!["\"clerk-lp\"", "HT-02"],
    }])
    .await;
    // A unit's own path with a parameter of its own (the line of a trail) reaches the unit's
    // handler: 404 for a line never opened, not a 500 over the province's own captures.
    let trail = server.url("/v1/units/LP-01/lines/L-1/trail?as_of=2025-12-31");
    let (status, body) = json(client.get(&trail).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_line")),
        "{body}"
    );
    // The consolidation in English is printed again, byte for byte, by its command.
    let en = client
        .get(format!("{url}&format=text"))
        .bearer_auth(&auditor)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(en.status().as_u16(), 200);
    let en = en.bytes().await.unwrap().to_vec();
    let command = consolidation_command(&en, "text");
    assert!(command.contains(" --lang en "), "{command}");
    assert!(text(&en).contains("Total: plan 0"), "{}", text(&en));
    // One process per store: the server lets go of the units first.
    drop(client);
    let mut server = server;
    server.sigterm();
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let again = std::process::Command::new(BIN)
        .args(&words)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(again.stdout, en, "{command}");
}
