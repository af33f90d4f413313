//! The causes of a revision diff, list by list, in the order they come: each line's, and
//! every cause once. A far diff names as many causes as there are events between its two
//! points (5M at 10M events, 760 MB held when each was a `LineCause` in a doubling vector).
//! Once `hold` causes are held, the held ones are set aside as spans of a `RunStore` (storage
//! keeps them in an unnamed temporary file) and read back span by span as the diff is
//! written; what is held then stays bounded whatever the distance between the points.
//!
//! Core knows nothing of files.

use rust_decimal::Decimal;

use crate::core::revision::{Cause, LineCause};
use crate::core::tag_runs::{BLOCK, RunStore};

/// Slots a cause takes in a run: its record, its moved event, its sign with both deltas'
/// scales, and each delta's mantissa in two.
const SLOTS: usize = 7;
/// Causes read back at once: as many as fit a run's block.
const READ: usize = BLOCK / SLOTS;
/// Causes encoded and appended at once, so that setting aside holds no second copy.
const WRITE: usize = 4 * READ;

pub struct CauseLists {
    /// Where causes are set aside; `None`: every cause is held.
    store: Option<Box<dyn RunStore>>,
    /// Causes held before they are set aside (`usize::MAX` once a span could not be written).
    hold: usize,
    held: Vec<Vec<LineCause>>,
    held_total: usize,
    /// Each list's spans set aside, in order: first slot and causes.
    spans: Vec<Vec<(u64, usize)>>,
    /// Slots set aside so far.
    kept: u64,
}

impl std::fmt::Debug for CauseLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CauseLists")
            .field("hold", &self.hold)
            .field("held", &self.held_total)
            .field("slots_kept", &self.kept)
            .finish()
    }
}

impl CauseLists {
    /// Every cause held in memory.
    pub fn held() -> CauseLists {
        CauseLists {
            store: None,
            hold: usize::MAX,
            held: Vec::new(),
            held_total: 0,
            spans: Vec::new(),
            kept: 0,
        }
    }

    /// Causes set aside into `store` each time `hold` (≥ 1) are held.
    pub fn setting_aside(store: Box<dyn RunStore>, hold: usize) -> CauseLists {
        assert!(hold >= 1, "a span holds a cause at least");
        CauseLists {
            store: Some(store),
            hold,
            ..CauseLists::held()
        }
    }

    /// Adds `c` after the causes of list `list`.
    pub fn push(&mut self, list: usize, c: LineCause) {
        if self.held.len() <= list {
            self.held.resize_with(list + 1, Vec::new);
            self.spans.resize_with(list + 1, Vec::new);
        }
        self.held[list].push(c);
        self.held_total += 1;
        if self.held_total >= self.hold {
            self.set_aside();
        }
    }

    /// Moves every held list into a span. A span that cannot be written leaves its causes
    /// held, and every later one: memory, not an answer, is lost.
    fn set_aside(&mut self) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let mut slots = Vec::with_capacity(WRITE * SLOTS);
        for (list, held) in self.held.iter_mut().enumerate() {
            if held.is_empty() {
                continue;
            }
            let written = held.chunks(WRITE).try_for_each(|chunk| {
                slots.clear();
                chunk.iter().for_each(|c| slots.extend(encode(c)));
                store.append(&slots)
            });
            if written.is_err() {
                // Part of the span may be written: no later span may follow it.
                self.hold = usize::MAX;
                return;
            }
            self.spans[list].push((self.kept, held.len()));
            self.kept += (held.len() * SLOTS) as u64;
            self.held_total -= held.len();
            *held = Vec::new();
        }
    }

    /// List `list`'s causes in the order pushed; after an error (a span that cannot be read
    /// back), nothing more.
    pub fn read(&self, list: usize) -> Reading<'_> {
        Reading {
            lists: self,
            list,
            span: 0,
            done: 0,
            batch: Vec::new().into_iter(),
            held: 0,
            failed: false,
        }
    }

    /// Up to a block's causes of span `(first, len)`, from its `done`th on.
    fn read_span(&self, (first, len): (u64, usize), done: usize) -> Result<Vec<LineCause>, String> {
        let Some(store) = self.store.as_ref() else {
            return Err("causes set aside with nowhere to read them from".into());
        };
        let n = (len - done).min(READ);
        let mut slots = [0u64; READ * SLOTS];
        let slots = &mut slots[..n * SLOTS];
        store.read(first + (done * SLOTS) as u64, slots)?;
        slots.chunks_exact(SLOTS).map(decode).collect()
    }
}

/// `CauseLists::read`: the list's spans, then what it holds.
pub struct Reading<'a> {
    lists: &'a CauseLists,
    list: usize,
    /// The span being read, and how many of its causes are read.
    span: usize,
    done: usize,
    batch: std::vec::IntoIter<LineCause>,
    /// How many held causes are given.
    held: usize,
    failed: bool,
}

impl Iterator for Reading<'_> {
    type Item = Result<LineCause, String>;

    fn next(&mut self) -> Option<Result<LineCause, String>> {
        if self.failed {
            return None;
        }
        if let Some(c) = self.batch.next() {
            return Some(Ok(c));
        }
        let spans = self.lists.spans.get(self.list).map_or(&[][..], |s| s);
        while let Some(&span) = spans.get(self.span) {
            if self.done == span.1 {
                (self.span, self.done) = (self.span + 1, 0);
                continue;
            }
            match self.lists.read_span(span, self.done) {
                Ok(batch) => {
                    self.done += batch.len();
                    self.batch = batch.into_iter();
                    return self.batch.next().map(Ok);
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        let held = self.lists.held.get(self.list)?.get(self.held)?;
        self.held += 1;
        Some(Ok(*held))
    }
}

/// A delta's mantissa in two slots, its scale apart.
fn split(d: Decimal) -> (u64, u64, u64) {
    let m = d.mantissa() as u128;
    (m as u64, (m >> 64) as u64, u64::from(d.scale()))
}

fn joined(lo: u64, hi: u64, scale: u64) -> Result<Decimal, String> {
    let m = (u128::from(hi) << 64 | u128::from(lo)) as i128;
    let scale = u32::try_from(scale).map_err(|e| e.to_string())?;
    Decimal::try_from_i128_with_scale(m, scale).map_err(|e| format!("a delta set aside: {e}"))
}

fn encode(c: &LineCause) -> [u64; SLOTS] {
    let (plan_lo, plan_hi, plan_scale) = split(c.plan_delta);
    let (paid_lo, paid_hi, paid_scale) = split(c.disbursed_delta);
    let sign = u64::from(c.cause.sign as u8);
    let packed = sign | plan_scale << 8 | paid_scale << 16;
    let cause = c.cause;
    [
        cause.record,
        cause.moved,
        packed,
        plan_lo,
        plan_hi,
        paid_lo,
        paid_hi,
    ]
}

fn decode(s: &[u64]) -> Result<LineCause, String> {
    let &[record, moved, packed, plan_lo, plan_hi, paid_lo, paid_hi] = s else {
        return Err(format!(
            "a cause set aside is {} slots, not {SLOTS}",
            s.len()
        ));
    };
    let sign = (packed & 0xff) as u8 as i8;
    if sign != 1 && sign != -1 {
        return Err(format!("a cause set aside has sign {sign}"));
    }
    Ok(LineCause {
        cause: Cause {
            record,
            moved,
            sign,
        },
        plan_delta: joined(plan_lo, plan_hi, packed >> 8 & 0xff)?,
        disbursed_delta: joined(paid_lo, paid_hi, packed >> 16 & 0xff)?,
    })
}

/// The order of a list: by the recorded event, then by the event it moves.
pub fn key(c: &Cause) -> (u64, u64) {
    (c.record, c.moved)
}

/// `ordered` (in key order) with `side` (sorted by key) merged in: one list in key order; an
/// error ends it.
pub fn merged<'a>(
    side: &'a [LineCause],
    ordered: impl Iterator<Item = Result<LineCause, String>> + 'a,
) -> impl Iterator<Item = Result<LineCause, String>> + 'a {
    let mut side = side.iter().peekable();
    let mut ordered = ordered.peekable();
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let take_side = match (side.peek(), ordered.peek()) {
            (Some(s), Some(Ok(o))) => key(&s.cause) < key(&o.cause),
            (Some(_), None) => true,
            _ => false,
        };
        if take_side {
            return side.next().map(|c| Ok(*c));
        }
        let next = ordered.next()?;
        failed = next.is_err();
        Some(next)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::{CauseLists, key, merged};
    use crate::core::revision::{Cause, LineCause};
    use crate::core::tag_runs::RunStore;
    use crate::core::tag_runs::tests::Memory;

    fn cause(record: u64, moved: u64, plan: Decimal, paid: Decimal) -> LineCause {
        LineCause {
            cause: Cause {
                record,
                moved,
                sign: if record.is_multiple_of(2) { 1 } else { -1 },
            },
            plan_delta: plan,
            disbursed_delta: paid,
        }
    }

    /// Deltas a run must give back exactly: negative, fractional, the largest mantissa.
    fn deltas() -> Vec<Decimal> {
        vec![
            Decimal::ZERO,
            Decimal::from(-38_996_000_000i64),
            Decimal::new(-12_345, 2),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
        ]
    }

    /// Pushes `per_list` causes into each of `lists` lists, round robin, and reads each back.
    fn round_trip(mut lists: CauseLists, n: usize, per_list: usize) -> Vec<Vec<LineCause>> {
        let d = deltas();
        let mut pushed = vec![Vec::new(); n];
        for i in 0..n * per_list {
            let c = cause(i as u64, i as u64, d[i % d.len()], d[(i + 1) % d.len()]);
            lists.push(i % n, c);
            pushed[i % n].push(c);
        }
        for (list, expected) in pushed.iter().enumerate() {
            let got: Vec<LineCause> = lists.read(list).map(|c| c.unwrap()).collect();
            assert_eq!(got.len(), expected.len(), "list {list}");
            for (g, e) in got.iter().zip(expected) {
                assert_eq!(g.cause, e.cause);
                assert_eq!(g.plan_delta.to_string(), e.plan_delta.to_string());
                assert_eq!(g.disbursed_delta.to_string(), e.disbursed_delta.to_string());
            }
        }
        pushed
    }

    #[test]
    fn causes_set_aside_read_back_in_the_order_pushed_with_every_digit() {
        // Spans smaller, equal and larger than a read's block, and a held tail after them.
        for hold in [1, 3, 73, 74, 500] {
            round_trip(
                CauseLists::setting_aside(Box::new(Memory::default()), hold),
                4,
                251,
            );
        }
        round_trip(CauseLists::held(), 3, 100);
        assert_eq!(
            CauseLists::held().read(7).count(),
            0,
            "a list never pushed to"
        );
    }

    /// A store whose appends fail after `room` slots.
    struct Full {
        inner: Memory,
        room: usize,
        used: usize,
    }

    impl RunStore for Full {
        fn append(&mut self, slots: &[u64]) -> Result<(), String> {
            if self.used + slots.len() > self.room {
                return Err("no space left on device".into());
            }
            self.used += slots.len();
            self.inner.append(slots)
        }

        fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String> {
            self.inner.read(at, out)
        }
    }

    #[test]
    fn a_span_that_cannot_be_written_leaves_its_causes_held_not_lost() {
        // No room at all; room for the first list only; room for a few spans.
        for room in [0, 7 * 20, 7 * 1000] {
            let full = Full {
                inner: Memory::default(),
                room,
                used: 0,
            };
            round_trip(CauseLists::setting_aside(Box::new(full), 50), 3, 600);
        }
    }

    #[test]
    fn a_span_that_cannot_be_read_back_is_an_error_then_nothing() {
        let mut lists = CauseLists::setting_aside(Box::new(Memory::broken()), 2);
        for i in 0..5 {
            lists.push(0, cause(i, i, Decimal::ONE, Decimal::ZERO));
        }
        let read: Vec<_> = lists.read(0).collect();
        assert_eq!(read.len(), 1, "{read:?}");
        assert!(read[0].as_ref().is_err_and(|e| e.contains("disk")));
    }

    proptest! {
        #[test]
        fn merging_keeps_every_cause_once_in_key_order(
            mut side in proptest::collection::vec((0u64..50, 0u64..50), 0..30),
            mut ordered in proptest::collection::vec(0u64..50, 0..30),
        ) {
            side.sort_unstable();
            ordered.sort_unstable();
            let side: Vec<LineCause> = side
                .iter()
                .map(|&(r, m)| cause(r, m, Decimal::ONE, Decimal::ZERO))
                .collect();
            let ordered: Vec<LineCause> = ordered
                .iter()
                .map(|&s| cause(s, s, Decimal::ZERO, Decimal::ONE))
                .collect();
            let got: Vec<LineCause> = merged(&side, ordered.clone().into_iter().map(Ok))
                .map(|c| c.unwrap())
                .collect();
            prop_assert_eq!(got.len(), side.len() + ordered.len());
            prop_assert!(got.is_sorted_by_key(|c| key(&c.cause)));
            let from_side = got.iter().filter(|c| c.plan_delta == Decimal::ONE).count();
            prop_assert_eq!(from_side, side.len());
        }
    }
}
