//! Every line's figures as of a date and a knowledge point, from the head tables, a
//! checkpoint's tables and the blocks of effects between.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Fallback, IndexReader, LineFigures, figures};
use crate::storage::index_codec;

/// Every line's figures at the head, and those at a point near it, of one plan year if asked
/// (`IndexReader::balances_at_head_and`).
pub struct NearHead {
    pub head: Vec<LineFigures>,
    pub point: Vec<LineFigures>,
}

impl IndexReader {
    /// Figures of every line opened by `known_at` (of `plan_year`, if given), in code order.
    pub fn balances(
        &self,
        as_of: NaiveDate,
        known_at: u64,
        plan_year: Option<i32>,
    ) -> Result<Vec<LineFigures>, Fallback> {
        let day = index_codec::day_number(as_of);
        let base = self.base(known_at)?;
        // A historical view: the nearest checkpoint's tables plus the effects after it.
        let mut delta: HashMap<u32, index_codec::Sums> = HashMap::new();
        self.after_checkpoint(&base, known_at, |block| {
            block.add(base.checkpoint, known_at, day, &mut delta)
        })?;
        let mut out = Vec::new();
        for (line, (open_seq, spec)) in base.lines.iter().enumerate() {
            let line = line as u32;
            if *open_seq > known_at || plan_year.is_some_and(|y| y != spec.plan_year) {
                continue;
            }
            let table = self.table(&base, line, *open_seq)?;
            let mut sums = index_codec::table_at(&table, day)?;
            move_by(&mut sums, delta.get(&line), 1);
            out.push(figures(spec.clone(), &sums)?);
        }
        out.sort_by(|a, b| a.spec.line.cmp(&b.spec.line));
        Ok(out)
    }

    /// The figures of every line as `balances` gives them at the head and at `known_at`,
    /// reading each head table once: the figures at `known_at` are the head's less the
    /// effects after it, read from the blocks between. `None` when `known_at` lies further
    /// from the head than a checkpoint interval: reading those blocks would then cost more
    /// than `balances` reading the checkpoint before it (a near `diff` read both whole).
    pub fn balances_at_head_and(
        &self,
        as_of: NaiveDate,
        known_at: u64,
        plan_year: Option<i32>,
    ) -> Result<Option<NearHead>, Fallback> {
        let head = self.head_seq;
        let interval = self.mark.interval.max(1);
        if known_at > head || head - known_at > interval {
            return Ok(None);
        }
        let day = index_codec::day_number(as_of);
        let base = self.base(head)?;
        let mut after: HashMap<u32, index_codec::Sums> = HashMap::new();
        if known_at < head {
            for block in (known_at + 1) / index_codec::BLOCK..=head / index_codec::BLOCK {
                let bytes = self.block(block)?;
                index_codec::decode_block(block, &bytes)?.add(known_at, head, day, &mut after);
            }
        }
        let (mut at_head, mut before) = (Vec::new(), Vec::new());
        for (line, (open_seq, spec)) in base.lines.iter().enumerate() {
            let line = line as u32;
            let table = self.table(&base, line, *open_seq)?;
            let mut sums = index_codec::table_at(&table, day)?;
            at_head.push(figures(spec.clone(), &sums)?);
            if *open_seq > known_at || plan_year.is_some_and(|y| y != spec.plan_year) {
                continue;
            }
            move_by(&mut sums, after.get(&line), -1);
            before.push(figures(spec.clone(), &sums)?);
        }
        at_head.sort_by(|a, b| a.spec.line.cmp(&b.spec.line));
        before.sort_by(|a, b| a.spec.line.cmp(&b.spec.line));
        Ok(Some(NearHead {
            head: at_head,
            point: before,
        }))
    }
}

/// Adds `delta` (effects read from blocks) to a line's `sums`, or takes it away (`sign` −1).
fn move_by(sums: &mut index_codec::Sums, delta: Option<&index_codec::Sums>, sign: i128) {
    for (sum, value) in sums.iter_mut().zip(delta.into_iter().flatten()) {
        *sum += sign * value;
    }
}
