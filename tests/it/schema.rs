//! `schemas/event.schema.json` (JSON Schema 2020-12 of one import line) against the fixtures and
//! against the parser, `socai::core::event::parse_value`.
//!
//! Every check runs the schema twice: once as a generic 2020-12 validator reads it (`format` is
//! an annotation only) and once with `format` asserted. The two must always agree: the schema's
//! patterns alone carry the whole contract, `format` only helps tools.
//!
//! Where the parser and the schema legitimately disagree, `known_differences` lists the case and
//! says why; everything else must agree exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jsonschema::Validator;
use serde_json::{Map, Value, json};
use socai::core::event::{Event, Kind, parse_line, parse_value, to_json};
use socai::core::rejection::Code;

const SCHEMA_DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load_schema() -> Value {
    let path = manifest_dir().join("schemas/event.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The schema, compiled twice, plus one validator per event type (for precise error messages)
/// and one per `$defs` entry (for exhaustive checks of a single definition).
struct Schema {
    doc: Value,
    annotating: Validator,
    asserting: Validator,
    per_type: BTreeMap<String, Validator>,
    per_def: BTreeMap<String, Validator>,
}

impl Schema {
    fn load() -> Schema {
        let doc = load_schema();
        jsonschema::meta::validate(&doc)
            .unwrap_or_else(|e| panic!("the schema is not a valid 2020-12 schema: {e}"));
        assert_eq!(doc["$schema"], SCHEMA_DRAFT);
        let annotating = jsonschema::validator_for(&doc).unwrap();
        let asserting = jsonschema::options()
            .should_validate_formats(true)
            .build(&doc)
            .unwrap();
        let defs = doc["$defs"].clone();
        let mut per_type = BTreeMap::new();
        for (name, branch) in branches(&doc) {
            let mut sub = branch.clone();
            sub.insert("$schema".into(), json!(SCHEMA_DRAFT));
            sub.insert("$defs".into(), defs.clone());
            per_type.insert(
                name,
                jsonschema::validator_for(&Value::Object(sub)).unwrap(),
            );
        }
        let mut per_def = BTreeMap::new();
        for name in defs.as_object().unwrap().keys() {
            let sub = json!({
                "$schema": SCHEMA_DRAFT,
                "$defs": defs,
                "$ref": format!("#/$defs/{name}"),
            });
            per_def.insert(name.clone(), jsonschema::validator_for(&sub).unwrap());
        }
        Schema {
            doc,
            annotating,
            asserting,
            per_type,
            per_def,
        }
    }

    /// The schema's verdict; panics if asserting `format` would change it.
    fn accepts(&self, event: &Value) -> bool {
        let plain = self.annotating.is_valid(event);
        let strict = self.asserting.is_valid(event);
        assert_eq!(
            plain, strict,
            "asserting `format` changes the verdict on {event}: the patterns and the formats disagree"
        );
        plain
    }

    /// Why the schema refuses `event`: the errors of the branch its `type` selects, if any.
    fn errors(&self, event: &Value) -> Vec<String> {
        if self.accepts(event) {
            return Vec::new();
        }
        let validator = event
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| self.per_type.get(t))
            .unwrap_or(&self.annotating);
        let mut errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
            .collect();
        if errors.is_empty() {
            errors.push("refused by the schema (no branch-level error)".into());
        }
        errors
    }

    fn def_accepts(&self, def: &str, value: &Value) -> bool {
        self.per_def
            .get(def)
            .unwrap_or_else(|| panic!("the schema has no $defs/{def}"))
            .is_valid(value)
    }

    fn def(&self, name: &str) -> &Value {
        &self.doc["$defs"][name]
    }
}

/// The `oneOf` branches of the schema, by the `type` const each one requires.
fn branches(schema: &Value) -> Vec<(String, &Map<String, Value>)> {
    schema["oneOf"]
        .as_array()
        .expect("the schema is a oneOf over the event types")
        .iter()
        .map(|b| {
            let b = b.as_object().expect("each branch is an object schema");
            let name = b["properties"]["type"]["const"]
                .as_str()
                .expect("each branch pins `type` with a string const")
                .to_string();
            (name, b)
        })
        .collect()
}

fn properties(branch: &Map<String, Value>) -> &Map<String, Value> {
    branch["properties"].as_object().unwrap()
}

fn required(branch: &Map<String, Value>) -> BTreeSet<String> {
    branch["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

/// A valid value for a property schema of this schema. Codes and texts are derived from the
/// property name so that a parser mixing two fields up cannot round-trip.
fn sample(schema: &Value, prop: &Value, name: &str) -> Value {
    if let Some(c) = prop.get("const") {
        return c.clone();
    }
    if let Some(first) = prop.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(target) = prop.get("$ref").and_then(Value::as_str) {
        let def = target
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("unexpected $ref {target}"));
        return match def {
            "uuid" => json!("9a4c3e0f-5b7d-4e21-8c6a-0d2f1b3e5a79"),
            "date" => json!("2025-03-14"),
            "code" => json!(format!("C.{name}")),
            "amount" => json!("1500000"),
            "decimal" => json!("25.46"),
            "text" => json!(format!("text of {name}")),
            other => sample(schema, &schema["$defs"][other], name),
        };
    }
    if let Some(first) = prop.get("anyOf").and_then(|a| a.get(0)) {
        return sample(schema, first, name);
    }
    match prop.get("type").and_then(Value::as_str) {
        Some("integer") => prop["minimum"].clone(),
        Some("boolean") => json!(true),
        Some("object") => {
            let obj = prop.as_object().unwrap();
            Value::Object(
                properties(obj)
                    .iter()
                    .map(|(k, p)| (k.clone(), sample(schema, p, k)))
                    .collect(),
            )
        }
        _ => panic!("no sample value for property {name:?}: {prop}"),
    }
}

/// The event of `type_name` with only its required properties.
fn minimal(schema: &Value, type_name: &str) -> Map<String, Value> {
    let (_, branch) = branches(schema)
        .into_iter()
        .find(|(n, _)| n == type_name)
        .unwrap_or_else(|| panic!("the schema has no {type_name} branch"));
    let req = required(branch);
    properties(branch)
        .iter()
        .filter(|(k, _)| req.contains(*k))
        .map(|(k, p)| (k.clone(), minimal_value(schema, p, k)))
        .collect()
}

/// Like `sample`, but objects (the document) get only their required properties.
fn minimal_value(schema: &Value, prop: &Value, name: &str) -> Value {
    let resolved = match prop.get("$ref").and_then(Value::as_str) {
        Some(t) => &schema["$defs"][t.trim_start_matches("#/$defs/")],
        None => prop,
    };
    if resolved.get("type").and_then(Value::as_str) == Some("object") {
        let obj = resolved.as_object().unwrap();
        let req = required(obj);
        return Value::Object(
            properties(obj)
                .iter()
                .filter(|(k, _)| req.contains(*k))
                .map(|(k, p)| (k.clone(), sample(schema, p, k)))
                .collect(),
        );
    }
    sample(schema, prop, name)
}

fn parser_accepts(event: &Value) -> bool {
    parse_value(event).is_ok()
}

/// Parser and schema give the same verdict, and it is `expected`.
#[track_caller]
fn assert_both(schema: &Schema, event: &Value, expected: bool, what: &str) {
    let parsed = parse_value(event);
    let by_schema = schema.accepts(event);
    assert_eq!(
        parsed.is_ok(),
        expected,
        "{what}: the parser {} {event}: {parsed:?}",
        if expected { "refuses" } else { "accepts" }
    );
    assert_eq!(
        by_schema,
        expected,
        "{what}: the schema {} {event}: {:?}",
        if expected { "refuses" } else { "accepts" },
        schema.errors(event)
    );
}

/// Every `*.jsonl` file under `dir`, recursively, in a stable order.
fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            jsonl_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "jsonl") {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// a. The fixtures.

#[test]
fn every_fixture_event_satisfies_the_schema() {
    let schema = Schema::load();
    let root = manifest_dir().join("replay-fixtures");
    let mut files = Vec::new();
    jsonl_files(&root, &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("lung-phinh-2025/events.jsonl")),
        "expected replay-fixtures/lung-phinh-2025/events.jsonl among {files:?}"
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let shown = file.strip_prefix(manifest_dir()).unwrap_or(file).display();
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            // `socai import` skips blank lines; so does this check.
            if line.trim().is_empty() {
                continue;
            }
            checked += 1;
            let at = format!("{shown}:{}", i + 1);
            let value: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{at}: not JSON: {e}"));
                    continue;
                }
            };
            let errors = schema.errors(&value);
            if !errors.is_empty() {
                failures.push(format!("{at}: {}", errors.join("; ")));
            } else if let Err(r) = parse_line(line) {
                failures.push(format!(
                    "{at}: the schema accepts it but the parser refuses it ({}: {}): schema and code have drifted",
                    r.code, r.message
                ));
            }
        }
    }
    assert!(checked > 0, "no events found under {}", root.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} fixture events fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// b. The schema matches the code.

/// Every event type the parser can produce. The match below has no wildcard: a new `Kind`
/// stops this test from compiling until it is named here (and then in the schema).
const KINDS: [&str; 16] = [
    "open_line",
    "allocate",
    "reduce",
    "transfer",
    "carry_over",
    "disburse",
    "refund",
    "reverse",
    "lapse",
    "set_deadline",
    "advance",
    "commit",
    "open_work",
    "contribute",
    "register_document",
    "record_indicator",
];

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::OpenLine(_) => KINDS[0],
        Kind::Allocate { .. } => KINDS[1],
        Kind::Reduce { .. } => KINDS[2],
        Kind::Transfer { .. } => KINDS[3],
        Kind::CarryOver { .. } => KINDS[4],
        Kind::Disburse { .. } => KINDS[5],
        Kind::Refund { .. } => KINDS[6],
        Kind::Reverse { .. } => KINDS[7],
        Kind::Lapse { .. } => KINDS[8],
        Kind::SetDeadline { .. } => KINDS[9],
        Kind::Advance { .. } => KINDS[10],
        Kind::Commit { .. } => KINDS[11],
        Kind::OpenWork { .. } => KINDS[12],
        Kind::Contribute { .. } => KINDS[13],
        Kind::RegisterDocument(_) => KINDS[14],
        Kind::RecordIndicator(_) => KINDS[15],
    }
}

#[test]
fn the_schema_types_are_exactly_the_parser_types() {
    let schema = Schema::load();
    let names: Vec<String> = branches(&schema.doc).into_iter().map(|(n, _)| n).collect();
    let set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(set.len(), names.len(), "a type appears twice in {names:?}");
    assert_eq!(set, KINDS.into_iter().collect::<BTreeSet<_>>());

    for name in &names {
        let event = Value::Object(minimal(&schema.doc, name));
        assert_both(&schema, &event, true, &format!("minimal {name}"));
        let parsed = parse_value(&event).unwrap();
        assert_eq!(kind_name(&parsed.kind), name);
        assert_eq!(parsed.kind.type_name(), name);
    }

    // Not types: each is refused as `unknown_type` on an otherwise valid body.
    let base = minimal(&schema.doc, "allocate");
    for not_a_type in [
        "",
        "Allocate",
        "ALLOCATE",
        "allocate ",
        " allocate",
        "open-line",
        "openline",
        "carry-over",
        "carryover",
        "reversal",
        "delete",
        "update",
        "adjust",
        "transfer_in",
        "null",
    ] {
        let mut event = base.clone();
        event.insert("type".into(), json!(not_a_type));
        let event = Value::Object(event);
        let rejection = parse_value(&event).unwrap_err();
        assert_eq!(rejection.code, Code::UnknownType, "{not_a_type:?}");
        assert!(
            !schema.accepts(&event),
            "the schema accepts type {not_a_type:?}"
        );
    }
}

#[test]
fn each_type_has_exactly_the_schema_properties() {
    let schema = Schema::load();
    let doc = &schema.doc;
    let all = branches(doc);

    // Every property name any branch defines, with a valid sample, plus names no branch has.
    let mut candidates: BTreeMap<String, Value> = BTreeMap::new();
    for (_, branch) in &all {
        for (k, p) in properties(branch) {
            candidates
                .entry(k.clone())
                .or_insert_with(|| sample(doc, p, k));
        }
    }
    for extra in [
        "extra",
        "Line",
        "AMOUNT",
        "amount_vnd",
        "lines",
        "comment",
        "number",
        "date",
        "issuer",
        "documents",
        "plan",
        "seq",
        "hash",
    ] {
        candidates.entry(extra.into()).or_insert_with(|| json!("x"));
    }

    for (type_name, branch) in &all {
        let props = properties(branch);
        let req = required(branch);
        assert!(
            req.iter().all(|r| props.contains_key(r)),
            "{type_name}: a required property is not defined"
        );
        assert_eq!(
            branch.get("additionalProperties"),
            Some(&json!(false)),
            "{type_name}: unknown fields must be refused"
        );
        let min = minimal(doc, type_name);
        assert_both(&schema, &Value::Object(min.clone()), true, type_name);

        for (name, value) in &candidates {
            let mut event = min.clone();
            if props.contains_key(name) {
                if req.contains(name) {
                    // Each required property: without it, or null, both refuse.
                    event.remove(name);
                    let what = format!("{type_name} without {name}");
                    assert_both(&schema, &Value::Object(event.clone()), false, &what);
                    event.insert(name.clone(), Value::Null);
                    let what = format!("{type_name} with {name}: null");
                    assert_both(&schema, &Value::Object(event), false, &what);
                } else {
                    // Each optional property: present, or null (= absent), both accept. The value
                    // is this type's sample: two types may give one name different meanings
                    // (reverse's `target` is an event id, record_indicator's a planned figure).
                    event.insert(name.clone(), sample(doc, &props[name], name));
                    let what = format!("{type_name} with {name}");
                    assert_both(&schema, &Value::Object(event.clone()), true, &what);
                    event.insert(name.clone(), Value::Null);
                    let what = format!("{type_name} with {name}: null");
                    assert_both(&schema, &Value::Object(event), true, &what);
                }
            } else {
                // Any other property, even one valid on another type, and even as null: refused.
                event.insert(name.clone(), value.clone());
                let what = format!("{type_name} with foreign field {name}");
                assert_both(&schema, &Value::Object(event.clone()), false, &what);
                event.insert(name.clone(), Value::Null);
                let what = format!("{type_name} with foreign field {name}: null");
                assert_both(&schema, &Value::Object(event), false, &what);
            }
        }

        // With every property set, the parser keeps every one of them: the export writes the
        // same object back.
        let full: Map<String, Value> = props
            .iter()
            .map(|(k, p)| (k.clone(), sample(doc, p, k)))
            .collect();
        let full = Value::Object(full);
        assert_both(
            &schema,
            &full,
            true,
            &format!("{type_name} with every property"),
        );
        let event: Event = parse_value(&full).unwrap();
        assert_eq!(to_json(&event), full, "{type_name}: a property is lost");
    }
}

#[test]
fn the_document_has_exactly_the_schema_properties() {
    let schema = Schema::load();
    let doc = &schema.doc;
    let def = schema.def("document").as_object().unwrap();
    let props = properties(def);
    let req = required(def);
    assert_eq!(def.get("additionalProperties"), Some(&json!(false)));

    for (type_name, branch) in branches(doc) {
        let has_document = properties(branch).contains_key("document");
        assert_eq!(
            has_document,
            !matches!(type_name.as_str(), "open_line" | "open_work"),
            "{type_name}: document is required on every type but open_line and open_work (whose decision is its document)"
        );
        assert_eq!(required(branch).contains("document"), has_document);
        if !has_document {
            continue;
        }
        let min = minimal(doc, &type_name);
        let with_document = |document: Value| {
            let mut event = min.clone();
            event.insert("document".into(), document);
            Value::Object(event)
        };
        let base = min["document"].as_object().unwrap().clone();
        for (name, p) in props {
            let mut d = base.clone();
            if req.contains(name) {
                d.remove(name);
                let what = format!("{type_name}: document without {name}");
                assert_both(
                    &schema,
                    &with_document(Value::Object(d.clone())),
                    false,
                    &what,
                );
                d.insert(name.clone(), Value::Null);
                let what = format!("{type_name}: document.{name} null");
                assert_both(&schema, &with_document(Value::Object(d)), false, &what);
            } else {
                d.insert(name.clone(), sample(doc, p, name));
                let what = format!("{type_name}: document with {name}");
                assert_both(
                    &schema,
                    &with_document(Value::Object(d.clone())),
                    true,
                    &what,
                );
                d.insert(name.clone(), Value::Null);
                let what = format!("{type_name}: document.{name} null");
                assert_both(&schema, &with_document(Value::Object(d)), true, &what);
            }
        }
        for extra in ["extra", "Number", "kind", "url", "amount", "line"] {
            let mut d = base.clone();
            d.insert(extra.into(), json!("x"));
            let what = format!("{type_name}: document with {extra}");
            assert_both(&schema, &with_document(Value::Object(d)), false, &what);
        }
        for not_an_object in [
            json!("44/KH-UBND"),
            json!(["44/KH-UBND"]),
            json!(44),
            json!(true),
        ] {
            let what = format!("{type_name}: document {not_an_object}");
            assert_both(&schema, &with_document(not_an_object), false, &what);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// c. Edge cases.

/// `base` with the value at `pointer` replaced (`Some`) or removed (`None`). The pointer's
/// parent must exist.
fn edit(mut base: Value, pointer: &str, value: Option<Value>) -> Value {
    if pointer.is_empty() {
        return value.unwrap_or(Value::Null);
    }
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let obj = base
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent:?}"));
    match value {
        Some(v) => {
            obj.insert(key.to_string(), v);
        }
        None => {
            obj.remove(key);
        }
    }
    base
}

fn base_events() -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        (
            "open_line",
            json!({
                "id": "c12bcd73-d691-5a07-a8cb-e3744a8ade2b",
                "type": "open_line",
                "effective_date": "2025-01-02",
                "line": "2025/DTTS/DT/DA1/NSTW",
                "program": "DTTS",
                "project": "DA1",
                "capital": "investment",
                "source": "NSTW",
                "plan_year": 2025,
                "origin": "in_year",
                "work": "Công trình 01 (minh họa) – Đường nội bản",
                "name": "DA1 – vốn đầu tư NSTW 2025",
                "actor": "ke-toan-xa",
            }),
        ),
        (
            "allocate",
            json!({
                "id": "6a8befbb-a195-5339-bc5a-d9a994bb5d67",
                "type": "allocate",
                "effective_date": "2025-09-08",
                "line": "2025/DTTS/DT/DA1/NSTW",
                "amount": "1500000000",
                "document": {"number": "44/KH-UBND", "date": "2025-09-08", "issuer": "UBND xã Lùng Phình"},
                "note": "giao vốn",
            }),
        ),
        (
            "transfer",
            json!({
                "id": "a4dd010b-7a0c-58cb-b5ff-cc2f204b4dcd",
                "type": "transfer",
                "effective_date": "2025-09-15",
                "from": "2025/DTTS/DT/DA1/NSTW",
                "to": "2025/DTTS/DT/DA2/NSTW",
                "amount": "250000000",
                "document": {"number": "49/KH-UBND", "date": "2025-09-15"},
            }),
        ),
        (
            "disburse",
            json!({
                "id": "2e379dc8-8614-56c7-919f-de9fae4d376a",
                "type": "disburse",
                "effective_date": "2025-10-01",
                "line": "2025/DTTS/DT/DA1/NSTW",
                "amount": "300000000",
                "payee": "Công ty TNHH Xây dựng (minh họa)",
                "document": {"number": "UNC 0123", "date": "2025-10-01"},
            }),
        ),
        (
            "reverse",
            json!({
                "id": "78a218f6-784e-5384-b7cc-a616e8cb7b0b",
                "type": "reverse",
                "effective_date": "2025-10-02",
                "target": "2e379dc8-8614-56c7-919f-de9fae4d376a",
                "reason": "ghi nhầm số tiền",
                "document": {"number": "BB 02", "date": "2025-10-02"},
            }),
        ),
    ])
}

const OK: bool = true;
const NO: bool = false;

/// Replace the field with this value.
fn set(value: Value, verdict: bool) -> (Option<Value>, bool) {
    (Some(value), verdict)
}

/// Remove the field.
fn unset(verdict: bool) -> (Option<Value>, bool) {
    (None, verdict)
}

/// A string of `n` copies of `s`.
fn rep(n: usize, s: &str) -> Value {
    json!(s.repeat(n))
}

/// (base event type, JSON pointer of the field, [(new value or None to remove it, the
/// parser's verdict)]). The schema must give the same verdict.
type Cases = (&'static str, &'static str, Vec<(Option<Value>, bool)>);

fn edge_cases() -> Vec<Cases> {
    let null = Value::Null;
    vec![
        // The event itself ("" is the whole event).
        (
            "allocate",
            "",
            vec![
                set(json!([1]), NO),
                set(json!("allocate"), NO),
                set(json!(5), NO),
                set(json!({}), NO),
                unset(NO), // null
            ],
        ),
        (
            "allocate",
            "/extra",
            vec![set(json!(1), NO), set(null.clone(), NO)],
        ),
        ("allocate", "/Line", vec![set(json!("L"), NO)]),
        ("allocate", "/payee", vec![set(json!("x"), NO)]),
        ("allocate", "/from", vec![set(json!("L"), NO)]),
        (
            "open_line",
            "/document",
            vec![set(json!({"number": "1", "date": "2025-01-02"}), NO)],
        ),
        ("open_line", "/amount", vec![set(json!("1"), NO)]),
        // id, type, target.
        (
            "allocate",
            "/id",
            vec![
                set(json!("6a8befbb-a195-5339-bc5a-d9a994bb5d67"), OK),
                set(json!("6A8BEFBB-A195-5339-B5FF-D9A994BB5D67"), OK),
                set(json!("00000000-0000-0000-0000-000000000000"), OK),
                set(json!("not-a-uuid"), NO),
                set(json!(""), NO),
                set(json!("6a8befbb-a195-5339-bc5a-d9a994bb5d6"), NO),
                set(json!("6a8befbb-a195-5339-bc5a-d9a994bb5d677"), NO),
                set(json!("6a8befbb-a195-5339-bc5a-d9a994bb5d6g"), NO),
                set(json!("6a8befbba-195-5339-bc5a-d9a994bb5d67"), NO),
                set(json!(" 6a8befbb-a195-5339-bc5a-d9a994bb5d67"), NO),
                set(json!("6a8befbb-a195-5339-bc5a-d9a994bb5d67\n"), NO),
                set(json!(5), NO),
                set(null.clone(), NO),
                unset(NO),
            ],
        ),
        (
            "allocate",
            "/type",
            vec![set(json!(5), NO), set(null.clone(), NO), unset(NO)],
        ),
        (
            "reverse",
            "/target",
            vec![set(json!("2e379dc8"), NO), set(json!(7), NO), unset(NO)],
        ),
        // Dates: the calendar, 2000–2100, and the exact YYYY-MM-DD shape.
        (
            "allocate",
            "/effective_date",
            vec![
                set(json!("2000-01-01"), OK),
                set(json!("2100-12-31"), OK),
                set(json!("2024-02-29"), OK),
                set(json!("2000-02-29"), OK), // divisible by 400
                set(json!("2025-02-29"), NO),
                set(json!("2100-02-29"), NO), // divisible by 100, not by 400
                set(json!("2025-02-30"), NO),
                set(json!("2025-04-31"), NO),
                set(json!("2025-13-01"), NO),
                set(json!("2025-00-10"), NO),
                set(json!("2025-01-00"), NO),
                set(json!("1999-12-31"), NO),
                set(json!("2101-01-01"), NO),
                set(json!("2025-1-05"), NO),
                set(json!("2025/01/05"), NO),
                set(json!("05/01/2025"), NO),
                set(json!("20250105"), NO),
                set(json!("2025-01-05T00:00:00"), NO),
                set(json!("2025-01-05\n"), NO),
                set(json!(" 2025-01-05"), NO),
                set(json!("２０２５-01-05"), NO),
                set(json!("+2025-01-05"), NO),
                set(json!(20250105), NO),
                set(null.clone(), NO),
                unset(NO),
            ],
        ),
        (
            "allocate",
            "/document/date",
            vec![
                set(json!("2025-02-30"), NO),
                set(json!("2101-01-01"), NO),
                set(json!("08/9/2025"), NO),
            ],
        ),
        // Amounts: strings of ASCII digits, 0 < value ≤ 10^16.
        (
            "allocate",
            "/amount",
            vec![
                set(json!("1"), OK),
                set(json!("10000000000000000"), OK),
                set(json!("10000000000000001"), NO),
                set(json!("20000000000000000"), NO),
                set(json!("99999999999999999"), NO),
                set(json!("10000000000000000000"), NO), // beyond i64
                set(json!("0"), NO),
                set(json!("0000"), NO),
                set(json!("-1"), NO),
                set(json!("+1"), NO),
                set(json!("1.5"), NO),
                set(json!("1.0"), NO),
                set(json!("1,000"), NO),
                set(json!("1.000"), NO), // vi-VN grouping
                set(json!("1e3"), NO),
                set(json!(" 5"), NO),
                set(json!("5 "), NO),
                set(json!(""), NO),
                set(json!("٣"), NO), // an Arabic-Indic digit
                set(json!(5), NO),
                set(json!(1.5), NO),
                set(null.clone(), NO),
                unset(NO),
                // One spelling per amount: no leading zeros.
                set(json!("007"), NO),
                set(json!("00010000000000000000"), NO),
                set(json!("00000000000000000001"), NO),
                set(json!("000000000000000000001"), NO),
            ],
        ),
        // One spelling per id: only the hyphenated form `socai export` writes.
        (
            "allocate",
            "/id",
            vec![
                set(json!("6a8befbba1955339bc5ad9a994bb5d67"), NO),
                set(json!("{6a8befbb-a195-5339-bc5a-d9a994bb5d67}"), NO),
                set(json!("urn:uuid:6a8befbb-a195-5339-bc5a-d9a994bb5d67"), NO),
                set(json!("6A8BEFBB-A195-5339-BC5A-D9A994BB5D67"), OK),
            ],
        ),
        (
            "reverse",
            "/target",
            vec![set(json!("2e379dc8861456c7919fde9fae4d376a"), NO)],
        ),
        ("transfer", "/amount", vec![set(json!("0"), NO), unset(NO)]),
        ("disburse", "/amount", vec![set(json!("-300"), NO)]),
        // Codes: [A-Za-z0-9._:/-]{1,128}.
        (
            "allocate",
            "/line",
            vec![
                set(json!("A.b_c:d/e-f9"), OK),
                set(json!("L"), OK),
                set(rep(128, "a"), OK),
                set(rep(129, "a"), NO),
                set(json!(""), NO),
                set(json!("DA 1"), NO),
                set(json!("DA1\n"), NO),
                set(json!("dòng-1"), NO),
                set(json!("DA1,DA2"), NO),
                set(json!(5), NO),
                set(null.clone(), NO),
                unset(NO),
            ],
        ),
        ("transfer", "/from", vec![set(json!("a b"), NO), unset(NO)]),
        // Same line on both sides is a ledger rule (same_line), not a format error.
        (
            "transfer",
            "/to",
            vec![set(json!("2025/DTTS/DT/DA1/NSTW"), OK), unset(NO)],
        ),
        (
            "open_line",
            "/program",
            vec![set(rep(129, "P"), NO), unset(NO)],
        ),
        (
            "open_line",
            "/project",
            vec![set(null.clone(), OK), unset(OK), set(json!("DA 1"), NO)],
        ),
        (
            "open_line",
            "/subproject",
            vec![set(json!(""), NO), set(json!("TDA1"), OK)],
        ),
        (
            "open_line",
            "/source",
            vec![set(json!("NSĐP"), NO), unset(NO)],
        ),
        // open_line enums and plan year.
        (
            "open_line",
            "/capital",
            vec![
                set(json!("recurrent"), OK),
                set(json!("Investment"), NO),
                set(json!("operating"), NO),
                set(json!(""), NO),
                unset(NO),
            ],
        ),
        (
            "open_line",
            "/origin",
            vec![
                set(json!("carried_over"), OK),
                set(json!("extended"), OK),
                set(json!("carried-over"), NO),
                set(json!("in-year"), NO),
                unset(NO),
            ],
        ),
        (
            "open_line",
            "/plan_year",
            vec![
                set(json!(2000), OK),
                set(json!(2100), OK),
                set(json!(1999), NO),
                set(json!(2101), NO),
                set(json!(-2025), NO),
                set(json!("2025"), NO),
                set(json!(2025.5), NO),
                set(json!(1u64 << 40), NO),
                set(null.clone(), NO),
                unset(NO),
            ],
        ),
        // Documents.
        (
            "allocate",
            "/document",
            vec![
                unset(NO),
                set(null.clone(), NO),
                set(json!("44/KH-UBND"), NO),
                set(json!({}), NO),
                set(json!({"number": "44/KH-UBND"}), NO),
                set(json!({"date": "2025-09-08"}), NO),
            ],
        ),
        ("disburse", "/document", vec![unset(NO)]),
        ("reverse", "/document", vec![unset(NO)]),
        (
            "allocate",
            "/document/url",
            vec![set(json!("http://x"), NO)],
        ),
        (
            "allocate",
            "/document/number",
            vec![
                set(json!(""), NO),
                set(json!("  \t "), NO),
                set(json!("\u{3000}"), NO),
                set(json!(" 44/KH "), OK),
                set(json!(44), NO),
                set(rep(2000, "đ"), OK),
                set(rep(2001, "đ"), NO),
                unset(NO),
            ],
        ),
        (
            "allocate",
            "/document/issuer",
            vec![
                set(null.clone(), OK),
                unset(OK),
                set(json!(""), OK),
                set(json!(5), NO),
                set(rep(2001, "x"), NO),
            ],
        ),
        // Free text: at most 2000 characters (code points, not bytes or UTF-16 units).
        (
            "allocate",
            "/note",
            vec![
                set(rep(2000, "đ"), OK),
                set(rep(2001, "đ"), NO),
                set(rep(2000, "😀"), OK),
                set(rep(2001, "😀"), NO),
                set(null.clone(), OK),
                set(json!(5), NO),
                set(json!({"vi": "x"}), NO),
            ],
        ),
        (
            "allocate",
            "/actor",
            vec![set(json!(""), OK), set(json!(["a"]), NO)],
        ),
        (
            "open_line",
            "/actor",
            vec![set(null.clone(), OK), set(rep(2001, "a"), NO)],
        ),
        (
            "open_line",
            "/name",
            vec![set(rep(2000, "a"), OK), set(rep(2001, "a"), NO)],
        ),
        (
            "open_line",
            "/work",
            vec![set(json!(1), NO), set(null.clone(), OK)],
        ),
        (
            "disburse",
            "/payee",
            vec![set(null.clone(), OK), set(rep(2001, "a"), NO)],
        ),
        (
            "reverse",
            "/reason",
            vec![
                set(json!(""), NO),
                set(json!(" \t "), NO),
                set(rep(2000, "a"), OK),
                set(rep(2001, "a"), NO),
                set(null.clone(), NO),
                unset(NO),
            ],
        ),
    ]
}

/// A short rendering of a value for messages.
fn short(value: &Option<Value>) -> String {
    match value {
        None => "(removed)".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 60 {
                let head: String = text.chars().take(40).collect();
                format!("{head}… ({} chars)", text.chars().count())
            } else {
                text
            }
        }
    }
}

#[test]
fn parser_and_schema_agree_on_edge_cases() {
    let schema = Schema::load();
    let bases = base_events();
    for (name, base) in &bases {
        assert_both(&schema, base, true, &format!("base {name}"));
    }
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for (base, pointer, cases) in edge_cases() {
        for (value, expected) in cases {
            let what = format!("{base} {pointer:?} = {}", short(&value));
            let event = edit(bases[base].clone(), pointer, value);
            let parsed = parse_value(&event);
            let by_schema = schema.accepts(&event);
            checked += 1;
            if parsed.is_ok() != expected || by_schema != expected {
                disagreements.push(format!(
                    "{what}: expected {}, parser {} ({}), schema {} ({})",
                    verdict(expected),
                    verdict(parsed.is_ok()),
                    parsed.err().map(|r| r.to_string()).unwrap_or_default(),
                    verdict(by_schema),
                    schema.errors(&event).join("; ")
                ));
            }
        }
    }
    assert!(checked > 150);
    assert!(
        disagreements.is_empty(),
        "{} of {checked} edge cases disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

fn verdict(accepts: bool) -> &'static str {
    if accepts { "accept" } else { "refuse" }
}

/// The cases where parser and schema legitimately differ, and why. Each is asserted, so that
/// if the parser (or the schema) changes, the list is revisited.
///
/// Not among them: impossible dates such as 2025-02-30 and amounts above 10^16. The date
/// pattern spells out the calendar of 2000–2100 (month lengths and leap years) and the amount
/// pattern the range 1..=10^16, so those agree (see the exhaustive tests below).
#[test]
fn known_differences() {
    let schema = Schema::load();
    let bases = base_events();
    // (what, event, parser's verdict, schema's verdict, why)
    let cases: Vec<(&str, Value, bool, bool, &str)> = vec![(
        "plan_year written 2025.0",
        edit(
            bases["open_line"].clone(),
            "/plan_year",
            Some(json!(2025.0)),
        ),
        NO,
        OK,
        "JSON Schema's `integer` is mathematical (2025.0 is an integer) and cannot tell \
             2025.0 from 2025; serde_json reads 2025.0 as a float and the parser wants a JSON \
             integer",
    )];
    for (what, event, parser, by_schema, why) in &cases {
        assert_eq!(
            parser_accepts(event),
            *parser,
            "{what}: parser verdict changed ({why})"
        );
        assert_eq!(
            schema.accepts(event),
            *by_schema,
            "{what}: schema verdict changed ({why})"
        );
    }

    // The import line is limited to 64 KiB of JSON text; a schema validates the decoded value
    // and cannot see how it was written. Four 2000-character fields of astral characters,
    // written as \u escapes (12 bytes a character), make a valid value in a too-long line.
    let mut event = bases["open_line"].clone();
    for field in ["name", "work", "actor", "note"] {
        event[field] = json!("😀".repeat(2000));
    }
    assert!(schema.accepts(&event) && parser_accepts(&event));
    let line = serde_json::to_string(&event)
        .unwrap()
        .replace('😀', "\\ud83d\\ude00");
    assert!(line.len() > socai::core::event::MAX_LINE_BYTES);
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), event);
    assert_eq!(parse_line(&line).unwrap_err().code, Code::TooLarge);
}

// ---------------------------------------------------------------------------------------------
// Exhaustive checks of single definitions against the parser.

#[test]
fn the_date_pattern_is_exactly_the_parser_calendar() {
    let schema = Schema::load();
    let base = base_events()["allocate"].clone();
    let mut checked = 0;
    for year in [0, 999, 1900, 1999, 2101, 2999, 9999]
        .into_iter()
        .chain(2000..=2100)
    {
        for month in 0..=13 {
            for day in 0..=32 {
                let text = format!("{year:04}-{month:02}-{day:02}");
                let event = edit(base.clone(), "/effective_date", Some(json!(text)));
                let by_parser = parser_accepts(&event);
                let by_schema = schema.def_accepts("date", &json!(text));
                assert_eq!(
                    by_parser, by_schema,
                    "date {text}: parser {by_parser}, schema {by_schema}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40_000);
    // The format assertion agrees with the pattern on the whole calendar too (spot check through
    // the full schema, both validators).
    for text in [
        "2024-02-29",
        "2025-02-29",
        "2100-02-29",
        "2000-02-29",
        "2025-06-31",
    ] {
        let event = edit(base.clone(), "/effective_date", Some(json!(text)));
        assert_eq!(parser_accepts(&event), schema.accepts(&event), "{text}");
    }
}

#[test]
fn the_amount_pattern_is_exactly_the_parser_range() {
    let schema = Schema::load();
    let base = base_events()["allocate"].clone();
    let values = [
        "0",
        "1",
        "9",
        "10",
        "99",
        "100",
        "999999999999999",
        "1000000000000000",
        "9999999999999999",
        "10000000000000000",
        "10000000000000001",
        "10000000000000010",
        "11000000000000000",
        "19999999999999999",
        "99999999999999999",
        "100000000000000000",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
    ];
    for value in values {
        for zeros in 0..=21 {
            let text = format!("{}{value}", "0".repeat(zeros));
            let event = edit(base.clone(), "/amount", Some(json!(text)));
            let by_parser = parser_accepts(&event);
            let by_schema = schema.def_accepts("amount", &json!(text));
            assert_eq!(
                by_parser, by_schema,
                "amount {text:?}: parser {by_parser}, schema {by_schema}"
            );
            assert_eq!(by_schema, schema.accepts(&event), "amount {text:?}");
        }
    }
    for c in (0u32..0x300).filter_map(char::from_u32) {
        for text in [format!("{c}"), format!("1{c}"), format!("{c}1")] {
            let event = edit(base.clone(), "/amount", Some(json!(text)));
            let by_parser = parser_accepts(&event);
            let by_schema = schema.def_accepts("amount", &json!(text));
            assert_eq!(
                by_parser, by_schema,
                "amount {text:?}: parser {by_parser}, schema {by_schema}"
            );
        }
    }
}

#[test]
fn the_code_pattern_is_exactly_the_parser_alphabet() {
    let schema = Schema::load();
    let base = base_events()["allocate"].clone();
    let chars = (0u32..0x800)
        .chain([0x1e00, 0x1ea1, 0x2028, 0x3000, 0xfeff, 0xff10, 0x1f600])
        .filter_map(char::from_u32);
    for c in chars {
        for text in [
            format!("{c}"),
            format!("DA{c}1"),
            format!("{}{c}", "a".repeat(127)),
        ] {
            let event = edit(base.clone(), "/line", Some(json!(text)));
            let by_parser = parser_accepts(&event);
            let by_schema = schema.def_accepts("code", &json!(text));
            assert_eq!(
                by_parser, by_schema,
                "code {text:?}: parser {by_parser}, schema {by_schema}"
            );
        }
    }
}

/// The parser refuses a document number that `str::trim` empties, i.e. one made only of
/// Unicode White_Space; the schema's pattern spells that class out (it is not ECMA-262 `\s`,
/// which differs on U+0085 and U+FEFF).
#[test]
fn the_document_number_blank_check_is_exactly_the_parser_trim() {
    let schema = Schema::load();
    let base = base_events()["allocate"].clone();
    let mut blank = 0;
    for c in (0u32..0x10000).chain([0x1f600]).filter_map(char::from_u32) {
        let text = format!("{c}{c}");
        let event = edit(base.clone(), "/document/number", Some(json!(text)));
        let by_parser = parser_accepts(&event);
        let by_schema = schema.def_accepts("document", &event["document"]);
        assert_eq!(
            by_parser, by_schema,
            "document number {text:?} (U+{:04X}): parser {by_parser}, schema {by_schema}",
            c as u32
        );
        // Control characters (6 of them White_Space too) are refused as such (control_character).
        if !by_parser && !socai::core::text::is_refused(c) {
            blank += 1;
        }
    }
    assert_eq!(
        blank, 19,
        "Unicode White_Space has 25 characters, 6 of them controls"
    );
}
