//! Sequences filed under 32 bits of a key's hash, 8 bytes each: what the id map and the
//! vouchers keep per event instead of the keys themselves (issue 17: a `HashMap<Uuid, u64>`
//! took 52 MB at 1M events, a `HashMap<u64, u64>` of vouchers 35 MB, and twice that while it
//! grew). A tag names candidates, never an answer: the caller confirms a candidate by reading
//! its record.

/// A slot: the tag above, the sequence below. Sequences start at 1, so a zero slot is empty.
const EMPTY: u64 = 0;
const MIN_SLOTS: usize = 16;
/// A slot's home is the top bits of its tag, so the table grows without the keys.
const MAX_SLOTS: usize = 1usize
    << (if usize::BITS > 32 {
        32
    } else {
        usize::BITS - 1
    });

/// The largest sequence a slot holds; callers keep later ones (a log of four billion events)
/// whole, beside the table.
pub const MAX_SEQ: u64 = u32::MAX as u64;

/// A key's tag: the top 32 bits of its hash (the table's home takes the top bits of the tag).
pub fn tag_of<K: std::hash::Hash + ?Sized>(hasher: &impl std::hash::BuildHasher, key: &K) -> u32 {
    (hasher.hash_one(key) >> 32) as u32
}

/// `tag` above `seq` (at most `MAX_SEQ`) in one `u64`: what a slot holds, and what sorts by
/// tag, then sequence.
pub fn slot(tag: u32, seq: u64) -> u64 {
    debug_assert!(seq <= MAX_SEQ);
    (u64::from(tag) << 32) | seq
}

/// The tag of a `slot`.
pub fn tag(slot: u64) -> u32 {
    (slot >> 32) as u32
}

/// The sequence of a `slot`.
pub fn seq(slot: u64) -> u64 {
    slot & MAX_SEQ
}

/// Linear probing, a power of two long, at most three quarters full.
#[derive(Default)]
pub struct TagTable {
    slots: Vec<u64>,
    len: usize,
}

impl TagTable {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes room for `more` entries, so that an open of a known length sizes the table once.
    pub fn reserve(&mut self, more: usize) {
        self.grow_to(slots_for(self.len.saturating_add(more)));
    }

    /// Files `seq` (1 ..= `MAX_SEQ`) under `tag`.
    pub fn insert(&mut self, tag: u32, seq: u64) {
        assert!(
            (1..=MAX_SEQ).contains(&seq),
            "a slot holds sequences 1 to 2^32 - 1"
        );
        if (self.len + 1).saturating_mul(4) > self.slots.len().saturating_mul(3) {
            self.grow_to(slots_for(self.len + 1).max(self.slots.len() * 2));
        }
        assert!(self.len < self.slots.len(), "the table keeps an empty slot");
        self.place(slot(tag, seq));
        self.len += 1;
    }

    /// The sequences filed under `tag`, in no particular order.
    pub fn candidates(&self, tag: u32) -> impl Iterator<Item = u64> + '_ {
        let mask = self.slots.len().wrapping_sub(1);
        let start = if self.slots.is_empty() {
            0
        } else {
            self.home(tag)
        };
        // Ends: at most three quarters of the slots are taken.
        (0..self.slots.len())
            .map(move |step| self.slots[(start + step) & mask])
            .take_while(|slot| *slot != EMPTY)
            .filter(move |s| self::tag(*s) == tag)
            .map(seq)
    }

    /// Takes `seq` out from under `tag`; whether it was filed there.
    pub fn remove(&mut self, tag: u32, seq: u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let wanted = slot(tag, seq);
        let mask = self.slots.len() - 1;
        let mut hole = self.home(tag);
        while self.slots[hole] != wanted {
            if self.slots[hole] == EMPTY {
                return false;
            }
            hole = (hole + 1) & mask;
        }
        // Backward shift: a later slot of the run moves into the hole unless its home lies
        // after the hole (cyclically), where a lookup would then not reach it.
        let mut next = (hole + 1) & mask;
        while self.slots[next] != EMPTY {
            let home = self.home(self::tag(self.slots[next]));
            let stays = if hole <= next {
                hole < home && home <= next
            } else {
                hole < home || home <= next
            };
            if !stays {
                self.slots[hole] = self.slots[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = EMPTY;
        self.len -= 1;
        true
    }

    /// Every slot filed, sorted (by tag, then sequence): what a run set aside holds.
    pub fn sorted_slots(&self) -> Vec<u64> {
        let mut sorted: Vec<u64> = Vec::with_capacity(self.len);
        sorted.extend(self.slots.iter().filter(|s| **s != EMPTY));
        sorted.sort_unstable();
        sorted
    }

    /// Empties the table, keeping its slots' memory for what comes next.
    pub fn clear(&mut self) {
        self.slots.fill(EMPTY);
        self.len = 0;
    }

    /// Every (tag, sequence) filed, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        (self.slots.iter())
            .filter(|slot| **slot != EMPTY)
            .map(|s| (tag(*s), seq(*s)))
    }

    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u64>()
    }

    fn home(&self, tag: u32) -> usize {
        let bits = self.slots.len().trailing_zeros();
        (u64::from(tag) >> (32 - bits)) as usize
    }

    fn place(&mut self, slot: u64) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(tag(slot));
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow_to(&mut self, slots: usize) {
        if slots <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; slots]);
        for slot in old.into_iter().filter(|s| *s != EMPTY) {
            self.place(slot);
        }
    }
}

/// Slots for `n` entries at most three quarters full, a power of two.
fn slots_for(n: usize) -> usize {
    n.saturating_mul(4)
        .div_ceil(3)
        .max(MIN_SLOTS)
        .checked_next_power_of_two()
        .unwrap_or(MAX_SLOTS)
        .min(MAX_SLOTS)
}
