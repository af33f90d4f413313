//! Rows to events: an `open_line` for a line the ledger does not hold yet, then one
//! `allocate` per row, each with a content-derived id and checked against the ledger's state.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::rows::{Header, RowValues, read_header, read_row};
use super::{PlanError, Table, column_letter};
use crate::core::event::{self, Event, Kind, LineSpec};
use crate::core::rejection::{Code, Detail, FieldFault, InputFault, Rejection};
use crate::core::rules::State;
use crate::core::text;

/// The events one data row produced, with its row number.
#[derive(Clone, Debug)]
pub struct RowEvents {
    pub row: u32,
    pub events: Vec<Event>,
}

/// What a plan table turns into: events in row order (an `open_line` precedes the first
/// allocation of a line the ledger does not hold yet).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub rows: Vec<RowEvents>,
}

impl Plan {
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.rows.iter().flat_map(|r| r.events.iter())
    }
    /// The row an event (by its 0-based index in `events()`) came from.
    pub fn row_of(&self, index: usize) -> Option<u32> {
        let mut seen = 0;
        for r in &self.rows {
            seen += r.events.len();
            if index < seen {
                return Some(r.row);
            }
        }
        None
    }
}

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, b"socai:plan-import:v1")
}

/// The id of an event built from a plan row: UUID v5 over its content without the id, as JSON
/// with keys in sorted order, so the id does not depend on the order the code builds fields in.
pub(super) fn content_id(mut value: Map<String, Value>) -> Uuid {
    value.remove("id");
    let text = serde_json::to_string(&sorted(Value::Object(value))).unwrap_or_default();
    Uuid::new_v5(&namespace(), text.as_bytes())
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        other => other,
    }
}

/// Turns a plan table into events, checked against the ledger's current `state` for lines that
/// already exist and allocations already imported. Pure: reads nothing but its arguments.
pub fn plan_events(table: &Table, state: &State) -> Result<Plan, PlanError> {
    let header = read_header(table)?;
    let column_of = |field: &str| -> Option<(String, String)> {
        let name = match field {
            "document.number" => "decision_number",
            "document.date" => "decision_date",
            "document.issuer" => "decision_issuer",
            "effective_date" if !header.at.contains_key("effective_date") => "decision_date",
            other => other,
        };
        header
            .at
            .get(name)
            .map(|i| (column_letter(*i), name.to_string()))
    };
    let values = read_rows(table, &header)?;
    let first_date = first_dates(&values);
    let parse = |row: u32, value: Map<String, Value>| -> Result<Event, PlanError> {
        event::parse_value(&Value::Object(value)).map_err(|rejection| {
            let field = match rejection.detail.as_ref() {
                Detail::Field { key, .. } => key.as_str(),
                _ => "",
            };
            PlanError {
                sheet: table.sheet.clone(),
                row: Some(row),
                column: column_of(field),
                rejection,
            }
        })
    };
    let allocations = allocation_index(state);
    let mut plan = Plan::default();
    // Lines declared by earlier rows of this sheet: spec and the row that declared it.
    let mut declared: HashMap<String, (LineSpec, u32)> = HashMap::new();
    let mut seen_keys: BTreeMap<(String, String, NaiveDate), u32> = BTreeMap::new();
    for v in values {
        let row = v.row;
        let at_row =
            |column: Option<(String, String)>, code: Code, facts, message: String| PlanError {
                sheet: table.sheet.clone(),
                row: Some(row),
                column,
                rejection: Rejection::new(code, facts, message),
            };
        let mut events = Vec::new();
        let line_code = v.key.0.clone();
        // The line as the row describes it.
        let mut open = v.line;
        open.insert("type".into(), "open_line".into());
        let date = first_date.get(&line_code).copied().unwrap_or(v.effective);
        open.insert("effective_date".into(), date.to_string().into());
        open.insert("id".into(), Uuid::nil().to_string().into());
        let mut open_event = parse(row, open.clone())?;
        open_event.id = content_id(open);
        let Kind::OpenLine(spec) = &open_event.kind else {
            return Err(at_row(
                None,
                Code::Malformed,
                Detail::Input(InputFault::Unreadable),
                "not a line declaration".into(),
            ));
        };
        let known = state
            .line(&line_code)
            .map(|s| (s.clone(), None))
            .or_else(|| declared.get(&line_code).map(|(s, r)| (s.clone(), Some(*r))));
        match known {
            Some((existing, where_row)) => {
                if let Some((field, facts, message)) =
                    redeclaration(&line_code, &existing, where_row, spec)
                {
                    return Err(at_row(column_of(field), Code::LineExists, facts, message));
                }
            }
            None => {
                declared.insert(line_code.clone(), ((**spec).clone(), row));
                events.push(open_event);
            }
        }
        // The allocation.
        if let Some(first) = seen_keys.insert(v.key.clone(), row) {
            return Err(at_row(
                column_of("decision_number"),
                Code::AlreadyAllocated,
                allocated_twice(&line_code, &v.key.1, Some(first)),
                format!(
                    "row {first} already allocates to line {line_code:?} under decision {} of {}; one row per line and decision (add them up)",
                    v.key.1, v.key.2
                ),
            ));
        }
        let mut alloc = v.allocation;
        alloc.insert("type".into(), "allocate".into());
        alloc.insert("line".into(), line_code.clone().into());
        alloc.insert("effective_date".into(), v.effective.to_string().into());
        alloc.insert("id".into(), Uuid::nil().to_string().into());
        let mut alloc_event = parse(row, alloc.clone())?;
        alloc_event.id = content_id(alloc);
        if let Some(prior) = prior_allocation(&allocations, &alloc_event) {
            let facts = allocated_twice(&line_code, &v.key.1, None);
            return Err(at_row(
                column_of("amount"),
                Code::AlreadyAllocated,
                facts,
                prior,
            ));
        }
        events.push(alloc_event);
        plan.rows.push(RowEvents { row, events });
    }
    Ok(plan)
}

/// The data rows after the header, read; a header without rows is refused.
fn read_rows(table: &Table, header: &Header) -> Result<Vec<RowValues>, PlanError> {
    let mut values = Vec::new();
    for (row, cells) in table.rows.iter().skip(1) {
        values.push(read_row(table, header, *row, cells)?);
    }
    if values.is_empty() {
        return Err(PlanError {
            sheet: table.sheet.clone(),
            row: Some(header.row),
            column: None,
            rejection: Rejection::new(
                Code::MissingField,
                Detail::Input(InputFault::NoRows),
                "the sheet has a header but no rows",
            ),
        });
    }
    Ok(values)
}

/// A row allocating again to `line` under decision `number`: allocated first by row `first`,
/// or (`None`) already in the ledger.
fn allocated_twice(line: &str, number: &str, first: Option<u32>) -> Detail {
    let fault = FieldFault::AlreadyAllocated {
        line: line.to_string(),
        row: first,
    };
    Detail::field("decision_number", Some(number.to_string()), fault)
}

/// Per line, the earliest date any of its rows takes effect: the line is opened then.
fn first_dates(values: &[RowValues]) -> HashMap<String, NaiveDate> {
    let mut first_date: HashMap<String, NaiveDate> = HashMap::new();
    for v in values {
        let line = v.key.0.clone();
        let d = first_date.entry(line).or_insert(v.effective);
        *d = (*d).min(v.effective);
    }
    first_date
}

/// Why a row may not declare `line_code` as `spec` when `where_` declared it as `existing`: the
/// first differing field and the message, or `None` when both say the same.
fn redeclaration(
    line_code: &str,
    existing: &LineSpec,
    where_row: Option<u32>,
    spec: &LineSpec,
) -> Option<(&'static str, Detail, String)> {
    let diffs = spec_differences(existing, spec);
    let (field, old, new) = diffs.first()?.clone();
    let where_ = where_row.map_or("the ledger".to_string(), |r| format!("row {r}"));
    let facts = Detail::field(
        field,
        None,
        FieldFault::Redeclared {
            line: line_code.to_string(),
            where_row,
            old,
            new,
        },
    );
    Some((
        field,
        facts,
        format!(
            "line {line_code:?} is already declared by {where_} with {}; this row says {}",
            diffs
                .iter()
                .map(|(f, old, _)| format!("{f} {old}"))
                .collect::<Vec<_>>()
                .join(", "),
            diffs
                .iter()
                .map(|(f, _, new)| format!("{f} {new}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Fields where two specs of the same line differ: (column, ledger's value, row's value).
fn spec_differences(old: &LineSpec, new: &LineSpec) -> Vec<(&'static str, String, String)> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "(empty)".into());
    // Free text compared in normal form: the ledger may hold it as typed before normalisation.
    let text = |o: &Option<String>| {
        o.as_deref()
            .map_or("(empty)".into(), |t| text::normal_form(t).into_owned())
    };
    let pairs = [
        ("program", old.program.clone(), new.program.clone()),
        ("project", opt(&old.project), opt(&new.project)),
        ("subproject", opt(&old.subproject), opt(&new.subproject)),
        (
            "capital",
            old.capital.as_str().to_string(),
            new.capital.as_str().to_string(),
        ),
        ("source", old.source.clone(), new.source.clone()),
        (
            "plan_year",
            old.plan_year.to_string(),
            new.plan_year.to_string(),
        ),
        (
            "origin",
            old.origin.as_str().to_string(),
            new.origin.as_str().to_string(),
        ),
        ("work", text(&old.work), text(&new.work)),
        ("name", text(&old.name), text(&new.name)),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).collect()
}

/// The allocations the ledger counts (not reversed), by (line, decision number, decision date).
type AllocationIndex<'a> =
    HashMap<(&'a str, &'a str, NaiveDate), Vec<&'a crate::core::rules::Recorded>>;

fn allocation_index(state: &State) -> AllocationIndex<'_> {
    let reversed: std::collections::HashSet<Uuid> = state
        .records()
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::Reverse { target, .. } => Some(*target),
            _ => None,
        })
        .collect();
    let mut index: AllocationIndex<'_> = HashMap::new();
    for r in state.records() {
        if let (Kind::Allocate { line, .. }, Some(d)) = (&r.event.kind, &r.event.document)
            && !reversed.contains(&r.event.id)
        {
            index
                .entry((line.as_str(), d.number.as_str(), d.date))
                .or_default()
                .push(r);
        }
    }
    index
}

/// A counted allocation of the same line under the same decision, recorded with other content:
/// importing the row would count the decision twice.
fn prior_allocation(index: &AllocationIndex<'_>, candidate: &Event) -> Option<String> {
    let Kind::Allocate { line, amount } = &candidate.kind else {
        return None;
    };
    let doc = candidate.document.as_ref()?;
    let recorded = index.get(&(line.as_str(), doc.number.as_str(), doc.date))?;
    recorded.iter().find(|r| r.event.id != candidate.id).map(|r| {
        let a = match &r.event.kind {
            Kind::Allocate { amount, .. } => amount.to_string(),
            _ => "?".to_string(),
        };
        format!(
            "line {line:?} already holds an allocation under decision {} of {}: {a} đồng at sequence {} (id {}); this row says {amount} đồng. The ledger does not overwrite: if the sheet corrects it, reverse that event first, then re-import",
            doc.number, doc.date, r.seq, r.event.id
        )
    })
}
