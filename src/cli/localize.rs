//! Applies the help catalogue (`help_text`) to the built CLI definition, in one language:
//! every subcommand's about and every argument's help (clap's own `--help`, `--version` and
//! `help` included, which exist only once the definition is built). In Vietnamese, the words
//! clap prints around them too: "Cách dùng:", the headings, "[TÙY CHỌN]", and the default,
//! value and environment notes (clap's English ones are hidden, ours appended to the help).

use clap::{Arg, Command};

use crate::cli::help_text::{self, words};
use crate::present::vi_format::Lang;

/// The template of a Vietnamese help page: clap's, with its "Usage:" worded.
const VI_TEMPLATE: &str =
    "{before-help}{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}";

/// `cmd` built and worded in `lang`.
pub fn localize(mut cmd: Command, lang: Lang) -> Command {
    cmd.build();
    apply(cmd, "", lang)
}

fn apply(cmd: Command, path: &str, lang: Lang) -> Command {
    let mut cmd = cmd;
    if let Some(about) = help_text::about(path) {
        cmd = cmd.about(about.get(lang)).long_about(None);
    }
    cmd = cmd.mut_args(|a| arg_in(a, path, lang));
    if lang == Lang::Vi {
        cmd = cmd
            .help_template(VI_TEMPLATE)
            .subcommand_help_heading(words::COMMANDS)
            .subcommand_value_name(words::COMMAND_PLACEHOLDER);
        let usage = vi_usage(&cmd.render_usage().to_string());
        cmd = cmd.override_usage(usage);
    }
    cmd.mut_subcommands(|sc| {
        let sub = match path {
            "" => sc.get_name().to_string(),
            _ => format!("{path} {}", sc.get_name()),
        };
        apply(sc, &sub, lang)
    })
}

/// clap's usage line without its "Usage: " and with its English placeholders worded.
fn vi_usage(usage: &str) -> String {
    let line = usage.strip_prefix("Usage: ").unwrap_or(usage);
    line.replace("[OPTIONS]", words::OPTIONS_PLACEHOLDER)
        .replace("<COMMAND>", &format!("<{}>", words::COMMAND_PLACEHOLDER))
}

/// One argument worded: the catalogue's text (an argument it lacks keeps what it has; the
/// test `every_argument_and_subcommand_has_both_texts` fails on it).
fn arg_in(a: Arg, path: &str, lang: Lang) -> Arg {
    let a = crate::cli::args::with_value_help(path, a, lang);
    let Some(text) = help_text::arg(path, a.get_id().as_str()) else {
        return a;
    };
    // The global arguments (--db, --lang, …) after the command's own, not among them.
    let a = match a.is_global_set() && !path.is_empty() {
        true => a.display_order(900),
        false => a,
    };
    match lang {
        Lang::En => a.help(text.en).long_help(None),
        Lang::Vi => {
            let notes = vi_notes(&a);
            let help = match notes.is_empty() {
                true => text.vi.to_string(),
                false => format!("{} {notes}", text.vi),
            };
            let heading = match a.is_positional() {
                true => words::ARGUMENTS,
                false => words::OPTIONS,
            };
            a.help(help)
                .long_help(None)
                .help_heading(heading)
                .hide_default_value(true)
                .hide_possible_values(true)
                .hide_env(true)
        }
    }
}

/// The default, the possible values and the environment variable of an argument, in
/// Vietnamese, as clap would note them in English.
fn vi_notes(a: &Arg) -> String {
    let mut notes = Vec::new();
    let takes_values = a.get_num_args().is_some_and(|n| n.takes_values());
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_values && !a.is_hide_default_value_set() && !defaults.is_empty() {
        notes.push(format!("[{}: {}]", words::DEFAULT, defaults.join(" ")));
    }
    let values: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !a.is_hide_possible_values_set() && !values.is_empty() {
        notes.push(format!("[{}: {}]", words::VALUES, values.join(", ")));
    }
    if let Some(env) = a.get_env().filter(|_| !a.is_hide_env_set()) {
        notes.push(format!("[{}: {}]", words::ENV, env.to_string_lossy()));
    }
    notes.join(" ")
}

/// Every (subcommand path, argument id) of `cmd` and below, and every subcommand path,
/// that the catalogue has no text for (for the test).
pub fn missing(cmd: &Command) -> Vec<String> {
    let mut missing = Vec::new();
    let mut stack = vec![(String::new(), cmd.clone())];
    while let Some((path, c)) = stack.pop() {
        if help_text::about(&path).is_none() {
            missing.push(format!("about of {path:?}"));
        }
        for a in c.get_arguments() {
            if help_text::arg(&path, a.get_id().as_str()).is_none() {
                missing.push(format!("{path:?} {}", a.get_id()));
            }
        }
        for sc in c.get_subcommands() {
            let sub = match path.as_str() {
                "" => sc.get_name().to_string(),
                _ => format!("{path} {}", sc.get_name()),
            };
            stack.push((sub, sc.clone()));
        }
    }
    missing
}
