//! The body of POST /v1/events: a JSON array of events, or JSON lines (one event per line),
//! told apart by the first non-blank byte. Every event goes through `event::parse_value`,
//! JSON lines through `io::jsonl`, the same doors as the CLI's import. Pure.

use serde_json::Value;

use crate::core::event::{self, Event};
use crate::core::rejection::{Code, Detail, InputFault, Rejection};
use crate::io::jsonl::{InputError, LineReader};
use crate::present::api_problems::{ApiProblem, JsonBody};

/// Why a body holds no acceptable batch.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// An event (or the whole body) is refused: `index` is the 0-based event index when
    /// known, `line` the 1-based line of a JSON-lines body.
    Rejected {
        index: Option<usize>,
        line: Option<usize>,
        id: Option<String>,
        rejection: Rejection,
    },
    /// More events than a request may carry.
    TooManyEvents { limit: usize },
    /// The body as a whole is not a batch (not UTF-8, not a JSON array).
    Whole(ApiProblem),
}

/// Parses a body into events, refusing more than `max_events`.
pub fn parse_events(body: &[u8], max_events: usize) -> Result<Vec<Event>, BodyError> {
    let whole = |rejection| BodyError::Rejected {
        index: None,
        line: None,
        id: None,
        rejection,
    };
    let text = std::str::from_utf8(body).map_err(|_| BodyError::Whole(ApiProblem::BodyNotUtf8))?;
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> = serde_json::from_str(text).map_err(|e| {
            BodyError::Whole(ApiProblem::BadJson {
                body: JsonBody::Events,
                line: e.line(),
                column: e.column(),
            })
        })?;
        if values.len() > max_events {
            return Err(BodyError::TooManyEvents { limit: max_events });
        }
        values
            .iter()
            .enumerate()
            .map(|(index, value)| {
                event::parse_value(value).map_err(|rejection| BodyError::Rejected {
                    index: Some(index),
                    line: None,
                    id: id_of(value),
                    rejection,
                })
            })
            .collect()
    } else {
        // The one JSON-lines reader (the CLI's import reads through it too). A line after the
        // last allowed event is refused as one too many, whatever it holds.
        let mut reader = LineReader::new(body);
        let mut events = Vec::new();
        loop {
            let next = reader.next_event();
            if events.len() == max_events && !matches!(next, Ok(None)) {
                return Err(BodyError::TooManyEvents { limit: max_events });
            }
            match next {
                Ok(Some(parsed)) => events.push(parsed.event),
                Ok(None) => return Ok(events),
                Err(InputError::Bad {
                    line_number,
                    id,
                    rejection,
                }) => {
                    return Err(BodyError::Rejected {
                        index: Some(events.len()),
                        line: Some(line_number),
                        id,
                        rejection,
                    });
                }
                // Reading a byte slice cannot fail.
                Err(InputError::Read(m)) => {
                    let unreadable = Detail::Input(InputFault::Unreadable);
                    return Err(whole(Rejection::new(Code::Malformed, unreadable, m)));
                }
            }
        }
    }
}

fn id_of(value: &Value) -> Option<String> {
    value.get("id").and_then(Value::as_str).map(str::to_string)
}

/// The actor of every event is the credential that appends it: an event without `actor`
/// gets the credential's name; one naming someone else is refused (index of the first).
pub fn stamp_actor(events: &mut [Event], name: &str) -> Result<(), (usize, ApiProblem)> {
    for (index, event) in events.iter_mut().enumerate() {
        match &event.actor {
            None => event.actor = Some(name.to_string()),
            Some(actor) if actor == name => {}
            Some(actor) => {
                return Err((
                    index,
                    ApiProblem::ActorMismatch {
                        id: event.id.to_string(),
                        actor: actor.clone(),
                        credential: name.to_string(),
                    },
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str = r#"{"id":"00000000-0000-0000-0000-000000000001","type":"open_line","effective_date":"2025-01-02","line":"L1","program":"P","capital":"recurrent","source":"S","plan_year":2025,"origin":"in_year"}"#;
    const BAD_DATE: &str = r#"{"id":"00000000-0000-0000-0000-000000000002","type":"open_line","effective_date":"2025-02-30","line":"L2","program":"P","capital":"recurrent","source":"S","plan_year":2025,"origin":"in_year"}"#;

    #[test]
    fn arrays_and_json_lines_give_the_same_events() {
        let array = parse_events(format!(" [{OPEN}]").as_bytes(), 10).unwrap();
        let lines = parse_events(format!("\n{OPEN}\n\n").as_bytes(), 10).unwrap();
        assert_eq!(array, lines);
        assert_eq!(array.len(), 1);
    }

    #[test]
    fn a_bad_event_is_named_by_index_line_and_id() {
        let e = parse_events(format!("{OPEN}\n\n{BAD_DATE}\n").as_bytes(), 10).unwrap_err();
        let BodyError::Rejected {
            index,
            line,
            id,
            rejection,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!((index, line), (Some(1), Some(3)));
        assert_eq!(id.as_deref(), Some("00000000-0000-0000-0000-000000000002"));
        assert_eq!(rejection.code, Code::InvalidDate);
        let e = parse_events(format!("[{OPEN},{BAD_DATE}]").as_bytes(), 10).unwrap_err();
        assert!(matches!(
            e,
            BodyError::Rejected {
                index: Some(1),
                line: None,
                ..
            }
        ));
        let e = parse_events(b"[{", 10).unwrap_err();
        assert!(
            matches!(
                e,
                BodyError::Whole(ApiProblem::BadJson {
                    body: JsonBody::Events,
                    line: 1,
                    column: 2,
                })
            ),
            "{e:?}"
        );
        assert_eq!(
            parse_events(b"[\xff]", 10),
            Err(BodyError::Whole(ApiProblem::BodyNotUtf8))
        );
    }

    #[test]
    fn too_many_events_are_refused() {
        let two = format!("[{OPEN},{OPEN}]");
        assert_eq!(
            parse_events(two.as_bytes(), 1),
            Err(BodyError::TooManyEvents { limit: 1 })
        );
        let two = format!("{OPEN}\n{OPEN}\n");
        assert_eq!(
            parse_events(two.as_bytes(), 1),
            Err(BodyError::TooManyEvents { limit: 1 })
        );
    }

    #[test]
    fn the_actor_is_the_credential() {
        let mut events = parse_events(OPEN.as_bytes(), 10).unwrap();
        stamp_actor(&mut events, "clerk").unwrap();
        assert_eq!(events[0].actor.as_deref(), Some("clerk"));
        stamp_actor(&mut events, "clerk").unwrap();
        let (index, problem) = stamp_actor(&mut events, "other").unwrap_err();
        assert_eq!(index, 0);
        assert!(
            matches!(&problem, ApiProblem::ActorMismatch { actor, credential, .. }
                if actor == "clerk" && credential == "other"),
            "{problem:?}"
        );
    }
}
