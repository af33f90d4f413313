//! `socai recover`: a clean store rebuilt from the verified prefix of a damaged one, plus an
//! export for what follows.

use std::path::Path;

use chrono::Utc;

use crate::app::error::{AppError, Problem};
use crate::app::import::input_error;
use crate::core::event::Event;
use crate::io::jsonl::LineReader;
use crate::ledger::{self, MAX_BATCH_EVENTS, RecoverError};
use crate::present::recovery_text;
use crate::present::vi_format::Lang;

/// What the recovery did, as text, and the loss it found (an integrity failure to report
/// after the text), if any.
pub struct Recovered {
    pub text: String,
    pub loss: Option<AppError>,
}

/// What to rebuild: the damaged store (read, never written), where to build the clean one, and
/// what may follow the verified prefix: an export file, a replica.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub from: &'a Path,
    pub to: &'a Path,
    pub export: Option<&'a str>,
    pub replica: Option<&'a Path>,
}

/// Rebuilds, then reports what came from where and what was lost.
pub fn recover(request: Request<'_>, lang: Lang) -> Result<Recovered, AppError> {
    let Request {
        from,
        to,
        export,
        replica,
    } = request;
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
            return Err(chunks
                .and_then(|c| c.error)
                .unwrap_or(AppError::Usage(Problem::Quoted { detail: m })));
        }
        Err(RecoverError::Export(e)) => {
            return Err(AppError::Rejected(Problem::RecoverExport {
                export: export.unwrap_or("export").to_string(),
                detail: e.to_string(),
            }));
        }
    };
    let mut text = recovery_text::sources(&done, (export, replica), lang);
    let hash = done.head_hash.map_or("-".to_string(), hex::encode);
    text.push_str(&recovery_text::new_store(to, done.head, &hash, lang));
    let lost = match (&done.acknowledged, done.lost()) {
        (_, Some(range)) => Some(Ok(range)),
        (Ok(n), None) => {
            text.push_str(&recovery_text::nothing_lost(*n, lang));
            None
        }
        (Err(why), None) => Some(Err((why, done.head))),
    };
    let loss = lost.map(|lost| AppError::Lost {
        en: recovery_text::loss(lost, to, Lang::En),
        vi: recovery_text::loss(lost, to, Lang::Vi),
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
