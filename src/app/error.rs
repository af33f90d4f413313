//! Why a use case could not be carried out. Each door maps these to its own answer (an exit
//! code and a line on stderr, an HTTP status and code) by variant, never by message text.

use crate::core::known_at::KnownAtError;
use crate::core::rejection::Rejection;
use crate::io::files::FileError;
pub use crate::present::app_errors::{BadAnswer, Problem};
use crate::present::messages::Lang;
use crate::present::outcomes;
use crate::present::problems;
use crate::storage::StoreError;

/// Where in the input a refused event came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A JSON-lines input (a file, stdin, the demo data): its name, line and event id.
    Input {
        source: String,
        line: String,
        id: Option<String>,
    },
    /// A plan table: its sheet and the row of the refused event.
    Sheet { sheet: String, row: Option<u32> },
}

/// An event refused by the rules or its format, kept whole so that each door words it in
/// its reader's language (`AppError::message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub place: Place,
    pub rejection: Rejection,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        let from = match &self.place {
            Place::Input { source, line, id } => outcomes::Origin::Input {
                source,
                line,
                id: id.as_deref(),
            },
            Place::Sheet { sheet, row } => outcomes::Origin::Sheet { sheet, row: *row },
        };
        outcomes::refused(&from, &self.rejection, lang)
    }
}

#[derive(Debug)]
pub enum AppError {
    /// The request cannot be answered as asked (an unreadable file, a missing year end…).
    Usage(Problem),
    /// An input or output file the request names could not be read or written.
    File(FileError),
    /// A knowledge point that names no reproducible view.
    KnownAt(KnownAtError),
    /// A line the view does not know.
    UnknownLine { line: String, known_at: u64 },
    /// Input refused by the rules or its format; the message says that nothing was appended.
    Rejected(Problem),
    /// An event refused by the rules or its format, where it came from and why.
    Refused(Box<Refusal>),
    /// The store could not be used.
    Store(StoreError),
    /// A store failure during an append: the batch was not acknowledged.
    NotAcknowledged(StoreError),
    /// Something acknowledged cannot be accounted for (e.g. `recover` found a loss).
    Integrity(Problem),
    /// `recover` found acknowledged events lost (or cannot know): an integrity failure the
    /// catalogue worded in both languages (`present::recovery_text::loss`).
    Lost { en: String, vi: String },
    /// The answer could not be produced or written (rendering, an output file).
    Output(Problem),
    /// A refusal after earlier chunks of a long import were already committed.
    AfterCommits {
        cause: Box<AppError>,
        chunks: usize,
        lines: usize,
    },
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Usage(p)
            | AppError::Rejected(p)
            | AppError::Integrity(p)
            | AppError::Output(p) => write!(f, "{p}"),
            AppError::Lost { en: m, .. } => f.write_str(m),
            AppError::Refused(r) => f.write_str(&r.message(Lang::En)),
            AppError::KnownAt(e) => write!(f, "{e}"),
            AppError::File(e) => write!(f, "{e}"),
            AppError::UnknownLine { line, known_at } => {
                write!(f, "line {line:?} was not opened by sequence {known_at}")
            }
            AppError::Store(e) => write!(f, "{e}"),
            AppError::NotAcknowledged(StoreError::Io(m)) => write!(
                f,
                "{m}; the batch was NOT acknowledged (everything acknowledged before is intact). \
                 Fix the cause (e.g. free disk space) and import the same file again: events that \
                 did reach the log are then skipped as already present"
            ),
            AppError::NotAcknowledged(e) => write!(f, "{e}"),
            AppError::AfterCommits {
                cause,
                chunks,
                lines,
            } => f.write_str(&outcomes::after_commits(
                &cause.to_string(),
                *chunks,
                *lines,
                Lang::En,
            )),
        }
    }
}

impl AppError {
    /// The message in a language: refusals are worded from their code and facts, files,
    /// the store and unknown lines by the catalogue (`present::problems`), the use cases'
    /// own problems by theirs (`present::app_errors`).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            AppError::Refused(r) => r.message(lang),
            AppError::AfterCommits {
                cause,
                chunks,
                lines,
            } => outcomes::after_commits(&cause.message(lang), *chunks, *lines, lang),
            AppError::Lost { vi, .. } => vi.clone(),
            AppError::Usage(p)
            | AppError::Rejected(p)
            | AppError::Integrity(p)
            | AppError::Output(p) => p.message(lang),
            AppError::File(e) => problems::file(e, lang),
            AppError::KnownAt(e) => problems::known_at(e, "--known-at", lang),
            AppError::Store(e) => problems::store(e, lang),
            AppError::NotAcknowledged(e) => problems::not_acknowledged(e, lang),
            AppError::UnknownLine { line, known_at } => {
                problems::unknown_line(line, *known_at, lang)
            }
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::KnownAt(e) => Some(e),
            AppError::File(e) => Some(e),
            AppError::Store(e) | AppError::NotAcknowledged(e) => Some(e),
            AppError::AfterCommits { cause, .. } => Some(cause.as_ref()),
            _ => None,
        }
    }
}

/// An output a renderer or writer could not produce, in its own words.
pub fn render(detail: String) -> AppError {
    AppError::Output(Problem::Render { detail })
}

/// An output file that could not be written (an `Output` problem, exit 4), named with the
/// system's reason; another file error as it is worded.
pub fn unwritten_file(e: FileError) -> AppError {
    match e {
        FileError::Write { path, source } => AppError::Output(Problem::CannotWritePath {
            path,
            cause: source.into(),
        }),
        other => render(other.to_string()),
    }
}

/// The command's output could not be written.
pub fn unwritten(cause: std::io::Error) -> AppError {
    AppError::Output(Problem::CannotWrite {
        cause: cause.into(),
    })
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::Store(e)
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> AppError {
        AppError::File(e)
    }
}

impl From<KnownAtError> for AppError {
    fn from(e: KnownAtError) -> AppError {
        AppError::KnownAt(e)
    }
}
