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

use std::collections::HashMap;
use std::hash::BuildHasher;

use uuid::Uuid;

use crate::core::tag_table::{MAX_SEQ, TagTable};

/// Ids and sequences; `S` is the hasher (tests force collisions with a poor one).
pub struct IdMap<S = foldhash::fast::RandomState> {
    table: TagTable,
    /// Ids recorded past `MAX_SEQ`.
    beyond: HashMap<Uuid, u64, S>,
    hasher: S,
}

impl<S: BuildHasher + Default> Default for IdMap<S> {
    fn default() -> Self {
        IdMap {
            table: TagTable::default(),
            beyond: HashMap::default(),
            hasher: S::default(),
        }
    }
}

impl<S: BuildHasher> IdMap<S> {
    pub fn len(&self) -> usize {
        self.table.len() + self.beyond.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `more` ids, so that an open of a known length sizes the table once.
    pub fn reserve(&mut self, more: usize) {
        self.table.reserve(more);
    }

    /// Notes `id`, new, at `seq` (the rules checked that it is not recorded yet).
    pub fn insert(&mut self, id: &Uuid, seq: u64) {
        if seq > MAX_SEQ {
            self.beyond.insert(*id, seq);
        } else {
            self.table.insert(self.tag(id), seq);
        }
    }

    /// The sequence `id` is recorded at, or `None`. `id_at` gives the id recorded at a sequence,
    /// or `None` when its record cannot be read: such a candidate is answered when no other one
    /// is the id, so that the caller, failing to read it too, refuses rather than guess.
    pub fn find(&self, id: &Uuid, id_at: impl Fn(u64) -> Option<Uuid>) -> Option<u64> {
        if let Some(seq) = self.beyond.get(id) {
            return Some(*seq);
        }
        let mut unreadable = None;
        for seq in self.table.candidates(self.tag(id)) {
            match id_at(seq) {
                Some(found) if found == *id => return Some(seq),
                Some(_) => {}
                None => {
                    unreadable.get_or_insert(seq);
                }
            }
        }
        unreadable
    }

    /// Forgets `id` at `seq` (a batch that failed is rolled back).
    pub fn remove(&mut self, id: &Uuid, seq: u64) {
        if seq > MAX_SEQ {
            self.beyond.remove(id);
        } else {
            self.table.remove(self.tag(id), seq);
        }
    }

    /// Bytes the table holds, for the benchmarks' accounts.
    pub fn heap_bytes(&self) -> usize {
        self.table.heap_bytes() + self.beyond.capacity() * (std::mem::size_of::<(Uuid, u64)>() + 1)
    }

    fn tag(&self, id: &Uuid) -> u32 {
        crate::core::tag_table::tag_of(&self.hasher, id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hasher};

    use proptest::prelude::*;
    use uuid::Uuid;

    use super::IdMap;

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
}
