//! Every fixture folder under replay-fixtures/ replays with no difference.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use socai::app::AppError;
use socai::app::fixture::ReplayReport;
use socai::present::vi_format::Lang;

/// Replays a fixture folder as `socai replay` does.
fn replay(dir: &Path) -> Result<ReplayReport, AppError> {
    socai::app::fixture::replay(
        dir,
        &socai::cli::replay_query,
        &socai::app::progress::Quiet,
        socai::app::fixture::Mode::Check,
    )
}

#[test]
fn every_fixture_replays_without_difference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("fixture.json").is_file() {
            continue;
        }
        let report = replay(&dir).unwrap_or_else(|f| panic!("{}: {f}", dir.display()));
        let text = report.text(Lang::En);
        assert_eq!(report.failed, 0, "{}:\n{text}", dir.display());
        assert!(report.total > 1, "{} checks nothing", dir.display());
        replayed += 1;
    }
    assert!(replayed >= 1, "no fixtures found under {}", root.display());
}

#[test]
fn a_changed_expected_output_is_reported_as_a_difference() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("expected")).unwrap();
    for f in ["fixture.json", "events.jsonl", "facts.jsonl"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    for e in std::fs::read_dir(src.join("expected")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("expected").join(p.file_name().unwrap())).unwrap();
    }
    let summary = dir.join("expected/summary-2025-11-20.out");
    let text = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, text.replace("38.996", "38.997")).unwrap();
    let report = replay(dir).unwrap();
    let text = report.text(Lang::En);
    assert_eq!(report.failed, 1, "{text}");
    assert!(text.contains("38.997"), "{text}");
}

/// A copy of a shipped fixture folder, to change.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture(name), tmp.path());
    tmp
}

/// `socai replay DIR [--bless]` (replay uses its own scratch store; --db is not read).
fn replay_cli(dir: &Path, bless: bool) -> Output {
    let mut args = vec!["replay", dir.to_str().unwrap()];
    if bless {
        args.push("--bless");
    }
    common::socai(Path::new("/nonexistent/socai-db"), &args)
}

/// Every file of the fixture's expected/ folder with its bytes.
fn expected_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("expected"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn bless_writes_the_expected_outputs_that_then_replay_clean() {
    let tmp = copy_fixture("corrections");
    let dir = tmp.path();
    let shipped = expected_files(&common::fixture("corrections"));
    std::fs::write(dir.join("expected/s03-2025-final.out"), "stale\n").unwrap();
    std::fs::remove_file(dir.join("expected/q11-final.out")).unwrap();
    assert_eq!(replay_cli(dir, false).status.code(), Some(1));
    let o = replay_cli(dir, true);
    assert_eq!(o.status.code(), Some(0), "{}", common::text(&o.stderr));
    let out = common::text(&o.stdout);
    assert!(out.contains("query s03-2025-final: written"), "{out}");
    assert!(out.contains("query q11-final: written"), "{out}");
    assert!(out.contains("query q01-2024-year-end: unchanged"), "{out}");
    // What it wrote is what the shipped (independently checked) files say.
    assert_eq!(expected_files(dir), shipped);
    let again = replay_cli(dir, false);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        common::text(&again.stdout)
    );
}

#[test]
fn bless_writes_nothing_when_a_batch_does_not_replay_as_the_manifest_says() {
    // The shipped manifest says batch 05 is refused (insufficient_funds); one that says it
    // is appended is wrong, and so would be any output blessed from that store.
    let tmp = copy_fixture("corrections");
    let dir = tmp.path();
    let manifest = dir.join("fixture.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let changed = text.replace(r#", "expect": "insufficient_funds""#, "");
    assert_ne!(changed, text);
    std::fs::write(&manifest, changed).unwrap();
    std::fs::write(dir.join("expected/s03-2025-final.out"), "stale\n").unwrap();
    let before = expected_files(dir);
    let o = replay_cli(dir, true);
    assert_ne!(o.status.code(), Some(0));
    let err = common::text(&o.stderr);
    assert!(err.contains("05-refused-backdated-reduce.jsonl"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(expected_files(dir), before);
}

#[test]
fn bless_refuses_a_query_name_that_would_write_outside_expected() {
    let tmp = copy_fixture("revisions");
    let dir = tmp.path();
    let manifest = dir.join("fixture.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let changed = text.replace("\"diff-18-26\"", "\"../escaped\"");
    assert_ne!(changed, text, "the manifest names diff-18-26");
    std::fs::write(&manifest, changed).unwrap();
    let before = expected_files(dir);
    let o = replay_cli(dir, true);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        common::text(&o.stderr).contains("../escaped"),
        "{}",
        common::text(&o.stderr)
    );
    assert!(!dir.join("escaped.out").exists());
    assert_eq!(expected_files(dir), before);
}
