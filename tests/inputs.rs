//! Secrets and outside input (issue 11, items 10, 11, 12, 14, 15): the token never reaches the
//! config, hostile workbooks and claims files are refused without aborting, CSV outputs cannot
//! run formulas, and text is refused or normalised at the door.

mod common;
use common::{BIN, socai, text};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

/// Runs `socai --db DB ARGS…` with its address space capped at `mib` MiB, so that a runaway
/// allocation fails inside the test instead of taking the machine.
fn socai_capped(db: &Path, args: &[&str], mib: u64) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024))
        .arg(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// 10. `socai token new >> socai.toml` keeps the secret out of the config.

#[test]
fn token_new_shows_the_secret_on_stderr_only_and_stdout_is_the_hashed_entry() {
    let o = Command::new(BIN)
        .args(["token", "new", "--name", "clerk-hoa", "--role", "recorder"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    let token = stderr.lines().nth(1).unwrap_or_default().to_string();
    assert!(token.starts_with("socai_") && token.len() > 40, "{stderr}");
    assert!(
        !stdout.contains(&token),
        "the token reached stdout: {stdout}"
    );
    assert!(
        !stdout.contains(&token[6..20]),
        "part of the token reached stdout"
    );
    // What `>> socai.toml` appends is a credential holding the token's hash.
    let config: toml::Table = toml::from_str(&stdout).unwrap();
    let entry = &config["credential"].as_array().unwrap()[0];
    assert_eq!(entry["name"].as_str(), Some("clerk-hoa"));
    assert_eq!(entry["role"].as_str(), Some("recorder"));
    let mut hash = Command::new(BIN)
        .args(["token", "hash"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    hash.stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let hashed = hash.wait_with_output().unwrap();
    assert_eq!(
        entry["token_sha256"].as_str(),
        Some(text(&hashed.stdout).trim())
    );
}

// ---------------------------------------------------------------------------------------------
// 11. A workbook with one far cell is refused within bounded memory.

#[test]
fn a_workbook_with_a_far_cell_is_refused_naming_it_without_a_huge_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, cell) in [
        ("xlsx/line-then-cell-at-XFD1048576.xlsx", ", column XFD"),
        (
            "xlsx/line-then-cell-at-AZ1000000.xlsx",
            "row 1000000, column AZ",
        ),
    ] {
        let db = tmp.path().join(file.replace('/', "-"));
        let path = corpus(file);
        // Before the fix: an abort on a 512 GB allocation, and 1.6 GB for the AZ1000000 cell.
        let o = socai_capped(&db, &["import-plan", path.to_str().unwrap()], 512);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains("too_large") && err.contains(cell),
            "{file}: {err}"
        );
    }
}
