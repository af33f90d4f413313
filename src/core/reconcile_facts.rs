//! The claims of section III (issue 16): an indicator's figure, numerator, denominator or
//! target, and a program's criteria met, checked against the indicators a view knows at the
//! precision printed, like money (`core::reconcile`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::core::facts::Figure;
use crate::core::indicators::{self, IndicatorKind};
use crate::core::number::{self, VI_SEPARATORS};
use crate::core::reconcile::{Claim, ClaimUnit, Measure, Printed, Slice, Verdict, failed_reading};
use crate::core::rules::Recorded;

/// The indicators a view knows, by (indicator, period): `facts_view::indicators`.
pub type Known<'a> = BTreeMap<(&'a str, &'a str), &'a Recorded>;

/// The ledger's exact figure for a fact claim, or why there is none.
fn exact(claim: &Claim, known: &Known<'_>) -> Result<Decimal, String> {
    match &claim.slice {
        Slice::Indicator { indicator, period } => {
            let fact = known
                .get(&(indicator.as_str(), period.as_str()))
                .and_then(|r| crate::core::facts_view::fact(r))
                .ok_or_else(|| format!("no figure of {indicator} for {period} is recorded"))?;
            let part = match claim.measure {
                Measure::Indicator => Some(fact.exact()),
                Measure::Target => fact.target,
                Measure::Numerator => fact.numerator,
                Measure::Denominator => fact.denominator,
                _ => None,
            };
            part.ok_or_else(|| {
                format!(
                    "{indicator} for {period} has no {} recorded",
                    claim.measure.as_str()
                )
            })
        }
        Slice::Criteria { program, period } => {
            let catalogue = indicators::shipped();
            let set: Vec<&str> = catalogue
                .of_program(program)
                .filter(|i| i.kind == IndicatorKind::Criterion)
                .map(|i| i.code.as_str())
                .collect();
            if set.is_empty() {
                return Err(format!(
                    "program {program} has no criteria in the catalogue"
                ));
            }
            let met = set
                .iter()
                .filter(|code| {
                    known
                        .get(&(**code, period.as_str()))
                        .and_then(|r| crate::core::facts_view::fact(r))
                        .is_some_and(|f| f.figure == Figure::Met(true))
                })
                .count();
            let n = if claim.measure == Measure::Met {
                met
            } else {
                set.len()
            };
            Ok(Decimal::from(n as u64))
        }
        other => Err(format!("{} is not a slice of indicators", other.describe())),
    }
}

/// One fact claim's verdict (its mismatch code is set by the caller).
pub fn check_one(claim: &Claim, printed: Printed, known: &Known<'_>) -> Verdict {
    let d = printed.decimals;
    match exact(claim, known) {
        Err(why) => failed_reading(claim, why),
        Ok(value) => {
            let at = number::round(value, d);
            let written = number::written(at, d, VI_SEPARATORS);
            Verdict {
                claim: claim.clone(),
                ledger: if claim.unit == ClaimUnit::Percent {
                    format!("{written}%")
                } else {
                    written
                },
                exact: Some(value.normalize().to_string()),
                ok: at == printed.value,
                note: None,
                mismatch: None,
            }
        }
    }
}
