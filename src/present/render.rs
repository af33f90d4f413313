//! Renders the figures of `annex` as a report: text, Markdown, HTML, JSON and CSV (xlsx lives in
//! `xlsx`). Every renderer draws the same tables, built once by `tables`; rounding happens
//! here at display, each figure on its own, through `vi_format`.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::core::annex::{self, CapitalFigures, Figures, Row, RowKind, Split};
use crate::core::event::Capital;
use crate::core::money::{self, rate_text};
use crate::core::projection::Totals;
use crate::present::vi_format::{Lang, Unit, amount, number, ratio_percent};
use crate::storage::Hash;

/// Decimals of a percentage in reports (the seed prints 55,38%).
pub const RATE_DECIMALS: u32 = 2;

/// Where the figures come from and how to get them again.
#[derive(Clone, Debug)]
pub struct Provenance {
    pub as_of: NaiveDate,
    pub plan_year: i32,
    pub known_at: u64,
    /// When the event at `known_at` was recorded (`None` when nothing is known).
    pub recorded_at: Option<DateTime<Utc>>,
    /// Hash of the event at `known_at`.
    pub head_hash: Option<Hash>,
    /// The command that prints this report again, with a numeric `--known-at`.
    pub command: String,
}

impl Provenance {
    pub fn recorded_text(&self) -> String {
        self.recorded_at.map_or("-".to_string(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        })
    }
    pub fn hash_text(&self) -> String {
        self.head_hash.map_or("-".to_string(), hex::encode)
    }
}

/// How figures are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub lang: Lang,
    pub unit: Unit,
}

/// One table of the report, the same for every renderer.
#[derive(Clone, Debug)]
pub struct Table {
    /// Stable key (CSV `table` column, JSON).
    pub key: &'static str,
    pub title: String,
    pub works_column: bool,
    pub rows: Vec<TableRow>,
}

#[derive(Clone, Debug)]
pub struct TableRow {
    pub level: u8,
    pub label: String,
    pub split: Split,
    pub works: Option<usize>,
}

fn t(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// Column headers: label, plan carried over/extended, plan in-year, plan total, disbursed,
/// rate, and (section II) works.
pub fn columns(style: Style, works: bool) -> Vec<String> {
    let lang = style.lang;
    let mut c = vec![
        t(lang, "Nội dung", "Item").to_string(),
        t(
            lang,
            "KH chuyển nguồn/kéo dài",
            "Plan carried over/extended",
        )
        .to_string(),
        t(lang, "KH giao trong năm", "Plan in-year").to_string(),
        t(lang, "Tổng KH vốn", "Plan total").to_string(),
        t(lang, "Giải ngân", "Disbursed").to_string(),
        t(lang, "Tỷ lệ GN", "Rate").to_string(),
    ];
    if works {
        c.push(t(lang, "Số công trình", "Works").to_string());
    }
    c
}

fn capital_label(lang: Lang, capital: Capital) -> &'static str {
    match capital {
        Capital::Recurrent => t(lang, "Vốn sự nghiệp", "Recurrent funds (vốn sự nghiệp)"),
        Capital::Investment => t(
            lang,
            "Vốn đầu tư phát triển",
            "Development investment (vốn ĐTPT)",
        ),
    }
}

fn annex_label(lang: Lang, row: &Row) -> String {
    let missing = |s: &Option<String>, vi, en| s.clone().unwrap_or_else(|| t(lang, vi, en).into());
    match row.kind {
        RowKind::Total => t(lang, "Tổng cộng", "Total").to_string(),
        RowKind::Program => missing(&row.program, "", ""),
        RowKind::Project => missing(&row.project, "(không thuộc dự án)", "(no project)"),
        RowKind::Subproject => missing(&row.subproject, "", ""),
        RowKind::OtherLines => t(lang, "(khác)", "(other lines)").to_string(),
        RowKind::Works => missing(&row.works, "", ""),
    }
}

/// The three tables of the report: section II, phụ biểu 01, phụ biểu 02.
pub fn tables(figures: &Figures, style: Style) -> Vec<Table> {
    let lang = style.lang;
    let mut s2 = vec![TableRow {
        level: 0,
        label: t(
            lang,
            "Tổng các CT MTQG (gồm vốn kéo dài)",
            "All programs (incl. carried-over and extended funds)",
        )
        .to_string(),
        split: figures.all,
        works: None,
    }];
    for c in &figures.capitals {
        let inv = c.capital == Capital::Investment;
        s2.push(TableRow {
            level: 1,
            label: capital_label(lang, c.capital).to_string(),
            split: c.split,
            works: inv.then_some(c.works),
        });
        for p in &c.programs {
            s2.push(TableRow {
                level: 2,
                label: p.program.clone(),
                split: p.split,
                works: inv.then_some(p.works),
            });
        }
    }
    let annex = |rows: &[Row]| {
        rows.iter()
            .map(|r| TableRow {
                level: r.level,
                label: annex_label(lang, r),
                split: r.split,
                works: None,
            })
            .collect()
    };
    vec![
        Table {
            key: "section_ii",
            title: t(
                lang,
                "Mục II. Kế hoạch vốn và giải ngân",
                "Section II. Capital plan and disbursement",
            )
            .to_string(),
            works_column: true,
            rows: s2,
        },
        Table {
            key: "annex_01",
            title: t(
                lang,
                "Phụ biểu 01. Vốn sự nghiệp theo chương trình, dự án, tiểu dự án",
                "Annex 01. Recurrent funds by program, project, sub-project",
            )
            .to_string(),
            works_column: false,
            rows: annex(&figures.annex01),
        },
        Table {
            key: "annex_02",
            title: t(
                lang,
                "Phụ biểu 02. Vốn đầu tư phát triển theo công trình",
                "Annex 02. Development investment by works",
            )
            .to_string(),
            works_column: false,
            rows: annex(&figures.annex02),
        },
    ]
}

/// The cells of a row as displayed: label first, then the figures.
pub fn cells(style: Style, row: &TableRow, works_column: bool) -> Vec<String> {
    let a = |d: Decimal| amount(d, style.unit, style.lang);
    let total = row.split.total();
    let mut c = vec![
        row.label.clone(),
        a(row.split.carried.plan),
        a(row.split.in_year.plan),
        a(total.plan),
        a(total.disbursed),
        ratio_percent(annex::ratio(total), RATE_DECIMALS, style.lang),
    ];
    if works_column {
        c.push(row.works.map_or(String::new(), |w| w.to_string()));
    }
    c
}

fn date_text(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.to_string(),
    }
}

fn heading(figures: &Figures, prov: &Provenance, style: Style) -> (String, String) {
    let lang = style.lang;
    let title = match lang {
        Lang::Vi => format!(
            "Báo cáo kế hoạch vốn và giải ngân các Chương trình MTQG năm {}, số liệu đến hết ngày {}",
            figures.plan_year,
            date_text(lang, prov.as_of)
        ),
        Lang::En => format!(
            "National Target Programs: capital plan and disbursement, plan year {}, as of the end of {}",
            figures.plan_year, prov.as_of
        ),
    };
    let unit = match lang {
        Lang::Vi => format!(
            "Đơn vị: {}; mỗi số được làm tròn riêng (tổng đã làm tròn có thể khác tổng các số đã làm tròn).",
            style.unit.label(lang)
        ),
        Lang::En => format!(
            "Unit: {}; each figure is rounded on its own (rounded parts need not add up to the rounded total).",
            style.unit.label(lang)
        ),
    };
    (title, unit)
}

/// Provenance as (label, value) pairs, in display order.
fn provenance_pairs(prov: &Provenance, lang: Lang) -> Vec<(&'static str, String)> {
    vec![
        (
            t(lang, "Số liệu đến hết ngày", "As of (end of day)"),
            prov.as_of.to_string(),
        ),
        (
            t(lang, "Năm kế hoạch", "Plan year"),
            prov.plan_year.to_string(),
        ),
        (
            t(lang, "Theo sổ đến sự kiện", "Known at sequence"),
            prov.known_at.to_string(),
        ),
        (
            t(
                lang,
                "Sự kiện đó được ghi lúc",
                "That event was recorded at",
            ),
            prov.recorded_text(),
        ),
        (t(lang, "Mã băm đầu chuỗi", "Head hash"), prov.hash_text()),
        (
            t(lang, "Lệnh tái lập", "Reproduce with"),
            prov.command.clone(),
        ),
    ]
}

/// Section II in the seed's own sentences (II.1 plan, II.2 disbursement).
fn prose(figures: &Figures, style: Style) -> Vec<String> {
    let lang = style.lang;
    let unit = style.unit.label(lang);
    let a = |d: Decimal| amount(d, style.unit, lang);
    let pct = |tot: Totals| ratio_percent(annex::ratio(tot), RATE_DECIMALS, lang);
    let year = figures.plan_year;
    let mut out = Vec::new();
    let all = figures.all.total();
    let plan_line = |label: &str, c: &Split, works: Option<usize>, carried_word: &str| {
        let works = works.map_or(String::new(), |w| match lang {
            Lang::Vi => format!(", {w} công trình/dự án"),
            Lang::En => format!(", {w} works"),
        });
        match lang {
            Lang::Vi => format!(
                "{label}: {} {unit} ({carried_word}: {} {unit}, vốn giao trong năm {year}: {} {unit}){works}",
                a(c.total().plan),
                a(c.carried.plan),
                a(c.in_year.plan)
            ),
            Lang::En => format!(
                "{label}: {} {unit} ({carried_word}: {} {unit}, assigned in {year}: {} {unit}){works}",
                a(c.total().plan),
                a(c.carried.plan),
                a(c.in_year.plan)
            ),
        }
    };
    let disb_line = |label: &str, tot: Totals| match lang {
        Lang::Vi => format!(
            "{label}: {}/{} {unit} (đạt {} KHV)",
            a(tot.disbursed),
            a(tot.plan),
            pct(tot)
        ),
        Lang::En => format!(
            "{label}: {}/{} {unit} ({} of plan)",
            a(tot.disbursed),
            a(tot.plan),
            pct(tot)
        ),
    };
    let carried_word = |c: &CapitalFigures| match (c.capital, lang) {
        (Capital::Recurrent, Lang::Vi) => "vốn chuyển nguồn",
        (Capital::Investment, Lang::Vi) => "vốn kéo dài",
        (Capital::Recurrent, Lang::En) => "carried over",
        (Capital::Investment, Lang::En) => "extended",
    };
    out.push(match lang {
        Lang::Vi => format!(
            "II.1. Tổng kế hoạch vốn các CT MTQG năm {year} bao gồm cả vốn kéo dài: {} {unit}. Trong đó:",
            a(all.plan)
        ),
        Lang::En => format!(
            "II.1. Total capital plan of the programs for {year}, incl. extended funds: {} {unit}. Of which:",
            a(all.plan)
        ),
    });
    for c in &figures.capitals {
        let inv = c.capital == Capital::Investment;
        out.push(format!(
            "+ {}",
            plan_line(
                capital_label(lang, c.capital),
                &c.split,
                inv.then_some(c.works),
                carried_word(c)
            )
        ));
        for (i, p) in c.programs.iter().enumerate() {
            out.push(format!(
                "  ({}) {}",
                i + 1,
                plan_line(
                    &p.program,
                    &p.split,
                    inv.then_some(p.works),
                    carried_word(c)
                )
            ));
        }
    }
    out.push(match lang {
        Lang::Vi => format!(
            "II.2. Kết quả giải ngân: {}/{} {unit}, bằng {} KHV. Trong đó:",
            a(all.disbursed),
            a(all.plan),
            pct(all)
        ),
        Lang::En => format!(
            "II.2. Disbursed: {}/{} {unit}, {} of plan. Of which:",
            a(all.disbursed),
            a(all.plan),
            pct(all)
        ),
    });
    for c in &figures.capitals {
        out.push(format!(
            "+ {}",
            disb_line(capital_label(lang, c.capital), c.split.total())
        ));
        for (i, p) in c.programs.iter().enumerate() {
            out.push(format!(
                "  ({}) {}",
                i + 1,
                disb_line(&p.program, p.split.total())
            ));
        }
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Plain text: aligned columns, sub-rows indented two spaces per level.
pub fn text(figures: &Figures, prov: &Provenance, style: Style) -> String {
    let (title, unit) = heading(figures, prov, style);
    let mut out = format!("{title}\n{unit}\n\n");
    for line in prose(figures, style) {
        out.push_str(&line);
        out.push('\n');
    }
    for table in tables(figures, style) {
        let _ = writeln!(out, "\n{}", table.title);
        let head = columns(style, table.works_column);
        let body: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|r| {
                let mut c = cells(style, r, table.works_column);
                c[0] = format!("{}{}", "  ".repeat(r.level as usize), c[0]);
                c
            })
            .collect();
        let widths: Vec<usize> = (0..head.len())
            .map(|i| {
                body.iter()
                    .map(|r| width(&r[i]))
                    .chain([width(&head[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in std::iter::once(&head).chain(body.iter()) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = " ".repeat(widths[i] - width(cell));
                if i == 0 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str("  ");
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        t(style.lang, "Nguồn gốc số liệu", "Provenance")
    );
    for (k, v) in provenance_pairs(prov, style.lang) {
        let _ = writeln!(out, "  {k}: {v}");
    }
    out
}

fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown: the prose as a list, one pipe table per table, provenance as a list.
pub fn markdown(figures: &Figures, prov: &Provenance, style: Style) -> String {
    let (title, unit) = heading(figures, prov, style);
    let mut out = format!("# {}\n\n{}\n", md_escape(&title), md_escape(&unit));
    for line in prose(figures, style) {
        // "II.x." heads a paragraph; "+ " items are a list; indented "(n)" items nest in it.
        if let Some(item) = line.strip_prefix("+ ") {
            let _ = writeln!(out, "- {}", md_escape(item));
        } else if line.starts_with(' ') {
            let _ = writeln!(out, "  - {}", md_escape(line.trim_start()));
        } else {
            let _ = writeln!(out, "\n{}\n", md_escape(&line));
        }
    }
    for table in tables(figures, style) {
        let _ = writeln!(out, "\n## {}\n", md_escape(&table.title));
        let head = columns(style, table.works_column);
        let _ = writeln!(
            out,
            "| {} |",
            head.iter()
                .map(|h| md_escape(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(out, "|---|{}", "---:|".repeat(head.len().saturating_sub(1)));
        for r in &table.rows {
            let mut c: Vec<String> = cells(style, r, table.works_column)
                .iter()
                .map(|s| md_escape(s))
                .collect();
            if r.level <= 1 {
                c[0] = format!("**{}**", c[0]);
            }
            // Indentation that survives Markdown: non-breaking spaces, outside the emphasis.
            c[0] = format!("{}{}", "\u{a0}\u{a0}".repeat(r.level as usize), c[0]);
            let _ = writeln!(out, "| {} |", c.join(" | "));
        }
    }
    let _ = writeln!(
        out,
        "\n## {}\n",
        t(style.lang, "Nguồn gốc số liệu", "Provenance")
    );
    for (k, v) in provenance_pairs(prov, style.lang) {
        let _ = writeln!(out, "- {}: `{}`", md_escape(k), v.replace('`', "'"));
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A standalone HTML page, rendered as strings; every text from the ledger is escaped.
/// `charts` are SVG documents (from `chart`, which escapes its own text) embedded inline.
pub fn html(figures: &Figures, prov: &Provenance, style: Style, charts: &[String]) -> String {
    let (title, unit) = heading(figures, prov, style);
    let e = html_escape;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:2px 6px}}\
         td.n{{text-align:right}}tr.l0,tr.l1{{font-weight:bold}}</style>\n</head>\n<body>",
        style.lang.as_str(),
        e(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>\n<p>{}</p>", e(&title), e(&unit));
    let _ = writeln!(out, "<div class=\"prose\">");
    for line in prose(figures, style) {
        let _ = writeln!(out, "<p>{}</p>", e(line.trim_start()));
    }
    let _ = writeln!(out, "</div>");
    for table in tables(figures, style) {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<table id=\"{}\">\n<thead><tr>{}</tr></thead>\n<tbody>",
            e(&table.title),
            table.key,
            columns(style, table.works_column)
                .iter()
                .map(|h| format!("<th>{}</th>", e(h)))
                .collect::<String>()
        );
        for r in &table.rows {
            let c = cells(style, r, table.works_column);
            let mut line = format!(
                "<tr class=\"l{}\"><td style=\"padding-left:{}em\">{}</td>",
                r.level,
                r.level,
                e(&c[0])
            );
            for cell in &c[1..] {
                let _ = write!(line, "<td class=\"n\">{}</td>", e(cell));
            }
            line.push_str("</tr>");
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "</tbody>\n</table>");
    }
    if !charts.is_empty() {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<div class=\"charts\">",
            t(style.lang, "Biểu đồ", "Charts")
        );
        for svg in charts {
            let _ = writeln!(out, "<figure>\n{}\n</figure>", svg.trim_end());
        }
        let _ = writeln!(out, "</div>");
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<dl class=\"provenance\">",
        t(style.lang, "Nguồn gốc số liệu", "Provenance")
    );
    for (k, v) in provenance_pairs(prov, style.lang) {
        let _ = writeln!(out, "<dt>{}</dt><dd><code>{}</code></dd>", e(k), e(&v));
    }
    let _ = writeln!(out, "</dl>\n</body>\n</html>");
    out
}

fn rate_json(t: Totals) -> Value {
    rate_text(money::rate(t.disbursed, t.plan)).map_or(Value::Null, Value::String)
}

fn split_json(s: &Split) -> serde_json::Map<String, Value> {
    let total = s.total();
    let mut m = serde_json::Map::new();
    m.insert("carried".into(), s.carried.plan.to_string().into());
    m.insert("in_year".into(), s.in_year.plan.to_string().into());
    m.insert("plan".into(), total.plan.to_string().into());
    m.insert(
        "disbursed_carried".into(),
        s.carried.disbursed.to_string().into(),
    );
    m.insert(
        "disbursed_in_year".into(),
        s.in_year.disbursed.to_string().into(),
    );
    m.insert("disbursed".into(), total.disbursed.to_string().into());
    // The closing columns of issue 12 (what left the lines at their close is not a cut of
    // the plan).
    m.insert("carried_out".into(), total.carried_out.to_string().into());
    m.insert("lapsed".into(), total.lapsed.to_string().into());
    m.insert(
        "recovered_after_close".into(),
        total.recovered_after_close.to_string().into(),
    );
    m.insert("available".into(), total.available().to_string().into());
    m.insert("rate".into(), rate_json(total));
    m
}

fn row_json(r: &Row) -> Value {
    let kind = match r.kind {
        RowKind::Total => "total",
        RowKind::Program => "program",
        RowKind::Project => "project",
        RowKind::Subproject => "subproject",
        RowKind::OtherLines => "other_lines",
        RowKind::Works => "works",
    };
    let mut m = serde_json::Map::new();
    m.insert("level".into(), r.level.into());
    m.insert("kind".into(), kind.into());
    for (k, v) in [
        ("program", &r.program),
        ("project", &r.project),
        ("subproject", &r.subproject),
        ("works", &r.works),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone().into());
        }
    }
    m.extend(split_json(&r.split));
    Value::Object(m)
}

/// The machine form: exact đồng as strings and 4-decimal rates, whatever `--unit` and `--lang`.
pub fn json(figures: &Figures, prov: &Provenance) -> Value {
    let capitals: Vec<Value> = figures
        .capitals
        .iter()
        .map(|c| {
            let mut m = serde_json::Map::new();
            m.insert("capital".into(), c.capital.as_str().into());
            m.extend(split_json(&c.split));
            if c.capital == Capital::Investment {
                m.insert("works".into(), c.works.into());
            }
            let programs: Vec<Value> = c
                .programs
                .iter()
                .map(|p| {
                    let mut pm = serde_json::Map::new();
                    pm.insert("program".into(), p.program.clone().into());
                    pm.extend(split_json(&p.split));
                    if c.capital == Capital::Investment {
                        pm.insert("works".into(), p.works.into());
                    }
                    Value::Object(pm)
                })
                .collect();
            m.insert("programs".into(), programs.into());
            Value::Object(m)
        })
        .collect();
    json!({
        "provenance": {
            "as_of": prov.as_of.to_string(),
            "plan_year": prov.plan_year,
            "known_at": prov.known_at,
            "recorded_at": prov.recorded_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            "head_hash": prov.head_hash.map(hex::encode),
            "command": prov.command,
        },
        "amounts": "đồng",
        "section_ii": {
            "total": Value::Object(split_json(&figures.all)),
            "capitals": capitals,
        },
        "annex_01": figures.annex01.iter().map(row_json).collect::<Vec<_>>(),
        "annex_02": figures.annex02.iter().map(row_json).collect::<Vec<_>>(),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV (RFC 4180): one header, then provenance rows and every table's rows, tagged by `table`.
/// Amounts are in `--unit`, rounded to its precision, with a "." decimal point and no
/// grouping; rates are fractions with 4 decimals (0.5538), as in JSON.
pub fn csv(figures: &Figures, prov: &Provenance, style: Style) -> String {
    let mut out = String::from("table,level,label,carried,in_year,plan,disbursed,rate,works\r\n");
    let plain = |d: Decimal| {
        number(d / style.unit.divisor(), style.unit.decimals(), Lang::En).replace(',', "")
    };
    for (k, v) in [
        ("as_of", prov.as_of.to_string()),
        ("plan_year", prov.plan_year.to_string()),
        ("known_at", prov.known_at.to_string()),
        ("recorded_at", prov.recorded_text()),
        ("head_hash", prov.hash_text()),
        ("command", prov.command.clone()),
        ("unit", style.unit.as_str().to_string()),
    ] {
        let _ = write!(
            out,
            "provenance,,{},,,,,,\r\n",
            csv_field(&format!("{k}={v}"))
        );
    }
    for table in tables(figures, style) {
        for r in &table.rows {
            let total = r.split.total();
            let _ = write!(
                out,
                "{},{},{},{},{},{},{},{},{}\r\n",
                table.key,
                r.level,
                csv_field(&r.label),
                plain(r.split.carried.plan),
                plain(r.split.in_year.plan),
                plain(total.plan),
                plain(total.disbursed),
                rate_text(money::rate(total.disbursed, total.plan)).unwrap_or_default(),
                r.works.map_or(String::new(), |w| w.to_string()),
            );
        }
    }
    out
}
