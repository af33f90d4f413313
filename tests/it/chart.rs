//! `socai chart s-curve|rates`: the drawn points and printed figures are the ledger's, checked
//! against `socai balance --json` (a different code path) on the plan-2025 fixture.

use crate::common;
// Charts speak Vietnamese by default: these tests read what a user gets without --lang.
use common::socai_default as socai;
use common::vi::percent;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The plan-2025 store: its plan table, then its year of disbursements.
fn plan_store(tmp: &Path) -> PathBuf {
    let db = tmp.join("db");
    for file in ["plan-2025/plan.xlsx", "plan-2025/disbursements.jsonl"] {
        common::import(&db, &common::fixture(file));
    }
    db
}

/// (plan, disbursed) per capital type, per program within a capital type (with `programs`)
/// and in total ("Tổng cộng"), from `socai balance --json`: section II's rows.
fn balance_by_group(
    db: &Path,
    as_of: &str,
    known_at: Option<&str>,
    programs: bool,
) -> BTreeMap<String, (i128, i128)> {
    let mut args = vec!["balance", "--as-of", as_of, "--plan-year", "2025", "--json"];
    if let Some(k) = known_at {
        args.extend(["--known-at", k]);
    }
    let o = socai(db, &args);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = |x: &serde_json::Value| x.as_str().unwrap().parse::<i128>().unwrap();
    let mut out: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    for l in v["lines"].as_array().unwrap() {
        let (capital, short) = match l["capital"].as_str().unwrap() {
            "recurrent" => ("Vốn sự nghiệp", "vốn SN"),
            _ => ("Vốn đầu tư phát triển", "vốn ĐTPT"),
        };
        let mut keys = vec![capital.to_string()];
        if programs {
            keys.push(format!("{} ({short})", l["program"].as_str().unwrap()));
        }
        for k in keys {
            let e = out.entry(k).or_default();
            e.0 += n(&l["plan"]);
            e.1 += n(&l["disbursed"]);
        }
    }
    out.insert(
        "Tổng cộng".into(),
        (n(&v["totals"]["plan"]), n(&v["totals"]["disbursed"])),
    );
    out
}

fn chart(db: &Path, tmp: &Path, args: &[&str]) -> String {
    let out = tmp.join("chart.svg");
    let mut all = vec!["chart"];
    all.extend(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let o = socai(db, &all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

fn metadata(doc: &roxmltree::Document) -> serde_json::Value {
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("metadata") && n.attribute("class") == Some("socai-chart"))
        .expect("the chart carries its figures");
    serde_json::from_str(node.text().unwrap()).unwrap()
}

fn check_s_curve(svg: &str, expected: &BTreeMap<String, (i128, i128)>) {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let meta = metadata(&doc);
    let g = &meta["geometry"];
    let (x_end, y0, y100) = (
        g["x_end"].as_f64().unwrap(),
        g["y0"].as_f64().unwrap(),
        g["y100"].as_f64().unwrap(),
    );
    let lines: Vec<Vec<(f64, f64)>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect();
    let series = meta["series"].as_array().unwrap();
    let days = meta["days"].as_u64().unwrap() as usize;
    let x0 = g["x0"].as_f64().unwrap();
    // One curve per program with a plan, then the total: one point per day. (Axes, ticks and
    // legend swatches are short polylines too.)
    let curves: Vec<&Vec<(f64, f64)>> = lines.iter().filter(|l| l.len() == days).collect();
    assert_eq!(series.len(), expected.len());
    assert_eq!(curves.len(), expected.len(), "{} curves", curves.len());
    // The plan at 100%, across the whole axis.
    assert!(
        lines.iter().any(|l| l.len() == 2
            && (l[0].0 - x0).abs() < 1.5
            && (l[1].0 - x_end).abs() < 1.5
            && l.iter().all(|(_, y)| (y - y100).abs() < 0.5)),
        "no plan line at 100%"
    );
    let names: Vec<&str> = series.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.last(), Some(&"Tổng cộng"));
    for (s, line) in series.iter().zip(curves) {
        let name = s["name"].as_str().unwrap();
        let (plan, disbursed) = expected[name];
        assert_eq!(s["plan"], plan.to_string(), "{name}");
        assert_eq!(s["disbursed"], disbursed.to_string(), "{name}");
        // The curve ends at the as-of date, at the share of plan the ledger reports.
        let (x, y) = *line.last().unwrap();
        assert!(
            (x - x_end).abs() < 0.5,
            "{name}: last x {x}, axis end {x_end}"
        );
        let want = y0 + (y100 - y0) * (disbursed as f64 / plan as f64);
        assert!(
            (y - want).abs() <= 1.0,
            "{name}: last y {y}, expected {want}"
        );
        // It starts at 1 January with nothing disbursed (the fixture's first voucher is in February).
        assert!(
            (line[0].1 - y0).abs() < 0.5,
            "{name} starts at {}",
            line[0].1
        );
        // Cumulative money only falls with a refund: never below zero, and the legend says the figures.
        assert!(line.iter().all(|(_, y)| *y <= y0 + 0.5));
        let legend = format!("{name}: ");
        assert!(svg.contains(&legend), "{legend}");
        assert!(
            svg.contains(&percent(disbursed, plan)),
            "{name}: {}",
            percent(disbursed, plan)
        );
    }
}

#[test]
fn the_s_curve_ends_at_each_capital_types_disbursement_rate() {
    let tmp = tempfile::tempdir().unwrap();
    let db = plan_store(tmp.path());
    let svg = chart(
        &db,
        tmp.path(),
        &["s-curve", "--plan-year", "2025", "--as-of", "2025-11-20"],
    );
    let expected = balance_by_group(&db, "2025-11-20", None, false);
    assert_eq!(expected.len(), 3, "two capital types and the total");
    check_s_curve(&svg, &expected);
    // Month ticks: the first of each month, not evenly spaced days.
    for month in 1..=11 {
        assert!(
            svg.contains(&format!(">\n{month:02}/2025\n<")),
            "tick {month:02}/2025"
        );
    }
    assert!(!svg.contains(">\n20/02\n<"), "day ticks");
    for text in [
        "Giải ngân lũy kế so với kế hoạch vốn năm 2025 (đến ngày 20/11/2025)",
        "Tỷ lệ giải ngân lũy kế so với kế hoạch (%)",
        "Kế hoạch vốn (100%)",
        "7.450 / 9.402 triệu đồng (79,24%)",
    ] {
        assert!(svg.contains(text), "{text:?} missing");
    }
    // An earlier knowledge point (before the duplicated voucher was reversed) is drawn as known then.
    let svg = chart(
        &db,
        tmp.path(),
        &[
            "s-curve",
            "--plan-year",
            "2025",
            "--as-of",
            "2025-11-20",
            "--known-at",
            "35",
        ],
    );
    let then = balance_by_group(&db, "2025-11-20", Some("35"), false);
    assert_ne!(
        then["Vốn đầu tư phát triển"],
        expected["Vốn đầu tư phát triển"]
    );
    check_s_curve(&svg, &then);
    // Mid-year: the curve stops at the as-of date.
    let svg = chart(
        &db,
        tmp.path(),
        &["s-curve", "--plan-year", "2025", "--as-of", "2025-06-30"],
    );
    check_s_curve(&svg, &balance_by_group(&db, "2025-06-30", None, false));
}

#[test]
fn the_rates_chart_draws_one_bar_per_section_two_row_with_vi_vn_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let db = plan_store(tmp.path());
    let svg = chart(
        &db,
        tmp.path(),
        &["rates", "--plan-year", "2025", "--as-of", "2025-11-20"],
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let meta = metadata(&doc);
    let expected = balance_by_group(&db, "2025-11-20", None, true);
    let y0 = meta["geometry"]["y0"].as_f64().unwrap();
    let y100 = meta["geometry"]["y100"].as_f64().unwrap();
    // Bars: filled rectangles other than the white background and the legend-free mesh.
    let bars: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") != Some("#FFFFFF"))
        .map(|n| {
            let y: f64 = n.attribute("y").unwrap().parse().unwrap();
            let h: f64 = n.attribute("height").unwrap().parse().unwrap();
            (y, y + h)
        })
        .collect();
    assert_eq!(bars.len(), expected.len());
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for (s, (top, bottom)) in meta["series"].as_array().unwrap().iter().zip(&bars) {
        let name = s["name"].as_str().unwrap();
        let (plan, disbursed) = expected[name];
        assert!((bottom - y0).abs() <= 1.0, "{name} bar starts at {bottom}");
        let want = y0 + (y100 - y0) * (disbursed as f64 / plan as f64);
        assert!(
            (top - want).abs() <= 1.0,
            "{name}: bar top {top}, expected {want}"
        );
        assert!(
            texts.contains(&percent(disbursed, plan)),
            "{name}: {texts:?}"
        );
        assert!(texts.contains(&name.to_string()), "{name}");
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Tỷ lệ giải ngân theo loại vốn và chương trình"))
    );
    assert!(texts.iter().any(|t| t == "7.450 / 9.402 tr.đ"), "{texts:?}");
    // Every charted rate is printed in the report of the same view (section II's rows).
    let o = socai(
        &db,
        &["report", "--as-of", "2025-11-20", "--plan-year", "2025"],
    );
    let report = String::from_utf8(o.stdout).unwrap();
    let section_two = &report[..report.find("Phụ biểu").unwrap_or(report.len())];
    for (name, (plan, disbursed)) in &expected {
        assert!(
            section_two.contains(&percent(*disbursed, *plan)),
            "{name}: {} not in section II",
            percent(*disbursed, *plan)
        );
    }
}

#[test]
fn charts_refuse_what_they_cannot_draw() {
    let tmp = tempfile::tempdir().unwrap();
    let db = plan_store(tmp.path());
    let png = tmp.path().join("c.png");
    let o = socai(
        &db,
        &[
            "chart",
            "rates",
            "--plan-year",
            "2025",
            "--out",
            png.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SVG"));
    assert!(!png.exists());
    let svg = tmp.path().join("c.svg");
    let o = socai(
        &db,
        &[
            "chart",
            "s-curve",
            "--plan-year",
            "2025",
            "--as-of",
            "2024-12-31",
            "--out",
            svg.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("before the plan year"));
    // The default as-of date is the plan year's end.
    let text = chart(&db, tmp.path(), &["s-curve", "--plan-year", "2025"]);
    assert!(text.contains("(đến ngày 31/12/2025)"));
}

#[test]
fn the_html_report_embeds_both_charts_for_its_own_view_and_language() {
    let tmp = tempfile::tempdir().unwrap();
    let db = plan_store(tmp.path());
    let report = |lang: &str, known_at: &str| {
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
                "--lang",
                lang,
                "--known-at",
                known_at,
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let svgs = |html: &str| -> Vec<String> {
        html.match_indices("<svg")
            .map(|(i, _)| {
                let end = html[i..].find("</svg>").unwrap() + i + "</svg>".len();
                html[i..end].to_string()
            })
            .collect()
    };
    // At sequence 35 the duplicated voucher still counts: the charts show that view, not the head.
    let html = report("vi", "35");
    assert!(html.contains("<h2>Biểu đồ</h2>"), "{html}");
    let charts = svgs(&html);
    assert_eq!(charts.len(), 2);
    check_s_curve(
        &charts[0],
        &balance_by_group(&db, "2025-11-20", Some("35"), false),
    );
    let rates = roxmltree::Document::parse(&charts[1]).unwrap();
    assert_eq!(metadata(&rates)["chart"], "rates");
    assert_eq!(metadata(&rates)["known_at"], 35);
    // In English: English labels and en-US number formats.
    let html = report("en", "36");
    assert!(html.contains("<h2>Charts</h2>"));
    let charts = svgs(&html);
    assert!(
        charts[0]
            .contains("Cumulative disbursement against the 2025 capital plan (as of 2025-11-20)")
    );
    assert!(
        charts[0].contains("Total: 7,450 / 9,402 million VND (79.24%)"),
        "{}",
        &charts[0]
    );
    assert!(charts[1].contains("79.24%"));
    let doc = roxmltree::Document::parse(&charts[1]).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"Total"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("Tổng cộng")), "{texts:?}");
}
