//! What an export must know about the whole log it covers before it writes its first row
//! (which events a later reversal cancels, each line's declaration and deadline, the first
//! date an account is used), gathered in one pass over the records, which are then let go of.
//!
//! An export of a million events reads the log twice in parts (`Parts`): once for this survey,
//! once to write. Memory holds only the survey: O(lines + reversals + deadline settings),
//! never the records (a reversal costs two map entries, about 100 bytes; a line its
//! declaration).

use std::collections::{HashMap, HashSet};
use std::io;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::core::event::Kind;
use crate::core::rules::Recorded;

/// The records an export or a fold covers (sequences 1 to a knowledge point), visited in
/// order, in parts: the whole log in memory is one part, a store read back gives parts of a
/// thousand records (`app::source::Log`).
pub trait Parts {
    /// Calls `each` with every part in order; stops at the first error.
    fn each_part(&self, each: &mut dyn FnMut(&[Recorded]) -> io::Result<()>) -> io::Result<()>;

    /// The sequences of the events whose ids are given (the targets of reversals).
    fn seqs_of(&self, ids: &HashSet<Uuid>) -> io::Result<HashMap<Uuid, u64>>;
}

/// Records already in memory, cut at the knowledge point: one part.
pub struct InMemory<'a>(pub &'a [Recorded]);

impl Parts for InMemory<'_> {
    fn each_part(&self, each: &mut dyn FnMut(&[Recorded]) -> io::Result<()>) -> io::Result<()> {
        each(self.0)
    }

    fn seqs_of(&self, ids: &HashSet<Uuid>) -> io::Result<HashMap<Uuid, u64>> {
        Ok(self
            .0
            .iter()
            .filter(|r| ids.contains(&r.event.id))
            .map(|r| (r.event.id, r.seq))
            .collect())
    }
}

/// The survey of the records an export covers.
#[derive(Default)]
pub struct Survey {
    /// The records that shape the lines: every `open_line` and `set_deadline`, and the
    /// reversals of a `set_deadline` (enough for `projection::deadlines`), in log order.
    pub structure: Vec<Recorded>,
    /// Reversed event id → the reversal's sequence.
    pub reversed: HashMap<Uuid, u64>,
    /// Reversed event id → its own sequence.
    pub target_seq: HashMap<Uuid, u64>,
    /// Per line code, the earliest effective date of an event that names it.
    pub first_dates: HashMap<String, NaiveDate>,
    /// The last sequence covered (0 for none) and when it was recorded.
    pub last_seq: u64,
    pub last_recorded_at: Option<DateTime<Utc>>,
    /// Records covered.
    pub count: u64,
}

impl Survey {
    /// Reads every part of `log` once.
    pub fn of(log: &dyn Parts) -> io::Result<Survey> {
        let mut survey = Survey::default();
        let mut deadline_ids: HashSet<Uuid> = HashSet::new();
        log.each_part(&mut |part| {
            part.iter().for_each(|r| survey.note(r, &mut deadline_ids));
            Ok(())
        })?;
        let targets: HashSet<Uuid> = survey.reversed.keys().copied().collect();
        survey.target_seq = log.seqs_of(&targets)?;
        Ok(survey)
    }

    fn note(&mut self, r: &Recorded, deadline_ids: &mut HashSet<Uuid>) {
        self.count += 1;
        self.last_seq = r.seq;
        self.last_recorded_at = Some(r.recorded_at);
        for line in r.event.lines() {
            let first = self
                .first_dates
                .entry(line.to_string())
                .or_insert(r.event.effective_date);
            *first = (*first).min(r.event.effective_date);
        }
        let keep = match &r.event.kind {
            Kind::OpenLine(_) => true,
            Kind::SetDeadline { .. } => {
                deadline_ids.insert(r.event.id);
                true
            }
            Kind::Reverse { target, .. } => {
                self.reversed.insert(*target, r.seq);
                deadline_ids.contains(target)
            }
            _ => false,
        };
        if keep {
            self.structure.push(r.clone());
        }
    }

    /// Every line's deadline as the covered log sets it (see `projection::deadlines`).
    pub fn deadlines(&self) -> HashMap<String, NaiveDate> {
        crate::core::projection::deadlines(&self.structure, u64::MAX)
    }
}
