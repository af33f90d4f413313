//! `socai replicate`: a local store holding the very same records as a running server's —
//! same sequences, recording times and chain hashes — checked record by record.
//!
//! Each record the source sends (`GET /v1/events?stored=true`: seq, hash and the stored
//! envelope, byte for byte) is decoded, re-checked against the rules that accepted it, and
//! chained verbatim on the replica's own head; the hash computed must be the one the source
//! gave. The bytes are never re-encoded: a source holding records of an older format version
//! (v1, v2 envelopes) is copied as it is, and its chain hashes stay valid. Before
//! copying, the source's hash at the replica's head must equal the replica's: a source whose
//! history was rewritten is found there, and the first differing sequence is found by
//! bisection. The transport (HTTP) is the door's: it implements `Source`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::app::error::{AppError, BadAnswer, Problem};
use crate::core::unit::Unit;
use crate::ledger::Ledger;
use crate::storage::{Hash, OpenMode, StoreError, UnitError, UnitRecord};

/// Records asked for per page (a server may allow fewer: the page then shrinks).
pub const PAGE: usize = 500;
/// How long `--follow` waits on the stream before it checks whether to stop.
pub const FOLLOW_WAIT: Duration = Duration::from_millis(500);
/// Stream failures in a row after which `--follow` gives up (each waits FOLLOW_WAIT more).
const FOLLOW_FAILURES: u32 = 20;

/// What a replica copies from: a server's read endpoints, as JSON values.
pub trait Source {
    /// The source, for messages and the replica's marker (a URL).
    fn describe(&self) -> String;
    /// `GET path` (with its query) as JSON; `Err` once retries are exhausted. A refusal by the
    /// server (4xx) comes back as `Err(SourceError::Refused)`.
    fn get(&mut self, path: &str) -> Result<Value, SourceError>;
    /// Waits up to `wait` for records after `after` (the event stream, for `--follow`); the
    /// same entries as a page's `events`. By default: one page, after a pause if empty.
    fn follow(&mut self, after: u64, wait: Duration) -> Result<Vec<Value>, SourceError> {
        let page = self.get(&page_path(after, PAGE))?;
        let events = page
            .get("events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if events.is_empty() {
            std::thread::sleep(wait);
        }
        Ok(events)
    }
}

#[derive(Debug)]
pub enum SourceError {
    /// The server answered with an error status (and its body).
    Refused { status: u16, body: String },
    /// The server could not be reached or did not answer in time (after retries).
    Unreachable(String),
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Refused { status, body } => write!(f, "HTTP {status}: {body}"),
            SourceError::Unreachable(m) => f.write_str(m),
        }
    }
}

pub struct Request {
    pub source: String,
    pub token: String,
    pub dir: PathBuf,
    pub follow: bool,
}

/// `GET /v1/events` for `limit` records after `after`, with their stored bytes.
pub fn page_path(after: u64, limit: usize) -> String {
    format!("/v1/events?after={after}&limit={limit}&stored=true")
}

/// One record as the source sent it: its chain hash and stored envelope.
struct Entry {
    seq: u64,
    hash: Hash,
    envelope: Vec<u8>,
}

fn source_error(source: &dyn Source, e: SourceError) -> AppError {
    let (status, detail) = match e {
        SourceError::Refused { status, body } => (Some(status), body),
        SourceError::Unreachable(m) => (None, m),
    };
    AppError::Output(Problem::SourceFailed {
        source: source.describe(),
        status,
        detail,
    })
}

fn bad_answer(source: &dyn Source, what: BadAnswer) -> AppError {
    AppError::Integrity(Problem::BadAnswer {
        source: source.describe(),
        what,
    })
}

/// Records copied into the replica: how many, the replica's head after them, and whether the
/// event stream announced them (`--follow`) or a page of the catch-up brought them. Worded
/// for people by `present::notices::replica_progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    pub count: u64,
    pub head: u64,
    pub streamed: bool,
}

/// Copies the source into the replica in `dir` until it has caught up (or, with `follow`,
/// until `stop` says so). `report` hears of each copied page. Returns the replica's head.
pub fn run(
    source: &mut dyn Source,
    dir: &Path,
    follow: bool,
    report: &mut dyn FnMut(Copied),
    stop: &dyn Fn() -> bool,
) -> Result<(u64, Option<Hash>), AppError> {
    let unit = source_unit(source)?;
    let mut ledger = open_replica(dir, &source.describe(), unit)?;
    check_same_history(source, &ledger)?;
    catch_up(source, &mut ledger, report, stop)?;
    let mut failures = 0;
    while follow && !stop() {
        match source.follow(ledger.head_seq(), FOLLOW_WAIT) {
            Ok(values) => {
                failures = 0;
                // The stream says records arrived; their stored bytes come by pages.
                if !values.is_empty() {
                    let before = ledger.head_seq();
                    catch_up(source, &mut ledger, &mut |_| {}, stop)?;
                    let count = ledger.head_seq() - before;
                    if count > 0 {
                        report(Copied {
                            count,
                            head: ledger.head_seq(),
                            streamed: true,
                        });
                    }
                }
            }
            Err(e) if failures < FOLLOW_FAILURES => {
                failures += 1;
                tracing::warn!("event stream: {e}; catching up by pages");
                std::thread::sleep(FOLLOW_WAIT);
                check_same_history(source, &ledger)?;
                catch_up(source, &mut ledger, report, stop)?;
            }
            Err(e) => return Err(source_error(source, e)),
        }
    }
    let head = ledger.head_seq();
    let hash = ledger.hash_of(head);
    ledger.close_for_exit();
    Ok((head, hash))
}

/// Pages through `GET /v1/events` until a page comes back empty.
fn catch_up(
    source: &mut dyn Source,
    ledger: &mut Ledger,
    report: &mut dyn FnMut(Copied),
    stop: &dyn Fn() -> bool,
) -> Result<(), AppError> {
    let mut limit = PAGE;
    loop {
        let after = ledger.head_seq();
        let page = match source.get(&page_path(after, limit)) {
            Err(SourceError::Refused { status: 400, body }) => {
                // Either the source holds fewer records than the replica (its history was
                // cut: `check_same_history` finds where, asking for the replica's head) or
                // the server's max_page is below ours. Told apart by asking, not by the
                // words of the refusal.
                check_same_history(source, ledger)?;
                if limit == 1 {
                    let refused = SourceError::Refused { status: 400, body };
                    return Err(source_error(source, refused));
                }
                limit = (limit / 5).max(1);
                continue;
            }
            other => other.map_err(|e| source_error(source, e))?,
        };
        let entries = parse_page(source, &page)?;
        if entries.is_empty() || !copy(source, ledger, entries, report)? || stop() {
            return Ok(());
        }
    }
}

/// Appends entries the source sent; `Ok(false)` when there were none.
fn copy(
    source: &mut dyn Source,
    ledger: &mut Ledger,
    entries: Vec<Entry>,
    report: &mut dyn FnMut(Copied),
) -> Result<bool, AppError> {
    if entries.is_empty() {
        return Ok(false);
    }
    let count = entries.len();
    let pairs: Vec<(Vec<u8>, Hash)> = entries.into_iter().map(|e| (e.envelope, e.hash)).collect();
    if let Err(e) = ledger.append_replicated(pairs) {
        return Err(match e {
            StoreError::Integrity { .. } => diverged_after(source, ledger, e),
            other => AppError::Store(other),
        });
    }
    report(Copied {
        count: count as u64,
        head: ledger.head_seq(),
        streamed: false,
    });
    Ok(true)
}

fn source_unit(source: &mut dyn Source) -> Result<Option<UnitRecord>, AppError> {
    let value = source
        .get("/v1/unit")
        .map_err(|e| source_error(source, e))?;
    let unit = match value.get("unit") {
        None => return Err(bad_answer(source, BadAnswer::NoUnit)),
        Some(Value::Null) => return Ok(None),
        Some(unit) => unit,
    };
    let text = |k: &str| unit.get(k).and_then(Value::as_str);
    let (Some(code), Some(name), Some(since)) = (
        text("code"),
        text("name"),
        unit.get("since_seq").and_then(Value::as_u64),
    ) else {
        return Err(bad_answer(source, BadAnswer::UnitFields));
    };
    let unit_value = Unit::new(code, name, unit.get("parent").and_then(Value::as_str))
        .map_err(|e| bad_answer(source, BadAnswer::UnitInvalid(e.to_string())))?;
    let record = UnitRecord {
        unit: unit_value,
        since,
    };
    if text("digest") != Some(hex::encode(record.digest()).as_str()) {
        return Err(bad_answer(source, BadAnswer::UnitDigest));
    }
    Ok(Some(record))
}

/// Opens the replica, creating it (marked as a replica, with the source's unit) when `dir`
/// is missing or an empty store. A store with events of its own is never taken over.
fn open_replica(dir: &Path, source: &str, unit: Option<UnitRecord>) -> Result<Ledger, AppError> {
    let holds_other_files = !dir.join("HEAD").exists()
        && std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if holds_other_files {
        return Err(AppError::Usage(Problem::NotEmpty {
            dir: dir.to_path_buf(),
        }));
    }
    let mut ledger = Ledger::open_with(
        dir,
        OpenMode::CreateIfMissing,
        crate::app::settings::ledger_options(),
    )?;
    if ledger.store().replica_of().is_none() {
        if ledger.head_seq() > 0 || ledger.store().unit().is_some() {
            return Err(AppError::Usage(Problem::OwnStore {
                dir: dir.to_path_buf(),
            }));
        }
        ledger.store_mut().mark_replica(source)?;
    }
    let held = ledger.store().unit().cloned();
    match (held, unit) {
        (None, Some(unit)) => match ledger.store_mut().adopt_unit(unit) {
            Ok(()) => {}
            Err(UnitError::Store(e)) => return Err(e.into()),
            Err(UnitError::AlreadySet(u)) => {
                return Err(AppError::Integrity(Problem::ReplicaHasUnit {
                    code: u.unit.code,
                }));
            }
        },
        (held, unit) if held == unit => {}
        (held, unit) => {
            return Err(AppError::Integrity(Problem::NotSameBooks {
                dir: dir.to_path_buf(),
                held: held.map(Box::new),
                source: source.to_string(),
                unit: unit.map(Box::new),
            }));
        }
    }
    Ok(ledger)
}

/// The source's record `seq` with its hash (one-record page).
fn source_entry(source: &mut dyn Source, seq: u64) -> Result<Option<Entry>, AppError> {
    let page = match source.get(&page_path(seq - 1, 1)) {
        Err(SourceError::Refused { status: 400, .. }) => return Ok(None),
        other => other.map_err(|e| source_error(source, e))?,
    };
    Ok(parse_page(source, &page)?.into_iter().next())
}

/// The replica's head must be in the source's history with the same hash.
fn check_same_history(source: &mut dyn Source, ledger: &Ledger) -> Result<(), AppError> {
    let head = ledger.head_seq();
    if head == 0 {
        return Ok(());
    }
    let same = source_entry(source, head)?.is_some_and(|e| Some(e.hash) == ledger.hash_of(head));
    if same {
        Ok(())
    } else {
        Err(diverged(source, ledger, head))
    }
}

/// The first sequence ≤ `upto` whose hash differs between source and replica (bisection:
/// equal chain hashes at k mean equal histories up to k), reported as an integrity failure.
fn diverged(source: &mut dyn Source, ledger: &Ledger, upto: u64) -> AppError {
    let (mut lo, mut hi) = (0u64, upto.max(1));
    // Invariant: histories agree up to lo; they differ at or before hi.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match source_entry(source, mid) {
            Ok(Some(e)) if Some(e.hash) == ledger.hash_of(mid) => lo = mid,
            Ok(_) => hi = mid,
            Err(e) => return e,
        }
    }
    AppError::Integrity(Problem::Diverged {
        source: source.describe(),
        at: hi,
        head: ledger.head_seq(),
    })
}

/// A page that did not chain on the replica's head: either the source's earlier history
/// changed (found by bisection) or this record is not what its hash says.
fn diverged_after(source: &mut dyn Source, ledger: &Ledger, e: StoreError) -> AppError {
    let head = ledger.head_seq();
    if let Err(found) = check_same_history(source, ledger) {
        return found;
    }
    let seq = match &e {
        StoreError::Integrity { seq: Some(s), .. } => *s,
        _ => head + 1,
    };
    AppError::Integrity(Problem::DoesNotVerify {
        source: source.describe(),
        seq,
        cause: Box::new(e),
        head,
    })
}

fn parse_page(source: &dyn Source, page: &Value) -> Result<Vec<Entry>, AppError> {
    let Some(events) = page.get("events").and_then(Value::as_array) else {
        return Err(bad_answer(source, BadAnswer::PageWithoutEvents));
    };
    let mut entries = Vec::with_capacity(events.len());
    for v in events {
        let entry = parse_entry(v).map_err(|why| bad_answer(source, BadAnswer::Entry(why)))?;
        let due = entries.last().map(|e: &Entry| e.seq + 1);
        if due.is_some_and(|due| due != entry.seq) {
            return Err(bad_answer(source, BadAnswer::PageOutOfOrder));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_entry(v: &Value) -> Result<Entry, String> {
    let seq = v
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or("a record without seq")?;
    let at = |why: &str| format!("sequence {seq}: {why}");
    let hash: Hash = v
        .get("hash")
        .and_then(Value::as_str)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| at("no 64-digit hash"))?;
    // The stored bytes themselves: without them the copy cannot be the same bytes (a server
    // older than `stored=true` refuses the parameter instead).
    let envelope = v
        .get("envelope")
        .and_then(Value::as_str)
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| at("no stored envelope (hex)"))?;
    Ok(Entry {
        seq,
        hash,
        envelope,
    })
}
