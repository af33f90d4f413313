//! Money and dates: whole đồng as `Decimal`, civil dates, and the one place rates are computed.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

/// The largest single amount an event may carry: 10^16 đồng (ten million billion).
pub const MAX_AMOUNT: i64 = 10_000_000_000_000_000;
/// Dates outside these years are refused: they are typing errors, not budget history.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

/// A positive amount of whole đồng, at most `MAX_AMOUNT`.
/// The only way to build one is `Amount::parse` or `Amount::from_decimal`, which check the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Amount {
    /// Parses the import form: a string of ASCII digits, no sign, no separators, no fraction.
    pub fn parse(text: &str) -> Result<Amount, String> {
        if text.is_empty() {
            return Err("amount is empty".to_string());
        }
        if text.len() > 20 {
            return Err(format!("amount {text:?} is longer than 20 digits"));
        }
        if text.starts_with('0') {
            return Err(format!(
                "amount {text:?} must be greater than 0 and written without leading zeros"
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "amount {text:?} must be whole đồng written with digits only (no sign, separators or decimals)"
            ));
        }
        let value: i64 = text
            .parse()
            .map_err(|_| format!("amount {text:?} is larger than 10^16 đồng"))?;
        Amount::from_decimal(Decimal::from(value))
    }

    /// Checks a decimal read back from storage or computed: whole, > 0, ≤ 10^16.
    pub fn from_decimal(value: Decimal) -> Result<Amount, String> {
        if value.fract() != Decimal::ZERO {
            return Err(format!("amount {value} is not a whole number of đồng"));
        }
        if value <= Decimal::ZERO {
            return Err(format!("amount {value} must be greater than 0"));
        }
        if value > Decimal::from(MAX_AMOUNT) {
            return Err(format!("amount {value} is larger than 10^16 đồng"));
        }
        Ok(Amount(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The vi-VN amount rule for text (a plan table's CSV or text cells, the dashboard's form).
/// Spaces around it, including the no-break spaces spreadsheets keep, are ignored. Amounts are whole đồng:
/// - plain digits: `1234567`;
/// - digits grouped by `.` in groups of exactly three, with at least two dots: `1.234.567`
///   (no other reading exists: an English decimal has one point);
/// - a single dot (`1.234`, `150.000`) is refused as ambiguous: 1 234 đồng in vi-VN, 1.234 in
///   English; write `1234` or `150000`;
/// - a comma anywhere (`1,5`, `1.234,00`, `1,234,567`), spaces inside, signs, units: refused.
pub fn parse_amount_text(raw: &str) -> Result<Amount, String> {
    let text = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}');
    if text.is_empty() {
        return Err("the amount is empty".into());
    }
    if text.contains(',') {
        return Err(format!(
            "{text:?} has a comma: in vi-VN that is a decimal mark, in English a thousands separator; amounts are whole đồng, write digits only (e.g. 1234567) or group with dots (1.234.567)"
        ));
    }
    let digits = if text.contains('.') {
        let groups: Vec<&str> = text.split('.').collect();
        let shaped = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
            && (1..=3).contains(&groups[0].len())
            && !groups[0].starts_with('0')
            && groups[1..].iter().all(|g| g.len() == 3);
        if !shaped {
            return Err(format!(
                "{text:?} is not whole đồng: dots may only group digits by three (1.234.567); decimals are refused"
            ));
        }
        if groups.len() == 2 {
            return Err(format!(
                "{text:?} is ambiguous: {} đồng in vi-VN or {text} in English; write {} (digits only) or with two group dots",
                groups.concat(),
                groups.concat()
            ));
        }
        groups.concat()
    } else {
        text.to_string()
    };
    Amount::parse(&digits)
}

/// Parses a civil date written exactly `YYYY-MM-DD`, between `MIN_YEAR` and `MAX_YEAR`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!("date {text:?} is not of the form YYYY-MM-DD"));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("date {text:?} does not exist in the calendar"))?;
    check_year(date.year()).map_err(|e| format!("date {text:?}: {e}"))?;
    Ok(date)
}

pub fn check_year(year: i32) -> Result<(), String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(format!("year {year} is outside {MIN_YEAR}–{MAX_YEAR}"))
    }
}

/// disbursed / plan, rounded to 4 decimals half away from zero; `None` when there is no plan.
pub fn rate(disbursed: Decimal, plan: Decimal) -> Option<Decimal> {
    if plan.is_zero() {
        return None;
    }
    let r = disbursed.checked_div(plan)?;
    Some(r.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero))
}

/// Whole-đồng text with a fixed 4-decimal rate, for machine output (`"0.5538"`).
pub fn rate_text(rate: Option<Decimal>) -> Option<String> {
    rate.map(|r| format!("{:.4}", r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_accept_only_positive_whole_dong_up_to_ten_to_the_sixteen() {
        assert_eq!(Amount::parse("1").map(|a| a.to_string()), Ok("1".into()));
        assert!(Amount::parse("10000000000000000").is_ok());
        for bad in [
            "",
            "0",
            "007",
            "-5",
            "+5",
            "1.5",
            "1,000",
            "1.000",
            "1e3",
            " 5",
            "10000000000000001",
            "99999999999999999999",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Amount::from_decimal(Decimal::new(15, 1)).is_err());
    }

    #[test]
    fn dates_are_strict_and_bounded() {
        assert!(parse_date("2025-11-20").is_ok());
        for bad in [
            "2025-2-1",
            "2025-02-30",
            "1999-12-31",
            "2101-01-01",
            "20251120",
            "2025-11-20T00:00",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_date("2000-01-01").is_ok());
        assert!(parse_date("2100-12-31").is_ok());
    }

    #[test]
    fn rate_rounds_half_away_from_zero_and_is_none_without_plan() {
        assert_eq!(rate(Decimal::from(1), Decimal::ZERO), None);
        // 1/3 = 0.33333… → 0.3333
        assert_eq!(
            rate_text(rate(Decimal::from(1), Decimal::from(3))).as_deref(),
            Some("0.3333")
        );
        // 0.00005 exactly → rounds up to 0.0001
        assert_eq!(
            rate_text(rate(Decimal::from(1), Decimal::from(20000))).as_deref(),
            Some("0.0001")
        );
        // 2/3 = 0.66666… → 0.6667
        assert_eq!(
            rate_text(rate(Decimal::from(2), Decimal::from(3))).as_deref(),
            Some("0.6667")
        );
    }
}
