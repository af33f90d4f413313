//! Issue 14, "CLI manners": every argument explained, `--db` only where it means something,
//! a manual page per subcommand with EXIT STATUS and ENVIRONMENT, `--json` where a script
//! needs it, "wrote …" on stderr, `SOCAI_CONFIG`, and notes for what looks like an answer but
//! is not one.

use crate::common;

use std::process::Command;

use clap::CommandFactory;
use common::{lung_phinh_store, socai, text};
use serde_json::Value;
use socai::cli::Cli;
use socai::present::vi_format::Lang;

#[test]
fn every_argument_of_every_subcommand_has_help_text() {
    // The definition as parsed, in both languages: every argument (global ones, clap's own
    // --help and --version included) and every subcommand has its text.
    for lang in [Lang::Vi, Lang::En] {
        let root = socai::cli::man::command(lang);
        let mut missing = Vec::new();
        let mut stack: Vec<(String, clap::Command)> = vec![("socai".to_string(), root)];
        while let Some((path, cmd)) = stack.pop() {
            if cmd.get_about().is_none_or(|a| a.to_string().is_empty()) {
                missing.push(format!("{path} (about)"));
            }
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none_or(|h| h.to_string().is_empty()) {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                stack.push((format!("{path} {}", sub.get_name()), sub.clone()));
            }
        }
        assert!(missing.is_empty(), "{lang:?}: without help: {missing:#?}");
    }
}

#[test]
fn each_subcommand_has_a_manual_page_with_exit_status_and_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man");
    let o = Command::new(common::BIN)
        .args(["--lang", "en", "man", "--dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "the files are named on stderr");
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        let page = std::fs::read_to_string(dir.join(format!("socai-{name}.1")))
            .unwrap_or_else(|e| panic!("no page for {name}: {e}"));
        assert!(page.contains(&format!(".TH socai-{name} 1")), "{name}");
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}");
        assert!(page.contains(".SH ENVIRONMENT"), "{name}");
        assert!(page.contains("\\fB4\\fR"), "{name}");
        assert!(text(&o.stderr).contains(&format!(
            "wrote {}",
            dir.join(format!("socai-{name}.1")).display()
        )));
    }
    // A page names the variables its command reads, and --db only where it is used.
    let page = |name: &str| std::fs::read_to_string(dir.join(format!("socai-{name}.1"))).unwrap();
    assert!(page("balance").contains("SOCAI_DB"));
    assert!(page("balance").contains("\\-\\-db"));
    assert!(page("serve").contains("SOCAI_CONFIG"));
    assert!(page("replicate").contains("SOCAI_TOKEN"));
    for storeless in ["gen", "replay", "recover", "completions", "consolidate"] {
        assert!(
            !page(storeless).contains("\\-\\-db"),
            "{storeless} shows --db"
        );
        assert!(
            !page(storeless).contains("SOCAI_DB"),
            "{storeless} shows SOCAI_DB"
        );
    }
    // `socai man SUBCOMMAND` prints the same page.
    let o = Command::new(common::BIN)
        .args(["man", "trail", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), page("trail"));
    let o = Command::new(common::BIN)
        .args(["man", "frobnicate"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn db_is_offered_only_where_it_means_something_and_still_accepted_elsewhere() {
    let help = |args: &[&str]| {
        let o = Command::new(common::BIN).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        text(&o.stdout)
    };
    assert!(help(&["balance", "--help"]).contains("--db"));
    assert!(help(&["serve", "--help"]).contains("--db"));
    for storeless in [
        "gen",
        "replay",
        "recover",
        "man",
        "completions",
        "consolidate",
        "replicate",
    ] {
        assert!(
            !help(&[storeless, "--help"]).contains("--db"),
            "{storeless} offers --db"
        );
    }
    // Scripts that pass --db to every command keep working, before or after the subcommand.
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["--db", "unused", "completions", "bash"],
        vec!["completions", "bash", "--db", "unused"],
    ] {
        let o = Command::new(common::BIN).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    }
    assert!(!tmp.path().join("unused").exists());
}

fn json_of(o: &std::process::Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

#[test]
fn summary_verify_import_import_plan_and_backup_speak_json() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let events = common::fixture("lung-phinh-2025/events.jsonl");
    let v = json_of(&socai(&db, &["import", events.to_str().unwrap(), "--json"]));
    assert_eq!(v["appended"], 277);
    assert_eq!(
        (v["first_seq"].clone(), v["last_seq"].clone()),
        (1.into(), 277.into())
    );
    assert_eq!(v["already_present"], 0);
    let expect = v["expect_head"].as_str().unwrap().to_string();
    let again = json_of(&socai(&db, &["import", events.to_str().unwrap(), "--json"]));
    assert_eq!(
        (again["appended"].clone(), again["already_present"].clone()),
        (0.into(), 277.into())
    );

    let v = json_of(&socai(&db, &["verify", "--json", "--expect-head", &expect]));
    assert_eq!(v["ok"], true);
    assert_eq!(v["head_seq"], 277);
    assert_eq!(v["expect_head"], expect.as_str());
    assert_eq!(v["expected_head"], expect.as_str());
    assert_eq!(v["log"], "verified");
    assert_eq!(v["journal"]["status"], "agrees");

    let s = json_of(&socai(
        &db,
        &[
            "summary",
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
            "--json",
        ],
    ));
    let r = json_of(&socai(
        &db,
        &[
            "report",
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
            "--format",
            "json",
        ],
    ));
    assert_eq!(s["section_ii"], r["section_ii"]);
    assert_eq!(s["section_ii"]["total"]["plan"], "38995994600");
    assert_eq!(s["amounts"], "đồng");
    assert!(
        s["provenance"]["command"]
            .as_str()
            .unwrap()
            .starts_with("socai summary ")
    );

    let backup = tmp.path().join("copy");
    let b = json_of(&socai(&db, &["backup", backup.to_str().unwrap(), "--json"]));
    assert_eq!(b["expect_head"], expect.as_str());
    let o = socai(
        &backup,
        &[
            "verify",
            "--expect-head",
            b["expect_head"].as_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));

    let plan_db = tmp.path().join("plan");
    let plan = common::fixture("plan-2025/plan.xlsx");
    let p = json_of(&socai(
        &plan_db,
        &["import-plan", plan.to_str().unwrap(), "--json"],
    ));
    assert!(p["rows"].as_u64().unwrap() > 0, "{p}");
    assert!(p["new_lines"].as_u64().unwrap() > 0, "{p}");
    assert_eq!(p["appended"].as_u64(), p["last_seq"].as_u64());
    assert!(p["sheet"].is_string());
}

#[test]
fn files_written_with_out_are_named_on_stderr_not_stdout() {
    let (tmp, db) = lung_phinh_store();
    let svg = tmp.path().join("c.svg");
    let o = socai(
        &db,
        &[
            "chart",
            "rates",
            "--plan-year",
            "2025",
            "--out",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), format!("wrote {}\n", svg.display()));
    let html = tmp.path().join("r.html");
    let o = socai(
        &db,
        &[
            "report",
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
            "--format",
            "html",
            "--out",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), format!("wrote {}\n", html.display()));
}

#[test]
fn serve_reads_its_config_from_socai_config() {
    use std::io::{BufRead, BufReader, Read, Write};
    let (tmp, db) = lung_phinh_store();
    let (_, entry) = common::credential("auditor-1", "auditor");
    let config = tmp.path().join("socai.toml");
    std::fs::write(&config, entry).unwrap();
    let mut child = Command::new(common::BIN)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SOCAI_CONFIG", &config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /v1/unit HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // With the config's credentials, a request without a token is refused: it was read.
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
}

#[test]
fn a_jsonl_file_with_a_utf8_bom_is_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(common::fixture("lung-phinh-2025/events.jsonl")).unwrap());
    let file = tmp.path().join("bom.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("appended 277 events"));
}

#[test]
fn known_at_takes_a_plain_date_as_the_end_of_that_day_in_vietnam() {
    let (_tmp, db) = lung_phinh_store();
    // Everything was recorded today: as known at the end of a past day, nothing is.
    let by_date = socai(
        &db,
        &[
            "balance",
            "--as-of",
            "2025-11-20",
            "--known-at",
            "2020-01-01",
        ],
    );
    let by_seq = socai(
        &db,
        &["balance", "--as-of", "2025-11-20", "--known-at", "0"],
    );
    assert_eq!(by_date.status.code(), Some(0), "{}", text(&by_date.stderr));
    assert_eq!(by_date.stdout, by_seq.stdout);
    // The end of a day still to come is in the future: refused, as a future moment is.
    let o = socai(
        &db,
        &[
            "balance",
            "--as-of",
            "2025-11-20",
            "--known-at",
            "2999-01-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("in the future"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_plan_year_without_lines_says_so_on_stderr_and_succeeds() {
    let (tmp, db) = lung_phinh_store();
    let svg = tmp.path().join("c.svg");
    for args in [
        vec!["balance", "--as-of", "2025-11-20", "--plan-year", "2031"],
        vec!["summary", "--as-of", "2025-11-20", "--plan-year", "2031"],
        vec!["report", "--as-of", "2025-11-20", "--plan-year", "2031"],
        vec!["settlement", "--plan-year", "2031"],
        vec![
            "chart",
            "rates",
            "--plan-year",
            "2031",
            "--out",
            svg.to_str().unwrap(),
        ],
    ] {
        let o = socai(&db, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("plan year 2031 has no lines"),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    // A plan year with lines gets no such note.
    let o = socai(
        &db,
        &["balance", "--as-of", "2025-11-20", "--plan-year", "2025"],
    );
    assert_eq!(text(&o.stderr), "");
}
