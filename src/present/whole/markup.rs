//! The whole report as Markdown and as a standalone HTML page: the same `Whole`, drawn with
//! the figures report's table, signature and provenance writers.

use std::fmt::Write as _;

use super::{Section, Whole};
use crate::present::prose::Block;
use crate::present::render::{
    Style, html_escape, html_provenance, html_signatures, html_table, markdown_provenance,
    markdown_signatures, markdown_table, md_escape, page_start,
};

/// Markdown: the head as two blocks of lines, the sections as `##` headings, the annexes as
/// pipe tables, the provenance note as a footnote of the as-of line.
pub fn markdown(w: &Whole, style: Style) -> String {
    let e = md_escape;
    let mut out = String::new();
    // Two trailing spaces: a Markdown line break, so each head line keeps its own line.
    if let Some(upper) = &w.head.upper {
        let _ = writeln!(out, "{}  ", e(upper));
    }
    let _ = writeln!(out, "**{}**  \n{}\n", e(&w.head.unit), e(&w.head.number));
    let _ = writeln!(
        out,
        "**{}**  \n**{}**  \n*{}*\n",
        e(w.head.motto[0]),
        e(w.head.motto[1]),
        e(&w.head.place_date)
    );
    let _ = writeln!(
        out,
        "# {}\n\n**{}**\n\n*{}*[^nguon]\n\n{}",
        e(&w.title),
        e(&w.subtitle),
        e(&w.as_of_line),
        e(&w.intro)
    );
    for section in &w.sections {
        markdown_section(&mut out, section);
    }
    let _ = writeln!(out, "\n{}", e(&w.closing));
    markdown_signatures(&mut out, w.lang);
    let _ = writeln!(out, "\n*{}*", e(&w.annex_unit));
    for table in &w.annexes {
        markdown_table(&mut out, table, style);
    }
    markdown_provenance(&mut out, &w.provenance, w.lang);
    let _ = writeln!(out, "\n[^nguon]: {}", e(&w.note));
    out
}

fn markdown_section(out: &mut String, s: &Section) {
    let e = md_escape;
    let _ = writeln!(out, "\n## {}. {}", s.numeral, e(&s.title));
    for block in &s.body.blocks {
        let _ = match block {
            Block::Heading { level, text } => writeln!(
                out,
                "\n{} {}",
                "#".repeat(2 + usize::from((*level).clamp(1, 4))),
                e(text)
            ),
            Block::Paragraph(text) => writeln!(out, "\n{}", e(text)),
            Block::Bullet(text) => writeln!(out, "\n- {}", e(text)),
        };
    }
    if let Some(hint) = &s.blank {
        let _ = writeln!(out, "\n*{}*", e(hint));
    }
}

/// A standalone HTML page: the head in two columns, sections, signatures, annex tables,
/// provenance and its note. Every text from the ledger is escaped.
pub fn html(w: &Whole, style: Style) -> String {
    let e = html_escape;
    let mut out = String::new();
    page_start(&mut out, w.lang, &w.properties.title, WHOLE_CSS);
    let upper = w
        .head
        .upper
        .as_ref()
        .map_or(String::new(), |u| format!("{}<br>", e(u)));
    let _ = writeln!(
        out,
        "<table class=\"head\"><tr><td>{upper}<b>{}</b><br>{}</td>\
         <td><b>{}</b><br><b><u>{}</u></b><br><i>{}</i></td></tr></table>",
        e(&w.head.unit),
        e(&w.head.number),
        e(w.head.motto[0]),
        e(w.head.motto[1]),
        e(&w.head.place_date)
    );
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"subtitle\"><b>{}</b></p>\n\
         <p class=\"as-of\"><i>{}</i><sup><a href=\"#nguon\">1</a></sup></p>\n<p>{}</p>",
        e(&w.title),
        e(&w.subtitle),
        e(&w.as_of_line),
        e(&w.intro)
    );
    for section in &w.sections {
        html_section(&mut out, section);
    }
    let _ = writeln!(out, "<p>{}</p>", e(&w.closing));
    html_signatures(&mut out, w.lang);
    let _ = writeln!(out, "<p class=\"unit\"><i>{}</i></p>", e(&w.annex_unit));
    for table in &w.annexes {
        html_table(&mut out, table, style);
    }
    html_provenance(&mut out, &w.provenance, w.lang);
    let _ = writeln!(
        out,
        "<p id=\"nguon\" class=\"note\"><sup>1</sup> {}</p>\n</body>\n</html>",
        e(&w.note)
    );
    out
}

/// The head's two blocks side by side without borders; the title block centred.
const WHOLE_CSS: &str = "table.head{width:100%}table.head td{border:none;text-align:center;\
     vertical-align:top;width:50%}h1,p.subtitle,p.as-of{text-align:center}section h2{font-size:1.1em}";

fn html_section(out: &mut String, s: &Section) {
    let e = html_escape;
    let _ = writeln!(
        out,
        "<section id=\"muc-{}\">\n<h2>{}. {}</h2>",
        s.numeral,
        s.numeral,
        e(&s.title)
    );
    let mut in_list = false;
    for block in &s.body.blocks {
        let bullet = matches!(block, Block::Bullet(_));
        if bullet != in_list {
            out.push_str(if bullet { "<ul>\n" } else { "</ul>\n" });
            in_list = bullet;
        }
        let _ = match block {
            Block::Heading { level, text } => {
                let h = 2 + (*level).clamp(1, 4);
                writeln!(out, "<h{h}>{}</h{h}>", e(text))
            }
            Block::Paragraph(text) => writeln!(out, "<p>{}</p>", e(text)),
            Block::Bullet(text) => writeln!(out, "<li>{}</li>", e(text)),
        };
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    if let Some(hint) = &s.blank {
        let _ = writeln!(out, "<p class=\"blank\"><i>{}</i></p>", e(hint));
    }
    let _ = writeln!(out, "</section>");
}
