//! The command line: argument parsing, reading input files, printing, exit codes.
//! Exit 0 success, 1 input rejected (or a replay differs), 2 usage error, 3 integrity failure,
//! 4 the store could not be used (missing, locked, I/O).

pub mod progress;

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};
use clap::{CommandFactory, Parser, Subcommand};

use crate::app::fixture;
use crate::core::annex;
use crate::core::event::{self, Event, MAX_LINE_BYTES};
use crate::core::known_at::{self, KnownAt};
use crate::core::money;
use crate::core::projection;
use crate::core::reconcile;
use crate::core::rejection::{Code, Rejection};
use crate::core::revision;
use crate::io::plan_import;
use crate::ledger::{AppendError, Ledger, MAX_BATCH_EVENTS};
use crate::present::chart;
use crate::present::export;
use crate::present::render::{self, Provenance, Style};
use crate::present::report::{self, DiffPoint, Pin, diff_json, diff_text};
use crate::present::vi_format::{Lang, Unit};
use crate::present::xlsx;
use crate::server;
use crate::storage::{OpenMode, StoreError};

/// The Lùng Phình 2025 events shipped with the binary, for `socai demo`.
const DEMO_EVENTS: &str = include_str!("../../replay-fixtures/lung-phinh-2025/events.jsonl");
const DEMO_AS_OF: &str = "2025-11-20";
const DEMO_PLAN_YEAR: i32 = 2025;

#[derive(Parser, Debug)]
#[command(
    name = "socai",
    version,
    about = "Sổ cái: an event-sourced ledger of public budget allocations and disbursements"
)]
pub struct Cli {
    /// The store directory.
    #[arg(long, global = true, env = "SOCAI_DB", default_value = "./socai-data")]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Append the events of a JSON-lines file (or - for stdin), all or nothing.
    Import { file: String },
    /// Import a plan table (xlsx, xls, ods or CSV): opens missing lines and records one
    /// allocation per row citing its decision, all or nothing. See README for the layout.
    ImportPlan {
        file: PathBuf,
        /// The sheet to read (required when the workbook has several).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Balances per line and totals as of a date.
    Balance {
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// The last sequence to include, or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long)]
        plan_year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Every event that touched a line, with running totals, documents and reversal marks.
    Trail {
        line: String,
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long)]
        json: bool,
    },
    /// Section II figures (plan and disbursement by capital type, origin and program).
    Summary {
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long)]
        plan_year: i32,
    },
    /// The point-in-time report: section II, annexes 01 and 02, and its provenance.
    Report {
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// A sequence or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long)]
        plan_year: i32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long, value_enum, default_value = "vi")]
        lang: Lang,
        /// The unit amounts are shown in (JSON always carries exact đồng).
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        /// Write to this file (replaced atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The settlement of a plan year (quyết toán): brought forward, assigned, withdrawn,
    /// transferred, plan, disbursed, carried out, lapsed, unspent, recovered after the close.
    Settlement {
        #[arg(long)]
        plan_year: i32,
        /// Default: every effective date.
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// A sequence or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// The same as `--format json`.
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: SettlementFormat,
        #[arg(long, value_enum, default_value = "vi")]
        lang: Lang,
        /// The unit amounts are shown in (JSON always carries exact đồng).
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        /// Write to this file (replaced atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare printed figures (a claims file) with the ledger, at the precision printed.
    Reconcile {
        claims: PathBuf,
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long)]
        plan_year: i32,
        /// One JSON object per claim, one per line.
        #[arg(long)]
        json: bool,
    },
    /// What changed in the figures as of a date between two knowledge points, and why.
    Diff {
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// The earlier knowledge point (sequence or RFC 3339 moment).
        #[arg(long, value_parser = known_at_arg)]
        known_at: KnownAt,
        /// The knowledge point to compare with.
        #[arg(long, value_parser = known_at_arg)]
        vs: KnownAt,
        #[arg(long)]
        plan_year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// Draw a chart as SVG: the S-curve of cumulative disbursement against plan per program
    /// and in total, or the disbursement rate by program.
    Chart {
        #[arg(value_enum)]
        kind: ChartKind,
        #[arg(long)]
        plan_year: i32,
        /// Default: 31 December of the plan year.
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// A sequence or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// The language of the labels and number formats.
        #[arg(long, value_enum, default_value = "vi")]
        lang: Lang,
        /// The SVG file to write (PNG is not offered: it would need font files).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a shell completion script: `source <(socai completions bash)`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `socai man > socai.1; man -l socai.1`.
    Man,
    /// Check the hash chain and HEAD record; names the first bad sequence.
    Verify {
        /// A head remembered outside the store (`SEQ:HASH`, as printed by import, verify and
        /// backup): the log must contain it. Catches an older copy swapped in for the store.
        #[arg(long, value_parser = head_arg)]
        expect_head: Option<(u64, crate::storage::Hash)>,
    },
    /// Write a verified copy of the store into DIR (new or empty); restore by using DIR as --db.
    Backup { dir: PathBuf },
    /// Rebuild a clean store in TO from the longest verified prefix of the damaged store FROM
    /// (left untouched), plus an export (import-format JSON lines) for what follows.
    Recover {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        to: PathBuf,
        /// An earlier `socai export` (or other import-format file) to re-enter what follows
        /// the verified prefix.
        #[arg(long)]
        export: Option<String>,
    },
    /// The log as import-format JSON lines (default), an hledger or beancount journal, or CSV.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// A sequence or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
    },
    /// Re-run a fixture folder's batches in a scratch store and compare its named queries.
    Replay { dir: PathBuf },
    /// Load the shipped Lùng Phình 2025 data into the store and print its figures.
    Demo,
    /// Write a deterministic synthetic workload: import files and a ledger-cli journal.
    Gen {
        #[arg(long)]
        events: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write `events-NNNN.jsonl` and `journal.ledger` into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the HTTP/JSON API (see README, schemas/openapi.json) until SIGTERM or SIGINT.
    /// Prints `listening on http://ADDR` on stdout once it accepts connections.
    Serve {
        /// IP:PORT to listen on (port 0: any free port); default from the config, else
        /// 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// TOML file with credentials and limits.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Make bearer tokens for the server's config file.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Print the SHA-256 (token_sha256) of a token read from stdin (one line).
    Hash,
    /// Make a random token; prints it and the [[credential]] entry to put in the config.
    New {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["recorder", "auditor", "admin"])]
        role: String,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Import-format JSON lines: importing them into an empty store gives the same balances.
    Jsonl,
    /// An hledger journal: per line, Assets:Available, Expenses:Disbursed, Income:Plan.
    Hledger,
    /// A beancount ledger with the same accounts.
    Beancount,
    /// One row per event and line, for spreadsheets.
    Csv,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Cumulative disbursement as a share of plan, day by day, per program and in total.
    SCurve,
    /// Disbursement rate by program and in total.
    Rates,
}

fn head_arg(text: &str) -> Result<(u64, crate::storage::Hash), String> {
    crate::storage::parse_head_arg(text)
}

fn date_arg(text: &str) -> Result<NaiveDate, String> {
    money::parse_date(text)
}

fn known_at_arg(text: &str) -> Result<KnownAt, String> {
    known_at::parse(text)
}

/// Settlement formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SettlementFormat {
    Text,
    Json,
    Csv,
    Xlsx,
}

/// The settlement a `settlement` command asks for, through the use case every door shares.
pub fn settlement_bytes(ledger: &Ledger, command: &Command) -> Result<Vec<u8>, Failure> {
    use crate::app::settlement::{self as use_case, Error, Request};
    let Command::Settlement {
        plan_year,
        as_of,
        known_at,
        json,
        format,
        lang,
        unit,
        ..
    } = command
    else {
        return Err(Failure::Usage("not a settlement".to_string()));
    };
    let format = match (json, format) {
        (true, _) | (false, SettlementFormat::Json) => use_case::Format::Json,
        (false, SettlementFormat::Text) => use_case::Format::Text,
        (false, SettlementFormat::Csv) => use_case::Format::Csv,
        (false, SettlementFormat::Xlsx) => use_case::Format::Xlsx,
    };
    let request = Request {
        plan_year: *plan_year,
        as_of: *as_of,
        known_at: *known_at,
        format,
        lang: *lang,
        unit: *unit,
    };
    use_case::render_ledger(ledger, &request, Utc::now()).map_err(|e| match e {
        Error::Usage(m) => Failure::Usage(m),
        Error::Output(m) => Failure::Store(m),
    })
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Md,
    Html,
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The outcome of a command, mapped to an exit code by `exit_code`.
#[derive(Debug)]
pub enum Failure {
    Rejected(String),
    Usage(String),
    Integrity(String),
    Store(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Rejected(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Integrity(_) => 3,
            Failure::Store(_) => 4,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            Failure::Rejected(m)
            | Failure::Usage(m)
            | Failure::Integrity(m)
            | Failure::Store(m) => m,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Integrity { .. } => Failure::Integrity(e.to_string()),
            StoreError::Io(_) | StoreError::Locked(_) => Failure::Store(e.to_string()),
        }
    }
}

/// Set by `main`: this process ends after its one command, so a command may leave a store's
/// memory (and its locks) to the exit. Library callers of `run` go on and may reopen the store.
static PROCESS_ENDS_AFTER_RUN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Closes a ledger at the end of a command: see `Ledger::leave_to_exit` and `close_for_exit`.
fn close_at_end(ledger: Ledger) {
    if PROCESS_ENDS_AFTER_RUN.load(std::sync::atomic::Ordering::Relaxed) {
        ledger.leave_to_exit();
    } else {
        ledger.close_for_exit();
    }
}

pub fn main() -> ExitCode {
    PROCESS_ENDS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Logs go to stderr; stdout carries only the command's output. A server logs its
    // requests by default; the other commands only warnings.
    let default = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let mut stdout = std::io::stdout().lock();
    match run(&cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = stdout.flush();
            eprintln!("error: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Opens the store; opening verifies the whole log, which takes a while on a large one.
fn open_ledger(db: &std::path::Path, mode: OpenMode) -> Result<Ledger, Failure> {
    let spinner = progress::spinner("verifying the log (hash chain, HEAD record, rules)");
    let ledger = Ledger::open(db, mode);
    spinner.finish_and_clear();
    Ok(ledger?)
}

/// Appends a batch behind a spinner: checking every event and syncing can take a while.
fn append_batch(
    ledger: &mut Ledger,
    events: Vec<Event>,
) -> Result<crate::ledger::Appended, AppendError> {
    let spinner = progress::spinner(&format!(
        "checking and durably appending {} events",
        events.len()
    ));
    let done = ledger.append(events, Utc::now());
    spinner.finish_and_clear();
    done
}

/// Runs one parsed command, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), Failure> {
    let write = |out: &mut dyn Write, text: &str| {
        out.write_all(text.as_bytes())
            .map_err(|e| Failure::Store(format!("cannot write output: {e}")))
    };
    match &cli.command {
        Command::Import { file } => {
            // Up to MAX_BATCH_EVENTS events a file is one atomic batch; a longer one is
            // committed in chunks of that size, each atomic (see `chunked_import`).
            let text = if file == "-" {
                crate::app::chunked_import::import(&cli.db, "stdin", std::io::stdin().lock())?
            } else {
                let f = std::fs::File::open(file)
                    .map_err(|e| Failure::Usage(format!("cannot open {file}: {e}")))?;
                let len = f.metadata().map_or(0, |m| m.len());
                let bar = progress::bytes(len, &format!("reading {file}"));
                let text = crate::app::chunked_import::import(&cli.db, file, bar.wrap_read(f));
                bar.finish_and_clear();
                text?
            };
            write(out, &text)
        }
        Command::ImportPlan { file, sheet } => {
            let table = read_plan_table(file, sheet.as_deref())?;
            let mut ledger = open_ledger(&cli.db, OpenMode::CreateIfMissing)?;
            let text = import_plan(&mut ledger, &table)?;
            write(out, &text)
        }
        Command::Demo => {
            let events =
                read_events(DEMO_EVENTS.as_bytes()).map_err(|e| e.into_failure("demo data"))?;
            let mut ledger = open_ledger(&cli.db, OpenMode::CreateIfMissing)?;
            let mut text = import(&mut ledger, "demo data", events)?;
            let as_of = money::parse_date(DEMO_AS_OF).map_err(Failure::Usage)?;
            text.push('\n');
            text.push_str(&summary(&ledger, as_of, None, DEMO_PLAN_YEAR)?);
            text.push_str(&format!(
                "\nStore: {}. Try: socai --db {} balance --as-of {DEMO_AS_OF} --plan-year {DEMO_PLAN_YEAR}\n",
                cli.db.display(),
                cli.db.display()
            ));
            write(out, &text)
        }
        Command::Chart {
            kind,
            plan_year,
            as_of,
            known_at,
            lang,
            out: path,
        } => {
            if path.extension().and_then(|e| e.to_str()) != Some("svg") {
                return Err(Failure::Usage(format!(
                    "{}: charts are written as SVG; name the file .svg",
                    path.display()
                )));
            }
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let svg = chart_svg(&ledger, *kind, *plan_year, *as_of, *known_at, *lang)?;
            write_atomically(path, svg.as_bytes())?;
            write(out, &format!("wrote {}\n", path.display()))
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "socai", &mut script);
            out.write_all(&script)
                .map_err(|e| Failure::Store(format!("cannot write output: {e}")))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| Failure::Store(format!("cannot render the manual: {e}")))?;
            out.write_all(&page)
                .map_err(|e| Failure::Store(format!("cannot write output: {e}")))
        }
        Command::Verify { expect_head } => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let mut extra = String::new();
            if let Some((seq, hash)) = expect_head {
                ledger.check_expected_head(*seq, hash)?;
                extra = format!("; contains the expected head {seq}:{}", hex::encode(hash));
            }
            let head = ledger.head_seq();
            let hash = ledger.hash_of(head).map_or("-".to_string(), hex::encode);
            let legacy = crate::present::settlement::legacy_text(ledger.state().legacy_refusals());
            close_at_end(ledger);
            write(
                out,
                &format!(
                    "ok: {head} events, hash chain and HEAD record agree; head hash {hash}{extra}\nhead {head}:{hash}\n{legacy}"
                ),
            )
        }
        Command::Gen {
            events,
            seed,
            out: dir,
        } => {
            let text = gen_files(*events, *seed, dir)?;
            write(out, &text)
        }
        Command::Export { format, known_at } => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let total = view_of(&ledger, NaiveDate::MIN, *known_at)?.known_at;
            let bar = progress::bar(total, "exporting");
            let text = export_text(&ledger, *format, *known_at, &mut || bar.inc(1));
            bar.finish_and_clear();
            write(out, &text?)
        }
        Command::Backup { dir } => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let (seq, hash) = ledger.backup(dir)?;
            let hash = hex::encode(hash);
            write(
                out,
                &format!(
                    "backup of {seq} events written to {} and verified; head {seq}:{hash}\nrestore: use it as --db (or move it in place of {}), then `socai verify --expect-head {seq}:{hash}`\n",
                    dir.display(),
                    cli.db.display()
                ),
            )
        }
        Command::Recover { from, to, export } => recover(from, to, export.as_deref(), out),
        Command::Replay { dir } => {
            let report = fixture::replay(dir)?;
            write(out, &report.text)?;
            if report.failed > 0 {
                return Err(Failure::Rejected(format!(
                    "{} of {} checks differ",
                    report.failed, report.total
                )));
            }
            Ok(())
        }
        Command::Balance { .. } | Command::Summary { .. } => {
            // From the persisted index when it reflects HEAD; otherwise from the full log,
            // rebuilding the index for the next query.
            if let Some(text) = crate::app::indexed_query::answer(&cli.db, &cli.command)? {
                return write(out, &text);
            }
            let mut ledger = Ledger::open(&cli.db, OpenMode::MustExist)?;
            if let Err(e) = ledger.ensure_index() {
                tracing::warn!("index not rebuilt: {e}");
            }
            let text = query(&ledger, &cli.command)?;
            ledger.close_for_exit();
            write(out, &text)
        }
        Command::Serve { listen, config } => {
            let opts = server::ServeOptions {
                db: cli.db.clone(),
                listen: listen.clone(),
                config: config.clone(),
            };
            let mut announced = Ok(());
            let served = server::run(opts, |addr| {
                announced = write(out, &format!("listening on http://{addr}\n"))
                    .and_then(|()| out.flush().map_err(|e| Failure::Store(e.to_string())));
            });
            announced?;
            served.map_err(|e| match e {
                server::ServeError::Usage(m) => Failure::Usage(m),
                server::ServeError::Store(e) => e.into(),
                server::ServeError::Io(m) => Failure::Store(m),
            })
        }
        Command::Token { command } => match command {
            TokenCommand::Hash => {
                let mut token = String::new();
                std::io::stdin()
                    .lock()
                    .take(4096)
                    .read_line(&mut token)
                    .map_err(|e| Failure::Usage(format!("cannot read the token: {e}")))?;
                let token = token.trim_end_matches(['\n', '\r']);
                if token.is_empty() {
                    return Err(Failure::Usage(
                        "give the token on stdin, e.g. `printf %s \"$TOKEN\" | socai token hash`"
                            .to_string(),
                    ));
                }
                write(out, &format!("{}\n", server::config::token_sha256(token)))
            }
            TokenCommand::New { name, role } => {
                event::check_code("name", name).map_err(|r| Failure::Usage(r.message))?;
                let token = server::config::new_token();
                write(
                    out,
                    &format!(
                        "# give this token to {name} (it is shown only now):\n# {token}\n[[credential]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken_sha256 = \"{}\"\n",
                        server::config::token_sha256(&token)
                    ),
                )
            }
        },
        Command::Reconcile {
            claims,
            as_of,
            known_at,
            plan_year,
            json,
        } => {
            let text = read_claims(claims)?;
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let (text, failed, total) = reconcile_claims(
                &ledger,
                &claims.display().to_string(),
                &text,
                *as_of,
                *known_at,
                *plan_year,
                *json,
            )?;
            write(out, &text)?;
            if failed > 0 {
                return Err(Failure::Rejected(format!(
                    "{failed} of {total} claims do not follow from the ledger"
                )));
            }
            Ok(())
        }
        Command::Settlement {
            format: SettlementFormat::Xlsx,
            json: false,
            out: None,
            ..
        } if std::io::stdout().is_terminal() => Err(Failure::Usage(
            "an xlsx settlement is binary: write it with --out FILE or redirect stdout".to_string(),
        )),
        Command::Settlement {
            out: Some(path), ..
        } => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let bytes = settlement_bytes(&ledger, &cli.command)?;
            write_atomically(path, &bytes)
        }
        Command::Report {
            format: Format::Xlsx,
            out: None,
            ..
        } if std::io::stdout().is_terminal() => Err(Failure::Usage(
            "an xlsx report is binary: write it with --out FILE or redirect stdout".to_string(),
        )),
        Command::Report {
            out: Some(path), ..
        } => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let bytes = report_bytes(&ledger, &cli.command)?;
            write_atomically(path, &bytes)
        }
        _ => {
            let ledger = open_ledger(&cli.db, OpenMode::MustExist)?;
            let bytes = report_bytes(&ledger, &cli.command)?;
            ledger.close_for_exit();
            out.write_all(&bytes)
                .map_err(|e| Failure::Store(format!("cannot write output: {e}")))
        }
    }
}

/// Replaces `path` with `bytes` through a temporary file in the same directory, so a reader
/// never sees half a report and a failure leaves the old file whole.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| Failure::Usage(format!("cannot write {}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

fn read_claims(path: &std::path::Path) -> Result<String, Failure> {
    read_text_file(path, reconcile::MAX_CLAIMS_BYTES).map_err(Failure::Usage)
}

/// Reads a small UTF-8 file, refusing one larger than `max` bytes. Reads at most `max + 1`
/// bytes whatever the file claims to be, so a growing or special file cannot get past it.
pub fn read_text_file(path: &std::path::Path, max: u64) -> Result<String, String> {
    let fail = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "{} is larger than {max} bytes; split it",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", path.display()))
}

/// A view for a command, resolving an RFC 3339 `--known-at` against the recording times.
fn view_of(
    ledger: &Ledger,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
) -> Result<projection::View, Failure> {
    ledger
        .view_known(as_of, known_at, Utc::now())
        .map_err(Failure::Usage)
}

/// Any read-only command as bytes: `report` in every format (xlsx is binary), the others as
/// their text.
pub fn report_bytes(ledger: &Ledger, command: &Command) -> Result<Vec<u8>, Failure> {
    match command {
        Command::Report {
            as_of,
            known_at,
            plan_year,
            format,
            lang,
            unit,
            ..
        } => {
            let view = view_of(ledger, *as_of, *known_at)?;
            let lines = projection::balances(ledger.records(), view, Some(*plan_year));
            let figures = annex::build(*plan_year, &lines);
            let prov = Provenance {
                as_of: *as_of,
                plan_year: *plan_year,
                known_at: view.known_at,
                recorded_at: ledger.recorded_at(view.known_at),
                head_hash: ledger.hash_of(view.known_at),
                command: format!(
                    "socai report --as-of {as_of} --known-at {} --plan-year {plan_year} --format {} --lang {} --unit {}",
                    view.known_at,
                    format.as_str(),
                    lang.as_str(),
                    unit.as_str()
                ),
            };
            let style = Style {
                lang: *lang,
                unit: *unit,
            };
            Ok(match format {
                Format::Text => render::text(&figures, &prov, style).into_bytes(),
                Format::Md => render::markdown(&figures, &prov, style).into_bytes(),
                Format::Html => {
                    let hash = ledger.hash_of(view.known_at).map(hex::encode);
                    let charts = chart::report_charts(
                        ledger.records(),
                        view,
                        *plan_year,
                        hash.as_deref(),
                        *lang,
                    )
                    .map_err(Failure::Store)?;
                    render::html(&figures, &prov, style, &charts).into_bytes()
                }
                Format::Json => json_text(&render::json(&figures, &prov)).into_bytes(),
                Format::Csv => render::csv(&figures, &prov, style).into_bytes(),
                Format::Xlsx => xlsx::workbook(&figures, &prov, style).map_err(Failure::Store)?,
            })
        }
        Command::Settlement { .. } => settlement_bytes(ledger, command),
        _ => query(ledger, command).map(String::into_bytes),
    }
}

/// Checks a claims file's text against the ledger; returns the output, how many claims
/// failed, and how many there were.
pub fn reconcile_claims(
    ledger: &Ledger,
    source: &str,
    text: &str,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
    json: bool,
) -> Result<(String, usize, usize), Failure> {
    let file =
        reconcile::parse_claims(text).map_err(|e| Failure::Usage(format!("{source}: {e}")))?;
    let view = view_of(ledger, as_of, known_at)?;
    let lines = projection::balances(ledger.records(), view, Some(plan_year));
    let verdicts = reconcile::check(&file.claims, &lines);
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    let total = verdicts.len();
    let hash = ledger
        .hash_of(view.known_at)
        .map_or("-".to_string(), hex::encode);
    let out = if json {
        let mut out = String::new();
        for v in &verdicts {
            let mut obj = reconcile::verdict_json(v);
            if let serde_json::Value::Object(m) = &mut obj {
                m.insert("as_of".into(), as_of.to_string().into());
                m.insert("plan_year".into(), plan_year.into());
                m.insert("known_at".into(), view.known_at.into());
                m.insert("head_hash".into(), hash.clone().into());
            }
            out.push_str(&json_line(&obj));
        }
        out
    } else {
        reconcile_text(source, &verdicts, as_of, plan_year, view.known_at, &hash)
    };
    Ok((out, failed, total))
}

fn reconcile_text(
    source: &str,
    verdicts: &[reconcile::Verdict],
    as_of: NaiveDate,
    plan_year: i32,
    known_at: u64,
    hash: &str,
) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "claims of {source} against the ledger as of {as_of}, plan year {plan_year}, known at sequence {known_at} (hash {hash})\n\
         each claim is compared at the precision it was printed with, rounding half away from zero\n"
    );
    let rows: Vec<[String; 6]> = verdicts
        .iter()
        .map(|v| {
            [
                if v.ok { "ok" } else { "FAIL" }.to_string(),
                v.claim.id.clone(),
                v.claim.measure.as_str().to_string(),
                v.claim.slice.describe(),
                v.claim.printed.clone(),
                match &v.note {
                    Some(n) => format!("{} ({n})", v.ledger),
                    None => v.ledger.clone(),
                },
            ]
        })
        .collect();
    let head = ["status", "claim", "measure", "slice", "claimed", "ledger"].map(String::from);
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .chain(std::iter::once(&head))
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in std::iter::once(&head).chain(rows.iter()) {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if i == 4 || i == 5 {
                let _ = write!(line, "{pad}{cell}  ");
            } else {
                let _ = write!(line, "{cell}{pad}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| v.claim.id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "{} claims: {} follow from the ledger, {} do not{}",
        verdicts.len(),
        verdicts.len() - failed.len(),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(": {}", failed.join("; "))
        }
    );
    out
}

/// The read-only commands, as text. Shared by the CLI and `replay`.
pub fn query(ledger: &Ledger, command: &Command) -> Result<String, Failure> {
    let pin = |view: projection::View| Pin {
        view,
        hash: ledger.hash_of(view.known_at),
    };
    match command {
        Command::Balance {
            as_of,
            known_at,
            plan_year,
            json,
        } => {
            let view = view_of(ledger, *as_of, *known_at)?;
            let lines = projection::balances(ledger.records(), view, *plan_year);
            Ok(if *json {
                json_text(&report::balance_json(pin(view), &lines))
            } else {
                report::balance_text(pin(view), &lines)
            })
        }
        Command::Trail {
            line,
            as_of,
            known_at,
            json,
        } => {
            let as_of = match as_of {
                Some(d) => *d,
                None => NaiveDate::from_ymd_opt(money::MAX_YEAR, 12, 31)
                    .ok_or_else(|| Failure::Usage("no last date".into()))?,
            };
            let view = view_of(ledger, as_of, *known_at)?;
            let rows = projection::trail(ledger.records(), line, view).ok_or_else(|| {
                Failure::Usage(format!(
                    "line {line:?} was not opened by sequence {}",
                    view.known_at
                ))
            })?;
            Ok(if *json {
                json_text(&report::trail_json(pin(view), line, &rows))
            } else {
                report::trail_text(pin(view), line, &rows)
            })
        }
        Command::Summary {
            as_of,
            known_at,
            plan_year,
        } => summary(ledger, *as_of, *known_at, *plan_year),
        Command::Export { format, known_at } => export_text(ledger, *format, *known_at, &mut || {}),
        Command::Diff {
            as_of,
            known_at,
            vs,
            plan_year,
            json,
        } => {
            let before = view_of(ledger, *as_of, Some(*known_at))?.known_at;
            let after = view_of(ledger, *as_of, Some(*vs))?.known_at;
            let rev = revision::diff(ledger.records(), *as_of, before, after, *plan_year);
            let point = |seq: u64| DiffPoint {
                seq,
                recorded_at: ledger.recorded_at(seq),
                hash: ledger.hash_of(seq),
            };
            Ok(if *json {
                json_text(&diff_json(&rev, *plan_year, point(before), point(after)))
            } else {
                diff_text(&rev, *plan_year, point(before), point(after))
            })
        }
        Command::Report { format, .. } if *format != Format::Xlsx => {
            let bytes = report_bytes(ledger, command)?;
            String::from_utf8(bytes)
                .map_err(|_| Failure::Usage("the report is not UTF-8 text".to_string()))
        }
        Command::Report { .. } => Err(Failure::Usage(
            "an xlsx report is binary: write it with --out FILE".to_string(),
        )),
        Command::Settlement {
            format: SettlementFormat::Xlsx,
            json: false,
            ..
        } => Err(Failure::Usage(
            "an xlsx settlement is binary: write it with --out FILE".to_string(),
        )),
        Command::Settlement { .. } => {
            let bytes = settlement_bytes(ledger, command)?;
            String::from_utf8(bytes)
                .map_err(|_| Failure::Usage("the settlement is not UTF-8 text".to_string()))
        }
        Command::Reconcile { .. }
        | Command::Import { .. }
        | Command::ImportPlan { .. }
        | Command::Chart { .. }
        | Command::Completions { .. }
        | Command::Man
        | Command::Demo
        | Command::Verify { .. }
        | Command::Backup { .. }
        | Command::Recover { .. }
        | Command::Replay { .. }
        | Command::Gen { .. }
        | Command::Serve { .. }
        | Command::Token { .. } => Err(Failure::Usage(
            "only balance, trail, summary, report, diff and export can be queried here".to_string(),
        )),
    }
}

/// The log in an export format; `tick` is called once per event written.
pub fn export_text(
    ledger: &Ledger,
    format: ExportFormat,
    known_at: Option<KnownAt>,
    tick: &mut dyn FnMut(),
) -> Result<String, Failure> {
    let known_at = view_of(ledger, NaiveDate::MIN, known_at)?.known_at;
    let hash = ledger.hash_of(known_at).map(hex::encode);
    let records = ledger.records();
    Ok(match format {
        ExportFormat::Jsonl => {
            let mut text = String::new();
            for r in records.iter().take_while(|r| r.seq <= known_at) {
                text.push_str(&json_line(&event::to_json(&r.event)));
                tick();
            }
            text
        }
        ExportFormat::Hledger => export::hledger(records, known_at, hash.as_deref(), tick),
        ExportFormat::Beancount => export::beancount(records, known_at, hash.as_deref(), tick),
        ExportFormat::Csv => export::csv(records, known_at, tick).map_err(Failure::Store)?,
    })
}

/// A chart of the ledger as SVG text.
pub fn chart_svg(
    ledger: &Ledger,
    kind: ChartKind,
    plan_year: i32,
    as_of: Option<NaiveDate>,
    known_at: Option<KnownAt>,
    lang: Lang,
) -> Result<String, Failure> {
    let as_of = match as_of {
        Some(d) => d,
        None => chart::year_end(plan_year)
            .ok_or_else(|| Failure::Usage(format!("plan year {plan_year} has no year end")))?,
    };
    let view = view_of(ledger, as_of, known_at)?;
    let progress = chart::progress(ledger.records(), view, plan_year).map_err(Failure::Usage)?;
    let hash = ledger.hash_of(view.known_at).map(hex::encode);
    match kind {
        ChartKind::SCurve => chart::s_curve_svg(&progress, hash.as_deref(), lang),
        ChartKind::Rates => chart::rates_svg(&progress, hash.as_deref(), lang),
    }
    .map_err(Failure::Store)
}

fn summary(
    ledger: &Ledger,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
) -> Result<String, Failure> {
    let view = view_of(ledger, as_of, known_at)?;
    let lines = projection::balances(ledger.records(), view, Some(plan_year));
    let pin = Pin {
        view,
        hash: ledger.hash_of(view.known_at),
    };
    Ok(report::section_two_text(pin, plan_year, &lines))
}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn json_line(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The one-line outcome of an append: how many events, their sequences, the new head.
pub fn appended_text(
    appended: usize,
    range: Option<(&u64, &u64)>,
    already_present: usize,
    head: u64,
    hash: Option<crate::storage::Hash>,
) -> String {
    let range = range.map_or(String::new(), |(a, b)| format!(" (sequences {a}–{b})"));
    let hash = hash.map_or("-".to_string(), hex::encode);
    format!(
        "appended {appended} events{range}, {already_present} already present; head {head} hash {hash}\n"
    )
}

/// Appends a parsed batch and describes the outcome.
pub fn import(
    ledger: &mut Ledger,
    source: &str,
    events: Vec<ParsedLine>,
) -> Result<String, Failure> {
    let line_numbers: Vec<usize> = events.iter().map(|p| p.line_number).collect();
    let batch: Vec<Event> = events.into_iter().map(|p| p.event).collect();
    match append_batch(ledger, batch) {
        Ok(done) => Ok(appended_text(
            done.seqs.len(),
            done.seqs.first().zip(done.seqs.last()),
            done.already_present,
            done.head_seq,
            done.head_hash,
        )),
        Err(AppendError::Rejected {
            index,
            id,
            rejection,
        }) => {
            let line = line_numbers
                .get(index)
                .map_or("?".to_string(), |n| n.to_string());
            let id = id.map_or(String::new(), |id| format!(" (id {id})"));
            Err(Failure::Rejected(format!(
                "{source}:{line}{id}: {rejection}; nothing was appended"
            )))
        }
        Err(AppendError::Store(e)) => Err(not_acknowledged(e)),
    }
}

/// A store failure during an append: say plainly what it means for the batch.
pub(crate) fn not_acknowledged(e: StoreError) -> Failure {
    match e {
        StoreError::Io(m) => Failure::Store(format!(
            "{m}; the batch was NOT acknowledged (everything acknowledged before is intact). \
             Fix the cause (e.g. free disk space) and import the same file again: events that \
             did reach the log are then skipped as already present"
        )),
        other => other.into(),
    }
}

/// `socai recover`: rebuild, then report what came from where and what was lost.
fn recover(
    from: &std::path::Path,
    to: &std::path::Path,
    export: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let events = match export {
        None => None,
        Some(file) => {
            let f = std::fs::File::open(file)
                .map_err(|e| Failure::Usage(format!("cannot open {file}: {e}")))?;
            let parsed = read_events(f).map_err(|e| e.into_failure(file))?;
            Some(parsed.into_iter().map(|p| p.event).collect())
        }
    };
    let done = match crate::ledger::recover(from, to, events, Utc::now()) {
        Ok(done) => done,
        Err(crate::ledger::RecoverError::Store(e)) => return Err(e.into()),
        Err(crate::ledger::RecoverError::Export(e)) => {
            return Err(Failure::Rejected(format!(
                "{}: {e}; no store was written",
                export.unwrap_or("export")
            )));
        }
    };
    let mut text = String::new();
    match &done.problem {
        Some(p) => text.push_str(&format!("damaged store: {p}\n")),
        None => text.push_str("damaged store: its log verifies to the end\n"),
    }
    if done.kept == 0 {
        text.push_str("kept: nothing (no event of the damaged store verifies)\n");
    } else {
        text.push_str(&format!(
            "kept: sequences 1–{} copied verbatim (original recording times and hashes)\n",
            done.kept
        ));
    }
    if export.is_some() {
        let entered = if done.from_export == 0 {
            "none re-entered".to_string()
        } else {
            format!(
                "{} re-entered as sequences {}–{} (recorded now)",
                done.from_export,
                done.kept + 1,
                done.kept + done.from_export
            )
        };
        text.push_str(&format!(
            "export: {} events already in the kept prefix; {entered}\n",
            done.export_already_present
        ));
    }
    let hash = done.head_hash.map_or("-".to_string(), hex::encode);
    text.push_str(&format!(
        "new store: {} with {} events, head {}:{hash}\n",
        to.display(),
        done.head,
        done.head
    ));
    let verdict = match (&done.acknowledged, done.lost()) {
        (_, Some((a, b))) => Some(format!(
            "LOST: acknowledged sequences {a}–{b} ({} events) are in neither the verified log nor the export",
            b - a + 1
        )),
        (Ok(n), None) => {
            text.push_str(&format!(
                "nothing lost: the damaged store had acknowledged {n} events\n"
            ));
            None
        }
        (Err(why), None) => Some(format!(
            "UNKNOWN LOSS: {why}, so what was acknowledged after sequence {} cannot be known",
            done.head
        )),
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::Store(format!("cannot write output: {e}")))?;
    match verdict {
        Some(v) => Err(Failure::Integrity(format!(
            "{v}; the new store in {} holds everything that could be saved",
            to.display()
        ))),
        None => Ok(()),
    }
}

/// Reads a plan table from a file: CSV by its `.csv` extension, otherwise a workbook.
pub fn read_plan_table(
    file: &std::path::Path,
    sheet: Option<&str>,
) -> Result<plan_import::Table, Failure> {
    let name = file.display().to_string();
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::Usage(format!("cannot open {name}: {e}")))?;
    if meta.len() > plan_import::MAX_FILE_BYTES {
        return Err(Failure::Rejected(format!(
            "{name}: too_large: a plan file may hold at most {} bytes",
            plan_import::MAX_FILE_BYTES
        )));
    }
    let bytes =
        std::fs::read(file).map_err(|e| Failure::Usage(format!("cannot read {name}: {e}")))?;
    let spinner = progress::spinner(&format!("reading {name}"));
    let _clear = ClearOnDrop(&spinner);
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let table = match extension.as_str() {
        "csv" => {
            if sheet.is_some() {
                return Err(Failure::Usage(format!(
                    "{name} is a CSV file: it has no sheets, drop --sheet"
                )));
            }
            plan_import::read_csv(&bytes, &name)
        }
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => plan_import::read_workbook(bytes, &name, sheet),
        _ => {
            return Err(Failure::Usage(format!(
                "{name}: a plan table must be .xlsx, .xlsm, .xlsb, .xls, .ods or .csv"
            )));
        }
    };
    table.map_err(|e| Failure::Rejected(format!("{name}: {e}; nothing was appended")))
}

/// Clears a spinner however the scope ends.
struct ClearOnDrop<'a>(&'a indicatif::ProgressBar);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Turns a plan table into events and appends them as one batch.
pub fn import_plan(ledger: &mut Ledger, table: &plan_import::Table) -> Result<String, Failure> {
    let plan = plan_import::plan_events(table, ledger.state())
        .map_err(|e| Failure::Rejected(format!("{e}; nothing was appended")))?;
    let events: Vec<Event> = plan.events().cloned().collect();
    let opened = events
        .iter()
        .filter(|e| matches!(e.kind, event::Kind::OpenLine(_)))
        .count();
    match append_batch(ledger, events) {
        Ok(done) => Ok(format!(
            "sheet {:?}: {} rows, {opened} new lines; {}",
            table.sheet,
            plan.rows.len(),
            appended_text(
                done.seqs.len(),
                done.seqs.first().zip(done.seqs.last()),
                done.already_present,
                done.head_seq,
                done.head_hash,
            )
        )),
        Err(AppendError::Rejected {
            index, rejection, ..
        }) => {
            let row = plan
                .row_of(index)
                .map_or(String::new(), |r| format!(", row {r}"));
            Err(Failure::Rejected(format!(
                "sheet {:?}{row}: {rejection}; nothing was appended",
                table.sheet
            )))
        }
        Err(AppendError::Store(e)) => Err(e.into()),
    }
}

/// One event read from an input file, with its 1-based line number.
pub struct ParsedLine {
    pub line_number: usize,
    pub event: Event,
}

/// Why an input file could not be read into events.
#[derive(Debug)]
pub enum InputError {
    Read(String),
    Bad {
        line_number: usize,
        id: Option<String>,
        rejection: Rejection,
    },
}

impl InputError {
    pub fn into_failure(self, source: &str) -> Failure {
        match self {
            InputError::Read(m) => Failure::Usage(format!("cannot read {source}: {m}")),
            InputError::Bad {
                line_number,
                id,
                rejection,
            } => {
                let id = id.map_or(String::new(), |id| format!(" (id {id})"));
                Failure::Rejected(format!(
                    "{source}:{line_number}{id}: {rejection}; nothing was appended"
                ))
            }
        }
    }
}

/// Reads JSON lines, stopping at the first bad one. Blank lines are skipped. At most
/// `MAX_BATCH_EVENTS` events: one batch, appended all or nothing.
pub fn read_events(input: impl Read) -> Result<Vec<ParsedLine>, InputError> {
    let mut reader = LineReader::new(input);
    let mut events = Vec::new();
    while let Some(event) = reader.next_event()? {
        if events.len() == MAX_BATCH_EVENTS {
            return Err(InputError::Bad {
                line_number: event.line_number,
                id: None,
                rejection: Rejection::new(
                    Code::TooLarge,
                    format!("a file may hold at most {MAX_BATCH_EVENTS} events; split it"),
                ),
            });
        }
        events.push(event);
    }
    Ok(events)
}

/// Parses an input one event at a time, with bounded lines.
pub struct LineReader<R: Read> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line_number: usize,
}

impl<R: Read> LineReader<R> {
    pub fn new(input: R) -> LineReader<R> {
        LineReader {
            reader: BufReader::new(input),
            buf: Vec::new(),
            line_number: 0,
        }
    }

    /// The 1-based number of the last line read.
    pub fn line_number(&self) -> usize {
        self.line_number
    }

    /// The next event, `None` at the end of the input.
    pub fn next_event(&mut self) -> Result<Option<ParsedLine>, InputError> {
        loop {
            self.buf.clear();
            self.line_number += 1;
            let line_number = self.line_number;
            let limit = (MAX_LINE_BYTES + 2) as u64;
            let n = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| InputError::Read(e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            let bad = |id: Option<String>, rejection: Rejection| InputError::Bad {
                line_number,
                id,
                rejection,
            };
            let buf = &mut self.buf;
            if buf.last() == Some(&b'\n') {
                buf.pop();
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
            }
            if buf.len() > MAX_LINE_BYTES {
                return Err(bad(
                    None,
                    Rejection::new(
                        Code::TooLarge,
                        format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                    ),
                ));
            }
            let text = std::str::from_utf8(buf).map_err(|_| {
                bad(
                    None,
                    Rejection::new(Code::Malformed, "the line is not UTF-8"),
                )
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let event = event::parse_line(text).map_err(|rejection| {
                let id = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
                bad(id, rejection)
            })?;
            return Ok(Some(ParsedLine { line_number, event }));
        }
    }
}

/// Writes `socai gen` output: import files of at most `MAX_BATCH_EVENTS` events each (each file
/// imports as one atomic batch) and `journal.ledger`.
fn gen_files(events: u64, seed: u64, dir: &std::path::Path) -> Result<String, Failure> {
    struct Files<'a> {
        dir: &'a std::path::Path,
        file: Option<std::io::BufWriter<std::fs::File>>,
        in_file: usize,
        count: usize,
    }
    impl Files<'_> {
        fn finish(&mut self) -> Result<(), String> {
            if let Some(mut f) = self.file.take() {
                f.flush().map_err(|e| format!("cannot write: {e}"))?;
            }
            Ok(())
        }
    }
    impl crate::app::workload::Sink for Files<'_> {
        fn event(&mut self, event: &Event) -> Result<(), String> {
            if self.file.is_none() || self.in_file == MAX_BATCH_EVENTS {
                self.finish()?;
                self.count += 1;
                let path = self.dir.join(format!("events-{:04}.jsonl", self.count));
                let f = std::fs::File::create(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                self.file = Some(std::io::BufWriter::new(f));
                self.in_file = 0;
            }
            self.in_file += 1;
            let line = json_line(&event::to_json(event));
            match self.file.as_mut() {
                Some(f) => f
                    .write_all(line.as_bytes())
                    .map_err(|e| format!("cannot write: {e}")),
                None => Err("no output file".to_string()),
            }
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Store(format!("cannot create {}: {e}", dir.display())))?;
    let mut files = Files {
        dir,
        file: None,
        in_file: 0,
        count: 0,
    };
    let (summary, journal) =
        crate::app::workload::generate(events, seed, &mut files).map_err(|e| {
            if e.starts_with("--events") {
                Failure::Usage(e)
            } else {
                Failure::Store(e)
            }
        })?;
    files.finish().map_err(Failure::Store)?;
    let path = dir.join("journal.ledger");
    std::fs::write(&path, journal)
        .map_err(|e| Failure::Store(format!("cannot write {}: {e}", path.display())))?;
    let span = match (summary.first_date, summary.last_date) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "-".to_string(),
    };
    Ok(format!(
        "generated {} events over {} lines ({span}; {} backdated, {} reversed) in {} files of at most {MAX_BATCH_EVENTS} events, and journal.ledger, under {}\n",
        summary.events,
        summary.lines,
        summary.backdated,
        summary.reversed,
        files.count,
        dir.display()
    ))
}
