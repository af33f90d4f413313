//! Appending: a parsed batch of events, a plan table, and how an append is described.
//! Long inputs go through `chunked_import`.

use std::path::Path;

use chrono::Utc;

use crate::app::error::{AppError, Place, Refusal};
use crate::app::progress::Progress;
use crate::core::event::{self, Event};
use crate::io::jsonl::{InputError, ParsedLine};
use crate::io::plan_import;
use crate::ledger::{AppendError, Appended, Ledger};
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
    match lang {
        Lang::Vi => {
            let range = range.map_or(String::new(), |(a, b)| format!(" (số thứ tự {a}–{b})"));
            format!(
                "đã ghi {appended} sự kiện{range}, {already_present} sự kiện đã có từ trước; đầu chuỗi {head}, mã băm {hash}\n"
            )
        }
        Lang::En => {
            let range = range.map_or(String::new(), |(a, b)| format!(" (sequences {a}–{b})"));
            format!(
                "appended {appended} events{range}, {already_present} already present; head {head} hash {hash}\n"
            )
        }
    }
}

fn describe(done: &Appended, lang: Lang) -> String {
    appended_text(
        done.seqs.len(),
        done.seqs.first().zip(done.seqs.last()),
        done.already_present,
        (done.head_seq, done.head_hash),
        lang,
    )
}

/// An input that could not be read into events, named `source` in the message.
pub fn input_error(e: InputError, source: &str) -> AppError {
    match e {
        InputError::Read(m) => AppError::Usage(format!("cannot read {source}: {m}")),
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
    let _task = progress.spinner(&format!(
        "checking and durably appending {} events",
        events.len()
    ));
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
    let meta =
        std::fs::metadata(file).map_err(|e| AppError::Usage(format!("cannot open {name}: {e}")))?;
    if meta.len() > plan_import::MAX_FILE_BYTES {
        return Err(AppError::Rejected(format!(
            "{name}: too_large: a plan file may hold at most {} bytes",
            plan_import::MAX_FILE_BYTES
        )));
    }
    let bytes =
        std::fs::read(file).map_err(|e| AppError::Usage(format!("cannot read {name}: {e}")))?;
    let _task = progress.spinner(&format!("reading {name}"));
    let table = match lowercase_extension(file).as_str() {
        "csv" => {
            if sheet.is_some() {
                return Err(AppError::Usage(format!(
                    "{name} is a CSV file: it has no sheets, drop --sheet"
                )));
            }
            plan_import::read_csv(&bytes, &name)
        }
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => plan_import::read_workbook(bytes, &name, sheet),
        _ => {
            return Err(AppError::Usage(format!(
                "{name}: a plan table must be .xlsx, .xlsm, .xlsb, .xls, .ods or .csv"
            )));
        }
    };
    table.map_err(|e| AppError::Rejected(format!("{name}: {e}; nothing was appended")))
}

/// Turns a plan table into events and appends them as one batch.
pub fn import_plan(
    ledger: &mut Ledger,
    table: &plan_import::Table,
    progress: &dyn Progress,
    lang: Lang,
) -> Result<String, AppError> {
    let plan = plan_import::plan_events(table, ledger.state())
        .map_err(|e| AppError::Rejected(format!("{e}; nothing was appended")))?;
    let events: Vec<Event> = plan.events().cloned().collect();
    let opened = events
        .iter()
        .filter(|e| matches!(e.kind, event::Kind::OpenLine(_)))
        .count();
    match append_batch(ledger, events, progress) {
        Ok(done) => Ok(match lang {
            Lang::Vi => format!(
                "trang tính {:?}: {} dòng, {opened} dòng ngân sách mới; {}",
                table.sheet,
                plan.rows.len(),
                describe(&done, lang)
            ),
            Lang::En => format!(
                "sheet {:?}: {} rows, {opened} new lines; {}",
                table.sheet,
                plan.rows.len(),
                describe(&done, lang)
            ),
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
