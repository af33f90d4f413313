//! The budget unit a store belongs to (a commune, a district, a province): its code, its name
//! and the code of the unit above it. Pure: the rules for what a unit may be called.

/// Longest unit code (administrative codes are 5 digits; room for prefixes like `VN-`).
pub const MAX_CODE_CHARS: usize = 32;
/// Longest unit name.
pub const MAX_NAME_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// Why a unit as given is refused, with its facts (worded for people by
/// `present::cli_errors`; the English below is the words it always had).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitInvalid {
    /// A unit or parent code that cannot name a folder or a URL.
    Code {
        parent: bool,
        code: String,
    },
    NameLength,
    NameControl,
}

impl std::fmt::Display for UnitInvalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitInvalid::Code { parent, code } => {
                let what = if *parent { "parent code" } else { "unit code" };
                write!(
                    f,
                    "{what} {code:?} must be 1 to {MAX_CODE_CHARS} ASCII letters, digits, '.', '-' or '_'"
                )
            }
            UnitInvalid::NameLength => write!(
                f,
                "the unit name must have 1 to {MAX_NAME_CHARS} characters"
            ),
            UnitInvalid::NameControl => f.write_str("the unit name contains a control character"),
        }
    }
}

impl From<UnitInvalid> for String {
    fn from(e: UnitInvalid) -> String {
        e.to_string()
    }
}

impl Unit {
    /// Checks a unit as given by a user: codes are ASCII letters, digits, `.`, `-`, `_`
    /// (they name folders and URLs), names are non-empty text without control characters.
    pub fn new(code: &str, name: &str, parent: Option<&str>) -> Result<Unit, UnitInvalid> {
        check_code(false, code)?;
        if let Some(p) = parent {
            check_code(true, p)?;
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(UnitInvalid::NameLength);
        }
        if name.chars().any(char::is_control) {
            return Err(UnitInvalid::NameControl);
        }
        Ok(Unit {
            code: code.to_string(),
            name: name.to_string(),
            parent: parent.map(str::to_string),
        })
    }
}

fn check_code(parent: bool, code: &str) -> Result<(), UnitInvalid> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_CHARS
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(UnitInvalid::Code {
            parent,
            code: code.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_that_cannot_name_a_folder_or_url_are_refused() {
        assert!(Unit::new("04705", "Lùng Phình", Some("04")).is_ok());
        assert!(Unit::new("../x", "a", None).is_err());
        assert!(Unit::new("", "a", None).is_err());
        assert!(Unit::new("a b", "a", None).is_err());
        assert!(Unit::new("a", "  ", None).is_err());
        assert!(Unit::new("a", "x\ny", None).is_err());
        assert!(Unit::new("a", "x", Some("p/q")).is_err());
    }
}
