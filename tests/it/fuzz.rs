//! Fuzzing campaigns (proptest) of every parser of outside data: import JSON lines
//! (`event::parse_line`, `cli::read_events`), the stored-envelope decoder
//! (`store::envelope::decode`), the persisted index files (`index_codec::decode_*`, `index_codec::parse_*`),
//! claims files (`reconcile::parse_claims`, `reconcile::parse_vi`), `--known-at` values
//! (`known_at::parse`) and plan workbooks (`plan_import::read_workbook`, `ods_scan::check`). Inputs are random bytes and mutations of a committed corpus
//! (`tests/corpus/`). No input may panic, allocate without bound or append anything.
//!
//! Short by default; `PROPTEST_CASES=100000 cargo test --release --test fuzz` for a long run.

use std::path::Path;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use socai::core::event::{self, Event};
use socai::core::reconcile;
use socai::core::rules::Recorded;
use socai::io::jsonl::{InputError, read_events};
use socai::ledger::{AppendError, Ledger};
use socai::storage::{OpenMode, envelope};

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The committed corpus: one import line per line (valid and invalid).
fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut lines = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        lines.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
    }
    assert!(lines.len() >= 20, "the corpus is too small");
    lines
}

/// Valid envelopes of the corpus's valid events.
fn envelopes() -> Vec<Vec<u8>> {
    corpus()
        .iter()
        .filter_map(|l| event::parse_line(l).ok())
        .enumerate()
        .map(|(i, event)| {
            envelope::encode(&Recorded {
                seq: i as u64 + 1,
                recorded_at: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
                event,
                rules: socai::core::rule_data::CURRENT,
            })
            .unwrap()
        })
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Splice(usize, Vec<u8>),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(vec![
        b'"', b'{', b'}', b'[', b']', b':', b',', b'\\', b'0', b'9', b'-', b'.', b'e', 0xff, 0x00,
        b'\n',
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), interesting).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![
                b"\"amount\":\"-1\"".to_vec(),
                b"\"amount\":\"1e30\"".to_vec(),
                b"\"amount\":1".to_vec(),
                b"\"effective_date\":\"2025-02-30\"".to_vec(),
                b"\"type\":\"reverse\"".to_vec(),
                b"\"id\":null".to_vec(),
                b"99999999999999999999999999".to_vec(),
                b"\\ud800".to_vec(),
                "đồng".as_bytes().to_vec(),
                b"{\"a\":".repeat(200),
            ])
        )
            .prop_map(|(i, s)| Mutation::Splice(i, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => {
                let i = at(*i, bytes.len());
                bytes[i] ^= b | 1;
            }
            Mutation::Insert(i, b) => {
                let i = at(*i, bytes.len() + 1);
                bytes.insert(i, *b);
            }
            Mutation::Delete(i) if !bytes.is_empty() => {
                let i = at(*i, bytes.len());
                bytes.remove(i);
            }
            Mutation::Truncate(i) => {
                let i = at(*i, bytes.len() + 1);
                bytes.truncate(i);
            }
            Mutation::Splice(i, s) => {
                let i = at(*i, bytes.len() + 1);
                bytes.splice(i..i, s.iter().copied());
            }
            Mutation::Duplicate(a, b) if !bytes.is_empty() => {
                let a = at(*a, bytes.len());
                let b = at(*b, bytes.len());
                let (lo, hi) = (a.min(b), a.max(b));
                let part = bytes[lo..hi].to_vec();
                bytes.splice(hi..hi, part);
            }
            _ => {}
        }
    }
    bytes
}

/// Whatever `parse_line` accepts must survive the way back: written as JSON and parsed again,
/// it is the same event (nothing silently dropped or changed).
fn check_parse(text: &str) -> Result<(), TestCaseError> {
    if let Ok(e) = event::parse_line(text) {
        let again = event::parse_line(&event::to_json(&e).to_string());
        prop_assert_eq!(again.as_ref(), Ok(&e));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(400), ..ProptestConfig::default() })]

    #[test]
    fn parse_line_never_panics_on_random_text(text in any::<String>()) {
        check_parse(&text)?;
    }

    #[test]
    fn parse_line_never_panics_on_mutated_corpus_lines(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let corpus = corpus();
        let bytes = mutate(pick.get(&corpus).as_bytes().to_vec(), &mutations);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check_parse(text)?;
        }
        // And the file reader takes raw bytes (invalid UTF-8 included) without panicking.
        let _ = read_events(bytes.as_slice());
    }

    #[test]
    fn read_events_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        match read_events(bytes.as_slice()) {
            Ok(events) => prop_assert!(events.len() <= bytes.len()),
            Err(InputError::Bad { line_number, .. }) => {
                prop_assert!(line_number >= 1 && line_number <= bytes.len() + 1)
            }
            Err(InputError::Read(_)) => {}
        }
    }

    #[test]
    fn decode_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = envelope::decode(&bytes);
        // With the version byte right, the body decoder is reached.
        let mut v1 = vec![envelope::FORMAT_V1];
        v1.extend_from_slice(&bytes);
        let _ = envelope::decode(&v1);
    }

    #[test]
    fn decode_never_panics_on_mutated_envelopes(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let all = envelopes();
        let original = pick.get(&all).clone();
        let bytes = mutate(original.clone(), &mutations);
        if let Ok(record) = envelope::decode(&bytes) {
            // A mutation that still decodes yields a record that encodes (the store would then
            // catch it by the chain hash: the bytes differ).
            prop_assert!(envelope::encode(&record).is_ok());
        }
    }
}

fn claims_file() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025/claims.json"),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(300), ..ProptestConfig::default() })]

    #[test]
    fn parse_claims_never_panics_on_mutated_claims_files(
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bytes = mutate(claims_file().into_bytes(), &mutations);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = reconcile::parse_claims(text);
        }
    }

    #[test]
    fn parse_claims_and_numbers_never_panic_on_random_text(text in any::<String>()) {
        let _ = reconcile::parse_claims(&text);
        if let Ok(p) = reconcile::parse_vi(&text) {
            prop_assert!(p.value >= rust_decimal::Decimal::ZERO);
        }
        let _ = socai::core::known_at::parse(&text);
    }

    #[test]
    fn printed_numbers_of_any_length_never_panic(
        digits in "[0-9.,]{0,80}",
    ) {
        let _ = reconcile::parse_vi(&digits);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(32), ..ProptestConfig::default() })]

    /// Mutated batches go through the real append path: a refused batch appends nothing, and
    /// what is accepted was valid input (it survives a reopen).
    #[test]
    fn refused_input_appends_nothing(
        batches in prop::collection::vec(
            (prop::collection::vec(any::<prop::sample::Index>(), 1..5),
             prop::collection::vec(mutation(), 0..3)),
            1..6),
    ) {
        let corpus = corpus();
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("db");
        let mut ledger = Ledger::open(&db, OpenMode::CreateIfMissing).unwrap();
        let now: DateTime<Utc> = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
        for (picks, mutations) in &batches {
            let text: String = picks.iter().map(|p| format!("{}\n", p.get(&corpus))).collect();
            let bytes = mutate(text.into_bytes(), mutations);
            let before = ledger.records().to_vec();
            match read_events(bytes.as_slice()) {
                Err(_) => {}
                Ok(parsed) => {
                    let events: Vec<Event> = parsed.into_iter().map(|p| p.event).collect();
                    match ledger.append(events, now) {
                        Ok(_) => {}
                        Err(AppendError::Rejected { .. }) => {
                            prop_assert_eq!(ledger.records(), before.as_slice());
                        }
                        Err(AppendError::Store(e)) => panic!("store error: {e}"),
                    }
                }
            }
        }
        let records = ledger.records().to_vec();
        drop(ledger);
        let reopened = Ledger::open(&db, OpenMode::MustExist).unwrap();
        prop_assert_eq!(reopened.records(), records.as_slice());
    }
}

#[test]
fn a_huge_length_prefix_in_an_envelope_is_refused_without_allocating_it() {
    // Version 1, seq 1, time 0, then an id... replaced by a string length of 2^62: bincode's
    // varint for u64 is 253 followed by 8 bytes.
    let valid = &envelopes()[0];
    for cut in [2usize, 5, 12, 30] {
        let mut bytes = valid[..cut.min(valid.len())].to_vec();
        bytes.push(253);
        bytes.extend_from_slice(&(1u64 << 62).to_le_bytes());
        bytes.extend_from_slice(&[b'x'; 64]);
        assert!(envelope::decode(&bytes).is_err());
    }
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let deep = "[".repeat(60_000);
    assert!(event::parse_line(&deep).is_err());
    let deep = format!("{{\"id\":{}", "{\"a\":".repeat(20_000));
    assert!(event::parse_line(&deep).is_err());
}

/// Every kind of index file, as a rebuild of the Lùng Phình fixture writes them with a
/// checkpoint every 64 sequences: (kind, key, sealed bytes).
fn index_files() -> Vec<(&'static str, u64, Vec<u8>)> {
    use socai::storage::index_codec::{self, Builder, Manifest, Mark};
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&tmp.path().join("db"), OpenMode::CreateIfMissing).unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025/events.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let events: Vec<Event> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| event::parse_line(l).unwrap())
        .collect();
    ledger
        .append(events, DateTime::from_timestamp(1_767_225_600, 0).unwrap())
        .unwrap();
    let hashes: Vec<[u8; 32]> = (1..=ledger.head_seq())
        .map(|s| ledger.hash_of(s).unwrap())
        .collect();
    let (_, changes) = Builder::rebuild(ledger.state(), &hashes, 64);
    let mut files = vec![("lines", 0, changes.lines.unwrap())];
    files.extend(changes.blocks.into_iter().map(|(b, v)| ("block", b, v)));
    files.extend(
        changes
            .checkpoints
            .into_iter()
            .map(|(c, v)| ("checkpoint", c, v)),
    );
    files.extend(
        changes
            .head
            .into_iter()
            .map(|(l, v)| ("head", u64::from(l), v)),
    );
    for (slot, entries) in changes.trails.into_iter().take(3) {
        // No checksum of its own: the mark lists its digest (`trail_accepted`).
        files.push(("trail", u64::from(slot), entries.concat()));
    }
    let manifest = Manifest {
        lines: Some([1; 8]),
        heads: vec![[2; 8]; 40],
        blocks: vec![[3; 8]; 3],
        checkpoints: vec![(64, [4; 8]), (128, [5; 8])],
        trails: vec![index_codec::TrailSum::default(); 3],
    };
    let mark = Mark {
        format: index_codec::FORMAT,
        interval: 64,
        seq: 277,
        hash: hashes[276],
        manifest,
    };
    files.push(("mark", 0, index_codec::encode_mark(&mark)));
    files
}

/// Whether a trail file is accepted as the original one the harness listed (as the mark would).
fn trail_accepted(slot: u32, file: &[u8]) -> bool {
    use socai::storage::index_trail;
    static LISTED: std::sync::OnceLock<Vec<(u32, socai::storage::index_codec::TrailSum)>> =
        std::sync::OnceLock::new();
    let listed = LISTED.get_or_init(|| {
        index_files()
            .into_iter()
            .filter(|(kind, _, _)| *kind == "trail")
            .map(|(_, slot, file)| {
                let records = index_trail::parse_trail(slot as u32, &file, u64::MAX).unwrap();
                let entries: Vec<Vec<u8>> = records
                    .iter()
                    .map(|r| {
                        let stored = socai::storage::envelope::encode(r).unwrap();
                        let mut e = r.seq.to_be_bytes().to_vec();
                        e.extend_from_slice(&(stored.len() as u32).to_be_bytes());
                        e.extend_from_slice(&stored);
                        e
                    })
                    .collect();
                (
                    slot as u32,
                    index_trail::appended(Default::default(), &entries),
                )
            })
            .collect()
    });
    let Some((_, sum)) = listed.iter().find(|(s, _)| *s == slot) else {
        return false;
    };
    index_trail::decode_trail(slot, file, sum, u64::MAX).is_ok()
}

/// Decodes an index file of `kind` through its checksum, and its payload directly (as if the
/// checksum had been forged), using whatever it yields.
fn decode_index_file(kind: &str, key: u64, sealed: &[u8], payload: &[u8]) -> bool {
    use socai::storage::{index_codec, index_trail};
    let mut sums = std::collections::HashMap::new();
    let _ = match kind {
        "lines" => index_codec::parse_lines(payload).map(|l| l.len()),
        "block" => index_codec::parse_block(key, payload).map(|b| {
            b.add(0, u64::MAX, i32::MAX, &mut sums);
            usize::from(b.hash_of(key * index_codec::BLOCK + 5).is_some())
        }),
        "checkpoint" => index_codec::parse_checkpoint(key, payload)
            .and_then(|t| {
                t.iter()
                    .map(|t| index_codec::table_at(t, 739_000))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map(|t| t.len()),
        "head" => index_codec::table_at(payload, 739_000).map(|_| 1),
        "trail" => index_trail::parse_trail(key as u32, payload, u64::MAX).map(|r| r.len()),
        _ => index_codec::parse_mark(payload).map(|m| m.manifest.blocks.len()),
    };
    match kind {
        "lines" => index_codec::decode_lines(sealed).is_ok(),
        "block" => index_codec::decode_block(key, sealed).is_ok(),
        "checkpoint" => index_codec::decode_checkpoint(key, sealed).is_ok(),
        "head" => index_codec::decode_head_table(key as u32, sealed).is_ok(),
        "trail" => trail_accepted(key as u32, sealed),
        _ => index_codec::decode_mark(sealed).is_ok(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// The index files are stored bytes: a mutated file never panics a decoder, even when its
    /// checksum is forged, and is never accepted through its checksum.
    #[test]
    fn mutated_index_files_never_panic_and_fail_their_checksum(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        static FILES: std::sync::OnceLock<Vec<(&'static str, u64, Vec<u8>)>> = std::sync::OnceLock::new();
        let files = FILES.get_or_init(index_files);
        let (kind, key, original) = pick.get(files);
        prop_assert!(decode_index_file(kind, *key, original, &original[..original.len() - 8]));
        let sealed = mutate(original.clone(), &mutations);
        let payload = mutate(original[..original.len() - 8].to_vec(), &mutations);
        let accepted = decode_index_file(kind, *key, &sealed, &payload);
        // A trail is served up to the length the mark lists: bytes after it are ignored.
        let same = &sealed == original || (*kind == "trail" && sealed.starts_with(original));
        prop_assert!(!accepted || same, "a mutated {} was accepted", kind);
    }
}

/// An xlsx holding a plan header in row 1 and one value at (row, column), 0-based.
fn workbook_with_a_cell_at(row: u32, column: u16) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "line").unwrap();
    sheet.write_string(row, column, "x").unwrap();
    book.save_to_buffer().unwrap()
}

proptest! {
    // Few cases by default: writing each workbook takes about half a second in a debug build.
    #![proptest_config(ProptestConfig { cases: cases(12), ..ProptestConfig::default() })]

    /// A value anywhere on the sheet (up to XFD1048576) is read or refused; before the cells
    /// were read lazily, a far one made calamine allocate rows × columns cells (512 GB: abort).
    #[test]
    fn a_value_anywhere_on_a_sheet_is_read_or_refused_without_a_dense_grid(
        row in 0u32..1_048_576,
        column in 0u16..16_384,
    ) {
        let bytes = workbook_with_a_cell_at(row, column);
        let far = row >= socai::io::sheet_cells::MAX_SHEET_ROWS
            || u32::from(column) >= socai::io::sheet_cells::MAX_COLUMNS;
        match socai::io::plan_import::read_workbook(bytes, "fuzz.xlsx", None) {
            Ok(table) => prop_assert!(!far && table.rows.len() <= 2),
            Err(e) => {
                prop_assert!(far, "{e}");
                prop_assert_eq!(e.rejection.code.as_str(), "too_large");
            }
        }
    }
}

#[test]
fn the_committed_far_cell_workbooks_are_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/workbooks");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let refused = socai::io::plan_import::read_workbook(bytes, "corpus", None);
        assert!(refused.is_err(), "{}", path.display());
    }
}

/// A zip holding only `content.xml` with one table of `rows`: (rows repeated, cells as
/// (columns repeated, holds a value)).
fn ods_content(rows: &[(u64, Vec<(u64, bool)>)]) -> Vec<u8> {
    use std::io::Write;
    let mut body = String::new();
    for (repeat, cells) in rows {
        body.push_str(&format!(
            "<table:table-row table:number-rows-repeated=\"{repeat}\">"
        ));
        for (columns, valued) in cells {
            let value = if *valued {
                " office:value-type=\"float\" office:value=\"1\""
            } else {
                ""
            };
            body.push_str(&format!(
                "<table:table-cell table:number-columns-repeated=\"{columns}\"{value}/>"
            ));
        }
        body.push_str("</table:table-row>");
    }
    let content = format!(
        "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"t\">{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    /// The ods scan refuses exactly the sheets with a value outside the bounds, counting
    /// repeated rows and cells without expanding them.
    #[test]
    fn the_ods_scan_refuses_exactly_values_out_of_bounds(
        rows in prop::collection::vec(
            (1u64..200_000, prop::collection::vec((1u64..100, any::<bool>()), 0..4)),
            0..8,
        ),
    ) {
        use socai::io::sheet_cells::{MAX_COLUMNS, MAX_SHEET_ROWS};
        let mut far = false;
        let mut row = 0u64;
        for (repeat, cells) in &rows {
            let mut column = 0u64;
            for (columns, valued) in cells {
                if *valued {
                    far |= column + columns > u64::from(MAX_COLUMNS)
                        || row + repeat > u64::from(MAX_SHEET_ROWS);
                }
                column += columns;
            }
            row += repeat;
        }
        let result = socai::io::ods_scan::check(&ods_content(&rows), "fuzz.ods");
        prop_assert_eq!(result.is_err(), far, "{:?}", result);
    }
}
