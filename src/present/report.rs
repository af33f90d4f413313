//! Renders views for machines: balances, trails and diffs as JSON, balances as CSV. The
//! people's text of the same views is `present::readable`. Reads views; never the store.

use serde_json::{Value, json};

use crate::core::chain::Hash;
pub use crate::core::chain::Pin;
use crate::core::event::Document;
use crate::core::money::rate_text;
use crate::core::projection::{self, LineBalance, Payments, Totals, TrailRow};
use crate::core::rules::Recorded;
use crate::present::csv_cell;
use crate::present::csv_out::{self, CsvDialect};
use crate::present::event_text;

pub fn hash_json(hash: Option<Hash>) -> Value {
    hash.map_or(Value::Null, |h| Value::String(hex::encode(h)))
}

fn rate_json(rate: Option<rust_decimal::Decimal>) -> Value {
    rate_text(rate).map_or(Value::Null, Value::String)
}

pub fn balance_json(pin: Pin, lines: &[LineBalance<'_>]) -> Value {
    let totals = projection::totals(lines);
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            with_columns(
                json!({
                    "line": l.spec.line,
                    "program": l.spec.program,
                    "capital": l.spec.capital.as_str(),
                    "source": l.spec.source,
                    "plan_year": l.spec.plan_year,
                    "origin": l.spec.origin.as_str(),
                }),
                &l.columns(),
                Some(("deadline", l.deadline.to_string().into())),
            )
        })
        .collect();
    json!({
        "as_of": pin.view.as_of.to_string(),
        "known_at": pin.view.known_at,
        "head_hash": hash_json(pin.hash),
        "lines": rows,
        "totals": with_columns(json!({}), &totals, None),
    })
}

/// `object` with the payments' figures (issue 13) added as exact đồng strings.
/// `object` with the money columns of `t` (a line's or the totals'), then `after` (a
/// line's deadline), then its payment columns: the keys of a balance row, in their order.
fn with_columns(mut object: Value, t: &Totals, after: Option<(&str, Value)>) -> Value {
    if let Value::Object(map) = &mut object {
        let columns = [
            ("plan", t.plan),
            ("disbursed", t.disbursed),
            ("carried_out", t.carried_out),
            ("lapsed", t.lapsed),
            ("recovered_after_close", t.recovered_after_close),
            ("available", t.available()),
        ];
        for (name, value) in columns {
            map.insert(name.into(), value.to_string().into());
        }
        map.insert("rate".into(), rate_json(t.rate()));
        if let Some((name, value)) = after {
            map.insert(name.into(), value);
        }
    }
    with_payments(object, &t.pay)
}

pub fn with_payments(mut object: Value, pay: &Payments) -> Value {
    if let Value::Object(map) = &mut object {
        for (name, value) in pay.named() {
            map.insert(name.into(), value.to_string().into());
        }
    }
    object
}

pub fn pin_text(pin: Pin) -> String {
    let hash = pin.hash.map_or("-".to_string(), hex::encode);
    format!(
        "as of {}, known at sequence {} (hash {hash})\n",
        pin.view.as_of, pin.view.known_at
    )
}

fn document_json(doc: Option<&Document>) -> Value {
    match doc {
        None => Value::Null,
        Some(d) => json!({"number": d.number, "date": d.date.to_string(), "issuer": d.issuer}),
    }
}

fn reversal_json(r: Option<&Recorded>) -> Value {
    match r {
        None => Value::Null,
        Some(r) => {
            let reason = match &r.event.kind {
                crate::core::event::Kind::Reverse { reason, .. } => reason.as_str(),
                _ => "",
            };
            json!({
                "seq": r.seq,
                "id": r.event.id.to_string(),
                "reason": reason,
                "document": document_json(r.event.document.as_ref()),
            })
        }
    }
}

/// The money columns of a balance row, a line's or the total's, in whole đồng.
fn money_cells(t: &Totals, dialect: CsvDialect) -> [String; 7] {
    [
        dialect.exact(t.plan),
        dialect.exact(t.disbursed),
        dialect.exact(t.available()),
        dialect.rate(t.rate()),
        dialect.exact(t.carried_out),
        dialect.exact(t.lapsed),
        dialect.exact(t.recovered_after_close),
    ]
}

/// Balances as CSV in `dialect`: one row per line, then a `total` row; amounts in đồng. The
/// closing columns of issue 12 come last, so readers of the earlier columns read them
/// unchanged.
pub fn balance_csv(lines: &[LineBalance<'_>], dialect: CsvDialect) -> Result<String, String> {
    let mut w = csv_out::rows_writer(Vec::new(), dialect);
    let fail = |e: csv::Error| format!("cannot write CSV: {e}");
    w.write_record([
        "row",
        "line",
        "program",
        "capital",
        "source",
        "plan_year",
        "origin",
        "plan",
        "disbursed",
        "available",
        "rate",
        "carried_out",
        "lapsed",
        "recovered_after_close",
        "deadline",
    ])
    .map_err(fail)?;
    for l in lines {
        let mut figures = Totals::default();
        figures.add_line(l);
        let spec = l.spec;
        let mut row = vec![
            "line".to_string(),
            csv_cell::text(&spec.line).into_owned(),
            csv_cell::text(&spec.program).into_owned(),
            spec.capital.as_str().to_string(),
            csv_cell::text(&spec.source).into_owned(),
            spec.plan_year.to_string(),
            spec.origin.as_str().to_string(),
        ];
        row.extend(money_cells(&figures, dialect));
        row.push(l.deadline.to_string());
        w.write_record(&row).map_err(fail)?;
    }
    let mut row = vec!["total".to_string()];
    row.extend(std::iter::repeat_n(String::new(), 6));
    row.extend(money_cells(&projection::totals(lines), dialect));
    row.push(String::new());
    w.write_record(&row).map_err(fail)?;
    let bytes = w
        .into_inner()
        .map_err(|e| format!("cannot write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// A trail's rows, made one at a time in order and each handed to the function given
/// (`app::query` makes them from records read back one at a time, see `core::trail_plan`).
pub type EachRow<'a> =
    dyn FnMut(&mut dyn FnMut(&TrailRow<'_>) -> std::io::Result<()>) -> std::io::Result<()> + 'a;

/// A trail as JSON (`trail --json`), pretty as `serde_json::to_writer_pretty` lays it out or
/// compact, each of its `count` rows made as its turn comes (and handed to `link`, which may
/// add to it) and written: the busiest line's trail at 10M events, 40,000 rows, is never
/// held, as a `Value` (62 MB) or as text (18 MB, a 34 MB `String` while it grew).
pub fn write_trail_json(
    pin: Pin,
    line: &str,
    (count, rows): (usize, &mut EachRow<'_>),
    link: &dyn Fn(&mut Value),
    (pretty, out): (bool, &mut dyn std::io::Write),
) -> std::io::Result<()> {
    let trail = TrailJson {
        pin,
        line,
        count,
        rows: std::cell::RefCell::new(rows),
        link,
    };
    match pretty {
        true => serde_json::to_writer_pretty(out, &trail)?,
        false => serde_json::to_writer(out, &trail)?,
    }
    Ok(())
}

struct TrailJson<'a, 'r> {
    pin: Pin,
    line: &'a str,
    count: usize,
    /// Borrowed mutably while the rows are written (`Serialize` is given `&self`).
    rows: std::cell::RefCell<&'a mut EachRow<'r>>,
    link: &'a dyn Fn(&mut Value),
}

impl serde::Serialize for TrailJson<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("line", self.line)?;
        map.serialize_entry("as_of", &self.pin.view.as_of.to_string())?;
        map.serialize_entry("known_at", &self.pin.view.known_at)?;
        map.serialize_entry("head_hash", &hash_json(self.pin.hash))?;
        map.serialize_entry("rows", &TrailRows(self))?;
        map.end()
    }
}

/// A trail's rows, each made when its turn comes.
struct TrailRows<'t, 'a, 'r>(&'t TrailJson<'a, 'r>);

impl serde::Serialize for TrailRows<'_, '_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let t = self.0;
        let mut seq = serializer.serialize_seq(Some(t.count))?;
        let mut failed: Option<S::Error> = None;
        let mut rows = t.rows.try_borrow_mut().map_err(S::Error::custom)?;
        let made = rows(&mut |row| {
            let mut value = trail_row_json(row, t.line);
            (t.link)(&mut value);
            seq.serialize_element(&value).map_err(|e| {
                failed = Some(e);
                std::io::Error::other("the trail's JSON could not be written")
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        made.map_err(S::Error::custom)?;
        seq.end()
    }
}

/// One row of a trail, its fields in the order of the published schema. Built field by field:
/// `json!` would copy the nested document and reversal values once more.
fn trail_row_json(row: &TrailRow<'_>, line: &str) -> Value {
    let e = &row.record.event;
    let other_line = event_text::other_line(e, line).map_or(
        Value::Null,
        |(dir, other)| json!({"direction": dir.as_str(), "line": other}),
    );
    let recorded_at = row
        .record
        .recorded_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let fields: [(&str, Value); 15] = [
        ("seq", row.record.seq.into()),
        ("id", e.id.to_string().into()),
        ("type", e.kind.type_name().into()),
        ("effective_date", e.effective_date.to_string().into()),
        ("recorded_at", recorded_at.into()),
        ("plan_delta", row.plan_delta.to_string().into()),
        ("disbursed_delta", row.disbursed_delta.to_string().into()),
        ("plan", row.plan.to_string().into()),
        ("disbursed", row.disbursed.to_string().into()),
        ("document", document_json(e.document.as_ref())),
        ("actor", e.actor.clone().into()),
        ("note", e.note.clone().into()),
        ("reversed_by", reversal_json(row.reversed_by)),
        ("payee", event_text::payee(e).into()),
        ("other_line", other_line),
    ];
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// One end of a diff: the sequence, when that event was recorded, and its hash.
#[derive(Clone, Copy, Debug)]
pub struct DiffPoint {
    pub seq: u64,
    pub recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub hash: Option<Hash>,
}

impl DiffPoint {
    /// The point's `known_at`, `recorded_at` and `head_hash`, as every diff shows them.
    pub(crate) fn json(&self) -> Value {
        json!({
            "known_at": self.seq,
            "recorded_at": self.recorded_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
            "head_hash": hash_json(self.hash),
        })
    }
}
