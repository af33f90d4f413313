//! `balance` and `summary` answered from the persisted index (`crate::storage::index_codec`), without loading
//! the log: the cold path a user waits for. Falls back (returns `None`) whenever the index
//! cannot be trusted to reflect HEAD; the caller then opens the full, verified ledger.

use std::path::Path;

use crate::cli::{Command, Failure};
use crate::core::known_at::KnownAt;
use crate::core::projection::{LineBalance, View};
use crate::present::report::{self, Pin};
use crate::storage::index::{Fallback, IndexReader, LineFigures};

/// The command's output from the index, or `None` when the full ledger must answer.
pub fn answer(db: &Path, command: &Command) -> Result<Option<String>, Failure> {
    match try_answer(db, command) {
        Ok(text) => Ok(text),
        Err(Fallback::Rebuild(why)) => {
            tracing::info!("answering from the full log: {why}");
            Ok(None)
        }
        Err(Fallback::Store(e)) => Err(e.into()),
    }
}

fn try_answer(db: &Path, command: &Command) -> Result<Option<String>, Fallback> {
    let (as_of, known_at, plan_year) = match command {
        Command::Balance {
            as_of,
            known_at,
            plan_year,
            ..
        } => (*as_of, *known_at, *plan_year),
        Command::Summary {
            as_of,
            known_at,
            plan_year,
        } => (*as_of, *known_at, Some(*plan_year)),
        _ => return Ok(None),
    };
    let reader = IndexReader::open(db)?;
    let head = reader.head_seq();
    let known_at = match known_at {
        None => head,
        Some(KnownAt::Seq(s)) if s <= head => s,
        // Beyond the head: the full path words this usage error. A moment: the full path maps
        // it to a sequence through the records' recording times.
        Some(KnownAt::Seq(_)) | Some(KnownAt::At(_)) => return Ok(None),
    };
    let figures: Vec<LineFigures> = reader.balances(as_of, known_at, plan_year)?;
    let pin = Pin {
        view: View { as_of, known_at },
        hash: reader.hash_of(known_at)?,
    };
    let lines: Vec<LineBalance<'_>> = figures
        .iter()
        .map(|f| LineBalance {
            spec: &f.spec,
            plan: f.plan,
            disbursed: f.disbursed,
            carried_out: f.carried_out,
            lapsed: f.lapsed,
            recovered_after_close: f.recovered_after_close,
            deadline: f.deadline,
        })
        .collect();
    Ok(Some(match command {
        Command::Balance { json: true, .. } => {
            let mut text = serde_json::to_string_pretty(&report::balance_json(pin, &lines))
                .unwrap_or_default();
            text.push('\n');
            text
        }
        Command::Balance { .. } => report::balance_text(pin, &lines),
        Command::Summary { plan_year, .. } => report::section_two_text(pin, *plan_year, &lines),
        _ => return Ok(None),
    }))
}
