//! A prose section (`present::prose`) appended to the report's text, Markdown, HTML and JSON
//! (issue 16: sections I and III, only when the view holds documents or indicators).

use serde_json::{Value, json};

use crate::present::prose::{Block, Prose};
use crate::present::render::html_escape;

/// The section as plain text ("I. TITLE", headings, "- " bullets) or Markdown (`##`, `###`).
pub fn text(title: &str, prose: &Prose, markdown: bool) -> String {
    let mut out = String::from("\n");
    out.push_str(&if markdown {
        format!("## {title}\n\n")
    } else {
        format!("{title}\n")
    });
    for b in &prose.blocks {
        let line = match (b, markdown) {
            (Block::Heading { level, text }, true) => {
                format!("\n{} {text}\n\n", "#".repeat(usize::from(*level) + 2))
            }
            (Block::Heading { text, .. }, false) => format!("{text}\n"),
            (Block::Paragraph(p), true) => format!("{}\n\n", markdown_escape(p)),
            (Block::Paragraph(p), false) => format!("{p}\n"),
            (Block::Bullet(p), true) => format!("- {}\n", markdown_escape(p)),
            (Block::Bullet(p), false) => format!("- {p}\n"),
        };
        out.push_str(&line);
    }
    out
}

/// Characters Markdown would read as markup, escaped (a subject is free text).
fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The section as an HTML `<section>`, every text escaped.
pub fn html(title: &str, prose: &Prose) -> String {
    let mut out = format!("<section class=\"prose\"><h2>{}</h2>\n", html_escape(title));
    let mut in_list = false;
    for b in &prose.blocks {
        let bullet = matches!(b, Block::Bullet(_));
        if in_list && !bullet {
            out.push_str("</ul>\n");
        }
        if bullet && !in_list {
            out.push_str("<ul>\n");
        }
        in_list = bullet;
        out.push_str(&match b {
            Block::Heading { level, text } => {
                let h = (usize::from(*level) + 2).min(6);
                format!("<h{h}>{}</h{h}>\n", html_escape(text))
            }
            Block::Paragraph(p) => format!("<p>{}</p>\n", html_escape(p)),
            Block::Bullet(p) => format!("<li>{}</li>\n", html_escape(p)),
        });
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// The section as JSON: its title and blocks (`{"heading": …, "level": n}`, `{"paragraph":
/// …}`, `{"bullet": …}`).
pub fn json(title: &str, prose: &Prose) -> Value {
    let blocks: Vec<Value> = prose
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading { level, text } => json!({"heading": text, "level": level}),
            Block::Paragraph(p) => json!({"paragraph": p}),
            Block::Bullet(p) => json!({"bullet": p}),
        })
        .collect();
    json!({"title": title, "blocks": blocks})
}
