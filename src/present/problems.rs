//! The catalogue of problems that are not the refusal of an event (those are in `messages`):
//! usage errors, files, the store, and the API's own errors. Each is a stable kind with its
//! facts (an argument, a path, a sequence, a limit) and is worded here in Vietnamese (the
//! default) or English. The doors pick the language; nothing here reads or decides anything.

use std::path::Path;

use crate::core::known_at::KnownAtError;
use crate::io::files::FileError;
use crate::present::messages::say;
pub use crate::present::vi_format::Lang;
use crate::storage::StoreError;
use crate::storage::snapshot::SnapshotError;

/// A command line that cannot be run as written, with what the parser knows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Usage {
    /// An argument no command of socai takes here (`--bogus`), and what was perhaps meant.
    UnknownArgument {
        arg: String,
        suggestion: Option<String>,
    },
    /// A subcommand socai does not have.
    UnknownCommand { name: String },
    /// An option given without its value (`--as-of` at the end).
    MissingValue { arg: String },
    /// A value the option refuses, the values it takes when they are a list, and the reason
    /// given by the value's own rule (English, when the rule has one).
    InvalidValue {
        arg: String,
        value: String,
        valid: Vec<String>,
    },
    /// Required arguments that were not given.
    MissingRequired { args: Vec<String> },
    /// Two arguments that cannot be used together.
    Conflict { arg: String, other: String },
    /// A subcommand is needed and none was given.
    MissingCommand,
    /// Anything else the parser refuses; its own words follow.
    Other { text: String },
}

/// A usage error as a sentence, followed by where to read more.
pub fn usage(u: &Usage, lang: Lang) -> String {
    let sentence = match u {
        Usage::UnknownArgument { arg, suggestion } => {
            let hint = suggestion
                .as_ref()
                .map_or((String::new(), String::new()), |s| {
                    (
                        format!("; có phải ý bạn là '{s}'?"),
                        format!("; did you mean '{s}'?"),
                    )
                });
            say(
                lang,
                format!("lệnh không nhận tham số '{arg}'{}", hint.0),
                format!("unexpected argument '{arg}'{}", hint.1),
            )
        }
        Usage::UnknownCommand { name } => say(
            lang,
            format!("socai không có lệnh '{name}'"),
            format!("unrecognized subcommand '{name}'"),
        ),
        Usage::MissingValue { arg } => say(
            lang,
            format!("thiếu giá trị của tham số '{arg}'"),
            format!("a value is required for '{arg}' but none was supplied"),
        ),
        Usage::InvalidValue { arg, value, valid } => {
            let (vi_list, en_list) = match valid.is_empty() {
                true => (String::new(), String::new()),
                false => (
                    format!(" (giá trị được nhận: {})", valid.join(", ")),
                    format!(" (possible values: {})", valid.join(", ")),
                ),
            };
            say(
                lang,
                format!("giá trị '{value}' của tham số '{arg}' không hợp lệ{vi_list}"),
                format!("invalid value '{value}' for '{arg}'{en_list}"),
            )
        }
        Usage::MissingRequired { args } => say(
            lang,
            format!("thiếu tham số bắt buộc: {}", args.join(", ")),
            format!(
                "the following required arguments were not provided: {}",
                args.join(", ")
            ),
        ),
        Usage::Conflict { arg, other } => say(
            lang,
            format!("không dùng được '{arg}' cùng với '{other}'"),
            format!("the argument '{arg}' cannot be used with '{other}'"),
        ),
        Usage::MissingCommand => say(
            lang,
            "thiếu tên lệnh (ví dụ: socai balance --as-of 2025-11-20)".to_string(),
            "a subcommand is required (e.g. socai balance --as-of 2025-11-20)".to_string(),
        ),
        Usage::Other { text } => say(
            lang,
            format!("cách gọi lệnh không đúng: {text}"),
            text.clone(),
        ),
    };
    let more = say(
        lang,
        "xem thêm: socai --help".to_string(),
        "for more information, try '--help'".to_string(),
    );
    format!("{sentence}\n{more}")
}

/// What the operating system said about a file (worded in `os_text`, for every message).
pub use crate::present::os_text::io as io_cause;

/// What socai could not do because the operating system refused, and what the system said,
/// in the language: "không ghi được kết quả: đĩa đã đầy", "cannot write output: …".
pub fn os_refused(lang: Lang, (vi, en): (&str, &str), cause: &std::io::Error) -> String {
    say(
        lang,
        format!("{vi}: {}", io_cause(cause, lang)),
        format!("{en}: {cause}"),
    )
}

/// The same for a path: "không ghi được <path>: …", "cannot write <path>: …".
pub fn os_refused_on(
    lang: Lang,
    (vi, en): (&str, &str),
    path: &Path,
    cause: &std::io::Error,
) -> String {
    let path = shown(path);
    os_refused(
        lang,
        (&format!("{vi} {path}"), &format!("{en} {path}")),
        cause,
    )
}

/// A file a command names that could not be read or written.
pub fn file(e: &FileError, lang: Lang) -> String {
    match e {
        FileError::Open { path, source } => {
            os_refused_on(lang, ("không mở được tệp", "cannot open"), path, source)
        }
        FileError::Read { path, source } => {
            os_refused_on(lang, ("không đọc được tệp", "cannot read"), path, source)
        }
        FileError::TooLarge { path, max } => say(
            lang,
            format!(
                "tệp {} lớn hơn {} byte; hãy chia nhỏ",
                shown(path),
                crate::present::messages::money(lang, (*max).into())
            ),
            e.to_string(),
        ),
        FileError::NotUtf8 { path } => say(
            lang,
            format!("tệp {} không phải văn bản UTF-8", shown(path)),
            e.to_string(),
        ),
        FileError::Write { path, source } => {
            os_refused_on(lang, ("không ghi được tệp", "cannot write"), path, source)
        }
    }
}

/// A path as a sentence names it.
pub(crate) fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// A store that could not be used: the frame (locked, I/O, integrity at a sequence) and the
/// finding, worded from its facts (see `problems_integrity`).
pub fn store(e: &StoreError, lang: Lang) -> String {
    crate::present::problems_integrity::store(e, lang)
}

/// A store failure during an append: nothing of the batch was acknowledged.
pub fn not_acknowledged(e: &StoreError, lang: Lang) -> String {
    match e {
        StoreError::Io(_) => say(
            lang,
            format!(
                "{}; lô KHÔNG được ghi nhận (mọi thứ đã ghi nhận trước đó vẫn nguyên vẹn). Khắc phục nguyên nhân (ví dụ giải phóng dung lượng đĩa) rồi nhập lại đúng tệp đó: các sự kiện đã vào sổ sẽ được bỏ qua",
                store(e, lang)
            ),
            String::new(),
        ),
        _ => store(e, lang),
    }
}

/// A knowledge point that names no reproducible view, naming the parameter as `param`.
pub fn known_at(e: &KnownAtError, param: &str, lang: Lang) -> String {
    let vi = match e {
        KnownAtError::TooLarge { text } => format!("{param} {text:?} quá lớn để là số thứ tự"),
        KnownAtError::Unreadable { text, .. } => format!(
            "{param} {text:?} không phải số thứ tự, ngày (2025-11-20: cuối ngày đó, giờ Việt Nam) hay thời điểm RFC 3339 như 2025-11-20T10:00:00Z"
        ),
        KnownAtError::BeyondHead { known_at, head } => {
            format!("{param} {known_at} vượt quá số thứ tự cuối cùng đã ghi ({head})")
        }
        KnownAtError::Future { at } => format!(
            "{param} {} ở tương lai: sự kiện ghi đến lúc đó sẽ làm thay đổi số liệu; hãy cho một thời điểm đã qua hoặc một số thứ tự",
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        ),
    };
    say(lang, vi, e.message(param))
}

/// The refusal when a store another process holds cannot be read without its lock (`why`:
/// it has no journal, or no HEAD record, to read it from).
pub fn cannot_read_held(locked: &str, why: &SnapshotError, lang: Lang) -> String {
    let why_vi = match why {
        SnapshotError::NoJournal {
            dir,
            head_missing: true,
        } => format!("{} chưa có bản ghi đầu chuỗi", dir.display()),
        SnapshotError::NoJournal { dir, .. } => format!("{} chưa có nhật ký", dir.display()),
        SnapshotError::Store(e) => crate::present::problems_integrity::store(e, Lang::Vi),
    };
    say(
        lang,
        format!(
            "kho đang bị khóa: {locked} đang được một tiến trình socai khác dùng; không đọc được khi đang dùng ({why_vi}): hãy dừng máy chủ, hoặc hỏi máy chủ bằng --server URL --token TOKEN"
        ),
        format!(
            "store is locked: {locked} is open in another socai process; it cannot be read while in use ({why}): stop the server, or ask it with --server URL --token TOKEN"
        ),
    )
}

/// A line the view does not know.
pub fn unknown_line(line: &str, known_at: u64, lang: Lang) -> String {
    say(
        lang,
        format!("dòng {line:?} chưa được mở tính đến số thứ tự {known_at}"),
        format!("line {line:?} was not opened by sequence {known_at}"),
    )
}

/// The note of a command that read a store another process (the server) holds.
pub fn held_note(db: &Path, head: u64, lang: Lang) -> String {
    say(
        lang,
        format!(
            "ghi chú: {} đang được một tiến trình socai khác (máy chủ) dùng; đã đọc {head} sự kiện đã ghi mà không thay đổi gì",
            shown(db)
        ),
        format!(
            "note: {} is in use by another socai process (the server); read its {head} recorded events without changing anything",
            shown(db)
        ),
    )
}
