//! Free text at the door: refused when it holds control characters, stored in one form.
//!
//! The same works name typed on two keyboards (Vietnamese composed "ộ" or "o" + two combining
//! marks, as macOS and some input methods send it) or with a stray trailing space used to be
//! three different works. New input is therefore normalised to Unicode NFC with surrounding
//! whitespace trimmed (`accept`), when import-format JSON is parsed, from every door. Stored
//! events are never rewritten: a store written before keeps its bytes, its hashes and its
//! meaning; where names are compared (works, idempotent re-sends), `normal_form` compares both
//! sides normalised, so old and new spellings of one name are one.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::core::event::{Event, Kind, Work};
use crate::core::rejection::{Code, Detail, FieldFault, Rejection};

/// Characters refused in text: C0 and C1 controls (NUL, tab, line breaks, ESC, DEL…) and the
/// bidirectional embeddings, overrides and isolates that make a name display as another.
pub fn is_refused(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims whitespace, including the no-break spaces spreadsheets keep.
fn trimmed(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
}

/// A text field of new input, checked and normalised: refused (`control_character`, naming
/// `key` and the character's position) if it holds a refused character; otherwise NFC with
/// surrounding whitespace trimmed.
pub fn accept(key: &str, text: &str) -> Result<String, Rejection> {
    if let Some((at, c)) = text.chars().enumerate().find(|(_, c)| is_refused(*c)) {
        return Err(Rejection::new(
            Code::ControlCharacter,
            Detail::field(
                key,
                None,
                FieldFault::ControlCharacter {
                    code_point: u32::from(c),
                    at: at + 1,
                },
            ),
            format!(
                "field {key:?} holds the control character U+{:04X} at character {}; text fields take printable characters only",
                u32::from(c),
                at + 1
            ),
        ));
    }
    Ok(normal_form(text).into_owned())
}

/// `text` as new input stores it (NFC, surrounding whitespace trimmed), for comparing a stored
/// name, perhaps written before normalisation, with another. Borrows when already normal.
pub fn normal_form(text: &str) -> Cow<'_, str> {
    let text = trimmed(text);
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// `event` with every free-text field in normal form: what parsing its import form gives today.
/// For an event stored before normalisation, compared with the same event sent again.
pub fn normalized(event: &Event) -> Event {
    let one = |s: &str| normal_form(s).into_owned();
    let opt = |s: &Option<String>| s.as_deref().map(one);
    let mut e = event.clone();
    e.actor = opt(&event.actor);
    e.note = opt(&event.note);
    if let Some(d) = &mut e.document {
        d.number = one(&d.number);
        d.issuer = opt(&d.issuer);
    }
    match &mut e.kind {
        Kind::OpenLine(spec) => {
            spec.work = opt(&spec.work);
            spec.name = opt(&spec.name);
        }
        Kind::Disburse { payee, .. } | Kind::Advance { payee, .. } => *payee = opt(payee),
        Kind::Commit { payee, .. } => *payee = one(payee),
        Kind::OpenWork(w) => {
            let Work {
                work,
                name,
                decision,
                owner,
                site,
                ..
            } = &mut **w;
            *work = one(work);
            *name = one(name);
            decision.number = one(&decision.number);
            decision.issuer = opt(&decision.issuer);
            *owner = opt(owner);
            *site = opt(site);
        }
        Kind::Contribute { work, .. } => *work = one(work),
        Kind::Reverse { reason, .. } => *reason = one(reason),
        Kind::Allocate { .. }
        | Kind::Reduce { .. }
        | Kind::Transfer { .. }
        | Kind::CarryOver { .. }
        | Kind::Refund { .. }
        | Kind::Lapse { .. }
        | Kind::SetDeadline { .. }
        | Kind::RegisterDocument(_)
        | Kind::RecordIndicator(_) => {}
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_and_surrounding_spaces_become_one_nfc_form() {
        let nfc = "Trường Tiểu học Lùng Phình";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(accept("work", &nfd).unwrap(), nfc);
        assert_eq!(accept("work", &format!(" {nfc}\u{a0}")).unwrap(), nfc);
        assert_eq!(normal_form(&nfd), normal_form(nfc));
        assert!(matches!(normal_form(nfc), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_are_refused_naming_field_and_position() {
        for (text, code) in [
            ("a\0b", "U+0000 at character 2"),
            ("a\tb", "U+0009"),
            ("a\nb", "U+000A"),
            ("\u{1b}[31m", "U+001B at character 1"),
            ("a\u{7f}", "U+007F"),
            ("a\u{85}", "U+0085"),
            ("abc\u{202e}gpj.exe", "U+202E at character 4"),
        ] {
            let r = accept("note", text).unwrap_err();
            assert_eq!(r.code, Code::ControlCharacter);
            assert!(
                r.message.contains("\"note\"") && r.message.contains(code),
                "{r}"
            );
        }
        assert_eq!(
            accept("note", "Ghi chú: 5% – “ổn”").unwrap(),
            "Ghi chú: 5% – “ổn”"
        );
    }
}
