//! The number rule every figure follows: rounded once, half away from zero, then written with
//! a thousands separator and a decimal separator. Pure; the display layer
//! (`present::vi_format`) picks the separators for a language, and reconciliation writes the
//! ledger's figure the way a vi-VN claim is printed.

use rust_decimal::{Decimal, RoundingStrategy};

/// vi-VN separators: "." between groups of three digits, "," before decimals.
pub const VI_SEPARATORS: Separators = Separators {
    group: '.',
    decimal: ',',
};
/// en-US separators: "," between groups of three digits, "." before decimals.
pub const EN_SEPARATORS: Separators = Separators {
    group: ',',
    decimal: '.',
};

/// How a number is written: the thousands separator and the decimal separator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Separators {
    pub group: char,
    pub decimal: char,
}

/// Rounds half away from zero to `decimals` places, as everywhere in socai.
pub fn round(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

/// Most decimals written: a Decimal holds no digit past the 28th.
const MAX_WRITTEN_DECIMALS: u32 = 28;

/// `value` rounded half away from zero to `decimals` places (at most 28) and written with
/// exactly that many, "-" and "." as Rust writes them. Not `format!("{:.N}")`: rust_decimal
/// writes that into a 32-character buffer and panics once sign, digits and N do not fit
/// (a claim printed with 27 decimals aborted `reconcile`).
pub fn fixed(value: Decimal, decimals: u32) -> String {
    let decimals = decimals.min(MAX_WRITTEN_DECIMALS);
    let rounded = round(value, decimals);
    let mut text = rounded.to_string();
    let written = text.split_once('.').map_or(0, |(_, frac)| frac.len());
    let missing = (decimals as usize).saturating_sub(written);
    if missing > 0 {
        if written == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n('0', missing));
    }
    text
}

/// Rounds to `decimals` places and writes it with `seps`:
/// (21_597.2105, 0, vi) → "21.597"; (55.383, 2, vi) → "55,38"; (en) → "55.38".
pub fn written(value: Decimal, decimals: u32, seps: Separators) -> String {
    let rounded = round(value, decimals);
    let text = fixed(rounded, decimals);
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    // "-0" is not a figure anyone prints.
    if !rounded.is_zero() {
        out.push_str(sign);
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(seps.group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(seps.decimal);
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_rounds_once_and_groups_with_the_separators() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(written(d("21597.2105"), 0, VI_SEPARATORS), "21.597");
        assert_eq!(written(d("21597.2105"), 0, EN_SEPARATORS), "21,597");
        assert_eq!(written(d("55.385"), 2, VI_SEPARATORS), "55,39");
        assert_eq!(written(d("-0.0001"), 2, VI_SEPARATORS), "0,00");
        assert_eq!(written(d("-1234567.5"), 0, VI_SEPARATORS), "-1.234.568");
    }
}
