//! What `socai replay` says of each batch and query of a fixture (issue 14): a verdict with
//! its facts, worded here in Vietnamese (the default) or English, one line each, `ok` or
//! `FAIL` first (Vietnamese: `đạt` / `LỖI`). The English keeps the words it had before.

use std::path::PathBuf;

use crate::present::app_errors::{IoCause, shown};
use crate::present::messages::say;
use crate::present::phrases::query_failed;
use crate::present::problems::os_refused_on;
pub use crate::present::vi_format::Lang;

/// The verdict on one batch or query of a fixture.
#[derive(Debug, Clone)]
pub enum Verdict {
    Appended {
        file: String,
        head: u64,
    },
    RefusedAsExpected {
        file: String,
        code: String,
    },
    NotRefused {
        file: String,
        want: String,
    },
    /// Refused with `got` where `want` (none: success) was expected.
    RefusedOtherwise {
        file: String,
        got: String,
        want: Option<String>,
    },
    QueryMatches {
        name: String,
    },
    /// `--bless`: the expected output was written, or was already the same.
    Blessed {
        name: String,
        unchanged: bool,
    },
    QueryFailed {
        name: String,
        cause: String,
    },
    NoExpected {
        name: String,
        path: PathBuf,
        cause: IoCause,
    },
    /// The first line where the output differs from the expected one (1-based), both lines.
    Differs {
        name: String,
        path: PathBuf,
        line: usize,
        expected: Option<String>,
        actual: Option<String>,
    },
}

impl Verdict {
    /// Whether the verdict is a failure.
    pub fn failed(&self) -> bool {
        !matches!(
            self,
            Verdict::Appended { .. }
                | Verdict::RefusedAsExpected { .. }
                | Verdict::QueryMatches { .. }
                | Verdict::Blessed { .. }
        )
    }

    /// The verdict's line, with its mark, ending in a newline.
    pub fn line(&self, lang: Lang) -> String {
        let mark = match (self.failed(), lang) {
            (false, Lang::En) => "ok   ",
            (true, Lang::En) => "FAIL ",
            (false, Lang::Vi) => "đạt  ",
            (true, Lang::Vi) => "LỖI  ",
        };
        format!("{mark} {}\n", self.words(lang))
    }

    fn words(&self, lang: Lang) -> String {
        match self {
            Verdict::Appended { file, head } => say(
                lang,
                format!("lô {file}: đã ghi, sự kiện cuối số {head}"),
                format!("batch {file}: appended, head {head}"),
            ),
            Verdict::RefusedAsExpected { file, code } => say(
                lang,
                format!("lô {file}: bị từ chối với {code}, đúng như mong đợi"),
                format!("batch {file}: refused with {code}, as expected"),
            ),
            Verdict::NotRefused { file, want } => say(
                lang,
                format!("lô {file}: mong đợi bị từ chối với {want}, nhưng đã được ghi"),
                format!("batch {file}: expected refusal {want}, but it was appended"),
            ),
            Verdict::RefusedOtherwise { file, got, want } => say(
                lang,
                format!(
                    "lô {file}: bị từ chối với {got}, mong đợi {}",
                    want.as_deref().unwrap_or("ghi thành công")
                ),
                format!(
                    "batch {file}: refused with {got}, expected {}",
                    want.as_deref().unwrap_or("success")
                ),
            ),
            Verdict::QueryMatches { name } => {
                say(lang, format!("truy vấn {name}"), format!("query {name}"))
            }
            Verdict::Blessed { name, unchanged } => say(
                lang,
                format!(
                    "truy vấn {name}: {}",
                    if *unchanged {
                        "không đổi"
                    } else {
                        "đã ghi"
                    }
                ),
                format!(
                    "query {name}: {}",
                    if *unchanged { "unchanged" } else { "written" }
                ),
            ),
            Verdict::QueryFailed { name, cause } => {
                let (vi, en) = query_failed(name, cause);
                say(lang, vi, en)
            }
            Verdict::NoExpected { name, path, cause } => os_refused_on(
                lang,
                (
                    &format!("truy vấn {name}: không đọc được"),
                    &format!("query {name}: cannot read"),
                ),
                path,
                cause,
            ),
            Verdict::Differs {
                name,
                path,
                line,
                expected,
                actual,
            } => {
                let end = |l: &Option<String>| l.clone().unwrap_or_else(|| "<end>".into());
                let (expected, actual) = (end(expected), end(actual));
                say(
                    lang,
                    format!(
                        "truy vấn {name}: kết quả khác {} ở dòng {line}\n      mong đợi: {expected}\n      thực tế:  {actual}",
                        shown(path)
                    ),
                    format!(
                        "query {name}: output differs from {} at line {line}\n      expected: {expected}\n      actual:   {actual}",
                        shown(path)
                    ),
                )
            }
        }
    }
}

/// The verdicts as the report `replay` prints.
pub fn report(verdicts: &[Verdict], lang: Lang) -> String {
    verdicts.iter().map(|v| v.line(lang)).collect()
}
