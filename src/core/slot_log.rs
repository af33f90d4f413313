//! Slots appended one after another and read back by position: held until `hold` are, then
//! set aside in a `RunStore` (storage keeps them in an unnamed temporary file). What a journal
//! range notes of each record it proved (where its frame lies, its chain hash: 48 bytes a
//! record, 240 MB for the 5M records of a far `diff` at 10M events) then stays bounded.
//!
//! Core knows nothing of files.

use crate::core::tag_runs::{BLOCK, RunStore};

pub struct SlotLog {
    store: Option<Box<dyn RunStore>>,
    /// Slots held before they are set aside (`usize::MAX` once a run could not be written).
    hold: usize,
    /// Slots set aside, all before the held ones.
    kept: u64,
    held: Vec<u64>,
}

impl std::fmt::Debug for SlotLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotLog")
            .field("hold", &self.hold)
            .field("kept", &self.kept)
            .field("held", &self.held.len())
            .finish()
    }
}

impl SlotLog {
    /// Slots set aside into `store` (each time `hold` ≥ 1 are held), or all held (`None`).
    pub fn new(store: Option<Box<dyn RunStore>>, hold: usize) -> SlotLog {
        assert!(hold >= 1, "a run holds a slot at least");
        SlotLog {
            hold: if store.is_some() { hold } else { usize::MAX },
            store,
            kept: 0,
            held: Vec::new(),
        }
    }

    pub fn len(&self) -> u64 {
        self.kept + self.held.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `slots`. A run that cannot be written leaves its slots held, and every later
    /// one: memory, not an answer, is lost.
    pub fn push(&mut self, slots: &[u64]) {
        self.held.extend_from_slice(slots);
        if self.held.len() < self.hold {
            return;
        }
        let Some(store) = self.store.as_mut() else {
            return;
        };
        match store.append(&self.held) {
            Ok(()) => {
                self.kept += self.held.len() as u64;
                self.held.clear();
            }
            // Part of the run may be written: no later run may follow it.
            Err(_) => self.hold = usize::MAX,
        }
    }

    /// Reads the slots from position `at` into `out`.
    pub fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String> {
        let end = at.checked_add(out.len() as u64);
        if end.is_none_or(|end| end > self.len()) {
            return Err(format!("slots {at}.. lie past the {} noted", self.len()));
        }
        let (aside, held) =
            out.split_at_mut((self.kept.saturating_sub(at) as usize).min(out.len()));
        if !aside.is_empty() {
            let store = self
                .store
                .as_ref()
                .ok_or("slots set aside with nowhere to read them")?;
            for (i, block) in aside.chunks_mut(BLOCK).enumerate() {
                store.read(at + (i * BLOCK) as u64, block)?;
            }
        }
        if !held.is_empty() {
            let from = (at + aside.len() as u64 - self.kept) as usize;
            held.copy_from_slice(&self.held[from..from + held.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SlotLog;
    use crate::core::tag_runs::RunStore;
    use crate::core::tag_runs::tests::Memory;

    /// Appends fail once `room` slots are written.
    struct Full(Memory, usize);

    impl RunStore for Full {
        fn append(&mut self, slots: &[u64]) -> Result<(), String> {
            self.1 = self
                .1
                .checked_sub(slots.len())
                .ok_or("no space left on device")?;
            self.0.append(slots)
        }

        fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String> {
            self.0.read(at, out)
        }
    }

    #[test]
    fn slots_read_back_by_position_across_what_is_set_aside_and_held() {
        let stores: Vec<(Option<Box<dyn RunStore>>, usize)> = vec![
            (None, 1),
            (Some(Box::new(Memory::default())), 1),
            (Some(Box::new(Memory::default())), 6),
            (Some(Box::new(Memory::default())), 1000),
            (Some(Box::new(Full(Memory::default(), 600))), 6),
            (Some(Box::new(Full(Memory::default(), 0))), 6),
        ];
        for (store, hold) in stores {
            let mut log = SlotLog::new(store, hold);
            let slots: Vec<u64> = (0..2_000u64).map(|i| i * 0x9e37_79b9).collect();
            slots.chunks(6).for_each(|c| log.push(c));
            assert_eq!(log.len(), 2_000);
            for (at, len) in [(0, 12), (594, 12), (600, 1_300), (1_994, 6), (0, 2_000)] {
                let mut out = vec![0; len];
                log.read(at as u64, &mut out).unwrap();
                assert_eq!(out, slots[at..at + len], "hold {hold}, at {at}");
            }
            assert!(
                log.read(1_995, &mut [0; 6])
                    .is_err_and(|e| e.contains("past"))
            );
        }
    }

    #[test]
    fn a_run_that_cannot_be_read_back_is_an_error() {
        let mut log = SlotLog::new(Some(Box::new(Memory::broken())), 6);
        log.push(&[1, 2, 3, 4, 5, 6]);
        log.push(&[7]);
        assert!(log.read(0, &mut [0; 2]).is_err());
        let mut tail = [0; 1];
        log.read(6, &mut tail).unwrap();
        assert_eq!(tail, [7], "what is held reads back");
    }
}
