//! The catalogue of the use cases' own problems (issue 14): what `AppError::Usage`,
//! `Rejected`, `Integrity` and `Output` carry. Each is a kind with its facts (a path, a
//! year, a sequence, a limit), worded here in Vietnamese (the default) or English; the
//! English keeps the words the messages had before they were typed. Which door answers and
//! with which exit code or status is the variant of `AppError`, never these words.
//! Text another library or layer wrote (a parser's reason, the OS's reason without a known
//! kind) is quoted after a worded frame.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::io::files::FolderRefusal;
use crate::io::plan_import::PlanError;
use crate::present::messages::{date, event_type, money, rejection, say};
use crate::present::phrases::{after_beyond_head, query_failed, written_as};
pub(crate) use crate::present::problems::shown;
use crate::present::problems::{os_refused, os_refused_on};
use crate::present::replay_text::{self, Verdict};
use crate::storage::UnitRecord;

pub use crate::present::replica_errors::BadAnswer;
pub use crate::present::vi_format::Lang;

/// What the operating system said, shared so that a problem can be cloned (a door keeps
/// the English and the Vietnamese).
pub type IoCause = std::sync::Arc<std::io::Error>;

/// A problem of a use case, with the facts its sentence names.
#[derive(Debug, Clone)]
pub enum Problem {
    // consolidation
    /// A units folder that could not be listed.
    CannotList {
        dir: PathBuf,
        cause: IoCause,
    },
    TooManyUnits {
        dir: PathBuf,
        max: usize,
    },
    NoUnit {
        store: PathBuf,
    },
    UnitTwice {
        code: String,
        dir: PathBuf,
    },
    PinNotUnder {
        code: String,
        dir: PathBuf,
    },
    // export
    JournalTooLarge {
        events: u64,
        max: u64,
    },
    /// A parquet export's folder exists and is not empty (or cannot be looked at).
    ParquetFolder {
        refusal: FolderRefusal,
    },
    XlsxExportNeedsOut,
    /// `backup` into a folder that is not new or empty.
    BackupInto {
        refusal: FolderRefusal,
    },
    ParquetNeedsOut,
    /// The log could not be read back for an export (the store's reason).
    LogUnreadable {
        detail: String,
    },
    XlsxJournal {
        path: PathBuf,
        detail: String,
    },
    // fixtures and replay
    Manifest {
        path: PathBuf,
        detail: crate::present::os_text::TextFault,
    },
    RecordedAt {
        source: String,
        detail: String,
    },
    NotBlessed {
        report: Vec<Verdict>,
        failed: usize,
    },
    QueryName {
        name: String,
    },
    QueryFailed {
        name: String,
        cause: String,
    },
    ScratchDir {
        cause: IoCause,
    },
    CannotCreate {
        path: PathBuf,
        cause: IoCause,
    },
    // events
    UnknownEventType {
        given: String,
        known: &'static [&'static str],
    },
    FromAfterTo {
        from: NaiveDate,
        to: NaiveDate,
    },
    LimitOutside {
        limit: usize,
        max: usize,
    },
    AfterBeyondHead {
        after: u64,
        head: u64,
    },
    // import and import-plan
    CannotReadInput {
        source: String,
        detail: String,
    },
    PlanTooLarge {
        name: String,
        max: u64,
    },
    CsvHasNoSheets {
        name: String,
    },
    NotPlanTable {
        name: String,
    },
    /// A plan table refused by its format or the rules: where, and the refusal's code.
    PlanRefused {
        name: Option<String>,
        error: Box<PlanError>,
    },
    // unit and replicas
    ReplicaReadOnly {
        db: PathBuf,
        source: String,
    },
    UnitAlreadySet {
        stable: &'static str,
        db: PathBuf,
        code: String,
        name: String,
        since: u64,
    },
    NotEmpty {
        dir: PathBuf,
    },
    OwnStore {
        dir: PathBuf,
    },
    ReplicaHasUnit {
        code: String,
    },
    NotSameBooks {
        dir: PathBuf,
        held: Option<Box<UnitRecord>>,
        source: String,
        unit: Option<Box<UnitRecord>>,
    },
    BadAnswer {
        source: String,
        what: BadAnswer,
    },
    /// A replication source refused (its HTTP status) or could not be reached.
    SourceFailed {
        source: String,
        status: Option<u16>,
        detail: String,
    },
    Diverged {
        source: String,
        at: u64,
        head: u64,
    },
    DoesNotVerify {
        source: String,
        seq: u64,
        cause: Box<crate::storage::StoreError>,
        head: u64,
    },
    // serve: the config file and what it serves
    ConfigUnreadable {
        path: PathBuf,
        cause: IoCause,
    },
    /// A config file (`path`) or a `--listen` address (no path) that cannot be served.
    ConfigInvalid {
        path: Option<PathBuf>,
        defect: crate::present::serve_errors::ConfigDefect,
    },
    /// A non-loopback address without credentials.
    OpenListen {
        addr: std::net::SocketAddr,
    },
    NoStores {
        dir: PathBuf,
    },
    SecondStore {
        db: PathBuf,
        code: String,
    },
    /// `gen --events` outside its bounds.
    EventsOutside {
        min: u64,
        max: u64,
    },
    // reports, charts, settlement, reconcile, generate, recover
    /// `--format` contradicts the extension of `--out`.
    FormatMismatch {
        given: &'static str,
        out: PathBuf,
        named: &'static str,
    },
    PlanYear {
        year: i32,
        min: i32,
        max: i32,
    },
    SettlementFormat {
        format: &'static str,
    },
    WholeNeedsDocument {
        format: &'static str,
    },
    NoYearEnd {
        year: i32,
    },
    Claims {
        source: String,
        detail: String,
    },
    RecoverExport {
        export: String,
        detail: String,
    },
    /// A problem a lower layer worded in English only (a workload size, a recovery input, a
    /// chart's data): quoted after a frame.
    Quoted {
        detail: String,
    },
    /// An output that could not be produced (a renderer's or writer's own words).
    Render {
        detail: String,
    },
    /// The command's output could not be written.
    CannotWrite {
        cause: IoCause,
    },
    CannotWritePath {
        path: PathBuf,
        cause: IoCause,
    },
    /// An internal invariant that did not hold (a JSON report that is not JSON…).
    Internal {
        what: &'static str,
    },
}

pub(crate) fn count(lang: Lang, n: u64) -> String {
    money(lang, n.into())
}

/// `replay --bless` refused: why, and that no expected file was written.
fn not_blessed(lang: Lang, vi: String, en: String) -> String {
    say(
        lang,
        format!("chưa ghi kết quả mẫu: {vi}; không tệp nào được ghi"),
        format!("not blessed: {en}; nothing was written"),
    )
}

impl Problem {
    /// The sentence in a language.
    pub fn message(&self, lang: Lang) -> String {
        if let Some(s) = self
            .consolidation(lang)
            .or_else(|| self.export_or_fixture(lang))
            .or_else(|| self.serve(lang))
        {
            return s;
        }
        if let Some(s) = self.import_or_events(lang) {
            return s;
        }
        if let Some(s) = self.replication(lang).or_else(|| self.sources(lang)) {
            return s;
        }
        self.report_or_output(lang)
    }

    fn consolidation(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::CannotList { dir, cause } => os_refused_on(
                lang,
                ("không liệt kê được thư mục", "cannot list"),
                dir,
                cause,
            ),
            Problem::TooManyUnits { dir, max } => say(
                lang,
                format!(
                    "{} chứa hơn {} kho đơn vị",
                    shown(dir),
                    count(lang, *max as u64)
                ),
                format!("{} holds more than {max} unit stores", shown(dir)),
            ),
            Problem::NoUnit { store } => {
                let s = shown(store);
                say(
                    lang,
                    format!(
                        "kho {s} chưa có đơn vị: khai báo bằng `socai --db {s} init --unit CODE --name NAME`"
                    ),
                    format!(
                        "{s} has no unit: give it one with `socai --db {s} init --unit CODE --name NAME`"
                    ),
                )
            }
            Problem::UnitTwice { code, dir } => say(
                lang,
                format!("đơn vị {code} xuất hiện hai lần trong {}", shown(dir)),
                format!("unit {code} appears twice under {}", shown(dir)),
            ),
            Problem::PinNotUnder { code, dir } => say(
                lang,
                format!(
                    "--pin nêu đơn vị {code}, nhưng đơn vị này không có trong {}",
                    shown(dir)
                ),
                format!("--pin names unit {code}, which is not under {}", shown(dir)),
            ),
            _ => return None,
        })
    }

    fn export_or_fixture(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::JournalTooLarge { events, max } => say(
                lang,
                format!(
                    "too_large: {} sự kiện không vừa một trang tính xlsx ({} dòng); hãy xuất dạng csv, hoặc chỉ đến --known-at {max}",
                    count(lang, *events),
                    count(lang, *max)
                ),
                format!(
                    "too_large: {events} events do not fit one xlsx sheet ({max} rows); export as csv, or up to --known-at {max}"
                ),
            ),
            Problem::ParquetFolder { refusal } => say(
                lang,
                format!(
                    "out_exists: {}; hãy chọn một thư mục mới hoặc trống cho bản xuất parquet",
                    folder(refusal, lang)
                ),
                format!(
                    "out_exists: {}; name a new or empty folder for the parquet export",
                    folder(refusal, lang)
                ),
            ),
            Problem::BackupInto { refusal } => say(
                lang,
                format!(
                    "không sao lưu được: {}; hãy chọn một thư mục mới",
                    folder(refusal, lang)
                ),
                format!(
                    "cannot back up: {}; choose a new directory",
                    folder(refusal, lang)
                ),
            ),
            Problem::XlsxExportNeedsOut => say(
                lang,
                "bản xuất xlsx là một sổ tính: hãy ghi ra tệp bằng --out FILE".into(),
                "an xlsx export is a workbook: write it with --out FILE".into(),
            ),
            Problem::ParquetNeedsOut => say(
                lang,
                "bản xuất parquet là một thư mục (events.parquet, lines.parquet): hãy ghi bằng --out DIR".into(),
                "a parquet export is a folder (events.parquet, lines.parquet): write it with --out DIR".into(),
            ),
            Problem::LogUnreadable { detail } => say(
                lang,
                format!("không đọc lại được sổ cái để xuất: {detail}"),
                format!("cannot read the log: {detail}"),
            ),
            Problem::XlsxJournal { path, detail } => say(
                lang,
                format!("không ghi được sổ nhật ký xlsx {}: {detail}", shown(path)),
                format!("cannot write the xlsx journal {}: {detail}", shown(path)),
            ),
            Problem::Manifest { path, detail } => say(
                lang,
                format!(
                    "{}: tệp mô tả không đọc được: {}",
                    shown(path),
                    detail.text(lang)
                ),
                format!("{}: {}", shown(path), detail.text(lang)),
            ),
            Problem::RecordedAt { source, detail } => say(
                lang,
                format!("{source}: recorded_at không phải thời điểm RFC 3339: {detail}"),
                format!("{source}: recorded_at: {detail}"),
            ),
            Problem::NotBlessed { report, failed } => format!(
                "{}{}",
                replay_text::report(report, lang),
                not_blessed(
                    lang,
                    format!("{failed} lô không phát lại đúng như fixture.json nói"),
                    format!("{failed} batch(es) did not replay as fixture.json says"),
                )
            ),
            Problem::QueryName { name } => not_blessed(
                lang,
                format!(
                    "tên truy vấn {name:?} không phải tên tệp đơn giản (chữ, số, '.', '_', '-')"
                ),
                format!(
                    "query name {name:?} is not a plain file name (letters, digits, '.', '_', '-')"
                ),
            ),
            Problem::QueryFailed { name, cause } => {
                let (vi, en) = query_failed(name, cause);
                not_blessed(lang, vi, en)
            }
            Problem::ScratchDir { cause } => os_refused(
                lang,
                ("không tạo được thư mục tạm", "cannot make a scratch directory"),
                cause,
            ),
            Problem::CannotCreate { path, cause } => {
                os_refused_on(lang, ("không tạo được", "cannot create"), path, cause)
            }
            _ => return None,
        })
    }

    fn import_or_events(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::UnknownEventType { given, known } => say(
                lang,
                format!(
                    "không có loại sự kiện {given:?}; các loại (gõ tên ổn định): {}",
                    known
                        .iter()
                        .map(|t| format!("{t} ({})", event_type(Lang::Vi, t)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("unknown event type {given:?}; one of: {}", known.join(", ")),
            ),
            Problem::FromAfterTo { from, to } => say(
                lang,
                format!(
                    "ngày bắt đầu {} sau ngày kết thúc {}: không sự kiện nào khớp",
                    date(lang, *from),
                    date(lang, *to)
                ),
                format!("from {from} is after to {to}: no event can match"),
            ),
            Problem::LimitOutside { limit, max } => say(
                lang,
                format!(
                    "giới hạn {limit} nằm ngoài khoảng 1..={}",
                    count(lang, *max as u64)
                ),
                format!("limit {limit} is outside 1..={max}"),
            ),
            Problem::AfterBeyondHead { after, head } => {
                let (vi, en) = after_beyond_head(*after, *head);
                say(lang, vi, en)
            }
            Problem::CannotReadInput { source, detail } => say(
                lang,
                format!("không đọc được {source}: {detail}"),
                format!("cannot read {source}: {detail}"),
            ),
            Problem::PlanTooLarge { name, max } => say(
                lang,
                format!(
                    "{name}: too_large: tệp kế hoạch chỉ được lớn tối đa {} byte",
                    count(lang, *max)
                ),
                format!("{name}: too_large: a plan file may hold at most {max} bytes"),
            ),
            Problem::CsvHasNoSheets { name } => say(
                lang,
                format!("{name} là tệp CSV: tệp này không có trang tính, hãy bỏ --sheet"),
                format!("{name} is a CSV file: it has no sheets, drop --sheet"),
            ),
            Problem::NotPlanTable { name } => say(
                lang,
                format!(
                    "{name}: bảng kế hoạch phải là tệp .xlsx, .xlsm, .xlsb, .xls, .ods hoặc .csv"
                ),
                format!("{name}: a plan table must be .xlsx, .xlsm, .xlsb, .xls, .ods or .csv"),
            ),
            Problem::PlanRefused { name, error } => plan_refused(name.as_deref(), error, lang),
            _ => return None,
        })
    }

    fn report_or_output(&self, lang: Lang) -> String {
        match self {
            Problem::PlanYear { year, min, max } => say(
                lang,
                format!("năm kế hoạch {year}: năm {year} nằm ngoài khoảng {min}–{max}"),
                format!("plan year {year}: year {year} is outside {min}–{max}"),
            ),
            Problem::FormatMismatch { given, out, named } => say(
                lang,
                format!(
                    "format_mismatch: --format {given} nhưng --out {} là tệp {named}; hãy bỏ --format hoặc đổi tên tệp",
                    shown(out)
                ),
                format!(
                    "format_mismatch: --format {given} but --out {} names {named}; drop --format or rename the file",
                    shown(out)
                ),
            ),
            Problem::SettlementFormat { format } => written_as(
                lang,
                ("quyết toán", "a settlement"),
                &["json", "text", "csv", "xlsx"],
                format,
            ),
            Problem::WholeNeedsDocument { format } => written_as(
                lang,
                (
                    "whole_needs_document_format: báo cáo đầy đủ",
                    "whole_needs_document_format: the whole report",
                ),
                &["md", "html", "docx"],
                format,
            ),
            Problem::NoYearEnd { year } => say(
                lang,
                format!("năm kế hoạch {year} không có ngày cuối năm"),
                format!("plan year {year} has no year end"),
            ),
            Problem::Claims { source, detail } => say(
                lang,
                format!("{source}: tệp số liệu cần đối chiếu không đọc được: {detail}"),
                format!("{source}: {detail}"),
            ),
            Problem::RecoverExport { export, detail } => say(
                lang,
                format!("{export}: {detail}; không kho nào được ghi"),
                format!("{export}: {detail}; no store was written"),
            ),
            Problem::Quoted { detail } => say(
                lang,
                format!("yêu cầu không thực hiện được: {detail}"),
                detail.clone(),
            ),
            Problem::Render { detail } => say(
                lang,
                format!("không tạo được kết quả: {detail}"),
                detail.clone(),
            ),
            Problem::CannotWrite { cause } => os_refused(
                lang,
                ("không ghi được kết quả", "cannot write output"),
                cause,
            ),
            Problem::CannotWritePath { path, cause } => {
                os_refused_on(lang, ("không ghi được", "cannot write"), path, cause)
            }
            Problem::Internal { what } => say(
                lang,
                format!("lỗi bên trong socai: {what}"),
                what.to_string(),
            ),
            // Worded by the groups `message` asks first.
            _ => String::new(),
        }
    }
}

/// Why an output folder cannot be written.
fn folder(r: &FolderRefusal, lang: Lang) -> String {
    match r {
        FolderRefusal::CannotLook { dir, cause } => {
            os_refused_on(lang, ("không xem được", "cannot look at"), dir, cause)
        }
        FolderRefusal::NotAFolder { dir } => say(
            lang,
            format!("{} đã có và không phải thư mục", shown(dir)),
            format!("{} exists and is not a folder", shown(dir)),
        ),
        FolderRefusal::NotEmpty { dir } => say(
            lang,
            format!("{} là thư mục không trống", shown(dir)),
            format!("{} is a folder that is not empty", shown(dir)),
        ),
        FolderRefusal::CannotList { dir, cause } => {
            os_refused_on(lang, ("không liệt kê được", "cannot list"), dir, cause)
        }
    }
}

/// A plan table refused: the file, the sheet, row and column, the refusal's code and its
/// words, and that nothing was appended.
fn plan_refused(name: Option<&str>, e: &PlanError, lang: Lang) -> String {
    let file = name.map_or(String::new(), |n| format!("{n}: "));
    let vi_row = e.row.map_or(String::new(), |r| format!(", dòng {r}"));
    let vi_col = match &e.column {
        None => String::new(),
        Some((letter, name)) if name.is_empty() => format!(", cột {letter}"),
        Some((letter, name)) => format!(", cột {letter} ({name})"),
    };
    say(
        lang,
        format!(
            "{file}trang tính {:?}{vi_row}{vi_col}: {}; không sự kiện nào được ghi",
            e.sheet,
            rejection(&e.rejection, lang)
        ),
        format!("{file}{e}; nothing was appended"),
    )
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl From<Problem> for String {
    fn from(p: Problem) -> String {
        p.message(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_as_the_language_groups_them_and_english_keeps_its_words() {
        let p = Problem::JournalTooLarge {
            events: 2_000_000,
            max: 1_048_575,
        };
        let vi = p.message(Lang::Vi);
        assert!(
            vi.contains("2.000.000 sự kiện") && vi.contains("1.048.575 dòng"),
            "{vi}"
        );
        assert_eq!(
            p.to_string(),
            "too_large: 2000000 events do not fit one xlsx sheet (1048575 rows); export as csv, or up to --known-at 1048575"
        );
    }
}
