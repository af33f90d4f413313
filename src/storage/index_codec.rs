//! Persisted projections, so that a cold `balance` does not replay the log. Pure: the store
//! persists what this module computes, and nothing here is a source of truth: every table is
//! derived from the log and rebuilt from it when missing, stale or damaged.
//!
//! A view `(as_of, known_at)` sums, per line, the *effects* with sequence ≤ `known_at` and
//! effective date ≤ `as_of`, where an event's effects are its movements at (its sequence, its
//! date), and a reversal's effects are its target's movements negated, at (the reversal's
//! sequence, the target's date). That is exactly `projection::balances` (a reversal with
//! sequence ≤ `known_at` cancels its target on every date), written as a two-dimensional sum.
//!
//! Tables (see `storage::index` for the files that hold them):
//! - per line, the cumulative (plan, disbursed) by effective date as currently known (the
//!   *head table*): a view at the head is one binary search per line;
//! - the same table frozen every `interval` sequences (*checkpoints*);
//! - the effects in sequence order, grouped in blocks of `BLOCK` sequences: a historical view
//!   starts from the nearest checkpoint ≤ `known_at` and adds only the effects after it; each
//!   block also holds the chain hashes of its sequences, which a view's provenance names;
//! - the lines, each with its `open_line` record, so that a reader needs nothing from the log;
//! - a mark naming the log head (sequence, hash) the tables reflect, and the checksum of every
//!   file it relies on (a *manifest*), so a file left over from another moment is refused.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use xxhash_rust::xxh3::Xxh3;

use crate::core::chain::Hash;
use crate::core::event::{Kind, LineSpec};
use crate::core::rules::{Recorded, State};
use crate::storage::envelope;
pub use crate::storage::index_mark::{
    Manifest, Mark, TrailSum, decode_mark, encode_mark, parse_mark, sum_of,
};

/// Sequences per effects block.
pub const BLOCK: u64 = 1024;
/// Default distance between checkpoints, in sequences (a door may ask for another one for a
/// store whose index is built from scratch: see `Ledger::open_with`).
pub const DEFAULT_INTERVAL: u64 = 65_536;
/// Index format; a store whose index has another format rebuilds it. 1: sled trees; 2: files
/// outside sled with a manifest, so that a reader never opens sled; 3: the budget year's
/// columns (see `COLUMNS`); 4: the payments' columns (issue 13); 5: the trails
/// (`index_trail`), listed in the mark; 6: files sealed with XXH3 instead of a truncated
/// SHA-256 (see `checksum`); 7: the trails' digests chained with XXH3 too (`index_trail`).
pub const FORMAT: u8 = 7;

/// The summed columns of every table and effect, in this order: plan, disbursed, carried_out,
/// lapsed, recovered_after_close (đồng), the deadline's shift from the line's default
/// deadline (days), then completed, advance_outstanding, committed, commitment_outstanding
/// (đồng). A `set_deadline` (or its reversal) has the shift it makes to the line's
/// deadline as its effect, dated `DEADLINE_DATE` so that every `as_of` counts it: a line's
/// deadline depends on `known_at` only (see `core::rules_budget`).
pub const COLUMNS: usize = 10;
/// The column of the disbursed sums.
pub const DISBURSED: usize = 1;
/// The column of the deadline shift.
pub const DEADLINE_COLUMN: usize = 5;
/// The effective date under which deadline shifts are filed (before every real date).
pub const DEADLINE_DATE: i32 = i32::MIN;
/// Sums of the columns.
pub type Sums = [i128; COLUMNS];

/// Bytes of the checksum that seals every index file (see `checksum`).
pub const CHECKSUM: usize = 8;
/// A checksum, as the manifest lists it.
pub type Sum = [u8; CHECKSUM];
const EFFECT_BYTES: usize = 16 + 8 * COLUMNS;
const ENTRY_BYTES: usize = 4 + 16 * COLUMNS;

/// One signed change to one line, at a sequence and an effective date (days from CE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    pub seq: u64,
    pub line: u32,
    pub date: i32,
    pub columns: [i64; COLUMNS],
}

pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

pub(super) fn whole(value: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    // Movements are whole đồng ≤ 10^16 (checked at parse and at decode), so they fit.
    value
        .fract()
        .is_zero()
        .then(|| value.to_i64())
        .flatten()
        .expect("invariant: movements of checked events are whole đồng within ±10^16")
}

/// What the writer must persist after an append: whole sealed files.
#[derive(Default, Debug)]
pub struct Changes {
    /// The lines file, when lines were opened.
    pub lines: Option<Vec<u8>>,
    /// Blocks to (re)write: block number → encoded block.
    pub blocks: Vec<(u64, Vec<u8>)>,
    /// New checkpoints: (checkpoint sequence, encoded tables of every line).
    pub checkpoints: Vec<(u64, Vec<u8>)>,
    /// Head tables of the lines whose figures changed.
    pub head: Vec<(u32, Vec<u8>)>,
    /// Entries to append to the trail files (see `index_trail`).
    pub trails: crate::storage::index_trail::Appends,
}

/// The in-memory state the writer keeps to extend the index incrementally.
pub struct Builder {
    interval: u64,
    pub(super) line_ids: HashMap<String, u32>,
    /// Per line: the sequence and stored envelope of its `open_line`.
    line_records: Vec<(u64, Vec<u8>)>,
    /// Per line: net column sums per effective date, as currently known.
    days: Vec<BTreeMap<i32, Sums>>,
    /// Per line: its default deadline and its non-reversed deadline settings (sequence,
    /// deadline), to compute the shift a `set_deadline` or its reversal makes.
    pub(super) deadlines: Vec<(NaiveDate, Vec<(u64, NaiveDate)>)>,
    /// Effects and chain hashes of the last, possibly partial, block.
    tail: Vec<Effect>,
    tail_hashes: Vec<Hash>,
    tail_block: u64,
    head: u64,
    /// A reversal's target could not be read back from the store (`core::held`): the tables
    /// are wrong from there on and must not be trusted (see `sound`).
    pub(super) unreadable: bool,
    /// `extend` leaves the head tables out of its changes: a rebuild or proof in parts takes
    /// them once at the end (`head_tables`), not every line's whole table again per part.
    defer_heads: bool,
    /// Lines whose head tables a deferring `extend` left out: the next `extend` that does not
    /// defer writes them with its own (a bulk import's last part, see `defer_heads_for_now`).
    pending_heads: BTreeSet<u32>,
}

impl Builder {
    pub fn new(interval: u64) -> Builder {
        Builder {
            interval: interval.max(1),
            line_ids: HashMap::new(),
            line_records: Vec::new(),
            days: Vec::new(),
            deadlines: Vec::new(),
            tail: Vec::new(),
            tail_hashes: Vec::new(),
            tail_block: 0,
            head: 0,
            unreadable: false,
            defer_heads: false,
            pending_heads: BTreeSet::new(),
        }
    }

    /// The same state, its head tables left to `head_tables` (see `defer_heads`) when `defer`
    /// is true; written by every `extend` again when it is false (a builder that goes on to
    /// extend the index a rebuild wrote).
    pub fn deferring_heads(self, defer: bool) -> Builder {
        Builder {
            defer_heads: defer,
            // Given back after `head_tables` were written whole: nothing is left pending.
            pending_heads: BTreeSet::new(),
            ..self
        }
    }

    /// Whether the next `extend`s leave the head tables out (`true`) and note their lines,
    /// or write them with those left out before (`false`). A bulk import writes each line's
    /// whole head table once per chunk rather than once per durable part: the tables of a
    /// 1M-event import were otherwise written 489 times over (issue 17, target 1).
    pub fn defer_heads_for_now(&mut self, defer: bool) {
        self.defer_heads = defer;
    }

    /// Every line's head table as the index stores it, made one at a time: what the changes of
    /// a builder `deferring_heads` left out.
    pub fn head_tables(&self) -> impl Iterator<Item = (u32, Vec<u8>)> + '_ {
        self.days.iter().enumerate().map(|(line, days)| {
            let line = line as u32;
            (line, seal(&table_salt(HEAD_TABLE, line), table_bytes(days)))
        })
    }

    /// Whether every record extended so far was read whole: a builder that is not is dropped
    /// (its index withdrawn and rebuilt later), never written.
    pub fn sound(&self) -> bool {
        !self.unreadable
    }

    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// The same state, with checkpoints every `interval` sequences from now on (the interval
    /// of the index it extends).
    pub fn with_interval(self, interval: u64) -> Builder {
        Builder {
            interval: interval.max(1),
            ..self
        }
    }

    pub fn head(&self) -> u64 {
        self.head
    }

    /// Extends the index with `records` (sequences `head()+1…`), which `state` already holds
    /// (a reversal's target is looked up there); `hashes[i]` is the chain hash of
    /// `records[i]`. With `persist` false only the in-memory state moves (the persisted tables
    /// already reflect these records).
    pub fn extend(
        &mut self,
        state: &State,
        records: &[Recorded],
        hashes: &[Hash],
        persist: bool,
    ) -> Changes {
        let mut changes = Changes::default();
        let mut dirty: BTreeSet<u32> = BTreeSet::new();
        let mut new_lines = false;
        let mut done_blocks: Vec<(u64, Vec<u8>)> = Vec::new();
        assert_eq!(records.len(), hashes.len(), "one chain hash per record");
        for (record, hash) in records.iter().zip(hashes) {
            assert_eq!(record.seq, self.head + 1, "the index follows the log");
            self.head = record.seq;
            let block = record.seq / BLOCK;
            if block != self.tail_block {
                if persist {
                    done_blocks.push((self.tail_block, self.encode_tail()));
                }
                self.tail.clear();
                self.tail_hashes.clear();
                self.tail_block = block;
            }
            self.tail_hashes.push(*hash);
            if let Kind::OpenLine(spec) = &record.event.kind {
                let id = self.days.len() as u32;
                self.line_ids.insert(spec.line.clone(), id);
                self.days.push(BTreeMap::new());
                self.deadlines.push((
                    crate::core::rule_data::default_deadline(spec.origin, spec.plan_year),
                    Vec::new(),
                ));
                let stored = envelope::encode(record).expect("invariant: a recorded event encodes");
                self.line_records.push((record.seq, stored));
                new_lines = true;
                dirty.insert(id);
            }
            if persist {
                self.file_trails(state, record, &mut changes.trails);
            }
            for effect in self.effects(state, record) {
                let day = self.days[effect.line as usize]
                    .entry(effect.date)
                    .or_insert([0; COLUMNS]);
                for (sum, value) in day.iter_mut().zip(effect.columns) {
                    *sum += i128::from(value);
                }
                dirty.insert(effect.line);
                self.tail.push(effect);
            }
            if record.seq % self.interval == 0 && persist {
                changes
                    .checkpoints
                    .push((record.seq, encode_checkpoint(record.seq, &self.days)));
            }
        }
        if persist {
            if !records.is_empty() {
                done_blocks.push((self.tail_block, self.encode_tail()));
            }
            changes.blocks = done_blocks;
            if new_lines {
                changes.lines = Some(encode_lines(&self.line_records));
            }
            if self.defer_heads {
                self.pending_heads.append(&mut dirty);
            } else {
                dirty.append(&mut self.pending_heads);
            }
            for line in dirty {
                let days = &self.days[line as usize];
                changes
                    .head
                    .push((line, seal(&table_salt(HEAD_TABLE, line), table_bytes(days))));
            }
        }
        changes
    }

    fn encode_tail(&self) -> Vec<u8> {
        let first = (self.tail_block * BLOCK).max(1);
        encode_block(self.tail_block, first, &self.tail, &self.tail_hashes)
    }

    /// Every table, as a rebuild writes them (the head and checkpoints of `state`'s records).
    pub fn rebuild(state: &State, hashes: &[Hash], interval: u64) -> (Builder, Changes) {
        assert!(
            state.holds_all(),
            "a rebuild from memory needs every record"
        );
        let mut builder = Builder::new(interval);
        let changes = builder.extend(state, state.records(), hashes, true);
        (builder, changes)
    }
}

/// The checkpoint key of the head table.
pub const HEAD_TABLE: u64 = u64::MAX;

pub(super) fn seal(key_salt: &[u8], mut payload: Vec<u8>) -> Vec<u8> {
    let sum = checksum(key_salt, &payload);
    payload.extend_from_slice(&sum);
    payload
}

/// The payload of a sealed value, or `None` when its checksum does not match (damaged index).
pub(super) fn unseal<'a>(key_salt: &[u8], value: &'a [u8]) -> Option<&'a [u8]> {
    let split = value.len().checked_sub(CHECKSUM)?;
    let (payload, sum) = value.split_at(split);
    (checksum(key_salt, payload) == *sum).then_some(payload)
}

/// The checksum of a file's payload under its salt. XXH3 (64 bits), not a cryptographic
/// hash: the index checksums only catch accidents (torn or stale files, flipped bits), since
/// anyone who can write the folder can recompute any unkeyed sum; `verify` proves the index
/// by recomputation (`index_proof`). A cold `balance` checks every line's head table, and
/// SHA-256 of those 20 MB (at 1M events) was half of its time (BENCHMARKS.md, issue 17).
fn checksum(key_salt: &[u8], payload: &[u8]) -> Sum {
    let mut hasher = Xxh3::new();
    hasher.update(key_salt);
    hasher.update(payload);
    hasher.digest().to_be_bytes()
}

fn table_salt(checkpoint: u64, line: u32) -> [u8; 13] {
    let mut salt = [0u8; 13];
    salt[0] = b't';
    salt[1..9].copy_from_slice(&checkpoint.to_be_bytes());
    salt[9..].copy_from_slice(&line.to_be_bytes());
    salt
}

fn block_salt(block: u64) -> [u8; 9] {
    tagged_salt(b'b', block)
}

/// A file's checksum salt: its kind's tag byte and its number, big-endian.
fn tagged_salt(tag: u8, n: u64) -> [u8; 9] {
    let mut salt = [0u8; 9];
    salt[0] = tag;
    salt[1..].copy_from_slice(&n.to_be_bytes());
    salt
}

/// A line's table: (date, the cumulative columns) for every date with a change.
fn table_bytes(days: &BTreeMap<i32, Sums>) -> Vec<u8> {
    let mut out = Vec::with_capacity(days.len() * ENTRY_BYTES + CHECKSUM);
    let mut sums: Sums = [0; COLUMNS];
    for (date, day) in days {
        out.extend_from_slice(&date.to_be_bytes());
        for (sum, value) in sums.iter_mut().zip(day) {
            *sum += value;
            out.extend_from_slice(&sum.to_be_bytes());
        }
    }
    out
}

fn checkpoint_salt(checkpoint: u64) -> [u8; 9] {
    tagged_salt(b'c', checkpoint)
}

/// Every line's table at a checkpoint, in line order: (entries u32, entries…) per line.
fn encode_checkpoint(checkpoint: u64, days: &[BTreeMap<i32, Sums>]) -> Vec<u8> {
    // Sized once: a checkpoint holds every line's days (tens of MB on a long log), and a
    // vector grown by doubling would reserve up to twice that.
    let entries: usize = days.iter().map(BTreeMap::len).sum();
    let mut out = Vec::with_capacity(4 + 4 * days.len() + entries * ENTRY_BYTES + CHECKSUM);
    out.extend_from_slice(&(days.len() as u32).to_be_bytes());
    for line in days {
        out.extend_from_slice(&(line.len() as u32).to_be_bytes());
        out.extend_from_slice(&table_bytes(line));
    }
    seal(&checkpoint_salt(checkpoint), out)
}

/// A checkpoint file, checked: each line's table, by line.
pub fn decode_checkpoint(checkpoint: u64, value: &[u8]) -> Result<Vec<&[u8]>, Damaged> {
    let payload = unseal(&checkpoint_salt(checkpoint), value)
        .ok_or_else(|| Damaged(format!("checkpoint {checkpoint} fails its checksum")))?;
    parse_checkpoint(checkpoint, payload)
}

/// A checkpoint file's payload (past its checksum).
#[doc(hidden)]
pub fn parse_checkpoint(checkpoint: u64, payload: &[u8]) -> Result<Vec<&[u8]>, Damaged> {
    let bad = || Damaged(format!("checkpoint {checkpoint} is malformed"));
    let (count, mut rest) = split_u32(payload).ok_or_else(bad)?;
    let mut tables = Vec::with_capacity(count.min(1 << 20) as usize);
    for _ in 0..count {
        let (entries, after) = split_u32(rest).ok_or_else(bad)?;
        let len = (entries as usize)
            .checked_mul(ENTRY_BYTES)
            .ok_or_else(bad)?;
        if after.len() < len {
            return Err(bad());
        }
        let (table, after) = after.split_at(len);
        tables.push(table);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(tables)
}

pub(super) fn split_u32(b: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = b.split_first_chunk::<4>()?;
    Some((u32::from_be_bytes(*head), rest))
}

pub(super) fn split_u64(b: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = b.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

/// A block: (first sequence u64, effects u32, hashes u32), the effects, then the chain hash of
/// every sequence from the first on.
fn encode_block(block: u64, first: u64, effects: &[Effect], hashes: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + effects.len() * EFFECT_BYTES + hashes.len() * 32 + 8);
    out.extend_from_slice(&first.to_be_bytes());
    out.extend_from_slice(&(effects.len() as u32).to_be_bytes());
    out.extend_from_slice(&(hashes.len() as u32).to_be_bytes());
    for e in effects {
        out.extend_from_slice(&e.seq.to_be_bytes());
        out.extend_from_slice(&e.line.to_be_bytes());
        out.extend_from_slice(&e.date.to_be_bytes());
        for value in e.columns {
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
    for h in hashes {
        out.extend_from_slice(h);
    }
    seal(&block_salt(block), out)
}

fn be_i32(b: &[u8]) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    i32::from_be_bytes(a)
}

fn be_i128(b: &[u8]) -> i128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    i128::from_be_bytes(a)
}

fn be_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_be_bytes(a)
}

/// The damaged-index signal: the caller rebuilds from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged(pub String);

/// A head table file, checked: the table's entries.
pub fn decode_head_table(line: u32, value: &[u8]) -> Result<&[u8], Damaged> {
    let payload = unseal(&table_salt(HEAD_TABLE, line), value)
        .ok_or_else(|| Damaged(format!("head table of line {line} fails its checksum")))?;
    if payload.len() % ENTRY_BYTES != 0 {
        return Err(Damaged(format!(
            "head table of line {line} has a bad length"
        )));
    }
    Ok(payload)
}

/// The cumulative columns of a checked table at the end of day `as_of`.
pub fn table_at(table: &[u8], as_of: i32) -> Result<Sums, Damaged> {
    if !table.len().is_multiple_of(ENTRY_BYTES) {
        return Err(Damaged("a table has a bad length".into()));
    }
    let n = table.len() / ENTRY_BYTES;
    let entry = |i: usize| &table[i * ENTRY_BYTES..(i + 1) * ENTRY_BYTES];
    // The number of entries dated ≤ as_of (dates are strictly increasing).
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if be_i32(entry(mid)) <= as_of {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let mut sums: Sums = [0; COLUMNS];
    if lo == 0 {
        return Ok(sums);
    }
    let e = entry(lo - 1);
    for (i, sum) in sums.iter_mut().enumerate() {
        *sum = be_i128(&e[4 + 16 * i..20 + 16 * i]);
    }
    Ok(sums)
}

/// Every entry of a checked table: (date, the cumulative value of `column`).
pub fn table_column(table: &[u8], column: usize) -> Result<Vec<(i32, i128)>, Damaged> {
    if !table.len().is_multiple_of(ENTRY_BYTES) || column >= COLUMNS {
        return Err(Damaged("a table has a bad length".into()));
    }
    Ok(table
        .chunks_exact(ENTRY_BYTES)
        .map(|e| (be_i32(e), be_i128(&e[4 + 16 * column..20 + 16 * column])))
        .collect())
}

/// A block file, checked.
pub struct Block<'a> {
    first: u64,
    effects: &'a [u8],
    hashes: &'a [u8],
}

pub fn decode_block(block: u64, value: &[u8]) -> Result<Block<'_>, Damaged> {
    let payload = unseal(&block_salt(block), value)
        .ok_or_else(|| Damaged(format!("block {block} fails its checksum")))?;
    parse_block(block, payload)
}

/// A block file's payload (past its checksum).
#[doc(hidden)]
pub fn parse_block(block: u64, payload: &[u8]) -> Result<Block<'_>, Damaged> {
    let bad = || Damaged(format!("block {block} is malformed"));
    let (first, rest) = split_u64(payload).ok_or_else(bad)?;
    let (effects, rest) = split_u32(rest).ok_or_else(bad)?;
    let (hashes, rest) = split_u32(rest).ok_or_else(bad)?;
    let effects_len = (effects as usize)
        .checked_mul(EFFECT_BYTES)
        .ok_or_else(bad)?;
    if rest.len() != effects_len + hashes as usize * 32
        || Some(first) != block.checked_mul(BLOCK).map(|f| f.max(1))
    {
        return Err(bad());
    }
    let (effects, hashes) = rest.split_at(effects_len);
    Ok(Block {
        first,
        effects,
        hashes,
    })
}

impl Block<'_> {
    /// Adds to `sums` (per line) the effects with `after < seq ≤ upto` and date ≤ `as_of`.
    pub fn add(&self, after: u64, upto: u64, as_of: i32, sums: &mut HashMap<u32, Sums>) {
        for e in self.effects.chunks_exact(EFFECT_BYTES) {
            let seq = be_u64(&e[0..8]);
            if seq <= after || seq > upto || be_i32(&e[12..16]) > as_of {
                continue;
            }
            let mut line = [0u8; 4];
            line.copy_from_slice(&e[8..12]);
            let s = sums.entry(u32::from_be_bytes(line)).or_insert([0; COLUMNS]);
            for (i, sum) in s.iter_mut().enumerate() {
                let value = be_u64(&e[16 + 8 * i..24 + 8 * i]) as i64;
                *sum += i128::from(value);
            }
        }
    }

    /// Calls `each(line, date, columns)` for the effects with `after < seq ≤ upto`.
    pub fn each(&self, after: u64, upto: u64, mut each: impl FnMut(u32, i32, [i64; COLUMNS])) {
        for e in self.effects.chunks_exact(EFFECT_BYTES) {
            let seq = be_u64(&e[0..8]);
            if seq <= after || seq > upto {
                continue;
            }
            let mut line = [0u8; 4];
            line.copy_from_slice(&e[8..12]);
            let mut columns = [0i64; COLUMNS];
            for (i, c) in columns.iter_mut().enumerate() {
                *c = be_u64(&e[16 + 8 * i..24 + 8 * i]) as i64;
            }
            each(u32::from_be_bytes(line), be_i32(&e[12..16]), columns);
        }
    }

    /// The chain hash of `seq`, if this block holds it.
    pub fn hash_of(&self, seq: u64) -> Option<Hash> {
        let i = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        let bytes = self.hashes.get(i * 32..(i + 1) * 32)?;
        let mut hash = [0u8; 32];
        hash.copy_from_slice(bytes);
        Some(hash)
    }
}

/// The lines file: per line, (sequence of its `open_line` u64, length u32, stored envelope).
fn encode_lines(lines: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(lines.len() as u32).to_be_bytes());
    for (seq, stored) in lines {
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&(stored.len() as u32).to_be_bytes());
        out.extend_from_slice(stored);
    }
    seal(b"lines", out)
}

/// The lines file, checked: per line, the sequence of its `open_line` and its declaration.
pub fn decode_lines(value: &[u8]) -> Result<Vec<(u64, LineSpec)>, Damaged> {
    let payload = unseal(b"lines", value)
        .ok_or_else(|| Damaged("the lines file fails its checksum".into()))?;
    parse_lines(payload)
}

/// The lines file's payload (past its checksum).
#[doc(hidden)]
pub fn parse_lines(payload: &[u8]) -> Result<Vec<(u64, LineSpec)>, Damaged> {
    let bad = || Damaged("the lines file is malformed".into());
    let (count, mut rest) = split_u32(payload).ok_or_else(bad)?;
    let mut lines = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let (seq, after) = split_u64(rest).ok_or_else(bad)?;
        let (len, after) = split_u32(after).ok_or_else(bad)?;
        if after.len() < len as usize {
            return Err(bad());
        }
        let (stored, after) = after.split_at(len as usize);
        let record = envelope::decode(stored).map_err(|e| Damaged(format!("lines file: {e}")))?;
        match record.event.kind {
            Kind::OpenLine(spec) if record.seq == seq => lines.push((seq, *spec)),
            _ => return Err(bad()),
        }
        rest = after;
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(lines)
}

/// Decimal of a cumulative sum (whole đồng).
pub fn decimal(value: i128) -> Result<Decimal, Damaged> {
    Decimal::try_from_i128_with_scale(value, 0)
        .map_err(|_| Damaged(format!("sum {value} does not fit a decimal")))
}
