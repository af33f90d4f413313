//! The one JSON-lines reader: import files, `recover --export`, fixtures and the body of
//! `POST /v1/events` all read events through it, one bounded line at a time.

use std::io::{BufRead, BufReader, Read};

use crate::core::event::{self, Event, MAX_LINE_BYTES};
use crate::core::rejection::{Code, Counted, Detail, InputFault, Rejection};
use crate::ledger::MAX_BATCH_EVENTS;

/// One event read from an input file, with its 1-based line number.
pub struct ParsedLine {
    pub line_number: usize,
    pub event: Event,
}

/// Why an input file could not be read into events.
#[derive(Debug)]
pub enum InputError {
    /// The input could not be read (I/O).
    Read(String),
    /// A line is refused; nothing after it was read.
    Bad {
        line_number: usize,
        id: Option<String>,
        rejection: Rejection,
    },
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads JSON lines, stopping at the first bad one. Blank lines are skipped. At most
/// `MAX_BATCH_EVENTS` events: one batch, appended all or nothing.
pub fn read_events(input: impl Read) -> Result<Vec<ParsedLine>, InputError> {
    let mut reader = LineReader::new(input);
    let mut events = Vec::new();
    while let Some(event) = reader.next_event()? {
        if events.len() == MAX_BATCH_EVENTS {
            return Err(InputError::Bad {
                line_number: event.line_number,
                id: None,
                rejection: Rejection::new(
                    Code::TooLarge,
                    Counted::BatchEvents.at_most(MAX_BATCH_EVENTS as u64, None),
                    format!("a file may hold at most {MAX_BATCH_EVENTS} events; split it"),
                ),
            });
        }
        events.push(event);
    }
    Ok(events)
}

/// Parses an input one event at a time, with bounded lines.
pub struct LineReader<R: Read> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line_number: usize,
}

impl<R: Read> LineReader<R> {
    pub fn new(input: R) -> LineReader<R> {
        LineReader {
            reader: BufReader::new(input),
            buf: Vec::new(),
            line_number: 0,
        }
    }

    /// The 1-based number of the last line read.
    pub fn line_number(&self) -> usize {
        self.line_number
    }

    /// The next event, `None` at the end of the input.
    pub fn next_event(&mut self) -> Result<Option<ParsedLine>, InputError> {
        loop {
            self.buf.clear();
            self.line_number += 1;
            let line_number = self.line_number;
            let limit = (MAX_LINE_BYTES + 2) as u64;
            let n = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| InputError::Read(e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            let bad = |id: Option<String>, rejection: Rejection| InputError::Bad {
                line_number,
                id,
                rejection,
            };
            let buf = &mut self.buf;
            if buf.last() == Some(&b'\n') {
                buf.pop();
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
            }
            if buf.len() > MAX_LINE_BYTES {
                return Err(bad(
                    None,
                    Rejection::new(
                        Code::TooLarge,
                        Counted::LineBytes.at_most(MAX_LINE_BYTES as u64, None),
                        format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                    ),
                ));
            }
            // A UTF-8 byte order mark (Notepad and Excel write one) is not part of the first
            // line; anywhere else it stays and the line is refused as it was.
            if line_number == 1 && buf.starts_with(UTF8_BOM) {
                buf.drain(..UTF8_BOM.len());
            }
            let text = std::str::from_utf8(buf).map_err(|_| {
                bad(
                    None,
                    Rejection::new(
                        Code::Malformed,
                        Detail::Input(InputFault::NotUtf8),
                        "the line is not UTF-8",
                    ),
                )
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let event = event::parse_line(text).map_err(|rejection| {
                let id = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
                bad(id, rejection)
            })?;
            return Ok(Some(ParsedLine { line_number, event }));
        }
    }
}

#[cfg(test)]
mod bom_tests {
    use super::*;

    const LINE: &str = r#"{"id":"00000000-0000-4000-8000-000000000001","type":"open_line","effective_date":"2025-01-02","line":"L1","program":"P","capital":"recurrent","source":"S","plan_year":2025,"origin":"in_year"}"#;

    #[test]
    fn a_utf8_bom_before_the_first_line_is_read_not_refused() {
        let with_bom = format!(
            "\u{feff}{LINE}\n{}\n",
            LINE.replace("000000000001", "000000000002")
        );
        let events = read_events(with_bom.as_bytes()).expect("a BOM is not an error");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].line_number, 1);
        // Only at the very start: a BOM inside the file is still a malformed line.
        let inside = format!("{LINE}\n\u{feff}{LINE}\n");
        assert!(matches!(
            read_events(inside.as_bytes()),
            Err(InputError::Bad { line_number: 2, .. })
        ));
    }
}
