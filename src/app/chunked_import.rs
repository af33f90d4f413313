//! `socai import` of inputs of any length with bounded memory: the input is parsed and
//! appended in chunks of at most `MAX_BATCH_EVENTS` events, each chunk one atomic, durable
//! batch. An input that fits one chunk is all or nothing, as before; for a longer one the
//! output says how many chunks were committed, and a refusal says which were already committed
//! (re-sending the whole input is safe: events already recorded are no-ops).

use std::io::Read;
use std::path::Path;

use chrono::Utc;

use crate::app::duplicates;
use crate::app::error::AppError;
use crate::app::import::{Outcome, input_error, refused_line};
use crate::app::settings;
use crate::io::jsonl::{LineReader, ParsedLine};
use crate::ledger::{AppendError, Blocks, Hold, Ledger, MAX_BATCH_EVENTS};
use crate::present::vi_format::Lang;
use crate::storage::OpenMode;

/// Line numbers a chunk makes room for before its input shows it is long (then room for a
/// whole chunk is made at once).
const FIRST_CAPACITY: usize = 4096;

/// Events per durable commit of a chunk (`Ledger::append_in_parts`): sled's memory grows
/// faster than the batch (raw sled, 500-byte values: 55 MB with batches of 1,000, 70-90 MB
/// of 2,048, 180 MB of 8,192, 560 MB of 50,000, flat in the log's length), so this bounds
/// the import's peak (issue 17), while a chunk stays all or nothing against the rules.
pub const DURABLE_PART: usize = 2_048;

/// Imports `input` (named `source` in messages) into the store at `db`.
pub fn import(db: &Path, source: &str, input: impl Read, lang: Lang) -> Result<String, AppError> {
    import_in_chunks(db, source, input, MAX_BATCH_EVENTS, lang)
}

/// As `import`, with chunks of at most `chunk` events (≤ `MAX_BATCH_EVENTS`).
pub fn import_in_chunks(
    db: &Path,
    source: &str,
    input: impl Read,
    chunk: usize,
    lang: Lang,
) -> Result<String, AppError> {
    let chunk = chunk.clamp(1, MAX_BATCH_EVENTS);
    Ok(describe(
        &import_outcome(db, source, input, chunk)?,
        chunk,
        lang,
    ))
}

/// The outcome for people: the append line, and the chunks when there were several.
pub fn describe(outcome: &Outcome, chunk: usize, lang: Lang) -> String {
    let mut text = outcome.text(lang);
    let chunks = outcome.chunks;
    if chunks > 1 {
        text.push_str(&crate::present::outcomes::chunks(chunks, chunk, lang));
    }
    text
}

/// As `import_in_chunks`, the outcome before it is worded (`import --json`).
pub fn import_outcome(
    db: &Path,
    source: &str,
    input: impl Read,
    chunk: usize,
) -> Result<Outcome, AppError> {
    let chunk = chunk.clamp(1, MAX_BATCH_EVENTS);
    let mut reader = LineReader::new(input);
    let mut ledger: Option<Ledger> = None;
    let mut chunks = 0usize;
    let mut appended = 0usize;
    let mut present = 0usize;
    let mut first_seq: Option<u64> = None;
    let mut last_seq: Option<u64> = None;
    let mut committed_lines = 0usize;
    let mut warnings = Vec::new();
    loop {
        // Parse a whole chunk before touching the store, so a bad line in a one-chunk input
        // leaves the store exactly as it was (not even created).
        // A chunk is the largest thing an import holds (issue 17): its events in blocks that
        // the checks free as they make records of them, never copied nor grown by doubling.
        let mut events = Blocks::default();
        let mut line_numbers: Vec<usize> = Vec::with_capacity(chunk.min(FIRST_CAPACITY));
        while events.len() < chunk {
            match reader.next_event() {
                Ok(Some(ParsedLine { line_number, event })) => {
                    if line_numbers.len() == line_numbers.capacity() {
                        line_numbers.reserve_exact(chunk - line_numbers.len());
                    }
                    events.push(event);
                    line_numbers.push(line_number);
                }
                Ok(None) => break,
                Err(e) => {
                    let failure = input_error(e, source);
                    return Err(after_commits(failure, chunks, committed_lines));
                }
            }
        }
        if events.is_empty() && chunks > 0 {
            break;
        }
        let last_line = line_numbers.last().copied().unwrap_or(reader.line_number());
        let full = events.len() == chunk;
        let l = match ledger.as_mut() {
            Some(l) => l,
            // An I/O failure opening the store (a full disk: sled writes at open) refuses the
            // batch just as one while appending does, and is worded the same way.
            // The ledger keeps only what is not yet durable: memory stays bounded by the
            // chunk, whatever the length of the input or of the log.
            None => ledger.insert(
                Ledger::open_with(db, OpenMode::CreateIfMissing, bounded())
                    .map_err(AppError::NotAcknowledged)?,
            ),
        };
        match l.append_in_parts(events, Utc::now(), DURABLE_PART) {
            Ok((done, repeats)) => {
                chunks += 1;
                committed_lines = last_line;
                appended += done.seqs.len();
                present += done.already_present;
                first_seq = first_seq.or(done.seqs.first().copied());
                last_seq = done.seqs.last().copied().or(last_seq);
                warnings.extend(duplicates::of_pairs(&repeats));
            }
            Err(AppendError::Rejected {
                index,
                id,
                rejection,
            }) => {
                let failure = refused_line(source, &line_numbers, index, id, &rejection);
                return Err(after_commits(failure, chunks, committed_lines));
            }
            Err(AppendError::Store(e)) => {
                let failure = AppError::NotAcknowledged(e);
                return Err(after_commits(failure, chunks, committed_lines));
            }
        }
        if !full {
            break;
        }
    }
    let (head, hash) = match &ledger {
        Some(l) => (l.head_seq(), l.hash_of(l.head_seq())),
        None => (0, None),
    };
    if let Some(l) = ledger {
        l.close_for_exit();
    }
    Ok(Outcome {
        appended,
        range: first_seq.zip(last_seq),
        already_present: present,
        head_seq: head,
        head_hash: hash,
        chunks,
        warnings,
    })
}

fn bounded() -> crate::ledger::Options {
    crate::ledger::Options {
        hold: Hold::Pending,
        ids_in_memory: Some(crate::ledger::IDS_IN_MEMORY),
        ..settings::ledger_options()
    }
}

/// Adds to a refusal what earlier chunks already committed.
fn after_commits(failure: AppError, chunks: usize, lines: usize) -> AppError {
    if chunks == 0 {
        return failure;
    }
    AppError::AfterCommits {
        cause: Box::new(failure),
        chunks,
        lines,
    }
}
