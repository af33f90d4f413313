//! What makes a report an official document (thể thức văn bản): the reporting unit, the
//! report number and date at the head, and the signature block (người lập, kế toán trưởng,
//! thủ trưởng đơn vị) at the foot. Every format draws them from here; `xlsx` (and any other
//! writer) calls `head_lines` and `signatures`.

use chrono::{Datelike, NaiveDate};

use super::Provenance;
use crate::present::messages::{Lang, t};

/// Longest report number accepted (`--number`).
pub const MAX_NUMBER_CHARS: usize = 64;

/// The report number and date given by the person who issues it (both optional: an
/// unnumbered draft prints blanks to fill in by hand, as the seed report does).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Official {
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
}

impl Official {
    /// Checks a report number given at the door: short, printable, one line.
    pub fn check_number(number: &str) -> Result<String, String> {
        let n = number.trim();
        if n.is_empty() || n.chars().count() > MAX_NUMBER_CHARS {
            return Err(format!(
                "a report number has 1 to {MAX_NUMBER_CHARS} characters"
            ));
        }
        if n.chars().any(char::is_control) {
            return Err("a report number holds no control characters".to_string());
        }
        Ok(n.to_string())
    }
}

/// One signature of the block: the role and what the signer writes under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    pub role: &'static str,
    pub hint: &'static str,
}

/// The three signatures of a commune's financial report, left to right.
pub fn signatures(lang: Lang) -> [Signature; 3] {
    let sign = t(lang, "(Ký, ghi rõ họ tên)", "(signature, full name)");
    [
        Signature {
            role: t(lang, "NGƯỜI LẬP", "PREPARED BY"),
            hint: sign,
        },
        Signature {
            role: t(lang, "KẾ TOÁN TRƯỞNG", "CHIEF ACCOUNTANT"),
            hint: sign,
        },
        Signature {
            role: t(lang, "THỦ TRƯỞNG ĐƠN VỊ", "HEAD OF UNIT"),
            hint: t(
                lang,
                "(Ký, ghi rõ họ tên, đóng dấu)",
                "(signature, full name, seal)",
            ),
        },
    ]
}

/// The unit's line of the head: its name in capitals and its code (Vietnamese), or a
/// reminder of how to declare it.
fn unit_line(prov: &Provenance, lang: Lang) -> String {
    match (&prov.unit, lang) {
        (Some(u), Lang::Vi) => format!("{} (mã đơn vị: {})", u.name.to_uppercase(), u.code),
        (Some(u), Lang::En) => format!("{} (unit code {})", u.name, u.code),
        (None, _) => no_unit(lang).to_string(),
    }
}

fn no_unit(lang: Lang) -> &'static str {
    t(
        lang,
        "ĐƠN VỊ: (chưa khai báo: socai init --unit MÃ --name TÊN)",
        "UNIT: (not set: socai init --unit CODE --name NAME)",
    )
}

/// "Số: 12/BC-UBND", or dots to fill in by hand.
fn number_line(prov: &Provenance, lang: Lang) -> String {
    let number = prov
        .official
        .number
        .clone()
        .unwrap_or_else(|| "........../BC".to_string());
    format!("{} {number}", t(lang, "Số:", "No."))
}

/// "ngày 05 tháng 12 năm 2025", or dots to fill in by hand.
fn date_words(prov: &Provenance, lang: Lang) -> String {
    match (prov.official.date, lang) {
        (Some(d), Lang::Vi) => format!(
            "ngày {:02} tháng {:02} năm {}",
            d.day(),
            d.month(),
            d.year()
        ),
        (Some(d), Lang::En) => format!("Date: {d}"),
        (None, Lang::Vi) => "ngày ..... tháng ..... năm ........".to_string(),
        (None, Lang::En) => "Date: ..........".to_string(),
    }
}

/// The national motto (quốc hiệu and tiêu ngữ), as a state body heads its documents.
pub fn motto(lang: Lang) -> [&'static str; 2] {
    [
        t(
            lang,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "SOCIALIST REPUBLIC OF VIET NAM",
        ),
        t(
            lang,
            "Độc lập - Tự do - Hạnh phúc",
            "Independence - Freedom - Happiness",
        ),
    ]
}

/// The head of the report, line by line: the unit (name in capitals, its code), the report
/// number, the national motto, the date. Blanks (dots) where nothing was given.
pub fn head_lines(prov: &Provenance, lang: Lang) -> Vec<String> {
    let mut lines = vec![unit_line(prov, lang), number_line(prov, lang)];
    if lang == Lang::Vi {
        lines.extend(motto(lang).map(str::to_string));
    }
    lines.push(date_words(prov, lang));
    lines
}

/// The head of the whole report in the two blocks of a state document (Nghị định
/// 30/2020/NĐ-CP): on the left the issuing unit (under the unit above it, where the store
/// names one) and the number; on the right the national motto and the place and date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The unit above the issuer (the store keeps its code only).
    pub upper: Option<String>,
    pub unit: String,
    pub number: String,
    pub motto: [&'static str; 2],
    pub place_date: String,
}

/// The whole report's head (`Head`): the unit's name in capitals, the place taken from it.
pub fn head(prov: &Provenance, lang: Lang) -> Head {
    let unit = match (&prov.unit, lang) {
        (Some(u), Lang::Vi) => u.name.to_uppercase(),
        (Some(u), Lang::En) => u.name.clone(),
        (None, _) => no_unit(lang).to_string(),
    };
    let place = prov
        .unit
        .as_ref()
        .map_or_else(|| "..........".to_string(), |u| place_name(&u.name));
    let place_date = match (lang, prov.official.date) {
        (Lang::Vi, _) => format!("{place}, {}", date_words(prov, lang)),
        (Lang::En, Some(d)) => format!("{place}, {d}"),
        (Lang::En, None) => format!("{place}, .........."),
    };
    Head {
        upper: prov
            .unit
            .as_ref()
            .and_then(|u| u.parent.as_ref())
            .map(|p| p.to_uppercase()),
        unit,
        number: number_line(prov, lang),
        motto: motto(lang),
        place_date,
    }
}

/// The place a unit's documents are dated at (địa danh): its name without the kind of body
/// or administrative unit in front ("UBND xã Lùng Phình" → "Lùng Phình").
pub fn place_name(unit_name: &str) -> String {
    const KINDS: [&str; 9] = [
        "ubnd ",
        "ủy ban nhân dân ",
        "uỷ ban nhân dân ",
        "xã ",
        "phường ",
        "thị trấn ",
        "đặc khu ",
        "huyện ",
        "tỉnh ",
    ];
    let mut rest: Vec<char> = unit_name.trim().chars().collect();
    loop {
        let lower: String = rest.iter().collect::<String>().to_lowercase();
        let Some(kind) = KINDS.iter().find(|k| lower.starts_with(*k)) else {
            break;
        };
        let n = kind.chars().count();
        if n >= rest.len() {
            break;
        }
        rest.drain(..n);
    }
    rest.into_iter().collect()
}

/// The signature block as plain text: three centred columns, room to sign below.
pub fn signatures_text(lang: Lang) -> String {
    const WIDTH: usize = 32;
    let centre = |s: &str| {
        let n = s.chars().count();
        let left = WIDTH.saturating_sub(n) / 2;
        format!(
            "{}{s}{}",
            " ".repeat(left),
            " ".repeat(WIDTH.saturating_sub(n + left))
        )
    };
    let sigs = signatures(lang);
    let row = |f: &dyn Fn(&Signature) -> &'static str| {
        let line: String = sigs.iter().map(|s| centre(f(s))).collect();
        line.trim_end().to_string()
    };
    format!("\n{}\n{}\n\n\n\n", row(&|s| s.role), row(&|s| s.hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_numbers_are_short_printable_lines() {
        assert_eq!(
            Official::check_number(" 12/BC-UBND ").as_deref(),
            Ok("12/BC-UBND")
        );
        assert!(Official::check_number("").is_err());
        assert!(Official::check_number("12\n/BC").is_err());
        assert!(Official::check_number(&"9".repeat(65)).is_err());
    }

    #[test]
    fn the_signature_block_names_the_three_signers() {
        let text = signatures_text(Lang::Vi);
        for role in ["NGƯỜI LẬP", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ"] {
            assert!(text.contains(role), "{text}");
        }
        assert!(text.contains("(Ký, ghi rõ họ tên, đóng dấu)"), "{text}");
    }

    #[test]
    fn the_place_of_the_date_line_is_the_unit_name_without_its_kind() {
        assert_eq!(place_name("UBND xã Lùng Phình"), "Lùng Phình");
        assert_eq!(place_name("Ủy ban nhân dân xã Lùng Phình"), "Lùng Phình");
        assert_eq!(place_name("Xã Lùng Phình"), "Lùng Phình");
        assert_eq!(place_name("Bắc Hà"), "Bắc Hà");
        // A name that is only a kind stays as it is.
        assert_eq!(place_name("Xã "), "Xã");
    }
}
