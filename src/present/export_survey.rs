//! What an export must know about the whole log it covers before it writes its first row
//! (which events a later reversal cancels, each line's declaration and deadline, the first
//! date an account is used), gathered in one pass over the records, which are then let go of.
//!
//! An export of a million events reads the log twice in parts (`Parts`): once for this survey,
//! once to write. Memory holds only the survey: O(lines + reversals + deadline settings),
//! never the records (a reversal costs 32 bytes, `ReversalIndex`; a line its declaration).

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
    /// Which sequences are reversed, and by which.
    pub reversals: ReversalIndex,
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
        // The part's reversals (sequence, target id), their targets' sequences found per part.
        let mut pending: Vec<(u64, Uuid)> = Vec::new();
        log.each_part(&mut |part| {
            for r in part {
                survey.note(r, &mut deadline_ids);
                if let Kind::Reverse { target, .. } = &r.event.kind {
                    pending.push((r.seq, *target));
                }
            }
            survey.reversals.resolve(log, &mut pending)
        })?;
        survey.reversals.by_target.sort_unstable();
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

/// The reversals of the covered log by sequence: 16 bytes each way, where two maps by id took
/// about 100 bytes a reversal (issue 17: 40 MB at 10M events, what kept the journals' exports
/// growing faster than the log).
#[derive(Default)]
pub struct ReversalIndex {
    /// (target's sequence, reversal's sequence), sorted.
    by_target: Vec<(u64, u64)>,
    /// (reversal's sequence, target's sequence), in log order.
    by_reversal: Vec<(u64, u64)>,
}

impl ReversalIndex {
    /// The sequence of the (last) reversal that cancels sequence `seq`.
    pub fn reversed_by(&self, seq: u64) -> Option<u64> {
        let end = self.by_target.partition_point(|(t, _)| *t <= seq);
        let (target, by) = *self.by_target.get(end.checked_sub(1)?)?;
        (target == seq).then_some(by)
    }

    /// The sequence that the reversal at `reversal` cancels (`None`: not a reversal, or its
    /// target is not in the log).
    pub fn target_of(&self, reversal: u64) -> Option<u64> {
        let at = (self.by_reversal).binary_search_by_key(&reversal, |(r, _)| *r);
        at.ok().map(|i| self.by_reversal[i].1)
    }

    /// Finds the targets of `pending` reversals in `log` and files them.
    fn resolve(&mut self, log: &dyn Parts, pending: &mut Vec<(u64, Uuid)>) -> io::Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let ids: HashSet<Uuid> = pending.iter().map(|(_, id)| *id).collect();
        let seqs = log.seqs_of(&ids)?;
        for (reversal, id) in pending.drain(..) {
            if let Some(&target) = seqs.get(&id) {
                self.by_target.push((target, reversal));
                self.by_reversal.push((reversal, target));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ReversalIndex;

    #[test]
    fn reversals_are_found_by_either_sequence() {
        let index = ReversalIndex {
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
        assert_eq!(ReversalIndex::default().reversed_by(0), None);
    }
}
