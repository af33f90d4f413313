//! Load and crash test of `socai serve`: ≥ 32 concurrent clients append and query for a
//! fixed time, then the server is SIGKILLed mid-flight and restarted. Every acknowledged
//! event must be there exactly once at its acknowledged sequence, no batch may be
//! half-present, and the figures must equal a fresh replay of the log.
//!
//! Short by default (3 s); `SOCAI_LOAD_SECS=60 SOCAI_LOAD_CLIENTS=64` for a longer run.

use crate::common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug)]
enum Outcome {
    Acked(Vec<u64>),
    Rejected,
    /// No answer (the server was killed, or the connection failed): may or may not be there.
    Unknown,
}

struct Sent {
    events: Vec<Value>,
    outcome: Outcome,
}

const SHARED: &str = "SHARED";
const SHARED_PLAN: u64 = 15_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_then_sigkill_lose_nothing_acknowledged_and_split_no_batch() {
    let secs = env_or("SOCAI_LOAD_SECS", 3);
    let clients = env_or("SOCAI_LOAD_CLIENTS", 32).max(32) as usize;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut config = String::from("[limits]\nmax_page = 5000\n");
    let mut tokens = Vec::new();
    for i in 0..4 {
        let (t, entry) = credential(&format!("clerk-{i}"), "recorder");
        tokens.push(t);
        config.push_str(&entry);
    }
    let (auditor, entry) = credential("auditor", "auditor");
    config.push_str(&entry);
    let mut server = Server::start(&db, Some(&config));
    let client = client();

    // Every client has its own line; all of them also draw on one shared line, so that some
    // batches are refused as funds run out, concurrently with the others.
    let mut setup = vec![
        open_line(1, SHARED),
        money(2, "allocate", SHARED, SHARED_PLAN),
    ];
    for c in 0..clients {
        setup.push(open_line(10 + c as u64, &format!("C{c}")));
    }
    let r = post_events(&client, &server.base, &tokens[0], &setup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let base = server.base.clone();
        let token = tokens[c % tokens.len()].clone();
        let auditor = auditor.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(c as u64 + 1);
            let mut sent = Vec::new();
            let mut queries = 0u64;
            let mut n = 0u64;
            let line = format!("C{c}");
            while !stop.load(Ordering::Relaxed) {
                if rng.next() % 10 < 6 {
                    // Ids unique across clients: client number in the high digits.
                    let mut id = || {
                        n += 1;
                        1_000_000 + c as u64 * 100_000_000 + n
                    };
                    let amount = 1 + rng.next() % 1000;
                    let events = match rng.next() % 3 {
                        0 => vec![money(id(), "allocate", &line, amount)],
                        1 => vec![
                            money(id(), "allocate", &line, amount),
                            money(id(), "disburse", &line, amount / 2 + 1),
                        ],
                        // May be refused once the shared line runs dry: then the
                        // allocation in the same batch must not be there either.
                        _ => vec![
                            money(id(), "allocate", &line, amount),
                            money(id(), "disburse", SHARED, 150),
                        ],
                    };
                    let resp = post_events(&client, &base, &token, &events).send().await;
                    let outcome = match resp {
                        Ok(r) => {
                            let (status, body) = json(r).await;
                            match status {
                                200 => Outcome::Acked(
                                    body["seqs"]
                                        .as_array()
                                        .unwrap()
                                        .iter()
                                        .map(|s| s.as_u64().unwrap())
                                        .collect(),
                                ),
                                422 => {
                                    assert_eq!(
                                        body["error"]["code"], "insufficient_funds",
                                        "{body}"
                                    );
                                    Outcome::Rejected
                                }
                                // Anything else before the kill is a failure of the server.
                                _ if !stop.load(Ordering::Relaxed) => {
                                    panic!("unexpected answer {status}: {body}")
                                }
                                _ => Outcome::Unknown,
                            }
                        }
                        Err(_) => Outcome::Unknown,
                    };
                    sent.push(Sent { events, outcome });
                } else {
                    queries += 1;
                    let url = if rng.next().is_multiple_of(2) {
                        format!("{base}/v1/balances?as_of=2100-12-31")
                    } else {
                        format!("{base}/v1/events?after=0&limit=50")
                    };
                    if let Ok(r) = client.get(url).bearer_auth(&auditor).send().await {
                        let status = r.status().as_u16();
                        assert!(
                            status == 200 || stop.load(Ordering::Relaxed),
                            "query answered {status}"
                        );
                    }
                }
            }
            (sent, queries)
        }));
    }
    tokio::time::sleep_until(deadline.into()).await;
    // Kill while requests are in flight: no flush, no answers.
    server.sigkill();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut queries = 0;
    for t in tasks {
        let (sent, q) = t.await.unwrap();
        all.extend(sent);
        queries += q;
    }
    let acked = all
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Acked(_)))
        .count();
    let rejected = all
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Rejected))
        .count();
    let unknown = all.len() - acked - rejected;
    eprintln!(
        "{clients} clients, {secs} s: {} append requests ({acked} acknowledged, {rejected} refused, {unknown} unanswered), {queries} queries",
        all.len()
    );
    assert!(
        acked > clients,
        "too little traffic to mean anything: {acked} acknowledged"
    );

    // Restart on the same store and read the whole log.
    let server = Server::start(&db, Some(&config));
    let mut log: Vec<Value> = Vec::new();
    loop {
        let url = server.url(&format!("/v1/events?after={}&limit=5000", log.len()));
        let (s, page) = json(client.get(url).bearer_auth(&auditor).send().await.unwrap()).await;
        assert_eq!(s, 200);
        let events = page["events"].as_array().unwrap();
        if events.is_empty() {
            break;
        }
        log.extend(events.iter().cloned());
    }
    let mut at: HashMap<String, u64> = HashMap::new();
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(entry["seq"], i as u64 + 1, "sequences without gaps");
        let id = entry["event"]["id"].as_str().unwrap().to_string();
        assert!(
            at.insert(id.clone(), i as u64 + 1).is_none(),
            "{id} twice in the log"
        );
    }
    let mut ours: HashSet<String> = setup
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    for s in &all {
        let ids: Vec<String> = s
            .events
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        let present = ids.iter().filter(|id| at.contains_key(*id)).count();
        match &s.outcome {
            Outcome::Acked(seqs) => {
                let got: Vec<u64> = ids.iter().map(|id| at[id]).collect();
                assert_eq!(
                    &got, seqs,
                    "acknowledged events at their acknowledged sequences"
                );
            }
            Outcome::Rejected => assert_eq!(present, 0, "a refused batch left events behind"),
            Outcome::Unknown => assert!(
                present == 0 || present == ids.len(),
                "a batch is half-present: {present} of {}",
                ids.len()
            ),
        }
        ours.extend(ids);
    }
    assert!(
        at.keys().all(|id| ours.contains(id)),
        "the log holds an event nobody sent"
    );

    // Figures: the restarted server, our own tally, and a fresh replay of the log all agree.
    let mut tally: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for entry in &log {
        let e = &entry["event"];
        let line = e["line"].as_str().unwrap().to_string();
        let slot = tally.entry(line).or_default();
        let amount: i128 = e["amount"].as_str().map_or(0, |a| a.parse().unwrap());
        match e["type"].as_str().unwrap() {
            "allocate" => slot.0 += amount,
            "disburse" => slot.1 += amount,
            _ => {}
        }
    }
    let (s, served) = json(
        client
            .get(server.url("/v1/balances?as_of=2100-12-31"))
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    for l in served["lines"].as_array().unwrap() {
        let (plan, disbursed) = tally[l["line"].as_str().unwrap()];
        assert_eq!(l["plan"], plan.to_string());
        assert_eq!(l["disbursed"], disbursed.to_string());
        assert!(plan >= disbursed);
    }
    assert_eq!(served["lines"].as_array().unwrap().len(), tally.len());
    let export: String = log.iter().map(|e| format!("{}\n", e["event"])).collect();
    let file = tmp.path().join("export.jsonl");
    std::fs::write(&file, export).unwrap();
    let fresh = tmp.path().join("fresh");
    let out = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .arg("--db")
        .arg(&fresh)
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .arg("--db")
        .arg(&fresh)
        .args(["balance", "--as-of", "2100-12-31", "--json"])
        .output()
        .unwrap();
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replayed["lines"], served["lines"]);
    assert_eq!(replayed["totals"], served["totals"]);
    assert_eq!(replayed["known_at"], served["known_at"]);
    let (s, v) = json(
        client
            .get(server.url("/v1/verify"))
            .bearer_auth(&auditor)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["ok"].as_bool()), (200, Some(true)), "{v}");
}
