//! Benchmark of HTTP appends (not a test): 1, 8 and 64 concurrent clients each append one
//! event per request to a fresh store for a fixed time; prints appends/s, p50/p99 latency
//! and the average group-commit size, and the throughput ratio against one client.
//!
//!     cargo build --release --bins --examples && target/release/examples/http_bench
//!
//! `SOCAI_BENCH_SECS` (default 5) sets the time per level; `SOCAI_BIN` the server binary
//! (default: the `socai` next to this example's directory).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("SOCAI_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("socai"))
        .expect("target directory")
}

fn event(id: u64, kind: &str, line: &str, amount: u64) -> Value {
    let id = format!("00000000-0000-4000-8000-{id:012}");
    match kind {
        "open_line" => json!({"id": id, "type": "open_line", "effective_date": "2025-01-02",
            "line": line, "program": "P", "capital": "recurrent", "source": "S",
            "plan_year": 2025, "origin": "in_year"}),
        _ => json!({"id": id, "type": kind, "effective_date": "2025-02-01", "line": line,
            "amount": amount.to_string(), "document": {"number": "B-1", "date": "2025-02-01"}}),
    }
}

struct Level {
    clients: usize,
    appends: usize,
    secs: f64,
    p50: Duration,
    p99: Duration,
    commits: u64,
}

async fn run_level(clients: usize, secs: u64) -> Level {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(server_binary())
        .arg("--db")
        .arg(dir.path().join("db"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server (build it with cargo build --release --bins)");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("address line");
    let base = first.trim().trim_start_matches("listening on ").to_string();
    let http = reqwest::Client::new();
    let setup: Vec<Value> = (0..clients)
        .map(|c| event(c as u64 + 1, "open_line", &format!("C{c}"), 0))
        .collect();
    let r = http
        .post(format!("{base}/v1/events"))
        .body(Value::Array(setup).to_string())
        .send()
        .await
        .expect("setup");
    assert_eq!(r.status(), 200);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let http = http.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let id = 1_000_000 + c as u64 * 10_000_000 + n;
                let body = Value::Array(vec![event(id, "allocate", &format!("C{c}"), 1)]);
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/v1/events"))
                    .body(body.to_string())
                    .send()
                    .await
                    .expect("append");
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("client"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let stats: Value = serde_json::from_slice(
        &http
            .get(format!("{base}/v1/admin/stats"))
            .send()
            .await
            .expect("stats")
            .bytes()
            .await
            .expect("stats body"),
    )
    .expect("stats json");
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with our child's pid and a valid signal number touches no memory.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let _ = child.wait();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    Level {
        clients,
        appends: latencies.len(),
        secs: elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
        // Minus the setup commit.
        commits: stats["commits"].as_u64().unwrap_or(1).saturating_sub(1),
    }
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("SOCAI_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    println!("HTTP appends: one single-event request at a time per client, {secs} s per level");
    println!(
        "{:>7}  {:>9}  {:>10}  {:>9}  {:>9}  {:>10}  {:>8}",
        "clients", "appends", "appends/s", "p50 ms", "p99 ms", "avg group", "vs 1"
    );
    let mut base = None;
    for clients in [1, 8, 64] {
        let l = run_level(clients, secs).await;
        let rate = l.appends as f64 / l.secs;
        let base_rate = *base.get_or_insert(rate);
        println!(
            "{:>7}  {:>9}  {:>10.0}  {:>9.2}  {:>9.2}  {:>10.1}  {:>7.1}×",
            l.clients,
            l.appends,
            rate,
            l.p50.as_secs_f64() * 1000.0,
            l.p99.as_secs_f64() * 1000.0,
            l.appends as f64 / l.commits.max(1) as f64,
            rate / base_rate
        );
    }
}
