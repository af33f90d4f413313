//! Likely duplicate vouchers: an event with the same document number, document date, line(s)
//! and amount as an earlier event that still counts (not reversed). Such an event is accepted
//! (two payments on one voucher number can be real, e.g. instalments of one contract on one
//! day), but every door warns about it and the report lists it, so that a voucher keyed in twice
//! (`UNC-2025-008` in the seed) is seen before the figures are printed.
//!
//! Pure: the doors call `repeats` after an append and `in_view` for the report.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::core::event::Event;
use crate::core::fold::Reversals;
use crate::core::projection::View;
use crate::core::revision::event_amount;
use crate::core::rules::Recorded;
use crate::core::tag_runs::{RunStore, SetAside, SortedRuns};
use crate::core::tag_table;

/// What makes two vouchers "the same": number, date, the lines moved and the amount.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key<'a> {
    number: &'a str,
    date: NaiveDate,
    lines: Vec<&'a str>,
    amount: Decimal,
}

fn key(e: &Event) -> Option<Key<'_>> {
    let doc = e.document.as_ref()?;
    Some(Key {
        number: doc.number.as_str(),
        date: doc.date,
        lines: e.lines(),
        amount: event_amount(&e.kind)?,
    })
}

/// A likely duplicate: `record` repeats the voucher of the earlier `first`.
#[derive(Clone, Copy, Debug)]
pub struct Duplicate<'a> {
    pub record: &'a Recorded,
    pub first: &'a Recorded,
}

/// Among `records` (in sequence order) that `counts`, each one whose key an earlier counted
/// record already has, with that first record.
///
/// The map holds each key's hash, not the key: a key owns the vector of its lines, and a map
/// of a million keys took 800 MB of a report's 1.7 GB at 1M events. A hash shared by other
/// keys costs a comparison of the full keys, never a wrong pair.
fn scan<'a>(
    records: impl Iterator<Item = &'a Recorded>,
    counts: impl FnMut(&Recorded) -> bool,
) -> Vec<Duplicate<'a>> {
    scan_hashed(records, counts, foldhash::fast::RandomState::default())
}

/// `scan` with the hasher given (a test forces every key to share one hash).
fn scan_hashed<'a, S: std::hash::BuildHasher + Clone>(
    records: impl Iterator<Item = &'a Recorded>,
    mut counts: impl FnMut(&Recorded) -> bool,
    hasher: S,
) -> Vec<Duplicate<'a>> {
    // Sized once from what the records' iterator promises (a bound: not every one counts):
    // grown by doubling, the map held its old and new tables at once at its last step, 50 MB
    // at 1M events.
    let mut first: HashMap<u64, &'a Recorded, S> =
        HashMap::with_capacity_and_hasher(records.size_hint().0, hasher.clone());
    // Later records whose key hashes as an earlier, different one's (rare).
    let mut more: HashMap<u64, Vec<&'a Recorded>, S> = HashMap::with_hasher(hasher.clone());
    let mut found = Vec::new();
    for r in records {
        if !counts(r) {
            continue;
        }
        let Some(k) = key(&r.event) else { continue };
        let h = hasher.hash_one(&k);
        let candidates = first
            .get(&h)
            .into_iter()
            .chain(more.get(&h).into_iter().flatten());
        let earlier = candidates
            .copied()
            .find(|f| key(&f.event).as_ref() == Some(&k));
        match earlier {
            Some(f) => found.push(Duplicate {
                record: r,
                first: f,
            }),
            None if first.contains_key(&h) => more.entry(h).or_default().push(r),
            None => {
                first.insert(h, r);
            }
        }
    }
    found
}

/// The likely duplicates a view counts: both events known by `known_at`, effective by `as_of`
/// and not reversed. What the report lists.
pub fn in_view(records: &[Recorded], view: View) -> Vec<Duplicate<'_>> {
    let n = usize::try_from(view.known_at)
        .unwrap_or(usize::MAX)
        .min(records.len());
    let known = &records[..n];
    let reversals = Reversals::among(known);
    scan(known.iter(), |r| {
        r.event.effective_date <= view.as_of && !reversals.cancels(r)
    })
}

/// `in_view` as a fold over the records a view counts, given in log order, for a log that is
/// not held in memory: it keeps each keyed record's sequence under 32 bits of its key's hash
/// (8 bytes), not the record. At the end, the records of each tag that more than one holds
/// are read back and compared in full, in log order, as `in_view` compares them (rare: a
/// repeated voucher, or keys that share a tag: about n^2 / 2^33 pairs, 116 at 1M), so the pairs
/// are exactly `in_view`'s.
pub struct DuplicateFold<S = foldhash::fast::RandomState> {
    hasher: S,
    /// The tag above the sequence.
    keyed: Vec<u64>,
    /// Keyed records past `tag_table::MAX_SEQ` (a log of four billion events): (tag, sequence).
    wide: Vec<(u32, u64)>,
    /// Where `keyed` goes, sorted, each time it holds `limit` (`set_aside`).
    aside: Option<(SortedRuns, usize)>,
}

impl DuplicateFold {
    /// A fold that expects about `records` records (its one allocation).
    pub fn with_capacity(records: usize) -> DuplicateFold {
        DuplicateFold::with_hasher(records, foldhash::fast::RandomState::default())
    }
}

impl<S: BuildHasher> DuplicateFold<S> {
    /// `with_capacity` with the hasher given (a test forces every key to share one hash).
    fn with_hasher(records: usize, hasher: S) -> DuplicateFold<S> {
        DuplicateFold {
            hasher,
            keyed: Vec::with_capacity(records),
            wide: Vec::new(),
            aside: None,
        }
    }

    /// From now on, sets the vouchers aside into `store` each time `limit` (≥ 1) are held, so
    /// that memory does not grow with the log; `finish` merges them back in order.
    pub fn set_aside(&mut self, store: Box<dyn RunStore>, limit: usize) {
        assert!(limit >= 1, "a run holds a voucher at least");
        self.keyed.shrink_to(limit);
        self.aside = Some((SortedRuns::new(store), limit));
    }

    /// Adds a record the view counts.
    pub fn add(&mut self, r: &Recorded) {
        if let Some(k) = key(&r.event) {
            let tag = tag_table::tag_of(&self.hasher, &k);
            if r.seq > tag_table::MAX_SEQ {
                self.wide.push((tag, r.seq));
            } else {
                self.keyed.push(tag_table::slot(tag, r.seq));
                self.put_aside();
            }
        }
    }

    /// Moves a full `keyed` into a run. A run that cannot be written leaves the vouchers in
    /// memory: memory, not an answer, is lost.
    fn put_aside(&mut self) {
        let Some((runs, limit)) = self.aside.as_mut() else {
            return;
        };
        if self.keyed.len() < *limit {
            return;
        }
        self.keyed.sort_unstable();
        match runs.put(&self.keyed) {
            Ok(()) => self.keyed.clear(),
            Err(_) => *limit = usize::MAX,
        }
    }

    /// Each likely duplicate with the first record whose voucher it repeats, in log order;
    /// `read` gives a record back by sequence (`None`: it could not, and the caller says why).
    /// `Err`: a run set aside could not be read back.
    pub fn finish(
        mut self,
        read: &mut dyn FnMut(u64) -> Option<Recorded>,
    ) -> Result<Vec<(Recorded, Recorded)>, String> {
        self.keyed.sort_unstable();
        self.wide.sort_unstable();
        let packed: Box<dyn Iterator<Item = Result<u64, String>>> = match self.aside.take() {
            Some((runs, _)) if !runs.is_empty() => Box::new(runs.merged(self.keyed)),
            _ => Box::new(self.keyed.into_iter().map(Ok)),
        };
        let mut groups = Groups::default();
        let mut wide = self.wide.into_iter().peekable();
        for slot in packed {
            let slot = slot?;
            let (tag, seq) = (tag_table::tag(slot), tag_table::seq(slot));
            // A tag's wide sequences come after its packed ones: each group stays in log order.
            while let Some((t, s)) = wide.next_if(|(t, _)| *t < tag) {
                groups.push(t, s, read);
            }
            groups.push(tag, seq, read);
        }
        for (t, s) in wide {
            groups.push(t, s, read);
        }
        let mut found = groups.finish(read);
        found.sort_by_key(|(r, _): &(Recorded, Recorded)| r.seq);
        Ok(found)
    }
}

/// The sequences of one tag at a time, in log order, paired as each tag's group ends.
#[derive(Default)]
struct Groups {
    tag: Option<u32>,
    seqs: Vec<u64>,
    found: Vec<(Recorded, Recorded)>,
}

impl Groups {
    fn push(&mut self, tag: u32, seq: u64, read: &mut dyn FnMut(u64) -> Option<Recorded>) {
        if self.tag != Some(tag) {
            pair_group(self.seqs.drain(..), read, &mut self.found);
            self.tag = Some(tag);
        }
        self.seqs.push(seq);
    }

    fn finish(
        mut self,
        read: &mut dyn FnMut(u64) -> Option<Recorded>,
    ) -> Vec<(Recorded, Recorded)> {
        pair_group(self.seqs.drain(..), read, &mut self.found);
        self.found
    }
}

/// The pairs among one tag's records, given in log order: each record whose key an earlier one
/// of the group has, with that earlier one. A group of one reads nothing.
fn pair_group(
    seqs: impl Iterator<Item = u64>,
    read: &mut dyn FnMut(u64) -> Option<Recorded>,
    found: &mut Vec<(Recorded, Recorded)>,
) {
    let mut seqs = seqs.peekable();
    let Some(first) = seqs.next() else { return };
    if seqs.peek().is_none() {
        return;
    }
    // The group's distinct keys, each as its first record, in log order.
    let mut firsts: Vec<Recorded> = Vec::new();
    for r in std::iter::once(first).chain(seqs).filter_map(&mut *read) {
        let k = key(&r.event);
        match firsts.iter().find(|f| key(&f.event) == k) {
            Some(f) => found.push((r.clone(), f.clone())),
            None => firsts.push(r),
        }
    }
}

/// For just-appended sequences `seqs`, the likely duplicates among them against everything
/// recorded before each (and not reversed now), whatever its effective date: what an append
/// warns about. One pass over the log, keyed only on the batch's document numbers.
pub fn repeats<'a>(records: &'a [Recorded], seqs: &[u64]) -> Vec<Duplicate<'a>> {
    let Some(&last) = seqs.iter().max() else {
        return Vec::new();
    };
    let n = usize::try_from(last)
        .unwrap_or(usize::MAX)
        .min(records.len());
    let known = &records[..n];
    let wanted: HashSet<u64> = seqs.iter().copied().collect();
    let numbers: HashSet<&str> = known
        .iter()
        .filter(|r| wanted.contains(&r.seq))
        .filter_map(|r| r.event.document.as_ref().map(|d| d.number.as_str()))
        .collect();
    let reversals = Reversals::among(records);
    // Filtered before the scan, not by `counts`: the scan sizes its map by what it is given.
    let of_the_batch = known.iter().filter(|r| {
        r.event
            .document
            .as_ref()
            .is_some_and(|d| numbers.contains(d.number.as_str()))
    });
    scan(of_the_batch, |r| !reversals.cancels(r))
        .into_iter()
        .filter(|d| wanted.contains(&d.record.seq))
        .collect()
}

/// The vouchers of a log whose records are not all in memory (a bulk import, see
/// `core::held`): every voucher's sequence under 32 bits of its key's hash, so that an append
/// finds its likely duplicates by reading back only those candidates. 8 bytes a voucher, in a
/// table at most three quarters full (`tag_table`).
#[derive(Default)]
pub struct Vouchers {
    /// Randomly seeded: keys chosen to collide cost extra reads, never a wrong answer.
    hasher: foldhash::fast::RandomState,
    table: tag_table::TagTable,
    /// Vouchers recorded past `tag_table::MAX_SEQ`: (tag, sequence).
    beyond: Vec<(u32, u64)>,
    /// The durable vouchers set aside past a limit (`set_aside_when_settled`).
    aside: Option<SetAside>,
}

impl Vouchers {
    /// From now on `settle` sets the durable vouchers aside into `store` once `limit` (≥ 1)
    /// are held, so that memory does not grow with the log (a bulk import).
    pub fn set_aside_when_settled(&mut self, store: Box<dyn RunStore>, limit: usize) {
        self.aside = Some(SetAside::new(store, limit));
    }

    /// The vouchers of sequences up to `durable` will never be forgotten: set aside if the
    /// table holds its limit. A run that cannot be kept leaves them in memory.
    pub fn settle(&mut self, durable: u64) {
        if let Some(aside) = self.aside.as_mut() {
            aside.settle(&mut self.table, durable);
        }
    }

    fn tag(&self, key: &Key<'_>) -> u32 {
        tag_table::tag_of(&self.hasher, key)
    }

    /// Notes a record appended (in sequence order).
    pub fn note(&mut self, r: &Recorded) {
        let Some(k) = key(&r.event) else { return };
        let tag = self.tag(&k);
        if r.seq > tag_table::MAX_SEQ {
            self.beyond.push((tag, r.seq));
        } else {
            self.table.insert(tag, r.seq);
        }
    }

    /// Forgets the sequences after `head` (a batch rolled back).
    pub fn forget_after(&mut self, head: u64) {
        let later: Vec<(u32, u64)> = (self.table.entries())
            .filter(|(_, seq)| *seq > head)
            .collect();
        for (tag, seq) in later {
            self.table.remove(tag, seq);
        }
        self.beyond.retain(|(_, seq)| *seq <= head);
    }

    /// The sequences noted under the tag of `key`, in order; `Err`: a run set aside could not
    /// be read back.
    fn candidates(&self, key: &Key<'_>) -> Result<Vec<u64>, String> {
        let tag = self.tag(key);
        let beyond = self.beyond.iter().filter(|(t, _)| *t == tag);
        let mut seqs: Vec<u64> = (self.table.candidates(tag))
            .chain(beyond.map(|(_, seq)| *seq))
            .collect();
        if let Some(aside) = &self.aside {
            aside.runs.candidates(tag, &mut seqs)?;
        }
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// `repeats` for a log read back one record at a time (`get`, borrowed when it is held),
    /// `reversed` telling which sequences a known reversal cancels: each of `seqs` that
    /// repeats the voucher of an earlier counted record, with the first such record. Only the
    /// pairs found are copied: an import asks this of every record of a 200,000-event chunk.
    /// `Err`: vouchers set aside could not be read back (some pairs might be missing).
    pub fn repeats<'r>(
        &self,
        seqs: &[u64],
        get: impl Fn(u64) -> Option<Cow<'r, Recorded>>,
        reversed: impl Fn(u64) -> bool,
    ) -> Result<Vec<(Recorded, Recorded)>, String> {
        let mut found = Vec::new();
        for &seq in seqs {
            if reversed(seq) {
                continue;
            }
            let Some(r) = get(seq) else { continue };
            let Some(k) = key(&r.event) else { continue };
            let first = self
                .candidates(&k)?
                .into_iter()
                .take_while(|&c| c < seq)
                .filter(|&c| !reversed(c))
                .filter_map(&get)
                .find(|f| key(&f.event).as_ref() == Some(&k));
            if let Some(first) = first {
                found.push((r.into_owned(), first.into_owned()));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::parse_line;
    use crate::core::tag_runs::tests::Memory;

    fn rec(seq: u64, line: &str) -> Recorded {
        Recorded {
            seq,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            event: parse_line(line).unwrap(),
            rules: crate::core::rule_data::CURRENT,
        }
    }

    fn pay(id: u32, number: &str, date: &str, amount: &str) -> String {
        format!(
            r#"{{"id":"00000000-0000-4000-8000-{id:012}","type":"disburse","effective_date":"{date}","line":"L","amount":"{amount}","document":{{"number":"{number}","date":"{date}"}}}}"#
        )
    }

    #[test]
    fn a_voucher_keyed_twice_is_a_duplicate_until_reversed() {
        let mut log = vec![
            rec(1, &pay(1, "UNC-2025-030", "2025-06-01", "5000000")),
            rec(2, &pay(2, "UNC-2025-030", "2025-06-01", "5000000")),
            // Same number, other amount or other date: not the same voucher.
            rec(3, &pay(3, "UNC-2025-030", "2025-06-01", "5000001")),
            rec(4, &pay(4, "UNC-2025-030", "2025-06-02", "5000000")),
        ];
        let view = View {
            as_of: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            known_at: 4,
        };
        let found = in_view(&log, view);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].record.seq, found[0].first.seq), (2, 1));
        let found = repeats(&log, &[2, 3, 4]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].record.seq, 2);
        // Before the second was effective, the view does not count it.
        let early = View {
            as_of: NaiveDate::from_ymd_opt(2025, 5, 31).unwrap(),
            known_at: 4,
        };
        assert!(in_view(&log, early).is_empty());
        log.push(rec(
            5,
            r#"{"id":"00000000-0000-4000-8000-000000000005","type":"reverse","effective_date":"2025-06-05","target":"00000000-0000-4000-8000-000000000002","reason":"nhập trùng","document":{"number":"BB-1","date":"2025-06-05"}}"#,
        ));
        let view = View {
            known_at: 5,
            ..view
        };
        assert!(in_view(&log, view).is_empty());
        assert!(repeats(&log, &[2]).is_empty());
    }

    /// Every key hashes alike: the scan must still pair only equal keys.
    #[derive(Clone)]
    struct OneHash;
    struct Constant;
    impl std::hash::Hasher for Constant {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }
    impl std::hash::BuildHasher for OneHash {
        type Hasher = Constant;
        fn build_hasher(&self) -> Constant {
            Constant
        }
    }

    /// Three vouchers, two of them repeated (the third keyed once).
    fn three_vouchers() -> Vec<Recorded> {
        vec![
            rec(1, &pay(1, "UNC-1", "2025-06-01", "5000000")),
            rec(2, &pay(2, "UNC-2", "2025-06-01", "5000000")),
            rec(3, &pay(3, "UNC-1", "2025-06-01", "5000000")),
            rec(4, &pay(4, "UNC-2", "2025-06-01", "5000000")),
            rec(5, &pay(5, "UNC-3", "2025-06-01", "5000000")),
            rec(6, &pay(6, "UNC-2", "2025-06-01", "5000000")),
        ]
    }

    #[test]
    fn keys_that_share_a_hash_are_told_apart() {
        let log = three_vouchers();
        let pairs = |found: Vec<Duplicate<'_>>| -> Vec<(u64, u64)> {
            found.iter().map(|d| (d.record.seq, d.first.seq)).collect()
        };
        let colliding = scan_hashed(log.iter(), |_| true, OneHash);
        assert_eq!(pairs(colliding), vec![(3, 1), (4, 2), (6, 2)]);
        assert_eq!(
            pairs(scan(log.iter(), |_| true)),
            vec![(3, 1), (4, 2), (6, 2)]
        );
    }

    #[test]
    fn the_fold_pairs_what_the_scan_pairs_even_when_every_key_shares_a_hash() {
        let mut log = three_vouchers();
        // The third voucher's number again, on another date: another voucher.
        log.push(rec(7, &pay(7, "UNC-3", "2025-06-02", "5000000")));
        log.push(rec(
            8,
            r#"{"id":"00000000-0000-4000-8000-000000000008","type":"reverse","effective_date":"2025-06-05","target":"00000000-0000-4000-8000-000000000002","reason":"x","document":{"number":"BB-2","date":"2025-06-05"}}"#,
        ));
        log.push(rec(9, &pay(9, "UNC-2", "2025-06-01", "5000000")));
        let view = View {
            as_of: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            known_at: 9,
        };
        let whole: Vec<(u64, u64)> = in_view(&log, view)
            .iter()
            .map(|d| (d.record.seq, d.first.seq))
            .collect();
        // The second reversed: the fourth is the first UNC-2 the view counts.
        assert_eq!(whole, vec![(3, 1), (6, 4), (9, 4)]);
        let counted: Vec<&Recorded> = crate::core::projection::counted(&log, view).collect();
        let mut reads = 0;
        let mut read = |s: u64| {
            reads += 1;
            log.get(s as usize - 1).cloned()
        };
        let mut fold = DuplicateFold::with_capacity(9);
        counted.iter().for_each(|r| fold.add(r));
        let pairs = |found: Vec<(Recorded, Recorded)>| -> Vec<(u64, u64)> {
            found.iter().map(|(r, f)| (r.seq, f.seq)).collect()
        };
        assert_eq!(pairs(fold.finish(&mut read).unwrap()), whole);
        let mut colliding = DuplicateFold::with_hasher(9, OneHash);
        counted.iter().for_each(|r| colliding.add(r));
        assert_eq!(pairs(colliding.finish(&mut read).unwrap()), whole);
        // Set aside in runs of two: the groups span runs and the memory left.
        for limit in [1, 2, 4] {
            let mut aside = DuplicateFold::with_capacity(9);
            aside.set_aside(Box::new(Memory::default()), limit);
            counted.iter().for_each(|r| aside.add(r));
            assert_eq!(pairs(aside.finish(&mut read).unwrap()), whole, "{limit}");
            let mut aside = DuplicateFold::with_hasher(9, OneHash);
            aside.set_aside(Box::new(Memory::default()), limit);
            counted.iter().for_each(|r| aside.add(r));
            assert_eq!(pairs(aside.finish(&mut read).unwrap()), whole, "{limit}");
        }
        // Runs that cannot be read back: an error, not fewer duplicates.
        let mut aside = DuplicateFold::with_capacity(9);
        aside.set_aside(Box::new(Memory::broken()), 2);
        counted.iter().for_each(|r| aside.add(r));
        assert!(aside.finish(&mut read).is_err());
        // A record that cannot be read back is left out, never paired with another.
        let mut blind = DuplicateFold::with_hasher(9, OneHash);
        counted.iter().for_each(|r| blind.add(r));
        let mut unreadable_first = |s: u64| (s != 1).then(|| log[s as usize - 1].clone());
        assert_eq!(
            pairs(blind.finish(&mut unreadable_first).unwrap()),
            vec![(6, 4), (9, 4)]
        );
    }

    #[test]
    fn the_fold_pairs_sequences_past_four_billion_as_the_others() {
        let far = crate::core::tag_table::MAX_SEQ;
        let log = [
            rec(1, &pay(1, "UNC-1", "2025-06-01", "5000000")),
            rec(far + 1, &pay(2, "UNC-1", "2025-06-01", "5000000")),
            rec(far + 2, &pay(3, "UNC-2", "2025-06-01", "5000000")),
            rec(far + 3, &pay(4, "UNC-2", "2025-06-01", "5000000")),
        ];
        let mut read = |s: u64| log.iter().find(|r| r.seq == s).cloned();
        let pairs = |found: Vec<(Recorded, Recorded)>| -> Vec<(u64, u64)> {
            found.iter().map(|(r, f)| (r.seq, f.seq)).collect()
        };
        let expected = vec![(far + 1, 1), (far + 3, far + 2)];
        let mut fold = DuplicateFold::with_capacity(4);
        log.iter().for_each(|r| fold.add(r));
        assert_eq!(pairs(fold.finish(&mut read).unwrap()), expected);
        let mut colliding = DuplicateFold::with_hasher(4, OneHash);
        log.iter().for_each(|r| colliding.add(r));
        assert_eq!(pairs(colliding.finish(&mut read).unwrap()), expected);
        let mut aside = DuplicateFold::with_hasher(4, OneHash);
        aside.set_aside(Box::new(crate::core::tag_runs::tests::Memory::default()), 1);
        log.iter().for_each(|r| aside.add(r));
        assert_eq!(pairs(aside.finish(&mut read).unwrap()), expected);
    }

    #[test]
    fn vouchers_read_back_find_what_the_whole_log_finds() {
        let mut log = vec![
            rec(1, &pay(1, "UNC-1", "2025-06-01", "5000000")),
            rec(2, &pay(2, "UNC-1", "2025-06-01", "5000000")),
            rec(3, &pay(3, "UNC-1", "2025-06-01", "5000001")),
            rec(4, &pay(4, "UNC-1", "2025-06-01", "5000000")),
        ];
        let mut vouchers = Vouchers::default();
        log.iter().for_each(|r| vouchers.note(r));
        let get = |log: &[Recorded], s: u64| log.get(s as usize - 1).cloned().map(Cow::Owned);
        let pairs = |log: &[Recorded], v: &Vouchers, reversed: &[u64]| -> Vec<(u64, u64)> {
            v.repeats(&[2, 3, 4], |s| get(log, s), |s| reversed.contains(&s))
                .unwrap()
                .iter()
                .map(|(r, f)| (r.seq, f.seq))
                .collect()
        };
        let whole = |log: &[Recorded]| -> Vec<(u64, u64)> {
            repeats(log, &[2, 3, 4])
                .iter()
                .map(|d| (d.record.seq, d.first.seq))
                .collect()
        };
        assert_eq!(pairs(&log, &vouchers, &[]), vec![(2, 1), (4, 1)]);
        assert_eq!(pairs(&log, &vouchers, &[]), whole(&log));
        // The first reversed: the later ones repeat the second.
        log.push(rec(
            5,
            r#"{"id":"00000000-0000-4000-8000-000000000005","type":"reverse","effective_date":"2025-06-05","target":"00000000-0000-4000-8000-000000000001","reason":"x","document":{"number":"BB-2","date":"2025-06-05"}}"#,
        ));
        vouchers.note(&log[4]);
        assert_eq!(pairs(&log, &vouchers, &[1]), vec![(4, 2)]);
        assert_eq!(pairs(&log, &vouchers, &[1]), whole(&log));
        // Rolled back to sequence 1: the second is forgotten, so the fourth repeats nothing
        // that counts.
        vouchers.forget_after(1);
        assert_eq!(pairs(&log, &vouchers, &[1]), vec![]);
    }

    #[test]
    fn vouchers_set_aside_once_durable_find_what_those_held_find() {
        let log: Vec<Recorded> = (1..=9)
            .map(|n| {
                rec(
                    n,
                    &pay(n as u32, &format!("UNC-{}", n % 3), "2025-06-01", "5000000"),
                )
            })
            .collect();
        let get = |s: u64| log.get(s as usize - 1).cloned().map(Cow::Owned);
        let seqs: Vec<u64> = (1..=9).collect();
        let mut held = Vouchers::default();
        let mut aside = Vouchers::default();
        aside.set_aside_when_settled(Box::new(Memory::default()), 2);
        for r in &log[..6] {
            held.note(r);
            aside.note(r);
        }
        // Sequences 5 and 6 are not durable yet: they stay, and are forgotten on a rollback.
        aside.settle(4);
        assert_eq!(aside.table.len(), 2);
        aside.forget_after(5);
        held.forget_after(5);
        for r in &log[5..] {
            held.note(r);
            aside.note(r);
        }
        aside.settle(9);
        assert!(aside.table.is_empty());
        let pairs = |v: &Vouchers| v.repeats(&seqs, get, |_| false).unwrap();
        let pairs: Vec<(u64, u64)> = pairs(&aside).iter().map(|(r, f)| (r.seq, f.seq)).collect();
        let expected: Vec<(u64, u64)> = (4..=9).map(|n| (n, (n - 1) % 3 + 1)).collect();
        assert_eq!(pairs, expected);
        assert_eq!(
            held.repeats(&seqs, get, |_| false).unwrap().len(),
            expected.len()
        );
        // Runs that cannot be read back: a failure the owner sees, not fewer duplicates.
        let mut broken = Vouchers::default();
        broken.set_aside_when_settled(Box::new(Memory::broken()), 2);
        log.iter().for_each(|r| broken.note(r));
        broken.settle(9);
        assert!(broken.repeats(&seqs, get, |_| false).is_err());
    }
}
