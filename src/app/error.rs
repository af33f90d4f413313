//! Why a use case could not be carried out. Each door maps these to its own answer (an exit
//! code and a line on stderr, an HTTP status and code) by variant, never by message text.

use crate::core::known_at::KnownAtError;
use crate::io::files::FileError;
use crate::storage::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// The request cannot be answered as asked (an unreadable file, a missing year end…).
    Usage(String),
    /// An input or output file the request names could not be read or written.
    File(FileError),
    /// A knowledge point that names no reproducible view.
    KnownAt(KnownAtError),
    /// A line the view does not know.
    UnknownLine { line: String, known_at: u64 },
    /// Input refused by the rules or its format; the message says that nothing was appended.
    Rejected(String),
    /// The store could not be used.
    Store(StoreError),
    /// A store failure during an append: the batch was not acknowledged.
    NotAcknowledged(StoreError),
    /// Something acknowledged cannot be accounted for (e.g. `recover` found a loss).
    Integrity(String),
    /// The answer could not be produced or written (rendering, an output file).
    Output(String),
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
            AppError::Usage(m) | AppError::Rejected(m) | AppError::Integrity(m) => f.write_str(m),
            AppError::Output(m) => f.write_str(m),
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
            } => write!(
                f,
                "{cause} from that chunk on; the {chunks} chunk(s) before it (input lines 1–{lines}) were committed, and re-sending the whole input is safe (recorded events are no-ops)"
            ),
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
