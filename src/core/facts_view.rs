//! The register of documents and the indicators as a view knows them (issue 16). Pure, over
//! recorded events.
//!
//! A fact counts in a view `(as_of, known_at)` when it is known (sequence ≤ known_at) and
//! effective by `as_of`. An indicator recorded again for the same period (a survey corrected
//! later) replaces the earlier figure from the sequence it was recorded at: the view shows the
//! last one it knows, so an earlier knowledge point keeps showing the figure it had.

use std::collections::BTreeMap;

use crate::core::event::{Document, Kind};
use crate::core::facts::{IndicatorFact, Register};
use crate::core::projection::View;
use crate::core::rules::Recorded;

/// A registered document in a view, with the registered documents that amend it.
#[derive(Clone, Debug)]
pub struct DocumentEntry<'a> {
    pub record: &'a Recorded,
    pub document: &'a Document,
    pub register: &'a Register,
    /// Later documents (known in the view) whose `amends` names this one.
    pub amended_by: Vec<&'a Recorded>,
}

fn counts(r: &Recorded, view: View) -> bool {
    r.seq <= view.known_at && r.event.effective_date <= view.as_of
}

/// The registered documents of the view, by document date then sequence.
pub fn documents(records: &[Recorded], view: View) -> Vec<DocumentEntry<'_>> {
    let mut out: Vec<DocumentEntry<'_>> = records
        .iter()
        .filter(|r| counts(r, view))
        .filter_map(|r| match (&r.event.kind, &r.event.document) {
            (Kind::RegisterDocument(register), Some(document)) => Some(DocumentEntry {
                record: r,
                document,
                register,
                amended_by: Vec::new(),
            }),
            _ => None,
        })
        .collect();
    out.sort_by_key(|d| (d.document.date, d.record.seq));
    let amendments: Vec<(usize, &Recorded)> = out
        .iter()
        .filter_map(|d| {
            let amends = d.register.amends.as_deref()?;
            let target = out.iter().position(|t| t.document.number == amends)?;
            Some((target, d.record))
        })
        .collect();
    for (target, by) in amendments {
        out[target].amended_by.push(by);
    }
    out
}

/// The registered document a money event's document number names, if the view knows one.
pub fn registered<'a>(
    entries: &'a [DocumentEntry<'a>],
    number: &str,
) -> Option<&'a DocumentEntry<'a>> {
    entries.iter().find(|d| d.document.number == number)
}

/// The figure of every indicator and period the view knows: the last one recorded.
pub fn indicators(records: &[Recorded], view: View) -> BTreeMap<(&str, &str), &Recorded> {
    let mut out = BTreeMap::new();
    for r in records.iter().take_while(|r| r.seq <= view.known_at) {
        if let (Kind::RecordIndicator(f), true) = (&r.event.kind, counts(r, view)) {
            out.insert((f.indicator.as_str(), f.period.as_str()), r);
        }
    }
    out
}

/// The indicator fact of a record (`None` for other kinds).
pub fn fact(r: &Recorded) -> Option<&IndicatorFact> {
    match &r.event.kind {
        Kind::RecordIndicator(f) => Some(f),
        _ => None,
    }
}

/// An indicator whose figure differs between two knowledge points.
#[derive(Clone, Debug)]
pub struct IndicatorChange<'a> {
    pub indicator: &'a str,
    pub period: &'a str,
    pub before: Option<&'a Recorded>,
    pub after: Option<&'a Recorded>,
}

/// The indicators whose figure as of `as_of` differs between knowledge points `before` and
/// `after`, by indicator and period.
pub fn changes(
    records: &[Recorded],
    as_of: chrono::NaiveDate,
    before: u64,
    after: u64,
) -> Vec<IndicatorChange<'_>> {
    let b = indicators(
        records,
        View {
            as_of,
            known_at: before,
        },
    );
    let a = indicators(
        records,
        View {
            as_of,
            known_at: after,
        },
    );
    let mut keys: Vec<(&str, &str)> = b.keys().chain(a.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (x, y) = (b.get(&key).copied(), a.get(&key).copied());
            let same = match (x, y) {
                (Some(x), Some(y)) => x.seq == y.seq,
                (None, None) => true,
                _ => false,
            };
            (!same).then_some(IndicatorChange {
                indicator: key.0,
                period: key.1,
                before: x,
                after: y,
            })
        })
        .collect()
}
