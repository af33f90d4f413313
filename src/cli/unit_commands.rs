//! `socai init`, `socai consolidate` and `socai replicate` at the terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::app::Format;
use crate::app::consolidate;
use crate::app::query::{Answer, Query};
use crate::app::{replicate, settings, unit};
use crate::cli::args::Command;
use crate::cli::failure::{Failure, output};
use crate::cli::http_source::HttpSource;
use crate::core::unit::Unit;
use crate::present::cli_errors::CliProblem;
use crate::present::csv_out::CsvDialect;
use crate::present::notices;
use crate::present::vi_format::Lang;
use crate::storage::UnitRecord;

pub fn init(
    db: &Path,
    code: &str,
    name: &str,
    parent: Option<&str>,
    (lang, out): (Lang, &mut dyn Write),
) -> Result<(), Failure> {
    let unit = Unit::new(code, name, parent)
        .map_err(|invalid| Failure::usage(CliProblem::BadUnit { invalid }))?;
    let record = unit::init(db, unit, settings::ledger_options())?;
    let text = notices::unit_bound(&record, lang);
    out.write_all(text.as_bytes()).map_err(output)
}

/// The line `verify` prints for a store's unit.
pub fn unit_line(r: &UnitRecord, lang: Lang) -> String {
    let (code, name, since) = (&r.unit.code, &r.unit.name, r.since);
    let digest = hex::encode(r.digest());
    match lang {
        Lang::Vi => format!(
            "đơn vị {code} ({name}) gắn vào sổ sau sự kiện số {since}; mã băm đơn vị {digest}\n"
        ),
        Lang::En => {
            format!("unit {code} ({name}) bound after sequence {since}; unit digest {digest}\n")
        }
    }
}

/// `balance --json` from the index names the store's unit as the full log's answer does.
pub fn with_unit(answer: Answer, query: &Query, record: Option<&UnitRecord>) -> Answer {
    match (answer, query) {
        (Answer::Json(value), Query::Balance { .. }) => {
            Answer::Json(unit::with_unit(value, record.map(|r| &r.unit)))
        }
        (answer, _) => answer,
    }
}

pub fn replicate(
    from: &str,
    token: &str,
    (to, follow): (&Path, bool),
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut source = HttpSource::new(from, token, lang)
        .map_err(|detail| Failure::usage(CliProblem::Quoted { detail }))?;
    let stop = shutdown_flag()?;
    let mut report = |copied: replicate::Copied| {
        // Progress goes to stderr: stdout carries the final head only.
        let facts = (copied.count, copied.head, copied.streamed);
        eprintln!("{}", notices::replica_progress(facts, lang));
    };
    let (head, hash) = replicate::run(&mut source, to, follow, &mut report, &|| {
        stop.load(std::sync::atomic::Ordering::Relaxed)
    })?;
    let hash = hash.map_or("-".to_string(), hex::encode);
    out.write_all(notices::replica_done(to, head, &hash, lang).as_bytes())
        .map_err(output)
}

/// Set by SIGINT/SIGTERM, so `--follow` ends after the page it is copying (never mid-write).
fn shutdown_flag() -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, Failure> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(signal_handler)?;
    let set = flag.clone();
    std::thread::Builder::new()
        .name("socai-signals".to_string())
        .spawn(move || {
            runtime.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            set.store(true, std::sync::atomic::Ordering::Relaxed);
        })
        .map_err(signal_handler)?;
    Ok(flag)
}

fn signal_handler(e: std::io::Error) -> Failure {
    Failure::cli(4, CliProblem::SignalHandler { cause: e.into() })
}

/// The consolidation a command line asks for: the format from `--format` or `--out`'s
/// extension, the pins from `CODE=SEQ`.
fn consolidation(
    dir: &Path,
    (plan_year, as_of): (i32, chrono::NaiveDate),
    (format, path): (Option<&str>, Option<&Path>),
    (view, csv_dialect, lang): (consolidate::View, CsvDialect, Lang),
    pins: &[String],
) -> Result<consolidate::Request, Failure> {
    let given = format.and_then(|f| Format::ALL.into_iter().find(|x| x.as_str() == f));
    let format = crate::cli::commands::output_format(given, path)?;
    if !consolidate::FORMATS.contains(&format) {
        return Err(Failure::usage(CliProblem::ConsolidationFormat {
            format: format.as_str(),
        }));
    }
    let mut pinned = std::collections::BTreeMap::new();
    for pin in pins {
        let parsed = pin
            .split_once('=')
            .and_then(|(code, seq)| Some((code.to_string(), seq.parse::<u64>().ok()?)));
        let Some((code, seq)) = parsed else {
            return Err(Failure::usage(CliProblem::PinNotCodeSeq {
                pin: pin.clone(),
            }));
        };
        pinned.insert(code, seq);
    }
    Ok(consolidate::Request {
        dir: dir.to_path_buf(),
        plan_year,
        as_of,
        format,
        view,
        csv_dialect,
        pins: pinned,
        lang,
    })
}

/// `socai consolidate`: to a file (replaced atomically) or stdout; xlsx never to a terminal.
pub fn consolidate(command: &Command, lang: Lang, out: &mut dyn Write) -> Result<(), Failure> {
    let Command::Consolidate {
        units,
        plan_year,
        as_of,
        format,
        view,
        csv_dialect,
        out: path,
        pin,
    } = command
    else {
        return Err(Failure::usage(CliProblem::WrongCommand {
            expected: "a consolidation",
        }));
    };
    let path = path.as_deref();
    let request = &consolidation(
        units,
        (*plan_year, *as_of),
        (format.as_deref(), path),
        (*view, *csv_dialect, lang),
        pin,
    )?;
    if request.format == Format::Xlsx && path.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(CliProblem::XlsxConsolidationBinary));
    }
    let bytes = consolidate::consolidate(request)?.into_bytes();
    crate::cli::commands::deliver(&bytes, path, lang, out)
}
