//! Every fixture folder under replay-fixtures/ replays with no difference.

use std::path::Path;

use socai::app::AppError;
use socai::app::fixture::ReplayReport;

/// Replays a fixture folder as `socai replay` does.
fn replay(dir: &Path) -> Result<ReplayReport, AppError> {
    socai::app::fixture::replay(dir, &socai::cli::replay_query, &socai::app::progress::Quiet)
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
        assert_eq!(report.failed, 0, "{}:\n{}", dir.display(), report.text);
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
    for f in ["fixture.json", "events.jsonl"] {
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
    assert_eq!(report.failed, 1, "{}", report.text);
    assert!(report.text.contains("38.997"), "{}", report.text);
}

/// Rewrites every fixture's expected outputs from the current code: run it by hand
/// (`cargo test --test fixtures -- --ignored bless`) after a deliberate format change, then
/// read the diff. The figures in them are checked independently (tests/seed.rs, report.rs).
#[test]
#[ignore]
fn bless_expected_outputs() {
    use clap::Parser;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures");
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join("fixture.json")) else {
            continue;
        };
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let mut ledger = socai::ledger::Ledger::open(
            &tmp.path().join("s"),
            socai::storage::OpenMode::CreateIfMissing,
        )
        .unwrap();
        for b in manifest["batches"].as_array().unwrap() {
            let at = chrono::DateTime::parse_from_rfc3339(b["recorded_at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc);
            let file = std::fs::File::open(dir.join(b["file"].as_str().unwrap())).unwrap();
            match socai::io::jsonl::read_events(file) {
                Ok(lines) => {
                    let _ = ledger.append(lines.into_iter().map(|l| l.event).collect(), at);
                }
                Err(_) => continue,
            }
        }
        for q in manifest["queries"].as_array().unwrap() {
            let args: Vec<String> = q["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            let cli = socai::cli::Cli::try_parse_from(std::iter::once("socai".into()).chain(args))
                .unwrap();
            let out = match socai::cli::query(&ledger, &cli.command) {
                Ok(t) => t,
                Err(f) => format!("error (exit {}): {}\n", f.exit_code(), f.message()),
            };
            let name = q["name"].as_str().unwrap();
            std::fs::write(dir.join("expected").join(format!("{name}.out")), out).unwrap();
        }
    }
}
