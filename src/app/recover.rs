//! `socai recover`: a clean store rebuilt from the verified prefix of a damaged one, plus an
//! export for what follows.

use std::path::Path;

use chrono::Utc;

use crate::app::error::AppError;
use crate::app::import::input_error;
use crate::core::event::Event;
use crate::io::jsonl::LineReader;
use crate::ledger::{self, MAX_BATCH_EVENTS, RecoverError, Recovery};

/// What the recovery did, as text, and the loss it found (an integrity failure to report
/// after the text), if any.
pub struct Recovered {
    pub text: String,
    pub loss: Option<AppError>,
}

/// Rebuilds, then reports what came from where and what was lost.
pub fn recover(from: &Path, to: &Path, export: Option<&str>) -> Result<Recovered, AppError> {
    // The export is read in chunks of at most MAX_BATCH_EVENTS events (any length works).
    let mut chunks = match export {
        None => None,
        Some(file) => {
            let f = std::fs::File::open(file)
                .map_err(|e| AppError::Usage(format!("cannot open {file}: {e}")))?;
            Some(ExportChunks {
                reader: LineReader::new(std::io::BufReader::new(f)),
                source: file.to_string(),
                done: false,
                error: None,
            })
        }
    };
    let iter = chunks
        .as_mut()
        .map(|c| c as &mut dyn Iterator<Item = Result<Vec<Event>, String>>);
    let done = match ledger::recover(from, to, iter, Utc::now()) {
        Ok(done) => done,
        Err(RecoverError::Store(e)) => return Err(e.into()),
        Err(RecoverError::Input(m)) => {
            return Err(chunks.and_then(|c| c.error).unwrap_or(AppError::Usage(m)));
        }
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
    text.push_str(&copies_text(&done));
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

/// An export file read in chunks of at most `MAX_BATCH_EVENTS` events.
struct ExportChunks<R: std::io::Read> {
    reader: LineReader<R>,
    source: String,
    done: bool,
    /// The failure that stopped reading, as `import` words it.
    error: Option<AppError>,
}

impl<R: std::io::Read> Iterator for ExportChunks<R> {
    type Item = Result<Vec<Event>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut events = Vec::new();
        while events.len() < MAX_BATCH_EVENTS {
            match self.reader.next_event() {
                Ok(Some(parsed)) => events.push(parsed.event),
                Ok(None) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    let failure = input_error(e, &self.source);
                    let message = failure.to_string();
                    self.error = Some(failure);
                    return Some(Err(message));
                }
            }
        }
        (!events.is_empty()).then_some(Ok(events))
    }
}

/// What `recover` found in each copy of the damaged store and what it repaired.
fn copies_text(done: &Recovery) -> String {
    let mut text = String::new();
    if let Some(p) = &done.log_problem {
        text.push_str(&format!("log copy: {p}\n"));
    }
    if let Some(p) = &done.journal_problem {
        text.push_str(&format!("journal copy: {p}\n"));
    }
    if let (Some(p), Ok(n)) = (&done.head_problem, &done.acknowledged) {
        text.push_str(&format!(
            "HEAD: {p}; the log and the journal (both durable before HEAD names a batch) each prove all {n} events and hold nothing more\n"
        ));
    }
    for (a, b) in &done.repaired {
        let range = if a == b {
            format!("sequence {a}")
        } else {
            format!("sequences {a}–{b}")
        };
        text.push_str(&format!(
            "repaired: {range} taken from the journal (the log's copy did not verify)\n"
        ));
    }
    text
}
