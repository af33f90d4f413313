//! Where a read-only command reads the store: a full open (the lock, sled, the log verified)
//! when it can take the store, else — while another process (`socai serve`) holds it — the
//! acknowledged log read from the journal without the lock (`ledger::Snapshot`; see
//! `storage::snapshot` for why that is consistent). A store that cannot be read either way
//! is refused with a message that names the other door: stop the server, or ask it
//! (`--server URL --token T`).

use std::path::Path;

use crate::app::query::{Answer, Query};
use crate::app::settings;
use crate::cli::failure::Failure;
use crate::cli::progress;
use crate::core::chain::Chain;
use crate::ledger::{Hold, Ledger, Snapshot};
use crate::present::problems;
use crate::present::vi_format::Lang;
use crate::storage::snapshot::SnapshotError;
use crate::storage::{OpenMode, StoreError};

// One per command, held on the stack for its run: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum ReadSource {
    /// The store, opened and locked by this process.
    Ledger(Ledger),
    /// The acknowledged log of a store another process holds.
    Snapshot(Snapshot),
}

impl ReadSource {
    pub fn chain(&self) -> Chain<'_> {
        match self {
            ReadSource::Ledger(l) => l.chain(),
            ReadSource::Snapshot(s) => s.chain(),
        }
    }

    /// The log as an export reads it: in parts from a ledger opened by `open_for_streaming`,
    /// else the snapshot's records in memory.
    pub fn log(&self) -> crate::app::source::Log<'_> {
        match self {
            ReadSource::Ledger(l) if !l.holds_chain() => crate::app::source::Log::Stored(l),
            ReadSource::Ledger(l) => l.chain().into(),
            ReadSource::Snapshot(s) => s.chain().into(),
        }
    }

    /// Says on stderr that the log opens no line of plan year `year`, if so: figures that
    /// are all zero look like a real report (the command still succeeds, its output unchanged).
    pub fn note_unplanned(&self, year: Option<i32>, lang: Lang) {
        let planned = |year| match self {
            ReadSource::Ledger(l) if !l.holds_chain() => l.state().plans_year(year),
            _ => plans_year(self.chain(), year),
        };
        if let Some(year) = year
            && !planned(year)
        {
            eprintln!("{}", empty_plan_year_note(year, lang));
        }
    }

    /// Frees the store for a process that goes on (see `Ledger::close_for_exit`).
    pub fn close(self) {
        if let ReadSource::Ledger(l) = self {
            l.close_for_exit();
        }
    }
}

/// `query`'s answer from the store at `db`, with the source left open for the caller to
/// close once it has written: a fold over the log or a page of events
/// (`Query::reads_in_parts`) reads it back in parts rather than holding it (issue 17); any
/// other question reads the whole log.
pub fn answer(db: &Path, query: &Query, lang: Lang) -> Result<(ReadSource, Answer), Failure> {
    if query.reads_in_parts() {
        let source = open_for_streaming(db, lang)?;
        if let Some(answer) = crate::app::query::answer_in_parts(source.log(), query) {
            return Ok((source, answer?));
        }
    }
    let source = open_for_reading(db, lang)?;
    let answer = crate::app::query::answer(source.chain(), query)?;
    Ok((source, answer))
}

/// Opens the store at `db` for reading; see the module comment. The log is read from the
/// journal without opening sled when the journal ends at HEAD (`Options::from_journal`).
pub fn open_for_reading(db: &Path, lang: Lang) -> Result<ReadSource, Failure> {
    open_with(db, lang, settings::reading_options(Hold::WholeLog))
}

/// As `open_for_reading`, for a command that reads the log back in parts (`export`,
/// `report`, `settlement`, `reconcile`): the log is verified as at any open, but its records
/// are let go of (`Hold::Reading`), so memory does not grow with them. Another process's
/// store is read back from its journal the same way (`Ledger::open_held`), or whole
/// (`Snapshot`) when its journal cannot be read so.
pub fn open_for_streaming(db: &Path, lang: Lang) -> Result<ReadSource, Failure> {
    open_with(db, lang, settings::reading_options(Hold::Reading))
}

/// As `open_for_streaming`, through sled always: `verify` checks both copies.
pub fn open_for_verifying(db: &Path, lang: Lang) -> Result<ReadSource, Failure> {
    open_with(db, lang, settings::verifying_options())
}

fn open_with(
    db: &Path,
    lang: Lang,
    options: crate::ledger::Options,
) -> Result<ReadSource, Failure> {
    let spinner = progress::spinner_for(&crate::present::progress_text::Doing::Verifying, lang);
    let reads_back = options.from_journal && options.hold == Hold::Reading;
    let opened = Ledger::open_with(db, OpenMode::MustExist, options);
    let source = match opened {
        Ok(ledger) => Ok(ReadSource::Ledger(ledger)),
        // A fold reads the held store's journal back in parts, as it would its own.
        Err(StoreError::Locked(why)) if reads_back => match Ledger::open_held(db) {
            Some(ledger) => {
                eprintln!("{}", problems::held_note(db, ledger.head_seq(), lang));
                Ok(ReadSource::Ledger(ledger))
            }
            None => read_snapshot(db, &why, lang),
        },
        Err(StoreError::Locked(why)) => read_snapshot(db, &why, lang),
        Err(e) => Err(e.into()),
    };
    spinner.finish_and_clear();
    source
}

/// The store's acknowledged log, read without the lock another process holds (`locked` says
/// which); a note on stderr says so.
pub fn read_snapshot(db: &Path, locked: &str, lang: Lang) -> Result<ReadSource, Failure> {
    match Snapshot::read(db) {
        Ok(snapshot) => {
            eprintln!("{}", problems::held_note(db, snapshot.head_seq(), lang));
            Ok(ReadSource::Snapshot(snapshot))
        }
        Err(SnapshotError::Store(e)) => Err(e.into()),
        Err(why @ SnapshotError::NoJournal { .. }) => Err(Failure::Worded {
            exit: 4,
            en: problems::cannot_read_held(locked, &why, Lang::En),
            vi: problems::cannot_read_held(locked, &why, Lang::Vi),
        }),
    }
}

/// A plan year the store has no line of gives figures that are all zero, which looks like a
/// real report: say so on stderr (the command still succeeds, its output unchanged).
pub fn note_empty_plan_year(chain: Chain<'_>, plan_year: Option<i32>, lang: Lang) {
    if let Some(year) = plan_year
        && !plans_year(chain, year)
    {
        eprintln!("{}", empty_plan_year_note(year, lang));
    }
}

fn plans_year(chain: Chain<'_>, year: i32) -> bool {
    chain.records().iter().any(|r| {
        matches!(&r.event.kind, crate::core::event::Kind::OpenLine(spec) if spec.plan_year == year)
    })
}

/// The note for a plan year without lines.
pub fn empty_plan_year_note(year: i32, lang: Lang) -> String {
    crate::present::cli_notes::empty_plan_year(year, lang)
}
