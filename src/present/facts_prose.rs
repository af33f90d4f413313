//! Sections I and III of the report as prose (issue 16), in the seed report's sentences:
//! "Quyết định số 45/QĐ-ĐU ngày 16/7/2025 của Đảng ủy xã … về việc …", "Số hộ nghèo còn lại
//! 570 hộ/2.239 hộ trên địa bàn, chiếm 25,46%; tỷ lệ nghèo giảm 13,52% (kế hoạch giao:
//! 12,84%)", "Đến nay đã hoàn thành 8/19 tiêu chí (…)". Pure: the view's facts in, `Prose` out.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::core::facts::{Figure, IndicatorFact};
use crate::core::facts_view::DocumentEntry;
use crate::core::indicators::{Catalogue, Indicator, IndicatorKind};
use crate::core::rules::Recorded;
use crate::present::catalogue;
use crate::present::messages::t;
use crate::present::prose::{Block, Prose};
use crate::present::vi_format::{Lang, number};

/// A document's date as official Vietnamese text writes it: day of two digits, month as is
/// ("16/7/2025", "08/9/2025").
pub fn official_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Vi => format!("{:02}/{}/{}", d.day(), d.month(), d.year()),
        Lang::En => d.to_string(),
    }
}

/// The name of a document form (QĐ → Quyết định); an unknown form prints as given.
pub fn form_name(form: &str, lang: Lang) -> String {
    let (vi, en) = match form {
        "QĐ" => ("Quyết định", "Decision"),
        "KH" => ("Kế hoạch", "Plan"),
        "NQ" => ("Nghị quyết", "Resolution"),
        "CV" => ("Công văn", "Official letter"),
        "TB" => ("Thông báo", "Notice"),
        "BC" => ("Báo cáo", "Report"),
        "CT" => ("Chỉ thị", "Directive"),
        "TTr" => ("Tờ trình", "Submission"),
        other => return other.to_string(),
    };
    t(lang, vi, en).to_string()
}

/// "Kế hoạch số 44/KH-UBND ngày 08/9/2025" for a registered document.
fn cite(d: &DocumentEntry<'_>, lang: Lang) -> String {
    let form = form_name(&d.register.form, lang);
    let date = official_date(lang, d.document.date);
    match lang {
        Lang::Vi => format!("{form} số {} ngày {date}", d.document.number),
        Lang::En => format!("{form} no. {} of {date}", d.document.number),
    }
}

fn document_sentence(d: &DocumentEntry<'_>, all: &[DocumentEntry<'_>], lang: Lang) -> String {
    let issuer = match (d.document.issuer.as_deref(), lang) {
        (Some(i), Lang::Vi) => format!(" của {i}"),
        (Some(i), Lang::En) => format!(" by {i}"),
        (None, _) => String::new(),
    };
    let mut s = match lang {
        Lang::Vi => format!("{}{issuer} về {}", cite(d, lang), d.register.subject),
        Lang::En => format!("{}{issuer}: {}", cite(d, lang), d.register.subject),
    };
    let by_seq = |seq: u64| all.iter().find(|e| e.record.seq == seq);
    if let Some(target) = d.register.amends.as_deref() {
        let cited = all
            .iter()
            .find(|e| e.document.number == target)
            .map_or(target.to_string(), |e| cite(e, lang));
        s.push_str(&format!(
            " ({} {cited})",
            t(lang, "điều chỉnh, bổ sung", "amending")
        ));
    }
    let later: Vec<String> = d
        .amended_by
        .iter()
        .filter_map(|r| by_seq(r.seq))
        .map(|e| cite(e, lang))
        .collect();
    if !later.is_empty() {
        let by = t(lang, "được điều chỉnh, bổ sung bởi", "amended by");
        s.push_str(&format!(" ({by} {})", later.join(", ")));
    }
    s.push('.');
    s
}

/// Section I: the plan year's documents (dated in it), grouped by program in catalogue code
/// order, documents for all programs first.
pub fn section_one(entries: &[DocumentEntry<'_>], plan_year: i32, lang: Lang) -> Prose {
    let of_year: Vec<DocumentEntry<'_>> = entries
        .iter()
        .filter(|d| d.document.date.year() == plan_year)
        .cloned()
        .collect();
    let mut groups: BTreeMap<Option<&str>, Vec<&DocumentEntry<'_>>> = BTreeMap::new();
    for d in &of_year {
        groups
            .entry(d.register.program.as_deref())
            .or_default()
            .push(d);
    }
    let mut blocks = Vec::new();
    for (n, (program, docs)) in groups.into_iter().enumerate() {
        let title = match program {
            None => t(
                lang,
                "Văn bản chung của các Chương trình",
                "Documents for all programs",
            )
            .to_string(),
            Some(p) => catalogue::program_name(p),
        };
        blocks.push(Block::Heading {
            level: 1,
            text: format!("{}. {title}", n + 1),
        });
        for d in docs {
            blocks.push(Block::Bullet(document_sentence(d, &of_year, lang)));
        }
    }
    Prose { blocks }
}

/// A figure as printed: with the decimals it was recorded with; "%" for percentages.
fn figure_text(ind: &Indicator, f: &IndicatorFact, v: Decimal, lang: Lang) -> String {
    let decimals = v.scale();
    let percent = matches!(ind.kind, IndicatorKind::Rate | IndicatorKind::Change);
    format!(
        "{}{}{}",
        if f.above {
            t(lang, "trên ", "above ")
        } else {
            ""
        },
        number(v, decimals, lang),
        if percent { "%" } else { "" }
    )
}

fn sentence(ind: &Indicator, f: &IndicatorFact, lang: Lang) -> Option<String> {
    let template = match lang {
        Lang::Vi => ind.sentence_vi.as_deref()?,
        Lang::En => ind.sentence_en.as_deref().or(ind.sentence_vi.as_deref())?,
    };
    let value = figure_text(ind, f, f.figure.value(), lang);
    let count = |c: Option<Decimal>| c.map_or(String::new(), |c| number(c, c.scale(), lang));
    let (num, den) = (count(f.numerator), count(f.denominator));
    let mut s = template
        .replace("{name}", &ind.name)
        .replace("{name_en}", ind.name_en.as_deref().unwrap_or(&ind.name))
        .replace("{value}", &value)
        .replace("{numerator}", &num)
        .replace("{denominator}", &den)
        .replace("{period}", &f.period);
    if let Some(target) = f.target {
        let planned = figure_text(ind, f, target, lang);
        s.push_str(&format!(
            " ({}: {planned})",
            t(lang, "kế hoạch giao", "target")
        ));
    }
    Some(s)
}

/// The criteria sentence of a program whose indicators are criteria.
fn criteria(met: &[&Indicator], total: usize, lang: Lang) -> String {
    let list: Vec<String> = met
        .iter()
        .map(|i| {
            let name = i.short.as_deref().unwrap_or(&i.name);
            let n = i.number.unwrap_or_default();
            format!("{} {n}: {name}", t(lang, "Tiêu chí", "Criterion"))
        })
        .collect();
    let count = met.len();
    let tail = if list.is_empty() {
        String::new()
    } else {
        format!(" ({}: {})", t(lang, "Bao gồm", "namely"), list.join("; "))
    };
    match lang {
        Lang::Vi => format!("Đến nay đã hoàn thành {count}/{total} tiêu chí{tail}."),
        Lang::En => format!("{count} of {total} criteria met so far{tail}."),
    }
}

/// Section III: each program's indicators of `period` in catalogue order, a heading per
/// program that has any, bullets joined by the catalogue's `bullet`, criteria counted against
/// the whole set.
pub fn section_three(
    catalogue_data: &Catalogue,
    known: &BTreeMap<(&str, &str), &Recorded>,
    period: &str,
    lang: Lang,
) -> Prose {
    let fact = |code: &str| {
        known
            .get(&(code, period))
            .and_then(|r| crate::core::facts_view::fact(r))
    };
    let mut programs: Vec<&str> = Vec::new();
    for i in &catalogue_data.indicators {
        if !programs.contains(&i.program.as_str()) {
            programs.push(&i.program);
        }
    }
    let mut blocks = Vec::new();
    let mut n = 0;
    for program in programs {
        let inds: Vec<&Indicator> = catalogue_data.of_program(program).collect();
        if !inds.iter().any(|i| fact(&i.code).is_some()) {
            continue;
        }
        n += 1;
        blocks.push(Block::Heading {
            level: 1,
            text: format!("{n}. {}", catalogue::program_name(program)),
        });
        let set: Vec<&Indicator> = inds
            .iter()
            .copied()
            .filter(|i| i.kind == IndicatorKind::Criterion)
            .collect();
        if !set.is_empty() {
            let met: Vec<&Indicator> = set
                .iter()
                .copied()
                .filter(|i| fact(&i.code).is_some_and(|f| f.figure == Figure::Met(true)))
                .collect();
            blocks.push(Block::Paragraph(criteria(&met, set.len(), lang)));
        }
        let mut bullets: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for i in inds {
            if let (Some(f), Some(b)) = (fact(&i.code), i.bullet)
                && let Some(s) = sentence(i, f, lang)
            {
                bullets.entry(b).or_default().push(s);
            }
        }
        for parts in bullets.into_values() {
            blocks.push(Block::Bullet(format!("{}.", parts.join("; "))));
        }
    }
    Prose { blocks }
}
