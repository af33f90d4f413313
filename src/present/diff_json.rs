//! A revision diff as JSON, serialized as it is written: each line and each event becomes a
//! small `Value` for its own moment and is dropped. Built as one `Value`, the diff of half a
//! 1M-event log between its two points held every event twice, 3.5 GB; its text is a tenth
//! of that. The keys and their order are those of the published schema, byte for byte what
//! the `Value` gave.

use std::cell::RefCell;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};

use crate::core::revision::{self, Lookup, Revision};
use crate::present::diff_text::Unwritten;
use crate::present::report::DiffPoint;

/// The diff as JSON written to `out` (pretty as `serde_json::to_string_pretty` lays a value
/// out, or compact), each cause's records read back from `records` as its turn comes.
pub fn write<L: Lookup + ?Sized>(
    rev: &Revision<'_>,
    records: &L,
    (plan_year, before, after): (Option<i32>, DiffPoint, DiffPoint),
    pretty: bool,
    out: &mut dyn std::io::Write,
) -> Result<(), Unwritten> {
    let diff = Diff {
        rev,
        records,
        failed: RefCell::new(None),
        plan_year,
        before,
        after,
    };
    let written = if pretty {
        serde_json::to_writer_pretty(&mut *out, &diff)
    } else {
        serde_json::to_writer(&mut *out, &diff)
    };
    // Only maps with string keys, strings and numbers: serde_json fails only when the output
    // does, or when what it reads could not be read back (noted in `failed`).
    match (written, diff.failed.take()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(failed)) => Err(failed),
        (Err(e), None) => Err(Unwritten::Output(e.into())),
    }
}

struct Diff<'a, L: ?Sized> {
    rev: &'a Revision<'a>,
    records: &'a L,
    failed: RefCell<Option<Unwritten>>,
    plan_year: Option<i32>,
    before: DiffPoint,
    after: DiffPoint,
}

impl<L: Lookup + ?Sized> Diff<'_, L> {
    /// A cause as JSON, or the serializer's error once its record could not be read back.
    fn cause<E: serde::ser::Error>(&self, c: &revision::Cause) -> Result<Value, E> {
        revision::cause_json(c, self.records).map_err(|e| {
            self.failed.replace(Some(Unwritten::Unreadable(e)));
            E::custom(e)
        })
    }

    /// A cause read back, or the serializer's error once it could not be.
    fn read_back<T, E: serde::ser::Error>(&self, c: Result<T, revision::Lost>) -> Result<T, E> {
        c.map_err(|e| {
            let error = E::custom(&e);
            self.failed.replace(Some(Unwritten::Lost(e)));
            error
        })
    }
}

impl<L: Lookup + ?Sized> Serialize for Diff<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rev = self.rev;
        let (tb, ta) = (rev.totals_before, rev.totals_after);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("as_of", &rev.as_of.to_string())?;
        map.serialize_entry("plan_year", &self.plan_year)?;
        map.serialize_entry("before", &self.before.json())?;
        map.serialize_entry("after", &self.after.json())?;
        let totals = json!({
            "plan_before": tb.plan.to_string(),
            "plan_after": ta.plan.to_string(),
            "disbursed_before": tb.disbursed.to_string(),
            "disbursed_after": ta.disbursed.to_string(),
        });
        map.serialize_entry("totals", &totals)?;
        map.serialize_entry("lines", &Lines(self))?;
        map.serialize_entry("events", &Events(self))?;
        // Only when an indicator changed: diffs of stores without indicators keep their bytes.
        if !rev.indicators.is_empty() {
            let indicators = crate::present::facts_diff::json(&rev.indicators);
            map.serialize_entry("indicators", &indicators)?;
        }
        map.end()
    }
}

/// Every changed line, each with the events that moved it.
struct Lines<'a, L: ?Sized>(&'a Diff<'a, L>);

impl<L: Lookup + ?Sized> Serialize for Lines<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.rev.lines.len()))?;
        for l in &self.0.rev.lines {
            seq.serialize_element(&Line(self.0, l))?;
        }
        seq.end()
    }
}

struct Line<'a, L: ?Sized>(&'a Diff<'a, L>, &'a revision::LineChange);

impl<L: Lookup + ?Sized> Serialize for Line<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let l = self.1;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("line", &l.spec.line)?;
        map.serialize_entry("program", &l.spec.program)?;
        map.serialize_entry("capital", l.spec.capital.as_str())?;
        map.serialize_entry("origin", l.spec.origin.as_str())?;
        map.serialize_entry("plan_year", &l.spec.plan_year)?;
        map.serialize_entry("plan_before", &l.plan_before.to_string())?;
        map.serialize_entry("plan_after", &l.plan_after.to_string())?;
        map.serialize_entry("disbursed_before", &l.disbursed_before.to_string())?;
        map.serialize_entry("disbursed_after", &l.disbursed_after.to_string())?;
        map.serialize_entry("causes", &Causes(self.0, l))?;
        map.end()
    }
}

/// A line's causes: each event with what it moved on that line.
struct Causes<'a, L: ?Sized>(&'a Diff<'a, L>, &'a revision::LineChange);

impl<L: Lookup + ?Sized> Serialize for Causes<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.1.cause_count()))?;
        for c in self.0.rev.line_causes(self.1) {
            let c = self.0.read_back::<_, S::Error>(c)?;
            let mut v = self.0.cause::<S::Error>(&c.cause)?;
            if let Value::Object(fields) = &mut v {
                fields.insert("plan_delta".into(), c.plan_delta.to_string().into());
                fields.insert(
                    "disbursed_delta".into(),
                    c.disbursed_delta.to_string().into(),
                );
            }
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

/// Every cause once, in sequence order, each made when its turn comes and dropped once
/// written.
struct Events<'a, L: ?Sized>(&'a Diff<'a, L>);

impl<L: Lookup + ?Sized> Serialize for Events<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rev = self.0.rev;
        let mut seq = serializer.serialize_seq(Some(rev.cause_count()))?;
        for c in rev.causes() {
            let c = self.0.read_back::<_, S::Error>(c)?;
            seq.serialize_element(&self.0.cause::<S::Error>(&c)?)?;
        }
        seq.end()
    }
}
