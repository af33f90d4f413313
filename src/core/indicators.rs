//! The indicator catalogue (issue 16): the programs' result indicators a commune reports in
//! section III, each with its code, unit, kind, bounds and legal source, as versioned data
//! (`catalogue/indicators-2021-2025.json`, compiled in). The rules of version 4 refuse an
//! indicator the catalogue does not list (`unknown_indicator`) or a figure outside its kind's
//! bounds; a new catalogue is a new rules version, so old records keep being checked against
//! the catalogue that accepted them.

use rust_decimal::Decimal;
use serde::Deserialize;

/// The shipped catalogue file, as written (its version and sources travel with it).
pub const DATA: &str = include_str!("../../catalogue/indicators-2021-2025.json");

#[derive(Debug, Deserialize, Clone, Default)]
pub struct Catalogue {
    pub version: u32,
    pub period: String,
    pub indicators: Vec<Indicator>,
}

/// What sort of figure an indicator is, which sets its bounds and its form.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A share in percent, 0 to 100; may be recorded as numerator and denominator.
    Rate,
    /// A change in percentage points, −100 to 100.
    Change,
    /// A whole count ≥ 0.
    Count,
    /// A value ≥ 0 in the indicator's unit (income per head).
    Amount,
    /// A criterion recorded as met or not met (`"value": true | false`).
    Criterion,
}

#[derive(Debug, Deserialize, Clone)]
pub struct Indicator {
    pub code: String,
    pub program: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub unit: String,
    pub kind: IndicatorKind,
    pub source: String,
    /// Section III's sentence for the indicator, with `{name}`, `{value}`, `{numerator}`,
    /// `{denominator}`, `{period}`; none: the indicator is recorded but not printed alone.
    #[serde(default)]
    pub sentence_vi: Option<String>,
    #[serde(default)]
    pub sentence_en: Option<String>,
    /// Indicators of one program with the same bullet print as one "- " item, joined by "; ".
    #[serde(default)]
    pub bullet: Option<u32>,
    /// A criterion's number in its set (new-rural criteria 1–19).
    #[serde(default)]
    pub number: Option<u32>,
    /// A criterion's name as reports print it.
    #[serde(default)]
    pub short: Option<String>,
}

impl Indicator {
    /// The inclusive bounds of a value of this kind (none for a criterion).
    pub fn bounds(&self) -> Option<(Decimal, Option<Decimal>)> {
        match self.kind {
            IndicatorKind::Rate => Some((Decimal::ZERO, Some(Decimal::ONE_HUNDRED))),
            IndicatorKind::Change => Some((-Decimal::ONE_HUNDRED, Some(Decimal::ONE_HUNDRED))),
            IndicatorKind::Count | IndicatorKind::Amount => Some((Decimal::ZERO, None)),
            IndicatorKind::Criterion => None,
        }
    }
}

impl Catalogue {
    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The indicators of a program, in catalogue order.
    pub fn of_program<'a>(&'a self, program: &'a str) -> impl Iterator<Item = &'a Indicator> {
        self.indicators.iter().filter(move |i| i.program == program)
    }
}

/// The compiled-in catalogue (parsed on each call: it is small, and the core keeps no global
/// state). Empty only if the shipped file is invalid, which a test rules out.
pub fn shipped() -> Catalogue {
    serde_json::from_str(DATA).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_parses_with_sources_and_the_nineteen_criteria() {
        let c: Catalogue = serde_json::from_str(DATA).unwrap();
        assert_eq!(c.version, 1);
        assert!(c.indicators.iter().all(|i| !i.source.is_empty()));
        let criteria: Vec<u32> = c
            .of_program("NTM")
            .filter(|i| i.kind == IndicatorKind::Criterion)
            .filter_map(|i| i.number)
            .collect();
        assert_eq!(criteria, (1..=19).collect::<Vec<u32>>());
        assert!(c.get("NTM.TC03").unwrap().source.contains("318/QĐ-TTg"));
        assert_eq!(c.of_program("DTTS").count(), 6);
        let mut codes: Vec<&str> = c.indicators.iter().map(|i| i.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), c.indicators.len(), "codes are unique");
    }
}
