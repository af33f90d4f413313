//! `socai export --format parquet`: two units exported into one warehouse and read by DuckDB
//! (the Python package) with the SQL that README.md shows; at three dates, and at an earlier
//! knowledge point, its per-line sums equal each unit's `socai balance --json`, and its
//! section II totals equal `socai consolidate --format json`. The CSV export's rows, summed
//! the same way, give the same balances. Unit B holds reversals, a refund after its line's
//! deadline, a commitment, an advance and a payment that recovers it.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{Value, json};

/// The figures `balance --json` gives a line, which the SQL and the CSV must reproduce.
const FIGURES: [&str; 10] = [
    "plan",
    "disbursed",
    "carried_out",
    "lapsed",
    "recovered_after_close",
    "available",
    "completed",
    "advance_outstanding",
    "committed",
    "commitment_outstanding",
];

const DATES: [&str; 3] = ["2025-03-31", "2025-06-30", "2025-12-31"];

/// A knowledge point of unit B before its reversals were recorded (and well inside A's log).
const EARLIER: u64 = 24;

/// The corrections fixture's accepted batches (the fifth is refused by design).
const CORRECTIONS: [&str; 5] = [
    "01-2024.jsonl",
    "02-2025-q1.jsonl",
    "03-late-vouchers.jsonl",
    "04-reversals.jsonl",
    "06-after-refusal.jsonl",
];

/// Payments on a new investment line of unit B, a payment reversed, and a refund on a 2024
/// line after its deadline (budget revenue: `recovered_after_close`).
const PAYMENTS: &str = r#"{"id":"00000000-0000-4000-8000-00000000f001","type":"open_line","effective_date":"2025-01-10","line":"2025/DTTS/DT/CT09","program":"DTTS","project":"DA1","capital":"investment","source":"NSTW","plan_year":2025,"origin":"in_year","work":"Công trình 09","name":"Đường nội đồng thôn 9"}
{"id":"00000000-0000-4000-8000-00000000f002","type":"allocate","effective_date":"2025-01-15","line":"2025/DTTS/DT/CT09","amount":"1000000000","document":{"number":"09/QĐ-UBND","date":"2025-01-15"}}
{"id":"00000000-0000-4000-8000-00000000f003","type":"commit","effective_date":"2025-03-01","line":"2025/DTTS/DT/CT09","contract":"HD-09","amount":"900000000","payee":"Công ty Xây dựng Thôn 9","document":{"number":"HD-09","date":"2025-03-01"}}
{"id":"00000000-0000-4000-8000-00000000f004","type":"advance","effective_date":"2025-03-10","line":"2025/DTTS/DT/CT09","contract":"HD-09","amount":"200000000","payee":"Công ty Xây dựng Thôn 9","document":{"number":"UNC-09-1","date":"2025-03-10"}}
{"id":"00000000-0000-4000-8000-00000000f005","type":"disburse","effective_date":"2025-06-05","line":"2025/DTTS/DT/CT09","contract":"HD-09","amount":"500000000","recovers":"150000000","payee":"Công ty Xây dựng Thôn 9","document":{"number":"UNC-09-2","date":"2025-06-05"}}
{"id":"00000000-0000-4000-8000-00000000f006","type":"refund","effective_date":"2025-07-01","line":"2025/DTTS/DT/CT09","amount":"20000000","advance":true,"document":{"number":"GNT-09-1","date":"2025-07-01"}}
{"id":"00000000-0000-4000-8000-00000000f007","type":"disburse","effective_date":"2025-08-01","line":"2025/DTTS/DT/CT09","amount":"40000000","payee":"=HYPERLINK(\"x\")","document":{"number":"UNC-09-3","date":"2025-08-01"}}
{"id":"00000000-0000-4000-8000-00000000f008","type":"reverse","effective_date":"2025-09-01","target":"00000000-0000-4000-8000-00000000f007","reason":"ghi nhầm","document":{"number":"BB-09","date":"2025-09-01"}}
{"id":"00000000-0000-4000-8000-00000000f009","type":"refund","effective_date":"2025-09-15","line":"2024/GNBV/SN/DA2/NSTW","amount":"10000000","document":{"number":"GNT-24-9","date":"2025-09-15"}}
"#;

/// Runs the README's SQL blocks with DuckDB for each case and prints the rows as JSON.
const DUCKDB_SCRIPT: &str = r#"
import json, re, sys, duckdb
job = json.load(open(sys.argv[1]))
con = duckdb.connect()
def statements(block):
    block = re.sub(r'--[^\n]*', '', block)
    return [s.strip() for s in block.split(';') if s.strip()]
balances = statements(job['balances'])
consolidated = statements(job['consolidated'])
for s in balances[:-1] + consolidated[:-1]:
    con.execute(s)
def rows(sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, [v if isinstance(v, (int, type(None))) else str(v) for v in r])) for r in cur.fetchall()]
out = []
for case in job['cases']:
    con.execute("SET VARIABLE as_of = DATE '%s'" % case['as_of'])
    con.execute("SET VARIABLE known_at = %d" % case['known_at'])
    out.append({'balances': rows(balances[-1]), 'consolidated': rows(consolidated[-1])})
counts = rows("SELECT unit, count(*) AS n FROM events GROUP BY unit ORDER BY unit")
print(json.dumps({'cases': out, 'counts': counts}))
"#;

/// The SQL block README.md tags `<!-- parquet-sql: NAME -->`.
fn readme_sql(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let tag = format!("<!-- parquet-sql: {name} -->\n```sql\n");
    let start = readme
        .find(&tag)
        .unwrap_or_else(|| panic!("README lacks {tag}"))
        + tag.len();
    let len = readme[start..].find("```").unwrap();
    readme[start..start + len].to_string()
}

fn ok(out: std::process::Output) -> Vec<u8> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// Integers of a JSON figure (a string of digits, or a number).
fn int(v: &Value) -> i128 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("{s:?}")),
        Value::Number(n) => i128::from(n.as_i64().unwrap()),
        other => panic!("not a figure: {other}"),
    }
}

/// Unit B: the corrections fixture and the payments above.
fn unit_b(db: &Path, tmp: &Path) {
    ok(socai(db, &["init", "--unit", "XA-B02", "--name", "Xã B"]));
    for batch in CORRECTIONS {
        let path = fixture("corrections").join(batch);
        ok(socai(db, &["import", path.to_str().unwrap()]));
    }
    let payments = tmp.join("payments.jsonl");
    std::fs::write(&payments, PAYMENTS).unwrap();
    ok(socai(db, &["import", payments.to_str().unwrap()]));
}

/// `balance --json` of a unit: line → figures.
fn balances(db: &Path, as_of: &str, known_at: Option<u64>) -> BTreeMap<String, Value> {
    let mut args = vec!["balance", "--as-of", as_of, "--json"];
    let k = known_at.map(|k| k.to_string());
    if let Some(k) = &k {
        args.extend(["--known-at", k.as_str()]);
    }
    let v: Value = serde_json::from_slice(&ok(socai(db, &args))).unwrap();
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_str().unwrap().to_string(), l.clone()))
        .collect()
}

fn consolidate(units: &Path, as_of: &str) -> Value {
    let out = Command::new(BIN)
        .env("SOCAI_LANG", TEST_LANG)
        .args(["consolidate", "--units", units.to_str().unwrap()])
        .args(["--plan-year", "2025", "--as-of", as_of, "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&ok(out)).unwrap()
}

/// Compares DuckDB's balance rows of `unit` with `balance --json` of its store.
fn same_balances(sql_rows: &[Value], unit: &str, expected: &BTreeMap<String, Value>, case: &str) {
    let got: BTreeMap<&str, &Value> = sql_rows
        .iter()
        .filter(|r| r["unit"] == unit)
        .map(|r| (r["line"].as_str().unwrap(), r))
        .collect();
    assert_eq!(
        got.keys().copied().collect::<Vec<_>>(),
        expected.keys().map(String::as_str).collect::<Vec<_>>(),
        "{unit} {case}: the lines"
    );
    for (line, want) in expected {
        for f in FIGURES {
            assert_eq!(
                int(&got[line.as_str()][f]),
                int(&want[f]),
                "{unit} {case} {line} {f}"
            );
        }
    }
}

/// Compares DuckDB's section II rows (per unit, then the total) with `consolidate`.
fn same_totals(sql_rows: &[Value], report: &Value, as_of: &str) {
    let units = report["units"].as_array().unwrap();
    assert_eq!(
        sql_rows.len(),
        units.len() + 1,
        "{as_of}: units and the total"
    );
    for key in ["carried", "in_year", "plan", "disbursed"] {
        for u in units {
            let row = sql_rows.iter().find(|r| r["unit"] == u["code"]).unwrap();
            assert_eq!(int(&row[key]), int(&u[key]), "{as_of} {} {key}", u["code"]);
        }
        let total = sql_rows.last().unwrap();
        assert_eq!(
            total["unit"],
            Value::Null,
            "{as_of}: the rollup row is last"
        );
        assert_eq!(
            int(&total[key]),
            int(&report["total"][key]),
            "{as_of} {key}"
        );
    }
}

/// Sums the CSV export's rows per line as README says (rows with an empty `reversed_by` and
/// `effective_date <= as_of`), checks them against `expected`; returns the number of rows.
fn csv_sums_agree(
    csv: &[u8],
    unit: &str,
    as_of: &str,
    expected: &BTreeMap<String, Value>,
) -> usize {
    let mut reader = csv::Reader::from_reader(csv);
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    // The new columns come after the old ones, which keep their places.
    assert_eq!(&header[0], "seq");
    assert_eq!(&header[21], "plan_year");
    assert_eq!(&header[22], "unit");
    let mut sums: BTreeMap<String, BTreeMap<&str, i128>> = BTreeMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        assert_eq!(&record[at("unit")], unit);
        let line = &record[at("line")];
        if line.is_empty() || !record[at("reversed_by")].is_empty() {
            continue;
        }
        let figures = sums.entry(line.to_string()).or_default();
        if record[at("effective_date")] > *as_of {
            continue;
        }
        let get = |name: &str| {
            record[at(&format!("{name}_delta"))]
                .parse::<i128>()
                .unwrap()
        };
        for f in FIGURES.iter().filter(|f| **f != "available") {
            *figures.entry(f).or_default() += get(f);
        }
        *figures.entry("available").or_default() += get("plan")
            - get("disbursed")
            - get("carried_out")
            - get("lapsed")
            - get("commitment_outstanding");
    }
    for (line, want) in expected {
        for f in FIGURES {
            let got = sums.get(line).and_then(|s| s.get(f)).copied().unwrap_or(0);
            assert_eq!(got, int(&want[f]), "csv {unit} {as_of} {line} {f}");
        }
    }
    rows
}

/// `export --format parquet --out dir` of `db` is refused with `out_exists` (exit 2).
fn refused_out(db: &Path, dir: &Path) {
    let out = parquet_export(db, dir);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("out_exists"), "{stderr}");
}

fn parquet_export(db: &Path, dir: &Path) -> std::process::Output {
    let dir = dir.to_str().unwrap();
    socai(db, &["export", "--format", "parquet", "--out", dir])
}

#[test]
fn duckdb_sums_of_two_units_parquet_equal_balance_and_consolidate_at_three_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let units = tmp.path().join("units");
    let (a, b) = (units.join("a"), units.join("b"));
    ok(socai(&a, &["demo"]));
    unit_b(&b, tmp.path());
    let codes = [("DEMO-LUNGPHINH", &a), ("XA-B02", &b)];

    // Export: a new folder per unit, refused over a folder that holds anything.
    let warehouse = tmp.path().join("warehouse");
    std::fs::create_dir(&warehouse).unwrap();
    for (code, db) in codes {
        let dir = warehouse.join(format!("unit={code}"));
        ok(parquet_export(db, &dir));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["events.parquet", "lines.parquet"]);
        refused_out(db, &dir);
    }
    // No temporary folder is left beside the exports.
    assert_eq!(std::fs::read_dir(&warehouse).unwrap().count(), 2);

    let Some(python) = find_python_with("duckdb", "the DuckDB check of the Parquet export") else {
        return;
    };
    let mut cases: Vec<Value> = DATES
        .iter()
        .map(|d| json!({"as_of": d, "known_at": i64::MAX}))
        .collect();
    cases.push(json!({"as_of": "2025-12-31", "known_at": EARLIER}));
    let job = json!({
        "balances": readme_sql("balances"),
        "consolidated": readme_sql("consolidated"),
        "cases": cases,
    });
    let job_path = tmp.path().join("job.json");
    std::fs::write(&job_path, job.to_string()).unwrap();
    let script = tmp.path().join("duckdb_check.py");
    std::fs::write(&script, DUCKDB_SCRIPT).unwrap();
    let out = Command::new(python)
        .arg(&script)
        .arg(&job_path)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let answer: Value = serde_json::from_slice(&ok(out)).unwrap();
    let results = answer["cases"].as_array().unwrap();

    for (i, as_of) in DATES.iter().enumerate() {
        let sql = &results[i];
        for (code, db) in codes {
            let expected = balances(db, as_of, None);
            same_balances(sql["balances"].as_array().unwrap(), code, &expected, as_of);
        }
        same_totals(
            sql["consolidated"].as_array().unwrap(),
            &consolidate(&units, as_of),
            as_of,
        );
    }
    // As known at an earlier sequence: B's reversals not yet recorded, so the reversed
    // events count again (`reversed_by > known_at`).
    let earlier = results[DATES.len()]["balances"].as_array().unwrap();
    for (code, db) in codes {
        let expected = balances(db, "2025-12-31", Some(EARLIER));
        same_balances(earlier, code, &expected, "known at 24");
    }
    let before = balances(&b, "2025-12-31", Some(EARLIER));
    let after = balances(&b, "2025-12-31", None);
    assert_ne!(
        int(&before["2025/GNBV/SN/DA3/TDA1/NSTW"]["disbursed"]),
        int(&after["2025/GNBV/SN/DA3/TDA1/NSTW"]["disbursed"]),
        "the reversals change the figures (the earlier knowledge point is a real check)"
    );
    let payments = &after["2025/DTTS/DT/CT09"];
    for f in ["advance_outstanding", "commitment_outstanding", "completed"] {
        assert_ne!(int(&payments[f]), 0, "B's payments move {f}");
    }
    assert_ne!(
        int(&after["2024/GNBV/SN/DA2/NSTW"]["recovered_after_close"]),
        0,
        "a refund after the deadline"
    );

    // The CSV export: the same columns at the end, the same sums, the same rows.
    for (code, db) in codes {
        let csv = ok(socai(
            db,
            &["export", "--format", "csv", "--csv-dialect", "plain"],
        ));
        let mut rows = 0;
        for as_of in DATES {
            rows = csv_sums_agree(&csv, code, as_of, &balances(db, as_of, None));
        }
        let counted = answer["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["unit"] == code)
            .unwrap();
        assert_eq!(
            int(&counted["n"]),
            rows as i128,
            "{code}: csv and parquet rows"
        );
    }
}

#[test]
fn a_parquet_export_needs_a_new_or_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    ok(socai(
        &db,
        &["import", lung_phinh_events().to_str().unwrap()],
    ));
    // To stdout: refused, nothing printed.
    let out = socai(&db, &["export", "--format", "parquet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // A file in the way, and a symbolic link to an empty folder: refused, left as they were.
    let file = tmp.path().join("file");
    std::fs::write(&file, "keep").unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&empty, &link).unwrap();
    for path in [&file, &link] {
        refused_out(&db, path);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    // An empty folder is filled (a store without a unit: `unit` is null).
    ok(parquet_export(&db, &empty));
    assert!(empty.join("events.parquet").is_file());
    assert!(empty.join("lines.parquet").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".socai-out"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
