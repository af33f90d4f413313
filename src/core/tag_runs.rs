//! Slots of a `tag_table` set aside once the table is full: sorted runs kept outside memory, each
//! with the first tag of every block and a Bloom filter of its tags in memory. A command that
//! only reads the log then holds a bounded table however long the log is (issue 17: the id map
//! took 134 MB at 10M events, what grew most from 1M to 10M). A lookup reads one block of a run
//! (4 KiB) only when that run's filter says the tag may be there: about one run in a hundred
//! for a tag it does not hold.
//!
//! Core knows nothing of files: `RunStore` is where the runs go (storage keeps them in an
//! unnamed temporary file, `storage::run_file`).

use crate::core::tag_table::{TagTable, seq, tag};

/// Where runs are kept: slots appended one after another, read back by position.
pub trait RunStore: Send + Sync {
    /// Appends `slots` after every slot kept so far.
    fn append(&mut self, slots: &[u64]) -> Result<(), String>;
    /// Reads the slots from position `at` into `out`.
    fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String>;
}

/// Slots a lookup reads at once (4 KiB).
pub const BLOCK: usize = 512;
/// Bits of filter per slot, and probes per tag: about one false "maybe" in a hundred.
const FILTER_BITS: usize = 10;
const FILTER_PROBES: u64 = 7;

/// What a lookup knows of one run without reading it.
struct RunIndex {
    /// The tag of each block's first slot.
    fences: Vec<u32>,
    filter: Vec<u64>,
}

/// The runs set aside so far, each with its `RunIndex`.
pub struct Runs {
    sorted: SortedRuns,
    index: Vec<RunIndex>,
}

impl Runs {
    pub fn new(store: Box<dyn RunStore>) -> Runs {
        Runs {
            sorted: SortedRuns::new(store),
            index: Vec::new(),
        }
    }

    /// Slots kept in every run.
    pub fn len(&self) -> u64 {
        self.sorted.kept
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Keeps `sorted` (slots in ascending order) as a new run.
    pub fn put(&mut self, sorted: &[u64]) -> Result<(), String> {
        if sorted.is_empty() {
            return Ok(());
        }
        self.sorted.put(sorted)?;
        let fences = sorted.chunks(BLOCK).map(|block| tag(block[0])).collect();
        let mut filter = vec![0u64; (sorted.len() * FILTER_BITS).div_ceil(64)];
        for slot in sorted {
            for bit in probes(tag(*slot), filter.len()) {
                filter[bit / 64] |= 1 << (bit % 64);
            }
        }
        self.index.push(RunIndex { fences, filter });
        Ok(())
    }

    /// Adds to `out` the sequences filed under `tag` in every run.
    pub fn candidates(&self, wanted: u32, out: &mut Vec<u64>) -> Result<(), String> {
        let mut block = [0u64; BLOCK];
        let runs = self.sorted.spans.iter().zip(&self.index);
        for (&(start, len), run) in runs.filter(|(_, run)| run.may_hold(wanted)) {
            // A block holds `wanted` only if it starts at or before it and the next block
            // does not start before it.
            let first = run
                .fences
                .partition_point(|f| *f < wanted)
                .saturating_sub(1);
            let end = run.fences.partition_point(|f| *f <= wanted);
            for b in first..end {
                let at = b * BLOCK;
                let read = &mut block[..BLOCK.min(len - at)];
                self.sorted.store.read(start + at as u64, read)?;
                out.extend(read.iter().filter(|s| tag(**s) == wanted).map(|s| seq(*s)));
            }
        }
        Ok(())
    }

    /// Bytes the fences and filters hold (the runs themselves are not in memory).
    pub fn heap_bytes(&self) -> usize {
        let each = |run: &RunIndex| run.fences.capacity() * 4 + run.filter.capacity() * 8;
        let spans = self.sorted.spans.capacity() * size_of::<(u64, usize)>();
        self.index.iter().map(each).sum::<usize>()
            + self.index.capacity() * size_of::<RunIndex>()
            + spans
    }
}

impl RunIndex {
    fn may_hold(&self, wanted: u32) -> bool {
        probes(wanted, self.filter.len()).all(|bit| self.filter[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

/// The filter bits of `tag` in a filter of `words` words: double hashing over a mix of the tag
/// (tags are already a seeded hash's bits; the mix spreads them over 64).
fn probes(tag: u32, words: usize) -> impl Iterator<Item = usize> {
    let bits = (words as u64) * 64;
    let mixed = splitmix(u64::from(tag));
    let (h1, h2) = (mixed, mixed.rotate_left(32) | 1);
    (0..FILTER_PROBES).map(move |i| {
        let h = h1.wrapping_add(i.wrapping_mul(h2));
        ((u128::from(h) * u128::from(bits)) >> 64) as usize
    })
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A `tag_table` whose slots go to `runs` once it holds `limit` of them: what the id map and
/// an import's vouchers keep.
pub struct SetAside {
    pub runs: Runs,
    limit: usize,
}

impl SetAside {
    pub fn new(store: Box<dyn RunStore>, limit: usize) -> SetAside {
        SetAside {
            runs: Runs::new(store),
            limit: limit.max(1),
        }
    }

    /// Slots the table holds before it is set aside.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Once `table` holds the limit, moves its slots whose sequence is at most `durable` into a
    /// new run; the table keeps the later ones (not yet durable, which a rollback may still
    /// withdraw). A run that cannot be kept leaves the table as it was, to grow from then on:
    /// memory, not an answer, is lost.
    pub fn settle(&mut self, table: &mut TagTable, durable: u64) {
        if table.len() < self.limit {
            return;
        }
        let mut settled = table.sorted_slots();
        let open: Vec<u64> = (settled.iter().copied())
            .filter(|slot| seq(*slot) > durable)
            .collect();
        settled.retain(|slot| seq(*slot) <= durable);
        if self.runs.put(&settled).is_err() {
            self.limit = usize::MAX;
            return;
        }
        table.clear();
        for slot in open {
            table.insert(tag(slot), seq(slot));
        }
    }
}

/// Slots set aside in sorted runs without filters or fences: what a fold that only needs them
/// back in order at its end keeps (`core::duplicates::DuplicateFold`).
pub struct SortedRuns {
    store: Box<dyn RunStore>,
    /// Each run's first position and length.
    spans: Vec<(u64, usize)>,
    kept: u64,
}

impl SortedRuns {
    pub fn new(store: Box<dyn RunStore>) -> SortedRuns {
        SortedRuns {
            store,
            spans: Vec::new(),
            kept: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kept == 0
    }

    /// Keeps `sorted` (slots in ascending order) as a new run.
    pub fn put(&mut self, sorted: &[u64]) -> Result<(), String> {
        assert!(sorted.is_sorted(), "a run is sorted");
        self.store.append(sorted)?;
        self.spans.push((self.kept, sorted.len()));
        self.kept += sorted.len() as u64;
        Ok(())
    }

    /// Every slot of every run and of `tail` (sorted), in ascending order: a run is read a
    /// block at a time, so memory is a block per run.
    pub fn merged(self, tail: Vec<u64>) -> Merged {
        assert!(tail.is_sorted(), "the tail is sorted");
        let cursors = self.spans.iter().map(|(start, len)| Cursor {
            next: *start,
            end: start + *len as u64,
            block: Vec::new(),
            at: 0,
        });
        Merged {
            cursors: cursors.collect(),
            store: self.store,
            tail: tail.into_iter().peekable(),
            failed: false,
        }
    }
}

/// A run being read in order.
struct Cursor {
    next: u64,
    end: u64,
    block: Vec<u64>,
    at: usize,
}

impl Cursor {
    /// The run's next slot, reading its next block when this one is done.
    fn head(&mut self, store: &dyn RunStore) -> Result<Option<u64>, String> {
        if self.at == self.block.len() && self.next < self.end {
            let n = BLOCK.min((self.end - self.next) as usize);
            self.block.resize(n, 0);
            store.read(self.next, &mut self.block)?;
            self.next += n as u64;
            self.at = 0;
        }
        Ok(self.block.get(self.at).copied())
    }
}

/// `SortedRuns::merged`: stops after the first error it gives.
pub struct Merged {
    cursors: Vec<Cursor>,
    store: Box<dyn RunStore>,
    tail: std::iter::Peekable<std::vec::IntoIter<u64>>,
    failed: bool,
}

impl Iterator for Merged {
    type Item = Result<u64, String>;

    fn next(&mut self) -> Option<Result<u64, String>> {
        if self.failed {
            return None;
        }
        // A handful of runs (one per million slots): a scan beats a heap.
        let mut least: Option<(u64, Option<usize>)> = self.tail.peek().map(|s| (*s, None));
        for (i, cursor) in self.cursors.iter_mut().enumerate() {
            match cursor.head(self.store.as_ref()) {
                Ok(Some(slot)) if least.is_none_or(|(l, _)| slot < l) => {
                    least = Some((slot, Some(i)))
                }
                Ok(_) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        let (slot, from) = least?;
        match from {
            Some(i) => self.cursors[i].at += 1,
            None => {
                self.tail.next();
            }
        }
        Some(Ok(slot))
    }
}

#[cfg(test)]
pub mod tests {
    use proptest::prelude::*;

    use super::{BLOCK, RunStore, Runs, SortedRuns};
    use crate::core::tag_table::{slot, tag};

    /// Runs in memory; a `broken` one fails every read (a disk error).
    #[derive(Default)]
    pub struct Memory {
        slots: Vec<u64>,
        broken: bool,
    }

    impl Memory {
        pub fn broken() -> Memory {
            Memory {
                slots: Vec::new(),
                broken: true,
            }
        }
    }

    impl RunStore for Memory {
        fn append(&mut self, slots: &[u64]) -> Result<(), String> {
            self.slots.extend_from_slice(slots);
            Ok(())
        }

        fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String> {
            if self.broken {
                return Err("the disk failed".into());
            }
            let at = at as usize;
            out.copy_from_slice(&self.slots[at..at + out.len()]);
            Ok(())
        }
    }

    fn found(runs: &Runs, tag: u32) -> Vec<u64> {
        let mut out = Vec::new();
        runs.candidates(tag, &mut out).unwrap();
        out.sort_unstable();
        out
    }

    #[test]
    fn a_tag_spread_over_blocks_and_runs_gives_every_sequence_filed_under_it() {
        let mut runs = Runs::new(Box::new(Memory::default()));
        // Tag 7 fills more than two blocks of the first run, across block boundaries.
        let mut first: Vec<u64> = (1..=300).map(|s| slot(3, s)).collect();
        first.extend((301..=301 + 2 * BLOCK as u64).map(|s| slot(7, s)));
        first.extend((2000..2100).map(|s| slot(9, s)));
        runs.put(&first).unwrap();
        runs.put(&[slot(7, 5000), slot(8, 5001)]).unwrap();
        let mut sevens: Vec<u64> = (301..=301 + 2 * BLOCK as u64).collect();
        sevens.push(5000);
        assert_eq!(found(&runs, 7), sevens);
        assert_eq!(found(&runs, 3), (1..=300).collect::<Vec<_>>());
        assert_eq!(found(&runs, 8), vec![5001]);
        assert!(found(&runs, 4).is_empty() && found(&runs, 0).is_empty());
        assert!(found(&runs, u32::MAX).is_empty());
        assert_eq!(runs.len(), first.len() as u64 + 2);
    }

    #[test]
    fn a_failed_read_is_an_error_not_an_empty_answer() {
        let mut runs = Runs::new(Box::new(Memory::broken()));
        runs.put(&[slot(1, 1), slot(2, 2)]).unwrap();
        assert!(runs.candidates(2, &mut Vec::new()).is_err());
    }

    #[test]
    fn a_tag_no_run_holds_is_rarely_read_for() {
        let mut runs = Runs::new(Box::new(Memory::broken()));
        let mut sorted: Vec<u64> = (1..=20_000u64)
            .map(|s| slot((s as u32).wrapping_mul(2_654_435_761), s))
            .collect();
        sorted.sort_unstable();
        runs.put(&sorted).unwrap();
        // Every read fails, so a lookup that reads is an error: count them.
        let held: std::collections::HashSet<u32> = sorted.iter().map(|s| tag(*s)).collect();
        let absent = (20_001..40_000u32).map(|i| i.wrapping_mul(2_654_435_761));
        let absent: Vec<u32> = absent.filter(|t| !held.contains(t)).collect();
        let read = absent
            .iter()
            .filter(|t| runs.candidates(**t, &mut Vec::new()).is_err());
        assert!(
            read.count() < absent.len() / 30,
            "the filter lets few absent tags through"
        );
    }

    #[test]
    fn a_merge_that_cannot_read_a_run_says_so_and_stops() {
        let mut runs = SortedRuns::new(Box::new(Memory::broken()));
        runs.put(&[1, 5, 9]).unwrap();
        let mut merged = runs.merged(vec![2, 3]);
        assert!(merged.next().is_some_and(|r| r.is_err()));
        assert!(merged.next().is_none());
    }

    proptest! {
        #[test]
        fn merged_runs_give_every_slot_in_order(
            runs_of in prop::collection::vec(prop::collection::vec(any::<u64>(), 0..1500), 0..5),
            tail in prop::collection::vec(any::<u64>(), 0..700),
        ) {
            let mut runs = SortedRuns::new(Box::new(Memory::default()));
            let mut all = tail.clone();
            for mut run in runs_of {
                run.sort_unstable();
                runs.put(&run).unwrap();
                all.extend(run);
            }
            all.sort_unstable();
            let mut tail = tail;
            tail.sort_unstable();
            let merged: Result<Vec<u64>, String> = runs.merged(tail).collect();
            prop_assert_eq!(merged.unwrap(), all);
        }

        #[test]
        fn runs_answer_as_a_list_of_every_slot_does(
            runs_of in prop::collection::vec(prop::collection::vec((0u32..40, 1u64..1_000_000), 0..1200), 1..4),
            wanted in 0u32..42,
        ) {
            let mut runs = Runs::new(Box::new(Memory::default()));
            let mut all = Vec::new();
            for run in runs_of {
                let mut sorted: Vec<u64> = run.iter().map(|(t, s)| slot(*t, *s)).collect();
                sorted.sort_unstable();
                runs.put(&sorted).unwrap();
                all.extend(run);
            }
            let mut expected: Vec<u64> = all.iter().filter(|(t, _)| *t == wanted).map(|(_, s)| *s).collect();
            expected.sort_unstable();
            prop_assert_eq!(found(&runs, wanted), expected);
        }
    }
}
