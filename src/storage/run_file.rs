//! The runs a map sets aside (`core::tag_runs`), in an unnamed temporary file: no path names
//! it, so no other process opens it by name, and the system removes it when the command ends,
//! however it ends. It is the command's scratch, never part of a store.

use std::fs::File;
use std::os::unix::fs::FileExt;

use crate::core::tag_runs::{BLOCK, RunStore};

const SLOT: usize = size_of::<u64>();

/// Slots written through this many at a time.
const WRITE_SLOTS: usize = 8 * BLOCK;

pub struct RunFile {
    file: File,
    /// Slots written so far.
    len: u64,
}

impl RunFile {
    /// A new, empty file in the system's temporary folder (`TMPDIR`).
    pub fn create() -> std::io::Result<RunFile> {
        Ok(RunFile {
            file: tempfile::tempfile()?,
            len: 0,
        })
    }
}

/// A new run file for `what` (words for the log), or `None` when none can be made (no
/// temporary folder, no room): the caller then keeps `what` in memory, losing memory, not an
/// answer.
pub fn scratch(what: &str) -> Option<Box<RunFile>> {
    match RunFile::create() {
        Ok(file) => Some(Box::new(file)),
        Err(e) => {
            tracing::warn!("{what} kept in memory: no temporary file ({e})");
            None
        }
    }
}

impl RunStore for RunFile {
    fn append(&mut self, slots: &[u64]) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(WRITE_SLOTS * SLOT);
        for chunk in slots.chunks(WRITE_SLOTS) {
            bytes.clear();
            bytes.extend(chunk.iter().flat_map(|s| s.to_le_bytes()));
            let at = self.len * SLOT as u64;
            (self.file.write_all_at(&bytes, at)).map_err(|e| e.to_string())?;
            self.len += chunk.len() as u64;
        }
        Ok(())
    }

    fn read(&self, at: u64, out: &mut [u64]) -> Result<(), String> {
        assert!(out.len() <= BLOCK, "runs are read a block at a time");
        let end = at.checked_add(out.len() as u64);
        if end.is_none_or(|end| end > self.len) {
            return Err(format!("slots {at}.. lie past the {} written", self.len));
        }
        let mut bytes = [0u8; BLOCK * SLOT];
        let bytes = &mut bytes[..out.len() * SLOT];
        (self.file.read_exact_at(bytes, at * SLOT as u64)).map_err(|e| e.to_string())?;
        for (slot, b) in out.iter_mut().zip(bytes.chunks_exact(SLOT)) {
            let mut word = [0u8; SLOT];
            word.copy_from_slice(b);
            *slot = u64::from_le_bytes(word);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RunFile;
    use crate::core::tag_runs::{BLOCK, RunStore};

    #[test]
    fn slots_appended_in_several_writes_read_back_by_position() {
        let mut file = RunFile::create().unwrap();
        let first: Vec<u64> = (0..3 * 8 * BLOCK as u64 + 5)
            .map(|i| i * 0x1_0000_0001)
            .collect();
        file.append(&first).unwrap();
        file.append(&[u64::MAX, 7]).unwrap();
        let mut out = [0u64; BLOCK];
        file.read(2 * BLOCK as u64 + 3, &mut out).unwrap();
        assert_eq!(out[..], first[2 * BLOCK + 3..3 * BLOCK + 3]);
        let mut tail = [0u64; 3];
        file.read(first.len() as u64 - 1, &mut tail).unwrap();
        assert_eq!(tail, [*first.last().unwrap(), u64::MAX, 7]);
        let past = file.read(first.len() as u64, &mut [0u64; 3]);
        assert!(past.is_err_and(|e| e.contains("past")));
    }
}
