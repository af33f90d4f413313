//! What an export must know about the whole log it covers before it writes its first row
//! (which events a later reversal cancels, each line's declaration and deadline, the first
//! date an account is used), gathered in one pass over the records, which are then let go of.
//!
//! An export of a million events reads the log twice in parts (`Parts`): once for this survey,
//! once to write. Memory holds only the survey: O(lines + deadline settings), never the
//! records; a log in memory adds its reversals (32 bytes each, `ReversalIndex::Gathered`),
//! while a store asks the rules its open re-checked, which keep them already.

use std::collections::{HashMap, HashSet};
use std::io;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::core::event::Kind;
use crate::core::rules::{Recorded, State};

/// The records an export or a fold covers (sequences 1 to a knowledge point), visited in
/// order, in parts: the whole log in memory is one part, a store read back gives parts of a
/// thousand records (`app::source::Log`).
pub trait Parts {
    /// Calls `each` with every part in order; stops at the first error.
    fn each_part(&self, each: &mut dyn FnMut(&[Recorded]) -> io::Result<()>) -> io::Result<()>;

    /// Which of the records covered are reversed, and by which.
    fn reversals(&self) -> ReversalIndex<'_>;
}

/// Records already in memory, cut at the knowledge point: one part.
pub struct InMemory<'a>(pub &'a [Recorded]);

impl Parts for InMemory<'_> {
    fn each_part(&self, each: &mut dyn FnMut(&[Recorded]) -> io::Result<()>) -> io::Result<()> {
        each(self.0)
    }

    fn reversals(&self) -> ReversalIndex<'_> {
        ReversalIndex::Gathered(Gathered::of(self.0))
    }
}

/// The survey of the records an export covers.
pub struct Survey<'a> {
    /// The records that shape the lines: every `open_line` and `set_deadline`, and the
    /// reversals of a `set_deadline` (enough for `projection::deadlines`), in log order.
    pub structure: Vec<Recorded>,
    /// Which sequences are reversed, and by which.
    pub reversals: ReversalIndex<'a>,
    /// Per line code, the earliest effective date of an event that names it.
    pub first_dates: HashMap<String, NaiveDate>,
    /// The last sequence covered (0 for none) and when it was recorded.
    pub last_seq: u64,
    pub last_recorded_at: Option<DateTime<Utc>>,
    /// Records covered.
    pub count: u64,
}

impl<'a> Survey<'a> {
    /// Reads every part of `log` once.
    pub fn of(log: &'a dyn Parts) -> io::Result<Survey<'a>> {
        let mut survey = Survey {
            structure: Vec::new(),
            reversals: log.reversals(),
            first_dates: HashMap::new(),
            last_seq: 0,
            last_recorded_at: None,
            count: 0,
        };
        let mut deadline_ids: HashSet<Uuid> = HashSet::new();
        log.each_part(&mut |part| {
            for r in part {
                survey.note(r, &mut deadline_ids);
            }
            Ok(())
        })?;
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
            Kind::Reverse { target, .. } => deadline_ids.contains(target),
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

/// Which sequences of the covered log are reversed, and by which.
pub enum ReversalIndex<'a> {
    /// Gathered by the survey (a log in memory).
    Gathered(Gathered),
    /// Asked of the rules a store's open re-checked the log with: they keep every
    /// reversal's target already, so the survey holds nothing more (issue 17: the survey's
    /// own index was 17 MB of an export's 113 MB at 10M events).
    Rules {
        state: &'a State,
        /// The last sequence covered: a later reversal is not known to the export.
        known_at: u64,
    },
}

impl ReversalIndex<'_> {
    /// The sequence of the (last) reversal that cancels sequence `seq`.
    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        match self {
            ReversalIndex::Gathered(g) => g.reversed_by(seq),
            ReversalIndex::Rules { state, known_at } => {
                state.reversed_by(seq).filter(|by| by <= known_at)
            }
        }
    }

    /// The sequence that the reversal `r` cancels (`None`: not a reversal, or its target is
    /// not in the log). An error when the ids set aside cannot be read back.
    pub fn target_of(&self, r: &Recorded) -> io::Result<Option<u64>> {
        match (self, &r.event.kind) {
            (ReversalIndex::Gathered(g), _) => Ok(g.target_of(r.seq)),
            (ReversalIndex::Rules { state, .. }, Kind::Reverse { target, .. }) => {
                let seq = state.seq_of(target);
                match state.ids_failure() {
                    Some(failure) => Err(io::Error::other(failure.to_string())),
                    None => Ok(seq),
                }
            }
            (ReversalIndex::Rules { .. }, _) => Ok(None),
        }
    }
}

/// The reversals of a log in memory by sequence: 16 bytes each way, where two maps by id
/// took about 100 bytes a reversal (issue 17).
#[derive(Default)]
pub struct Gathered {
    /// (target's sequence, reversal's sequence), sorted.
    by_target: Vec<(u64, u64)>,
    /// (reversal's sequence, target's sequence), in log order.
    by_reversal: Vec<(u64, u64)>,
}

impl Gathered {
    /// The reversals among `records` (one log, in order), whose targets are among them.
    pub fn of(records: &[Recorded]) -> Gathered {
        let targets: HashSet<Uuid> = (records.iter())
            .filter_map(|r| match &r.event.kind {
                Kind::Reverse { target, .. } => Some(*target),
                _ => None,
            })
            .collect();
        let seqs: HashMap<Uuid, u64> = (records.iter())
            .filter(|r| targets.contains(&r.event.id))
            .map(|r| (r.event.id, r.seq))
            .collect();
        let mut gathered = Gathered::default();
        for r in records {
            let Kind::Reverse { target, .. } = &r.event.kind else {
                continue;
            };
            if let Some(&target) = seqs.get(target) {
                gathered.by_target.push((target, r.seq));
                gathered.by_reversal.push((r.seq, target));
            }
        }
        gathered.by_target.sort_unstable();
        gathered
    }

    fn reversed_by(&self, seq: u64) -> Option<u64> {
        let end = self.by_target.partition_point(|(t, _)| *t <= seq);
        let (target, by) = *self.by_target.get(end.checked_sub(1)?)?;
        (target == seq).then_some(by)
    }

    fn target_of(&self, reversal: u64) -> Option<u64> {
        let at = (self.by_reversal).binary_search_by_key(&reversal, |(r, _)| *r);
        at.ok().map(|i| self.by_reversal[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::Gathered;

    #[test]
    fn reversals_are_found_by_either_sequence() {
        let index = Gathered {
            by_target: vec![(2, 9), (4, 7), (4, 11)],
            by_reversal: vec![(7, 4), (9, 2), (11, 4)],
        };
        assert_eq!(index.reversed_by(2), Some(9));
        // Reversed twice (a log the rules would refuse): the later reversal, as a map by id
        // overwritten in log order said.
        assert_eq!(index.reversed_by(4), Some(11));
        assert_eq!([1, 3, 5, 12].map(|s| index.reversed_by(s)), [None; 4]);
        assert_eq!(index.target_of(9), Some(2));
        assert_eq!(index.target_of(11), Some(4));
        assert_eq!([2, 8, 12].map(|s| index.target_of(s)), [None; 3]);
        assert_eq!(Gathered::default().reversed_by(0), None);
    }
}
