//! `Accept-Language` on the API's text answers and error messages: Vietnamese unless the
//! client prefers English. Only the two languages socai speaks are matched; anything else,
//! a malformed header or none at all gives Vietnamese.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

use crate::present::vi_format::Lang;

/// Longest header read; a longer one is ignored (Vietnamese).
const MAX_HEADER: usize = 1024;

/// The language the request prefers, by the q-values of `Accept-Language`.
pub fn preferred(headers: &HeaderMap) -> Lang {
    let Some(value) = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= MAX_HEADER)
    else {
        return Lang::Vi;
    };
    let mut best: Option<(u16, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let lang = match tag.split('-').next() {
            Some("vi") => Lang::Vi,
            Some("en") => Lang::En,
            _ => continue,
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(quality))
            .unwrap_or(1000);
        // Ties go to the earlier entry, as the client listed them.
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Vi, |(_, lang)| lang)
}

/// A q-value in thousandths (`0.8` → 800); unreadable ones count as 0 (not acceptable).
fn quality(text: &str) -> u16 {
    let text = text.trim();
    let value: f32 = text.parse().unwrap_or(0.0);
    if (0.0..=1.0).contains(&value) {
        (value * 1000.0).round() as u16
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang_of(header: Option<&str>) -> Lang {
        let mut h = HeaderMap::new();
        if let Some(v) = header {
            h.insert(ACCEPT_LANGUAGE, v.parse().unwrap());
        }
        preferred(&h)
    }

    #[test]
    fn vietnamese_unless_english_is_preferred() {
        assert_eq!(lang_of(None), Lang::Vi);
        assert_eq!(lang_of(Some("en")), Lang::En);
        assert_eq!(lang_of(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(lang_of(Some("vi-VN,vi;q=0.9,en;q=0.8")), Lang::Vi);
        assert_eq!(lang_of(Some("fr, en;q=0.5, vi;q=0.9")), Lang::Vi);
        assert_eq!(lang_of(Some("de")), Lang::Vi);
        assert_eq!(lang_of(Some("en;q=0")), Lang::Vi);
        assert_eq!(lang_of(Some("*")), Lang::Vi);
    }
}
