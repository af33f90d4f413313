//! Reading the log back: every entry checked for sequence continuity, its chain hash and its
//! envelope, by a full open (`scan`), by a salvage (`salvage`) and by the verifier of a
//! running process (`LogReader`).

use std::path::PathBuf;

use super::entries::{Entries, Entry, ReadError};
use super::head::head_hash_differs;
use super::unit::{Binding, link_prev};
use super::{
    Fault, GENESIS, HEAD_FILE, Hash, StoreError, chain_hash, envelope, integrity, io, parse_head,
};
use crate::core::rules::Recorded;

/// Reads the log of an open store (in this process) without the writer's lock.
#[derive(Clone)]
pub struct LogReader {
    pub(super) dir: PathBuf,
    pub(super) events: Entries,
    pub(super) binding: Option<Binding>,
}

impl LogReader {
    /// The store's directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Reads the HEAD record, then every event up to it, checking sequence continuity, the
    /// hash chain, that every envelope decodes, and that the chain ends at HEAD's hash.
    /// Safe while the writer appends: the log is written before HEAD, so it always reaches
    /// HEAD's sequence. Reads go through sled, which may serve recently used pages from
    /// memory: a byte flipped on disk under a running process shows at the next open.
    pub fn read_verified(&self) -> Result<(Vec<Recorded>, Vec<Hash>), StoreError> {
        let path = self.dir.join(HEAD_FILE);
        let text = super::head::read_head(&self.dir).map_err(|e| io("cannot read", &path, e))?;
        let (seq, hash) = parse_head(&text)?;
        let prefix = scan_prefix_of(self.events.range(None, Some(seq)), self.binding);
        if let Some(problem) = prefix.problem {
            return Err(problem);
        }
        let (records, hashes) = (prefix.records, prefix.hashes);
        let last = hashes.len() as u64;
        if last < seq {
            return Err(truncated_tail(seq, last));
        }
        let at = hashes.last().copied().unwrap_or(GENESIS);
        if at != hash {
            return Err(head_hash_differs(seq, &hash, &at));
        }
        Ok((records, hashes))
    }

    /// As `read_verified`, keeping nothing: each verified record goes to `each` with its
    /// chain hash, in order, and is dropped after (a verifier of a long log holds one record
    /// at a time). Stops at the first failure, of the log or of `each`. Returns the verified
    /// head: its sequence and hash.
    pub fn each_verified(
        &self,
        mut each: impl FnMut(Recorded, &Hash) -> Result<(), StoreError>,
    ) -> Result<(u64, Option<Hash>), StoreError> {
        let path = self.dir.join(HEAD_FILE);
        let text = super::head::read_head(&self.dir).map_err(|e| io("cannot read", &path, e))?;
        let (seq, hash) = parse_head(&text)?;
        let mut prev = GENESIS;
        let mut last = 0u64;
        for item in self.events.range(None, Some(seq)) {
            let expected = last + 1;
            let link = link_prev(self.binding, expected, prev);
            let (record, _, stored) = check_item(item, expected, &link)?;
            each(record, &stored)?;
            (prev, last) = (stored, expected);
        }
        if last < seq {
            return Err(truncated_tail(seq, last));
        }
        if prev != hash {
            return Err(head_hash_differs(seq, &hash, &prev));
        }
        Ok((last, (last > 0).then_some(prev)))
    }

    /// The stored values of sequences `after+1..=upto` as they are on disk: each one's chain
    /// hash and envelope, verbatim (a replica must hold the very same bytes, whatever format
    /// version wrote them). The caller bounds the range and checks the hashes against the
    /// verified chain it holds.
    pub fn stored(&self, after: u64, upto: u64) -> Result<Vec<(Hash, Vec<u8>)>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(upto.saturating_sub(after)).unwrap_or(0));
        self.each_stored(after, upto, |_, hash, value| {
            // `each_stored` checked that an envelope follows the hash.
            out.push((hash, value.get(32..).unwrap_or_default().to_vec()));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `each` with the sequence, chain hash and stored value (hash, then envelope) of
    /// sequences `after+1..=upto` in order, refusing a gap, a short value or an early end.
    fn each_stored(
        &self,
        after: u64,
        upto: u64,
        mut each: impl FnMut(u64, Hash, &[u8]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if upto <= after {
            return Ok(());
        }
        let mut seq = after;
        for item in self.events.range(Some(after + 1), Some(upto)) {
            let (key, value) = item.map_err(ReadError::plain)?;
            seq += 1;
            let hash = value.get(..32).and_then(|h| Hash::try_from(h).ok());
            match (key.as_ref() == seq.to_be_bytes(), hash, value.get(32..)) {
                (true, Some(hash), Some(envelope)) if !envelope.is_empty() => {
                    each(seq, hash, &value)?
                }
                _ => {
                    return Err(integrity(Some(seq), Fault::ValueMissingOrShort));
                }
            }
        }
        if seq != upto {
            return Err(integrity(Some(seq + 1), Fault::LogEndsBefore { upto }));
        }
        Ok(())
    }
}

impl LogReader {
    /// The records of sequences `after+1..=upto`, decoded (their chain was verified when the
    /// store was opened or they were appended): for a rebuild that streams the log.
    pub fn records(&self, after: u64, upto: u64) -> Result<Vec<Recorded>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(upto.saturating_sub(after)).unwrap_or(0));
        // Decoded from sled's value as it is (hash, then envelope): no copy of the bytes.
        self.each_stored(after, upto, |seq, _, value| {
            out.push(decode_value(seq, value)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// One stored record, decoded.
    pub fn record(&self, seq: u64) -> Result<Recorded, StoreError> {
        let value = self
            .events
            .get(seq)?
            .ok_or_else(|| integrity(Some(seq), Fault::RecordMissing))?;
        decode_value(seq, &value)
    }
}

/// The store as the archive of a state that released its durable records (`core::held`).
impl crate::core::held::Archive for LogReader {
    fn recorded(&self, seq: u64) -> Option<Recorded> {
        match self.record(seq) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!("cannot read back sequence {seq} from the log: {e}");
                None
            }
        }
    }
}

/// Entries per message from the reading thread to the caller's: large enough that the
/// hand-over costs nothing per entry, small enough that at most a few thousand stored values
/// are in flight (the open's memory stays that of the state being rebuilt).
const SCAN_BATCH: usize = 1024;
/// Every how many sequences a store that reads its chain hashes back keeps the one the open
/// proved (`Hashes::Stored`): a part or a record read back is checked against the nearest
/// one at or after it. One batch of the reading thread, so each full batch ends at one.
pub(super) const PROVEN_EVERY: u64 = SCAN_BATCH as u64;
/// Batches the reading thread may run ahead of the caller.
const SCAN_AHEAD: usize = 4;

/// Reads the whole log in order, checking sequence continuity, the hash chain and that every
/// envelope decodes. Returns the chain hashes.
/// Each verified record goes to `each` (which may stop the scan), none is kept here.
///
/// Two threads share the work: a reading thread iterates sled and checks keys and the chain
/// (`check_link`), while the calling thread decodes the values it accepted (`decode_value`)
/// and runs `each` (the rules, for `Ledger::open`) on them, in sequence order. The split is
/// the one that balances the two threads at 1M events: sled's iteration costs about what
/// decoding and the rules cost together. The reader sends accepted values in order and, if it
/// meets a bad entry, that error after them; each entry is therefore checked in the same order
/// as by `check_item` (key, chain, decoding, then `each`) and the first failure by sequence
/// is the one reported, whichever thread finds it.
pub(super) fn scan(
    events: &Entries,
    binding: Option<Binding>,
    keep: bool,
    mut each: impl FnMut(Recorded, &Hash) -> Result<(), StoreError>,
) -> Result<Chained, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<sled::IVec>, StoreError>>(SCAN_AHEAD);
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("socai-scan".to_string())
            .spawn_scoped(scope, move || read_chain(events, (binding, keep), &tx))
            .map_err(|e| StoreError::Io(format!("cannot start the log reader: {e}")))?;
        let mut seen = 0u64;
        let mut outcome = Ok(());
        for message in &rx {
            match message {
                Ok(batch) => {
                    for value in batch {
                        seen += 1;
                        // The stored hash, which the reader checked against the chain.
                        let hash = value.get(..32).and_then(|h| Hash::try_from(h).ok());
                        let decoded = decode_value(seen, &value)
                            .and_then(|r| each(r, &hash.unwrap_or(GENESIS)));
                        if let Err(e) = decoded {
                            outcome = Err(e);
                            break;
                        }
                    }
                }
                Err(e) => outcome = Err(e),
            }
            if outcome.is_err() {
                break;
            }
        }
        // Stops the reader at its next send if decoding or `each` failed.
        drop(rx);
        let chained = reader
            .join()
            .map_err(|_| StoreError::Io("the log reader failed".to_string()))?;
        outcome?;
        // The reader sent every record whose hash it counts, and `each` took them all.
        assert_eq!(chained.count, seen, "every verified record was handed over");
        Ok(chained)
    })
}

/// What `scan` verified: how many records, the head's chain hash, and every chain hash when
/// asked to keep them (`hashes[i]` is the hash of sequence `i + 1`), else every
/// `PROVEN_EVERY`-th (`hashes[i]` is the hash of sequence `(i + 1) * PROVEN_EVERY`).
pub(super) struct Chained {
    pub(super) count: u64,
    pub(super) last: Hash,
    pub(super) hashes: Vec<Hash>,
}

/// The reading side of `scan`: checks the entries' links in order and sends their values in
/// batches, then the first error if any. Returns what it verified of the entries it sent
/// (every hash only if `keep`); stops early when the receiver is gone.
fn read_chain(
    events: &Entries,
    (binding, keep): (Option<Binding>, bool),
    tx: &std::sync::mpsc::SyncSender<Result<Vec<sled::IVec>, StoreError>>,
) -> Chained {
    let mut out = Chained {
        count: 0,
        last: GENESIS,
        hashes: Vec::new(),
    };
    let mut batch = Vec::with_capacity(SCAN_BATCH);
    for item in events.range(None, None) {
        let expected = out.count + 1;
        match check_link(item, expected, &link_prev(binding, expected, out.last)) {
            Ok((value, hash)) => {
                batch.push(value);
                // Every hash, or every `PROVEN_EVERY`-th (`Hashes::Stored`'s checkpoints).
                if keep || expected.is_multiple_of(PROVEN_EVERY) {
                    out.hashes.push(hash);
                }
                out.count = expected;
                out.last = hash;
            }
            Err(e) => {
                let sent = batch.is_empty() || tx.send(Ok(batch)).is_ok();
                if sent {
                    let _ = tx.send(Err(e));
                }
                return out;
            }
        }
        if batch.len() == SCAN_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(SCAN_BATCH));
            if tx.send(Ok(full)).is_err() {
                return out;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch));
    }
    out
}

pub(super) struct Prefix {
    pub(super) records: Vec<Recorded>,
    pub(super) envelopes: Vec<Vec<u8>>,
    pub(super) hashes: Vec<Hash>,
    /// Why the scan stopped before the end of the tree, if it did.
    pub(super) problem: Option<StoreError>,
}

/// Reads an ordered range of the tree (from sequence 1) up to the first event that fails a
/// check: the verified prefix.
fn scan_prefix_of(events: impl Iterator<Item = Entry>, binding: Option<Binding>) -> Prefix {
    let mut out = Prefix {
        records: Vec::new(),
        envelopes: Vec::new(),
        hashes: Vec::new(),
        problem: None,
    };
    let mut prev = GENESIS;
    for item in events {
        let expected = out.hashes.len() as u64 + 1;
        match check_entry(item, expected, &link_prev(binding, expected, prev)) {
            Ok((record, envelope, hash)) => {
                out.records.push(record);
                out.envelopes.push(envelope);
                out.hashes.push(hash);
                prev = hash;
            }
            Err(problem) => {
                out.problem = Some(problem);
                break;
            }
        }
    }
    out
}

/// Checks one stored entry against the expected sequence and the previous chain hash.
fn check_entry(
    item: Entry,
    expected: u64,
    prev: &Hash,
) -> Result<(Recorded, Vec<u8>, Hash), StoreError> {
    let (record, value, hash) = check_item(item, expected, prev)?;
    Ok((record, value.get(32..).unwrap_or_default().to_vec(), hash))
}

/// As `check_entry`, returning the stored value itself (no copy of the envelope: a full open
/// of a long log does not need one).
fn check_item(
    item: Entry,
    expected: u64,
    prev: &Hash,
) -> Result<(Recorded, sled::IVec, Hash), StoreError> {
    let (value, hash) = check_link(item, expected, prev)?;
    let record = decode_value(expected, &value)?;
    Ok((record, value, hash))
}

/// The first half of `check_item`: the entry is sequence `expected` and its stored hash chains
/// from `prev`. Returns the stored value (hash ‖ envelope) and its hash.
fn check_link(item: Entry, expected: u64, prev: &Hash) -> Result<(sled::IVec, Hash), StoreError> {
    let bad = |fault: Fault| integrity(Some(expected), fault);
    let (key, value) = item.map_err(|e| e.at(expected))?;
    let key: [u8; 8] = key
        .as_ref()
        .try_into()
        .map_err(|_| bad(Fault::KeyNotSequence { len: key.len() }))?;
    let seq = u64::from_be_bytes(key);
    if seq != expected {
        return Err(bad(Fault::SequenceMissing {
            missing: expected,
            next: seq,
        }));
    }
    if value.len() <= 32 {
        return Err(bad(Fault::ValueTooShort));
    }
    let (stored, envelope) = value.split_at(32);
    let computed = chain_hash(prev, seq, envelope);
    if computed != stored {
        return Err(bad(Fault::HashMismatch));
    }
    Ok((value, computed))
}

/// The second half of `check_item`, for a value whose link `check_link` accepted: its
/// envelope decodes to the record of sequence `seq`.
pub(super) fn decode_value(seq: u64, value: &[u8]) -> Result<Recorded, StoreError> {
    let bad = |fault: Fault| integrity(Some(seq), fault);
    let record = envelope::decode(value.get(32..).unwrap_or_default())
        .map_err(|why| bad(Fault::Undecodable { why }))?;
    if record.seq != seq {
        return Err(bad(Fault::ClaimsSequence {
            claimed: record.seq,
        }));
    }
    Ok(record)
}

/// HEAD records `seq` but the log ends at `last`.
fn truncated_tail(seq: u64, last: u64) -> StoreError {
    integrity(
        Some(last + 1),
        Fault::TruncatedTail {
            head_seq: seq,
            head_hash: None,
            log_end: last,
        },
    )
}

/// What the reading thread of `each_verified_part` sends: a batch of stored values, and the
/// chain hash it computed for sequence `at` (the batch's last, or a proven one after it).
type Links = Result<(Vec<sled::IVec>, Hash, u64), StoreError>;

/// The first sequence at or after `seq` whose hash a store holds as proven (see
/// `Hashes::proven`): `seq` itself when it is the head or a multiple of `PROVEN_EVERY`.
fn proven_end(seq: u64, head: u64) -> u64 {
    if seq >= head || seq.is_multiple_of(PROVEN_EVERY) {
        seq.min(head)
    } else {
        ((seq / PROVEN_EVERY + 1) * PROVEN_EVERY).min(head)
    }
}

impl LogReader {
    /// Reads sequences `1..=upto` back in parts of `SCAN_BATCH` records, on two threads as
    /// the open does: a reading thread iterates sled and recomputes the chain, this one
    /// decodes each part and hands it to `each`. Before a part is decoded, the chain must
    /// reach a hash the open proved (`proven`, see `Store::proven_hash`: each full part ends
    /// at one; after the last, the chain is followed without decoding to the next one, at
    /// most `PROVEN_EVERY` records on). What a command folds over is then exactly the log
    /// the open verified, even if the store's files were changed since.
    pub fn each_verified_part(
        &self,
        (upto, head): (u64, u64),
        proven: &dyn Fn(u64) -> Option<Hash>,
        each: &mut dyn FnMut(&[Recorded]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let upto = upto.min(head);
        if upto == 0 {
            return Ok(());
        }
        let end = proven_end(upto, head);
        let (tx, rx) = std::sync::mpsc::sync_channel::<Links>(SCAN_AHEAD);
        let (events, binding) = (&self.events, self.binding);
        std::thread::scope(|scope| {
            let reader = std::thread::Builder::new()
                .name("socai-reread".to_string())
                .spawn_scoped(scope, move || read_links(events, binding, (upto, end), &tx))
                .map_err(|e| StoreError::Io(format!("cannot start the log reader: {e}")))?;
            let mut outcome = Ok(());
            let mut seen = 0u64;
            for message in &rx {
                outcome = message.and_then(|(values, hash, at)| {
                    if proven(at) != Some(hash) {
                        return Err(integrity(Some(at), Fault::HashMismatch));
                    }
                    let first = seen + 1;
                    seen += values.len() as u64;
                    let part = (first..)
                        .zip(&values)
                        .map(|(seq, value)| decode_value(seq, value))
                        .collect::<Result<Vec<Recorded>, StoreError>>()?;
                    if part.is_empty() { Ok(()) } else { each(&part) }
                });
                if outcome.is_err() {
                    break;
                }
            }
            // Stops the reader at its next send if a part failed.
            drop(rx);
            reader
                .join()
                .map_err(|_| StoreError::Io("the log reader failed".to_string()))?;
            outcome?;
            if seen != upto {
                return Err(integrity(Some(seen + 1), Fault::LogEndsBefore { upto }));
            }
            Ok(())
        })
    }

    /// One stored record and its chain hash, read back and checked as `each_verified_part`
    /// checks a part: the chain is followed from the proven hash before it to the proven
    /// hash at or after it (at most `2 × PROVEN_EVERY` records, a few milliseconds).
    pub fn verified_record(
        &self,
        (seq, head): (u64, u64),
        proven: &dyn Fn(u64) -> Option<Hash>,
    ) -> Result<(Recorded, Hash), StoreError> {
        if seq == 0 || seq > head {
            return Err(integrity(Some(seq), Fault::RecordMissing));
        }
        let mut found = None;
        self.each_verified_after((seq - 1, head), proven, &mut |r, hash| {
            found = Some((r.clone(), hash));
            false
        })?;
        found.ok_or_else(|| integrity(Some(seq), Fault::RecordMissing))
    }

    /// The records after `after`, each read back with its chain hash and handed to `each`
    /// until it has enough (returns `false`) or the head is reached: the chain is followed
    /// from the proven hash at or before `after`, and on to the first proven hash at or after
    /// the last record handed, every proven hash on the way checked. A page of a search so
    /// reads its own stretch of the log, not the log before it. `each` may only collect: on
    /// an error, what it was handed is not proven and must be dropped.
    pub fn each_verified_after(
        &self,
        (after, head): (u64, u64),
        proven: &dyn Fn(u64) -> Option<Hash>,
        each: &mut dyn FnMut(&Recorded, Hash) -> bool,
    ) -> Result<(), StoreError> {
        if after >= head {
            return Ok(());
        }
        let start = after / PROVEN_EVERY * PROVEN_EVERY;
        let mut last = proven(start).ok_or_else(|| integrity(Some(start), Fault::HashMismatch))?;
        let (mut at, mut end, mut wanting) = (start, head, true);
        for item in self.events.range(Some(start + 1), Some(head)) {
            at += 1;
            let (value, hash) = check_link(item, at, &link_prev(self.binding, at, last))?;
            last = hash;
            if wanting && at > after {
                wanting = each(&decode_value(at, &value)?, hash);
                if !wanting {
                    end = proven_end(at, head);
                }
            }
            if (at.is_multiple_of(PROVEN_EVERY) || at == head) && proven(at) != Some(last) {
                return Err(integrity(Some(at), Fault::HashMismatch));
            }
            if at == end {
                return Ok(());
            }
        }
        Err(integrity(Some(at + 1), Fault::LogEndsBefore { upto: end }))
    }
}

/// The reading side of `each_verified_part`: checks the links of sequences `1..=end` in
/// order and sends the values of `1..=upto` in batches, each with the hash of its last
/// sequence (the last batch with the hash of `end`), then the first error if any; stops early
/// when the receiver is gone.
fn read_links(
    events: &Entries,
    binding: Option<Binding>,
    (upto, end): (u64, u64),
    tx: &std::sync::mpsc::SyncSender<Links>,
) {
    let (mut seq, mut last) = (0u64, GENESIS);
    let mut batch = Vec::with_capacity(SCAN_BATCH);
    for item in events.range(None, Some(end)) {
        seq += 1;
        match check_link(item, seq, &link_prev(binding, seq, last)) {
            Ok((value, hash)) => {
                if seq <= upto {
                    batch.push(value);
                }
                last = hash;
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
        if batch.len() == SCAN_BATCH || seq == end {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(SCAN_BATCH));
            if tx.send(Ok((full, last, seq))).is_err() {
                return;
            }
        }
    }
}
