//! The standalone HTML page of a report.

use std::fmt::Write as _;

use super::{
    Provenance, Style, Table, cells, columns, heading, official, prose, provenance_pairs, t, tables,
};
use crate::core::annex::Figures;
use crate::present::vi_format::Lang;

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

/// The look of every report table: collapsed borders, figures right-aligned, the top rows bold.
const TABLE_CSS: &str = "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}\
     td.n{text-align:right}tr.l0,tr.l1{font-weight:bold}";

/// The start of a standalone report page, up to `<body>`: its language, its title (escaped
/// here), the tables' look and then `css`.
pub(crate) fn page_start(out: &mut String, lang: Lang, title: &str, css: &str) {
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{TABLE_CSS}{css}</style>\n</head>\n<body>",
        lang.as_str(),
        html_escape(title)
    );
}

/// A standalone HTML page, rendered as strings; every text from the ledger is escaped.
/// `charts` are SVG documents (from `chart`, which escapes its own text) embedded inline.
pub fn html(figures: &Figures, prov: &Provenance, style: Style, charts: &[String]) -> String {
    let (title, unit) = heading(figures, prov, style);
    let e = html_escape;
    let mut out = String::new();
    page_start(&mut out, style.lang, &title, "");
    let _ = writeln!(out, "<header class=\"official\">");
    for line in official::head_lines(prov, style.lang) {
        let _ = writeln!(out, "<p>{}</p>", e(&line));
    }
    let _ = writeln!(out, "</header>");
    let _ = writeln!(out, "<h1>{}</h1>\n<p>{}</p>", e(&title), e(&unit));
    let _ = writeln!(out, "<div class=\"prose\">");
    for line in prose(figures, style) {
        let _ = writeln!(out, "<p>{}</p>", e(line.trim_start()));
    }
    let _ = writeln!(out, "</div>");
    for table in tables(figures, style) {
        html_table(&mut out, &table, style);
    }
    html_signatures(&mut out, style.lang);
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
    html_provenance(&mut out, &provenance_pairs(prov, style.lang), style.lang);
    let _ = writeln!(out, "</body>\n</html>");
    out
}

/// One report table under its `<h2>` title, with the table's key as its id.
pub(crate) fn html_table(out: &mut String, table: &Table, style: Style) {
    let e = html_escape;
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table id=\"{}\">\n<thead><tr>{}</tr></thead>\n<tbody>",
        e(&table.title),
        table.key,
        columns(style, table)
            .iter()
            .map(|h| format!("<th>{}</th>", e(h)))
            .collect::<String>()
    );
    for r in &table.rows {
        let c = cells(style, r, table);
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

/// The signature block: three columns, room to sign below each.
pub(crate) fn html_signatures(out: &mut String, lang: Lang) {
    let _ = writeln!(out, "<table class=\"signatures\"><tr>");
    for s in official::signatures(lang) {
        let _ = writeln!(
            out,
            "<td><b>{}</b><br><i>{}</i><br><br><br><br></td>",
            html_escape(s.role),
            html_escape(s.hint)
        );
    }
    let _ = writeln!(out, "</tr></table>");
}

/// The provenance as a definition list under its `<h2>` title.
pub(crate) fn html_provenance(out: &mut String, pairs: &[(&str, String)], lang: Lang) {
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<dl class=\"provenance\">",
        t(lang, "Nguồn gốc số liệu", "Provenance")
    );
    for (k, v) in pairs {
        let _ = writeln!(
            out,
            "<dt>{}</dt><dd><code>{}</code></dd>",
            html_escape(k),
            html_escape(v)
        );
    }
    let _ = writeln!(out, "</dl>");
}
