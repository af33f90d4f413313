//! The manual: one page per subcommand (`socai-balance(1)`, …) and the overview `socai(1)`,
//! each with EXIT STATUS and ENVIRONMENT, from the CLI definition itself; and the definition
//! as every door of the CLI uses it (`--db` only on the commands that use a store).

use std::io::Write;
use std::path::PathBuf;

use clap::{Arg, CommandFactory};

use crate::cli::args::Cli;

/// Subcommands that use no store: `--db` means nothing to them. It is still accepted there
/// (scripts pass it to every command; the test helpers do), but not shown in their help,
/// their manual page or their completions.
pub const STORELESS: [&str; 8] = [
    "completions",
    "man",
    "gen",
    "recover",
    "replay",
    "token",
    "consolidate",
    "replicate",
];

/// The CLI definition: the derived one, with `--db` hidden where it means nothing.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for name in STORELESS {
        // A subcommand that has its own (hidden) argument does not receive the global one.
        cmd = cmd.mut_subcommand(name, |mut sc| {
            for id in ["db", "server", "token"] {
                if sc.get_arguments().any(|a| a.get_id() == id) {
                    continue;
                }
                // The value types of the global arguments: clap hands a value given here
                // up to them.
                let arg = Arg::new(id)
                    .long(id)
                    .hide(true)
                    .global(true)
                    .help("Not used by this command");
                sc = sc.arg(if id == "db" {
                    arg.value_parser(clap::value_parser!(PathBuf))
                } else {
                    arg.value_parser(clap::value_parser!(String))
                });
            }
            sc
        });
    }
    cmd
}

/// The exit codes every command shares (see `failure`).
const EXIT_STATUS: [(&str, &str); 5] = [
    ("0", "Success."),
    (
        "1",
        "The input was rejected (nothing of it was appended), claims do not follow from the ledger (reconcile), or a replay differs.",
    ),
    (
        "2",
        "Usage error: a wrong argument, date, file or line code.",
    ),
    (
        "3",
        "Integrity failure: the stored bytes are not what was acknowledged (the message names the first bad sequence), or a replica's source has another history.",
    ),
    (
        "4",
        "The store could not be used (missing, in use by another process for a command that writes, I/O error), or the output could not be written.",
    ),
];

/// Environment variables every command reads.
const COMMON_ENV: [(&str, &str); 1] = [(
    "RUST_LOG",
    "Log filter for messages on stderr (default: warn; info for serve).",
)];

/// Escapes text for roff: backslashes, hyphens (so they are not hyphenation points), and a
/// leading dot or quote (which would start a request).
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The EXIT STATUS and ENVIRONMENT sections of `cmd`'s page.
fn extra_sections(cmd: &clap::Command) -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning)));
    }
    roff.push_str(".SH ENVIRONMENT\n");
    let mut env: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| {
            let name = a.get_env()?.to_str()?.to_string();
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            Some((
                name,
                format!("{help} (--{})", a.get_long().unwrap_or_default()),
            ))
        })
        .collect();
    env.extend(
        COMMON_ENV
            .iter()
            .map(|(n, h)| (n.to_string(), h.to_string())),
    );
    for (name, help) in env {
        roff.push_str(&format!(".TP\n\\fB{name}\\fR\n{}\n", roff_text(&help)));
    }
    roff
}

/// One page: clap_mangen's, with EXIT STATUS and ENVIRONMENT before its VERSION section.
fn page(cmd: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let extra = extra_sections(&cmd);
    let mut rendered = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut rendered)?;
    let text = String::from_utf8_lossy(&rendered);
    let at = text.find(".SH VERSION").unwrap_or(text.len());
    out.write_all(text[..at].as_bytes())?;
    out.write_all(extra.as_bytes())?;
    out.write_all(text[at..].as_bytes())
}

/// The built definition (global arguments propagated, names like `socai-balance`).
fn built() -> clap::Command {
    let mut cmd = command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// `socai man [SUBCOMMAND]`: the overview page, or one subcommand's page.
pub fn render(subcommand: Option<&str>, out: &mut dyn Write) -> Result<(), String> {
    let root = built();
    let cmd = match subcommand {
        None => root,
        Some(name) => root
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| format!("no subcommand {name:?}; `socai --help` lists them"))?,
    };
    page(cmd, out).map_err(|e| format!("cannot write the manual: {e}"))
}

/// `socai man --dir DIR`: every page as DIR/socai.1, DIR/socai-SUBCOMMAND.1 (and for
/// nested subcommands, DIR/socai-token-new.1). Returns the files written.
pub fn write_all(dir: &std::path::Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut stack = vec![built()];
    while let Some(cmd) = stack.pop() {
        stack.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
        let path = dir.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        page(cmd, &mut bytes).map_err(|e| format!("cannot render {name}: {e}"))?;
        crate::io::files::write_atomically(&path, &bytes).map_err(|e| e.to_string())?;
        written.push(path);
    }
    Ok(written)
}
