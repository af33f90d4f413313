//! Shared by the integration tests: running the real `socai` binary (commands, and
//! `socai serve` on a free loopback port).
#![allow(dead_code)]

pub mod events;
pub mod given;
pub mod office;
mod served;
pub mod vi;

#[allow(unused_imports)]
pub use served::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_socai");

/// The language the integration tests read socai's messages in. Their assertions on wording
/// ("appended 277 events", "ok: …", "nothing lost") were written against the English texts,
/// which `--lang en` still gives; the Vietnamese default is checked by `tests/english_labels.rs`
/// (through `socai_default`, which sets no language) and by the replay fixtures.
pub const TEST_LANG: &str = "en";

/// Runs `socai --db DB ARGS…` (ignoring any SOCAI_DB of the environment) in `TEST_LANG` and
/// returns its output.
pub fn socai(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        .env("SOCAI_LANG", TEST_LANG)
        .output()
        .unwrap()
}

/// Runs `socai --db DB ARGS…` as a user would: no language set, so Vietnamese by default.
pub fn socai_default(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        .env_remove("SOCAI_LANG")
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
        let log = db.parent().unwrap().join(format!(
            "server-{}.log",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        Server::spawn(db, config, args, log)
    }

    /// Starts `socai serve` as `start` does, its log (stderr) written to `log`: `/dev/full`
    /// makes every log line fail as on a full disk.
    pub fn start_logging_to(db: &Path, log: &Path) -> Server {
        Server::spawn(db, None, &["--listen", "127.0.0.1:0"], log.to_path_buf())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spawn(
        db: &Path,
        config: Option<&str>,
        args: &[&str],
        log: PathBuf,
    ) -> Result<Server, String> {
        let dir = db.parent().unwrap();
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
                read_log(&log)
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
        read_log(&self.log)
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

/// A server's log, if it is a file (`/dev/full` reads as zeros without end).
fn read_log(log: &Path) -> String {
    if !log.is_file() {
        return format!("(the log went to {})", log.display());
    }
    std::fs::read_to_string(log).unwrap_or_default()
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

/// Waits until the server has verified its store (`GET /readyz` says `"verified": true`):
/// it listens and answers from the index before that.
pub async fn verified(c: &reqwest::Client, server: &Server) {
    readyz_says(c, server, "verified").await
}

/// Waits until `GET /readyz` says `"KEY": true` (`verified`, `appends_ready`).
pub async fn readyz_says(c: &reqwest::Client, server: &Server, key: &str) {
    loop {
        let r = c.get(server.url("/readyz")).send().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        if body[key] == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A POST with a bearer token and a JSON body.
pub fn post(
    c: &reqwest::Client,
    url: String,
    token: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::RequestBuilder {
    c.post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
}

/// POST /v1/events of `base` (`http://ADDR`): the events as one JSON array, all or nothing.
pub fn post_events(
    c: &reqwest::Client,
    base: &str,
    token: &str,
    events: &[serde_json::Value],
) -> reqwest::RequestBuilder {
    let body = serde_json::Value::Array(events.to_vec()).to_string();
    post(c, format!("{base}/v1/events"), token, body)
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

/// Whether SOCAI_REQUIRE_TOOLS asks for every external tool (CI sets it to 1 and installs
/// them all): then a missing tool fails the test instead of skipping a check unseen.
pub fn tools_required() -> bool {
    std::env::var("SOCAI_REQUIRE_TOOLS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The first of `names` that runs here (`NAME --version` or `NAME -v` exits 0). None of them: under
/// SOCAI_REQUIRE_TOOLS the test fails; otherwise it notes on stderr that `skipped` is skipped.
pub fn find_tool<'a>(names: &[&'a str], skipped: &str) -> Option<&'a str> {
    // Poppler's tools know `-v`, not `--version`.
    let runs = |name: &str, flag: &str| {
        Command::new(name)
            .arg(flag)
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let found = names
        .iter()
        .copied()
        .find(|name| runs(name, "--version") || runs(name, "-v"));
    if found.is_none() {
        let names = names.join(" or ");
        assert!(
            !tools_required(),
            "{names} is required (SOCAI_REQUIRE_TOOLS is set) but not installed: {skipped} cannot run"
        );
        eprintln!("note: {names} is not installed; {skipped} is skipped");
    }
    found
}

/// Whether `tool` runs here; see `find_tool`.
pub fn have_tool(tool: &str, skipped: &str) -> bool {
    find_tool(&[tool], skipped).is_some()
}

/// The repository's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder under `replay-fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    root().join("replay-fixtures").join(path)
}

/// The Lùng Phình 2025 events (277 of them), as `socai demo` loads them.
pub fn lung_phinh_events() -> PathBuf {
    fixture("lung-phinh-2025/events.jsonl")
}

/// Whether `file` is a plan table (`import-plan`) rather than JSON lines (`import`).
fn is_plan_table(file: &Path) -> bool {
    matches!(
        file.extension().and_then(|e| e.to_str()),
        Some("xlsx" | "xls" | "ods" | "csv")
    )
}

/// Imports `file` into the store (`import-plan` for a plan table); fails unless accepted.
pub fn import(db: &Path, file: &Path) {
    let command = if is_plan_table(file) {
        "import-plan"
    } else {
        "import"
    };
    let o = socai(db, &[command, file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{command} {}: {}",
        file.display(),
        text(&o.stderr)
    );
}

/// A temporary folder holding the Lùng Phình store at `db` (the folder's child `db`).
pub fn lung_phinh_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let db = lung_phinh_store_in(tmp.path());
    (tmp, db)
}

/// The Lùng Phình store at `dir/db`: a copy, file for file, of the store `socai import` made of
/// the fixture once in this test process. About 70 tests start from this store; each import
/// spent ~0.5 s waiting on its fsyncs, a copy spends none.
pub fn lung_phinh_store_in(dir: &Path) -> PathBuf {
    static MADE: std::sync::OnceLock<Tree> = std::sync::OnceLock::new();
    let tree = MADE.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("db");
        import(&db, &lung_phinh_events());
        Tree::read(&db)
    });
    let db = dir.join("db");
    tree.write(&db);
    db
}

/// A folder's contents held in memory (a store made once, copied into each test's folder).
pub struct Tree(Vec<(PathBuf, Option<Vec<u8>>)>);

impl Tree {
    /// Every folder (None, parents first) and file (its bytes) under `root`.
    pub fn read(root: &Path) -> Tree {
        fn walk(root: &Path, below: &Path, tree: &mut Vec<(PathBuf, Option<Vec<u8>>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(root.join(below))
                .unwrap()
                .map(|e| e.unwrap())
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let path = below.join(entry.file_name());
                if entry.file_type().unwrap().is_dir() {
                    tree.push((path.clone(), None));
                    walk(root, &path, tree);
                } else {
                    tree.push((path, Some(std::fs::read(entry.path()).unwrap())));
                }
            }
        }
        let mut tree = Vec::new();
        walk(root, Path::new(""), &mut tree);
        Tree(tree)
    }

    /// Writes the folders and files at `root`, which must not exist yet.
    pub fn write(&self, root: &Path) {
        std::fs::create_dir(root).unwrap();
        for (path, bytes) in &self.0 {
            match bytes {
                Some(bytes) => std::fs::write(root.join(path), bytes).unwrap(),
                None => std::fs::create_dir(root.join(path)).unwrap(),
            }
        }
    }
}

/// A temporary folder holding a store at `db` made of `events` (import-format JSON values),
/// imported as one batch.
pub fn store_of(events: &[serde_json::Value]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = tmp.path().join("events.jsonl");
    let body: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    std::fs::write(&file, body.join("\n") + "\n").unwrap();
    import(&db, &file);
    (tmp, db)
}

/// `socai report --as-of 2025-12-31 --plan-year 2025 --format FORMAT --unit UNIT` on `db`:
/// its output, after checking it succeeded.
pub fn report_2025(db: &Path, format: &str, unit: &str) -> Vec<u8> {
    let args = [
        "report",
        "--as-of",
        "2025-12-31",
        "--plan-year",
        "2025",
        "--format",
        format,
        "--unit",
        unit,
    ];
    // The report as a user gets it: Vietnamese by default.
    let o = socai_default(db, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    o.stdout
}

/// A fixture's store: its manifest's batches in order, each accepted, or refused (exit 1)
/// when the manifest expects a refusal. (Recording times are the clock's, not the
/// manifest's: for those, `socai replay`.)
pub fn fixture_store(dir: &Path, db: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fixture.json")).unwrap()).unwrap();
    for batch in manifest["batches"].as_array().unwrap() {
        let path = dir.join(batch["file"].as_str().unwrap());
        if batch.get("expect").is_none() {
            import(db, &path);
            continue;
        }
        let o = socai(db, &["import", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    }
}

/// splitmix64: the one reproducible random source of the tests (workloads, query points).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The command a consolidation names to print its bytes again, read from its output in
/// `format` (text, md, json, csv in either dialect, xlsx: the provenance sheet).
pub fn consolidation_command(bytes: &[u8], format: &str) -> String {
    use calamine::Reader;
    let body = text(bytes);
    let found = match format {
        "json" => {
            serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["provenance"]["command"]
                .as_str()
                .map(str::to_string)
        }
        // Vietnamese (the default) or English (`--lang en`).
        "text" => body.lines().find_map(|l| {
            let l = l.trim();
            l.strip_prefix("Lệnh tái lập: ")
                .or_else(|| l.strip_prefix("Reproduce with: "))
                .map(str::to_string)
        }),
        "md" => body.lines().find_map(|l| {
            l.strip_prefix("Lệnh tái lập: `")
                .or_else(|| l.strip_prefix("Reproduce with: `"))
                .map(|c| c.trim_end_matches('`').to_string())
        }),
        "csv" => {
            let excel_vi = body.starts_with('\u{feff}');
            csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(if excel_vi { b';' } else { b',' })
                .from_reader(body.trim_start_matches('\u{feff}').as_bytes())
                .records()
                .filter_map(Result::ok)
                .find_map(|r| r.get(2)?.strip_prefix("command=").map(str::to_string))
        }
        "xlsx" => {
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let range = wb
                .worksheet_range("Nguồn gốc")
                .or_else(|_| wb.worksheet_range("Provenance"))
                .unwrap();
            range
                .rows()
                .find(|r| {
                    r.get(2)
                        .is_some_and(|k| *k == calamine::Data::String("command".into()))
                })
                .map(|r| r[1].to_string())
        }
        other => panic!("no consolidation format {other}"),
    };
    found.unwrap_or_else(|| panic!("no command in the {format} consolidation"))
}

/// A Python 3 that can `import module` (`python3`, else `python`). None: under
/// SOCAI_REQUIRE_TOOLS the test fails (.ci/run installs the module with pip); otherwise it
/// notes on stderr that `skipped` is skipped.
pub fn find_python_with(module: &str, skipped: &str) -> Option<&'static str> {
    let found = ["python3", "python"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", &format!("import {module}")])
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !tools_required(),
            "Python with {module} is required (SOCAI_REQUIRE_TOOLS is set) but not installed: {skipped} cannot run"
        );
        eprintln!("note: no Python here imports {module}; {skipped} is skipped");
    }
    found
}
