//! `socai export`: the log up to a knowledge point as import-format JSON lines, a journal or
//! CSV.

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::source::{Chain, view};
use crate::core::event;
use crate::core::known_at::KnownAt;
use crate::present::export;

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
}

/// The last sequence an export up to `known_at` includes.
pub fn last_seq(chain: Chain<'_>, known_at: Option<KnownAt>) -> Result<u64, AppError> {
    Ok(view(chain, NaiveDate::MIN, known_at)?.known_at)
}

/// The log in an export format; `tick` is called once per event written.
pub fn export(
    chain: Chain<'_>,
    format: ExportFormat,
    known_at: Option<KnownAt>,
    tick: &mut dyn FnMut(),
) -> Result<String, AppError> {
    let known_at = last_seq(chain, known_at)?;
    let hash = chain.hash_of(known_at).map(hex::encode);
    let records = chain.records();
    // The export functions stream; the doors still answer with one string.
    let mut bytes: Vec<u8> = Vec::new();
    let written = match format {
        ExportFormat::Jsonl => {
            for r in records.iter().take_while(|r| r.seq <= known_at) {
                bytes.extend_from_slice(json_line(&event::to_json(&r.event)).as_bytes());
                tick();
            }
            Ok(())
        }
        ExportFormat::Hledger => {
            export::hledger(&mut bytes, records, known_at, hash.as_deref(), tick)
        }
        ExportFormat::Beancount => {
            export::beancount(&mut bytes, records, known_at, hash.as_deref(), tick)
        }
        ExportFormat::Csv => export::csv(&mut bytes, records, known_at, tick),
    };
    written.map_err(|e| AppError::Output(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Output(e.to_string()))
}

/// One JSON value on one line, as the import format wants it.
pub fn json_line(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}
