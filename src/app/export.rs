//! `socai export`: the log up to a knowledge point as import-format JSON lines, a journal or
//! CSV.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem, render, unwritten};
use crate::app::source::{Log, unreadable};
use crate::core::event;
use crate::core::known_at::KnownAt;
use crate::present::csv_out::CsvDialect;
use crate::present::export::{self, Journal};
use crate::present::journal_xlsx;
use crate::present::parquet_tables;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Import-format JSON lines: importing them into an empty store gives the same balances.
    Jsonl,
    /// An hledger journal: per line, Assets:Available, Expenses:Disbursed, Income:Plan.
    Hledger,
    /// A beancount ledger with the same accounts.
    Beancount,
    /// One row per event and line, for spreadsheets.
    Csv,
    /// One row per event, an xlsx sheet for people (written to a file only: `export_xlsx`).
    Xlsx,
    /// Two Parquet tables, events and lines, in a new folder (`export_parquet`).
    Parquet,
}

impl ExportFormat {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Jsonl,
        ExportFormat::Hledger,
        ExportFormat::Beancount,
        ExportFormat::Csv,
        ExportFormat::Xlsx,
        ExportFormat::Parquet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Hledger => "hledger",
            ExportFormat::Beancount => "beancount",
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Parquet => "parquet",
        }
    }

    /// The format a file name's extension names (`--out journal.beancount`).
    pub fn of_extension(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "jsonl" => ExportFormat::Jsonl,
            "journal" | "hledger" => ExportFormat::Hledger,
            "beancount" => ExportFormat::Beancount,
            "csv" => ExportFormat::Csv,
            "xlsx" => ExportFormat::Xlsx,
            _ => return None,
        })
    }
}

/// Refuses, before the store is opened, an xlsx journal that cannot fit one sheet: the open
/// verifies the whole log first (23 s at 10M events) only for the same refusal to follow.
/// `head` is HEAD's sequence as the store's folder names it (`Ledger::head_hint`), unverified:
/// a damaged HEAD is reported by the open of any other export. A moment, or a sequence past
/// `head`, is left to the check after the open, which resolves it against the log.
pub fn xlsx_fits_before_open(head: Option<u64>, known_at: Option<KnownAt>) -> Result<(), AppError> {
    let Some(head) = head else {
        return Ok(());
    };
    let events = match known_at {
        None => head,
        Some(KnownAt::Seq(seq)) if seq <= head => seq,
        Some(_) => return Ok(()),
    };
    if events > journal_xlsx::MAX_ROWS {
        return Err(AppError::Usage(Problem::JournalTooLarge {
            events,
            max: journal_xlsx::MAX_ROWS,
        }));
    }
    Ok(())
}

/// Writes the journal as an xlsx workbook at `path` (replaced atomically; see
/// `present::journal_xlsx`, which keeps memory flat); `tick` is called once per event.
pub fn export_xlsx(
    log: Log<'_>,
    known_at: Option<KnownAt>,
    path: &Path,
    tick: &mut dyn FnMut(),
) -> Result<(), AppError> {
    let known_at = log.view(NaiveDate::MIN, known_at)?.known_at;
    if known_at > journal_xlsx::MAX_ROWS {
        return Err(AppError::Usage(Problem::JournalTooLarge {
            events: known_at,
            max: journal_xlsx::MAX_ROWS,
        }));
    }
    let command = format!("socai export --format xlsx --known-at {known_at}");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fail = |e: rust_xlsxwriter::XlsxError| {
        AppError::Output(Problem::XlsxJournal {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
    };
    let parts = log.parts(known_at);
    journal_xlsx::journal(&mut wb, parts.as_ref(), known_at, &command, tick).map_err(fail)?;
    crate::io::files::write_atomically_with(path, |file| {
        wb.save_to_writer(file).map_err(std::io::Error::other)
    })
    .map_err(|e| render(e.to_string()))
}

/// Writes the events and lines tables as `dir/events.parquet` and `dir/lines.parquet` (see
/// `present::parquet_tables`). `dir` must not exist or be an empty folder (`out_exists`
/// otherwise: an export never mixes with other files, nor overwrites one); it appears whole
/// or not at all. Each file's footer carries the provenance: unit, knowledge point, head hash
/// and the command that writes the same tables again. `tick` is called once per event.
pub fn export_parquet(
    log: Log<'_>,
    known_at: Option<KnownAt>,
    dir: &Path,
    tick: &mut dyn FnMut(),
) -> Result<(), AppError> {
    if let Some(refusal) = crate::io::files::folder_refusal(dir) {
        return Err(AppError::Usage(Problem::ParquetFolder { refusal }));
    }
    let known_at = log.view(NaiveDate::MIN, known_at)?.known_at;
    let unit = log.unit().map(|u| u.code.as_str());
    let mut metadata = vec![
        ("socai.known_at".to_string(), known_at.to_string()),
        (
            "socai.command".to_string(),
            format!("socai export --format parquet --known-at {known_at}"),
        ),
    ];
    if let Some(hash) = log.hash_of(known_at)? {
        metadata.push(("socai.head_hash".to_string(), hex::encode(hash)));
    }
    if let Some(u) = log.unit() {
        metadata.push(("socai.unit".to_string(), u.code.clone()));
        metadata.push(("socai.unit_name".to_string(), u.name.clone()));
    }
    let parts = log.parts(known_at);
    let ledger = crate::present::ledger_rows::Ledger::new(parts.as_ref()).map_err(unreadable)?;
    let create =
        |path: std::path::PathBuf| std::fs::File::create(path).map(std::io::BufWriter::new);
    let finish =
        |written: Result<std::io::BufWriter<std::fs::File>, parquet::errors::ParquetError>| {
            written
                .map_err(std::io::Error::other)?
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()
        };
    crate::io::files::write_folder_atomically(dir, |tmp| {
        let events = create(tmp.join("events.parquet"))?;
        finish(parquet_tables::events(
            events,
            (&ledger, parts.as_ref()),
            unit,
            &metadata,
            tick,
        ))?;
        let lines = create(tmp.join("lines.parquet"))?;
        finish(parquet_tables::lines(lines, &ledger, unit, &metadata))
    })
    .map_err(|e| render(e.to_string()))
}

/// The log in an export format as one string (the HTTP answer); see [`export_to`].
pub fn export(
    log: Log<'_>,
    format: ExportFormat,
    known_at: Option<KnownAt>,
    dialect: CsvDialect,
    tick: &mut dyn FnMut(),
) -> Result<String, AppError> {
    let mut bytes: Vec<u8> = Vec::new();
    export_to(log, (format, dialect), known_at, &mut bytes, tick)?;
    String::from_utf8(bytes).map_err(|e| render(e.to_string()))
}

/// Writes the log in an export format to `out` as it goes, so memory does not grow with the
/// log; `tick` is called once per event written. The dialect says how a CSV export is
/// written (excel-vi or plain); the other formats ignore it.
pub fn export_to(
    log: Log<'_>,
    (format, dialect): (ExportFormat, CsvDialect),
    known_at: Option<KnownAt>,
    out: &mut dyn Write,
    tick: &mut dyn FnMut(),
) -> Result<(), AppError> {
    let known_at = log.view(NaiveDate::MIN, known_at)?.known_at;
    let hash = log.hash_of(known_at)?.map(hex::encode);
    let parts = log.parts(known_at);
    let records = parts.as_ref();
    // The journals name the unit whose books they are (a comment in both syntaxes); a store
    // without a unit exports exactly as before. JSON lines stay pure import format.
    if let (Some(u), ExportFormat::Hledger | ExportFormat::Beancount) = (log.unit(), format) {
        let parent = u
            .parent
            .as_deref()
            .map(|p| format!(" (parent {p})"))
            .unwrap_or_default();
        out.write_all(format!("; unit: {} — {}{parent}\n", u.code, u.name).as_bytes())
            .map_err(unwritten)?;
    }
    let written = match format {
        ExportFormat::Jsonl => records.each_part(&mut |part| {
            part.iter().try_for_each(|r| {
                out.write_all(json_line(&event::to_json(&r.event)).as_bytes())?;
                tick();
                Ok(())
            })
        }),
        ExportFormat::Hledger => {
            export::journal(out, Journal::Hledger, records, hash.as_deref(), tick)
        }
        ExportFormat::Beancount => {
            export::journal(out, Journal::Beancount, records, hash.as_deref(), tick)
        }
        ExportFormat::Csv => {
            let unit = log.unit().map(|u| u.code.as_str());
            export::csv(out, records, unit, dialect, tick)
        }
        ExportFormat::Xlsx => {
            return Err(AppError::Usage(Problem::XlsxExportNeedsOut));
        }
        ExportFormat::Parquet => return Err(AppError::Usage(Problem::ParquetNeedsOut)),
    };
    written.and_then(|()| out.flush()).map_err(unwritten)
}

/// One JSON value on one line, as the import format wants it.
pub fn json_line(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const OVER: u64 = journal_xlsx::MAX_ROWS + 1;

    fn refused(head: Option<u64>, known_at: Option<KnownAt>) -> Option<u64> {
        match xlsx_fits_before_open(head, known_at) {
            Err(AppError::Usage(Problem::JournalTooLarge { events, .. })) => Some(events),
            Err(other) => panic!("another refusal: {other}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn a_journal_past_one_sheet_is_refused_before_the_store_is_opened() {
        assert_eq!(refused(Some(10_000_000), None), Some(10_000_000));
        assert_eq!(
            refused(Some(10_000_000), Some(KnownAt::Seq(OVER))),
            Some(OVER)
        );
    }

    #[test]
    fn what_fits_or_cannot_be_told_without_the_log_is_left_to_the_open() {
        // The last sequence that fits, asked of a longer log.
        let fits = Some(KnownAt::Seq(journal_xlsx::MAX_ROWS));
        assert_eq!(refused(Some(10_000_000), fits), None);
        assert_eq!(refused(Some(journal_xlsx::MAX_ROWS), None), None);
        // No readable HEAD, a moment, a sequence past HEAD: the open decides.
        assert_eq!(refused(None, None), None);
        let moment = chrono::DateTime::from_timestamp(1_700_000_000, 0).map(KnownAt::At);
        assert_eq!(refused(Some(10_000_000), moment), None);
        assert_eq!(refused(Some(OVER), Some(KnownAt::Seq(OVER + 5))), None);
    }
}
