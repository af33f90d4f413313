//! What each command does at the terminal: open the store, call the use case in `app`,
//! print its answer. The use cases themselves live in `crate::app`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

use chrono::NaiveDate;

use crate::app::chart;
use crate::app::error::Problem;
use crate::app::export::{self, ExportFormat};
use crate::app::query::{self, Answer, Query};
use crate::app::{
    Format, fixture, generate, import, indexed_query, reconcile, recover as rec, settings,
};
use crate::cli::args::{Cli, Command, MaybeAt, TokenCommand};
use crate::cli::failure::{Failure, answer_unwritten, output};
use crate::cli::progress::{self, Bars};
use crate::cli::read_source::{self, open_for_reading};
use crate::core::event;
use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::io::files::{write_atomically, write_atomically_with};
use crate::io::jsonl::read_events;
use crate::ledger::Ledger;
use crate::present::cli_errors::CliProblem;
use crate::present::csv_out::CsvDialect;
use crate::present::progress_text::{Doing, doing};
use crate::present::vi_format::Lang;
use crate::server;
use crate::storage::{OpenMode, StoreError};

/// The Lùng Phình 2025 events shipped with the binary, for `socai demo`.
const DEMO_EVENTS: &str = include_str!("../../replay-fixtures/lung-phinh-2025/events.jsonl");
const DEMO_AS_OF: &str = "2025-11-20";
const DEMO_PLAN_YEAR: i32 = 2025;

type Out<'a> = &'a mut dyn Write;

fn write(out: Out<'_>, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes()).map_err(output)
}

/// An answer as the CLI prints it: JSON pretty-printed, one final newline.
fn answer_bytes(answer: Answer) -> Vec<u8> {
    answer.into_bytes()
}

/// Opens the store; opening verifies the whole log, which takes a while on a large one.
fn open_ledger(db: &Path, mode: OpenMode, lang: Lang) -> Result<Ledger, Failure> {
    let spinner = progress::spinner_for(&Doing::Verifying, lang);
    let ledger = Ledger::open_with(db, mode, settings::ledger_options());
    spinner.finish_and_clear();
    Ok(ledger?)
}

pub fn import(db: &Path, file: &str, json: bool, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    use crate::app::chunked_import::{describe, import_outcome};
    use crate::ledger::MAX_BATCH_EVENTS as CHUNK;
    // Up to MAX_BATCH_EVENTS events a file is one atomic batch; a longer one is committed in
    // chunks of that size, each atomic (see `chunked_import`).
    let run = |source: &str, input: &mut dyn Read| -> Result<String, Failure> {
        let outcome = import_outcome(db, source, input, CHUNK)?;
        warn_duplicates(&outcome.warnings, lang);
        Ok(if json {
            json_text(&outcome.json())
        } else {
            describe(&outcome, CHUNK, lang)
        })
    };
    let text = if file == "-" {
        run("stdin", &mut std::io::stdin().lock())?
    } else {
        let f = crate::io::files::open(std::path::Path::new(file))
            .map_err(|e| Failure::from(crate::app::AppError::File(e)))?;
        let len = f.metadata().map_or(0, |m| m.len());
        let bar = progress::bytes(len, &doing(&Doing::Reading(file), lang));
        let text = run(file, &mut bar.wrap_read(f));
        bar.finish_and_clear();
        text?
    };
    write(out, &text)
}

/// Likely-duplicate warnings printed one by one; beyond, only their count.
const MAX_WARNINGS_SHOWN: usize = 100;

/// Likely duplicate vouchers an import recorded, on stderr (stdout keeps the outcome alone),
/// bounded: a file of repeats must not flood the terminal.
fn warn_duplicates(warnings: &[crate::app::duplicates::Warning], lang: Lang) {
    for w in warnings.iter().take(MAX_WARNINGS_SHOWN) {
        match lang {
            Lang::En => eprintln!("{}", w.text_en()),
            Lang::Vi => eprintln!("{}: {}", crate::app::duplicates::CODE, w.text_vi()),
        }
    }
    if warnings.len() > MAX_WARNINGS_SHOWN {
        let more = warnings.len() - MAX_WARNINGS_SHOWN;
        eprintln!("{}", crate::present::cli_notes::more_duplicates(more, lang));
    }
}

/// A JSON value as the CLI prints it: pretty, one final newline.
fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

pub fn import_plan(
    db: &Path,
    file: &Path,
    sheet: Option<&str>,
    json: bool,
    lang: Lang,
    out: Out<'_>,
) -> Result<(), Failure> {
    let table = import::read_plan_table(file, sheet, &Bars(lang))?;
    let mut ledger = open_ledger(db, OpenMode::CreateIfMissing, lang)?;
    let done = import::import_plan_outcome(&mut ledger, &table, &Bars(lang))?;
    let text = if json {
        json_text(&done.json())
    } else {
        done.text(lang)
    };
    write(out, &text)
}

pub fn demo(db: &Path, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let events =
        read_events(DEMO_EVENTS.as_bytes()).map_err(|e| import::input_error(e, "demo data"))?;
    let mut ledger = open_ledger(db, OpenMode::CreateIfMissing, lang)?;
    crate::app::unit::give_demo_unit(&mut ledger)?;
    let mut text = import::import(&mut ledger, "demo data", events, &Bars(lang), lang)?;
    let as_of = money::parse_date(DEMO_AS_OF)
        .map_err(|detail| Failure::usage(CliProblem::Quoted { detail }))?;
    text.push('\n');
    text.push_str(&query::summary(
        ledger.chain(),
        as_of,
        None,
        DEMO_PLAN_YEAR,
        lang,
    )?);
    let try_text = match lang {
        Lang::Vi => "Kho dữ liệu: {db}. Thử: socai --db {db} balance",
        Lang::En => "Store: {db}. Try: socai --db {db} balance",
    }
    .replace("{db}", &db.display().to_string());
    text.push_str(&format!(
        "\n{try_text} --as-of {DEMO_AS_OF} --plan-year {DEMO_PLAN_YEAR}\n"
    ));
    write(out, &text)
}

/// `socai chart KIND --out FILE.svg`: from the index when it answers, else the full log.
pub fn chart(
    db: &Path,
    (kind, plan_year): (chart::ChartKind, i32),
    at: &MaybeAt,
    lang: Lang,
    path: &Path,
) -> Result<(), Failure> {
    let request = &chart::Request {
        kind,
        plan_year,
        as_of: at.as_of,
        known_at: at.known_at,
        lang,
    };
    if path.extension().and_then(|e| e.to_str()) != Some("svg") {
        return Err(Failure::usage(CliProblem::ChartNotSvg {
            path: path.to_path_buf(),
        }));
    }
    let svg = match indexed_query::chart(db, request) {
        Ok(Some(svg)) => {
            if !index_has_plan_year(db, plan_year) {
                eprintln!("{}", read_source::empty_plan_year_note(plan_year, lang));
            }
            svg
        }
        // Not answered from the index (or the store is held): the full log draws it.
        Ok(None) | Err(_) => {
            let source = open_for_reading(db, lang)?;
            read_source::note_empty_plan_year(source.chain(), Some(plan_year), lang);
            chart::chart_svg(source.chain(), request)?
        }
    };
    write_atomically(path, svg.as_bytes()).map_err(unwritten)?;
    wrote(path, lang);
    Ok(())
}

/// Says on stderr which file a command wrote: stdout stays the command's output (empty when
/// it went to a file), so scripts can pipe it.
pub fn wrote(path: &Path, lang: Lang) {
    eprintln!("{}", crate::present::notices::wrote(path, lang));
}

/// An answer written to `--out` (replaced atomically, "wrote …" on stderr) or to stdout.
pub fn deliver(bytes: &[u8], path: Option<&Path>, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    match path {
        Some(path) => {
            write_atomically(path, bytes).map_err(unwritten)?;
            wrote(path, lang);
            Ok(())
        }
        None => out.write_all(bytes).map_err(output),
    }
}

/// A file the command could not write, named, with the system's reason (exit 2).
fn unwritten(e: crate::io::files::FileError) -> Failure {
    Failure::from(crate::app::AppError::File(e))
}

pub fn completions(shell: clap_complete::Shell, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let mut script = Vec::new();
    let mut cmd = crate::cli::man::command(lang);
    clap_complete::generate(shell, &mut cmd, "socai", &mut script);
    out.write_all(&script).map_err(output)
}

pub fn man(
    subcommand: Option<&str>,
    dir: Option<&Path>,
    lang: Lang,
    out: Out<'_>,
) -> Result<(), Failure> {
    match dir {
        Some(dir) => {
            for path in crate::cli::man::write_all(dir, lang).map_err(Failure::Store)? {
                wrote(&path, lang);
            }
            Ok(())
        }
        None => crate::cli::man::render(subcommand, lang, out).map_err(Failure::Usage),
    }
}

pub fn generate(
    events: u64,
    seed: u64,
    (dir, lang): (&Path, Lang),
    out: Out<'_>,
) -> Result<(), Failure> {
    let generated = generate::gen_files(events, seed, dir)?;
    write(out, &crate::present::notices::generated(&generated, lang))
}

/// The format of `export` from `--format` and `--out` (see `output_format`).
pub fn export_format(
    given: Option<ExportFormat>,
    path: Option<&Path>,
) -> Result<ExportFormat, Failure> {
    crate::app::format::output_format(
        given,
        path,
        ExportFormat::of_extension,
        ExportFormat::as_str,
        ExportFormat::Jsonl,
    )
    .map_err(Failure::app_usage)
}

pub fn export(
    db: &Path,
    (format, dialect): (ExportFormat, CsvDialect),
    known_at: Option<KnownAt>,
    (path, lang): (Option<&Path>, Lang),
    out: Out<'_>,
) -> Result<(), Failure> {
    if format == ExportFormat::Xlsx && path.is_none() {
        return Err(Failure::app_usage(Problem::XlsxExportNeedsOut));
    }
    if format == ExportFormat::Xlsx {
        export::xlsx_fits_before_open(crate::ledger::Ledger::head_hint(db), known_at)?;
    }
    if format == ExportFormat::Parquet && path.is_none() {
        return Err(Failure::app_usage(Problem::ParquetNeedsOut));
    }
    let source = crate::cli::read_source::open_for_streaming(db, lang)?;
    let log = source.log();
    let total = log.view(chrono::NaiveDate::MIN, known_at)?.known_at;
    let bar = progress::bar(total, &doing(&Doing::Exporting, lang));
    let mut tick = || bar.inc(1);
    let export_into = |w: &mut dyn Write, tick: &mut dyn FnMut()| {
        export::export_to(log, (format, dialect), known_at, w, tick)
    };
    let written = match (format, path) {
        (ExportFormat::Xlsx, Some(path)) => export::export_xlsx(log, known_at, path, &mut tick),
        (ExportFormat::Parquet, Some(dir)) => export::export_parquet(log, known_at, dir, &mut tick),
        // Through a temporary file beside it, renamed when whole, as reports are.
        // A failure of the export itself is kept as it is; one of the file, named with the
        // system's reason in the reader's language.
        (_, Some(path)) => {
            let mut failed = None;
            write_atomically_with(path, |file| {
                let mut buffered = std::io::BufWriter::new(file);
                if let Err(e) = export_into(&mut buffered, &mut tick) {
                    let text = e.to_string();
                    failed = Some(e);
                    return Err(std::io::Error::other(text));
                }
                buffered.flush()
            })
            .map_err(|e| {
                failed
                    .take()
                    .unwrap_or_else(|| crate::app::error::unwritten_file(e))
            })
        }
        // Streamed through a buffer: memory does not grow with the log.
        (_, None) => {
            let mut buffered = std::io::BufWriter::new(out);
            export_into(&mut buffered, &mut tick)
        }
    };
    bar.finish_and_clear();
    written?;
    if let Some(path) = path {
        wrote(path, lang);
    }
    Ok(())
}

pub fn backup(db: &Path, dir: &Path, json: bool, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let ledger = open_ledger(db, OpenMode::MustExist, lang)?;
    // The store refuses the same (exit 4); asked here too so that it is said in the
    // reader's language.
    if let Some(refusal @ crate::io::files::FolderRefusal::NotEmpty { .. }) =
        crate::io::files::folder_refusal(dir)
    {
        return Err(crate::app::AppError::Output(Problem::BackupInto { refusal }).into());
    }
    let (seq, hash) = ledger.backup(dir)?;
    let hash = hex::encode(hash);
    if json {
        // The shape of POST /v1/admin/backup's answer.
        let value = serde_json::json!({
            "dir": dir.display().to_string(),
            "head_seq": seq,
            "head_hash": hash,
            "expect_head": format!("{seq}:{hash}"),
        });
        return write(out, &json_text(&value));
    }
    let (dir, db) = (dir.display(), db.display());
    write(
        out,
        &match lang {
            Lang::Vi => format!(
                "đã sao lưu {seq} sự kiện vào {dir} và kiểm tra; đầu chuỗi {seq}:{hash}\nkhôi phục: dùng thư mục đó làm --db (hoặc chuyển nó vào chỗ của {db}), rồi chạy `socai verify --expect-head {seq}:{hash}`\n"
            ),
            Lang::En => format!(
                "backup of {seq} events written to {dir} and verified; head {seq}:{hash}\nrestore: use it as --db (or move it in place of {db}), then `socai verify --expect-head {seq}:{hash}`\n"
            ),
        },
    )
}

pub fn recover(request: rec::Request<'_>, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let done = rec::recover(request, lang)?;
    write(out, &done.text)?;
    match done.loss {
        Some(loss) => Err(loss.into()),
        None => Ok(()),
    }
}

pub fn replay(dir: &Path, bless: bool, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let mode = if bless {
        fixture::Mode::Bless
    } else {
        fixture::Mode::Check
    };
    let report = fixture::replay(dir, &replay_query, &Bars(lang), mode)?;
    write(out, &report.text(lang))?;
    none_failed((report.failed, report.total), |failed, total| {
        CliProblem::ReplayDiffers { failed, total }
    })
}

/// Exit 1 when some of `total` checks failed (a replay that differs, claims that do not
/// follow): the findings are already written; the failure counts them.
fn none_failed(
    (failed, total): (usize, usize),
    problem: fn(usize, usize) -> CliProblem,
) -> Result<(), Failure> {
    if failed > 0 {
        return Err(Failure::cli(1, problem(failed, total)));
    }
    Ok(())
}

/// A fixture's query: its arguments read as the command line reads them, answered as the
/// command would print it (a refusal as `error (exit N): …`).
pub fn replay_query(ledger: &Ledger, args: &[String]) -> Result<String, String> {
    // A fixture's output depends on its arguments only: a query without `--lang` is answered
    // in the default language, whatever SOCAI_LANG the replaying shell has.
    let names_lang = args
        .iter()
        .any(|a| a == "--lang" || a.starts_with("--lang="));
    let default_lang = ["--lang".to_string(), Lang::Vi.as_str().to_string()];
    let lang: &[String] = if names_lang { &[] } else { &default_lang };
    let argv = std::iter::once("socai".to_string())
        .chain(lang.iter().cloned())
        .chain(args.iter().cloned());
    let cli = <Cli as clap::Parser>::try_parse_from(argv).map_err(|e| e.to_string())?;
    Ok(match query(ledger, &cli.command, cli.lang) {
        Ok(text) => text,
        Err(f) => format!(
            "{} (exit {}): {}\n",
            crate::present::messages::Msg::Error.text(cli.lang),
            f.exit_code(),
            f.message_in(cli.lang)
        ),
    })
}

/// The read-only commands, as text. Shared by the CLI and `replay`.
pub fn query(ledger: &Ledger, command: &Command, lang: Lang) -> Result<String, Failure> {
    let Some(q) = command.query(lang) else {
        return Err(Failure::usage(CliProblem::NotQueryable));
    };
    match query::answer(ledger.chain(), &q)? {
        Answer::Bytes(_) => Err(Failure::usage(CliProblem::XlsxReportBinary)),
        answer => String::from_utf8(answer_bytes(answer))
            .map_err(|_| Failure::usage(CliProblem::ReportNotUtf8)),
    }
}

/// `balance` and `summary`: from the persisted index when it reflects HEAD; otherwise from
/// the full log, rebuilding the index for the next query.
pub fn indexed(db: &Path, command: &Command, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let q = query_of(command, lang, "a query")?;
    let indexed = match indexed_query::answer_or_why(db, &q) {
        // The index is read under the store's lock (its files are not written atomically
        // together): while the server holds it, the acknowledged log answers.
        Err(crate::app::AppError::Store(StoreError::Locked(why))) => {
            return answer_held(db, &why, (&q, lang), command.plan_year(), out);
        }
        other => other?,
    };
    let damaged = match indexed {
        indexed_query::Indexed::Answer(answer) => {
            if let Some(year) = command.plan_year()
                && !index_has_plan_year(db, year)
            {
                eprintln!("{}", read_source::empty_plan_year_note(year, lang));
            }
            let unit = crate::app::unit::read_unit(db)?;
            let answer = crate::cli::unit_commands::with_unit(answer, &q, unit.as_ref());
            return answer.write_to(out).map_err(answer_unwritten);
        }
        indexed_query::Indexed::Unsupported => false,
        indexed_query::Indexed::Untrusted => true,
    };
    let options = settings::answering_options();
    let mut ledger = match Ledger::open_with(db, OpenMode::MustExist, options) {
        Ok(ledger) => ledger,
        Err(StoreError::Locked(why)) => {
            return answer_held(db, &why, (&q, lang), command.plan_year(), out);
        }
        Err(e) => return Err(e.into()),
    };
    // An index the reader refused is rebuilt now, or every later query would bypass it.
    let rebuilt = if damaged {
        ledger.rebuild_index()
    } else {
        ledger.ensure_index()
    };
    if let Err(e) = rebuilt {
        tracing::warn!("index not rebuilt: {e}");
    }
    let answer = query::answer(ledger.chain(), &q)?;
    read_source::note_empty_plan_year(ledger.chain(), command.plan_year(), lang);
    ledger.close_for_exit();
    answer.write_to(out).map_err(answer_unwritten)
}

/// Whether the index lists any line of plan year `year` (true when it cannot tell: the
/// note is only for a plan year known to be empty).
fn index_has_plan_year(db: &Path, year: i32) -> bool {
    let everything = query::Query::Balance {
        as_of: NaiveDate::MAX,
        known_at: None,
        plan_year: Some(year),
        format: crate::app::Format::Json,
        lang: crate::present::vi_format::Lang::Vi,
        csv_dialect: None,
    };
    match indexed_query::answer(db, &everything) {
        Ok(Some(Answer::Json(value))) => value["lines"]
            .as_array()
            .is_none_or(|lines| !lines.is_empty()),
        _ => true,
    }
}

/// A query on a store another process holds, answered from its acknowledged log.
fn answer_held(
    db: &Path,
    locked: &str,
    (q, lang): (&query::Query, Lang),
    plan_year: Option<i32>,
    out: Out<'_>,
) -> Result<(), Failure> {
    let source = read_source::read_snapshot(db, locked, lang)?;
    let answer = query::answer(source.chain(), q)?;
    read_source::note_empty_plan_year(source.chain(), plan_year, lang);
    answer.write_to(out).map_err(answer_unwritten)
}

pub fn serve(
    db: &Path,
    listen: &Option<String>,
    config: &Option<std::path::PathBuf>,
    units: Option<&Path>,
    out: Out<'_>,
) -> Result<(), Failure> {
    let mut announced = Ok(());
    let on_listening = |addr| {
        announced = write(out, &format!("listening on http://{addr}\n"))
            .and_then(|()| out.flush().map_err(output));
    };
    let served = match units {
        Some(dir) => server::province::run(
            server::province::ProvinceOptions {
                dir: dir.to_path_buf(),
                listen: listen.clone(),
                config: config.clone(),
            },
            on_listening,
        ),
        None => server::run(
            server::ServeOptions {
                db: db.to_path_buf(),
                listen: listen.clone(),
                config: config.clone(),
            },
            on_listening,
        ),
    };
    announced?;
    served.map_err(|e| match e {
        server::ServeError::Usage(detail) => Failure::usage(CliProblem::Quoted { detail }),
        server::ServeError::Refused(p) => Failure::app_usage(p),
        server::ServeError::Store(e) => e.into(),
        server::ServeError::Io(detail) => Failure::from(crate::app::error::render(detail)),
    })
}

pub fn token(command: &TokenCommand, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    match command {
        TokenCommand::Hash => {
            let mut token = String::new();
            std::io::stdin()
                .lock()
                .take(4096)
                .read_line(&mut token)
                .map_err(|e| Failure::usage(CliProblem::CannotReadToken { cause: e.into() }))?;
            let token = token.trim_end_matches(['\n', '\r']);
            if token.is_empty() {
                return Err(Failure::usage(CliProblem::TokenOnStdin));
            }
            write(out, &format!("{}\n", server::config::token_sha256(token)))
        }
        TokenCommand::New { name, role } => {
            event::check_code("name", name).map_err(|rejection| {
                let name = name.clone();
                Failure::usage(CliProblem::BadName { name, rejection })
            })?;
            let token = server::config::new_token();
            // The secret goes to stderr (the terminal) only: stdout is meant to be appended
            // to the config (`>> socai.toml`), which must hold the hash, never the token.
            let shown = format!(
                "{}\n{token}\n",
                crate::present::cli_notes::token_shown(name, lang)
            );
            std::io::stderr()
                .write_all(shown.as_bytes())
                .map_err(|e| Failure::cli(4, CliProblem::CannotWriteToken { cause: e.into() }))?;
            write(
                out,
                &format!(
                    "{}\n[[credential]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken_sha256 = \"{}\"\n",
                    crate::present::cli_notes::credential_comment(name, lang),
                    server::config::token_sha256(&token)
                ),
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn reconcile(
    db: &Path,
    claims: &Path,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
    (json, lang): (bool, Lang),
    out: Out<'_>,
) -> Result<(), Failure> {
    let text = reconcile::read_claims(claims)?;
    // The claims are checked by a fold over the log, read back in parts (issue 17).
    let source = read_source::open_for_streaming(db, lang)?;
    source.note_unplanned(Some(plan_year), lang);
    let done = reconcile::reconcile_claims(
        source.log(),
        &claims.display().to_string(),
        &text,
        as_of,
        known_at,
        plan_year,
        (json, lang),
    )?;
    write(out, &done.text)?;
    none_failed((done.failed, done.total), |failed, total| {
        CliProblem::ClaimsDiffer { failed, total }
    })
}

/// The format of `report`, `settlement` or `consolidate` from `--format` and `--out`; a
/// contradiction is a usage error (exit 2) with the stable code `format_mismatch`.
pub fn output_format(given: Option<Format>, path: Option<&Path>) -> Result<Format, Failure> {
    crate::app::format::output_format(
        given,
        path,
        Format::of_extension,
        Format::as_str,
        Format::Text,
    )
    .map_err(Failure::app_usage)
}

/// `socai report`: to a file (replaced atomically) or stdout; xlsx and docx are never sent
/// to a terminal.
pub fn report(
    db: &Path,
    command: &Command,
    (format, lang): (Format, Lang),
    path: Option<&Path>,
    out: Out<'_>,
) -> Result<(), Failure> {
    if matches!(format, Format::Xlsx | Format::Docx)
        && path.is_none()
        && std::io::stdout().is_terminal()
    {
        return Err(Failure::usage(CliProblem::BinaryReport {
            format: format.as_str(),
        }));
    }
    let (source, bytes) = from_log(db, command, lang, "a report")?;
    match path {
        Some(path) => {
            write_atomically(path, &bytes).map_err(unwritten)?;
            wrote(path, lang);
            Ok(())
        }
        None => {
            source.close();
            out.write_all(&bytes).map_err(output)
        }
    }
}

/// `trail` and `diff`: answered from the full log.
pub fn read_only(db: &Path, command: &Command, lang: Lang, out: Out<'_>) -> Result<(), Failure> {
    let (source, bytes) = from_log(db, command, lang, "a query")?;
    source.close();
    out.write_all(&bytes).map_err(output)
}

/// The question `command` asks; `expected` names what the caller answers when it asks none
/// (an internal mistake of the dispatch).
fn query_of(command: &Command, lang: Lang, expected: &'static str) -> Result<Query, Failure> {
    command
        .query(lang)
        .ok_or_else(|| Failure::usage(CliProblem::WrongCommand { expected }))
}

/// `command`'s question answered from the full log (noting a plan year the log never
/// planned), with the source still open for the caller to close when it has written.
fn from_log(
    db: &Path,
    command: &Command,
    lang: Lang,
    expected: &'static str,
) -> Result<(read_source::ReadSource, Vec<u8>), Failure> {
    let q = query_of(command, lang, expected)?;
    let (source, answer) = read_source::answer(db, &q, lang)?;
    source.note_unplanned(command.plan_year(), lang);
    Ok((source, answer_bytes(answer)))
}
