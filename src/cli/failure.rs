//! The outcome of a command and its exit code: 0 success, 1 input rejected (or a replay
//! differs), 2 usage error, 3 integrity failure, 4 the store could not be used (missing,
//! locked, I/O) or the output could not be written.

use crate::app::AppError;
use crate::app::error::{Problem, unwritten};
use crate::present::cli_errors::CliProblem;
use crate::present::messages::Lang;
use crate::storage::StoreError;

#[derive(Debug)]
pub enum Failure {
    Rejected(String),
    Usage(String),
    Integrity(String),
    Store(String),
    /// A failure the catalogue words in both languages (a refused event): the exit code of
    /// its kind, the English and the Vietnamese message.
    Worded {
        exit: u8,
        en: String,
        vi: String,
    },
}

impl Failure {
    /// A problem of the command line, worded in both languages, with its exit code.
    pub fn cli(exit: u8, problem: CliProblem) -> Failure {
        Failure::Worded {
            exit,
            en: problem.message(Lang::En),
            vi: problem.message(Lang::Vi),
        }
    }

    /// A command line that cannot be run as written (exit 2).
    pub fn usage(problem: CliProblem) -> Failure {
        Failure::cli(2, problem)
    }

    /// A use case's problem of the usage kind (exit 2), as `AppError::Usage`.
    pub fn app_usage(problem: Problem) -> Failure {
        Failure::from(AppError::Usage(problem))
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Rejected(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Integrity(_) => 3,
            Failure::Store(_) => 4,
            Failure::Worded { exit, .. } => *exit,
        }
    }
    /// The message in a language (only `Worded` failures differ: the others read the same in
    /// both, as `From<AppError>` keeps them plain only then).
    pub fn message_in(&self, lang: Lang) -> &str {
        match (self, lang) {
            (Failure::Worded { vi, .. }, Lang::Vi) => vi,
            _ => self.message(),
        }
    }
    pub fn message(&self) -> &str {
        match self {
            Failure::Rejected(m)
            | Failure::Usage(m)
            | Failure::Integrity(m)
            | Failure::Store(m) => m,
            Failure::Worded { en, .. } => en,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::from(AppError::Store(e))
    }
}

/// The exit code of an app error: by its variant, the message as the error words it.
fn kind(e: &AppError) -> fn(String) -> Failure {
    match e {
        AppError::Usage(_)
        | AppError::File(_)
        | AppError::KnownAt(_)
        | AppError::UnknownLine { .. } => Failure::Usage,
        AppError::Rejected(_) | AppError::Refused(_) => Failure::Rejected,
        AppError::Integrity(_) | AppError::Lost { .. } => Failure::Integrity,
        AppError::Output(_) => Failure::Store,
        AppError::Store(s) | AppError::NotAcknowledged(s) => match s {
            StoreError::Integrity { .. } => Failure::Integrity,
            StoreError::Io(_) | StoreError::Locked(_) | StoreError::NoStore { .. } => {
                Failure::Store
            }
        },
        AppError::AfterCommits { cause, .. } => kind(cause),
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        let en = e.to_string();
        let vi = e.message(Lang::Vi);
        let failure = kind(&e)(en);
        if vi == failure.message() {
            return failure;
        }
        Failure::Worded {
            exit: failure.exit_code(),
            en: failure.message().to_string(),
            vi,
        }
    }
}

/// A failure to write the command's output.
pub fn output(e: std::io::Error) -> Failure {
    Failure::from(unwritten(e))
}

/// An answer not written whole: the output's failure, or what the answer read as it was
/// written (a record read back from the journal).
pub fn answer_unwritten(e: crate::app::query::Unwritten) -> Failure {
    match e {
        crate::app::query::Unwritten::Output(e) => output(e),
        crate::app::query::Unwritten::Source(e) => Failure::from(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::known_at::KnownAtError;

    #[test]
    fn exit_codes_follow_the_kind_of_failure_not_its_words() {
        let code = |e: AppError| Failure::from(e).exit_code();
        assert_eq!(code(AppError::Rejected(Problem::ParquetNeedsOut)), 1);
        assert_eq!(
            code(AppError::KnownAt(KnownAtError::TooLarge {
                text: "9".into()
            })),
            2
        );
        assert_eq!(
            code(AppError::UnknownLine {
                line: "L".into(),
                known_at: 1
            }),
            2
        );
        let integrity = StoreError::Integrity {
            seq: Some(3),
            fault: crate::storage::Fault::HashMismatch,
        };
        assert_eq!(code(AppError::Store(integrity.clone())), 3);
        assert_eq!(code(AppError::NotAcknowledged(integrity)), 3);
        assert_eq!(
            code(AppError::NotAcknowledged(StoreError::Io("disk".into()))),
            4
        );
        // A refusal after committed chunks keeps the exit code of its cause, and says both.
        let late = AppError::AfterCommits {
            cause: Box::new(AppError::Rejected(Problem::CsvHasNoSheets {
                name: "f.csv".into(),
            })),
            chunks: 2,
            lines: 1000,
        };
        let f = Failure::from(late);
        assert_eq!(f.exit_code(), 1);
        assert!(
            f.message().starts_with(
                "f.csv is a CSV file: it has no sheets, drop --sheet from that chunk on"
            ),
            "{f:?}"
        );
        assert!(f.message().contains("input lines 1–1000"), "{f:?}");
    }
}
