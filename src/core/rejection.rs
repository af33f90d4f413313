//! Why an event was refused: a stable code for machines, the facts a message needs
//! (`Detail`, rendered in each language by `present::messages`) and an English message.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The stable rejection codes. Their text (`as_str`) is a public contract: never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    Malformed,
    MissingField,
    UnknownType,
    InvalidAmount,
    InvalidDate,
    InvalidCode,
    UnknownLine,
    LineExists,
    IdConflict,
    InsufficientFunds,
    RefundExceedsDisbursed,
    SameLine,
    CapitalMismatch,
    YearMismatch,
    OriginMismatch,
    UnknownTarget,
    InvalidTarget,
    AlreadyReversed,
    /// An input exceeded a documented limit (line length, text length, batch size).
    TooLarge,
    /// A plan table row allocates to a line under a decision the ledger already counts with
    /// other content (or another row of the same table does): importing it would count twice.
    AlreadyAllocated,
    /// A text field holds a control character (NUL, a line break, ESC, a bidi override…).
    ControlCharacter,
    /// A year-end event (lapse, carry-over) dated before the year it closes has ended.
    TooEarly,
    /// A payment, transfer, carry-over or deadline change beyond a line's deadline.
    PastDeadline,
    /// A payment dated before 1 January of its line's plan year.
    BeforePlanYear,
    /// A transfer or carry-over between lines of different programs (or projects).
    ProgramMismatch,
    /// A transfer or carry-over between lines of different sources.
    SourceMismatch,
    /// The store is a replica of another (`socai replicate`): it takes no events of its own.
    ReplicaReadOnly,
    /// A payment's recovery above its amount or above the advances outstanding, a refund of
    /// an advance above what is outstanding, or the reversal of a recovered advance.
    RecoveryExceedsAdvance,
    /// A payment or advance naming a contract no `commit` registered on its line.
    UnknownContract,
    /// Payments and advances under a contract beyond its amount.
    ExceedsContract,
    /// Advances under a contract above the cap of the rule data (30% / 50%).
    AdvanceOverLimit,
    /// A work's cumulative allocation above its approved total investment.
    OverTotalInvestment,
    /// `open_work` for a work already registered.
    WorkExists,
    /// `contribute` naming no registered work.
    UnknownWork,
    /// `register_document` of a number its issuer already registered.
    DocumentExists,
    /// `register_document` amending a document nobody registered.
    UnknownDocument,
    /// `record_indicator` of an indicator the catalogue does not list.
    UnknownIndicator,
    /// `record_indicator` in a unit other than the catalogue's.
    UnitMismatch,
    /// `record_indicator` whose numerator is above its denominator.
    NumeratorExceedsDenominator,
    /// `record_indicator` outside its kind's bounds (0–100% …) or of the wrong shape.
    IndicatorOutOfBounds,
    /// `record_indicator` whose value is not its numerator ÷ denominator.
    RatioMismatch,
}

impl Code {
    pub const ALL: [Code; 41] = [
        Code::Malformed,
        Code::MissingField,
        Code::UnknownType,
        Code::InvalidAmount,
        Code::InvalidDate,
        Code::InvalidCode,
        Code::UnknownLine,
        Code::LineExists,
        Code::IdConflict,
        Code::InsufficientFunds,
        Code::RefundExceedsDisbursed,
        Code::SameLine,
        Code::CapitalMismatch,
        Code::YearMismatch,
        Code::OriginMismatch,
        Code::UnknownTarget,
        Code::InvalidTarget,
        Code::AlreadyReversed,
        Code::TooLarge,
        Code::AlreadyAllocated,
        Code::ControlCharacter,
        Code::TooEarly,
        Code::PastDeadline,
        Code::BeforePlanYear,
        Code::ProgramMismatch,
        Code::SourceMismatch,
        Code::ReplicaReadOnly,
        Code::RecoveryExceedsAdvance,
        Code::UnknownContract,
        Code::ExceedsContract,
        Code::AdvanceOverLimit,
        Code::OverTotalInvestment,
        Code::WorkExists,
        Code::UnknownWork,
        Code::DocumentExists,
        Code::UnknownDocument,
        Code::UnknownIndicator,
        Code::UnitMismatch,
        Code::NumeratorExceedsDenominator,
        Code::IndicatorOutOfBounds,
        Code::RatioMismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Malformed => "malformed",
            Code::MissingField => "missing_field",
            Code::UnknownType => "unknown_type",
            Code::InvalidAmount => "invalid_amount",
            Code::InvalidDate => "invalid_date",
            Code::InvalidCode => "invalid_code",
            Code::UnknownLine => "unknown_line",
            Code::LineExists => "line_exists",
            Code::IdConflict => "id_conflict",
            Code::InsufficientFunds => "insufficient_funds",
            Code::RefundExceedsDisbursed => "refund_exceeds_disbursed",
            Code::SameLine => "same_line",
            Code::CapitalMismatch => "capital_mismatch",
            Code::YearMismatch => "year_mismatch",
            Code::OriginMismatch => "origin_mismatch",
            Code::UnknownTarget => "unknown_target",
            Code::InvalidTarget => "invalid_target",
            Code::AlreadyReversed => "already_reversed",
            Code::TooLarge => "too_large",
            Code::AlreadyAllocated => "already_allocated",
            Code::ControlCharacter => "control_character",
            Code::TooEarly => "too_early",
            Code::PastDeadline => "past_deadline",
            Code::BeforePlanYear => "before_plan_year",
            Code::ProgramMismatch => "program_mismatch",
            Code::SourceMismatch => "source_mismatch",
            Code::ReplicaReadOnly => "replica_read_only",
            Code::RecoveryExceedsAdvance => "recovery_exceeds_advance",
            Code::UnknownContract => "unknown_contract",
            Code::ExceedsContract => "exceeds_contract",
            Code::AdvanceOverLimit => "advance_over_limit",
            Code::OverTotalInvestment => "over_total_investment",
            Code::WorkExists => "work_exists",
            Code::UnknownWork => "unknown_work",
            Code::DocumentExists => "document_exists",
            Code::UnknownDocument => "unknown_document",
            Code::UnknownIndicator => "unknown_indicator",
            Code::UnitMismatch => "unit_mismatch",
            Code::NumeratorExceedsDenominator => "numerator_exceeds_denominator",
            Code::IndicatorOutOfBounds => "indicator_out_of_bounds",
            Code::RatioMismatch => "ratio_mismatch",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts behind a rules rejection, so that a door can word it in the reader's language
/// instead of passing on English text. Names and amounts only: no wording lives here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// `unknown_line`, `line_exists`: the line named.
    Line { line: String },
    /// A line's figures at the end of the first day that would break an invariant:
    /// `insufficient_funds` (available = plan − disbursed − unpaid commitments < 0),
    /// `recovery_exceeds_advance` (advances outstanding < 0), `refund_exceeds_disbursed`
    /// (disbursed < 0) or `exceeds_contract` (unpaid commitments < 0).
    DayEnd {
        line: String,
        date: NaiveDate,
        plan: Decimal,
        disbursed: Decimal,
        commitment: Decimal,
        advance: Decimal,
    },
    /// `same_line`, `capital_mismatch`, `year_mismatch`, `origin_mismatch`: the two lines of
    /// a transfer or carry-over.
    Pair { from: String, to: String },
    /// `unknown_target`, `invalid_target`, `already_reversed`, `id_conflict`: the event id,
    /// its sequence when recorded, and the reversal that already cancels it.
    Event {
        id: String,
        seq: Option<u64>,
        reversed_at: Option<u64>,
    },
    /// The payment rules per contract (rules version 3): the line, the contract and what the
    /// check found.
    Contract {
        line: String,
        contract: String,
        found: ContractFinding,
    },
    /// `recovery_exceeds_advance`: a payment recovering more advances than its own amount.
    PaymentRecovery {
        line: String,
        recovered: Decimal,
        amount: Decimal,
    },
    /// `work_exists` (with the code it is registered as) or `unknown_work`.
    Work {
        work: String,
        registered_as: Option<String>,
    },
    /// `over_total_investment`: the work, its cumulative allocation if the event were
    /// accepted, its approved total investment and the rule's legal source.
    TotalInvestment {
        work: String,
        allocated: Decimal,
        total: Decimal,
        source: &'static str,
    },
    /// `document_exists`, `unknown_document`: the document number and its issuer.
    Document {
        number: String,
        issuer: Option<String>,
    },
    /// The indicator codes: the indicator and the period of the figure.
    Indicator { indicator: String, period: String },
    /// A field of the input (an event's key, a plan table's column): its key, the value
    /// found as written (when there is one) and what was wrong with it.
    Field {
        key: String,
        found: Option<String>,
        fault: FieldFault,
    },
    /// `too_large`: what was counted, its limit and (when counted) how many there were.
    Limit {
        what: Counted,
        max: u64,
        found: Option<u64>,
    },
    /// `unknown_type`: the type named, and the rules version that does not know it (`None`:
    /// no version knows it).
    Type {
        found: String,
        rules_version: Option<u32>,
    },
    /// The input as a whole, before any field: a file, a sheet, a header.
    Input(InputFault),
    /// A dated event on a line against a date bound of its rules (`too_early`,
    /// `before_plan_year`, `past_deadline`): the event's date and the bound it crossed.
    Dated {
        line: String,
        date: NaiveDate,
        bound: NaiveDate,
    },
    /// `program_mismatch`, `source_mismatch`, `origin_mismatch`: the two lines and what
    /// each holds (program/project, source, origin).
    Between {
        from: String,
        from_holds: String,
        to: String,
        to_holds: String,
    },
    /// `replica_read_only`: the source the replica follows.
    Replica { source: String },
}

/// What was wrong with a field of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldFault {
    /// Absent.
    Missing,
    /// Present but empty.
    Empty,
    /// Not part of this kind of event (or document): `within` names it.
    NotPartOf { within: String },
    /// A value that is not what the field takes.
    Expected(Expected),
    /// A control character (its code point) at a character position (1-based).
    ControlCharacter { code_point: u32, at: usize },
    /// More characters than the limit.
    TooLong { max: u64, found: u64 },
    /// The line the row describes differs from the one declared before (`where_row`: the
    /// row that declared it; `None`: the ledger): the field, its old and new values.
    Redeclared {
        line: String,
        where_row: Option<u32>,
        old: String,
        new: String,
    },
    /// The line is already allocated under this decision by an earlier row of the table
    /// (`Some`) or in the ledger (`None`).
    AlreadyAllocated { line: String, row: Option<u32> },
}

/// What a field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Text,
    Uuid,
    /// A date YYYY-MM-DD (or, in a plan table, DD/MM/YYYY or a date cell).
    Date,
    /// A year between the bounds of the calendar socai accepts.
    Year,
    /// Whole đồng, greater than 0, at most 10^16.
    WholeDong,
    Bool,
    /// A code of 1 to `max` characters from A–Z a–z 0–9 . _ : / -.
    Code {
        max: u64,
    },
    /// A document `{number, date, issuer?}`.
    Document,
    /// One of the listed words.
    OneOf(&'static [&'static str]),
    /// A document form (QĐ, KH, NQ …) of 1 to `max` characters.
    Form {
        max: u64,
    },
    /// A decimal string of at most `chars` characters and `decimals` decimals.
    Decimal {
        chars: u64,
        decimals: u64,
    },
}

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// Bytes of one input line.
    LineBytes,
    /// Events of one batch, file or request.
    BatchEvents,
    /// Rows of a plan table.
    TableRows,
    /// Cell records of a sheet.
    SheetCells,
    /// The columns a plan table may use (A to the limit's letter).
    SheetColumns,
    /// The rows of a sheet a value may sit in.
    SheetRows,
    /// XML elements of a workbook's content.
    WorkbookElements,
}

/// What was wrong with the input as a whole. `line`/`column` are where its reader stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputFault {
    /// Not JSON (at a line and column of the text).
    NotJson { line: u64, column: u64 },
    /// JSON, but not an object.
    NotObject,
    /// Not UTF-8 text.
    NotUtf8,
    /// Neither UTF-8 nor Windows-1258.
    NotUtf8OrWindows1258,
    /// Not valid CSV at a line.
    NotCsv { line: Option<u64> },
    /// The first line names no known columns separated by ',', ';' or tab.
    NoHeaderLine,
    /// Not a workbook socai can read (xlsx, xls, ods).
    NotWorkbook,
    /// A workbook part that cannot be read.
    Unreadable,
    /// The workbook has no sheet of this name (its sheets listed).
    NoSuchSheet { sheet: String, sheets: Vec<String> },
    /// The workbook has no sheet at all.
    NoSheet,
    /// Several sheets and none chosen.
    SeveralSheets { sheets: Vec<String> },
    /// No header row.
    NoHeader,
    /// A header but no data rows.
    NoRows,
    /// A header cell that is not a column name (a number, a date…); `name`: the text of a
    /// cell that names no plan table column.
    NotAColumn { name: Option<String> },
    /// A column named twice in the header.
    ColumnTwice { name: String },
    /// A required column the header lacks.
    NoColumn { name: String },
    /// A value in a column without a header.
    OutsideColumns,
    /// An unknown rules version (this socai knows 1 to `known`).
    RulesVersion { version: u32, known: u32 },
}

/// What a payment rule found on a contract, with its figures (whole đồng).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContractFinding {
    /// `unknown_contract`: no commit registered the contract on the line.
    Unknown { event_type: &'static str },
    /// `exceeds_contract`: paying `paying` when `paid` is already paid of `amount`.
    Exceeds {
        event_type: &'static str,
        paying: Decimal,
        paid: Decimal,
        amount: Decimal,
    },
    /// `recovery_exceeds_advance`: recovering more than the advances outstanding.
    RecoveryOverOutstanding {
        recovering: Decimal,
        outstanding: Decimal,
    },
    /// `advance_over_limit`: the advances after this one above `percent`% of the contract
    /// amount (`limit`), by the rule's legal `source`.
    AdvanceOverLimit {
        advance: Decimal,
        advances_after: Decimal,
        percent: u32,
        amount: Decimal,
        limit: Decimal,
        source: &'static str,
    },
    /// `exceeds_contract`: reversing the commit would leave `paid` paid under `remaining`.
    ReverseCommit { paid: Decimal, remaining: Decimal },
    /// `recovery_exceeds_advance`: reversing an advance of `advance` would leave
    /// `recovered` recovered of `remaining` advanced.
    ReverseAdvance {
        advance: Decimal,
        recovered: Decimal,
        remaining: Decimal,
    },
}

/// A refused event: the code, the facts a message is worded from in each language, and the
/// rule's English message naming what was wrong and where (kept for logs, `--json` outputs
/// and the English of the input checks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: Code,
    pub message: String,
    /// Boxed: a rejection travels in many `Result`s and should stay small.
    pub detail: Box<Detail>,
}

impl Rejection {
    /// Every refusal carries its facts: a new rule cannot refuse in English only.
    pub fn new(code: Code, detail: Detail, message: impl Into<String>) -> Rejection {
        Rejection {
            code,
            message: message.into(),
            detail: Box::new(detail),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Rejection {}

impl Counted {
    /// The facts of a limit on this count: at most `max`, `found` when counted.
    pub fn at_most(self, max: u64, found: Option<u64>) -> Detail {
        Detail::Limit {
            what: self,
            max,
            found,
        }
    }
}

impl Detail {
    /// A field's facts: its key, the value found (when there is one) and the fault.
    pub fn field(key: &str, found: Option<String>, fault: FieldFault) -> Detail {
        Detail::Field {
            key: key.to_string(),
            found,
            fault,
        }
    }

    /// A field that is absent.
    pub fn missing(key: &str) -> Detail {
        Detail::field(key, None, FieldFault::Missing)
    }

    /// A field holding `found` where it takes `expected`.
    pub fn expected(key: &str, found: impl fmt::Display, expected: Expected) -> Detail {
        Detail::field(key, Some(found.to_string()), FieldFault::Expected(expected))
    }
}
