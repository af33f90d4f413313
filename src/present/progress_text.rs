//! What a progress bar or spinner says while a long command works, in the reader's language.
//! The use cases name the task (`Doing`); only the CLI draws it, on a terminal.

use std::path::Path;

use rust_decimal::Decimal;

use crate::present::vi_format::{Lang, group};

/// A long task a progress bar or spinner shows.
pub enum Doing<'a> {
    /// Opening a store: the hash chain, the HEAD record and every record's rules.
    Verifying,
    /// Writing an export.
    Exporting,
    /// Reading an input file.
    Reading(&'a str),
    /// Checking and durably appending a batch of events.
    Appending(usize),
    /// Replaying a fixture folder.
    Replaying(&'a Path),
}

/// The task's words in `lang`.
pub fn doing(task: &Doing<'_>, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    match task {
        Doing::Verifying if vi => "đang kiểm tra sổ cái (chuỗi băm, bản ghi HEAD, quy tắc)".into(),
        Doing::Verifying => "verifying the log (hash chain, HEAD record, rules)".into(),
        Doing::Exporting if vi => "đang xuất".into(),
        Doing::Exporting => "exporting".into(),
        Doing::Reading(name) if vi => format!("đang đọc {name}"),
        Doing::Reading(name) => format!("reading {name}"),
        Doing::Appending(n) if vi => format!(
            "đang kiểm tra và ghi bền vững {} sự kiện",
            group(Decimal::from(*n as u64))
        ),
        Doing::Appending(n) => format!("checking and durably appending {n} events"),
        Doing::Replaying(dir) if vi => format!("đang chạy lại {}", dir.display()),
        Doing::Replaying(dir) => format!("replaying {}", dir.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_is_worded_in_vietnamese_by_its_own_words() {
        let dir = Path::new("replay-fixtures/seed");
        let tasks = [
            Doing::Verifying,
            Doing::Exporting,
            Doing::Reading("su-kien.jsonl"),
            Doing::Appending(12_500),
            Doing::Replaying(dir),
        ];
        for task in &tasks {
            let (vi, en) = (doing(task, Lang::Vi), doing(task, Lang::En));
            assert_ne!(vi, en);
            assert!(vi.starts_with("đang "), "{vi}");
        }
        assert_eq!(
            doing(&Doing::Appending(12_500), Lang::Vi),
            "đang kiểm tra và ghi bền vững 12.500 sự kiện"
        );
    }
}
