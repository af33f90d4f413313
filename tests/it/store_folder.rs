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
