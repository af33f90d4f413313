//! Issue 14: schemas/openapi.json is a document tools can use: an operationId and tags on
//! every operation, the event schema by `$ref`, `known_at` typed, per-endpoint format enums,
//! and it passes an OpenAPI linter (openapi-spec-validator).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

fn spec() -> Value {
    serde_json::from_str(include_str!("../schemas/openapi.json")).unwrap()
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn every_operation_has_a_unique_operation_id_and_declared_tags() {
    let spec = spec();
    let declared: BTreeSet<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&spec) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        let tags = op["tags"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path}: no tags"));
        assert!(!tags.is_empty(), "{method} {path}: no tags");
        for t in tags {
            assert!(
                declared.contains(t.as_str().unwrap()),
                "{method} {path}: tag {t} undeclared"
            );
        }
    }
}

#[test]
fn events_refer_to_the_event_schema_and_knowledge_points_are_typed() {
    let spec = spec();
    let body = &spec["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["items"]["$ref"], "event.schema.json");
    for name in ["known_at", "known_at_required", "vs"] {
        let forms: Vec<Value> = spec["components"]["parameters"][name]["schema"]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not integer-or-date-time"))
            .clone();
        assert!(
            forms.contains(&serde_json::json!({"type": "integer", "minimum": 0})),
            "{name}"
        );
        assert!(
            forms.contains(&serde_json::json!({"type": "string", "format": "date-time"})),
            "{name}"
        );
    }
    // Each endpoint offers exactly the formats its handler negotiates.
    let formats = |path: &str| -> Vec<String> {
        let params = spec["paths"][path]["get"]["parameters"].as_array().unwrap();
        let format = params.iter().find(|p| p["name"] == "format").unwrap();
        format["schema"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(formats("/v1/balances"), ["json", "csv", "text"]);
    assert_eq!(formats("/v1/lines/{code}/trail"), ["json", "text"]);
    assert_eq!(formats("/v1/reports/summary"), ["text"]);
    assert_eq!(formats("/v1/reports/diff"), ["json", "text"]);
}

#[test]
fn the_document_passes_an_openapi_linter() {
    let Some(tool) = common::find_tool(&["openapi-spec-validator"], "linting the OpenAPI document")
    else {
        return;
    };
    let o = Command::new(tool)
        .arg(common::root().join("schemas/openapi.json"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A property-based client driven by the document (schemathesis, pinned in .ci/run) sends
/// schema-valid and invalid requests to every operation and checks every answer against the
/// document: no server error, only documented status codes, content types, headers and
/// bodies, invalid requests refused, authentication never ignored. Bounded (5 examples an
/// operation, a fixed seed) so it runs in seconds. Not sent: `POST /v1/admin/backup` (it
/// writes directories on this machine) and the endless event stream.
#[test]
fn a_property_based_client_driven_by_the_document_finds_no_disagreement() {
    let Some(tool) = common::find_tool(&["schemathesis", "st"], "the schema-driven API client")
    else {
        return;
    };
    let (tmp, db) = common::lung_phinh_store();
    let (token, entry) = common::credential("admin-1", "admin");
    let server = common::Server::start(&db, Some(&entry));
    let o = Command::new(tool)
        .arg("run")
        .arg(common::root().join("schemas/openapi.json"))
        .args([
            "--experimental=openapi-3.1",
            "--base-url",
            server.base.as_str(),
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "all",
            "--hypothesis-max-examples",
            "5",
            "--hypothesis-seed",
            "1",
        ])
        .args([
            "--hypothesis-suppress-health-check=filter_too_much",
            "--workers",
            "2",
        ])
        .args([
            "--exclude-path",
            "/v1/admin/backup",
            "--exclude-path",
            "/v1/events/stream",
        ])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        // Hypothesis keeps its example database in the working directory: not the repository.
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The event stream is not covered by the schema-driven client: every message it sends must
/// be what the document says (`event: event`, `id: SEQ`, `data:` a LoggedEvent whose `event`
/// is valid against the event schema), for every kind of event of the fixture.
#[test]
fn every_event_stream_message_is_a_logged_event_of_the_documented_shape() {
    use std::io::{BufRead, BufReader, Write};
    let spec = spec();
    let logged = jsonschema::options()
        .should_validate_formats(true)
        .build(&spec["components"]["schemas"]["LoggedEvent"])
        .unwrap();
    let event_schema: Value =
        serde_json::from_str(include_str!("../schemas/event.schema.json")).unwrap();
    let event = jsonschema::options()
        .should_validate_formats(true)
        .build(&event_schema)
        .unwrap();
    let (_tmp, db) = common::lung_phinh_store();
    let (token, entry) = common::credential("auditor-1", "auditor");
    let server = common::Server::start(&db, Some(&entry));
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /v1/events/stream?after=0 HTTP/1.0\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\r\n",
        server.addr
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let (mut seen, mut fields) = (0u64, Vec::<String>::new());
    let mut line = String::new();
    while seen < 277 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        let l = line.trim_end_matches(['\r', '\n']);
        if !l.is_empty() {
            fields.push(l.to_string());
            continue;
        }
        // A blank line ends a message (or the response head). HTTP/1.0: no chunk framing
        // between the lines.
        let message = std::mem::take(&mut fields);
        let Some(data) = message.iter().find_map(|f| f.strip_prefix("data:")) else {
            continue;
        };
        let data: Value = serde_json::from_str(data.trim()).unwrap();
        seen += 1;
        assert!(
            message
                .iter()
                .any(|f| f == "event: event" || f == "event:event"),
            "{message:?}"
        );
        let id = format!("id: {seen}");
        assert!(
            message
                .iter()
                .any(|f| *f == id || f.replace(' ', "") == id.replace(' ', "")),
            "{message:?}"
        );
        assert!(logged.is_valid(&data), "{data}");
        assert_eq!(data["seq"], seen);
        let errors: Vec<String> = event
            .iter_errors(&data["event"])
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "sequence {seen}: {errors:?}: {}",
            data["event"]
        );
    }
}
