//! Secrets and outside input (issue 11, items 10, 11, 12, 14, 15): the token never reaches the
//! config, hostile workbooks and claims files are refused without aborting, CSV outputs cannot
//! run formulas, and text is refused or normalised at the door.

use crate::common;
use common::{BIN, socai, text};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name)
}

/// Runs `socai --db DB ARGS…` with its address space capped at `mib` MiB, so that a runaway
/// allocation fails inside the test instead of taking the machine.
fn socai_capped(db: &Path, args: &[&str], mib: u64) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" \"$@\"", mib * 1024))
        .arg(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOCAI_DB")
        // The facts are asserted in the English words, as `common::socai` asks for them.
        .env("SOCAI_LANG", "en")
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// 10. `socai token new >> socai.toml` keeps the secret out of the config.

#[test]
fn token_new_shows_the_secret_on_stderr_only_and_stdout_is_the_hashed_entry() {
    let o = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["token", "new", "--name", "clerk-hoa", "--role", "recorder"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    let token = stderr.lines().nth(1).unwrap_or_default().to_string();
    assert!(token.starts_with("socai_") && token.len() > 40, "{stderr}");
    assert!(
        !stdout.contains(&token),
        "the token reached stdout: {stdout}"
    );
    assert!(
        !stdout.contains(&token[6..20]),
        "part of the token reached stdout"
    );
    // What `>> socai.toml` appends is a credential holding the token's hash.
    let config: toml::Table = toml::from_str(&stdout).unwrap();
    let entry = &config["credential"].as_array().unwrap()[0];
    assert_eq!(entry["name"].as_str(), Some("clerk-hoa"));
    assert_eq!(entry["role"].as_str(), Some("recorder"));
    let mut hash = Command::new(BIN)
        .env("SOCAI_LANG", common::TEST_LANG)
        .args(["token", "hash"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    hash.stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let hashed = hash.wait_with_output().unwrap();
    assert_eq!(
        entry["token_sha256"].as_str(),
        Some(text(&hashed.stdout).trim())
    );
}

// ---------------------------------------------------------------------------------------------
// 11. A workbook with one far cell is refused within bounded memory.

#[test]
fn a_workbook_with_a_far_cell_is_refused_naming_it_without_a_huge_allocation() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, cell) in [
        (
            "workbooks/line-then-cell-at-XFD1048576.xlsx",
            ", column XFD",
        ),
        (
            "workbooks/line-then-cell-at-AZ1000000.xlsx",
            "row 1000000, column AZ",
        ),
        // ods: 824 bytes that cost 3.2 GB and 20 s before its bounds were checked first.
        (
            "workbooks/line-then-cell-at-AZ1000000.ods",
            "row 1000000, column AZ",
        ),
        (
            "workbooks/line-then-cell-at-XFD1048576.ods",
            "row 1048576, column XFD",
        ),
    ] {
        let db = tmp.path().join(file.replace('/', "-"));
        let path = corpus(file);
        // Before the fix: an abort on a 512 GB allocation, and 1.6 GB for the AZ1000000 cell.
        let o = socai_capped(&db, &["import-plan", path.to_str().unwrap()], 512);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains("too_large") && err.contains(cell),
            "{file}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 12. A printed figure with too many decimals is a usage error, not a panic.

fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let events =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025/events.jsonl");
    let o = socai(&db, &["import", events.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    db
}

fn reconcile_one(db: &Path, measure: &str, printed: &str, unit: &str) -> Output {
    let claims = db.with_file_name(format!("claims-{unit}-{}.json", printed.len()));
    let file = serde_json::json!({"source": "drill", "claims": [
        {"id": "a", "measure": measure, "slice": {"kind": "total"}, "printed": printed, "unit": unit}
    ]});
    std::fs::write(&claims, file.to_string()).unwrap();
    socai(
        db,
        &[
            "reconcile",
            claims.to_str().unwrap(),
            "--as-of",
            "2025-11-20",
            "--plan-year",
            "2025",
        ],
    )
}

#[test]
fn a_claim_printed_with_27_decimals_exits_2_naming_the_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let db = demo_store(tmp.path());
    for (measure, printed, unit) in [
        ("plan", format!("38.996,{}", "0".repeat(27)), "trieu"),
        ("plan", format!("1,{}", "0".repeat(30)), "dong"),
        ("rate", format!("55,{}%", "3".repeat(28)), "percent"),
    ] {
        let o = reconcile_one(&db, measure, &printed, unit);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{printed}: {err}");
        assert!(err.contains("claim 1") && err.contains("decimals"), "{err}");
    }
    // The most decimals accepted are checked, not a panic: the total plan is 38.995.994.600 đồng.
    let o = reconcile_one(&db, "plan", "38,995994600", "ty");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = reconcile_one(&db, "plan", "38.995,994600000", "trieu");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

// ---------------------------------------------------------------------------------------------
// 14. No CSV output hands a spreadsheet a formula.

/// Events whose text fields start like formulas, and a transfer whose negative plan_delta
/// must stay a number.
/// Both lines share program and source: a transfer keeps them (issue 12).
const FORMULA_EVENTS: &[&str] = &[
    r#"{"id":"00000000-0000-4000-8000-00000000c001","type":"open_line","effective_date":"2025-01-02","line":"-L1","program":"-P","capital":"investment","source":"-S","plan_year":2025,"origin":"in_year","work":"=HYPERLINK(\"http://evil.example\",\"x\")"}"#,
    r#"{"id":"00000000-0000-4000-8000-00000000c002","type":"open_line","effective_date":"2025-01-02","line":"L2","program":"-P","capital":"investment","source":"-S","plan_year":2025,"origin":"in_year"}"#,
    r#"{"id":"00000000-0000-4000-8000-00000000c003","type":"allocate","effective_date":"2025-01-05","line":"-L1","amount":"1000","document":{"number":"=1+1","date":"2025-01-04","issuer":"@SUM(A1)"}}"#,
    r#"{"id":"00000000-0000-4000-8000-00000000c004","type":"transfer","effective_date":"2025-01-06","from":"-L1","to":"L2","amount":"100","document":{"number":"+cmd|' /C calc'!A0","date":"2025-01-06"}}"#,
];

/// Every field of a CSV text: none may start like a formula unless it is a number.
fn assert_no_formula(what: &str, csv_text: &str) -> Vec<Vec<String>> {
    // The excel-vi dialect (a BOM, `;`, decimal comma) or plain RFC 4180.
    let excel_vi = csv_text.starts_with('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if excel_vi { b';' } else { b',' })
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        for field in &record {
            let formula = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
            let point = if excel_vi {
                field.replace(',', ".")
            } else {
                field.to_string()
            };
            let number = point.parse::<rust_decimal::Decimal>().is_ok();
            assert!(
                !formula || number,
                "{what}: a spreadsheet would run {field:?}"
            );
        }
        rows.push(record.iter().map(str::to_string).collect());
    }
    rows
}

fn has_field(rows: &[Vec<String>], field: &str) -> bool {
    rows.iter().flatten().any(|f| f == field)
}

#[test]
fn csv_outputs_quote_text_that_starts_like_a_formula_and_keep_numbers_numeric() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let events = tmp.path().join("formulas.jsonl");
    std::fs::write(&events, FORMULA_EVENTS.join("\n") + "\n").unwrap();
    let o = socai(&db, &["import", events.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let o = socai(&db, &["export", "--format", "csv"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows = assert_no_formula("export", &text(&o.stdout));
    for quoted in ["'-L1", "'=1+1", "'@SUM(A1)", "'+cmd|' /C calc'!A0"] {
        assert!(
            has_field(&rows, quoted),
            "export lacks {quoted:?}: {rows:?}"
        );
    }
    assert!(
        has_field(&rows, "-100"),
        "the transfer's plan_delta is a number: {rows:?}"
    );

    let o = socai(
        &db,
        &[
            "report",
            "--as-of",
            "2025-12-31",
            "--plan-year",
            "2025",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows = assert_no_formula("report", &text(&o.stdout));
    assert!(
        has_field(&rows, "'=HYPERLINK(\"http://evil.example\",\"x\")"),
        "{rows:?}"
    );
    assert!(has_field(&rows, "'-P"), "{rows:?}");

    let o = socai(
        &db,
        &[
            "settlement",
            "--plan-year",
            "2025",
            "--as-of",
            "2025-12-31",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows = assert_no_formula("settlement", &text(&o.stdout));
    assert!(has_field(&rows, "'-L1"), "settlement lacks '-L1: {rows:?}");

    let server = common::Server::start(&db, None);
    let body = http_get(&server.addr, "/v1/balances?as_of=2025-12-31&format=csv");
    let rows = assert_no_formula("GET /v1/balances", &body);
    for quoted in ["'-L1", "'-P", "'-S"] {
        assert!(
            has_field(&rows, quoted),
            "balances lack {quoted:?}: {rows:?}"
        );
    }
    assert!(has_field(&rows, "900"), "{rows:?}");
}

/// A plain HTTP/1.1 GET on loopback; returns the body.
fn http_get(addr: &str, path: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    body.to_string()
}

// ---------------------------------------------------------------------------------------------
// 15. Text at the door: control characters refused, one NFC form, surrounding space trimmed.

const NFC_WORK: &str = "Trường mầm non Lùng Phình";

/// The works name as typed on three keyboards: NFC, NFD (combining marks), a trailing space.
fn work_spellings() -> [String; 3] {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = NFC_WORK.nfd().collect();
    assert_ne!(nfd, NFC_WORK);
    [NFC_WORK.to_string(), nfd, format!("{NFC_WORK} ")]
}

/// Three investment lines funding the same works, spelt three ways, each allocated.
fn works_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for (i, work) in work_spellings().iter().enumerate() {
        let open = serde_json::json!({
            "id": format!("00000000-0000-4000-8000-0000000d0{i}01"), "type": "open_line",
            "effective_date": "2025-01-02", "line": format!("W{i}"), "program": "DTTS",
            "capital": "investment", "source": "NSTW", "plan_year": 2025, "origin": "in_year",
            "work": work,
        });
        let alloc = serde_json::json!({
            "id": format!("00000000-0000-4000-8000-0000000d0{i}02"), "type": "allocate",
            "effective_date": "2025-01-05", "line": format!("W{i}"), "amount": "1000",
            "document": {"number": "1/QĐ-UBND", "date": "2025-01-04", "issuer": work},
        });
        lines.push(open.to_string());
        lines.push(alloc.to_string());
    }
    lines
}

fn works_count_claim(db: &Path, printed: &str) -> Output {
    let claims = db.with_file_name("works.json");
    let file = serde_json::json!({"source": "drill", "claims": [
        {"id": "works", "measure": "works", "slice": {"kind": "capital", "capital": "investment"},
         "printed": printed, "unit": "count"}
    ]});
    std::fs::write(&claims, file.to_string()).unwrap();
    socai(
        db,
        &[
            "reconcile",
            claims.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--plan-year",
            "2025",
        ],
    )
}

#[test]
fn one_works_name_typed_nfc_nfd_or_with_a_trailing_space_is_one_works() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = tmp.path().join("works.jsonl");
    std::fs::write(&file, works_lines().join("\n") + "\n").unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = works_count_claim(&db, "1");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    // Stored as NFC, trimmed: the export (import format) holds one spelling.
    let o = socai(&db, &["export"]);
    let exported = text(&o.stdout);
    assert_eq!(
        exported
            .matches(&format!("\"work\":\"{NFC_WORK}\""))
            .count(),
        3,
        "{exported}"
    );
    assert_eq!(
        exported
            .matches(&format!("\"issuer\":\"{NFC_WORK}\""))
            .count(),
        3
    );
    // Re-sending the same file is a no-op.
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert!(
        text(&o.stdout).contains("appended 0 events"),
        "{}",
        text(&o.stdout)
    );
}

/// A store written before normalisation holds the names as typed; it still opens, verifies,
/// counts one works, and re-sending the file it was made from adds nothing.
#[test]
fn a_store_with_names_stored_before_normalisation_keeps_its_meaning() {
    use socai::core::event::{self, Kind};
    use socai::ledger::Ledger;
    use socai::storage::OpenMode;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let lines = works_lines();
    let spellings = work_spellings();
    // What an earlier version stored: the text exactly as it came.
    let events: Vec<event::Event> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut e = event::parse_line(line).unwrap();
            let typed = spellings[i / 2].clone();
            match (&mut e.kind, &mut e.document) {
                (Kind::OpenLine(spec), _) => spec.work = Some(typed),
                (_, Some(d)) => d.issuer = Some(typed),
                _ => unreachable!(),
            }
            e
        })
        .collect();
    {
        let mut ledger = Ledger::open(&db, OpenMode::CreateIfMissing).unwrap();
        let now = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap();
        ledger.append(events, now).unwrap();
    }
    let o = socai(&db, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = works_count_claim(&db, "1");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    // The stored bytes keep their spellings (nothing is rewritten)…
    let o = socai(&db, &["export"]);
    assert!(text(&o.stdout).contains(&format!("\"work\":\"{NFC_WORK} \"")));
    // …and the file they came from, parsed normalised today, is the same events.
    let file = tmp.path().join("works.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let o = socai(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("appended 0 events"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn control_characters_in_text_are_refused_at_every_door_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let open = |work: &str| {
        serde_json::json!({
            "id": "00000000-0000-4000-8000-0000000e0001", "type": "open_line",
            "effective_date": "2025-01-02", "line": "L1", "program": "DTTS",
            "capital": "investment", "source": "NSTW", "plan_year": 2025, "origin": "in_year",
            "work": work,
        })
        .to_string()
    };
    // The CLI import.
    for bad in ["a\u{0}b", "a\nb", "\u{1b}[2J", "abc\u{202e}txt.exe"] {
        let file = tmp.path().join("bad.jsonl");
        std::fs::write(&file, open(bad) + "\n").unwrap();
        let o = socai(&db, &["import", file.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains("control_character") && err.contains("\"work\""),
            "{err}"
        );
    }
    // A plan table (CSV) cell.
    let plan = tmp.path().join("plan.csv");
    std::fs::write(
        &plan,
        "line,program,capital,source,plan_year,origin,name,amount,decision_number,decision_date\n\
         L1,DTTS,recurrent,NSTW,2025,in_year,Tên\u{7},1000,1/QĐ,2025-01-04\n",
    )
    .unwrap();
    let o = socai(&db, &["import-plan", plan.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("control_character") && err.contains("name"),
        "{err}"
    );
    // The HTTP API.
    let server = common::Server::start(&db, None);
    let body = open("a\u{0}b");
    let response = http_post(&server.addr, "/v1/events", &body);
    assert!(response.starts_with("HTTP/1.1 422"), "{response}");
    assert!(
        response.contains("control_character") && response.contains("work"),
        "{response}"
    );
    drop(server);
    let o = socai(&db, &["export"]);
    assert_eq!(text(&o.stdout), "", "nothing was appended");
}

/// A plain HTTP/1.1 POST of a JSON body on loopback; returns the whole response.
fn http_post(addr: &str, path: &str, body: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

// ---------------------------------------------------------------------------------------------
// 11 (ods): calamine expands an ods in full when it opens it; its bounds are checked first.

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An ods workbook with one sheet "plan": `rows` as text cells, then `tail` (raw row XML).
fn ods(rows: &[Vec<String>], tail: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut body = String::new();
    for row in rows {
        body.push_str("<table:table-row>");
        for cell in row {
            if cell.is_empty() {
                body.push_str("<table:table-cell/>");
            } else {
                body.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                    xml_escape(cell)
                ));
            }
        }
        body.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="plan">{body}{tail}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text, options) in [
        (
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            stored,
        ),
        (
            "content.xml",
            content.as_str(),
            SimpleFileOptions::default(),
        ),
        (
            "META-INF/manifest.xml",
            manifest,
            SimpleFileOptions::default(),
        ),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The shipped plan table (CSV) as rows of cells.
fn plan_rows() -> Vec<Vec<String>> {
    let csv_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/plan-2025/plan.csv");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_path(csv_path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn an_ods_plan_imports_like_its_csv_and_a_far_value_is_refused_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let csv_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/plan-2025/plan.csv");
    let from_csv = tmp.path().join("from-csv");
    let o = socai(&from_csv, &["import-plan", csv_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The same table as ods, with blank repeated rows and cells as LibreOffice writes them.
    let blank = r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
    let plan = tmp.path().join("plan.ods");
    std::fs::write(&plan, ods(&plan_rows(), blank)).unwrap();
    let from_ods = tmp.path().join("from-ods");
    let o = socai_capped(&from_ods, &["import-plan", plan.to_str().unwrap()], 512);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let export = |db: &Path| text(&socai(db, &["export"]).stdout);
    assert_eq!(export(&from_ods), export(&from_csv));
    // One value far away: before the check, 824 bytes of ods cost 3.2 GB and 20 s.
    for (tail, cell) in [
        (
            r#"<table:table-row table:number-rows-repeated="999989"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="51"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
            "row 1000000, column AZ",
        ),
        (
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#,
            "row 11, column XFD",
        ),
    ] {
        let far = tmp.path().join("far.ods");
        std::fs::write(&far, ods(&plan_rows(), tail)).unwrap();
        let db = tmp.path().join("far");
        let o = socai_capped(&db, &["import-plan", far.to_str().unwrap()], 512);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("too_large") && err.contains(cell), "{err}");
    }
}
