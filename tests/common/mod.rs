//! Shared by the integration tests: running the real `socai` binary (commands, and
//! `socai serve` on a free loopback port).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_socai");

/// Runs `socai --db DB ARGS…` (ignoring any SOCAI_DB of the environment) and returns its output.
pub fn socai(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        .output()
        .unwrap()
}

/// Bytes a command printed, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub struct Server {
    child: Child,
    pub base: String,
    pub addr: String,
    pub db: PathBuf,
    pub log: PathBuf,
}

impl Server {
    /// Starts `socai serve` on 127.0.0.1:0 with an optional config (TOML text) and waits
    /// for the address it prints.
    pub fn start(db: &Path, config: Option<&str>) -> Server {
        Server::start_with(db, config, &["--listen", "127.0.0.1:0"])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn start_with(db: &Path, config: Option<&str>, args: &[&str]) -> Result<Server, String> {
        let dir = db.parent().unwrap();
        let log = dir.join(format!(
            "server-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut cmd = Command::new(BIN);
        cmd.arg("--db").arg(db).arg("serve").args(args);
        if let Some(text) = config {
            let path = dir.join("socai.toml");
            std::fs::write(&path, text).unwrap();
            cmd.arg("--config").arg(path);
        }
        let mut child = cmd
            .env_remove("SOCAI_DB")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let Some(base) = first.trim().strip_prefix("listening on ") else {
            let status = child.wait().unwrap();
            return Err(format!(
                "server did not start ({status}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ));
        };
        let base = base.to_string();
        let addr = base.trim_start_matches("http://").to_string();
        Ok(Server {
            child,
            base,
            addr,
            db: db.to_path_buf(),
            log,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits (at most 30 s) for the exit.
    pub fn sigterm(&mut self) -> ExitStatus {
        sigterm(self.child.id());
        self.wait(Duration::from_secs(30))
    }

    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "the server did not exit in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to flush or answer anything.
    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends SIGTERM to a process (the signal a service manager sends to stop it).
pub fn sigterm(pid: u32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill(2) with a child's pid and a valid signal number touches no memory.
    let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(rc, 0, "kill -TERM {pid}");
}

/// A credential made with `socai token new`: (token, the config entry).
pub fn credential(name: &str, role: &str) -> (String, String) {
    let out = Command::new(BIN)
        .args(["token", "new", "--name", name, "--role", role])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // The token is shown on stderr only (its second line); stdout is the config entry.
    let token = String::from_utf8(out.stderr)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    (token, text)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub async fn json(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

pub fn event_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

pub fn open_line(n: u64, line: &str) -> serde_json::Value {
    serde_json::json!({"id": event_id(n), "type": "open_line", "effective_date": "2025-01-02",
        "line": line, "program": "P", "capital": "recurrent", "source": "S", "plan_year": 2025,
        "origin": "in_year"})
}

pub fn money(n: u64, kind: &str, line: &str, amount: u64) -> serde_json::Value {
    serde_json::json!({"id": event_id(n), "type": kind, "effective_date": "2025-02-01",
        "line": line, "amount": amount.to_string(),
        "document": {"number": format!("D-{n}"), "date": "2025-02-01"}})
}

/// Copies a directory tree (a store, say) file by file.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
