//! The command line: arguments (`args`), a short dispatch into `crate::app` (here), what
//! each command prints (`commands`), failures and exit codes (`failure`), progress bars.
//! Nothing outside this folder uses it.

pub mod args;
mod command_query;
pub mod commands;
pub mod failure;
mod help_args;
pub mod help_text;
pub mod http_source;
pub mod localize;
pub mod man;
pub mod progress;
pub mod read_source;
pub mod remote;
pub mod unit_commands;
mod usage;
pub mod verify;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub use args::{Cli, Command, TokenCommand};
pub use commands::{query, replay_query};
pub use failure::Failure;

/// What happens after `run`: a process that ends right after may leave a store's memory
/// (and its locks) to the exit; a library caller goes on and may reopen the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterRun {
    ProcessEnds,
    Continues,
}

pub fn main() -> ExitCode {
    // The language is known before parsing: help and errors are worded in it.
    let args: Vec<String> = std::env::args().collect();
    let lang = usage::language_of(&args);
    let parsed = man::command(lang)
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        // --help and --version are clap's (worded by `localize`); an error by the catalogue.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", usage::message(&e, lang));
            return ExitCode::from(2);
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
        // A log line that cannot be written (stderr on a full disk) is lost, nothing more:
        // reporting it would `eprintln!`, which panics when stderr fails, and a panic in a
        // request's task leaves the client without an answer.
        .log_internal_errors(false)
        .init();
    let mut stdout = std::io::stdout().lock();
    match run(&cli, &mut stdout, AfterRun::ProcessEnds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = stdout.flush();
            let word = crate::present::messages::Msg::Error.text(cli.lang);
            // Not `eprintln!`: a stderr that fails must not turn the exit code into a panic's.
            let _ = writeln!(
                std::io::stderr(),
                "{word}: {}",
                failure.message_in(cli.lang)
            );
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Runs one parsed command, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write, after: AfterRun) -> Result<(), Failure> {
    use commands as c;
    let db = cli.db.as_path();
    if let Some(server) = &cli.server {
        return remote::answer(server, cli.token.as_deref(), &cli.command, cli.lang, out);
    }
    let lang = cli.lang;
    match &cli.command {
        Command::Import { file, json } => c::import(db, file, *json, lang, out),
        Command::ImportPlan { file, sheet, json } => {
            c::import_plan(db, file, sheet.as_deref(), *json, lang, out)
        }
        Command::Demo => c::demo(db, lang, out),
        Command::Chart {
            kind,
            plan_year,
            at,
            out: path,
        } => c::chart(db, (*kind, *plan_year), at, lang, path),
        Command::Completions { shell } => c::completions(*shell, lang, out),
        Command::Man { subcommand, dir } => {
            c::man(subcommand.as_deref(), dir.as_deref(), lang, out)
        }
        Command::Verify { expect_head, json } => {
            verify::verify(db, expect_head.as_ref(), *json, (after, lang), out)
        }
        Command::Gen {
            events,
            seed,
            out: dir,
        } => c::generate(*events, *seed, (dir, lang), out),
        Command::Export {
            format,
            known_at,
            csv_dialect,
            out: path,
        } => {
            let format = c::export_format(*format, path.as_deref())?;
            let dialect = crate::present::csv_out::CsvDialect::chosen(*csv_dialect, lang);
            c::export(
                db,
                (format, dialect),
                *known_at,
                (path.as_deref(), lang),
                out,
            )
        }
        Command::Backup { dir, json } => c::backup(db, dir, *json, lang, out),
        Command::Recover {
            from,
            to,
            export,
            from_replica,
        } => {
            let request = crate::app::recover::Request {
                from,
                to,
                export: export.as_deref(),
                replica: from_replica.as_deref(),
            };
            c::recover(request, lang, out)
        }
        Command::Replay { dir, bless } => c::replay(dir, *bless, lang, out),
        Command::Balance { .. } | Command::Summary { .. } => {
            c::indexed(db, &cli.command, lang, out)
        }
        Command::Serve {
            listen,
            config,
            units,
        } => c::serve(db, listen, config, units.as_deref(), out),
        Command::Token { command } => c::token(command, lang, out),
        Command::Init { unit, name, parent } => {
            unit_commands::init(db, unit, name, parent.as_deref(), (lang, out))
        }
        Command::Consolidate { .. } => unit_commands::consolidate(&cli.command, lang, out),
        Command::Replicate {
            from,
            token,
            to,
            follow,
        } => unit_commands::replicate(from, token, (to, *follow), lang, out),
        Command::Reconcile { claims, at, json } => c::reconcile(
            db,
            claims,
            at.at.as_of,
            at.at.known_at,
            at.plan_year,
            (*json, lang),
            out,
        ),
        Command::Report {
            format, out: path, ..
        } => {
            let format = c::output_format(*format, path.as_deref())?;
            c::report(db, &cli.command, (format, lang), path.as_deref(), out)
        }
        Command::Settlement {
            format,
            json,
            out: path,
            ..
        } => {
            let format = match json {
                true => c::output_format(Some(crate::app::Format::Json), path.as_deref())?,
                false => c::output_format(*format, path.as_deref())?,
            };
            c::report(db, &cli.command, (format, lang), path.as_deref(), out)
        }
        Command::Trail { .. } | Command::Diff { .. } => c::indexed(db, &cli.command, lang, out),
        Command::Events { .. } | Command::Advances { .. } => {
            c::read_only(db, &cli.command, lang, out)
        }
    }
}
