//! Issue 14: an auditor reconciles a claims file (`POST /v1/reconcile`) and draws the charts
//! (`GET /v1/charts/{kind}`) through the API, with the answers the CLI gives on the same store.

use crate::common;

use common::{Server, client, credential, lung_phinh_store, post, socai, socai_default, text};
use serde_json::Value;

const CLAIMS: &str = include_str!("../../replay-fixtures/lung-phinh-2025/claims.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_reconciles_and_draws_charts_over_http_as_the_cli_does() {
    let (tmp, db) = lung_phinh_store();
    // Sections I and III's facts too: the claims file checks them (issue 16).
    common::import(&db, &common::fixture("lung-phinh-2025/facts.jsonl"));
    let claims = tmp.path().join("claims.json");
    std::fs::write(&claims, CLAIMS).unwrap();
    let args = |json: bool| {
        let mut a = vec![
            "reconcile",
            claims.to_str().unwrap(),
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
        ];
        if json {
            a.push("--json");
        }
        a
    };
    let cli_json = socai(&db, &args(true));
    assert_eq!(
        cli_json.status.code(),
        Some(1),
        "the seed prints two figures wrong"
    );
    let cli_verdicts: Vec<Value> = text(&cli_json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // People's text in the default language (Vietnamese), as the API answers without
    // Accept-Language.
    let cli_text = socai_default(&db, &args(false));
    let svg_path = tmp.path().join("s.svg");
    let o = socai_default(
        &db,
        &[
            "chart",
            "s-curve",
            "--plan-year",
            "2025",
            "--as-of",
            "2025-11-20",
            "--out",
            svg_path.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let cli_svg = std::fs::read_to_string(&svg_path).unwrap();

    let (token, entry) = credential("auditor-1", "auditor");
    let server = Server::start(&db, Some(&entry));
    let c = client();
    let url = server.url("/v1/reconcile?as_of=2025-11-20&plan_year=2025");
    let r = post(&c, url.clone(), &token, CLAIMS).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["total"], 45);
    assert_eq!(body["failed"], 3);
    assert_eq!(body["verdicts"].as_array().unwrap(), &cli_verdicts);
    let r = post(&c, format!("{url}&format=text"), &token, CLAIMS)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown = r.text().await.unwrap();
    // The text names its source: the CLI's file path, the API's request body.
    let cli_shown = text(&cli_text.stdout).replace(claims.to_str().unwrap(), "request body");
    assert_eq!(shown, cli_shown);
    // English on request, as `--lang en` gives it.
    let r = post(&c, format!("{url}&format=text"), &token, CLAIMS)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let cli_en = socai(&db, &[&args(false)[..], &["--lang", "en"]].concat());
    let cli_en = text(&cli_en.stdout).replace(claims.to_str().unwrap(), "request body");
    assert_eq!(r.text().await.unwrap(), cli_en);
    // A claims file that does not parse is refused, naming why.
    let r = post(&c, url.clone(), &token, "{\"claims\": 3}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Without a token: 401.
    let r = c.post(url).body(CLAIMS).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let get = |path: &str| c.get(server.url(path)).bearer_auth(&token).send();
    let r = get("/v1/charts/s-curve?plan_year=2025&as_of=2025-11-20")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert_eq!(r.text().await.unwrap(), cli_svg);
    let r = get("/v1/charts/rates?plan_year=2025&lang=en")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("<svg"));
    let r = get("/v1/charts/pie?plan_year=2025").await.unwrap();
    assert_eq!(r.status(), 404);
    let r = get("/v1/charts/rates").await.unwrap();
    assert_eq!(r.status(), 400);
}
