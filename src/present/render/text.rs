//! Plain text and Markdown renderings of a report.

use std::fmt::Write as _;

use super::{
    Provenance, Style, Table, cells, columns, heading, official, prose, provenance_pairs, t, tables,
};
use crate::core::annex::Figures;
use crate::present::vi_format::Lang;

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Writes `head` and `body` as a text table: each column as wide as its widest cell, columns
/// two spaces apart, the columns `right` names aligned right, no trailing spaces.
pub fn aligned<R: AsRef<[String]>>(
    out: &mut String,
    head: &[String],
    body: &[R],
    right: impl Fn(usize) -> bool,
) {
    let rows = || std::iter::once(head).chain(body.iter().map(AsRef::as_ref));
    let widths: Vec<usize> = (0..head.len())
        .map(|i| rows().map(|r| width(&r[i])).max().unwrap_or(0))
        .collect();
    for row in rows() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - width(cell));
            if i > 0 {
                line.push_str("  ");
            }
            match right(i) {
                true => line.push_str(&format!("{pad}{cell}")),
                false => line.push_str(&format!("{cell}{pad}")),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Plain text: aligned columns, sub-rows indented two spaces per level.
pub fn text(figures: &Figures, prov: &Provenance, style: Style) -> String {
    let (title, unit) = heading(figures, prov, style);
    let mut out = official::head_lines(prov, style.lang).join("\n");
    let _ = write!(out, "\n\n{title}\n{unit}\n\n");
    for line in prose(figures, style) {
        out.push_str(&line);
        out.push('\n');
    }
    for table in tables(figures, style) {
        let _ = writeln!(out, "\n{}", table.title);
        let head = columns(style, &table);
        let body: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|r| {
                let mut c = cells(style, r, &table);
                c[0] = format!("{}{}", "  ".repeat(r.level as usize), c[0]);
                c
            })
            .collect();
        aligned(&mut out, &head, &body, |i| i > 0);
    }
    out.push_str(&official::signatures_text(style.lang));
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

/// Escapes the characters Markdown would read as markup.
pub(crate) fn md_escape(s: &str) -> String {
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
    let mut out = String::new();
    for line in official::head_lines(prov, style.lang) {
        // Two trailing spaces: a Markdown line break, so each head line keeps its own line.
        let _ = writeln!(out, "{}  ", md_escape(&line));
    }
    let _ = write!(out, "\n# {}\n\n{}\n", md_escape(&title), md_escape(&unit));
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
        markdown_table(&mut out, &table, style);
    }
    markdown_signatures(&mut out, style.lang);
    markdown_provenance(&mut out, &provenance_pairs(prov, style.lang), style.lang);
    out
}

/// One report table as a Markdown pipe table under its `##` title: rows of level 0 and 1 in
/// bold, indentation by level kept with non-breaking spaces.
pub(crate) fn markdown_table(out: &mut String, table: &Table, style: Style) {
    let _ = writeln!(out, "\n## {}\n", md_escape(&table.title));
    let head = columns(style, table);
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
        let mut c: Vec<String> = cells(style, r, table)
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

/// The signature block as a three-column Markdown table.
pub(crate) fn markdown_signatures(out: &mut String, lang: Lang) {
    let sigs = official::signatures(lang);
    let _ = writeln!(
        out,
        "\n| {} |",
        sigs.map(|s| format!("**{}**", md_escape(s.role)))
            .join(" | ")
    );
    let _ = writeln!(out, "|:---:|:---:|:---:|");
    let _ = writeln!(out, "| {} |", sigs.map(|s| md_escape(s.hint)).join(" | "));
}

/// The provenance as a Markdown list under its `##` title.
pub(crate) fn markdown_provenance(out: &mut String, pairs: &[(&str, String)], lang: Lang) {
    let _ = writeln!(out, "\n## {}\n", t(lang, "Nguồn gốc số liệu", "Provenance"));
    for (k, v) in pairs {
        let _ = writeln!(out, "- {}: `{}`", md_escape(k), v.replace('`', "'"));
    }
}
