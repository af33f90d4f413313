//! What the doors (CLI, server) read from the environment and pass down as explicit
//! parameters: nothing below the doors reads the environment.

use crate::ledger::Options;

/// Overrides the distance between index checkpoints for an index built from scratch (tests
/// use a small one to exercise many checkpoints).
pub const INDEX_INTERVAL_VAR: &str = "SOCAI_INDEX_CHECKPOINT_EVERY";

/// The ledger options the environment asks for; a missing or invalid value keeps the default.
pub fn ledger_options() -> Options {
    let mut options = Options::default();
    if let Some(every) = std::env::var(INDEX_INTERVAL_VAR)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&v| v >= 1)
    {
        options.index_interval = every;
    }
    options
}

/// `ledger_options` for a command that only reads the store (`hold` says what it keeps): sled
/// gets the small page cache `ledger::READ_SLED_CACHE`, since such a command reads the tree
/// in order and never reads a cached page again.
pub fn reading_options(hold: crate::ledger::Hold) -> Options {
    Options {
        hold,
        sled_cache: Some(crate::ledger::READ_SLED_CACHE),
        from_journal: true,
        ids_in_memory: Some(crate::ledger::IDS_IN_MEMORY),
        ..ledger_options()
    }
}

/// The options of a query the index could not answer: the whole log, which it only reads
/// (it may rebuild the derived index), from the journal when it can.
pub fn answering_options() -> Options {
    Options {
        from_journal: true,
        ..ledger_options()
    }
}

/// The options of `verify`: as a command that reads the log back in parts, through sled
/// always, since it checks both copies.
pub fn verifying_options() -> Options {
    Options {
        from_journal: false,
        ..reading_options(crate::ledger::Hold::Reading)
    }
}

/// The variable that chooses the language of text for people (as `--lang` does).
pub const LANG_VAR: &str = "SOCAI_LANG";

/// The language `SOCAI_LANG` names, for the words printed before the arguments are parsed
/// (a usage error); `None` when unset or not a language socai speaks.
pub fn env_lang() -> Option<String> {
    std::env::var(LANG_VAR).ok()
}
