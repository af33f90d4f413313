//! Phrases that several catalogue sentences share, each said once: an output's formats, a
//! page past the head, a fixture query that failed. (`problems::os_refused` frames what the
//! operating system refused.)

use crate::present::messages::say;
use crate::present::vi_format::Lang;

/// An output asked for in a format it has no form in: "<what> is written as a, b or c, not
/// <given>" ("… được ghi dạng a, b hoặc c, không phải …").
pub(crate) fn written_as(
    lang: Lang,
    (vi, en): (&str, &str),
    formats: &[&str],
    given: &str,
) -> String {
    let list = |or: &str| match formats.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {or} {last}", rest.join(", ")),
        _ => formats.concat(),
    };
    say(
        lang,
        format!("{vi} được ghi dạng {}, không phải {given}", list("hoặc")),
        format!("{en} is written as {}, not {given}", list("or")),
    )
}

/// A page asked to start after the last recorded sequence (`events`, GET /v1/events): the
/// same sentence at every door.
pub(crate) fn after_beyond_head(after: u64, head: u64) -> (String, String) {
    (
        format!("after {after} vượt quá số thứ tự cuối cùng đã ghi ({head})"),
        format!("after {after} is beyond the last recorded sequence ({head})"),
    )
}

/// A fixture's query that did not run (`replay` reports it, `--bless` refuses on it): the
/// same sentence in both.
pub(crate) fn query_failed(name: &str, cause: &str) -> (String, String) {
    (
        format!("truy vấn {name}: {cause}"),
        format!("query {name}: {cause}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared phrases (`written_as`, `query_failed`, `not_blessed`, `os_refused_on`,
    /// `cli_errors`' `binary`) word each refusal exactly as its own arm did before they were
    /// shared.
    #[test]
    fn shared_phrases_keep_each_sentence_word_for_word() {
        use crate::present::app_errors::Problem;
        use crate::present::cli_errors::CliProblem;
        use std::path::PathBuf;
        let cases: Vec<(String, &str)> = vec![
            (
                Problem::SettlementFormat { format: "md" }.message(Lang::Vi),
                "quyết toán được ghi dạng json, text, csv hoặc xlsx, không phải md",
            ),
            (
                Problem::SettlementFormat { format: "md" }.message(Lang::En),
                "a settlement is written as json, text, csv or xlsx, not md",
            ),
            (
                Problem::WholeNeedsDocument { format: "csv" }.message(Lang::En),
                "whole_needs_document_format: the whole report is written as md, html or docx, not csv",
            ),
            (
                CliProblem::ConsolidationFormat { format: "docx" }.message(Lang::Vi),
                "bảng tổng hợp được ghi dạng text, json, md, csv hoặc xlsx, không phải docx",
            ),
            (
                CliProblem::BinaryReport { format: "docx" }.message(Lang::En),
                "an docx report is binary: write it with --out FILE or redirect stdout",
            ),
            (
                CliProblem::XlsxReportBinary.message(Lang::Vi),
                "báo cáo xlsx là tệp nhị phân: hãy ghi ra tệp bằng --out FILE",
            ),
            (
                Problem::QueryFailed {
                    name: "balance".into(),
                    cause: "exit 2".into(),
                }
                .message(Lang::Vi),
                "chưa ghi kết quả mẫu: truy vấn balance: exit 2; không tệp nào được ghi",
            ),
            (
                crate::present::replay_text::Verdict::QueryFailed {
                    name: "balance".into(),
                    cause: "exit 2".into(),
                }
                .line(Lang::En),
                "FAIL  query balance: exit 2\n",
            ),
            (
                Problem::CannotWritePath {
                    path: PathBuf::from("/x/y.csv"),
                    cause: std::sync::Arc::new(std::io::Error::from(
                        std::io::ErrorKind::PermissionDenied,
                    )),
                }
                .message(Lang::Vi),
                "không ghi được /x/y.csv: không có quyền truy cập",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
