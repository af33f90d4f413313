//! `socai report`: the Lùng Phình report shows section II of the seed; a report is reproduced
//! byte for byte by its provenance command after backdated events and reversals; `diff` names
//! exactly the events that changed the figures; the xlsx reads back with calamine and sums.

use crate::common;
// Reports speak Vietnamese by default: these tests read what a user gets without --lang.
use common::socai_default as socai;
use common::{import, vi};

use std::path::Path;
use std::process::Output;

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

fn ok(o: Output) -> Vec<u8> {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

const AS_OF: &str = "2025-11-20";

/// đồng → whole triệu, half away from zero, as the seed rounds (amounts here are positive).
fn trieu(dong: &Value) -> i128 {
    common::vi::trieu(dong.as_str().unwrap().parse().unwrap())
}

#[test]
fn the_json_report_holds_amounts_that_round_to_every_figure_of_section_two() {
    let (_tmp, db) = common::lung_phinh_store();
    let out = ok(socai(
        &db,
        &[
            "report",
            "--as-of",
            AS_OF,
            "--plan-year",
            "2025",
            "--format",
            "json",
        ],
    ));
    let v: Value = serde_json::from_slice(&out).unwrap();
    let s2 = &v["section_ii"];
    // The seed's section II (../shared/domain.md), in triệu đồng.
    assert_eq!(trieu(&s2["total"]["plan"]), 38_996);
    assert_eq!(trieu(&s2["total"]["disbursed"]), 21_597);
    assert_eq!(s2["total"]["rate"], "0.5538"); // 55,38%
    let rec = &s2["capitals"][0];
    assert_eq!(rec["capital"], "recurrent");
    assert_eq!(trieu(&rec["plan"]), 20_336);
    assert_eq!(trieu(&rec["carried"]), 4_457);
    assert_eq!(trieu(&rec["in_year"]), 15_878);
    assert_eq!(trieu(&rec["disbursed"]), 13_646);
    assert_eq!(rec["rate"], "0.6711"); // 67,11%
    let dtts = &rec["programs"][0];
    assert_eq!(dtts["program"], "DTTS");
    assert_eq!(
        [
            trieu(&dtts["plan"]),
            trieu(&dtts["carried"]),
            trieu(&dtts["in_year"]),
            trieu(&dtts["disbursed"])
        ],
        [11_335, 3_618, 7_717, 6_544]
    );
    let gnbv = &rec["programs"][1];
    assert_eq!(gnbv["program"], "GNBV");
    assert_eq!(
        [
            trieu(&gnbv["plan"]),
            trieu(&gnbv["carried"]),
            trieu(&gnbv["in_year"]),
            trieu(&gnbv["disbursed"])
        ],
        [9_001, 839, 8_162, 7_102]
    );
    let inv = &s2["capitals"][1];
    assert_eq!(inv["capital"], "investment");
    assert_eq!(trieu(&inv["plan"]), 18_660);
    assert_eq!(trieu(&inv["disbursed"]), 7_951);
    assert_eq!(inv["works"], 23);
    // 42,6% as printed is the rate at one decimal: 0.4261 → 42,61% → 42,6%.
    assert_eq!(inv["rate"], "0.4261");
    assert_eq!(inv["programs"].as_array().unwrap().len(), 1);
    assert_eq!(inv["programs"][0]["program"], "DTTS");

    // The annexes break the same totals down, and their rows add up exactly.
    let amount = |v: &Value, k: &str| -> i64 { v[k].as_str().unwrap().parse().unwrap() };
    for (annex, capital) in [("annex_01", rec), ("annex_02", inv)] {
        let rows = v[annex].as_array().unwrap();
        assert_eq!(rows[0]["kind"], "total");
        for k in ["plan", "carried", "in_year", "disbursed"] {
            assert_eq!(rows[0][k], capital[k], "{annex} total {k}");
            check_children_sum(rows, k, amount);
        }
    }
    let works = v["annex_02"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "works")
        .count();
    assert_eq!(works, 23);
}

/// Every row's children (the following rows one level deeper, up to the next row at its own
/// level or above) sum to it.
fn check_children_sum(rows: &[Value], key: &str, amount: impl Fn(&Value, &str) -> i64) {
    let level = |r: &Value| r["level"].as_u64().unwrap();
    for (i, parent) in rows.iter().enumerate() {
        let mut sum = 0;
        let mut any = false;
        for child in &rows[i + 1..] {
            if level(child) <= level(parent) {
                break;
            }
            if level(child) == level(parent) + 1 {
                sum += amount(child, key);
                any = true;
            }
        }
        if any {
            assert_eq!(sum, amount(parent, key), "children of row {i} ({key})");
        }
    }
}

#[test]
fn the_text_and_markdown_reports_print_section_two_in_the_seeds_words() {
    let (_tmp, db) = common::lung_phinh_store();
    for format in ["text", "md", "html"] {
        let out = ok(socai(
            &db,
            &[
                "report",
                "--as-of",
                AS_OF,
                "--plan-year",
                "2025",
                "--format",
                format,
            ],
        ));
        let text = String::from_utf8(out).unwrap();
        for phrase in [
            // II.1, as the seed words it.
            "bao gồm cả vốn kéo dài: 38.996 triệu đồng",
            "Vốn sự nghiệp: 20.336 triệu đồng (vốn chuyển nguồn: 4.457 triệu đồng, vốn giao trong năm 2025: 15.878 triệu đồng)",
            // Programs by their full names, as the seed prints them (issue 14).
            "(1) Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi: 11.335 triệu đồng (vốn chuyển nguồn: 3.618 triệu đồng, vốn giao trong năm 2025: 7.717 triệu đồng)",
            "(2) Chương trình MTQG giảm nghèo bền vững: 9.001 triệu đồng (vốn chuyển nguồn: 839 triệu đồng, vốn giao trong năm 2025: 8.162 triệu đồng)",
            "Vốn đầu tư phát triển: 18.660 triệu đồng",
            "23 công trình/dự án",
            // II.2.
            "21.597/38.996 triệu đồng, bằng 55,38% KHV",
            "13.646/20.336 triệu đồng (đạt 67,11% KHV)",
            "6.544/11.335 triệu đồng",
            "7.102/9.001 triệu đồng",
            "7.951/18.660 triệu đồng (đạt 42,61% KHV)",
        ] {
            assert!(text.contains(phrase), "{format}: missing {phrase:?}");
        }
        // The rates the seed misprints are shown as the amounts give them.
        assert!(
            text.contains("6.544/11.335 triệu đồng (đạt 57,73% KHV)"),
            "{format}"
        );
        assert!(
            text.contains("7.102/9.001 triệu đồng (đạt 78,91% KHV)"),
            "{format}"
        );
        // Provenance: the pin and how to reproduce it.
        assert!(
            text.contains(&format!(
                "socai report --as-of {AS_OF} --known-at 277 --plan-year 2025 --format {format} --lang vi --unit trieu"
            )),
            "{format}"
        );
    }
}

/// The provenance command printed in an output (any text format).
fn command_in(text: &str) -> String {
    let start = text
        .find("socai report --as-of")
        .expect("a provenance command");
    text[start..]
        .split(['\n', '<', ',', ';', '`', '"'])
        .next()
        .unwrap()
        .trim_end()
        .to_string()
}

fn run_command(db: &Path, command: &str, out: Option<&Path>) -> Vec<u8> {
    let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let out_text;
    if let Some(out) = out {
        out_text = out.to_str().unwrap().to_string();
        args.extend(["--out", out_text.as_str()]);
    }
    let stdout = ok(socai(db, &args));
    match out {
        Some(p) => std::fs::read(p).unwrap(),
        None => stdout,
    }
}

fn xlsx_provenance_command(bytes: &[u8]) -> String {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("Nguồn gốc").unwrap();
    let row = range
        .rows()
        .find(|r| r.get(2) == Some(&Data::String("command".into())))
        .unwrap();
    row[1].to_string()
}

#[test]
fn a_report_is_reproduced_byte_for_byte_after_backdated_events_and_reversals() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let fixture = common::root().join("replay-fixtures/revisions");
    import(&db, &fixture.join("batch-1.jsonl"));
    let base = [
        "report",
        "--as-of",
        "2025-05-31",
        "--plan-year",
        "2025",
        "--format",
    ];
    let mut first = Vec::new();
    for format in ["text", "md", "html", "json", "csv", "xlsx"] {
        let mut args = base.to_vec();
        args.push(format);
        let (bytes, command) = if format == "xlsx" {
            let out = tmp.path().join("first.xlsx");
            args.extend(["--out", out.to_str().unwrap()]);
            assert!(
                ok(socai(&db, &args)).is_empty(),
                "--out writes nothing to stdout"
            );
            let bytes = std::fs::read(&out).unwrap();
            let command = xlsx_provenance_command(&bytes);
            (bytes, command)
        } else {
            let bytes = ok(socai(&db, &args));
            let command = command_in(std::str::from_utf8(&bytes).unwrap());
            (bytes, command)
        };
        assert!(command.contains("--known-at 18 "), "{format}: {command}");
        first.push((format, bytes, command));
    }
    // The moment the report was made, for --known-at as a timestamp.
    let json: Value = serde_json::from_slice(&first[3].1).unwrap();
    let made_at = json["provenance"]["recorded_at"]
        .as_str()
        .unwrap()
        .to_string();

    std::thread::sleep(std::time::Duration::from_millis(20));
    import(&db, &fixture.join("batch-2.jsonl"));

    for (format, bytes, command) in &first {
        let out = (*format == "xlsx").then(|| tmp.path().join("again.xlsx"));
        let again = run_command(&db, command, out.as_deref());
        assert!(again == *bytes, "{format}: `{command}` gives other bytes");
        // Without the pin the figures have moved: the test would notice a pin that is ignored.
        if *format != "xlsx" {
            let mut args = base.to_vec();
            args.push(format);
            assert_ne!(ok(socai(&db, &args)), *bytes, "{format}");
        }
    }
    // The same view named by the recording moment is the same report.
    let by_time = ok(socai(
        &db,
        &[
            "report",
            "--as-of",
            "2025-05-31",
            "--plan-year",
            "2025",
            "--format",
            "text",
            "--known-at",
            &made_at,
        ],
    ));
    assert!(by_time == first[0].1);
}

fn cause_seqs(v: &Value) -> Vec<u64> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

#[test]
fn diff_lists_exactly_the_events_that_changed_the_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let fixture = common::root().join("replay-fixtures/revisions");
    import(&db, &fixture.join("batch-1.jsonl"));
    import(&db, &fixture.join("batch-2.jsonl"));
    let diff = |a: &str, b: &str| -> Value {
        let out = ok(socai(
            &db,
            &[
                "diff",
                "--as-of",
                "2025-05-31",
                "--known-at",
                a,
                "--vs",
                b,
                "--plan-year",
                "2025",
                "--json",
            ],
        ));
        serde_json::from_slice(&out).unwrap()
    };
    let v = diff("18", "26");
    // Batch 2 (sequences 19–26), by hand (replay-fixtures/revisions/README.md):
    // #19 backdated voucher, #20 reverses #17, #21 re-enters it with the right amount, #25 and
    // #26 a backdated move between programs (a withdrawal and an allocation). #22 takes effect
    // after the as-of date; #23 is reversed by #24 in the same batch: neither changes the
    // figures, so neither is listed.
    assert_eq!(cause_seqs(&v), [19, 20, 21, 25, 26]);
    let reversal = &v["events"][1];
    assert_eq!(reversal["type"], "reverse");
    assert_eq!(reversal["reverses"]["seq"], 17);
    assert_eq!(reversal["reverses"]["amount"], "1000000000");
    assert_eq!(reversal["reverses"]["document"]["number"], "PC-103");
    let lines: Vec<(&str, &str, &str, &str, &str)> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_str().unwrap(),
                l["plan_before"].as_str().unwrap(),
                l["plan_after"].as_str().unwrap(),
                l["disbursed_before"].as_str().unwrap(),
                l["disbursed_after"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "2025/DTTS/DT/CTA",
                "3000000000",
                "3000000000",
                "1000000000",
                "100000000"
            ),
            (
                "2025/DTTS/SN/DA1",
                "1500000000",
                "1480000000",
                "400000000",
                "450000000"
            ),
            (
                "2025/GNBV/SN/DA2",
                "800000000",
                "820000000",
                "200000000",
                "200000000"
            ),
        ]
    );
    assert_eq!(v["totals"]["disbursed_before"], "1700000000");
    assert_eq!(v["totals"]["disbursed_after"], "850000000");
    // Each line's causes add up to its change.
    for l in v["lines"].as_array().unwrap() {
        let n = |k: &str| -> i64 { l[k].as_str().unwrap().parse().unwrap() };
        let (mut dp, mut dd) = (0i64, 0i64);
        for c in l["causes"].as_array().unwrap() {
            dp += c["plan_delta"].as_str().unwrap().parse::<i64>().unwrap();
            dd += c["disbursed_delta"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap();
        }
        assert_eq!(dp, n("plan_after") - n("plan_before"));
        assert_eq!(dd, n("disbursed_after") - n("disbursed_before"));
    }
    // Backwards, the same events explain the change the other way.
    let back = diff("26", "18");
    assert_eq!(cause_seqs(&back), [19, 20, 21, 25, 26]);
    assert_eq!(back["totals"]["disbursed_after"], "1700000000");
    // As of a date after #22, it counts; #23 (reversed by #24) still does not.
    let out = ok(socai(
        &db,
        &[
            "diff",
            "--as-of",
            "2025-12-31",
            "--known-at",
            "18",
            "--vs",
            "26",
            "--json",
        ],
    ));
    let later: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(cause_seqs(&later), [19, 20, 21, 22, 25, 26]);
    // Between a point and itself nothing changed.
    let same = diff("25", "25");
    assert!(same["lines"].as_array().unwrap().is_empty());
    assert!(same["events"].as_array().unwrap().is_empty());
}

#[test]
fn known_at_in_the_future_or_malformed_is_a_usage_error() {
    let (_tmp, db) = common::lung_phinh_store();
    // A plain date is the end of that day, Vietnam time (tests/cli_manners.rs); one that is
    // not a date is refused.
    for known_at in ["2999-01-01T00:00:00Z", "yesterday", "2025-11-31", "278"] {
        let o = socai(
            &db,
            &[
                "report",
                "--as-of",
                AS_OF,
                "--plan-year",
                "2025",
                "--known-at",
                known_at,
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{known_at}");
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("known-at"), "{known_at}: {err}");
    }
    // A moment before anything was recorded is the empty ledger.
    let o = ok(socai(
        &db,
        &[
            "balance",
            "--as-of",
            AS_OF,
            "--known-at",
            "2000-01-01T00:00:00Z",
            "--json",
        ],
    ));
    let v: Value = serde_json::from_slice(&o).unwrap();
    assert_eq!(v["known_at"], 0);
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

#[test]
fn the_xlsx_report_reads_back_as_numbers_that_sum() {
    let (tmp, db) = common::lung_phinh_store();
    let out = tmp.path().join("r.xlsx");
    ok(socai(
        &db,
        &[
            "report",
            "--as-of",
            AS_OF,
            "--plan-year",
            "2025",
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let mut wb: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Mục II",
            "Phụ biểu 01",
            "Phụ biểu 02",
            "Tạm ứng",
            "Nguồn gốc"
        ]
    );
    // The hierarchy is drawn (indentation, bold), not a column: the levels come from the
    // plain CSV of the same report, row for row, matched by label.
    let csv = ok(socai(
        &db,
        &[
            "report",
            "--as-of",
            AS_OF,
            "--plan-year",
            "2025",
            "--format",
            "csv",
            "--csv-dialect",
            "plain",
        ],
    ));
    let mut levels: std::collections::BTreeMap<String, Vec<(String, u8)>> = Default::default();
    for r in csv::Reader::from_reader(csv.as_slice()).records() {
        let r = r.unwrap();
        if &r[0] != "provenance" {
            levels
                .entry(r[0].to_string())
                .or_default()
                .push((r[2].to_string(), r[1].parse().unwrap()));
        }
    }
    // Columns: label, carried, in-year, plan, disbursed, rate [, works]; rows after the
    // header row (title, unit and as-of rows come first), each with its level.
    let sheet = |wb: &mut Xlsx<_>, name: &str, key: &str| -> Vec<(u8, Vec<Data>)> {
        let range = wb.worksheet_range(name).unwrap();
        let rows: Vec<Vec<Data>> = range
            .rows()
            .skip_while(|r| r[0] != Data::String("Nội dung".into()))
            .skip(1)
            .map(|r| r.to_vec())
            .collect();
        let want = &levels[key];
        assert_eq!(rows.len(), want.len(), "{name}");
        rows.into_iter()
            .zip(want)
            .map(|(r, (label, level))| {
                assert_eq!(r[0], Data::String(label.clone()), "{name}");
                (*level, r)
            })
            .collect()
    };
    let s2 = sheet(&mut wb, "Mục II", "section_ii");
    // Exact đồng, as numbers: the seed's 38.996 triệu is 38.995.994.600 đồng in this ledger.
    assert_eq!(num(&s2[0].1[3]), 38_995_994_600.0);
    assert_eq!(num(&s2[0].1[4]), 21_597_210_500.0);
    for (_, row) in &s2 {
        assert_eq!(num(&row[1]) + num(&row[2]), num(&row[3]), "{row:?}");
        let rate = num(&row[5]);
        assert!(
            (rate - num(&row[4]) / num(&row[3])).abs() < 1e-12,
            "{row:?}"
        );
    }
    // Section II: the capital rows (level 1) add up to the total; programs to their capital.
    for col in 1..=4 {
        let caps: f64 = s2
            .iter()
            .filter(|(l, _)| *l == 1)
            .map(|(_, r)| num(&r[col]))
            .sum();
        assert_eq!(caps, num(&s2[0].1[col]), "column {col}");
    }
    assert_eq!(num(&s2[4].1[6]), 23.0, "works of the investment row");
    // Annex 02 (issue 13) puts the work's approval and earlier years before this year's plan
    // columns, and adds amounts that sum as well (earlier years, advances, cumulative
    // disbursement, contributions).
    let annexes = [
        ("Phụ biểu 01", "annex_01", 1, 0, vec![1, 2, 3, 4]),
        (
            "Phụ biểu 02",
            "annex_02",
            4,
            5,
            vec![4, 5, 6, 7, 8, 9, 10, 12, 14],
        ),
    ];
    for (name, key, total_row, offset, summed) in annexes {
        let rows = sheet(&mut wb, name, key);
        for col in 1..=4 {
            assert_eq!(
                num(&rows[0].1[col + offset]),
                num(&s2[total_row].1[col]),
                "{name} total, column {col}"
            );
        }
        for col in summed {
            // Every row's children sum to it.
            for (i, (level, parent)) in rows.iter().enumerate() {
                let mut sum = 0.0;
                let mut any = false;
                for (l, child) in &rows[i + 1..] {
                    if l <= level {
                        break;
                    }
                    if *l == level + 1 {
                        sum += num(&child[col]);
                        any = true;
                    }
                }
                if any {
                    assert_eq!(sum, num(&parent[col]), "{name} row {i} column {col}");
                }
            }
        }
    }
    let works = sheet(&mut wb, "Phụ biểu 02", "annex_02")
        .iter()
        .filter(|(l, _)| *l == 2)
        .count();
    assert_eq!(works, 23);
}

#[test]
fn the_fixture_reports_pinned_by_sequence_and_by_moment_are_identical() {
    let dir = common::root().join("replay-fixtures/revisions/expected");
    let by_seq = std::fs::read(dir.join("report-known-at-18.out")).unwrap();
    let by_moment = std::fs::read(dir.join("report-known-at-june-15.out")).unwrap();
    assert!(by_seq == by_moment);
}

#[test]
fn ledger_text_is_escaped_in_html_markdown_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let events = tmp.path().join("e.jsonl");
    let work = r#"<script>alert('x')</script> & "cầu", kè | *mới*"#;
    let open = serde_json::json!({"id":"00000000-0000-4000-8000-000000000001","type":"open_line",
        "effective_date":"2025-01-02","line":"I1","program":"DTTS","capital":"investment",
        "source":"NSTW","plan_year":2025,"origin":"in_year","work":work});
    let alloc = r#"{"id":"00000000-0000-4000-8000-000000000002","type":"allocate","effective_date":"2025-01-03","line":"I1","amount":"1000000","document":{"number":"1","date":"2025-01-03"}}"#;
    std::fs::write(&events, format!("{open}\n{alloc}\n")).unwrap();
    import(&db, &events);
    let report = |format: &str| {
        String::from_utf8(ok(socai(
            &db,
            &[
                "report",
                "--as-of",
                "2025-12-31",
                "--plan-year",
                "2025",
                "--format",
                format,
            ],
        )))
        .unwrap()
    };
    let html = report("html");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains(
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;cầu&quot;, kè | *mới*"
    ));
    let md = report("md");
    assert!(
        md.contains(r#"\<script\>alert('x')\</script\> & "cầu", kè \| \*mới\*"#),
        "{md}"
    );
    let csv = report("csv");
    assert!(
        csv.contains(
            r#"annex_02;2;"<script>alert('x')</script> & ""cầu"", kè | *mới*";0;1;1;0;0,0000;"#
        ),
        "{csv}"
    );
}

/// The oracles the report, chart and dashboard tests compare with (tests/common/vi.rs).
#[test]
fn the_vi_vn_oracles_print_the_seeds_figures() {
    assert_eq!(vi::group(38_996), "38.996");
    assert_eq!(vi::group(-1_234_567), "-1.234.567");
    assert_eq!(vi::group(999), "999");
    assert_eq!(vi::trieu_text(38_995_500_000), "38.996");
    assert_eq!(vi::trieu_text(38_995_499_999), "38.995");
    assert_eq!(vi::trieu(-1_500_000), -2);
    assert_eq!(vi::percent(21_597, 38_996), "55,38%");
    assert_eq!(vi::percent(1, 3), "33,33%");
    assert_eq!(vi::percent(2, 3), "66,67%");
    assert_eq!(vi::percent(1, 20_000), "0,01%"); // 0,005% rounds half away from zero
    assert_eq!(vi::rate_percent("0.7924"), "79,24%");
    assert_eq!(vi::rate_percent("1"), "100,00%");
    assert_eq!(vi::rate_percent("0.05"), "5,00%");
}
