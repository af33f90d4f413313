//! A revision diff as JSON, serialized as it is written: each line and each event becomes a
//! small `Value` for its own moment and is dropped. Built as one `Value`, the diff of half a
//! 1M-event log between its two points held every event twice, 3.5 GB; its text is a tenth
//! of that. The keys and their order are those of the published schema, byte for byte what
//! the `Value` gave.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};

use crate::core::revision::{self, Revision};
use crate::present::report::DiffPoint;

/// The diff as compact JSON text.
pub fn text(
    rev: &Revision<'_>,
    plan_year: Option<i32>,
    before: DiffPoint,
    after: DiffPoint,
) -> String {
    let diff = Diff {
        rev,
        plan_year,
        before,
        after,
    };
    // Only maps with string keys, strings and numbers: serde_json cannot fail on them.
    serde_json::to_string(&diff).unwrap_or_default()
}

struct Diff<'a> {
    rev: &'a Revision<'a>,
    plan_year: Option<i32>,
    before: DiffPoint,
    after: DiffPoint,
}

impl Serialize for Diff<'_> {
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
        map.serialize_entry("lines", &Lines(rev))?;
        map.serialize_entry("events", &Events(rev))?;
        // Only when an indicator changed: diffs of stores without indicators keep their bytes.
        if !rev.indicators.is_empty() {
            let indicators = crate::present::facts_diff::json(&rev.indicators);
            map.serialize_entry("indicators", &indicators)?;
        }
        map.end()
    }
}

/// Every changed line, each with the events that moved it.
struct Lines<'a>(&'a Revision<'a>);

impl Serialize for Lines<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each(serializer, &self.0.lines, Line)
    }
}

struct Line<'a, 'r>(&'a revision::LineChange<'r>);

impl Serialize for Line<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let l = self.0;
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
        map.serialize_entry("causes", &Causes(&l.causes))?;
        map.end()
    }
}

/// A line's causes: each event with what it moved on that line.
struct Causes<'a>(&'a [revision::LineCause<'a>]);

impl Serialize for Causes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            let mut v = revision::cause_json(&c.cause);
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

/// Every cause once, in sequence order.
struct Events<'a>(&'a Revision<'a>);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each(serializer, &self.0.causes, revision::cause_json)
    }
}

/// `items` as a sequence, each element made by `element` when its turn comes and dropped
/// once written.
fn each<'a, S: Serializer, T, V: Serialize>(
    serializer: S,
    items: &'a [T],
    element: impl Fn(&'a T) -> V,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(items.len()))?;
    for item in items {
        seq.serialize_element(&element(item))?;
    }
    seq.end()
}
