//! The folders say the layer, and this test keeps it so: `src/core` stays pure (no I/O, clock,
//! environment, threads, storage or door crates, nothing from outside `core`), and only
//! `src/storage` knows sled and bincode.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of `file` that mention any of `needles`, as "path:line: text".
fn mentions(file: &Path, needles: &[&str]) -> Vec<String> {
    let text = fs::read_to_string(file).expect("source is UTF-8");
    text.lines()
        .enumerate()
        .filter(|(_, line)| needles.iter().any(|n| line.contains(n)))
        .map(|(i, line)| format!("{}:{}: {}", file.display(), i + 1, line.trim()))
        .collect()
}

fn files_under(folder: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(folder),
        &mut files,
    );
    assert!(!files.is_empty(), "{folder} holds Rust files");
    files
}

#[test]
fn core_is_pure() {
    const FORBIDDEN: &[&str] = &[
        "std::fs",
        "std::env",
        "std::io",
        "std::net",
        "std::thread",
        "std::time",
        "std::process",
        "std::sync",
        "Utc::now",
        "Local::now",
        "sled",
        "bincode",
        "tokio",
        "axum",
        "clap",
        "indicatif",
        "tracing",
        "crate::storage",
        "crate::ledger",
        "crate::app",
        "crate::present",
        "crate::io",
        "crate::cli",
        "crate::server",
    ];
    let found: Vec<String> = files_under("src/core")
        .iter()
        .flat_map(|f| mentions(f, FORBIDDEN))
        .collect();
    assert!(
        found.is_empty(),
        "src/core must stay pure:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_storage_knows_sled_and_bincode() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let storage = root.join("src/storage");
    // The benchmark binary measures raw sled as the baseline the store is compared with.
    let bench = root.join("src/bin");
    let found: Vec<String> = files_under("src")
        .iter()
        .filter(|f| !f.starts_with(&storage) && !f.starts_with(&bench))
        .flat_map(|f| mentions(f, &["sled::", "bincode::"]))
        .collect();
    assert!(
        found.is_empty(),
        "sled and bincode belong to src/storage:\n{}",
        found.join("\n")
    );
}
