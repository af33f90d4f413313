//! Progress bars go to a terminal only: with stderr piped, long commands print nothing there,
//! and stdout carries exactly the command's output either way.

use crate::common;

use std::process::Command;

#[test]
fn piped_stderr_gets_no_progress_output() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let db = db.to_str().unwrap();
    let runs: Vec<Vec<String>> = vec![
        vec![
            "import".into(),
            common::fixture("lung-phinh-2025/events.jsonl")
                .display()
                .to_string(),
        ],
        vec!["export".into()],
        vec!["export".into(), "--format".into(), "hledger".into()],
        vec!["verify".into()],
        vec![
            "replay".into(),
            common::fixture("corrections").display().to_string(),
        ],
        // A plan table, into a store of its own (its line codes overlap the demo's).
        vec![
            "--db".into(),
            tmp.path().join("plan").to_str().unwrap().to_string(),
            "import-plan".into(),
            common::fixture("plan-2025/plan.xlsx").display().to_string(),
        ],
    ];
    for mut args in runs {
        if args[0] != "--db" {
            args.splice(0..0, ["--db".to_string(), db.to_string()]);
        }
        let o = Command::new(common::BIN)
            .env("SOCAI_LANG", common::TEST_LANG)
            .args(&args)
            .env_remove("SOCAI_DB")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{args:?} wrote to stderr: {:?}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !o.stdout.contains(&b'\r'),
            "{args:?}: a progress bar leaked into stdout"
        );
    }
}

/// `script` (util-linux) runs a command on a pseudo-terminal, where the bars do show.
#[test]
fn a_terminal_sees_the_bars() {
    if !common::have_tool("script", "the terminal half") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let run_in = |lang: &str, args: &str| {
        let command = format!("{} --db {} {args}", common::BIN, db.display());
        let o = Command::new("script")
            .env("SOCAI_LANG", lang)
            .args(["-qec", &command, "/dev/null"])
            .env_remove("SOCAI_DB")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let run = |args: &str| run_in(common::TEST_LANG, args);
    let seen = run(&format!(
        "import {}",
        common::fixture("lung-phinh-2025/events.jsonl").display()
    ));
    assert!(seen.contains("reading "), "{seen}");
    assert!(seen.contains("appended 277 events"), "{seen}");
    let seen = run("export");
    assert!(seen.contains("exporting"), "{seen}");
    let seen = run(&format!(
        "replay {}",
        common::fixture("corrections").display()
    ));
    assert!(seen.contains("replaying"), "{seen}");
    // A Vietnamese office sees its own words on the bars too.
    let seen = run_in("vi", "export");
    assert!(seen.contains("đang xuất"), "{seen}");
    assert!(!seen.contains("exporting"), "{seen}");
    let seen = run_in(
        "vi",
        &format!(
            "import {}",
            common::fixture("lung-phinh-2025/events.jsonl").display()
        ),
    );
    assert!(seen.contains("đang đọc "), "{seen}");
}
