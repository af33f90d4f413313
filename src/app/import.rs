//! Appending: a parsed batch of events, a plan table, and how an append is described.
//! Long inputs go through `chunked_import`.

use std::path::Path;

use chrono::Utc;

use crate::app::error::{AppError, Place, Problem, Refusal};
use crate::app::progress::Progress;
use crate::core::event::{self, Event};
use crate::io::files::FileError;
use crate::io::jsonl::{InputError, ParsedLine};
use crate::io::plan_import;
use crate::ledger::{AppendError, Appended, Ledger};
use crate::present::outcomes;
use crate::present::vi_format::Lang;
use crate::storage::Hash;

/// The one-line outcome of an append: how many events, their sequences, the new head.
pub fn appended_text(
    appended: usize,
    range: Option<(&u64, &u64)>,
    already_present: usize,
    (head, hash): (u64, Option<Hash>),
    lang: Lang,
) -> String {
    let hash = hash.map_or("-".to_string(), hex::encode);
    outcomes::appended((appended, range, already_present), (head, &hash), lang)
}

/// What an import appended, for its text (`text`) and JSON (`json`, `--json`) forms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub appended: usize,
    /// The first and last sequences appended (`None` when nothing new was).
    pub range: Option<(u64, u64)>,
    pub already_present: usize,
    pub head_seq: u64,
    pub head_hash: Option<Hash>,
    /// Atomic batches committed (1 unless a long input was split).
    pub chunks: usize,
    /// Likely duplicate vouchers it recorded (issue 14): the door warns about them.
    pub warnings: Vec<crate::app::duplicates::Warning>,
}

impl Outcome {
    fn of(done: &Appended) -> Outcome {
        Outcome {
            appended: done.seqs.len(),
            range: done.seqs.first().copied().zip(done.seqs.last().copied()),
            already_present: done.already_present,
            head_seq: done.head_seq,
            head_hash: done.head_hash,
            chunks: 1,
            warnings: Vec::new(),
        }
    }

    /// The one-line text `import` prints.
    pub fn text(&self, lang: Lang) -> String {
        appended_text(
            self.appended,
            self.range.as_ref().map(|(a, b)| (a, b)),
            self.already_present,
            (self.head_seq, self.head_hash),
            lang,
        )
    }

    /// The JSON form: the counts, the sequences, and the head in the `SEQ:HASH` form that
    /// `verify --expect-head` takes.
    pub fn json(&self) -> serde_json::Value {
        let hash = self.head_hash.map(hex::encode);
        serde_json::json!({
            "appended": self.appended,
            "first_seq": self.range.map(|r| r.0),
            "last_seq": self.range.map(|r| r.1),
            "already_present": self.already_present,
            "head_seq": self.head_seq,
            "head_hash": hash,
            "expect_head": format!("{}:{}", self.head_seq, hash.as_deref().unwrap_or("-")),
            "chunks": self.chunks,
        })
    }
}

fn describe(done: &Appended, lang: Lang) -> String {
    Outcome::of(done).text(lang)
}

/// An input that could not be read into events, named `source` in the message.
pub fn input_error(e: InputError, source: &str) -> AppError {
    match e {
        InputError::Read(detail) => AppError::Usage(Problem::CannotReadInput {
            source: source.to_string(),
            detail,
        }),
        InputError::Bad {
            line_number,
            id,
            rejection,
        } => AppError::Refused(Box::new(Refusal {
            place: Place::Input {
                source: source.to_string(),
                line: line_number.to_string(),
                id,
            },
            rejection,
        })),
    }
}

/// A batch refused by the rules, named by the input line of the refused event.
pub fn refused_line(
    source: &str,
    line_numbers: &[usize],
    index: usize,
    id: Option<uuid::Uuid>,
    rejection: &crate::core::rejection::Rejection,
) -> AppError {
    let line = line_numbers
        .get(index)
        .map_or("?".to_string(), |n| n.to_string());
    AppError::Refused(Box::new(Refusal {
        place: Place::Input {
            source: source.to_string(),
            line,
            id: id.map(|id| id.to_string()),
        },
        rejection: rejection.clone(),
    }))
}

/// Appends a batch behind a spinner: checking every event and syncing can take a while.
fn append_batch(
    ledger: &mut Ledger,
    events: Vec<Event>,
    progress: &dyn Progress,
) -> Result<Appended, AppendError> {
    let _task = progress.spinner(&crate::app::progress::Doing::Appending(events.len()));
    ledger.append(events, Utc::now())
}

/// Appends a parsed batch (named `source` in messages) and describes the outcome.
pub fn import(
    ledger: &mut Ledger,
    source: &str,
    events: Vec<ParsedLine>,
    progress: &dyn Progress,
    lang: Lang,
) -> Result<String, AppError> {
    let line_numbers: Vec<usize> = events.iter().map(|p| p.line_number).collect();
    let batch: Vec<Event> = events.into_iter().map(|p| p.event).collect();
    match append_batch(ledger, batch, progress) {
        Ok(done) => Ok(describe(&done, lang)),
        Err(AppendError::Rejected {
            index,
            id,
            rejection,
        }) => Err(refused_line(source, &line_numbers, index, id, &rejection)),
        Err(AppendError::Store(e)) => Err(AppError::NotAcknowledged(e)),
    }
}

/// Reads a plan table from a file: CSV by its `.csv` extension, otherwise a workbook.
pub fn read_plan_table(
    file: &Path,
    sheet: Option<&str>,
    progress: &dyn Progress,
) -> Result<plan_import::Table, AppError> {
    let name = file.display().to_string();
    let meta = std::fs::metadata(file).map_err(|source| FileError::Open {
        path: file.to_path_buf(),
        source,
    })?;
    if meta.len() > plan_import::MAX_FILE_BYTES {
        return Err(AppError::Rejected(Problem::PlanTooLarge {
            name,
            max: plan_import::MAX_FILE_BYTES,
        }));
    }
    let bytes = std::fs::read(file).map_err(|source| FileError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let _task = progress.spinner(&crate::app::progress::Doing::Reading(&name));
    let table = match lowercase_extension(file).as_str() {
        "csv" => {
            if sheet.is_some() {
                return Err(AppError::Usage(Problem::CsvHasNoSheets { name }));
            }
            plan_import::read_csv(&bytes, &name)
        }
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => plan_import::read_workbook(bytes, &name, sheet),
        _ => {
            return Err(AppError::Usage(Problem::NotPlanTable { name }));
        }
    };
    table.map_err(|error| {
        AppError::Rejected(Problem::PlanRefused {
            name: Some(name),
            error: Box::new(error),
        })
    })
}

/// What `import-plan` did: the sheet, its rows, the lines it opened, and the append.
pub struct PlanOutcome {
    pub sheet: String,
    pub rows: usize,
    pub new_lines: usize,
    pub appended: Outcome,
}

impl PlanOutcome {
    pub fn text(&self, lang: Lang) -> String {
        let (sheet, rows, new_lines) = (&self.sheet, self.rows, self.new_lines);
        let appended = self.appended.text(lang);
        outcomes::plan_sheet(sheet, rows, new_lines, &appended, lang)
    }

    pub fn json(&self) -> serde_json::Value {
        let mut value = self.appended.json();
        value["sheet"] = self.sheet.clone().into();
        value["rows"] = self.rows.into();
        value["new_lines"] = self.new_lines.into();
        value
    }
}

/// Turns a plan table into events and appends them as one batch.
pub fn import_plan(
    ledger: &mut Ledger,
    table: &plan_import::Table,
    progress: &dyn Progress,
    lang: Lang,
) -> Result<String, AppError> {
    import_plan_outcome(ledger, table, progress).map(|o| o.text(lang))
}

/// As `import_plan`, the outcome before it is worded.
pub fn import_plan_outcome(
    ledger: &mut Ledger,
    table: &plan_import::Table,
    progress: &dyn Progress,
) -> Result<PlanOutcome, AppError> {
    let plan = plan_import::plan_events(table, ledger.state()).map_err(|error| {
        AppError::Rejected(Problem::PlanRefused {
            name: None,
            error: Box::new(error),
        })
    })?;
    let events: Vec<Event> = plan.events().cloned().collect();
    let opened = events
        .iter()
        .filter(|e| matches!(e.kind, event::Kind::OpenLine(_)))
        .count();
    match append_batch(ledger, events, progress) {
        Ok(done) => Ok(PlanOutcome {
            sheet: table.sheet.clone(),
            rows: plan.rows.len(),
            new_lines: opened,
            appended: Outcome::of(&done),
        }),
        Err(AppendError::Rejected {
            index, rejection, ..
        }) => Err(AppError::Refused(Box::new(Refusal {
            place: Place::Sheet {
                sheet: table.sheet.clone(),
                row: plan.row_of(index),
            },
            rejection,
        }))),
        Err(AppendError::Store(e)) => Err(AppError::Store(e)),
    }
}

/// A file's extension in lower case ("" for none), which decides how a table is read.
pub fn lowercase_extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}
