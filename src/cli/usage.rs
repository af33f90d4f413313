//! clap's errors as the catalogue words them (`present::problems::usage`): the kind of error
//! and the argument it names, in the language `--lang` or SOCAI_LANG asks for, which must be
//! found before the arguments are parsed (they are what failed). `--help` is worded in the
//! same language by `localize`.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::present::problems::{self, Usage};
use crate::present::vi_format::Lang;

/// The language of a command line that may not parse: the last `--lang X` / `--lang=X`,
/// else SOCAI_LANG, else Vietnamese.
pub fn language_of(args: &[String]) -> Lang {
    let mut chosen: Option<&str> = None;
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix("--lang=") {
            chosen = Some(v);
        } else if a == "--lang" {
            chosen = args.get(i + 1).map(String::as_str);
        }
    }
    let env = crate::app::settings::env_lang();
    match chosen.or(env.as_deref()) {
        Some("en") => Lang::En,
        _ => Lang::Vi,
    }
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        other => Some(other.to_string()),
    }
}

fn strings(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// What clap found, as the catalogue's facts.
pub fn facts(e: &clap::Error) -> Usage {
    let arg = || context(e, ContextKind::InvalidArg).unwrap_or_default();
    match e.kind() {
        ErrorKind::UnknownArgument => Usage::UnknownArgument {
            arg: arg(),
            suggestion: context(e, ContextKind::SuggestedArg),
        },
        ErrorKind::InvalidSubcommand => Usage::UnknownCommand {
            name: context(e, ContextKind::InvalidSubcommand).unwrap_or_default(),
        },
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
            if e.get(ContextKind::InvalidValue)
                .is_some_and(|v| v.to_string().is_empty()) =>
        {
            Usage::MissingValue { arg: arg() }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Usage::InvalidValue {
            arg: arg(),
            value: context(e, ContextKind::InvalidValue).unwrap_or_default(),
            valid: strings(e, ContextKind::ValidValue),
        },
        ErrorKind::MissingRequiredArgument => Usage::MissingRequired {
            args: strings(e, ContextKind::InvalidArg),
        },
        ErrorKind::ArgumentConflict => Usage::Conflict {
            arg: arg(),
            other: context(e, ContextKind::PriorArg).unwrap_or_default(),
        },
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Usage::MissingCommand
        }
        _ => Usage::Other {
            text: e.kind().to_string(),
        },
    }
}

/// The usage error as printed on stderr, in `lang`, prefixed like every failure.
pub fn message(e: &clap::Error, lang: Lang) -> String {
    let word = crate::present::messages::Msg::Error.text(lang);
    format!("{word}: {}", problems::usage(&facts(e), lang))
}
