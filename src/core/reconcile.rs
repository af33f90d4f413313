//! Reconciliation: printed figures (claims) against the ledger, each at the precision it was
//! printed with. Pure: the claims text and the balances of one view in, verdicts out.
//!
//! A claim `"21.597"` triệu says the amount lies in [21.596,5; 21.597,5) million đồng, so it is
//! compared with the ledger's amount rounded to whole millions; `"42,6%"` is compared with the
//! ledger's exact ratio rounded once to one decimal of a percent. Rounding is half away from
//! zero, as everywhere in socai.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::core::annex::{self, Split};
use crate::core::event::Capital;
use crate::core::number::{self, VI_SEPARATORS};
use crate::core::projection::LineBalance;
use crate::core::reconcile_facts;
pub use crate::core::reconcile_facts::Known;

/// A claims file larger than this is refused unread.
pub const MAX_CLAIMS_BYTES: u64 = 1024 * 1024;
pub const MAX_CLAIMS: usize = 10_000;
const MAX_PRINTED_CHARS: usize = 64;
/// Most decimals a printed figure may have: tỷ written down to the đồng.
pub const MAX_PRINTED_DECIMALS: usize = 9;
const MAX_ID_CHARS: usize = 200;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ClaimsFile {
    /// Where the figures were printed (free text).
    #[serde(default)]
    pub source: Option<String>,
    pub claims: Vec<Claim>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub measure: Measure,
    pub slice: Slice,
    /// The figure exactly as printed, vi-VN style: "21.597", "55,38%", "23".
    pub printed: String,
    pub unit: ClaimUnit,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Plan,
    Carried,
    InYear,
    Disbursed,
    Rate,
    Works,
    /// An indicator's figure (issue 16), in percent, as a count or in its own unit.
    Indicator,
    Numerator,
    Denominator,
    /// The plan's figure of an indicator ("kế hoạch giao: 12,84%").
    Target,
    /// How many criteria of a program's set are met ("8/19": the 8).
    Met,
    /// How many criteria the set has (the 19).
    Criteria,
}

impl Measure {
    /// Whether the measure reads the indicators rather than the money.
    pub fn is_fact(self) -> bool {
        matches!(
            self,
            Measure::Indicator
                | Measure::Numerator
                | Measure::Denominator
                | Measure::Target
                | Measure::Met
                | Measure::Criteria
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Plan => "plan",
            Measure::Carried => "carried",
            Measure::InYear => "in_year",
            Measure::Disbursed => "disbursed",
            Measure::Rate => "rate",
            Measure::Works => "works",
            Measure::Indicator => "indicator",
            Measure::Numerator => "numerator",
            Measure::Denominator => "denominator",
            Measure::Target => "target",
            Measure::Met => "met",
            Measure::Criteria => "criteria",
        }
    }
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClaimUnit {
    Dong,
    Trieu,
    Ty,
    Percent,
    Count,
    /// A figure in its indicator's own unit (triệu đồng/người/năm …).
    Value,
}

impl ClaimUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimUnit::Dong => "dong",
            ClaimUnit::Trieu => "trieu",
            ClaimUnit::Ty => "ty",
            ClaimUnit::Percent => "percent",
            ClaimUnit::Count => "count",
            ClaimUnit::Value => "value",
        }
    }
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CapitalName {
    Recurrent,
    Investment,
}

impl CapitalName {
    pub fn capital(self) -> Capital {
        match self {
            CapitalName::Recurrent => Capital::Recurrent,
            CapitalName::Investment => Capital::Investment,
        }
    }
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Slice {
    // A struct variant, not a unit one: serde checks unknown fields only on struct variants.
    Total {},
    Capital {
        capital: CapitalName,
    },
    Program {
        capital: CapitalName,
        program: String,
    },
    Line {
        line: String,
    },
    /// One indicator's figure for a period (issue 16).
    Indicator {
        indicator: String,
        period: String,
    },
    /// A program's set of criteria for a period.
    Criteria {
        program: String,
        period: String,
    },
}

impl Slice {
    fn matches(&self, l: &LineBalance<'_>) -> bool {
        match self {
            Slice::Total {} => true,
            Slice::Capital { capital } => l.spec.capital == capital.capital(),
            Slice::Program { capital, program } => {
                l.spec.capital == capital.capital() && &l.spec.program == program
            }
            Slice::Line { line } => &l.spec.line == line,
            Slice::Indicator { .. } | Slice::Criteria { .. } => false,
        }
    }
    pub fn to_json(&self) -> Value {
        match self {
            Slice::Total {} => json!({"kind": "total"}),
            Slice::Capital { capital } => {
                json!({"kind": "capital", "capital": capital.capital().as_str()})
            }
            Slice::Program { capital, program } => {
                json!({"kind": "program", "capital": capital.capital().as_str(), "program": program})
            }
            Slice::Line { line } => json!({"kind": "line", "line": line}),
            Slice::Indicator { indicator, period } => {
                json!({"kind": "indicator", "indicator": indicator, "period": period})
            }
            Slice::Criteria { program, period } => {
                json!({"kind": "criteria", "program": program, "period": period})
            }
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Slice::Total {} => "total".to_string(),
            Slice::Capital { capital } => capital.capital().as_str().to_string(),
            Slice::Program { capital, program } => {
                format!("{} {program}", capital.capital().as_str())
            }
            Slice::Line { line } => format!("line {line}"),
            Slice::Indicator { indicator, period } => format!("indicator {indicator} {period}"),
            Slice::Criteria { program, period } => format!("criteria {program} {period}"),
        }
    }
}

/// A printed number: its value and how many decimals it was printed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Printed {
    pub value: Decimal,
    pub decimals: u32,
}

/// Parses a vi-VN number as printed: "." groups thousands (groups of three), "," marks
/// decimals; "21.597", "839", "55,38", "1.234,5". No sign: printed figures here are ≥ 0.
pub fn parse_vi(text: &str) -> Result<Printed, String> {
    let (int, frac) = match text.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let groups: Vec<&str> = int.split('.').collect();
    let grouped_ok = !groups.is_empty()
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    let plain_ok = groups.len() == 1 && !int.is_empty();
    if !(grouped_ok || plain_ok && int.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!(
            "{text:?} is not a number printed vi-VN style (\".\" between groups of three digits, \",\" before decimals)"
        ));
    }
    let frac = frac.unwrap_or("");
    if text.contains(',') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("{text:?}: the decimals after \",\" must be digits"));
    }
    // Bounded before any arithmetic: rust_decimal holds 28 digits and panics past them.
    if frac.len() > MAX_PRINTED_DECIMALS {
        return Err(format!(
            "{text:?} has {} decimals; a printed figure has at most {MAX_PRINTED_DECIMALS}",
            frac.len()
        ));
    }
    let digits = format!(
        "{}.{}",
        groups.concat(),
        if frac.is_empty() { "0" } else { frac }
    );
    let value: Decimal = digits
        .parse()
        .map_err(|_| format!("{text:?} is too large a number"))?;
    Ok(Printed {
        value,
        decimals: frac.len() as u32,
    })
}

/// One claim's verdict.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub claim: Claim,
    /// The ledger's value at the claim's precision, formatted like the claim ("–" if none).
    pub ledger: String,
    /// The ledger's exact value: đồng for amounts, the ratio for rates, the count for works.
    pub exact: Option<String>,
    pub ok: bool,
    /// Why the ledger has no value, when it has none.
    pub note: Option<String>,
    /// Why a failed claim failed, as a stable code: `value` (the figure differs), `missing`
    /// (the ledger has no such figure), `decimal_mark` (the figure is right but printed with
    /// the wrong decimal mark, "18.36%" for 18,36%).
    pub mismatch: Option<&'static str>,
}

/// Reads a claims file (JSON) and checks its claims for shape, units and printed numbers.
pub fn parse_claims(text: &str) -> Result<ClaimsFile, String> {
    let file: ClaimsFile =
        serde_json::from_str(text).map_err(|e| format!("not a valid claims file: {e}"))?;
    check_claims(file)
}

/// Checks a claims file read as JSON (by `parse_claims`, or by a caller that words the
/// parser's stop itself) for shape, units and printed numbers.
pub fn check_claims(file: ClaimsFile) -> Result<ClaimsFile, String> {
    if file.claims.len() > MAX_CLAIMS {
        return Err(format!("more than {MAX_CLAIMS} claims"));
    }
    for (i, c) in file.claims.iter().enumerate() {
        let at = format!("claim {} ({:?})", i + 1, c.id);
        if c.id.is_empty() || c.id.chars().count() > MAX_ID_CHARS {
            return Err(format!("{at}: id must have 1 to {MAX_ID_CHARS} characters"));
        }
        if c.printed.chars().count() > MAX_PRINTED_CHARS {
            return Err(format!(
                "{at}: printed is longer than {MAX_PRINTED_CHARS} characters"
            ));
        }
        let fact_slice = matches!(c.slice, Slice::Indicator { .. } | Slice::Criteria { .. });
        let fits = match c.measure {
            Measure::Rate => c.unit == ClaimUnit::Percent,
            Measure::Works => c.unit == ClaimUnit::Count,
            Measure::Indicator | Measure::Target => {
                matches!(c.slice, Slice::Indicator { .. })
                    && matches!(
                        c.unit,
                        ClaimUnit::Percent | ClaimUnit::Count | ClaimUnit::Value
                    )
            }
            Measure::Numerator | Measure::Denominator => {
                matches!(c.slice, Slice::Indicator { .. }) && c.unit == ClaimUnit::Count
            }
            Measure::Met | Measure::Criteria => {
                matches!(c.slice, Slice::Criteria { .. }) && c.unit == ClaimUnit::Count
            }
            _ => matches!(c.unit, ClaimUnit::Dong | ClaimUnit::Trieu | ClaimUnit::Ty),
        } && (fact_slice == c.measure.is_fact());
        if !fits {
            return Err(format!(
                "{at}: unit {} or slice {} does not fit measure {} (rate: percent; works: count; amounts: dong, trieu or ty; indicator and target: an indicator slice, percent, count or value; numerator and denominator: an indicator slice, count; met and criteria: a criteria slice, count)",
                c.unit.as_str(),
                c.slice.describe(),
                c.measure.as_str()
            ));
        }
        printed_number(c).map_err(|e| format!("{at}: {e}"))?;
    }
    Ok(file)
}

/// A printed figure, and whether it was printed with the decimal mark and grouping swapped
/// ("18.36", "2,239"): read as vi-VN first, and only when that fails with the marks swapped,
/// so "21.597" stays twenty-one thousand.
fn parse_marked(text: &str) -> Result<(Printed, bool), String> {
    match parse_vi(text) {
        Ok(p) => Ok((p, false)),
        Err(e) => {
            let swapped: String = text
                .chars()
                .map(|c| match c {
                    '.' => ',',
                    ',' => '.',
                    other => other,
                })
                .collect();
            parse_vi(&swapped).map(|p| (p, true)).map_err(|_| e)
        }
    }
}

fn printed_number(c: &Claim) -> Result<Printed, String> {
    printed_marked(c).map(|(p, _)| p)
}

/// The printed number and whether its decimal mark is the wrong one.
fn printed_marked(c: &Claim) -> Result<(Printed, bool), String> {
    match c.unit {
        ClaimUnit::Percent => {
            let body = c
                .printed
                .strip_suffix('%')
                .ok_or_else(|| format!("rate {:?} must end with %", c.printed))?;
            parse_marked(body)
        }
        ClaimUnit::Count => {
            let (p, wrong) = parse_marked(&c.printed)?;
            if p.decimals > 0 {
                return Err(format!("a count {:?} has no decimals", c.printed));
            }
            Ok((p, wrong))
        }
        _ => parse_marked(&c.printed),
    }
}

fn round(value: Decimal, decimals: u32) -> Decimal {
    number::round(value, decimals)
}

fn divisor(unit: ClaimUnit) -> Decimal {
    match unit {
        ClaimUnit::Trieu => Decimal::from(1_000_000),
        ClaimUnit::Ty => Decimal::from(1_000_000_000),
        _ => Decimal::ONE,
    }
}

/// Checks every claim against the balances of one view (the plan year's lines) and, for the
/// claims of sections I and III, the indicators the view knows (`facts`).
pub fn check(claims: &[Claim], lines: &[LineBalance<'_>], facts: &Known<'_>) -> Vec<Verdict> {
    claims
        .iter()
        .map(|c| {
            let (printed, wrong_mark) = match printed_marked(c) {
                Ok(p) => p,
                // parse_claims refuses these before; a verdict keeps the pure function total.
                Err(e) => return failed_reading(c, e),
            };
            let mut v = if c.measure.is_fact() {
                reconcile_facts::check_one(c, printed, facts)
            } else {
                check_one(c, printed, lines)
            };
            if wrong_mark && v.ok {
                v.ok = false;
                v.mismatch = Some("decimal_mark");
                v.note = Some(format!(
                    "the figure is right but printed with the wrong decimal mark: {:?}, not {:?}",
                    c.printed, v.ledger
                ));
            } else if !v.ok {
                v.mismatch = Some(if v.exact.is_some() {
                    "value"
                } else {
                    "missing"
                });
            }
            v
        })
        .collect()
}

/// The verdict on a claim whose figure could not be read from the ledger, and why.
pub(crate) fn failed_reading(claim: &Claim, why: String) -> Verdict {
    Verdict {
        claim: claim.clone(),
        ledger: "–".into(),
        exact: None,
        ok: false,
        note: Some(why),
        mismatch: Some("missing"),
    }
}

fn check_one(claim: &Claim, printed: Printed, lines: &[LineBalance<'_>]) -> Verdict {
    let verdict = |ledger: String, exact: Option<String>, ok: bool, note: Option<String>| Verdict {
        claim: claim.clone(),
        ledger,
        exact,
        ok,
        note,
        mismatch: None,
    };
    let matching: Vec<&LineBalance<'_>> = lines.iter().filter(|l| claim.slice.matches(l)).collect();
    if matching.is_empty() {
        return verdict(
            "–".into(),
            None,
            false,
            Some(format!(
                "no line of the plan year matches {}",
                claim.slice.describe()
            )),
        );
    }
    let mut split = Split::default();
    for l in &matching {
        split.add(l);
    }
    let total = split.total();
    let d = printed.decimals;
    match claim.measure {
        Measure::Works => {
            let n = annex::works_count(&matching);
            let value = Decimal::from(n as u64);
            verdict(
                n.to_string(),
                Some(n.to_string()),
                value == printed.value,
                None,
            )
        }
        Measure::Rate => match annex::ratio(total) {
            None => verdict(
                "–".into(),
                None,
                false,
                Some("the slice has no plan, so no rate".into()),
            ),
            Some(r) => {
                let at = round(r * Decimal::ONE_HUNDRED, d);
                verdict(
                    format!("{}%", number::written(at, d, VI_SEPARATORS)),
                    Some(round(r, 10).normalize().to_string()),
                    at == printed.value,
                    None,
                )
            }
        },
        m => {
            let dong = match m {
                Measure::Plan => total.plan,
                Measure::Carried => split.carried.plan,
                Measure::InYear => split.in_year.plan,
                _ => total.disbursed,
            };
            let at = round(dong / divisor(claim.unit), d);
            verdict(
                number::written(at, d, VI_SEPARATORS),
                Some(dong.to_string()),
                at == printed.value,
                None,
            )
        }
    }
}

/// One compact JSON object per claim.
pub fn verdict_json(v: &Verdict) -> Value {
    let mut out = json!({
        "id": v.claim.id,
        "measure": v.claim.measure.as_str(),
        "slice": v.claim.slice.to_json(),
        "unit": v.claim.unit.as_str(),
        "claimed": v.claim.printed,
        "ledger": v.ledger,
        "exact": v.exact,
        "ok": v.ok,
        "note": v.note,
    });
    if let (Some(m), Value::Object(o)) = (v.mismatch, &mut out) {
        o.insert("mismatch".into(), m.into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vi_numbers_parse_with_their_printed_precision() {
        let p = |s: &str| parse_vi(s).map(|p| (p.value.to_string(), p.decimals));
        assert_eq!(p("21.597"), Ok(("21597.0".into(), 0)));
        assert_eq!(p("839"), Ok(("839.0".into(), 0)));
        assert_eq!(p("55,38"), Ok(("55.38".into(), 2)));
        assert_eq!(p("42,6"), Ok(("42.6".into(), 1)));
        assert_eq!(p("1.234.567,50"), Ok(("1234567.50".into(), 2)));
        assert_eq!(p("21597"), Ok(("21597.0".into(), 0)));
        for bad in [
            "", "21.59", "2.1597", "21,", ",5", "21.597.", "1 000", "-5", "5,5,5", "12a",
        ] {
            assert!(parse_vi(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
