//! Where the persisted projections (see `crate::index`) live, and the read path that answers
//! a balance from them without loading the log.
//!
//! Trees in the same sled database as the events:
//! - `ix_meta`: `mark` → which log head (sequence, hash) the tables reflect, the format and the
//!   checkpoint interval; written last, so a mark never names tables that were not written;
//! - `ix_lines`: line number (u32 BE) → sequence of its `open_line` ‖ code;
//! - `ix_tables`: checkpoint sequence (u64 BE; `u64::MAX` for the head) ‖ line (u32 BE) → table;
//! - `ix_blocks`: block number (u64 BE) → effects of that block of sequences.
//!
//! Every value carries a checksum. The index is derived: a reader that finds it missing, stale
//! (its mark is not HEAD) or damaged gives up (`Fallback`), and the caller rebuilds it from the
//! fully verified log.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{HEAD_FILE, Hash, Store, StoreError, envelope, from_sled, lock, open_sled, parse_head};
use crate::event::{Kind, LineSpec};
use crate::index::{self, Changes, Damaged, HEAD_TABLE, Mark};

const META: &[u8] = b"ix_meta";
const LINES: &[u8] = b"ix_lines";
const TABLES: &[u8] = b"ix_tables";
const BLOCKS: &[u8] = b"ix_blocks";
const MARK_KEY: &[u8] = b"mark";
/// The reader touches a few hundred values: a small page cache is plenty.
const READER_CACHE_BYTES: u64 = 8 * 1024 * 1024;
/// Every index tree, for tools that drop the index.
pub const TREES: [&[u8]; 4] = [META, LINES, TABLES, BLOCKS];

fn table_key(checkpoint: u64, line: u32) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..8].copy_from_slice(&checkpoint.to_be_bytes());
    key[8..].copy_from_slice(&line.to_be_bytes());
    key
}

impl Store {
    fn ix_tree(&self, name: &[u8]) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(name).map_err(from_sled)
    }

    /// The persisted index mark, if there is a readable one.
    pub fn index_mark(&self) -> Result<Option<Mark>, StoreError> {
        let meta = self.ix_tree(META)?;
        Ok(match meta.get(MARK_KEY).map_err(from_sled)? {
            Some(v) => index::decode_mark(&v).ok(),
            None => None,
        })
    }

    /// Writes index changes, then the mark naming the head they reflect. With `clear`, every
    /// index tree is emptied first (mark first, so an interrupted rebuild is seen as stale).
    /// Not fsynced on its own: the index is derived, and a lost mark only causes a rebuild.
    pub fn write_index(&self, changes: Changes, mark: Mark, clear: bool) -> Result<(), StoreError> {
        let meta = self.ix_tree(META)?;
        let lines = self.ix_tree(LINES)?;
        let tables = self.ix_tree(TABLES)?;
        let blocks = self.ix_tree(BLOCKS)?;
        if clear {
            meta.clear().map_err(from_sled)?;
            for tree in [&lines, &tables, &blocks] {
                tree.clear().map_err(from_sled)?;
            }
        } else {
            // The old mark no longer describes the trees while they change.
            meta.remove(MARK_KEY).map_err(from_sled)?;
        }
        let mut batch = sled::Batch::default();
        for (line, seq, code) in &changes.lines {
            batch.insert(&line.to_be_bytes(), index::encode_line(*line, *seq, code));
        }
        lines.apply_batch(batch).map_err(from_sled)?;
        let mut batch = sled::Batch::default();
        for (block, value) in changes.blocks {
            batch.insert(&block.to_be_bytes(), value);
        }
        blocks.apply_batch(batch).map_err(from_sled)?;
        let mut batch = sled::Batch::default();
        for (i, (checkpoint, line, value)) in changes.checkpoints.into_iter().enumerate() {
            batch.insert(&table_key(checkpoint, line), value);
            // Bound one batch's size on a rebuild of a long log.
            if i % 4096 == 4095 {
                tables
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(from_sled)?;
            }
        }
        for (line, value) in changes.head {
            batch.insert(&table_key(HEAD_TABLE, line), value);
        }
        tables.apply_batch(batch).map_err(from_sled)?;
        meta.insert(MARK_KEY, index::encode_mark(&mark))
            .map_err(from_sled)?;
        // Written through now rather than by sled's teardown, which would otherwise hold the
        // database's lock in a background thread for a moment after the store is dropped.
        self.db.flush().map_err(from_sled)?;
        Ok(())
    }
}

/// Why the read path cannot answer; the caller opens the full ledger (which verifies the
/// log, reports integrity failures precisely and rebuilds the index) instead.
#[derive(Debug)]
pub enum Fallback {
    /// The index is missing, stale or damaged, or HEAD and the log tail disagree.
    Rebuild(String),
    Store(StoreError),
}

impl From<StoreError> for Fallback {
    fn from(e: StoreError) -> Fallback {
        Fallback::Store(e)
    }
}

impl From<Damaged> for Fallback {
    fn from(d: Damaged) -> Fallback {
        Fallback::Rebuild(d.0)
    }
}

/// A sled error on the read path: the full open reports it (with what HEAD acknowledged).
fn sled_fallback(e: sled::Error) -> Fallback {
    Fallback::Rebuild(format!("sled: {e}"))
}

/// A read-only view of a store through its index: opens sled and checks HEAD against the log
/// tail and the index mark, without reading the log.
pub struct IndexReader {
    _lock: File,
    events: sled::Tree,
    lines: sled::Tree,
    tables: sled::Tree,
    blocks: sled::Tree,
    head_seq: u64,
    interval: u64,
    // Dropped last: the trees above belong to it.
    _db: sled::Db,
}

/// One line's figures as the reader computed them.
pub struct LineFigures {
    pub spec: LineSpec,
    pub plan: Decimal,
    pub disbursed: Decimal,
}

impl IndexReader {
    pub fn open(dir: &Path) -> Result<IndexReader, Fallback> {
        let log_dir = dir.join("log");
        if !log_dir.is_dir() {
            return Err(Fallback::Rebuild("no store".into()));
        }
        let lock = lock(dir)?;
        let head_path = dir.join(HEAD_FILE);
        let Ok(text) = std::fs::read_to_string(&head_path) else {
            return Err(Fallback::Rebuild("HEAD unreadable".into()));
        };
        let (head_seq, head_hash) =
            parse_head(&text).map_err(|e| Fallback::Rebuild(e.to_string()))?;
        // Whatever sled itself reports (corruption, I/O) is left to the full open, which words
        // it with what HEAD says was acknowledged.
        let db = open_sled(
            sled::Config::new()
                .path(&log_dir)
                .flush_every_ms(None)
                .cache_capacity(READER_CACHE_BYTES),
        )
        .map_err(|e| Fallback::Rebuild(format!("sled: {e}")))?;
        let events = db.open_tree(super::EVENTS_TREE).map_err(sled_fallback)?;
        // The truncated-tail check of every open: the log must end exactly at HEAD, with
        // HEAD's hash. Anything else goes to the full open, which names the problem.
        let last = events.last().map_err(sled_fallback)?;
        let tail_ok = match &last {
            None => head_seq == 0,
            Some((key, value)) => {
                key.as_ref() == head_seq.to_be_bytes() && value.get(..32) == Some(&head_hash[..])
            }
        };
        if !tail_ok {
            return Err(Fallback::Rebuild(
                "HEAD and the log tail disagree".to_string(),
            ));
        }
        let meta = db.open_tree(META).map_err(sled_fallback)?;
        let mark = match meta.get(MARK_KEY).map_err(sled_fallback)? {
            Some(v) => index::decode_mark(&v)?,
            None => return Err(Fallback::Rebuild("no index".into())),
        };
        if mark.format != index::FORMAT || mark.seq != head_seq || mark.hash != head_hash {
            return Err(Fallback::Rebuild(format!(
                "index reflects sequence {} but HEAD is {head_seq}",
                mark.seq
            )));
        }
        Ok(IndexReader {
            _lock: lock,
            events,
            lines: db.open_tree(LINES).map_err(sled_fallback)?,
            tables: db.open_tree(TABLES).map_err(sled_fallback)?,
            blocks: db.open_tree(BLOCKS).map_err(sled_fallback)?,
            head_seq,
            interval: mark.interval.max(1),
            _db: db,
        })
    }

    pub fn head_seq(&self) -> u64 {
        self.head_seq
    }

    /// The stored chain hash of `seq` (as acknowledged; `verify` checks the whole chain).
    pub fn hash_of(&self, seq: u64) -> Result<Option<Hash>, Fallback> {
        if seq == 0 {
            return Ok(None);
        }
        let value = self.events.get(seq.to_be_bytes()).map_err(sled_fallback)?;
        match value.as_ref().and_then(|v| v.get(..32)) {
            Some(h) => {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(h);
                Ok(Some(hash))
            }
            None => Err(Fallback::Rebuild(format!("sequence {seq} is missing"))),
        }
    }

    /// Figures of every line opened by `known_at` (of `plan_year`, if given), in code order.
    pub fn balances(
        &self,
        as_of: NaiveDate,
        known_at: u64,
        plan_year: Option<i32>,
    ) -> Result<Vec<LineFigures>, Fallback> {
        assert!(known_at <= self.head_seq, "the caller bounds known_at");
        let day = index::day_number(as_of);
        let checkpoint = if known_at == self.head_seq {
            HEAD_TABLE
        } else {
            known_at / self.interval * self.interval
        };
        // Effects between the checkpoint and known_at, from the blocks covering them.
        let mut delta: HashMap<u32, (i128, i128)> = HashMap::new();
        if checkpoint != HEAD_TABLE && known_at > checkpoint {
            let first = (checkpoint + 1) / index::BLOCK;
            let last = known_at / index::BLOCK;
            for item in self.blocks.range(first.to_be_bytes()..=last.to_be_bytes()) {
                let (key, value) = item.map_err(sled_fallback)?;
                let block = u64::from_be_bytes(
                    key.as_ref()
                        .try_into()
                        .map_err(|_| Fallback::Rebuild("bad block key".into()))?,
                );
                index::add_block(block, &value, checkpoint, known_at, day, &mut delta)?;
            }
        }
        let mut out = Vec::new();
        for item in self.lines.iter() {
            let (key, value) = item.map_err(sled_fallback)?;
            let line = u32::from_be_bytes(
                key.as_ref()
                    .try_into()
                    .map_err(|_| Fallback::Rebuild("bad line key".into()))?,
            );
            let (open_seq, code) = index::decode_line(line, &value)?;
            if open_seq > known_at {
                continue;
            }
            let spec = self.spec(open_seq, &code)?;
            if plan_year.is_some_and(|y| y != spec.plan_year) {
                continue;
            }
            let (mut plan, mut disbursed) = if checkpoint == 0 {
                (0, 0)
            } else {
                match self
                    .tables
                    .get(table_key(checkpoint, line))
                    .map_err(sled_fallback)?
                {
                    Some(v) => index::table_at(checkpoint, line, &v, day)?,
                    // A line without movements by the checkpoint has no table there.
                    None => (0, 0),
                }
            };
            if let Some((p, d)) = delta.get(&line) {
                plan += p;
                disbursed += d;
            }
            out.push(LineFigures {
                spec,
                plan: index::decimal(plan)?,
                disbursed: index::decimal(disbursed)?,
            });
        }
        out.sort_by(|a, b| a.spec.line.cmp(&b.spec.line));
        Ok(out)
    }

    /// The line's declaration, from its `open_line` event in the log.
    fn spec(&self, open_seq: u64, code: &str) -> Result<LineSpec, Fallback> {
        let value = self
            .events
            .get(open_seq.to_be_bytes())
            .map_err(sled_fallback)?
            .ok_or_else(|| Fallback::Rebuild(format!("sequence {open_seq} is missing")))?;
        let record = value
            .get(32..)
            .ok_or_else(|| Fallback::Rebuild(format!("sequence {open_seq} is too short")))
            .and_then(|e| envelope::decode(e).map_err(Fallback::Rebuild))?;
        match record.event.kind {
            Kind::OpenLine(spec) if spec.line == code => Ok(spec),
            _ => Err(Fallback::Rebuild(format!(
                "sequence {open_seq} does not open line {code:?}"
            ))),
        }
    }
}
