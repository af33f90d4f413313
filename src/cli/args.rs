//! The command line's arguments (clap). The value lists of the app's plain enums are offered
//! here, so nothing outside `cli` knows clap.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::Format;
use crate::app::chart::ChartKind;
use crate::app::consolidate::View as ConsolidateView;
use crate::app::export::ExportFormat;
use crate::app::format;
use crate::core::known_at::{self, KnownAt};
use crate::core::money;
use crate::present::csv_out::CsvDialect;
use crate::present::vi_format::{Lang, Unit};
use crate::storage::Hash;

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
    /// Ask a running `socai serve` (http://HOST:PORT) instead of reading the store: balance,
    /// trail, summary, report, settlement, diff and advances.
    #[arg(long, global = true)]
    pub server: Option<String>,
    /// A bearer token of the server for --server (also read from SOCAI_TOKEN).
    #[arg(long, global = true, env = "SOCAI_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The language of everything printed for people (labels, messages, number format);
    /// JSON keys, error codes and exit codes do not change with it.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "SOCAI_LANG",
        default_value = "vi"
    )]
    pub lang: Lang,
    #[command(subcommand)]
    pub command: Command,
}

/// The moment a figure command stands at: an effective date and what the ledger knew.
#[derive(Args, Debug, Clone, Copy)]
pub struct At {
    /// The date the figures stand at (YYYY-MM-DD): events effective after it are not counted.
    #[arg(long, value_parser = date_arg)]
    pub as_of: NaiveDate,
    /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
    /// UTC+7) or an RFC 3339 moment (default: everything recorded).
    #[arg(long, value_parser = known_at_arg)]
    pub known_at: Option<KnownAt>,
}

/// The figures of one plan year at a moment (summary, report, reconcile).
#[derive(Args, Debug, Clone, Copy)]
pub struct YearAt {
    #[command(flatten)]
    pub at: At,
    /// The plan year (năm kế hoạch) whose lines are reported.
    #[arg(long)]
    pub plan_year: i32,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Append the events of a JSON-lines file (or - for stdin), all or nothing.
    Import {
        /// The JSON-lines file (schemas/event.schema.json, one event a line), or - for stdin.
        file: String,
        /// Print the outcome as JSON (counts, sequences, the new head) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Import a plan table (xlsx, xls, ods or CSV): opens missing lines and records one
    /// allocation per row citing its decision, all or nothing. See README for the layout.
    ImportPlan {
        /// The plan table: .xlsx, .xls, .ods or .csv.
        file: PathBuf,
        /// The sheet to read (required when the workbook has several).
        #[arg(long)]
        sheet: Option<String>,
        /// Print the outcome as JSON (rows, new lines, sequences, the new head) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Balances per line and totals as of a date.
    Balance {
        #[command(flatten)]
        at: At,
        /// Only the lines of this plan year (default: every plan year).
        #[arg(long)]
        plan_year: Option<i32>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every event that touched a line, with running totals, documents and reversal marks.
    Trail {
        /// The line's code, e.g. 2025/DTTS/SN/DA1/NSTW.
        line: String,
        /// Only events effective on or before this date (default: all).
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
        /// UTC+7) or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Find events by document number, payee, line, effective dates or type (one page).
    Events {
        /// Part of the document number (any case), e.g. UNC-2025-030.
        #[arg(long)]
        document: Option<String>,
        /// Part of the payee's name (any case).
        #[arg(long)]
        payee: Option<String>,
        /// A line code the event names (either side of a transfer), exactly.
        #[arg(long)]
        line: Option<String>,
        /// Effective on or after this date (YYYY-MM-DD).
        #[arg(long, value_parser = date_arg)]
        from: Option<NaiveDate>,
        /// Effective on or before this date (YYYY-MM-DD).
        #[arg(long, value_parser = date_arg)]
        to: Option<NaiveDate>,
        /// The event type: open_line, allocate, reduce, transfer, carry_over, disburse,
        /// refund, reverse, lapse, set_deadline, advance, commit, open_work, contribute,
        /// register_document, record_indicator.
        #[arg(long = "type")]
        kind: Option<String>,
        /// Start after this sequence (the previous page's next_after).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// At most this many events (1..=10000).
        #[arg(long, default_value_t = crate::app::events::DEFAULT_LIMIT)]
        limit: usize,
        /// The page as JSON (the shape of GET /v1/events).
        #[arg(long)]
        json: bool,
    },
    /// The advances to recover (tạm ứng chưa thu hồi) at a date: line, contract, payee,
    /// outstanding, age in days, flagged once payments under the contract reach 80% of it.
    Advances {
        /// The date the advances stand at (YYYY-MM-DD): events effective after it are not counted.
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
        /// UTC+7) or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Section II figures (plan and disbursement by capital type, origin and program).
    Summary {
        #[command(flatten)]
        at: YearAt,
        /// Print JSON (section II in exact đồng, with its provenance) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The point-in-time report: section II, annexes 01 and 02, and its provenance; or the
    /// whole report (sections I–VI, annexes, signatures) as a Word document (docx) or, with
    /// --whole, as md or html.
    Report {
        #[command(flatten)]
        at: YearAt,
        /// The output format (xlsx and docx need --out or a redirected stdout). Default: what
        /// --out's extension names (.txt .md .html .json .csv .xlsx .docx), else text. docx is
        /// the whole report.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The unit amounts are shown in (JSON always carries exact đồng).
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        /// The whole report in the seed's layout (official head, sections I–VI, annexes,
        /// signatures) instead of the figures report: for md and html (docx always is).
        #[arg(long)]
        whole: bool,
        /// CSV for a vi-VN spreadsheet (BOM, `;`, decimal comma) or plain RFC 4180 (`,`, `.`).
        /// Default: excel-vi with --lang vi, plain with --lang en.
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        /// Write to this file (replaced atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The report's number at its head (số hiệu), e.g. 12/BC-UBND; blank to fill by hand.
        #[arg(long, value_parser = number_arg)]
        number: Option<String>,
        /// The report's date at its head (YYYY-MM-DD); blank to fill by hand.
        #[arg(long, value_parser = date_arg)]
        date: Option<NaiveDate>,
    },
    /// The settlement of a plan year (quyết toán): brought forward, assigned, withdrawn,
    /// transferred, plan, disbursed, carried out, lapsed, unspent, recovered after the close.
    Settlement {
        /// The plan year to settle.
        #[arg(long)]
        plan_year: i32,
        /// Default: every effective date.
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
        /// UTC+7) or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// The same as `--format json`.
        #[arg(long)]
        json: bool,
        /// text, json, csv or xlsx. Default: what --out's extension names, else text.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The unit amounts are shown in (JSON always carries exact đồng).
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        /// CSV for a vi-VN spreadsheet or plain RFC 4180 (default: by --lang, as for report).
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        /// Write to this file (replaced atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare printed figures (a claims file) with the ledger, at the precision printed.
    Reconcile {
        /// The claims file: the printed figures to check (schemas/claims.schema.json).
        claims: PathBuf,
        #[command(flatten)]
        at: YearAt,
        /// One JSON object per claim, one per line.
        #[arg(long)]
        json: bool,
    },
    /// What changed in the figures as of a date between two knowledge points, and why.
    Diff {
        /// The date the figures stand at (YYYY-MM-DD): events effective after it are not counted.
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// The earlier knowledge point: a sequence number, a date (the end of that day, Vietnam
        /// time) or an RFC 3339 moment.
        #[arg(long, value_parser = known_at_arg)]
        known_at: KnownAt,
        /// The knowledge point to compare with (the same forms as --known-at).
        #[arg(long, value_parser = known_at_arg)]
        vs: KnownAt,
        /// Only the lines of this plan year (default: every plan year).
        #[arg(long)]
        plan_year: Option<i32>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Draw a chart as SVG: the S-curve of cumulative disbursement against plan per program
    /// and in total, or the disbursement rate by program.
    Chart {
        /// Which chart.
        #[arg(value_enum)]
        kind: ChartKind,
        /// The plan year (năm kế hoạch) whose lines are reported.
        #[arg(long)]
        plan_year: i32,
        /// Default: 31 December of the plan year.
        #[arg(long, value_parser = date_arg)]
        as_of: Option<NaiveDate>,
        /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
        /// UTC+7) or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// The SVG file to write (PNG is not offered: it would need font files).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a shell completion script: `source <(socai completions bash)`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `socai man > socai.1; man -l socai.1`; one subcommand's
    /// page with `socai man balance`; every page into a folder with `--dir`.
    Man {
        /// The subcommand whose page to print (default: the overview, socai(1)).
        subcommand: Option<String>,
        /// Write every page (socai.1, socai-balance.1, …) into this folder instead.
        #[arg(long, conflicts_with = "subcommand")]
        dir: Option<PathBuf>,
    },
    /// Check the hash chain and HEAD record; names the first bad sequence.
    Verify {
        /// A head remembered outside the store (`SEQ:HASH`, as printed by import, verify and
        /// backup): the log must contain it. Catches an older copy swapped in for the store.
        #[arg(long, value_parser = head_arg)]
        expect_head: Option<(u64, Hash)>,
        /// Print the outcome as JSON (head, journal, index, unit) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a verified copy of the store into DIR (new or empty); restore by using DIR as --db.
    Backup {
        /// The directory to write the copy into (new or empty).
        dir: PathBuf,
        /// Print the outcome as JSON (the directory and the head it holds) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild a clean store in TO from the longest verified prefix of the damaged store FROM
    /// (left untouched), plus an export (import-format JSON lines) for what follows.
    Recover {
        /// The damaged store (read, never written).
        #[arg(long)]
        from: PathBuf,
        /// Where to build the clean store (new or empty).
        #[arg(long)]
        to: PathBuf,
        /// An earlier `socai export` (or other import-format file) to re-enter what follows
        /// the verified prefix.
        #[arg(long)]
        export: Option<String>,
        /// A replica (or verified backup) of the damaged store: the records it holds beyond
        /// the verified prefix are copied verbatim, before the export.
        #[arg(long)]
        from_replica: Option<PathBuf>,
    },
    /// The log as import-format JSON lines (default), an hledger or beancount journal, CSV, an
    /// xlsx journal (one row per event; needs --out), or Parquet tables (needs --out DIR).
    Export {
        /// The output format. Default: what --out's extension names (.jsonl .journal .beancount
        /// .csv .xlsx), else jsonl.
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// What the ledger knew: a sequence number, a date (the end of that day, Vietnam time,
        /// UTC+7) or an RFC 3339 moment (default: everything recorded).
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        /// The CSV for a vi-VN spreadsheet (BOM, `;`) or plain RFC 4180 (`,`) for scripts.
        /// Default: excel-vi with --lang vi, plain with --lang en.
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        /// Write to this file (replaced atomically) instead of stdout; for parquet, the folder
        /// to create (it must not exist, or be empty) with events.parquet and lines.parquet.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Re-run a fixture folder's batches in a scratch store and compare its named queries.
    Replay {
        /// The fixture folder (its fixture.json lists the batches and the queries).
        dir: PathBuf,
        /// Write the queries' outputs as the expected ones instead (after a deliberate change
        /// of output; read the diff). Refused, writing nothing, unless every batch replays as
        /// fixture.json says.
        #[arg(long)]
        bless: bool,
    },
    /// Load the shipped Lùng Phình 2025 data into the store and print its figures.
    Demo,
    /// Write a deterministic synthetic workload: import files and a ledger-cli journal.
    Gen {
        /// How many events to generate.
        #[arg(long)]
        events: u64,
        /// The random seed: the same seed gives the same files.
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
        /// TOML file with credentials and limits (also read from SOCAI_CONFIG).
        #[arg(long, env = "SOCAI_CONFIG")]
        config: Option<PathBuf>,
        /// Serve every unit store under DIR (one directory per unit) at /v1/units/{unit}/…
        /// instead of the --db store: a province server.
        #[arg(long, value_name = "DIR")]
        units: Option<PathBuf>,
    },
    /// Give the store (created when missing) its budget unit, once: bound into the hash chain.
    Init {
        /// The unit's code (ASCII letters, digits, '.', '-', '_'), e.g. its administrative code.
        #[arg(long)]
        unit: String,
        /// The unit's full name, e.g. "UBND xã Lùng Phình".
        #[arg(long)]
        name: String,
        /// The code of the unit above it (a district, a province).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Copy a running server's log into a local replica (--to), record by record, checking
    /// every chain hash; resumes where it stopped; exit 3 if the source's history differs.
    Replicate {
        /// The server's base URL (http://HOST:PORT).
        #[arg(long)]
        from: String,
        /// A bearer token with read access (also read from SOCAI_TOKEN).
        #[arg(long, env = "SOCAI_TOKEN", hide_env_values = true)]
        token: String,
        /// The replica's directory (created when missing; resumed when it holds an earlier copy).
        #[arg(long)]
        to: PathBuf,
        /// Keep following the source's new events until interrupted.
        #[arg(long)]
        follow: bool,
    },
    /// Section II (or the settlement) summed over the unit stores under a folder: one row per
    /// unit and the total.
    Consolidate {
        /// The folder holding one store per unit (each given its unit with `socai init`).
        #[arg(long)]
        units: PathBuf,
        /// The plan year (năm kế hoạch) whose lines are reported.
        #[arg(long)]
        plan_year: i32,
        /// The date the figures stand at (YYYY-MM-DD): events effective after it are not counted.
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        /// text, json, md, csv or xlsx (xlsx needs --out or a redirected stdout). Default: what
        /// --out's extension names, else text.
        #[arg(long, value_parser = ["text", "json", "md", "csv", "xlsx"])]
        format: Option<String>,
        /// What is summed: section-ii (plan and disbursement) or settlement (quyết toán:
        /// brought forward … unspent, as `socai settlement` has).
        #[arg(long, value_enum, default_value = "section-ii")]
        view: ConsolidateView,
        /// CSV for a vi-VN spreadsheet (BOM, `;`, decimal comma; the default) or plain RFC 4180.
        #[arg(long, value_enum, default_value = "excel-vi")]
        csv_dialect: CsvDialect,
        /// Write to this file (replaced atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// A unit's knowledge point, `CODE=SEQ` (repeatable; default: each unit's head).
        #[arg(long)]
        pin: Vec<String>,
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
    /// Make a random token: the token on stderr, the [[credential]] entry (its hash) on stdout.
    New {
        /// Who the credential is for (letters, digits, '.', '-', '_'); recorded as the actor of
        /// what they append.
        #[arg(long)]
        name: String,
        /// recorder (append and read), auditor (read) or admin (everything).
        #[arg(long, value_parser = ["recorder", "auditor", "admin"])]
        role: String,
    },
}

/// The format of a report written to `out` (see `app::format::output_format`); a mismatch,
/// which `cli::run` refuses before asking, falls back to `--format`.
pub fn output_format(format: Option<Format>, out: Option<&std::path::Path>) -> Format {
    format::output_format(
        format,
        out,
        Format::of_extension,
        Format::as_str,
        Format::Text,
    )
    .unwrap_or(format.unwrap_or(Format::Text))
}

/// The format of an export written to `out`, as `output_format` for reports.
pub fn export_format(format: Option<ExportFormat>, out: Option<&std::path::Path>) -> ExportFormat {
    format::output_format(
        format,
        out,
        ExportFormat::of_extension,
        ExportFormat::as_str,
        ExportFormat::Jsonl,
    )
    .unwrap_or(format.unwrap_or(ExportFormat::Jsonl))
}

fn head_arg(text: &str) -> Result<(u64, Hash), String> {
    crate::storage::parse_head_arg(text)
}

fn number_arg(text: &str) -> Result<String, String> {
    crate::present::render::official::Official::check_number(text)
}

fn date_arg(text: &str) -> Result<NaiveDate, String> {
    money::parse_date(text)
}

fn known_at_arg(text: &str) -> Result<KnownAt, String> {
    known_at::parse(text).map_err(|e| e.to_string())
}

/// clap values for app and present types that list `ALL` and name each with `as_str` (the
/// types live outside `cli`, so they cannot derive clap's trait themselves).
macro_rules! value_enum_by_name {
    ($($t:ty),*) => {$(
        impl ValueEnum for $t {
            fn value_variants<'a>() -> &'a [Self] {
                &<$t>::ALL
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(self.as_str()))
            }
        }
    )*};
}

value_enum_by_name!(Format, Lang, Unit, CsvDialect, ConsolidateView);

impl ValueEnum for ExportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ExportFormat::Jsonl,
            ExportFormat::Hledger,
            ExportFormat::Beancount,
            ExportFormat::Csv,
            ExportFormat::Xlsx,
            ExportFormat::Parquet,
        ]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ExportFormat::Jsonl => PossibleValue::new("jsonl").help(
                "Import-format JSON lines: importing them into an empty store gives the same balances",
            ),
            ExportFormat::Hledger => PossibleValue::new("hledger").help(
                "An hledger journal: per line, Assets:Available, Expenses:Disbursed, Income:Plan",
            ),
            ExportFormat::Beancount => {
                PossibleValue::new("beancount").help("A beancount ledger with the same accounts")
            }
            ExportFormat::Csv => {
                PossibleValue::new("csv").help("One row per event and line, for spreadsheets")
            }
            ExportFormat::Xlsx => PossibleValue::new("xlsx")
                .help("An xlsx journal, one row per event, in Vietnamese (with --out FILE)"),
            ExportFormat::Parquet => PossibleValue::new("parquet").help(
                "Parquet tables events.parquet and lines.parquet for DuckDB, Spark or Trino (with --out DIR, new or empty)",
            ),
        })
    }
}

impl ValueEnum for ChartKind {
    fn value_variants<'a>() -> &'a [Self] {
        &[ChartKind::SCurve, ChartKind::Rates]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ChartKind::SCurve => PossibleValue::new("s-curve").help(
                "Cumulative disbursement as a share of plan, day by day, per program and in total",
            ),
            ChartKind::Rates => {
                PossibleValue::new("rates").help("Disbursement rate by program and in total")
            }
        })
    }
}
