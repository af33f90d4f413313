//! vi-VN display of money and rates: "." groups thousands, "," marks decimals.
//! Rounding happens here and only here, each figure on its own, half away from zero.

use rust_decimal::{Decimal, RoundingStrategy};

/// Groups the integer digits of a whole number: 38996 → "38.996", -1500 → "-1.500".
pub fn group(whole: Decimal) -> String {
    let text = whole
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Whole đồng with grouping: "1.234.567".
pub fn dong(amount: Decimal) -> String {
    group(amount)
}

/// Millions of đồng (triệu đồng), rounded to whole millions: 38_995_700_000 → "38.996".
pub fn trieu(amount: Decimal) -> String {
    group(amount / Decimal::from(1_000_000))
}

/// A rate (a fraction) as a percentage with `decimals` places: 0.55383 → "55,38%".
pub fn percent(rate: Option<Decimal>, decimals: u32) -> String {
    match rate {
        None => "–".to_string(),
        Some(r) => {
            let p = (r * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
            let text = format!("{:.*}", decimals as usize, p);
            format!("{}%", text.replace('.', ","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_like_the_seed_report() {
        assert_eq!(trieu(Decimal::from(38_995_700_000i64)), "38.996");
        assert_eq!(trieu(Decimal::from(838_500_000i64)), "839");
        assert_eq!(trieu(Decimal::from(838_499_999i64)), "838");
        assert_eq!(dong(Decimal::from(1_234_567)), "1.234.567");
        assert_eq!(dong(Decimal::from(-1500)), "-1.500");
        assert_eq!(dong(Decimal::ZERO), "0");
        assert_eq!(dong(Decimal::from(100)), "100");
    }

    #[test]
    fn percent_uses_a_decimal_comma() {
        assert_eq!(percent(Some(Decimal::new(5538, 4)), 2), "55,38%");
        assert_eq!(percent(Some(Decimal::new(426, 3)), 1), "42,6%");
        assert_eq!(percent(Some(Decimal::new(5, 1)), 2), "50,00%");
        assert_eq!(percent(None, 2), "–");
    }
}
