//! `socai recover`: a clean store rebuilt from the verified prefix of a damaged one, plus an
//! export for what follows.

use std::path::Path;

use chrono::Utc;

use crate::app::error::AppError;
use crate::app::import::input_error;
use crate::io::jsonl::read_events;
use crate::ledger::{self, RecoverError};

/// What the recovery did, as text, and the loss it found (an integrity failure to report
/// after the text), if any.
pub struct Recovered {
    pub text: String,
    pub loss: Option<AppError>,
}

/// Rebuilds, then reports what came from where and what was lost.
pub fn recover(from: &Path, to: &Path, export: Option<&str>) -> Result<Recovered, AppError> {
    let events = match export {
        None => None,
        Some(file) => {
            let f = std::fs::File::open(file)
                .map_err(|e| AppError::Usage(format!("cannot open {file}: {e}")))?;
            let parsed = read_events(f).map_err(|e| input_error(e, file))?;
            Some(parsed.into_iter().map(|p| p.event).collect())
        }
    };
    let done = match ledger::recover(from, to, events, Utc::now()) {
        Ok(done) => done,
        Err(RecoverError::Store(e)) => return Err(e.into()),
        Err(RecoverError::Export(e)) => {
            return Err(AppError::Rejected(format!(
                "{}: {e}; no store was written",
                export.unwrap_or("export")
            )));
        }
    };
    let mut text = String::new();
    match &done.problem {
        Some(p) => text.push_str(&format!("damaged store: {p}\n")),
        None => text.push_str("damaged store: its log verifies to the end\n"),
    }
    if done.kept == 0 {
        text.push_str("kept: nothing (no event of the damaged store verifies)\n");
    } else {
        text.push_str(&format!(
            "kept: sequences 1–{} copied verbatim (original recording times and hashes)\n",
            done.kept
        ));
    }
    if export.is_some() {
        let entered = if done.from_export == 0 {
            "none re-entered".to_string()
        } else {
            format!(
                "{} re-entered as sequences {}–{} (recorded now)",
                done.from_export,
                done.kept + 1,
                done.kept + done.from_export
            )
        };
        text.push_str(&format!(
            "export: {} events already in the kept prefix; {entered}\n",
            done.export_already_present
        ));
    }
    let hash = done.head_hash.map_or("-".to_string(), hex::encode);
    text.push_str(&format!(
        "new store: {} with {} events, head {}:{hash}\n",
        to.display(),
        done.head,
        done.head
    ));
    let verdict = match (&done.acknowledged, done.lost()) {
        (_, Some((a, b))) => Some(format!(
            "LOST: acknowledged sequences {a}–{b} ({} events) are in neither the verified log nor the export",
            b - a + 1
        )),
        (Ok(n), None) => {
            text.push_str(&format!(
                "nothing lost: the damaged store had acknowledged {n} events\n"
            ));
            None
        }
        (Err(why), None) => Some(format!(
            "UNKNOWN LOSS: {why}, so what was acknowledged after sequence {} cannot be known",
            done.head
        )),
    };
    let loss = verdict.map(|v| {
        AppError::Integrity(format!(
            "{v}; the new store in {} holds everything that could be saved",
            to.display()
        ))
    });
    Ok(Recovered { text, loss })
}
