//! `socai recover`: a clean store rebuilt from the verified prefix of a damaged one, plus an
//! export for what follows.

use std::path::Path;

use chrono::Utc;

use crate::app::error::AppError;
use crate::app::import::input_error;
use crate::core::event::Event;
use crate::io::jsonl::LineReader;
use crate::ledger::{self, MAX_BATCH_EVENTS, RecoverError, Recovery};
use crate::present::messages::{Lang, t};

/// What the recovery did, as text, and the loss it found (an integrity failure to report
/// after the text), if any.
pub struct Recovered {
    pub text: String,
    pub loss: Option<AppError>,
}

/// Rebuilds, then reports what came from where and what was lost.
pub fn recover(
    from: &Path,
    to: &Path,
    export: Option<&str>,
    replica: Option<&Path>,
    lang: Lang,
) -> Result<Recovered, AppError> {
    // The export is read in chunks of at most MAX_BATCH_EVENTS events (any length works).
    let mut chunks = match export {
        None => None,
        Some(file) => {
            let f = crate::io::files::open(std::path::Path::new(file))?;
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
    let done = match ledger::recover_with_replica(from, to, iter, replica, Utc::now()) {
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
    let mut text = sources_text(&done, (export, replica), lang);
    let hash = done.head_hash.map_or("-".to_string(), hex::encode);
    let (to_text, head) = (to.display(), done.head);
    text.push_str(&match lang {
        Lang::Vi => format!("kho mới: {to_text} có {head} sự kiện, đầu chuỗi {head}:{hash}\n"),
        Lang::En => format!("new store: {to_text} with {head} events, head {head}:{hash}\n"),
    });
    let verdict = match (&done.acknowledged, done.lost()) {
        (_, Some((a, b))) => Some(format!(
            "LOST: acknowledged sequences {a}–{b} ({} events) are in neither the verified log nor the export",
            b - a + 1
        )),
        (Ok(n), None) => {
            text.push_str(&match lang {
                Lang::Vi => format!("không mất gì: kho hỏng đã xác nhận {n} sự kiện\n"),
                Lang::En => {
                    format!("nothing lost: the damaged store had acknowledged {n} events\n")
                }
            });
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

/// Where the new store's events came from: the damaged store's verified prefix, a replica,
/// an export.
fn sources_text(
    done: &Recovery,
    (export, replica): (Option<&str>, Option<&Path>),
    lang: Lang,
) -> String {
    let mut text = String::new();
    let damaged = t(lang, "kho bị hỏng", "damaged store");
    match &done.problem {
        Some(p) => text.push_str(&format!("{damaged}: {p}\n")),
        None => text.push_str(&format!(
            "{damaged}: {}\n",
            t(
                lang,
                "sổ được kiểm tra đúng đến cuối",
                "its log verifies to the end"
            )
        )),
    }
    text.push_str(&copies_text(done));
    let verbatim = t(
        lang,
        "được chép nguyên văn (giữ thời điểm ghi và mã băm gốc)",
        "copied verbatim (original recording times and hashes)",
    );
    if done.kept == 0 {
        text.push_str(t(
            lang,
            "giữ lại: không có gì (không sự kiện nào của kho hỏng kiểm tra đúng)\n",
            "kept: nothing (no event of the damaged store verifies)\n",
        ));
    } else {
        let (kept, seqs) = (
            t(lang, "giữ lại", "kept"),
            t(lang, "các sự kiện số", "sequences"),
        );
        text.push_str(&format!("{kept}: {seqs} 1–{} {verbatim}\n", done.kept));
    }
    if let Some(dir) = replica {
        text.push_str(&format!(
            "replica {}: {}\n",
            dir.display(),
            if done.from_replica == 0 {
                "nothing beyond the kept prefix".to_string()
            } else {
                format!(
                    "sequences {}–{} copied verbatim (original recording times and hashes)",
                    done.kept + 1,
                    done.kept + done.from_replica
                )
            }
        ));
    }
    if export.is_some() {
        let entered = if done.from_export == 0 {
            "none re-entered".to_string()
        } else {
            format!(
                "{} re-entered as sequences {}–{} (recorded now)",
                done.from_export,
                done.kept + done.from_replica + 1,
                done.kept + done.from_replica + done.from_export
            )
        };
        text.push_str(&format!(
            "export: {} events already in the kept prefix; {entered}\n",
            done.export_already_present
        ));
    }
    text
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
