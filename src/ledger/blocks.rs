//! A chunk of events parsed ahead of its checks, in blocks that are freed as the checks take
//! their events: the parsed chunk and the records made from it are then never both whole in
//! memory (a 200,000-event chunk's events take 48 MB, its records 53 MB: issue 17, target 1).

use crate::core::event::Event;

/// Events per block: a megabyte of `Event`s.
pub const BLOCK_EVENTS: usize = 4_096;

/// Events in the order they were pushed, held in blocks of `BLOCK_EVENTS`.
#[derive(Default)]
pub struct Blocks {
    blocks: Vec<Vec<Event>>,
    len: usize,
}

impl Blocks {
    pub fn push(&mut self, event: Event) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < BLOCK_EVENTS => block.push(event),
            _ => {
                let mut block = Vec::with_capacity(BLOCK_EVENTS);
                block.push(event);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl From<Vec<Event>> for Blocks {
    fn from(events: Vec<Event>) -> Blocks {
        let len = events.len();
        Blocks {
            blocks: vec![events],
            len,
        }
    }
}

/// The events of `Blocks`, each block freed once its last event is taken.
pub struct Draining {
    blocks: std::vec::IntoIter<Vec<Event>>,
    current: std::vec::IntoIter<Event>,
    left: usize,
}

impl IntoIterator for Blocks {
    type Item = Event;
    type IntoIter = Draining;

    fn into_iter(self) -> Draining {
        Draining {
            blocks: self.blocks.into_iter(),
            current: Vec::new().into_iter(),
            left: self.len,
        }
    }
}

impl Iterator for Draining {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.current.next() {
                self.left -= 1;
                return Some(event);
            }
            // The block just emptied is dropped here, its memory given back.
            self.current = self.blocks.next()?.into_iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Draining {}
