//! vi-VN display of money and rates: "." groups thousands, "," marks decimals.
//! Rounding happens here and only here, each figure on its own, half away from zero.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::core::number::{self, EN_SEPARATORS, Separators, VI_SEPARATORS};

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
            format!("{}%", number::fixed(p, decimals).replace('.', ","))
        }
    }
}

/// The language of a report: Vietnamese (vi-VN number style) or English (en-US style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// Every language, in the order they are offered.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    fn separators(self) -> Separators {
        match self {
            Lang::Vi => VI_SEPARATORS,
            Lang::En => EN_SEPARATORS,
        }
    }
}

/// The unit amounts are shown in. Each shows the same precision a report needs: whole đồng,
/// whole triệu (millions), or tỷ (billions) with three decimals, i.e. to the million.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Dong,
    Trieu,
    Ty,
}

impl Unit {
    /// Every unit, in the order they are offered.
    pub const ALL: [Unit; 3] = [Unit::Dong, Unit::Trieu, Unit::Ty];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Dong => "dong",
            Unit::Trieu => "trieu",
            Unit::Ty => "ty",
        }
    }
    /// đồng per unit.
    pub fn divisor(self) -> Decimal {
        match self {
            Unit::Dong => Decimal::ONE,
            Unit::Trieu => Decimal::from(1_000_000),
            Unit::Ty => Decimal::from(1_000_000_000),
        }
    }
    /// Decimals shown.
    pub fn decimals(self) -> u32 {
        match self {
            Unit::Ty => 3,
            Unit::Dong | Unit::Trieu => 0,
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Unit::Dong, Lang::Vi) => "đồng",
            (Unit::Trieu, Lang::Vi) => "triệu đồng",
            (Unit::Ty, Lang::Vi) => "tỷ đồng",
            (Unit::Dong, Lang::En) => "VND",
            (Unit::Trieu, Lang::En) => "million VND",
            (Unit::Ty, Lang::En) => "billion VND",
        }
    }
}

/// Rounds half away from zero to `decimals` places and writes it with the language's
/// separators: (21_597.2105, 0, Vi) → "21.597"; (55.383, 2, Vi) → "55,38"; (En) → "55.38".
pub fn number(value: Decimal, decimals: u32, lang: Lang) -> String {
    number::written(value, decimals, lang.separators())
}

/// An amount of đồng in `unit`, rounded on its own.
pub fn amount(dong: Decimal, unit: Unit, lang: Lang) -> String {
    number(dong / unit.divisor(), unit.decimals(), lang)
}

/// A ratio (disbursed / plan, exact) as a percentage with `decimals` places, rounded once.
pub fn ratio_percent(ratio: Option<Decimal>, decimals: u32, lang: Lang) -> String {
    match ratio {
        None => "–".to_string(),
        Some(r) => format!("{}%", number(r * Decimal::ONE_HUNDRED, decimals, lang)),
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

    #[test]
    fn numbers_with_many_decimals_are_written_not_a_panic() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let zeros = "0".repeat(27);
        assert_eq!(number(d("38996"), 27, Lang::Vi), format!("38.996,{zeros}"));
        assert_eq!(
            number(d("-12345678901234567890.5"), 30, Lang::En),
            format!("-12,345,678,901,234,567,890.5{}", "0".repeat(27))
        );
        assert_eq!(
            percent(Some(d("0.5")), 40),
            format!("50,{}%", "0".repeat(28))
        );
        assert_eq!(number(d("1.25"), 1, Lang::Vi), "1,3");
        assert_eq!(number(d("7"), 2, Lang::Vi), "7,00");
    }

    #[test]
    fn numbers_follow_the_language_and_round_half_away_from_zero() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(number(d("21597.2105"), 0, Lang::Vi), "21.597");
        assert_eq!(number(d("21597.2105"), 0, Lang::En), "21,597");
        assert_eq!(number(d("55.385"), 2, Lang::Vi), "55,39");
        assert_eq!(number(d("55.385"), 2, Lang::En), "55.39");
        assert_eq!(number(d("-55.385"), 2, Lang::Vi), "-55,39");
        assert_eq!(number(d("-0.0001"), 2, Lang::Vi), "0,00");
        assert_eq!(number(d("1234567.5"), 0, Lang::Vi), "1.234.568");
        assert_eq!(amount(d("38995994600"), Unit::Ty, Lang::Vi), "38,996");
        assert_eq!(amount(d("38995994600"), Unit::Trieu, Lang::Vi), "38.996");
        assert_eq!(amount(d("499999"), Unit::Trieu, Lang::Vi), "0");
        assert_eq!(amount(d("500000"), Unit::Trieu, Lang::Vi), "1");
        assert_eq!(
            amount(d("38995994600"), Unit::Dong, Lang::Vi),
            "38.995.994.600"
        );
        assert_eq!(ratio_percent(Some(d("0.42605")), 1, Lang::Vi), "42,6%");
        assert_eq!(ratio_percent(Some(d("0.42655")), 2, Lang::Vi), "42,66%");
        assert_eq!(ratio_percent(None, 2, Lang::Vi), "–");
    }
}
