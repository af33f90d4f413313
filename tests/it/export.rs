//! `socai export --format hledger|beancount|csv`: the journals' balances at the end of a day
//! agree with `socai balance --as-of` for every line, checked with the real tools.
//!
//! hledger and bean-query come from the system packages (`.ci/run` installs them). Without
//! them the tool's half of a test is skipped with a note, unless SOCAI_REQUIRE_TOOLS=1 (CI).

use crate::common;
use common::{fixture_store, have_tool, socai};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;

/// (plan, disbursed, available, closed = carried_out + lapsed) per line, in đồng.
type Figures = BTreeMap<String, (i128, i128, i128, i128)>;

fn socai_figures(db: &Path, as_of: &str, known_at: Option<&str>) -> Figures {
    let mut args = vec!["balance", "--as-of", as_of, "--json"];
    if let Some(k) = known_at {
        args.extend(["--known-at", k]);
    }
    let o = socai(db, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = |x: &serde_json::Value| x.as_str().unwrap().parse::<i128>().unwrap();
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_str().unwrap().to_string(),
                (
                    n(&l["plan"]),
                    n(&l["disbursed"]),
                    n(&l["available"]),
                    n(&l["carried_out"]) + n(&l["lapsed"]),
                ),
            )
        })
        .collect()
}

/// Per-account sums into per-line figures, through the `line` each account names in the file.
fn by_line(sums: &BTreeMap<String, i128>, line_of: &BTreeMap<String, String>) -> Figures {
    let mut out: Figures = line_of
        .values()
        .map(|l| (l.clone(), (0, 0, 0, 0)))
        .collect();
    for (account, amount) in sums {
        let line = line_of
            .get(account)
            .unwrap_or_else(|| panic!("account {account} names no line"));
        let f = out.get_mut(line).unwrap();
        if account.starts_with("Income:Plan:") {
            f.0 -= amount;
        } else if account.starts_with("Expenses:Disbursed:") {
            f.1 += amount;
        } else if account.starts_with("Assets:Available:") {
            f.2 += amount;
        } else if account.starts_with("Expenses:Closed:") {
            f.3 += amount;
        } else {
            panic!("unexpected account {account}");
        }
    }
    out
}

fn export(db: &Path, format: &str, known_at: Option<&str>, into: &Path) -> String {
    let mut args = vec!["export", "--format", format];
    if let Some(k) = known_at {
        args.extend(["--known-at", k]);
    }
    let o = socai(db, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::write(into, &o.stdout).unwrap();
    String::from_utf8(o.stdout).unwrap()
}

fn amount(text: &str) -> i128 {
    let t = text.trim().trim_end_matches("VND").trim();
    if t.is_empty() {
        0
    } else {
        t.parse().unwrap_or_else(|_| panic!("amount {text:?}"))
    }
}

fn hledger_figures(journal: &Path, text: &str, as_of: NaiveDate) -> Figures {
    // account directives carry the line: `account NAME  ; line:CODE`
    let line_of: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("account "))
        .map(|l| {
            let (name, code) = l.split_once("  ; line:").unwrap();
            (name.to_string(), code.to_string())
        })
        .collect();
    // hledger's end date is exclusive: the end of day D is --end D+1.
    let end = (as_of + chrono::Days::new(1)).to_string();
    let o = Command::new("hledger")
        .arg("-f")
        .arg(journal)
        .args(["bal", "--flat", "--end", &end, "-O", "csv", "--no-total"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut sums = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    for row in reader.records() {
        let row = row.unwrap();
        sums.insert(row[0].to_string(), amount(&row[1]));
    }
    by_line(&sums, &line_of)
}

fn beancount_figures(ledger: &Path, text: &str, as_of: NaiveDate) -> Figures {
    // open directives carry the line as metadata on the next line.
    let mut line_of = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some((_, rest)) = l.split_once(" open ") {
            let account = rest.split_whitespace().next().unwrap().to_string();
            let code = lines[i + 1]
                .trim()
                .strip_prefix("line: ")
                .unwrap()
                .trim_matches('"');
            line_of.insert(account, code.to_string());
        }
    }
    let query = format!(
        "SELECT account, sum(number) AS n WHERE date <= {as_of} GROUP BY account ORDER BY account"
    );
    let o = Command::new("bean-query")
        .args(["-f", "csv"])
        .arg(ledger)
        .arg(&query)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut sums = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    for row in reader.records() {
        let row = row.unwrap();
        sums.insert(row[0].trim().to_string(), amount(&row[1]));
    }
    by_line(&sums, &line_of)
}

/// Sums of the CSV export's rows that count (not reversed, effective by as_of).
fn csv_figures(text: &str, as_of: NaiveDate) -> Figures {
    let mut out = Figures::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        let (kind, date, line) = (&row[2], &row[3], &row[5]);
        // A document or an indicator moves no money: its row names no line.
        if line.is_empty() {
            assert_eq!((amount(&row[6]), amount(&row[7])), (0, 0), "{row:?}");
            continue;
        }
        if kind == "open_line" {
            out.entry(line.to_string()).or_insert((0, 0, 0, 0));
        }
        if kind == "reverse" || !row[12].is_empty() || date > as_of.to_string().as_str() {
            continue;
        }
        let (p, d) = (amount(&row[6]), amount(&row[7]));
        // Carried out and lapsed leave available, not the plan (issue 12).
        let closed = amount(&row[13]) + amount(&row[14]);
        let f = out.entry(line.to_string()).or_insert((0, 0, 0, 0));
        f.0 += p;
        f.1 += d;
        f.2 += p - d - closed;
        f.3 += closed;
    }
    out
}

const DATES: [&str; 8] = [
    "2024-01-31",
    "2024-12-31",
    "2025-01-31",
    "2025-03-31",
    "2025-06-30",
    "2025-07-01",
    "2025-11-20",
    "2025-12-31",
];

fn check_fixture(name: &str, known_at: Option<&str>) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("replay-fixtures")
        .join(name);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    fixture_store(&dir, &db);
    let journal = tmp.path().join("ledger.journal");
    let bean = tmp.path().join("ledger.beancount");
    let hledger_text = export(&db, "hledger", known_at, &journal);
    let bean_text = export(&db, "beancount", known_at, &bean);
    let csv_text = export(&db, "csv", known_at, &tmp.path().join("ledger.csv"));
    let use_hledger = have_tool("hledger", "the hledger agreement check");
    let use_bean = have_tool("bean-check", "the beancount agreement check")
        && have_tool("bean-query", "the beancount agreement check");
    if use_bean {
        let o = Command::new("bean-check").arg(&bean).output().unwrap();
        assert!(
            o.status.success(),
            "bean-check: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mut compared = 0;
    for d in DATES {
        let as_of: NaiveDate = d.parse().unwrap();
        let want = socai_figures(&db, d, known_at);
        assert_eq!(csv_figures(&csv_text, as_of), want, "{name} csv as of {d}");
        if use_hledger {
            assert_eq!(
                hledger_figures(&journal, &hledger_text, as_of),
                want,
                "{name} hledger as of {d}"
            );
        }
        if use_bean {
            assert_eq!(
                beancount_figures(&bean, &bean_text, as_of),
                want,
                "{name} beancount as of {d}"
            );
        }
        compared += want.len();
    }
    compared
}

#[test]
fn journals_agree_with_socai_balance_on_every_fixture() {
    for name in ["lung-phinh-2025", "corrections", "plan-2025", "revisions"] {
        assert!(check_fixture(name, None) > 0, "{name}: nothing compared");
    }
}

#[test]
fn a_journal_of_an_earlier_knowledge_point_agrees_with_that_view() {
    // Sequence 25 of the corrections fixture: the backdated vouchers are known, the reversals
    // of sequences 26–27 are not yet.
    assert!(check_fixture("corrections", Some("25")) > 0);
    assert!(check_fixture("corrections", Some("27")) > 0);
}

#[test]
fn reversed_events_are_comments_and_line_codes_map_to_valid_account_names() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/plan-2025");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    fixture_store(&dir, &db);
    let text = export(&db, "hledger", None, &tmp.path().join("j"));
    assert!(
        text.contains("; 2025-06-30 * disburse UNC-2025-008"),
        "{text}"
    );
    assert!(
        text.contains("reversed by sequence 36: not posted"),
        "{text}"
    );
    assert!(text.contains("account Assets:Available:2025-GNBV-SN-DA3-TDA1-NSTW-CN  ; line:2025/GNBV/SN/DA3/TDA1/NSTW/CN"));
    // The default stays the import format.
    let o = socai(&db, &["export"]);
    let first = String::from_utf8(o.stdout).unwrap();
    assert!(first.lines().all(|l| l.starts_with("{\"id\":")), "{first}");
    assert_eq!(first.lines().count(), 36);
    let o = socai(&db, &["export", "--known-at", "99"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn colliding_codes_get_distinct_account_names() {
    use socai::core::event::parse_line;
    let open = |n: u32, code: &str| {
        let e = parse_line(&format!(
            r#"{{"id":"00000000-0000-4000-8000-{n:012}","type":"open_line","effective_date":"2025-01-01","line":"{code}","program":"P","capital":"recurrent","source":"S","plan_year":2025,"origin":"in_year"}}"#
        ))
        .unwrap();
        socai::core::rules::Recorded {
            seq: u64::from(n),
            recorded_at: chrono::Utc::now(),
            event: e,
            rules: socai::core::rule_data::CURRENT,
        }
    };
    let records = vec![
        open(1, "a/b"),
        open(2, "a.b"),
        open(3, "A-b"),
        open(4, "x_1"),
    ];
    let names = socai::present::export::account_names(&records);
    let mut all: Vec<&str> = names.values().map(|a| a.available.as_str()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "{names:?}");
    for a in names.values() {
        let last = a.available.rsplit(':').next().unwrap();
        assert!(
            last.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{last}"
        );
        assert!(
            last.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{last}"
        );
    }
}
