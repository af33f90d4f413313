//! The store's folder holds only plain files and folders: a pipe, a device or a link left
//! there under a name socai reads (by anyone who can write the folder) is refused at once,
//! named, and the store is whole again once it is moved out. Before, a pipe named `HEAD`,
//! `LOCK`, `UNIT`, a journal segment, an index file or one of sled's files hung `verify` and
//! `balance` for good.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, TEST_LANG, socai, text};

/// Runs `socai --db DB ARGS…` in the tests' language, failing the test if it has not ended
/// within `limit`.
fn socai_within(db: &Path, args: &[&str], limit: Duration) -> Output {
    let mut command = Command::new(BIN);
    command.env("SOCAI_LANG", TEST_LANG);
    run_within(command, db, args, limit)
}

/// As `socai_within`, in the language `command` is given (none: the default).
fn run_within(mut command: Command, db: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`socai {}` on {} did not end", args.join(" "), db.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The demo store (its index written) and the `head SEQ:HASH` line `verify` prints.
fn demo(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("db");
    let o = socai(&db, &["demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = socai(&db, &["verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    (db, head_line(&v))
}

fn head_line(o: &Output) -> String {
    let found = text(&o.stdout)
        .lines()
        .find(|l| l.starts_with("head "))
        .map(String::from);
    found.unwrap_or_else(|| panic!("no head line: {}", text(&o.stdout)))
}

fn first_segment(db: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(db.join("journal"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    names.sort();
    format!("journal/{}", names[0])
}

/// Each name socai or sled reads, replaced in turn by a pipe and by a link to `/dev/zero`:
/// `verify` and `balance` refuse the store promptly with the integrity code, naming it; with
/// the file put back, `verify` gives the same head as before: nothing was lost or changed.
#[test]
fn a_pipe_or_a_link_in_the_store_folder_is_refused_at_once_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, head) = demo(tmp.path());
    let limit = Duration::from_secs(30);
    let segment = first_segment(&db);
    let names = ["HEAD", "LOCK", "UNIT", &segment, "log/conf", "log/db"];
    for name in names {
        let path = db.join(name);
        let kept = tmp.path().join("kept");
        std::fs::rename(&path, &kept).unwrap();
        for link in [false, true] {
            match link {
                false => mkfifo(&path),
                true => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
            }
            for args in [&["verify"][..], &["balance", "--as-of", "2025-11-20"]] {
                let o = socai_within(&db, args, limit);
                let said = text(&o.stderr);
                assert_eq!(o.status.code(), Some(3), "{name} ({link}): {said}");
                assert!(
                    said.contains(&path.display().to_string())
                        && said.contains("is not a plain file or folder"),
                    "{name} ({link}): {said}"
                );
                // Refused before the lock: nothing in the store is touched (another process
                // may hold it), the index is not withdrawn.
                assert!(db.join("index/MARK").is_file(), "{name} ({link})");
            }
            std::fs::remove_file(&path).unwrap();
        }
        std::fs::rename(&kept, &path).unwrap();
        let v = socai_within(&db, &["verify"], limit);
        assert_eq!(v.status.code(), Some(0), "{name}: {}", text(&v.stderr));
        assert_eq!(head_line(&v), head, "{name}");
    }
}

/// A pipe in the index's place: `balance`, which reads the index first, refuses the store in
/// Vietnamese (the default) instead of waiting on it; with the pipe moved out, the figures
/// are those of before.
#[test]
fn a_pipe_in_the_index_is_refused_in_vietnamese_and_never_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, head) = demo(tmp.path());
    let limit = Duration::from_secs(30);
    let args = ["balance", "--as-of", "2025-11-20", "--json"];
    let before = socai(&db, &args);
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    let mark = db.join("index/MARK");
    std::fs::remove_file(&mark).unwrap();
    mkfifo(&mark);
    let mut vietnamese = Command::new(BIN);
    vietnamese.env_remove("SOCAI_LANG");
    let o = run_within(vietnamese, &db, &args, limit);
    let said = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{said}");
    assert!(
        said.contains("index/MARK không phải tệp hay thư mục thường"),
        "{said}"
    );
    std::fs::remove_file(&mark).unwrap();
    let after = socai_within(&db, &args, limit);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert_eq!(text(&after.stdout), text(&before.stdout));
    let v = socai_within(&db, &["verify"], limit);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert_eq!(head_line(&v), head);
}

/// A link left under the temporary name HEAD is written through (`HEAD.tmp`) while a server
/// runs, after the walk that refuses it at open: the file it points to, outside the store, is
/// never written. The append whose HEAD needed it is refused; its two copies were durable, so
/// once the link is gone the store opens whole with that event, HEAD brought forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_under_heads_temporary_name_is_never_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    // Nine events: the tenth makes HEAD one digit longer, so it is written whole, not in place.
    let (db, c, mut server) = served(tmp.path(), 9).await;
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, b"not socai's").unwrap();
    std::os::unix::fs::symlink(&victim, db.join("HEAD.tmp")).unwrap();
    let (status, said) = append_one(&c, &server, 10).await;
    assert_ne!(status, 200, "{said}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"not socai's", "{said}");
    server.sigterm();

    std::fs::remove_file(db.join("HEAD.tmp")).unwrap();
    let v = socai_within(&db, &["verify"], Duration::from_secs(30));
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert!(head_line(&v).starts_with("head 10:"), "{}", text(&v.stdout));
    assert_eq!(std::fs::read(&victim).unwrap(), b"not socai's");
}

/// A folder inside the store swapped for a link while a server runs, after the walk that
/// refuses it at open (`index/head`, `index/blocks`, `journal`): nothing is written where the
/// links point, outside the store. What the append was answered is kept: once the folders
/// are back, the store verifies with the event if it was acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_swapped_for_a_link_is_never_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, c, mut server) = served(tmp.path(), 4).await;
    let swapped = ["index/head", "index/blocks", "journal"];
    let mut victims = Vec::new();
    for (i, folder) in swapped.iter().enumerate() {
        let victim = tmp.path().join(format!("victim{i}"));
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("keep.txt"), b"not socai's").unwrap();
        let inside = db.join(folder);
        std::fs::rename(&inside, inside.with_extension("moved")).unwrap();
        std::os::unix::fs::symlink(&victim, &inside).unwrap();
        victims.push(victim);
    }
    let (status, said) = append_one(&c, &server, 5).await;
    let acknowledged = status == 200;
    server.sigterm();
    for victim in &victims {
        let names: Vec<_> = std::fs::read_dir(victim)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["keep.txt"], "{}: {said}", victim.display());
        assert_eq!(
            std::fs::read(victim.join("keep.txt")).unwrap(),
            b"not socai's"
        );
    }

    for folder in swapped {
        let inside = db.join(folder);
        std::fs::remove_file(&inside).unwrap();
        std::fs::rename(inside.with_extension("moved"), &inside).unwrap();
    }
    let v = socai_within(&db, &["verify"], Duration::from_secs(30));
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    if acknowledged {
        assert!(head_line(&v).starts_with("head 5:"), "{}", text(&v.stdout));
    }
    println!("answered: {said}");
}

/// A store of `events` events (a line, then allocations to it) in `dir`, imported, and a
/// server on it ready for appends.
async fn served(dir: &Path, events: u64) -> (PathBuf, reqwest::Client, common::Server) {
    let db = dir.join("db");
    let mut lines = vec![common::open_line(1, "L").to_string()];
    lines.extend((2..=events).map(|n| common::money(n, "allocate", "L", 1000).to_string()));
    let input = dir.join("input.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let o = socai(&db, &["import", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = common::client();
    let server = common::Server::start(&db, None);
    common::readyz_says(&c, &server, "appends_ready").await;
    (db, c, server)
}

/// Appends event `n` (an allocation to the line) through the API: its status and answer.
async fn append_one(c: &reqwest::Client, server: &common::Server, n: u64) -> (u16, String) {
    let batch = serde_json::json!([common::money(n, "allocate", "L", 1000)]);
    let r = c
        .post(server.url("/v1/events"))
        .header("content-type", "application/json")
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}
