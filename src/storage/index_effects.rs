//! The effects the persisted index sums (see `index_codec`): each record's movements as the
//! rules counted them, column by column, and the deadline shifts of `set_deadline`s. Apart
//! from the codec so that the budget year's columns (issue 12) read in one place.

use chrono::NaiveDate;

use crate::core::event::Kind;
use crate::core::rules::{Recorded, State};
use crate::storage::index_codec::{
    Builder, COLUMNS, DEADLINE_COLUMN, DEADLINE_DATE, Effect, day_number, whole,
};

impl Builder {
    /// The effects of one record (see the module comment).
    pub(super) fn effects(&mut self, state: &State, record: &Recorded) -> Vec<Effect> {
        // Held in memory, or read back from the store (see `core::held`).
        let target = match &record.event.kind {
            Kind::Reverse { target, .. } => state.seq_of(target).and_then(|s| state.record(s)),
            _ => None,
        };
        let (event, rules, sign) = match (&record.event.kind, &target) {
            (Kind::Reverse { .. }, Some(t)) => (&t.event, t.rules, -1),
            (Kind::Reverse { .. }, None) => {
                // A recorded reversal names a known event; only reading it back can fail.
                self.unreadable = true;
                return Vec::new();
            }
            _ => (&record.event, record.rules, 1),
        };
        if let Kind::SetDeadline { line, deadline } = &event.kind {
            let target_seq = state.seq_of(&event.id).unwrap_or(record.seq);
            return self
                .deadline_shift(line, target_seq, *deadline, sign)
                .map(|(line, shift)| {
                    let mut columns = [0; COLUMNS];
                    columns[DEADLINE_COLUMN] = shift;
                    vec![Effect {
                        seq: record.seq,
                        line,
                        date: DEADLINE_DATE,
                        columns,
                    }]
                })
                .unwrap_or_default();
        }
        let date = day_number(event.effective_date);
        state
            .classified_movements(event, rules)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                let line = self.line_ids.get(m.line).copied();
                assert!(line.is_some(), "a recorded movement names an open line");
                Some(Effect {
                    seq: record.seq,
                    line: line?,
                    date,
                    columns: [
                        sign * whole(m.plan),
                        sign * whole(m.disbursed),
                        sign * whole(m.carried_out),
                        sign * whole(m.lapsed),
                        sign * whole(m.recovered),
                        0,
                        sign * whole(m.completed),
                        sign * whole(m.advance_outstanding),
                        sign * whole(m.committed),
                        sign * whole(m.commitment_outstanding),
                    ],
                })
            })
            .collect()
    }

    /// Records a deadline setting (`sign` 1) or its reversal (-1) and returns the line and
    /// the shift, in days, it makes to the line's deadline.
    fn deadline_shift(
        &mut self,
        line: &str,
        seq: u64,
        deadline: NaiveDate,
        sign: i64,
    ) -> Option<(u32, i64)> {
        let id = self.line_ids.get(line).copied()?;
        let (default, set) = self.deadlines.get_mut(id as usize)?;
        let current = |set: &Vec<(u64, NaiveDate)>| set.last().map_or(*default, |&(_, d)| d);
        let before = current(set);
        set.retain(|&(s, _)| s != seq);
        if sign > 0 {
            let at = set.partition_point(|&(s, _)| s < seq);
            set.insert(at, (seq, deadline));
        }
        let after = current(set);
        Some((id, (after - before).num_days()))
    }
}
