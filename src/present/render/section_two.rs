//! Section II in the seed report's own sentences: II.1 the capital plan, II.2 its
//! disbursement, each with one item per capital type and its programs. The figures report
//! prints them as numbered lines (`prose`); the whole report (`present::whole`) lays the same
//! parts out under the seed's headings.

use rust_decimal::Decimal;

use super::{RATE_DECIMALS, Style, capital_label};
use crate::core::annex::{self, CapitalFigures, Figures, Split};
use crate::core::event::Capital;
use crate::core::projection::Totals;
use crate::present::catalogue;
use crate::present::messages::t;
use crate::present::vi_format::{Lang, amount, ratio_percent};

/// One capital type's sentence and its programs' sentences (unnumbered).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub capital: Capital,
    pub line: String,
    pub programs: Vec<String>,
}

/// Section II's two parts: the opening sentence of each and its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionTwo {
    pub plan: String,
    pub plan_items: Vec<Item>,
    pub disbursed: String,
    pub disbursed_items: Vec<Item>,
}

/// Section II's sentences from the figures, every amount and rate formatted by `style`.
pub fn parts(figures: &Figures, style: Style) -> SectionTwo {
    let lang = style.lang;
    let unit = style.unit.label(lang);
    let a = |d: Decimal| amount(d, style.unit, lang);
    let pct = |tot: Totals| ratio_percent(annex::ratio(tot), RATE_DECIMALS, lang);
    let year = figures.plan_year;
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
    let plan_items = figures
        .capitals
        .iter()
        .map(|c| {
            let inv = c.capital == Capital::Investment;
            Item {
                capital: c.capital,
                line: plan_line(
                    capital_label(lang, c.capital),
                    &c.split,
                    inv.then_some(c.works),
                    carried_word(c),
                ),
                programs: c
                    .programs
                    .iter()
                    .map(|p| {
                        plan_line(
                            &catalogue::program_name(&p.program),
                            &p.split,
                            inv.then_some(p.works),
                            carried_word(c),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    let disbursed_items = figures
        .capitals
        .iter()
        .map(|c| Item {
            capital: c.capital,
            line: disb_line(capital_label(lang, c.capital), c.split.total()),
            programs: c
                .programs
                .iter()
                .map(|p| disb_line(&catalogue::program_name(&p.program), p.split.total()))
                .collect(),
        })
        .collect();
    SectionTwo {
        plan: match lang {
            Lang::Vi => format!(
                "Tổng kế hoạch vốn các CT MTQG năm {year} bao gồm cả vốn kéo dài: {} {unit}. Trong đó:",
                a(all.plan)
            ),
            Lang::En => format!(
                "Total capital plan of the programs for {year}, incl. extended funds: {} {unit}. Of which:",
                a(all.plan)
            ),
        },
        plan_items,
        disbursed: {
            let (d, p, r) = (a(all.disbursed), a(all.plan), pct(all));
            match lang {
                Lang::Vi => format!("Kết quả giải ngân: {d}/{p} {unit}, bằng {r} KHV. Trong đó:"),
                Lang::En => format!("Disbursed: {d}/{p} {unit}, {r} of plan. Of which:"),
            }
        },
        disbursed_items,
    }
}

/// Section II as numbered lines (the figures report): "II.1. …", "+ capital", "  (n) program".
pub fn prose(figures: &Figures, style: Style) -> Vec<String> {
    let s = parts(figures, style);
    let mut out = Vec::new();
    for (number, opening, items) in [
        ("II.1.", &s.plan, &s.plan_items),
        ("II.2.", &s.disbursed, &s.disbursed_items),
    ] {
        out.push(format!("{number} {opening}"));
        for item in items {
            out.push(format!("+ {}", item.line));
            for (i, p) in item.programs.iter().enumerate() {
                out.push(format!("  ({}) {p}", i + 1));
            }
        }
    }
    out
}

/// Where an item's details are (the seed: "(Chi tiết kèm theo phụ biểu số 01)").
pub fn details_note(lang: Lang, capital: Capital) -> &'static str {
    match capital {
        Capital::Recurrent => t(
            lang,
            "(Chi tiết kèm theo phụ biểu số 01)",
            "(Details in annex 01)",
        ),
        Capital::Investment => t(
            lang,
            "(Chi tiết kèm theo phụ biểu số 02)",
            "(Details in annex 02)",
        ),
    }
}
