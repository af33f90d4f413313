//! Replay fixtures: a folder of event batches and the expected outputs of named queries.
//!
//! `DIR/fixture.json` = `{"description", "batches": [{"file", "recorded_at", "expect"?}],
//! "queries": [{"name", "args"}]}`; each batch is imported in order into a scratch store with
//! the given recording time (so hashes are reproducible); a batch with `expect` must be refused
//! with that rejection code. Each query runs `socai ARGS…` against the store and must print
//! exactly `DIR/expected/NAME.out`. The arguments are the command line's, so the CLI passes
//! the function that reads and answers them (`RunQuery`).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::error::{AppError, Problem};
use crate::app::import::{input_error, lowercase_extension};
use crate::app::progress::Progress;
use crate::core::event::Event;
use crate::io::files;
use crate::io::jsonl::{InputError, read_events};
use crate::io::plan_import;
use crate::ledger::{AppendError, Ledger};
use crate::present::replay_text::{self, Lang, Verdict};
use crate::storage::OpenMode;

/// A manifest larger than this is not a fixture.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code)]
    description: Option<String>,
    batches: Vec<Batch>,
    queries: Vec<Query>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    file: String,
    recorded_at: String,
    expect: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    name: String,
    args: Vec<String>,
}

/// Runs one query: its arguments as typed after `socai`. Gives what the CLI would print
/// (a refusal as `error (exit N): …`), or why the arguments are not a query.
pub type RunQuery<'a> = &'a dyn Fn(&Ledger, &[String]) -> Result<String, String>;

pub struct ReplayReport {
    /// What was found of each batch and query, in order (worded by `present::replay_text`).
    pub verdicts: Vec<Verdict>,
    pub total: usize,
    pub failed: usize,
}

impl ReplayReport {
    /// The report as `replay` prints it, one line per verdict.
    pub fn text(&self, lang: Lang) -> String {
        replay_text::report(&self.verdicts, lang)
    }
}

fn read_small(path: &Path) -> Result<String, AppError> {
    files::read_text_file(path, MAX_MANIFEST_BYTES).map_err(AppError::File)
}

/// What `replay` does with each query's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Compare it with `expected/NAME.out`.
    Check,
    /// Write it to `expected/NAME.out` (`replay --bless`, after a deliberate change of
    /// output): only when every batch replayed as the manifest says and every query ran, else
    /// nothing is written (the outputs of a store that is not the fixture's would be wrong
    /// files). The figures in them are checked independently (the fixtures' oracles,
    /// tests/seed.rs, tests/report.rs); read the diff before committing.
    Bless,
}

/// Replays the fixture's batches in a scratch store, then checks or blesses its queries.
pub fn replay(
    dir: &Path,
    run_query: RunQuery<'_>,
    progress: &dyn Progress,
    mode: Mode,
) -> Result<ReplayReport, AppError> {
    let manifest_path = dir.join("fixture.json");
    let manifest: Manifest = serde_json::from_str(&read_small(&manifest_path)?).map_err(|e| {
        AppError::Usage(Problem::Manifest {
            path: manifest_path.clone(),
            detail: crate::present::os_text::TextFault::json(&e),
        })
    })?;
    let scratch = tempfile::tempdir().map_err(|cause| {
        AppError::Output(Problem::ScratchDir {
            cause: cause.into(),
        })
    })?;
    let mut ledger = Ledger::open_with(
        &scratch.path().join("store"),
        OpenMode::CreateIfMissing,
        crate::app::settings::ledger_options(),
    )?;
    let mut report = ReplayReport {
        verdicts: Vec::new(),
        total: 0,
        failed: 0,
    };
    let bar = progress.bar(
        (manifest.batches.len() + manifest.queries.len()) as u64,
        &crate::app::progress::Doing::Replaying(dir),
    );
    for batch in &manifest.batches {
        bar.inc(1);
        report.total += 1;
        let path = dir.join(&batch.file);
        let source = path.display().to_string();
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(&batch.recorded_at)
            .map_err(|e| {
                AppError::Usage(Problem::RecordedAt {
                    source: source.clone(),
                    detail: e.to_string(),
                })
            })?
            .with_timezone(&Utc);
        let outcome = if is_plan_table(&path) {
            replay_plan(&mut ledger, &path, at)?
        } else {
            let file = crate::io::files::open(&path)?;
            replay_events(&mut ledger, file, &source, at)?
        };
        let file = batch.file.clone();
        let verdict = match (&batch.expect, outcome) {
            (None, Ok(head)) => Verdict::Appended { file, head },
            (Some(want), Err(code)) if *want == code => Verdict::RefusedAsExpected { file, code },
            (Some(want), Ok(_)) => Verdict::NotRefused {
                file,
                want: want.clone(),
            },
            (want, Err(got)) => Verdict::RefusedOtherwise {
                file,
                got,
                want: want.clone(),
            },
        };
        note(&mut report, verdict);
    }
    if mode == Mode::Bless {
        return bless_queries(dir, &ledger, &manifest.queries, run_query, report);
    }
    for query in &manifest.queries {
        bar.inc(1);
        report.total += 1;
        let verdict = check_query(dir, &ledger, query, run_query);
        note(&mut report, verdict);
    }
    drop(bar);
    Ok(report)
}

/// Writes each query's output to `expected/NAME.out` once the batches all replayed as the
/// manifest says and every query ran; before that, a refusal writes nothing.
fn bless_queries(
    dir: &Path,
    ledger: &Ledger,
    queries: &[Query],
    run_query: RunQuery<'_>,
    mut report: ReplayReport,
) -> Result<ReplayReport, AppError> {
    if report.failed > 0 {
        return Err(AppError::Rejected(Problem::NotBlessed {
            report: report.verdicts.clone(),
            failed: report.failed,
        }));
    }
    let mut outputs = Vec::with_capacity(queries.len());
    for query in queries {
        // The name becomes a file name under expected/: nothing that could leave it.
        let plain = !query.name.starts_with('.')
            && !query.name.is_empty()
            && query
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !plain {
            return Err(AppError::Usage(Problem::QueryName {
                name: query.name.clone(),
            }));
        }
        let text = run_query(ledger, &query.args).map_err(|e| {
            AppError::Usage(Problem::QueryFailed {
                name: query.name.clone(),
                cause: e.to_string(),
            })
        })?;
        outputs.push((query, text));
    }
    let expected = dir.join("expected");
    std::fs::create_dir_all(&expected).map_err(|cause| {
        AppError::Output(Problem::CannotCreate {
            path: expected.clone(),
            cause: cause.into(),
        })
    })?;
    for (query, text) in outputs {
        let path = expected.join(format!("{}.out", query.name));
        let unchanged = std::fs::read(&path).is_ok_and(|old| old == text.as_bytes());
        if !unchanged {
            files::write_atomically(&path, text.as_bytes()).map_err(AppError::File)?;
        }
        report.total += 1;
        let name = query.name.clone();
        note(&mut report, Verdict::Blessed { name, unchanged });
    }
    Ok(report)
}

/// A batch file that is a plan table rather than JSON lines.
fn is_plan_table(path: &Path) -> bool {
    matches!(
        lowercase_extension(path).as_str(),
        "csv" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"
    )
}

/// The head after the batch, or the refusal's code.
type Outcome = Result<u64, String>;

fn replay_events(
    ledger: &mut Ledger,
    file: std::fs::File,
    source: &str,
    at: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    Ok(match read_events(file) {
        Err(InputError::Bad { rejection, .. }) => Err(rejection.code.as_str().to_string()),
        Err(e) => return Err(input_error(e, source)),
        Ok(lines) => {
            let events = lines.into_iter().map(|p| p.event).collect();
            append(ledger, events, at)?
        }
    })
}

fn replay_plan(ledger: &mut Ledger, path: &Path, at: DateTime<Utc>) -> Result<Outcome, AppError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| {
        AppError::File(files::FileError::Read {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let table = if name.to_ascii_lowercase().ends_with(".csv") {
        plan_import::read_csv(&bytes, &name)
    } else {
        plan_import::read_workbook(bytes, &name, None)
    };
    let plan = match table.and_then(|t| plan_import::plan_events(&t, ledger.state())) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(e.rejection.code.as_str().to_string())),
    };
    append(ledger, plan.events().cloned().collect(), at)
}

fn append(ledger: &mut Ledger, events: Vec<Event>, at: DateTime<Utc>) -> Result<Outcome, AppError> {
    match ledger.append(events, at) {
        Ok(done) => Ok(Ok(done.head_seq)),
        Err(AppendError::Rejected { rejection, .. }) => {
            Ok(Err(rejection.code.as_str().to_string()))
        }
        Err(AppendError::Store(e)) => Err(e.into()),
    }
}

fn note(report: &mut ReplayReport, verdict: Verdict) {
    if verdict.failed() {
        report.failed += 1;
    }
    report.verdicts.push(verdict);
}

fn check_query(dir: &Path, ledger: &Ledger, query: &Query, run_query: RunQuery<'_>) -> Verdict {
    let name = query.name.clone();
    let actual = match run_query(ledger, &query.args) {
        Ok(actual) => actual,
        Err(cause) => return Verdict::QueryFailed { name, cause },
    };
    let path = dir.join("expected").join(format!("{}.out", query.name));
    let expected = match std::fs::read_to_string(&path) {
        Ok(expected) => expected,
        Err(e) => {
            let cause = e.into();
            return Verdict::NoExpected { name, path, cause };
        }
    };
    if actual == expected {
        return Verdict::QueryMatches { name };
    }
    let line = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    Verdict::Differs {
        name,
        path,
        line: line + 1,
        expected: expected.lines().nth(line).map(str::to_string),
        actual: actual.lines().nth(line).map(str::to_string),
    }
}
