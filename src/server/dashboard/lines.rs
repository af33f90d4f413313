//! The lines of the view, grouped as the report groups them: capital type → program →
//! project, each group with its subtotal; each line with its code (a link to its trail) and
//! its stored name.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::core::event::Capital;
use crate::core::projection::{LineBalance, Totals, View, totals};
use crate::present::catalogue;
use crate::present::messages::t;
use crate::present::render::{self, html_escape as e};
use crate::present::vi_format::{self, Lang};

use super::page::{Ask, link, millions};

/// The capital types in the report's order (recurrent funds first, as `annex` lists them).
fn capital_order(c: Capital) -> u8 {
    match c {
        Capital::Recurrent => 0,
        Capital::Investment => 1,
    }
}

fn rate(plan: Decimal, disbursed: Decimal, lang: Lang) -> String {
    vi_format::ratio_percent((!plan.is_zero()).then(|| disbursed / plan), 2, lang)
}

/// The four figure cells of a row (the same cells for a line and a subtotal).
fn figures(plan: Decimal, disbursed: Decimal, available: Decimal, lang: Lang) -> String {
    format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        millions(plan, lang),
        millions(disbursed, lang),
        millions(available, lang),
        rate(plan, disbursed, lang)
    )
}

fn subtotal(b: &mut String, class: &str, label: &str, sum: &Totals, lang: Lang) {
    let _ = writeln!(
        b,
        "<tr class=\"{class}\"><th scope=\"row\">{}</th>{}</tr>",
        e(label),
        figures(sum.plan, sum.disbursed, sum.available(), lang)
    );
}

type Projects<'a, 'b> = BTreeMap<Option<&'b str>, Vec<&'a LineBalance<'b>>>;
type Programs<'a, 'b> = BTreeMap<&'b str, Projects<'a, 'b>>;

/// The grouped table (`#lines`), in triệu đồng.
pub(super) fn lines_table(b: &mut String, ask: &Ask, view: View, lines: &[LineBalance<'_>]) {
    let mut tree: BTreeMap<(u8, Capital), Programs<'_, '_>> = BTreeMap::new();
    for l in lines {
        tree.entry((capital_order(l.spec.capital), l.spec.capital))
            .or_default()
            .entry(l.spec.program.as_str())
            .or_default()
            .entry(l.spec.project.as_deref())
            .or_default()
            .push(l);
    }
    let lang = ask.reader.lang;
    let _ = writeln!(
        b,
        "<h2>{}</h2>\n<div class=\"wide\"><table id=\"lines\">\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th></tr></thead><tbody>",
        t(
            lang,
            "Các dòng ngân sách (triệu đồng)",
            "Budget lines (million VND)"
        ),
        t(lang, "Dòng", "Line"),
        t(lang, "Kế hoạch vốn", "Capital plan"),
        t(lang, "Đã giải ngân", "Disbursed"),
        t(lang, "Còn lại", "Available"),
        t(lang, "Tỷ lệ", "Rate")
    );
    for ((_, capital), programs) in &tree {
        let all = programs.values().flat_map(|p| p.values()).flatten();
        subtotal(
            b,
            "g1",
            render::capital_label(lang, *capital),
            &totals(all.copied()),
            lang,
        );
        for (program, projects) in programs {
            let all = projects.values().flatten();
            let title = catalogue::program_title(program, lang);
            subtotal(b, "g2", &title, &totals(all.copied()), lang);
            for (project, rows) in projects {
                let label = project.map_or(
                    t(lang, "Không thuộc dự án", "Not under a project").to_string(),
                    |p| catalogue::project_title(program, p, lang),
                );
                subtotal(b, "g3", &label, &totals(rows.iter().copied()), lang);
                for l in rows {
                    line_row(b, ask, view, l);
                }
            }
        }
    }
    b.push_str("</tbody></table></div>\n");
}

fn line_row(b: &mut String, ask: &Ask, view: View, l: &LineBalance<'_>) {
    let name = l.spec.name.as_deref().map_or(String::new(), |n| {
        format!("<br><span class=\"name\">{}</span>", e(n))
    });
    let _ = writeln!(
        b,
        "<tr class=\"line\"><td><a href=\"{}\">{}</a>{name}</td>{}</tr>",
        e(&link(ask, view, Some(&l.spec.line))),
        e(&l.spec.line),
        figures(l.plan, l.disbursed, l.available(), ask.reader.lang)
    );
}
