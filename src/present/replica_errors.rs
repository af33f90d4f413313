//! The use cases' problems of replication and units (`present::app_errors::Problem`):
//! a replica and its source, a store's unit, what a source sent that is not an answer.

use crate::present::app_errors::{Problem, shown};
use crate::present::messages::say;
pub use crate::present::vi_format::Lang;
use crate::storage::UnitRecord;

/// What a replication source sent that is not a valid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadAnswer {
    NoUnit,
    UnitFields,
    UnitInvalid(String),
    UnitDigest,
    PageWithoutEvents,
    Entry(String),
    PageOutOfOrder,
}

impl BadAnswer {
    fn words(&self, lang: Lang) -> String {
        match self {
            BadAnswer::NoUnit => say(
                lang,
                "không có `unit` trong GET /v1/unit".into(),
                "no `unit` in GET /v1/unit".into(),
            ),
            BadAnswer::UnitFields => say(
                lang,
                "một đơn vị thiếu code, name hoặc since_seq".into(),
                "a unit without code, name or since_seq".into(),
            ),
            BadAnswer::UnitInvalid(e) => say(
                lang,
                format!("một đơn vị không hợp lệ ({e})"),
                format!("a unit that is not valid ({e})"),
            ),
            BadAnswer::UnitDigest => say(
                lang,
                "một đơn vị có mã băm không phải của chính nó".into(),
                "a unit whose digest is not its own".into(),
            ),
            BadAnswer::PageWithoutEvents => say(
                lang,
                "một trang không có `events`".into(),
                "a page without `events`".into(),
            ),
            BadAnswer::Entry(why) => say(lang, format!("một bản ghi hỏng: {why}"), why.clone()),
            BadAnswer::PageOutOfOrder => say(
                lang,
                "một trang có số thứ tự không liên tiếp".into(),
                "a page whose sequences do not follow".into(),
            ),
        }
    }
}

/// A store's unit as a replica names it: code (name, since sequence), or none.
fn unit_name(unit: Option<&UnitRecord>, lang: Lang) -> String {
    match unit {
        None => say(lang, "(không có)".into(), "(none)".into()),
        Some(u) => say(
            lang,
            format!(
                "{} ({}, từ số thứ tự {})",
                u.unit.code, u.unit.name, u.since
            ),
            format!("{} ({}, since {})", u.unit.code, u.unit.name, u.since),
        ),
    }
}

/// A replica's folder that `replicate` cannot write into, and what to do instead.
fn not_a_replica(lang: Lang, dir: &std::path::Path, (vi, en): (&str, &str)) -> String {
    say(
        lang,
        format!("{} {vi}: hãy sao vào một thư mục mới", shown(dir)),
        format!("{} {en}: replicate into a new directory", shown(dir)),
    )
}

impl Problem {
    pub(crate) fn replication(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::ReplicaReadOnly { db, source } => say(
                lang,
                format!(
                    "replica_read_only: {} là bản sao của {source}; đơn vị của nó là đơn vị của nguồn",
                    shown(db)
                ),
                format!(
                    "replica_read_only: {} is a replica of {source}; its unit is its source's",
                    shown(db)
                ),
            ),
            Problem::UnitAlreadySet {
                stable,
                db,
                code,
                name,
                since,
            } => say(
                lang,
                format!(
                    "{stable}: {} đã thuộc đơn vị {code} ({name}), khai báo sau số thứ tự {since}; đơn vị của một kho chỉ khai báo một lần",
                    shown(db)
                ),
                format!(
                    "{stable}: {} already belongs to unit {code} ({name}), declared after sequence {since}; a store's unit is given once",
                    shown(db)
                ),
            ),
            Problem::NotEmpty { dir } => not_a_replica(
                lang,
                dir,
                (
                    "không phải kho và cũng không trống",
                    "is neither a store nor empty",
                ),
            ),
            Problem::OwnStore { dir } => not_a_replica(
                lang,
                dir,
                (
                    "là một kho riêng, không phải bản sao",
                    "is a store of its own, not a replica",
                ),
            ),
            Problem::SourceFailed {
                source,
                status,
                detail,
            } => {
                let (vi, en) = match status {
                    Some(s) => (
                        format!("trả lời HTTP {s}: {detail}"),
                        format!("HTTP {s}: {detail}"),
                    ),
                    None => (format!("không liên lạc được: {detail}"), detail.clone()),
                };
                say(
                    lang,
                    format!("nguồn {source} lỗi: {vi}"),
                    format!("the source {source} failed: {en}"),
                )
            }
            Problem::ReplicaHasUnit { code } => say(
                lang,
                format!("bản sao đã thuộc đơn vị {code}"),
                format!("the replica already belongs to unit {code}"),
            ),
            _ => return None,
        })
    }

    pub(crate) fn sources(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::NotSameBooks {
                dir,
                held,
                source,
                unit,
            } => {
                let (held, unit) = (
                    unit_name(held.as_deref(), lang),
                    unit_name(unit.as_deref(), lang),
                );
                say(
                    lang,
                    format!(
                        "bản sao trong {} thuộc đơn vị {held} nhưng nguồn {source} thuộc đơn vị {unit}: đây không phải cùng một sổ",
                        shown(dir)
                    ),
                    format!(
                        "the replica in {} belongs to unit {held} but the source {source} to unit {unit}: they are not the same books",
                        shown(dir)
                    ),
                )
            }
            Problem::BadAnswer { source, what } => say(
                lang,
                format!(
                    "nguồn {source} gửi {}; không phần nào của nó được sao",
                    what.words(lang)
                ),
                format!(
                    "the source {source} sent {}; nothing of it was copied",
                    what.words(lang)
                ),
            ),
            Problem::Diverged { source, at, head } => say(
                lang,
                format!(
                    "nguồn {source} không giữ lịch sử mà bản sao này giữ: hai bên khác nhau từ số thứ tự {at} (bản sao giữ 1–{head}); không gì được sao từ nguồn này"
                ),
                format!(
                    "the source {source} does not hold the history this replica holds: they first differ at sequence {at} (the replica holds 1–{head}); nothing was copied from it"
                ),
            ),
            Problem::DoesNotVerify {
                source,
                seq,
                cause,
                head,
            } => say(
                lang,
                format!(
                    "nguồn {source} gửi số thứ tự {seq} không kiểm chứng được: {}; bản sao vẫn dừng ở {head}",
                    crate::present::problems::store(cause, lang)
                ),
                format!(
                    "the source {source} sent sequence {seq} that does not verify: {cause}; the replica stays at {head}"
                ),
            ),
            _ => return None,
        })
    }
}
