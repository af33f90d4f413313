//! Text cells of every CSV output, made safe for spreadsheets.
//!
//! Excel and LibreOffice run a cell that starts with `=`, `+`, `-` or `@` as a formula (and
//! strip a leading tab or carriage return before looking), so a document number such as
//! `=HYPERLINK("http://…")` in an export would run on the reader's machine. Following OWASP's
//! advice on CSV injection, such a text cell is written with a single quote in front; the
//! quote shows, the formula does not run. Numbers are written by their own code and never pass
//! here: a negative amount stays a number a spreadsheet can sum.

use std::borrow::Cow;

/// First characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text field as a CSV cell: prefixed with `'` when a spreadsheet would run it.
pub fn text(field: &str) -> Cow<'_, str> {
    if field.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_a_quote_and_other_text_is_unchanged() {
        for f in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(text(f), format!("'{f}"));
        }
        for f in ["", "QĐ-12/UBND", "1-2", "a=b", "'=1", "Trường học"] {
            assert_eq!(text(f), f);
        }
    }
}
