//! The façade: open a store, append a batch, ask for a view. The only module that wires the
//! store, the rules and the projections together.

use std::path::Path;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::event::Event;
use crate::known_at::{self, KnownAt};
use crate::projection::View;
use crate::rejection::{Code, Rejection};
use crate::rules::{Recorded, State, Verdict};
use crate::store::{Hash, OpenMode, Store, StoreError};

/// Most events one batch (one import file, one request) may hold; larger inputs are refused
/// rather than held in memory whole.
pub const MAX_BATCH_EVENTS: usize = 200_000;

pub struct Ledger {
    store: Store,
    state: State,
}

/// Why a batch was not appended.
#[derive(Debug)]
pub enum AppendError {
    /// Event `index` (0-based, in the batch) was refused; nothing of the batch was appended.
    Rejected {
        index: usize,
        id: Option<Uuid>,
        rejection: Rejection,
    },
    Store(StoreError),
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::Rejected {
                index,
                id,
                rejection,
            } => {
                write!(f, "event {} ", index + 1)?;
                if let Some(id) = id {
                    write!(f, "(id {id}) ")?;
                }
                write!(f, "rejected: {rejection}")
            }
            AppendError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AppendError {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Sequences assigned to the new events, in batch order.
    pub seqs: Vec<u64>,
    /// Events of the batch that were already recorded with identical content.
    pub already_present: usize,
    pub head_seq: u64,
    pub head_hash: Option<Hash>,
}

impl Ledger {
    /// Opens the store and rebuilds the state from the log, re-checking every recorded event
    /// against the rules (a log that breaks them was altered: refuse it).
    pub fn open(dir: &Path, mode: OpenMode) -> Result<Ledger, StoreError> {
        let (store, records) = Store::open(dir, mode)?;
        let mut state = State::new();
        for record in records {
            match state.check(&record.event) {
                Ok(Verdict::New) => state.apply(record),
                Ok(Verdict::AlreadyPresent(first)) => {
                    return Err(StoreError::Integrity {
                        seq: Some(record.seq),
                        message: format!("event {} repeats sequence {first}", record.event.id),
                    });
                }
                Err(rejection) => {
                    return Err(StoreError::Integrity {
                        seq: Some(record.seq),
                        message: format!("stored event breaks the ledger's rules: {rejection}"),
                    });
                }
            }
        }
        assert_eq!(state.head_seq(), store.head_seq());
        Ok(Ledger { store, state })
    }

    pub fn records(&self) -> &[Recorded] {
        self.state.records()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn head_seq(&self) -> u64 {
        self.store.head_seq()
    }

    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        self.store.hash_of(seq)
    }

    pub fn dir(&self) -> &Path {
        self.store.dir()
    }

    /// A view as of a date; `known_at` defaults to the head and may not lie beyond it (a view
    /// of the future could not be reproduced later).
    pub fn view(&self, as_of: chrono::NaiveDate, known_at: Option<u64>) -> Result<View, String> {
        let head = self.head_seq();
        let known_at = known_at.unwrap_or(head);
        if known_at > head {
            return Err(format!(
                "--known-at {known_at} is beyond the last recorded sequence ({head})"
            ));
        }
        Ok(View { as_of, known_at })
    }

    /// A view whose knowledge point may be a moment: the last event recorded at or before it.
    /// A moment later than `now` is refused: events still to be recorded before it would change
    /// the view, so it could not be reproduced.
    pub fn view_known(
        &self,
        as_of: chrono::NaiveDate,
        known_at: Option<KnownAt>,
        now: DateTime<Utc>,
    ) -> Result<View, String> {
        let seq = match known_at {
            None => None,
            Some(KnownAt::Seq(s)) => Some(s),
            Some(KnownAt::At(at)) => {
                if at > now {
                    return Err(format!(
                        "--known-at {} is in the future: events recorded until then would change \
                         this view; give a past moment or a sequence number",
                        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                    ));
                }
                Some(known_at::seq_at(self.records(), at))
            }
        };
        self.view(as_of, seq)
    }

    /// When the event at `seq` was recorded (`None` for 0 or beyond the head).
    pub fn recorded_at(&self, seq: u64) -> Option<DateTime<Utc>> {
        let i = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.records().get(i).map(|r| r.recorded_at)
    }

    /// Validates and appends a batch, all or nothing; returns once it is durable.
    /// `now` is the recording time (kept monotonic: never earlier than the head's).
    pub fn append(
        &mut self,
        events: Vec<Event>,
        now: DateTime<Utc>,
    ) -> Result<Appended, AppendError> {
        if events.len() > MAX_BATCH_EVENTS {
            return Err(AppendError::Rejected {
                index: MAX_BATCH_EVENTS,
                id: None,
                rejection: Rejection::new(
                    Code::TooLarge,
                    format!("a batch may hold at most {MAX_BATCH_EVENTS} events; split the input"),
                ),
            });
        }
        let start = self.state.head_seq();
        let recorded_at = match self.state.records().last() {
            Some(last) if last.recorded_at > now => last.recorded_at,
            _ => now,
        };
        let mut already_present = 0;
        for (index, event) in events.into_iter().enumerate() {
            match self.state.check(&event) {
                Ok(Verdict::New) => {
                    let seq = self.state.head_seq() + 1;
                    self.state.apply(Recorded {
                        seq,
                        recorded_at,
                        event,
                    });
                }
                Ok(Verdict::AlreadyPresent(_)) => already_present += 1,
                Err(rejection) => {
                    self.state.rollback(start);
                    return Err(AppendError::Rejected {
                        index,
                        id: Some(event.id),
                        rejection,
                    });
                }
            }
        }
        let new = &self.state.records()[start as usize..];
        if !new.is_empty()
            && let Err(e) = self.store.append(new)
        {
            self.state.rollback(start);
            return Err(AppendError::Store(e));
        }
        assert_eq!(self.state.head_seq(), self.store.head_seq());
        Ok(Appended {
            seqs: new.iter().map(|r| r.seq).collect(),
            already_present,
            head_seq: self.head_seq(),
            head_hash: self.hash_of(self.head_seq()),
        })
    }
}
