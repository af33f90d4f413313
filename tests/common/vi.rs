//! vi-VN number oracles, computed here from whole đồng with integer arithmetic (never the
//! code under test, never floats): what the seed report and the pages print.

/// Groups of three digits separated by dots: 38996 → "38.996", -1234567 → "-1.234.567".
pub fn group(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `num / den` rounded half away from zero to a whole number.
pub fn div_round(num: i128, den: i128) -> i128 {
    assert!(den > 0, "a positive denominator");
    let q = (2 * num.abs() + den) / (2 * den);
    if num < 0 { -q } else { q }
}

/// Whole đồng as whole triệu (millions), half away from zero, each figure on its own.
pub fn trieu(dong: i128) -> i128 {
    div_round(dong, 1_000_000)
}

/// Whole đồng as vi-VN triệu text: 38_995_512_000 → "38.996".
pub fn trieu_text(dong: i128) -> String {
    group(trieu(dong))
}

/// The rate `part / whole` as a vi-VN percentage with two decimals, rounded once from the
/// exact ratio, half away from zero: (21_597, 38_996) → "55,38%".
pub fn percent(part: i128, whole: i128) -> String {
    let hundredths = div_round(part * 10_000, whole);
    let sign = if hundredths < 0 { "-" } else { "" };
    let h = hundredths.abs();
    format!("{sign}{},{:02}%", group(h / 100), h % 100)
}

/// A rate as JSON carries it (a decimal string with four decimals, "0.7924") as a vi-VN
/// percentage: "79,24%". Exact: the digits move, nothing is rounded.
pub fn rate_percent(rate: &str) -> String {
    let (whole, frac) = rate.split_once('.').unwrap_or((rate, ""));
    assert!(frac.len() <= 4, "a rate has at most four decimals: {rate}");
    let scaled: i128 = format!("{whole}{frac:0<4}").parse().unwrap();
    let sign = if scaled < 0 { "-" } else { "" };
    let s = scaled.abs();
    format!("{sign}{},{:02}%", group(s / 100), s % 100)
}

/// Whether `s` holds a letter only Vietnamese writes (a vowel with a diacritic, or đ).
pub fn has_vietnamese(s: &str) -> bool {
    s.chars()
        .any(|c| "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ".contains(c))
}
