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
//! Tables (see `store::index` for the layout):
//! - per line, the cumulative (plan, disbursed) by effective date as currently known (the
//!   *head table*): a view at the head is one binary search per line;
//! - the same table frozen every `interval` sequences (*checkpoints*);
//! - the effects in sequence order, grouped in blocks of `BLOCK` sequences: a historical view
//!   starts from the nearest checkpoint ≤ `known_at` and adds only the effects after it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::event::Kind;
use crate::rules::{Recorded, State};

/// Sequences per effects block.
pub const BLOCK: u64 = 1024;
/// Default distance between checkpoints, in sequences (`SOCAI_INDEX_CHECKPOINT_EVERY` overrides
/// it for a store whose index is built from scratch).
pub const DEFAULT_INTERVAL: u64 = 65_536;
/// Index format; a store whose index has another format rebuilds it.
pub const FORMAT: u8 = 1;

const CHECKSUM: usize = 8;
const EFFECT_BYTES: usize = 32;
const ENTRY_BYTES: usize = 36;

/// One signed change to one line, at a sequence and an effective date (days from CE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    pub seq: u64,
    pub line: u32,
    pub date: i32,
    pub plan: i64,
    pub disbursed: i64,
}

/// The checkpoint interval asked for by the environment, or the default.
pub fn configured_interval() -> u64 {
    std::env::var("SOCAI_INDEX_CHECKPOINT_EVERY")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&v| v >= 1)
        .unwrap_or(DEFAULT_INTERVAL)
}

pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn whole(value: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    // Movements are whole đồng ≤ 10^16 (checked at parse and at decode), so they fit.
    let v = value.to_i64();
    assert!(
        v.is_some() && value.fract().is_zero(),
        "movements are whole đồng"
    );
    v.unwrap_or(0)
}

/// What the writer must persist after an append.
#[derive(Default, Debug)]
pub struct Changes {
    /// New lines: (index, sequence of its `open_line`, code).
    pub lines: Vec<(u32, u64, String)>,
    /// Effects blocks to (re)write: block number → encoded block.
    pub blocks: Vec<(u64, Vec<u8>)>,
    /// Checkpoint tables: (checkpoint sequence, line, encoded table).
    pub checkpoints: Vec<(u64, u32, Vec<u8>)>,
    /// Head tables of the lines whose figures changed.
    pub head: Vec<(u32, Vec<u8>)>,
}

/// The in-memory state the writer keeps to extend the index incrementally.
pub struct Builder {
    interval: u64,
    line_ids: HashMap<String, u32>,
    /// Per line: net (plan, disbursed) per effective date, as currently known.
    days: Vec<BTreeMap<i32, (i128, i128)>>,
    /// Effects of the last, possibly partial, block.
    tail: Vec<Effect>,
    tail_block: u64,
    head: u64,
}

impl Builder {
    pub fn new(interval: u64) -> Builder {
        Builder {
            interval: interval.max(1),
            line_ids: HashMap::new(),
            days: Vec::new(),
            tail: Vec::new(),
            tail_block: 0,
            head: 0,
        }
    }

    pub fn interval(&self) -> u64 {
        self.interval
    }

    pub fn head(&self) -> u64 {
        self.head
    }

    /// Extends the index with `records` (sequences `head()+1…`), which `state` already holds
    /// (a reversal's target is looked up there). With `persist` false only the in-memory state
    /// moves (the persisted tables already reflect these records).
    pub fn extend(&mut self, state: &State, records: &[Recorded], persist: bool) -> Changes {
        let mut changes = Changes::default();
        let mut dirty: BTreeSet<u32> = BTreeSet::new();
        let mut dirty_blocks: BTreeSet<u64> = BTreeSet::new();
        let mut done_blocks: Vec<(u64, Vec<u8>)> = Vec::new();
        for record in records {
            assert_eq!(record.seq, self.head + 1, "the index follows the log");
            self.head = record.seq;
            let block = record.seq / BLOCK;
            if block != self.tail_block {
                if persist && dirty_blocks.contains(&self.tail_block) {
                    done_blocks.push((self.tail_block, encode_block(self.tail_block, &self.tail)));
                }
                self.tail.clear();
                self.tail_block = block;
            }
            if let Kind::OpenLine(spec) = &record.event.kind {
                let id = self.days.len() as u32;
                self.line_ids.insert(spec.line.clone(), id);
                self.days.push(BTreeMap::new());
                if persist {
                    changes.lines.push((id, record.seq, spec.line.clone()));
                    dirty.insert(id);
                }
            }
            for effect in self.effects(state, record) {
                let day = self.days[effect.line as usize]
                    .entry(effect.date)
                    .or_insert((0, 0));
                day.0 += i128::from(effect.plan);
                day.1 += i128::from(effect.disbursed);
                dirty.insert(effect.line);
                dirty_blocks.insert(block);
                self.tail.push(effect);
            }
            if record.seq % self.interval == 0 && persist {
                for (line, days) in self.days.iter().enumerate() {
                    let line = line as u32;
                    changes.checkpoints.push((
                        record.seq,
                        line,
                        encode_table(record.seq, line, days),
                    ));
                }
            }
        }
        if persist {
            if dirty_blocks.contains(&self.tail_block) {
                done_blocks.push((self.tail_block, encode_block(self.tail_block, &self.tail)));
            }
            changes.blocks = done_blocks;
            for line in dirty {
                let days = &self.days[line as usize];
                changes
                    .head
                    .push((line, encode_table(HEAD_TABLE, line, days)));
            }
        }
        changes
    }

    /// The effects of one record (see the module comment).
    fn effects(&self, state: &State, record: &Recorded) -> Vec<Effect> {
        let (event, sign) = match &record.event.kind {
            Kind::Reverse { target, .. } => {
                let target = state.seq_of(target).and_then(|s| state.record(s));
                assert!(target.is_some(), "a recorded reversal names a known event");
                match target {
                    Some(t) => (&t.event, -1),
                    None => return Vec::new(),
                }
            }
            _ => (&record.event, 1),
        };
        let date = day_number(event.effective_date);
        event
            .movements()
            .into_iter()
            .filter_map(|m| {
                let line = self.line_ids.get(m.line).copied();
                assert!(line.is_some(), "a recorded movement names an open line");
                Some(Effect {
                    seq: record.seq,
                    line: line?,
                    date,
                    plan: sign * whole(m.plan),
                    disbursed: sign * whole(m.disbursed),
                })
            })
            .collect()
    }

    /// Every table, as a rebuild writes them (the head and checkpoints of `state`'s records).
    pub fn rebuild(state: &State, interval: u64) -> (Builder, Changes) {
        let mut builder = Builder::new(interval);
        let changes = builder.extend(state, state.records(), true);
        (builder, changes)
    }
}

/// The checkpoint key of the head table.
pub const HEAD_TABLE: u64 = u64::MAX;

fn seal(key_salt: &[u8], mut payload: Vec<u8>) -> Vec<u8> {
    let digest = Sha256::new()
        .chain_update(key_salt)
        .chain_update(&payload)
        .finalize();
    payload.extend_from_slice(&digest[..CHECKSUM]);
    payload
}

/// The payload of a sealed value, or `None` when its checksum does not match (damaged index).
fn unseal<'a>(key_salt: &[u8], value: &'a [u8]) -> Option<&'a [u8]> {
    let split = value.len().checked_sub(CHECKSUM)?;
    let (payload, sum) = value.split_at(split);
    let digest = Sha256::new()
        .chain_update(key_salt)
        .chain_update(payload)
        .finalize();
    (digest[..CHECKSUM] == *sum).then_some(payload)
}

fn table_salt(checkpoint: u64, line: u32) -> [u8; 13] {
    let mut salt = [0u8; 13];
    salt[0] = b't';
    salt[1..9].copy_from_slice(&checkpoint.to_be_bytes());
    salt[9..].copy_from_slice(&line.to_be_bytes());
    salt
}

fn block_salt(block: u64) -> [u8; 9] {
    let mut salt = [0u8; 9];
    salt[0] = b'b';
    salt[1..].copy_from_slice(&block.to_be_bytes());
    salt
}

/// A line's table: (date, cumulative plan, cumulative disbursed) for every date with a change.
fn encode_table(checkpoint: u64, line: u32, days: &BTreeMap<i32, (i128, i128)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(days.len() * ENTRY_BYTES + CHECKSUM);
    let (mut plan, mut disbursed) = (0i128, 0i128);
    for (date, (p, d)) in days {
        plan += p;
        disbursed += d;
        out.extend_from_slice(&date.to_be_bytes());
        out.extend_from_slice(&plan.to_be_bytes());
        out.extend_from_slice(&disbursed.to_be_bytes());
    }
    seal(&table_salt(checkpoint, line), out)
}

fn encode_block(block: u64, effects: &[Effect]) -> Vec<u8> {
    let mut out = Vec::with_capacity(effects.len() * EFFECT_BYTES + CHECKSUM);
    for e in effects {
        out.extend_from_slice(&e.seq.to_be_bytes());
        out.extend_from_slice(&e.line.to_be_bytes());
        out.extend_from_slice(&e.date.to_be_bytes());
        out.extend_from_slice(&e.plan.to_be_bytes());
        out.extend_from_slice(&e.disbursed.to_be_bytes());
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

/// The cumulative (plan, disbursed) of a stored table at the end of day `as_of`.
pub fn table_at(
    checkpoint: u64,
    line: u32,
    value: &[u8],
    as_of: i32,
) -> Result<(i128, i128), Damaged> {
    let payload = unseal(&table_salt(checkpoint, line), value)
        .ok_or_else(|| Damaged(format!("table {checkpoint}/{line} fails its checksum")))?;
    if payload.len() % ENTRY_BYTES != 0 {
        return Err(Damaged(format!(
            "table {checkpoint}/{line} has a bad length"
        )));
    }
    let n = payload.len() / ENTRY_BYTES;
    let entry = |i: usize| &payload[i * ENTRY_BYTES..(i + 1) * ENTRY_BYTES];
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
    if lo == 0 {
        return Ok((0, 0));
    }
    let e = entry(lo - 1);
    Ok((be_i128(&e[4..20]), be_i128(&e[20..36])))
}

/// Adds to `sums` (per line) the effects of a stored block with `after < seq ≤ upto` and
/// date ≤ `as_of`.
pub fn add_block(
    block: u64,
    value: &[u8],
    after: u64,
    upto: u64,
    as_of: i32,
    sums: &mut HashMap<u32, (i128, i128)>,
) -> Result<(), Damaged> {
    let payload = unseal(&block_salt(block), value)
        .ok_or_else(|| Damaged(format!("effects block {block} fails its checksum")))?;
    if payload.len() % EFFECT_BYTES != 0 {
        return Err(Damaged(format!("effects block {block} has a bad length")));
    }
    for e in payload.chunks_exact(EFFECT_BYTES) {
        let seq = be_u64(&e[0..8]);
        if seq <= after || seq > upto || be_i32(&e[12..16]) > as_of {
            continue;
        }
        let mut line = [0u8; 4];
        line.copy_from_slice(&e[8..12]);
        let plan = be_u64(&e[16..24]) as i64;
        let disbursed = be_u64(&e[24..32]) as i64;
        let s = sums.entry(u32::from_be_bytes(line)).or_insert((0, 0));
        s.0 += i128::from(plan);
        s.1 += i128::from(disbursed);
    }
    Ok(())
}

/// The line record: (sequence of its `open_line`, code).
pub fn encode_line(line: u32, open_seq: u64, code: &str) -> Vec<u8> {
    let mut out = open_seq.to_be_bytes().to_vec();
    out.extend_from_slice(code.as_bytes());
    seal(&line_salt(line), out)
}

fn line_salt(line: u32) -> [u8; 5] {
    let mut salt = [0u8; 5];
    salt[0] = b'l';
    salt[1..].copy_from_slice(&line.to_be_bytes());
    salt
}

pub fn decode_line(line: u32, value: &[u8]) -> Result<(u64, String), Damaged> {
    let payload = unseal(&line_salt(line), value)
        .ok_or_else(|| Damaged(format!("line record {line} fails its checksum")))?;
    if payload.len() < 8 {
        return Err(Damaged(format!("line record {line} is too short")));
    }
    let code = std::str::from_utf8(&payload[8..])
        .map_err(|_| Damaged(format!("line record {line} is not UTF-8")))?;
    Ok((be_u64(payload), code.to_string()))
}

/// The mark: which log head the persisted tables reflect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub format: u8,
    pub interval: u64,
    pub seq: u64,
    pub hash: [u8; 32],
}

pub fn encode_mark(mark: &Mark) -> Vec<u8> {
    let mut out = vec![mark.format];
    out.extend_from_slice(&mark.interval.to_be_bytes());
    out.extend_from_slice(&mark.seq.to_be_bytes());
    out.extend_from_slice(&mark.hash);
    seal(b"mark", out)
}

pub fn decode_mark(value: &[u8]) -> Result<Mark, Damaged> {
    let payload =
        unseal(b"mark", value).ok_or_else(|| Damaged("index mark fails its checksum".into()))?;
    if payload.len() != 1 + 8 + 8 + 32 {
        return Err(Damaged("index mark has a bad length".into()));
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&payload[17..49]);
    Ok(Mark {
        format: payload[0],
        interval: be_u64(&payload[1..9]),
        seq: be_u64(&payload[9..17]),
        hash,
    })
}

/// Decimal of a cumulative sum (whole đồng).
pub fn decimal(value: i128) -> Result<Decimal, Damaged> {
    Decimal::try_from_i128_with_scale(value, 0)
        .map_err(|_| Damaged(format!("sum {value} does not fit a decimal")))
}
