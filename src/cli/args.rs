//! The command line's arguments (clap). The value lists of the app's plain enums are offered
//! here, so nothing outside `cli` knows clap. What each subcommand and argument means, in
//! Vietnamese and English, is in the help catalogue (`help_text`, `help_args`), not here.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::Format;
use crate::app::chart::ChartKind;
use crate::app::consolidate::View as ConsolidateView;
use crate::app::export::ExportFormat;
use crate::core::known_at::{self, KnownAt};
use crate::core::money;
use crate::present::csv_out::CsvDialect;
use crate::present::vi_format::{Lang, Unit};
use crate::storage::Hash;

#[derive(Parser, Debug)]
#[command(name = "socai", version)]
pub struct Cli {
    #[arg(long, global = true, env = "SOCAI_DB", default_value = "./socai-data")]
    pub db: PathBuf,
    #[arg(long, global = true)]
    pub server: Option<String>,
    #[arg(long, global = true, env = "SOCAI_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
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
    #[arg(long, value_parser = date_arg)]
    pub as_of: NaiveDate,
    #[arg(long, value_parser = known_at_arg)]
    pub known_at: Option<KnownAt>,
}

/// The figures of one plan year at a moment (summary, report, reconcile).
#[derive(Args, Debug, Clone, Copy)]
pub struct YearAt {
    #[command(flatten)]
    pub at: At,
    #[arg(long)]
    pub plan_year: i32,
}

/// A moment that may be left open: every effective date, or one chosen by the command
/// (trail, settlement, chart), and everything recorded.
#[derive(Args, Debug, Clone, Copy)]
pub struct MaybeAt {
    #[arg(long, value_parser = date_arg)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, value_parser = known_at_arg)]
    pub known_at: Option<KnownAt>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Import {
        file: String,
        #[arg(long)]
        json: bool,
    },
    ImportPlan {
        file: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Balance {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        plan_year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    Trail {
        line: String,
        #[command(flatten)]
        at: MaybeAt,
        #[arg(long)]
        json: bool,
    },
    Events {
        #[arg(long)]
        document: Option<String>,
        #[arg(long)]
        payee: Option<String>,
        #[arg(long)]
        line: Option<String>,
        #[arg(long, value_parser = date_arg)]
        from: Option<NaiveDate>,
        #[arg(long, value_parser = date_arg)]
        to: Option<NaiveDate>,
        #[arg(long = "type")]
        kind: Option<String>,
        #[arg(long, default_value_t = 0)]
        after: u64,
        #[arg(long, default_value_t = crate::app::events::DEFAULT_LIMIT)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    Advances {
        #[command(flatten)]
        at: At,
        #[arg(long)]
        json: bool,
    },
    Summary {
        #[command(flatten)]
        at: YearAt,
        #[arg(long)]
        json: bool,
    },
    Report {
        #[command(flatten)]
        at: YearAt,
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        #[arg(long)]
        whole: bool,
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_parser = number_arg)]
        number: Option<String>,
        #[arg(long, value_parser = date_arg)]
        date: Option<NaiveDate>,
    },
    Settlement {
        #[arg(long)]
        plan_year: i32,
        #[command(flatten)]
        at: MaybeAt,
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[arg(long, value_enum, default_value = "trieu")]
        unit: Unit,
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    Reconcile {
        claims: PathBuf,
        #[command(flatten)]
        at: YearAt,
        #[arg(long)]
        json: bool,
    },
    Diff {
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        #[arg(long, value_parser = known_at_arg)]
        known_at: KnownAt,
        #[arg(long, value_parser = known_at_arg)]
        vs: KnownAt,
        #[arg(long)]
        plan_year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    Chart {
        #[arg(value_enum)]
        kind: ChartKind,
        #[arg(long)]
        plan_year: i32,
        #[command(flatten)]
        at: MaybeAt,
        #[arg(long)]
        out: PathBuf,
    },
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    Man {
        subcommand: Option<String>,
        #[arg(long, conflicts_with = "subcommand")]
        dir: Option<PathBuf>,
    },
    Verify {
        #[arg(long, value_parser = head_arg)]
        expect_head: Option<(u64, Hash)>,
        #[arg(long)]
        json: bool,
    },
    Backup {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    Recover {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        to: PathBuf,
        #[arg(long)]
        export: Option<String>,
        #[arg(long)]
        from_replica: Option<PathBuf>,
    },
    Export {
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        #[arg(long, value_parser = known_at_arg)]
        known_at: Option<KnownAt>,
        #[arg(long, value_enum)]
        csv_dialect: Option<CsvDialect>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    Replay {
        dir: PathBuf,
        #[arg(long)]
        bless: bool,
    },
    Demo,
    Gen {
        #[arg(long)]
        events: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    Serve {
        #[arg(long)]
        listen: Option<String>,
        #[arg(long, env = "SOCAI_CONFIG")]
        config: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        units: Option<PathBuf>,
    },
    Init {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
    Replicate {
        #[arg(long)]
        from: String,
        #[arg(long, env = "SOCAI_TOKEN", hide_env_values = true)]
        token: String,
        #[arg(long)]
        to: PathBuf,
        #[arg(long)]
        follow: bool,
    },
    Consolidate {
        #[arg(long)]
        units: PathBuf,
        #[arg(long)]
        plan_year: i32,
        #[arg(long, value_parser = date_arg)]
        as_of: NaiveDate,
        #[arg(long, value_parser = ["text", "json", "md", "csv", "xlsx"])]
        format: Option<String>,
        #[arg(long, value_enum, default_value = "section-ii")]
        view: ConsolidateView,
        #[arg(long, value_enum, default_value = "excel-vi")]
        csv_dialect: CsvDialect,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        pin: Vec<String>,
    },
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    Hash,
    New {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["recorder", "auditor", "admin"])]
        role: String,
    },
}

/// The format of a report written to `out` (see `app::format::output_format`); a mismatch,
/// which `cli::run` refuses before asking, falls back to `--format`.
pub fn output_format(format: Option<Format>, out: Option<&std::path::Path>) -> Format {
    crate::cli::commands::output_format(format, out).unwrap_or(format.unwrap_or(Format::Text))
}

/// The format of an export written to `out`, as `output_format` for reports.
pub fn export_format(format: Option<ExportFormat>, out: Option<&std::path::Path>) -> ExportFormat {
    crate::cli::commands::export_format(format, out)
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
        &ExportFormat::ALL
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for ChartKind {
    fn value_variants<'a>() -> &'a [Self] {
        &[ChartKind::SCurve, ChartKind::Rates]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            ChartKind::SCurve => "s-curve",
            ChartKind::Rates => "rates",
        }))
    }
}

/// `a` with each of its values described in `lang` from the catalogue (`help_text::VALUES`),
/// for the arguments whose values have descriptions: the shells' completions show them.
pub fn with_value_help(path: &str, a: clap::Arg, lang: Lang) -> clap::Arg {
    match (path, a.get_id().as_str()) {
        ("export", "format") => described::<ExportFormat>(path, a, lang),
        ("chart", "kind") => described::<ChartKind>(path, a, lang),
        _ => a,
    }
}

fn described<T>(path: &str, a: clap::Arg, lang: Lang) -> clap::Arg
where
    T: ValueEnum + Clone + Send + Sync + 'static,
{
    let id = a.get_id().to_string();
    let values = T::value_variants()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .map(
            |v| match crate::cli::help_text::value(path, &id, v.get_name()) {
                Some(text) => v.help(text.get(lang)),
                None => v,
            },
        );
    let parser = clap::builder::PossibleValuesParser::new(values)
        .try_map(|name: String| T::from_str(&name, true));
    a.value_parser(parser)
}
