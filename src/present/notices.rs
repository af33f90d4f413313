//! The catalogue of progress and summary lines of long commands (replicate, gen): each from
//! its facts, in Vietnamese (the default) or English. Dates and counts are facts; the words
//! are here.

use std::path::Path;

use crate::present::messages::date;
use crate::present::messages::say;
use crate::present::vi_format::Lang;

/// What `socai gen` wrote: the workload's figures, how many event files (of at most
/// `per_file` events) and where.
pub struct Generated {
    pub events: u64,
    pub lines: usize,
    pub backdated: u64,
    pub reversed: u64,
    pub first_date: Option<chrono::NaiveDate>,
    pub last_date: Option<chrono::NaiveDate>,
    pub files: usize,
    pub per_file: usize,
    pub dir: std::path::PathBuf,
}

/// `count` records copied into a replica, now at `head`, from the event stream (`streamed`)
/// or a page of the catch-up (stderr).
pub fn replica_progress((count, head, streamed): (u64, u64, bool), lang: Lang) -> String {
    match streamed {
        true => say(
            lang,
            format!("nhận qua luồng {count} bản ghi; bản sao đến số thứ tự {head}"),
            format!("streamed {count} records; replica at sequence {head}"),
        ),
        false => say(
            lang,
            format!("đã chép {count} bản ghi; bản sao đến số thứ tự {head}"),
            format!("copied {count} records; replica at sequence {head}"),
        ),
    }
}

/// The replica's head once `replicate` ends (stdout).
pub fn replica_done(dir: &Path, head: u64, hash: &str, lang: Lang) -> String {
    let dir = dir.display();
    say(
        lang,
        format!("bản sao {dir} đến số thứ tự {head}, đầu chuỗi {head}:{hash}\n"),
        format!("replica {dir} at sequence {head}, head {head}:{hash}\n"),
    )
}

/// What `socai gen` wrote (stdout).
pub fn generated(g: &Generated, lang: Lang) -> String {
    let s = g;
    let span = match (s.first_date, s.last_date) {
        (Some(a), Some(b)) => say(
            lang,
            format!("{} đến {}", date(lang, a), date(lang, b)),
            format!("{a} to {b}"),
        ),
        _ => "-".to_string(),
    };
    let (files, per_file, dir) = (g.files, g.per_file, g.dir.display());
    say(
        lang,
        format!(
            "đã tạo {} sự kiện trên {} dòng ({span}; {} ghi lùi ngày, {} bị hủy) trong {files} tệp, mỗi tệp tối đa {per_file} sự kiện, và journal.ledger, trong {dir}\n",
            s.events, s.lines, s.backdated, s.reversed
        ),
        format!(
            "generated {} events over {} lines ({span}; {} backdated, {} reversed) in {files} files of at most {per_file} events, and journal.ledger, under {dir}\n",
            s.events, s.lines, s.backdated, s.reversed
        ),
    )
}

/// A file written with `--out` (stderr).
pub fn wrote(path: &Path, lang: Lang) -> String {
    let path = path.display();
    say(lang, format!("đã ghi tệp {path}"), format!("wrote {path}"))
}

/// What `socai init` recorded: the unit, its parent, where it was bound and its digest.
pub fn unit_bound(record: &crate::storage::UnitRecord, lang: Lang) -> String {
    let unit = &record.unit;
    let (code, name, since) = (&unit.code, &unit.name, record.since);
    let digest = hex::encode(record.digest());
    let parent = |word: &str| {
        unit.parent
            .as_deref()
            .map(|p| format!(", {word} {p}"))
            .unwrap_or_default()
    };
    say(
        lang,
        format!(
            "đơn vị {code} ({name}){} đã gắn vào sổ sau thứ tự {since}; mã băm đơn vị {digest}\n",
            parent("thuộc")
        ),
        format!(
            "unit {code} ({name}){} bound to the log after sequence {since}; unit digest {digest}\n",
            parent("parent")
        ),
    )
}
