//! Every fixture folder under replay-fixtures/ replays with no difference.

use std::path::Path;

#[test]
fn every_fixture_replays_without_difference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("fixture.json").is_file() {
            continue;
        }
        let report = socai::fixture::replay(&dir)
            .unwrap_or_else(|f| panic!("{}: {}", dir.display(), f.message()));
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
    let report = socai::fixture::replay(dir).unwrap();
    assert_eq!(report.failed, 1, "{}", report.text);
    assert!(report.text.contains("38.997"), "{}", report.text);
}
