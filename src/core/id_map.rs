//! Every recorded event's id and its sequence, kept compactly: the table the rules look an id up
//! in (an event sent again, a reversal's or a payment's target) on every open and every append.
//!
//! Why not a `HashMap<Uuid, u64>`: it takes 24 bytes a slot plus a control byte, in a table at
//! most 7/8 full, so 52 MB at 1M events and 420 MB at 10M, the largest thing a bounded open
//! held (BENCHMARKS.md, issue 17). Here a slot is 8 bytes: 32 bits of the id's hash and the
//! sequence (`tag_table`). The id itself is not kept: a slot whose hash bits match is confirmed by reading
//! the id recorded at its sequence (held in memory, or read back from the store). A slot that
//! matches without being the id is rare (about one lookup in 2^(32 - log2 slots)) and costs
//! one read. The hasher is seeded at random in each process, so ids cannot be chosen to
//! collide.
//!
//! A map that must not grow with the log sets its table aside as sorted runs in a `RunStore`,
//! looked up through `tag_runs`: each time it is full for a map that never rolls back (a
//! command that only reads, `set_aside`); only the ids its owner says are durable for a
//! writer's (`set_aside_when_settled`, `settle`), since an id set aside is never withdrawn.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::hash::BuildHasher;

use uuid::Uuid;

use crate::core::tag_runs::{RunStore, SetAside};
use crate::core::tag_table::{MAX_SEQ, TagTable};

/// Ids and sequences; `S` is the hasher (tests force collisions with a poor one).
pub struct IdMap<S = foldhash::fast::RandomState> {
    table: TagTable,
    /// Ids recorded past `MAX_SEQ`.
    beyond: HashMap<Uuid, u64, S>,
    hasher: S,
    aside: Option<Aside>,
}

/// Where a full table goes, and what went wrong there: a run that cannot be read back makes
/// every answer since doubtful, so the map's owner refuses (`failure`).
struct Aside {
    set: SetAside,
    /// Only when `settle` says the ids so far will never be withdrawn (a writer's map).
    when_settled: bool,
    failure: OnceCell<String>,
}

impl<S: BuildHasher + Default> Default for IdMap<S> {
    fn default() -> Self {
        IdMap {
            table: TagTable::default(),
            beyond: HashMap::default(),
            hasher: S::default(),
            aside: None,
        }
    }
}

impl<S: BuildHasher> IdMap<S> {
    pub fn len(&self) -> usize {
        let aside = self.aside.as_ref().map_or(0, |a| a.set.runs.len() as usize);
        self.table.len() + self.beyond.len() + aside
    }

    /// From now on, sets the table aside into `store` each time it holds `limit` ids (≥ 1), so
    /// that it never holds more. For a map that is never rolled back.
    pub fn set_aside(&mut self, store: Box<dyn RunStore>, limit: usize) {
        self.aside_into(store, limit, false);
    }

    /// As `set_aside`, for a map that rolls back what is not yet durable: the table is set
    /// aside only by `settle`, and only the ids it says are durable.
    pub fn set_aside_when_settled(&mut self, store: Box<dyn RunStore>, limit: usize) {
        self.aside_into(store, limit, true);
    }

    fn aside_into(&mut self, store: Box<dyn RunStore>, limit: usize, when_settled: bool) {
        assert!(
            limit >= 1 && self.aside.is_none(),
            "a map is set aside once"
        );
        self.aside = Some(Aside {
            set: SetAside::new(store, limit),
            when_settled,
            failure: OnceCell::new(),
        });
    }

    /// The ids of sequences up to `durable` will never be withdrawn: they are set aside if the
    /// table holds its limit; later ones stay (see `set_aside_when_settled`).
    pub fn settle(&mut self, durable: u64) {
        if let Some(aside) = self.aside.as_mut() {
            aside.set.settle(&mut self.table, durable);
        }
    }

    /// How many ids are set aside, out of memory.
    pub fn set_aside_len(&self) -> u64 {
        self.aside.as_ref().map_or(0, |a| a.set.runs.len())
    }

    /// What made an answer doubtful: a run that could not be read back or an id set aside
    /// that was to be withdrawn. The owner must refuse what it answered once this is `Some`.
    pub fn failure(&self) -> Option<&str> {
        self.aside.as_ref()?.failure.get().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `more` ids, so that an open of a known length sizes the table once.
    pub fn reserve(&mut self, more: usize) {
        let limit = self.aside.as_ref().map_or(usize::MAX, |a| a.set.limit());
        self.table.reserve(more.min(limit));
    }

    /// Notes `id`, new, at `seq` (the rules checked that it is not recorded yet).
    pub fn insert(&mut self, id: &Uuid, seq: u64) {
        if seq > MAX_SEQ {
            self.beyond.insert(*id, seq);
        } else {
            self.table.insert(self.tag(id), seq);
            let full = |a: &Aside| !a.when_settled && self.table.len() >= a.set.limit();
            if self.aside.as_ref().is_some_and(full) {
                self.settle(MAX_SEQ);
            }
        }
    }

    /// The sequence `id` is recorded at, or `None`. `id_at` gives the id recorded at a sequence,
    /// or `None` when its record cannot be read: such a candidate is answered when no other one
    /// is the id, so that the caller, failing to read it too, refuses rather than guess.
    pub fn find(&self, id: &Uuid, id_at: impl Fn(u64) -> Option<Uuid>) -> Option<u64> {
        if let Some(seq) = self.beyond.get(id) {
            return Some(*seq);
        }
        let tag = self.tag(id);
        let mut unreadable = None;
        if let Some(seq) = confirmed(self.table.candidates(tag), id, &id_at, &mut unreadable) {
            return Some(seq);
        }
        if let Some(aside) = self.aside.as_ref().filter(|a| !a.set.runs.is_empty()) {
            let mut seqs = Vec::new();
            if let Err(e) = aside.set.runs.candidates(tag, &mut seqs) {
                aside.failure.get_or_init(|| e);
            }
            return confirmed(seqs.into_iter(), id, &id_at, &mut unreadable).or(unreadable);
        }
        unreadable
    }

    /// Forgets `id` at `seq` (a batch that failed is rolled back).
    pub fn remove(&mut self, id: &Uuid, seq: u64) {
        if seq > MAX_SEQ {
            self.beyond.remove(id);
        } else if !self.table.remove(self.tag(id), seq)
            && let Some(aside) = self.aside.as_ref().filter(|a| !a.set.runs.is_empty())
        {
            aside
                .failure
                .get_or_init(|| format!("id {id} (sequence {seq}) was set aside"));
        }
    }

    /// Bytes the table holds, for the benchmarks' accounts.
    pub fn heap_bytes(&self) -> usize {
        let aside = self.aside.as_ref().map_or(0, |a| a.set.runs.heap_bytes());
        self.table.heap_bytes()
            + self.beyond.capacity() * (std::mem::size_of::<(Uuid, u64)>() + 1)
            + aside
    }

    fn tag(&self, id: &Uuid) -> u32 {
        crate::core::tag_table::tag_of(&self.hasher, id)
    }
}

/// The first of `seqs` whose record is `id`; a candidate that cannot be read is noted in
/// `unreadable` (the first one), to be answered if nothing else is the id.
fn confirmed(
    seqs: impl Iterator<Item = u64>,
    id: &Uuid,
    id_at: &impl Fn(u64) -> Option<Uuid>,
    unreadable: &mut Option<u64>,
) -> Option<u64> {
    for seq in seqs {
        match id_at(seq) {
            Some(found) if found == *id => return Some(seq),
            Some(_) => {}
            None => {
                unreadable.get_or_insert(seq);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hasher};

    use proptest::prelude::*;
    use uuid::Uuid;

    use super::IdMap;
    use crate::core::tag_runs::tests::Memory;

    /// A hasher that keeps only an id's first byte: most ids share their 32 hash bits, so every
    /// lookup must tell them apart by reading the id back.
    #[derive(Default)]
    struct FirstByte(u64);

    impl Hasher for FirstByte {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            // An id is written as its 16 bytes (after its length): keep the first.
            if let [first, ..] = bytes
                && bytes.len() == 16
            {
                self.0 = (u64::from(*first) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
        }
    }

    type Poor = IdMap<BuildHasherDefault<FirstByte>>;

    fn id(n: u32, salt: u8) -> Uuid {
        let mut b = [salt; 16];
        b[12..].copy_from_slice(&n.to_be_bytes());
        Uuid::from_bytes(b)
    }

    /// Applies inserts and rollbacks to the map and to a plain `HashMap`, and checks that every
    /// id ever seen is found exactly where the plain map has it.
    fn agrees<S: std::hash::BuildHasher + Default>(ops: &[(bool, u8)]) {
        let mut map = IdMap::<S>::default();
        let mut plain: HashMap<Uuid, u64> = HashMap::new();
        let mut log: Vec<Uuid> = Vec::new();
        let mut seen = Vec::new();
        for (n, (push, salt)) in ops.iter().enumerate() {
            if *push || log.is_empty() {
                let new = id(n as u32, *salt % 4);
                log.push(new);
                map.insert(&new, log.len() as u64);
                plain.insert(new, log.len() as u64);
                seen.push(new);
            } else if let Some(last) = log.pop() {
                map.remove(&last, log.len() as u64 + 1);
                plain.remove(&last);
            }
            let id_at = |seq: u64| log.get(seq as usize - 1).copied();
            for one in &seen {
                assert_eq!(map.find(one, id_at), plain.get(one).copied(), "{one}");
            }
            assert_eq!(map.len(), plain.len());
        }
    }

    proptest! {
        #[test]
        fn finds_what_a_hash_map_finds(ops in prop::collection::vec((prop::bool::weighted(0.8), any::<u8>()), 1..300)) {
            agrees::<foldhash::fast::RandomState>(&ops);
            agrees::<BuildHasherDefault<FirstByte>>(&ops);
        }
    }

    #[test]
    fn a_million_ids_take_16_mb_and_are_all_found() {
        let mut map = IdMap::<foldhash::fast::RandomState>::default();
        map.reserve(1_000_000);
        let ids: Vec<Uuid> = (0..1_000_000u32).map(|n| id(n, 7)).collect();
        for (i, one) in ids.iter().enumerate() {
            map.insert(one, i as u64 + 1);
        }
        assert_eq!(map.heap_bytes(), 16 << 20);
        let id_at = |seq: u64| ids.get(seq as usize - 1).copied();
        assert!(
            ids.iter()
                .enumerate()
                .all(|(i, one)| map.find(one, id_at) == Some(i as u64 + 1))
        );
        assert_eq!(map.find(&id(5, 8), id_at), None);
    }

    #[test]
    fn an_unreadable_candidate_is_answered_only_when_nothing_else_is_the_id() {
        let mut map = Poor::default();
        let (a, b, absent) = (id(1, 1), id(2, 1), id(3, 1));
        map.insert(&a, 1);
        map.insert(&b, 2);
        // Sequence 1 cannot be read: `b` is still found, `absent` gets the unreadable one.
        let id_at = |seq: u64| (seq == 2).then_some(b);
        assert_eq!(map.find(&b, id_at), Some(2));
        assert_eq!(map.find(&absent, id_at), Some(1));
        let all = |seq: u64| [a, b].get(seq as usize - 1).copied();
        assert_eq!(map.find(&absent, all), None);
    }

    #[test]
    fn sequences_past_four_billion_are_kept_whole() {
        let mut map = Poor::default();
        let far = u64::from(u32::MAX) + 5;
        map.insert(&id(9, 2), far);
        assert_eq!(map.find(&id(9, 2), |_| None), Some(far));
        map.remove(&id(9, 2), far);
        assert!(map.is_empty());
    }

    /// Inserts `n` ids into a map set aside every `limit`, and checks each is found where it
    /// was put and an absent one is not.
    fn set_aside<S: std::hash::BuildHasher + Default>(n: u32, limit: usize) -> IdMap<S> {
        let mut map = IdMap::<S>::default();
        map.set_aside(Box::new(Memory::default()), limit);
        map.reserve(n as usize);
        let ids: Vec<Uuid> = (0..n).map(|i| id(i, 3)).collect();
        for (i, one) in ids.iter().enumerate() {
            let id_at = |seq: u64| ids.get(seq as usize - 1).copied();
            assert_eq!(map.find(one, id_at), None, "{one} is not recorded yet");
            map.insert(one, i as u64 + 1);
        }
        let id_at = |seq: u64| ids.get(seq as usize - 1).copied();
        for (i, one) in ids.iter().enumerate() {
            assert_eq!(map.find(one, id_at), Some(i as u64 + 1));
        }
        assert_eq!(map.find(&id(n + 1, 3), id_at), None);
        assert_eq!(map.len(), n as usize);
        assert_eq!(map.set_aside_len(), (n as usize / limit * limit) as u64);
        assert_eq!(map.failure(), None);
        map
    }

    /// `n` ids inserted into a map set aside every `limit` into runs that cannot be read back.
    fn broken(n: u32, limit: usize) -> (IdMap, Vec<Uuid>) {
        let mut map = IdMap::default();
        map.set_aside(Box::new(Memory::broken()), limit);
        let ids: Vec<Uuid> = (0..n).map(|i| id(i, 3)).collect();
        for (i, one) in ids.iter().enumerate() {
            map.insert(one, i as u64 + 1);
        }
        (map, ids)
    }

    #[test]
    fn ids_set_aside_are_found_as_those_held() {
        set_aside::<foldhash::fast::RandomState>(5_000, 64);
        // Every id shares its tag with many others: candidates in several runs and the table.
        set_aside::<BuildHasherDefault<FirstByte>>(700, 50);
    }

    #[test]
    fn a_map_set_aside_holds_its_limit_not_the_log() {
        let map = set_aside::<foldhash::fast::RandomState>(200_000, 1 << 14);
        // The table of 2^14 ids (2^15 slots of 8 bytes) and 10 bits of filter an id.
        assert!(
            map.heap_bytes() < (1 << 18) + 200_000 * 2,
            "{}",
            map.heap_bytes()
        );
    }

    #[test]
    fn a_run_that_cannot_be_read_is_a_failure_the_owner_sees() {
        let (map, ids) = broken(300, 100);
        assert_eq!(map.failure(), None, "nothing read yet");
        let id_at = |seq: u64| ids.get(seq as usize - 1).copied();
        assert_eq!(map.find(&ids[0], id_at), None);
        assert!(map.failure().is_some_and(|f| f.contains("disk failed")));
    }

    #[test]
    fn an_id_set_aside_is_never_withdrawn_silently() {
        let (mut map, ids) = broken(299, 100);
        // The last id is still in the table: withdrawn as in any map.
        map.remove(&ids[298], 299);
        assert_eq!(map.failure(), None);
        map.remove(&ids[0], 1);
        assert!(map.failure().is_some_and(|f| f.contains("sequence 1")));
    }

    #[test]
    fn a_writer_s_map_is_set_aside_only_when_settled_and_rolls_back_the_rest() {
        let mut map = IdMap::<foldhash::fast::RandomState>::default();
        map.set_aside_when_settled(Box::new(Memory::default()), 10);
        let ids: Vec<Uuid> = (0..40).map(|i| id(i, 5)).collect();
        let id_at = |seq: u64| ids.get(seq as usize - 1).copied();
        for (i, one) in ids[..25].iter().enumerate() {
            map.insert(one, i as u64 + 1);
        }
        assert_eq!(
            map.set_aside_len(),
            0,
            "nothing is set aside before it is settled"
        );
        // Sequences 21 to 25 are not durable yet: they stay, to be withdrawn if need be.
        map.settle(20);
        assert_eq!(map.set_aside_len(), 20);
        for (i, one) in ids[25..].iter().enumerate() {
            map.insert(one, i as u64 + 26);
        }
        // A batch that failed: the ids after 30 are withdrawn, as in a map held whole.
        for seq in (31..=40).rev() {
            map.remove(&ids[seq - 1], seq as u64);
        }
        map.settle(30);
        assert_eq!(map.failure(), None);
        assert_eq!(map.set_aside_len(), 30);
        for (i, one) in ids.iter().enumerate() {
            let expected = (i < 30).then_some(i as u64 + 1);
            assert_eq!(map.find(one, id_at), expected, "{one}");
        }
    }
}
