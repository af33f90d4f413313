//! `socai replicate`: a replica holds the very same records as its source server (sequences,
//! recording times, chain hashes), under load, resumes, refuses a source whose history was
//! rewritten (exit 3, naming the first differing sequence), refuses events of its own, and
//! repairs a damaged store (`recover --from-replica`).

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn replicate(server: &Server, token: &str, to: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args([
            "replicate",
            "--from",
            &server.base,
            "--token",
            token,
            "--to",
        ])
        .arg(to)
        .args(extra)
        .output()
        .unwrap()
}

fn head_of(db: &Path) -> String {
    let text = std::fs::read_to_string(db.join("HEAD")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    format!("{}:{}", lines[1], lines[2])
}

fn export(db: &Path) -> Vec<u8> {
    let out = socai(db, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

fn assert_same_store(source: &Path, replica: &Path) {
    let out = socai(replica, &["verify"]);
    assert!(
        out.status.success(),
        "replica verify: {}",
        text(&out.stderr)
    );
    assert_eq!(head_of(source), head_of(replica));
    assert_eq!(export(source), export(replica));
    assert_eq!(
        std::fs::read(source.join("UNIT")).ok(),
        std::fs::read(replica.join("UNIT")).ok()
    );
}

fn auditor_config() -> (String, String, String) {
    let (auditor, a) = credential("auditor-r", "auditor");
    let (recorder, b) = credential("clerk-r", "recorder");
    (auditor, recorder, format!("{a}\n{b}\n"))
}

/// Waits until the replica's HEAD reaches the source's head; returns that head.
async fn wait_for_source_head(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    replica: &Path,
) -> u64 {
    let page = client
        .get(server.url("/v1/events?after=0&limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let page: Value = serde_json::from_slice(&page.bytes().await.unwrap()).unwrap();
    let head_seq = page["head_seq"].as_u64().unwrap();
    let start = Instant::now();
    while !head_of(replica).starts_with(&format!("{head_seq}:")) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the follower did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    head_seq
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_taken_under_load_verifies_and_exports_like_its_source() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("src");
    let out = socai(&db, &["init", "--unit", "LP-01", "--name", "Xã Lùng Phình"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (auditor, recorder, config) = auditor_config();
    let mut server = Server::start(&db, Some(&config));
    let client = client();
    let setup = vec![
        open_line(1, "L1"),
        money(2, "allocate", "L1", 1_000_000_000),
    ];
    let resp = client
        .post(server.url("/v1/events"))
        .bearer_auth(&recorder)
        .header("content-type", "application/json")
        .body(Value::Array(setup).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // Appends keep running while the replica copies (and follows).
    let running = Arc::new(AtomicBool::new(true));
    let writer = {
        let (client, url, token, running) = (
            client.clone(),
            server.url("/v1/events"),
            recorder.clone(),
            running.clone(),
        );
        tokio::spawn(async move {
            let mut n = 100u64;
            while running.load(Ordering::Relaxed) && n < 100 + 60 * 20 {
                let batch: Vec<Value> =
                    (0..20).map(|i| money(n + i, "disburse", "L1", 7)).collect();
                n += 20;
                let resp = client
                    .post(url.clone())
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(Value::Array(batch).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200);
            }
        })
    };
    let replica = tmp.path().join("replica");
    let first = tokio::task::spawn_blocking({
        let (base, token, replica) = (server.base.clone(), auditor.clone(), replica.clone());
        move || {
            Command::new(BIN)
                .env("SOCAI_LANG", common::TEST_LANG)
                .args(["replicate", "--from", &base, "--token", &token, "--to"])
                .arg(&replica)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    // A follower, started while appends go on, reaches the final head.
    let follower_log = tmp.path().join("follower.log");
    let mut follower = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args([
            "replicate",
            "--from",
            &server.base,
            "--token",
            &auditor,
            "--follow",
            "--to",
        ])
        .arg(&replica)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&follower_log).unwrap())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.store(false, Ordering::Relaxed);
    writer.await.unwrap();
    let head_seq = wait_for_source_head(&client, &server, &auditor, &replica).await;
    assert!(head_seq > 100, "the load appended {head_seq}");
    let before = std::fs::read_to_string(&follower_log).unwrap().len();
    // Once caught up, a new batch reaches the follower through the event stream.
    let resp = client
        .post(server.url("/v1/events"))
        .bearer_auth(&recorder)
        .header("content-type", "application/json")
        .body(Value::Array(vec![money(50_000, "disburse", "L1", 3)]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        wait_for_source_head(&client, &server, &auditor, &replica).await,
        head_seq + 1
    );
    // SIGINT: the follower ends after the page it is copying.
    let pid = libc::pid_t::try_from(follower.id()).unwrap();
    // SAFETY: kill(2) with a child's pid and a valid signal number touches no memory.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    assert!(follower.wait().unwrap().success());
    let log = std::fs::read_to_string(&follower_log).unwrap();
    let last = format!("streamed 1 records; replica at sequence {}", head_seq + 1);
    assert!(log[before..].contains(&last), "{log}");

    // A replica takes no events of its own, and reads work on it.
    let extra = tmp.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        money(99_999, "disburse", "L1", 1).to_string() + "\n",
    )
    .unwrap();
    let out = socai(&replica, &["import", extra.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("replica_read_only"),
        "{}",
        text(&out.stderr)
    );
    let out = socai(&replica, &["balance", "--as-of", "2025-12-31", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let balance: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(balance["unit"]["code"], "LP-01");

    server.sigterm();
    assert_same_store(&db, &replica);
}

/// The demo store served, replicated, then replaced by a copy whose history was rewritten
/// from sequence 201 on (same events, recorded again): the replica refuses it.
#[test]
fn a_rewritten_source_stops_the_replica_at_the_first_differing_sequence() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("src");
    assert!(socai(&db, &["demo"]).status.success());
    let (auditor, _, config) = auditor_config();
    let replica = tmp.path().join("replica");
    let mut server = Server::start(&db, Some(&config));
    let out = replicate(&server, &auditor, &replica, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Resuming with nothing new copies nothing and succeeds.
    let out = replicate(&server, &auditor, &replica, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.sigterm();
    assert_same_store(&db, &replica);

    // Rewrite: cut the copy at 201, then re-enter the rest from the export (new recording
    // times): a consistent log, HEAD and all, that differs from 201 on.
    let cut = tmp.path().join("cut");
    copy_dir(&db, &cut);
    socai::storage::raw::remove(&cut, 201).unwrap();
    // The journal (the second copy of the log) would give 201 back: remove it too.
    std::fs::remove_dir_all(cut.join(socai::storage::journal::DIR)).unwrap();
    let exported = tmp.path().join("export.jsonl");
    std::fs::write(&exported, export(&db)).unwrap();
    let rewritten = tmp.path().join("rewritten");
    let out = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["recover", "--from"])
        .arg(&cut)
        .arg("--to")
        .arg(&rewritten)
        .arg("--export")
        .arg(&exported)
        .output()
        .unwrap();
    assert!(
        socai(&rewritten, &["verify"]).status.success(),
        "{}",
        text(&out.stdout)
    );
    let before = head_of(&replica);
    let mut server = Server::start(&rewritten, Some(&config));
    let out = replicate(&server, &auditor, &replica, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("first differ at sequence 201"),
        "{}",
        text(&out.stderr)
    );
    server.sigterm();
    assert_eq!(
        head_of(&replica),
        before,
        "nothing was copied from the rewritten source"
    );
}

#[test]
fn a_damaged_store_is_repaired_from_its_replica() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("src");
    assert!(socai(&db, &["demo"]).status.success());
    let (auditor, _, config) = auditor_config();
    let replica = tmp.path().join("replica");
    let mut server = Server::start(&db, Some(&config));
    let out = replicate(&server, &auditor, &replica, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    server.sigterm();

    let damaged = tmp.path().join("damaged");
    copy_dir(&db, &damaged);
    socai::storage::raw::tamper(&damaged, 150, |v| {
        let last = v.len() - 1;
        v[last] ^= 0x01;
    })
    .unwrap();
    // Without its journal, the store's only other copy of 150 onwards is the replica.
    std::fs::remove_dir_all(damaged.join(socai::storage::journal::DIR)).unwrap();
    assert_eq!(socai(&damaged, &["verify"]).status.code(), Some(3));
    let fixed = tmp.path().join("fixed");
    let out = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["recover", "--from"])
        .arg(&damaged)
        .arg("--to")
        .arg(&fixed)
        .arg("--from-replica")
        .arg(&replica)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("sequences 150–277 copied verbatim"),
        "{}",
        text(&out.stdout)
    );
    assert_same_store(&db, &fixed);
}

/// A store rebuilt verbatim from a frozen fixture's `log.hex` (stored values of an earlier
/// format version).
fn fixture_store_from_hex(name: &str, db: &Path) {
    let text = std::fs::read_to_string(fixture(name).join("log.hex")).unwrap();
    let envelopes: Vec<Vec<u8>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| hex::decode(l.split_whitespace().nth(2).unwrap()).unwrap())
        .collect();
    socai::storage::Store::create_from_prefix(db, &envelopes).unwrap();
}

/// Stores written by earlier versions (v1 envelopes; v1 envelopes accepted by rules v1) are
/// copied as the very same bytes: re-encoding them as the current version would change
/// their chain hashes, and the replica would refuse its source as "history differs".
#[test]
fn a_source_of_an_older_format_version_is_replicated_byte_for_byte() {
    for name in ["format-v1", "legacy-rules-v1"] {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("src");
        fixture_store_from_hex(name, &db);
        let (auditor, _, config) = auditor_config();
        let replica = tmp.path().join("replica");
        let mut server = Server::start(&db, Some(&config));
        let out = replicate(&server, &auditor, &replica, &[]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        // Resuming checks the replica's head against the source's again.
        let out = replicate(&server, &auditor, &replica, &[]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        server.sigterm();
        assert_same_store(&db, &replica);
        let fixture_head = std::fs::read_to_string(fixture(name).join("HEAD")).unwrap();
        let lines: Vec<&str> = fixture_head.lines().collect();
        assert_eq!(
            head_of(&replica),
            format!("{}:{}", lines[1], lines[2]),
            "{name}"
        );
    }
}
