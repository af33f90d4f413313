//! The figures of a point-in-time report, before any rendering: section II (II.1 plan, II.2
//! disbursement) and the annex tables (phụ biểu 01: recurrent funds by program → project →
//! sub-project; phụ biểu 02: investment funds by works). Pure: built from
//! `projection::balances` alone, exact đồng throughout; rounding belongs to the renderers.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::core::by_source::{self, BySource};
use crate::core::event::{Capital, Origin};
use crate::core::projection::{LineBalance, Totals};
use crate::core::text;

/// Plan and disbursement split by origin: carried over / extended from last year, or in-year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    pub carried: Totals,
    pub in_year: Totals,
}

impl Split {
    pub fn add(&mut self, line: &LineBalance<'_>) {
        let part = if line.spec.origin == Origin::InYear {
            &mut self.in_year
        } else {
            &mut self.carried
        };
        part.add_line(line);
    }
    pub fn total(&self) -> Totals {
        let mut t = self.carried;
        t.merge(&self.in_year);
        t
    }
}

/// disbursed / plan, exact (28 significant digits), for display at any precision with a
/// single rounding; `None` without plan.
pub fn ratio(t: Totals) -> Option<Decimal> {
    if t.plan.is_zero() {
        return None;
    }
    t.disbursed.checked_div(t.plan)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramFigures {
    pub program: String,
    pub split: Split,
    pub sources: BySource,
    /// Distinct works with a plan ≠ 0 (investment only).
    pub works: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalFigures {
    pub capital: Capital,
    pub split: Split,
    pub sources: BySource,
    pub programs: Vec<ProgramFigures>,
    /// Distinct works with a plan ≠ 0 (investment only; 0 for recurrent funds).
    pub works: usize,
}

/// What a row of an annex stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Total,
    Program,
    Project,
    Subproject,
    /// Lines of a project that name no sub-project, when others of it do.
    OtherLines,
    Works,
}

/// One row of an annex; `level` 0 is the total, children follow their parent and sum to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub level: u8,
    pub kind: RowKind,
    pub program: Option<String>,
    pub project: Option<String>,
    pub subproject: Option<String>,
    /// The works name (annex 02).
    pub works: Option<String>,
    pub split: Split,
    pub sources: BySource,
    /// Annex 02's per-work columns, filled by `works_annex::complete` (the report).
    pub work: Option<crate::core::works_annex::WorkColumns>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figures {
    pub plan_year: i32,
    pub all: Split,
    pub all_sources: BySource,
    /// Every source code of the plan year's lines (`by_source` order): the source columns.
    pub sources: Vec<String>,
    /// Recurrent first, then investment: the seed's order. Both are always present.
    pub capitals: Vec<CapitalFigures>,
    pub annex01: Vec<Row>,
    pub annex02: Vec<Row>,
    /// The advances to recover on lines of this plan year or earlier (filled by the report
    /// from `advances::advances_to_recover`; empty when built from balances alone).
    pub advances: Vec<crate::core::advances::AdvanceDue>,
}

impl Figures {
    pub fn capital(&self, capital: Capital) -> Option<&CapitalFigures> {
        self.capitals.iter().find(|c| c.capital == capital)
    }
}

/// Orders codes the way people number them: DA2 before DA10.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, sa), (db, sb)) in ca.iter().zip(cb.iter()) {
        let ord = if *da && *db {
            let (ta, tb) = (sa.trim_start_matches('0'), sb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// `lines` grouped by `key`, the groups in natural order of their key.
fn grouped<'l, 'a, K: Ord + AsRef<str>>(
    lines: &[&'l LineBalance<'a>],
    key: impl Fn(&'l LineBalance<'a>) -> K,
) -> Vec<(K, Vec<&'l LineBalance<'a>>)> {
    let mut groups: BTreeMap<K, Vec<&LineBalance<'a>>> = BTreeMap::new();
    for l in lines {
        groups.entry(key(l)).or_default().push(l);
    }
    let mut v: Vec<_> = groups.into_iter().collect();
    v.sort_by(|a, b| natural_cmp(a.0.as_ref(), b.0.as_ref()));
    v
}

/// Builds every figure of the report from the balances of one view (one plan year's lines).
pub fn build(plan_year: i32, lines: &[LineBalance<'_>]) -> Figures {
    let lines: Vec<&LineBalance<'_>> = lines
        .iter()
        .filter(|l| l.spec.plan_year == plan_year)
        .collect();
    let mut all = Split::default();
    for l in &lines {
        all.add(l);
    }
    let capitals = [Capital::Recurrent, Capital::Investment]
        .into_iter()
        .map(|capital| capital_figures(capital, &lines))
        .collect();
    Figures {
        plan_year,
        all,
        all_sources: BySource::of(&lines),
        sources: by_source::keys(&lines),
        capitals,
        annex01: annex01(&lines),
        annex02: annex02(&lines),
        advances: Vec::new(),
    }
}

/// Distinct works with a plan ≠ 0 among investment lines; a line without a `work` is its own
/// works. A works whose whole plan moved elsewhere is not funded and not counted.
pub fn works_count(lines: &[&LineBalance<'_>]) -> usize {
    let mut plan: BTreeMap<Cow<'_, str>, Decimal> = BTreeMap::new();
    for l in lines {
        if l.spec.capital == Capital::Investment {
            *plan.entry(works_name(l)).or_default() += l.plan;
        }
    }
    plan.values().filter(|p| !p.is_zero()).count()
}

/// The works a line funds, in normal form: a store may hold one name typed in NFC, NFD or
/// with a trailing space (before input was normalised), and it is one works.
fn works_name<'a>(l: &'a LineBalance<'_>) -> Cow<'a, str> {
    match l.spec.work.as_deref() {
        Some(work) => text::normal_form(work),
        None => Cow::Borrowed(l.spec.line.as_str()),
    }
}

fn capital_figures(capital: Capital, lines: &[&LineBalance<'_>]) -> CapitalFigures {
    let mine: Vec<&LineBalance<'_>> = lines
        .iter()
        .copied()
        .filter(|l| l.spec.capital == capital)
        .collect();
    let mut split = Split::default();
    for l in &mine {
        split.add(l);
    }
    let programs = grouped(&mine, |l| l.spec.program.as_str())
        .into_iter()
        .map(|(program, ls)| {
            let mut s = Split::default();
            for l in &ls {
                s.add(l);
            }
            ProgramFigures {
                program: program.to_string(),
                split: s,
                sources: BySource::of(&ls),
                works: works_count(&ls),
            }
        })
        .collect();
    CapitalFigures {
        capital,
        split,
        sources: BySource::of(&mine),
        programs,
        works: works_count(&mine),
    }
}

fn sum(lines: &[&LineBalance<'_>]) -> Split {
    let mut s = Split::default();
    for l in lines {
        s.add(l);
    }
    s
}

/// A row of `lines`' figures, with their split by source.
fn row(level: u8, kind: RowKind, lines: &[&LineBalance<'_>]) -> Row {
    Row {
        level,
        kind,
        program: None,
        project: None,
        subproject: None,
        works: None,
        split: sum(lines),
        sources: BySource::of(lines),
        work: None,
    }
}

/// The lines of one capital type (an annex's lines).
fn of_capital<'b, 'a>(lines: &[&'b LineBalance<'a>], capital: Capital) -> Vec<&'b LineBalance<'a>> {
    lines
        .iter()
        .copied()
        .filter(|l| l.spec.capital == capital)
        .collect()
}

/// A program's row of an annex: the sum of its lines.
fn program_row(program: &str, lines: &[&LineBalance<'_>]) -> Row {
    Row {
        program: Some(program.to_string()),
        ..row(1, RowKind::Program, lines)
    }
}

/// Phụ biểu 01: recurrent lines by program → project → sub-project.
fn annex01(lines: &[&LineBalance<'_>]) -> Vec<Row> {
    let rec = of_capital(lines, Capital::Recurrent);
    let mut rows = vec![row(0, RowKind::Total, &rec)];
    for (program, pls) in grouped(&rec, |l| l.spec.program.as_str()) {
        rows.push(program_row(program, &pls));
        for (project, jls) in grouped(&pls, |l| l.spec.project.as_deref().unwrap_or("")) {
            let project = (!project.is_empty()).then(|| project.to_string());
            rows.push(Row {
                program: Some(program.to_string()),
                project: project.clone(),
                ..row(2, RowKind::Project, &jls)
            });
            let subs = grouped(&jls, |l| l.spec.subproject.as_deref().unwrap_or(""));
            // A project whose lines name no sub-project is a leaf; otherwise every line shows
            // under a sub-project row, so children always sum to their parent.
            if subs.len() == 1 && subs[0].0.is_empty() {
                continue;
            }
            for (sub, sls) in subs {
                rows.push(Row {
                    program: Some(program.to_string()),
                    project: project.clone(),
                    subproject: (!sub.is_empty()).then(|| sub.to_string()),
                    ..row(
                        3,
                        if sub.is_empty() {
                            RowKind::OtherLines
                        } else {
                            RowKind::Subproject
                        },
                        &sls,
                    )
                });
            }
        }
    }
    rows
}

/// Phụ biểu 02: investment lines by program → works.
fn annex02(lines: &[&LineBalance<'_>]) -> Vec<Row> {
    let inv = of_capital(lines, Capital::Investment);
    let mut rows = vec![row(0, RowKind::Total, &inv)];
    for (program, pls) in grouped(&inv, |l| l.spec.program.as_str()) {
        rows.push(program_row(program, &pls));
        for (works, wls) in grouped(&pls, |l| works_name(l)) {
            rows.push(Row {
                program: Some(program.to_string()),
                works: Some(works.to_string()),
                ..row(2, RowKind::Works, &wls)
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_sort_naturally() {
        let mut v = vec!["DA10", "DA2", "DA1", "TDA1", "DA3"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["DA1", "DA2", "DA3", "DA10", "TDA1"]);
        assert_eq!(natural_cmp("", "A"), Ordering::Less);
    }
}
