//! The one list of output formats. The CLI offers it as `--format`, the HTTP API as
//! `?format=` and `Accept`; each door says which formats an answer has.

use crate::present::app_errors::Problem;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Md,
    Html,
    Json,
    Csv,
    Xlsx,
    /// A Word document: the whole report only (`report`).
    Docx,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Md,
        Format::Html,
        Format::Json,
        Format::Csv,
        Format::Xlsx,
        Format::Docx,
    ];

    /// The name both doors use (`--format md`, `?format=md`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
        }
    }

    /// Whether a report in this format can be the whole report (`--whole`): the formats
    /// written for people to read as a document. docx is always the whole report.
    pub fn has_whole_layout(self) -> bool {
        matches!(self, Format::Md | Format::Html | Format::Docx)
    }
}

impl Format {
    /// The format a file name's extension names, if any (`report.xlsx` → xlsx).
    pub fn of_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" => Format::Text,
            "md" => Format::Md,
            "html" | "htm" => Format::Html,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            "docx" => Format::Docx,
            _ => return None,
        })
    }
}

/// The format of an output: `--format` when given, else what `--out`'s extension names,
/// else `default`. A `--format` that contradicts the extension is refused (code
/// `format_mismatch`): `report --format text --out r.xlsx` would write text into a file
/// every spreadsheet refuses to open.
pub fn output_format<F: Copy + PartialEq>(
    given: Option<F>,
    out: Option<&std::path::Path>,
    of_extension: fn(&std::path::Path) -> Option<F>,
    name: fn(F) -> &'static str,
    default: F,
) -> Result<F, Problem> {
    let named = out.and_then(of_extension);
    match (given, named) {
        (Some(g), Some(n)) if g != n => Err(Problem::FormatMismatch {
            given: name(g),
            out: out.map(std::path::Path::to_path_buf).unwrap_or_default(),
            named: name(n),
        }),
        (Some(g), _) => Ok(g),
        (None, Some(n)) => Ok(n),
        (None, None) => Ok(default),
    }
}
