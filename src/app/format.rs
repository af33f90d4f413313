//! The one list of output formats. The CLI offers it as `--format`, the HTTP API as
//! `?format=` and `Accept`; each door says which formats an answer has.

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Md,
    Html,
    Json,
    Csv,
    Xlsx,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Md,
        Format::Html,
        Format::Json,
        Format::Csv,
        Format::Xlsx,
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
        }
    }
}
