//! What the storage layer found wrong with a store, as facts (`Fault`), not sentences.
//!
//! Why an enum and not text: a finding reaches people in Vietnamese or English, and the
//! wording belongs to `present` (which words each variant from its facts); callers that act
//! on a finding (the server, `replicate`, `recover`) match its variant, never its words.
//! `Display` is the English wording storage always gave, byte for byte (logs, `--lang en`,
//! the API's English message and the tests rely on it).

use std::fmt;
use std::path::PathBuf;

use uuid::Uuid;

use super::{Hash, StoreError};
use crate::core::rejection::Rejection;

/// Which copy of the log a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    /// The sled log (`log/`).
    Log,
    /// The journal (`journal/`), the log's second copy.
    Journal,
}

/// Why the HEAD record cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadDefect {
    UnknownHeader,
    NoSequence,
    NoHash,
    HashNotThirtyTwoBytes,
    ChecksumDiffers,
    LinesAfterChecksum,
}

/// Why an index file is not what the log yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexDefect {
    /// The blocks of a line are not numbered 0, 1, 2…
    BlocksNotDense,
    /// The file cannot be read (the I/O error's own text).
    Unreadable(String),
    /// The MARK's list of files and checksums is not the one the log yields.
    ManifestDiffers,
    /// Its bytes are not those the log yields.
    NotWhatLogYields,
}

/// One finding about the stored bytes (carried by `StoreError::Integrity`, and by `recover`'s
/// account of each copy of a damaged store).
#[derive(Clone, Debug)]
pub enum Fault {
    /// The stored entry of the sequence does not chain (stored hash ≠ recomputed).
    HashMismatch,
    /// `missing` is absent: the next stored entry is `next`.
    SequenceMissing { missing: u64, next: u64 },
    /// A stored value shorter than a hash and an envelope.
    ValueTooShort,
    /// A stored value is missing, out of place or too short.
    ValueMissingOrShort,
    /// A sled key that is not 8 bytes long.
    KeyNotSequence { len: usize },
    /// The envelope says it is another sequence.
    ClaimsSequence { claimed: u64 },
    /// The envelope does not decode (the decoder's own technical words).
    Undecodable { why: String },
    /// The stored record is missing.
    RecordMissing,
    /// The log stops before `upto`.
    LogEndsBefore { upto: u64 },
    /// The log lost a sequence while it was being read.
    LostWhileReading,
    /// sled cannot read the log (sled's own words).
    SledCannotRead { detail: String },
    /// sled cannot open the log (sled's own words).
    SledCannotOpen { detail: String },
    /// sled's checksums found damage (sled's own words).
    SledCorruption { detail: String },
    /// The log holds an entry that is not an event.
    NotAnEvent,
    /// A file cannot be read (the OS's own words).
    Unreadable { path: PathBuf, detail: String },
    /// A file or folder the store needs is missing.
    Missing { path: PathBuf },
    /// Something in the store's folder that socai never writes there: a pipe, a device, a
    /// socket or a link (`storage::plain`).
    NotAPlainFile { path: PathBuf },
    /// The log folder is gone while HEAD records acknowledged events.
    LogDirMissing {
        log_dir: PathBuf,
        acknowledged: u64,
        head: Hash,
    },
    /// No HEAD record beside a log of `events` events.
    HeadMissingBesideLog { events: u64 },
    /// The HEAD record is missing (`recover`'s account of the damaged store).
    HeadRecordMissing,
    /// The damaged store's HEAD record is missing (`recover`'s verdict).
    DamagedHeadMissing,
    /// The damaged store's HEAD names `seq` with a hash the kept log does not have.
    DamagedHeadOtherHash { seq: u64 },
    /// The HEAD record cannot be read.
    HeadUnreadable(HeadDefect),
    /// HEAD records `head_seq` (with `head_hash`, when said) but the log ends at `log_end`.
    TruncatedTail {
        head_seq: u64,
        head_hash: Option<Hash>,
        log_end: u64,
    },
    /// HEAD records `head` for `seq`, but the copy has `found`.
    HeadHashDiffers {
        seq: u64,
        head: Hash,
        found: Hash,
        copy: Copy,
    },
    /// The log ends at `end`, before the head `seq` (`expected`) known from outside.
    OlderCopy { end: u64, seq: u64, expected: Hash },
    /// The log has `found` at `seq`, not the head hash `expected` known from outside.
    NotThatLog {
        seq: u64,
        found: Hash,
        expected: Hash,
    },
    /// A re-read hash differs from the one this process acknowledged.
    DiffersFromAcknowledged,
    /// The re-read log ends at `end` but `acknowledged` events were acknowledged.
    ShorterThanAcknowledged { end: u64, acknowledged: u64 },
    /// The record repeats the event `id` of sequence `first`.
    Repeats { id: Uuid, first: u64 },
    /// The stored record breaks the ledger's rules.
    BreaksRules { rejection: Rejection },
    /// `recover`: sequence `seq` repeats the event of sequence `first`.
    RepeatsAt { seq: u64, first: u64 },
    /// `recover`: sequence `seq` breaks the ledger's rules.
    BreaksRulesAt { seq: u64, rejection: Rejection },
    /// The UNIT record cannot be read (the unit codec's own words).
    UnitUnreadable { path: PathBuf, why: String },
    /// The journal holds less than was acknowledged: torn (or damaged), or different.
    JournalBehind { path: PathBuf, torn: bool, seq: u64 },
    /// The journal lacks acknowledged `seq` (`hint`: with the `recover` hint).
    JournalLacks { dir: PathBuf, seq: u64, hint: bool },
    /// The journal folder is missing.
    JournalMissing { dir: PathBuf },
    /// The store has no journal at all (`recover`'s account).
    NoJournal,
    /// A journal segment does not start where the previous one ended.
    JournalSegmentStart {
        path: PathBuf,
        first: u64,
        expected: u64,
    },
    /// The journal is damaged or differs from the log at `seq`.
    JournalDiffers { path: PathBuf, seq: u64 },
    /// A journal frame does not chain.
    JournalFrameUnchained { path: PathBuf, seq: u64 },
    /// A journal segment stops parsing at byte `at`.
    JournalDamagedAt { path: PathBuf, at: u64 },
    /// An index file differs from what the log yields.
    IndexDiffers { path: PathBuf, why: IndexDefect },
    /// A replica's history differs from its source's up to `at`.
    ReplicaDiffers { replica: PathBuf, at: u64 },
    /// A copied event does not chain like the original.
    CopyUnchained,
    /// A source sent a record that does not decode (the decoder's words).
    SourceUndecodable { why: String },
    /// A source sent sequence `sent` where `due` was due.
    SourceWrongSequence { sent: u64, due: u64 },
    /// A source's chain hash is not the hash of the record it sent.
    SourceHashDiffers {
        seq: u64,
        given: Hash,
        computed: Hash,
    },
    /// No copy of the sequence is intact.
    NoIntactCopy,
    /// A whole store error, as a finding of `recover` (reading a copy failed).
    Store(Box<StoreError>),
    /// A finding when opening, with the acknowledged count HEAD records.
    Acknowledged { fault: Box<Fault>, head: u64 },
}

const RECOVER_HINT: &str = "(`socai recover` rebuilds the store from both copies)";

impl fmt::Display for HeadDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeadDefect::UnknownHeader => "unknown header",
            HeadDefect::NoSequence => "no sequence",
            HeadDefect::NoHash => "no hash",
            HeadDefect::HashNotThirtyTwoBytes => "hash is not 32 bytes",
            HeadDefect::ChecksumDiffers => "its checksum does not match (the file was damaged)",
            HeadDefect::LinesAfterChecksum => "unexpected lines after the checksum",
        })
    }
}

impl fmt::Display for IndexDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexDefect::BlocksNotDense => f.write_str("the blocks are not numbered densely"),
            IndexDefect::ManifestDiffers => {
                f.write_str("its list of files and checksums is not the one the log yields")
            }
            IndexDefect::Unreadable(why) => f.write_str(why),
            IndexDefect::NotWhatLogYields => f.write_str("it does not hold what the log yields"),
        }
    }
}

impl fmt::Display for Copy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Copy::Log => "log",
            Copy::Journal => "journal",
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Acknowledged { fault, head } => write!(
                f,
                "{fault}; HEAD records {head} acknowledged events (`socai recover` rebuilds what verifies)"
            ),
            Fault::Store(e) => write!(f, "{e}"),
            other => log_fault(other, f),
        }
    }
}

/// The log's and HEAD's findings, in storage's English.
fn log_fault(fault: &Fault, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let hex = hex::encode;
    match fault {
        Fault::HashMismatch => f.write_str("hash mismatch: the stored bytes or hash were altered"),
        Fault::SequenceMissing { missing, next } => write!(
            f,
            "sequence {missing} is missing (the next stored one is {next})"
        ),
        Fault::ValueTooShort => f.write_str("stored value is too short"),
        Fault::ValueMissingOrShort => {
            f.write_str("the stored value is missing, out of place or too short")
        }
        Fault::KeyNotSequence { len } => write!(f, "a key of {len} bytes is not a sequence"),
        Fault::ClaimsSequence { claimed } => write!(f, "record claims sequence {claimed}"),
        Fault::Undecodable { why } => f.write_str(why),
        Fault::RecordMissing => f.write_str("the stored record is missing"),
        Fault::LogEndsBefore { upto } => write!(f, "the log ends before sequence {upto}"),
        Fault::LostWhileReading => {
            f.write_str("the log lost this sequence while it was being read")
        }
        Fault::SledCannotRead { detail } => write!(f, "sled cannot read the log: {detail}"),
        Fault::SledCannotOpen { detail } => write!(f, "sled cannot open the log: {detail}"),
        Fault::SledCorruption { detail } => write!(f, "sled reports corruption: {detail}"),
        Fault::NotAnEvent => f.write_str("the log holds an entry that is not an event"),
        Fault::Missing { path } => write!(f, "{} is missing", path.display()),
        Fault::NotAPlainFile { path } => write!(
            f,
            "{} is not a plain file or folder (a pipe, a device, a socket or a link, which socai never writes in a store): move it out of the store",
            path.display()
        ),
        Fault::Unreadable { path, detail } => {
            write!(f, "cannot read {}: {detail}", path.display())
        }
        Fault::LogDirMissing {
            log_dir,
            acknowledged,
            head,
        } => write!(
            f,
            "the log directory {} is missing but HEAD records {acknowledged} acknowledged events (head hash {})",
            log_dir.display(),
            hex(head)
        ),
        Fault::HeadMissingBesideLog { events } => write!(
            f,
            "the HEAD record is missing but the log holds {events} events; refusing to guess what was acknowledged"
        ),
        Fault::HeadRecordMissing => f.write_str("the HEAD record is missing"),
        Fault::DamagedHeadMissing => f.write_str("the damaged store's HEAD record is missing"),
        Fault::DamagedHeadOtherHash { seq } => write!(
            f,
            "the damaged store's HEAD names sequence {seq} with another hash: it does not describe this log"
        ),
        Fault::HeadUnreadable(why) => write!(f, "the HEAD record is unreadable: {why}"),
        Fault::TruncatedTail {
            head_seq,
            head_hash,
            log_end,
        } => match head_hash {
            Some(h) => write!(
                f,
                "truncated tail: HEAD records sequence {head_seq} ({}) but the log ends at {log_end}",
                hex(h)
            ),
            None => write!(
                f,
                "truncated tail: HEAD records sequence {head_seq} but the log ends at {log_end}"
            ),
        },
        Fault::HeadHashDiffers {
            seq,
            head,
            found,
            copy,
        } => write!(
            f,
            "HEAD records hash {} for sequence {seq} but the {copy} has {}",
            hex(head),
            hex(found)
        ),
        Fault::OlderCopy { end, seq, expected } => write!(
            f,
            "the log ends at sequence {end} but sequence {seq} ({}) was expected: this is an older copy of the store or it lost its tail",
            hex(expected)
        ),
        Fault::NotThatLog {
            seq,
            found,
            expected,
        } => write!(
            f,
            "sequence {seq} has hash {} but {} was expected: this log is not the one that head was taken from",
            hex(found),
            hex(expected)
        ),
        other => copy_fault(other, f),
    }
}

/// The findings about the journal, the index, copies and the rules, in storage's English.
fn copy_fault(fault: &Fault, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match fault {
        Fault::DiffersFromAcknowledged => {
            f.write_str("the stored hash differs from the one acknowledged")
        }
        Fault::ShorterThanAcknowledged { end, acknowledged } => write!(
            f,
            "the stored log ends at {end} but {acknowledged} events were acknowledged"
        ),
        Fault::Repeats { id, first } => write!(f, "event {id} repeats sequence {first}"),
        Fault::BreaksRules { rejection } => {
            write!(f, "stored event breaks the ledger's rules: {rejection}")
        }
        Fault::RepeatsAt { seq, first } => {
            write!(f, "sequence {seq} repeats the event of sequence {first}")
        }
        Fault::BreaksRulesAt { seq, rejection } => write!(
            f,
            "sequence {seq}: stored event breaks the ledger's rules: {rejection}"
        ),
        Fault::UnitUnreadable { path, why } => {
            write!(f, "the UNIT record {} is unreadable: {why}", path.display())
        }
        Fault::JournalBehind { path, torn, seq } => write!(
            f,
            "the journal {} {} at acknowledged sequence {seq} {RECOVER_HINT}",
            path.display(),
            match torn {
                true => "is torn or damaged",
                false => "differs from the log",
            }
        ),
        Fault::JournalLacks { dir, seq, hint } => {
            write!(
                f,
                "the journal {} lacks acknowledged sequence {seq}",
                dir.display()
            )?;
            match hint {
                true => write!(f, " {RECOVER_HINT}"),
                false => Ok(()),
            }
        }
        Fault::JournalMissing { dir } => write!(
            f,
            "the journal {} is missing (a store written before it exists gets one at its next append)",
            dir.display()
        ),
        Fault::NoJournal => f.write_str("the store has no journal"),
        Fault::JournalSegmentStart {
            path,
            first,
            expected,
        } => write!(
            f,
            "the journal segment {} starts at {first}, not at {expected}",
            path.display()
        ),
        Fault::JournalDiffers { path, seq } => write!(
            f,
            "the journal {} is damaged or differs from the log at sequence {seq} {RECOVER_HINT}",
            path.display()
        ),
        Fault::JournalFrameUnchained { path, seq } => write!(
            f,
            "the journal {} is damaged at sequence {seq} (its frame does not chain)",
            path.display()
        ),
        Fault::JournalDamagedAt { path, at } => {
            write!(f, "the journal {} is damaged at byte {at}", path.display())
        }
        Fault::IndexDiffers { path, why } => write!(
            f,
            "the index differs from the log: {}: {why} (edited or damaged; the index is withdrawn, cold reads use the full log, and the next append rebuilds it)",
            path.display()
        ),
        other => source_fault(other, f),
    }
}

/// The findings about copies and sources, in storage's English.
fn source_fault(fault: &Fault, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let hex = hex::encode;
    match fault {
        Fault::ReplicaDiffers { replica, at } => write!(
            f,
            "the replica {} does not hold the same history up to sequence {at} (unit or chain hash differ)",
            replica.display()
        ),
        Fault::CopyUnchained => f.write_str("the copied event does not chain like the original"),
        Fault::SourceUndecodable { why } => {
            write!(f, "the source sent a record that does not decode: {why}")
        }
        Fault::SourceWrongSequence { sent, due } => {
            write!(f, "the source sent sequence {sent} where {due} was due")
        }
        Fault::SourceHashDiffers {
            seq,
            given,
            computed,
        } => write!(
            f,
            "the source's chain hash {} for sequence {seq} is not the hash of the record it sent ({}): its history differs from this replica's or the copy is altered",
            hex(given),
            hex(computed)
        ),
        Fault::NoIntactCopy => f.write_str(
            "neither the log nor the journal holds an intact copy (hash mismatch or undecodable record)",
        ),
        // Worded by `log_fault`, `copy_fault` and `Fault::fmt`: unreachable from them.
        other => write!(f, "{other:?}"),
    }
}

impl From<StoreError> for Fault {
    fn from(e: StoreError) -> Fault {
        Fault::Store(Box::new(e))
    }
}

/// An integrity failure at `seq` (when known).
pub fn integrity(seq: Option<u64>, fault: Fault) -> StoreError {
    StoreError::Integrity { seq, fault }
}
