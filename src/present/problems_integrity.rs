//! The storage layer's findings (`storage::Fault`) in the reader's language.
//!
//! Storage gives each finding as facts (sequences, hashes, paths, expected and found); the
//! English is `Fault`'s own `Display` (storage's words since the start, kept byte for byte),
//! the Vietnamese is worded here from the same facts. Technical words that come from outside
//! socai (sled's or the operating system's error text, the envelope decoder's reason) are
//! kept as they were written, inside a Vietnamese sentence.

use crate::present::messages::{self, say};
use crate::present::vi_format::Lang;
use crate::storage::fault::{Copy, HeadDefect, IndexDefect};
use crate::storage::{Fault, StoreError};

const RECOVER_HINT_VI: &str = "(`socai recover` dựng lại kho từ cả hai bản)";

/// A finding in `lang`.
pub fn fault(f: &Fault, lang: Lang) -> String {
    match lang {
        Lang::En => f.to_string(),
        Lang::Vi => vietnamese(f),
    }
}

/// A whole `StoreError` in Vietnamese: the frame (integrity failure at a sequence, store
/// error, locked) and the finding.
pub fn store_vietnamese(e: &StoreError) -> String {
    match e {
        StoreError::Locked(dir) => format!(
            "kho đang bị khóa: {dir} đang được một tiến trình socai khác dùng; mỗi lúc chỉ một tiến trình được dùng một kho"
        ),
        // The operating system's or sled's words, after the frame.
        StoreError::Io(m) => format!("lỗi kho dữ liệu: {m}"),
        StoreError::NoStore { dir, hint } => {
            let hint = match hint {
                true => " (tạo kho bằng `socai import` hoặc `socai demo`)",
                false => "",
            };
            format!(
                "lỗi kho dữ liệu: không có kho nào ở {}{hint}",
                dir.display()
            )
        }
        StoreError::Integrity { seq, fault } => {
            let at = seq.map_or(String::new(), |s| format!(" ở số thứ tự {s}"));
            format!("lỗi toàn vẹn{at}: {}", vietnamese(fault))
        }
    }
}

fn vietnamese(f: &Fault) -> String {
    match f {
        Fault::Acknowledged { fault, head } => format!(
            "{}; bản ghi đầu chuỗi ghi {head} sự kiện đã ghi nhận (`socai recover` dựng lại những gì kiểm tra đúng)",
            vietnamese(fault)
        ),
        Fault::Store(e) => store_vietnamese(e),
        other => log_vi(other),
    }
}

/// The log's and HEAD's findings.
fn log_vi(f: &Fault) -> String {
    let hex = hex::encode;
    match f {
        Fault::HashMismatch => "mã băm không khớp: dữ liệu hoặc mã băm đã lưu đã bị sửa".into(),
        Fault::SequenceMissing { missing, next } => {
            format!("thiếu số thứ tự {missing} (số tiếp theo được lưu là {next})")
        }
        Fault::ValueTooShort | Fault::ValueMissingOrShort => {
            "giá trị đã lưu bị thiếu, sai chỗ hoặc quá ngắn".into()
        }
        Fault::KeyNotSequence { len } => format!("một khóa dài {len} byte không phải số thứ tự"),
        Fault::ClaimsSequence { claimed } => format!("bản ghi tự nhận là số thứ tự {claimed}"),
        Fault::Undecodable { why } => format!("bản ghi đã lưu không giải mã được ({why})"),
        Fault::RecordMissing => "bản ghi đã lưu bị thiếu".into(),
        Fault::LogEndsBefore { upto } => format!("sổ kết thúc trước số thứ tự {upto}"),
        Fault::LostWhileReading => "sổ mất số thứ tự này trong lúc đang đọc".into(),
        Fault::SledCannotRead { detail } => format!("sled không đọc được sổ ({detail})"),
        Fault::SledCannotOpen { detail } => format!("sled không mở được sổ ({detail})"),
        Fault::SledCorruption { detail } => format!("sled báo dữ liệu bị hỏng ({detail})"),
        Fault::NotAnEvent => "sổ có một mục không phải sự kiện".into(),
        Fault::Unreadable { path, detail } => {
            format!("không đọc được {} ({detail})", path.display())
        }
        Fault::Missing { path } => format!("thiếu {}", path.display()),
        Fault::NotAPlainFile { path } => format!(
            "{} không phải tệp hay thư mục thường (là ống dẫn, thiết bị, socket hoặc liên kết, thứ socai không bao giờ ghi vào kho): hãy chuyển nó ra khỏi kho",
            path.display()
        ),
        Fault::LogDirMissing {
            log_dir,
            acknowledged,
            head,
        } => format!(
            "thiếu thư mục sổ {} trong khi bản ghi đầu chuỗi ghi {acknowledged} sự kiện đã ghi nhận (mã băm đầu chuỗi {})",
            log_dir.display(),
            hex(head)
        ),
        Fault::HeadMissingBesideLog { events } => format!(
            "thiếu bản ghi đầu chuỗi trong khi sổ có {events} sự kiện; không đoán những gì đã được ghi nhận"
        ),
        Fault::HeadRecordMissing => "thiếu bản ghi đầu chuỗi".into(),
        Fault::DamagedHeadMissing => "kho hỏng thiếu bản ghi đầu chuỗi".into(),
        Fault::DamagedHeadOtherHash { seq } => format!(
            "bản ghi đầu chuỗi của kho hỏng ghi số thứ tự {seq} với mã băm khác: nó không mô tả sổ này"
        ),
        Fault::HeadUnreadable(why) => {
            format!("bản ghi đầu chuỗi không đọc được: {}", head_defect(*why))
        }
        Fault::TruncatedTail {
            head_seq, log_end, ..
        } => format!(
            "đuôi sổ bị cắt: bản ghi đầu chuỗi ghi số thứ tự {head_seq} nhưng sổ chỉ đến {log_end}"
        ),
        Fault::HeadHashDiffers {
            seq,
            head,
            found,
            copy,
        } => format!(
            "bản ghi đầu chuỗi ghi mã băm {} cho số thứ tự {seq} nhưng {} có mã băm {}",
            hex(head),
            copy_vi(*copy),
            hex(found)
        ),
        Fault::OlderCopy { end, seq, .. } => format!(
            "sổ kết thúc ở số thứ tự {end} nhưng cần có số thứ tự {seq}: đây là bản cũ của kho hoặc kho đã mất phần đuôi"
        ),
        Fault::NotThatLog {
            seq,
            found,
            expected,
        } => format!(
            "số thứ tự {seq} có mã băm {} nhưng cần là {}: sổ này không phải sổ đã cho mã băm đầu chuỗi đó",
            hex(found),
            hex(expected)
        ),
        other => copy_vi_fault(other),
    }
}

/// The findings about the journal, the index and the rules.
fn copy_vi_fault(f: &Fault) -> String {
    match f {
        Fault::DiffersFromAcknowledged => "mã băm đã lưu khác với mã băm đã ghi nhận".into(),
        Fault::ShorterThanAcknowledged { end, acknowledged } => {
            format!("sổ đã lưu kết thúc ở {end} nhưng đã ghi nhận {acknowledged} sự kiện")
        }
        Fault::Repeats { id, first } => format!("sự kiện {id} lặp lại số thứ tự {first}"),
        Fault::BreaksRules { rejection } => format!(
            "sự kiện đã lưu vi phạm quy tắc của sổ: {}",
            messages::rejection(rejection, Lang::Vi)
        ),
        Fault::RepeatsAt { seq, first } => {
            format!("số thứ tự {seq} lặp lại sự kiện của số thứ tự {first}")
        }
        Fault::BreaksRulesAt { seq, rejection } => format!(
            "số thứ tự {seq}: sự kiện đã lưu vi phạm quy tắc của sổ: {}",
            messages::rejection(rejection, Lang::Vi)
        ),
        Fault::UnitUnreadable { path, why } => {
            format!("bản ghi đơn vị {} không đọc được ({why})", path.display())
        }
        Fault::JournalBehind { path, torn, seq } => {
            let how = match torn {
                true => "bị hỏng",
                false => "khác với sổ",
            };
            format!(
                "nhật ký {} {how} ở số thứ tự đã ghi nhận {seq} {RECOVER_HINT_VI}",
                path.display()
            )
        }
        Fault::JournalLacks { dir, seq, hint } => {
            let hint = match hint {
                true => format!(" {RECOVER_HINT_VI}"),
                false => String::new(),
            };
            format!(
                "nhật ký {} thiếu số thứ tự đã ghi nhận {seq}{hint}",
                dir.display()
            )
        }
        Fault::JournalMissing { dir } => format!(
            "thiếu nhật ký {} (kho ghi trước khi có nhật ký sẽ có nhật ký ở lần ghi tiếp theo)",
            dir.display()
        ),
        Fault::NoJournal => "kho chưa có nhật ký".into(),
        Fault::JournalSegmentStart {
            path,
            first,
            expected,
        } => format!(
            "đoạn nhật ký {} bắt đầu ở {first}, không phải ở {expected}",
            path.display()
        ),
        Fault::JournalDiffers { path, seq } => format!(
            "nhật ký {} bị hỏng hoặc khác với sổ ở số thứ tự {seq} {RECOVER_HINT_VI}",
            path.display()
        ),
        Fault::JournalFrameUnchained { path, seq } => format!(
            "nhật ký {} bị hỏng ở số thứ tự {seq} (khung của nó không nối chuỗi)",
            path.display()
        ),
        Fault::JournalDamagedAt { path, at } => {
            format!("nhật ký {} bị hỏng ở byte {at}", path.display())
        }
        Fault::IndexDiffers { path, why } => format!(
            "chỉ mục khác với sổ ở tệp {} ({}; bị sửa hoặc hỏng): chỉ mục bị rút lại, truy vấn đọc toàn bộ sổ và lần ghi sau sẽ dựng lại chỉ mục",
            path.display(),
            index_defect(why)
        ),
        other => source_vi(other),
    }
}

/// The findings about copies and sources.
fn source_vi(f: &Fault) -> String {
    let hex = hex::encode;
    match f {
        Fault::ReplicaDiffers { replica, at } => format!(
            "bản sao {} không giữ cùng lịch sử đến số thứ tự {at} (đơn vị hoặc mã băm chuỗi khác nhau)",
            replica.display()
        ),
        Fault::CopyUnchained => "sự kiện đã chép không nối chuỗi như bản gốc".into(),
        Fault::SourceUndecodable { why } => {
            format!("nguồn gửi một bản ghi không giải mã được ({why})")
        }
        Fault::SourceWrongSequence { sent, due } => {
            format!("nguồn gửi số thứ tự {sent} trong khi cần số thứ tự {due}")
        }
        Fault::SourceHashDiffers {
            seq,
            given,
            computed,
        } => format!(
            "mã băm chuỗi {} của nguồn cho số thứ tự {seq} không phải mã băm của bản ghi nó gửi ({}): lịch sử của nguồn khác với bản sao này hoặc bản chép đã bị sửa",
            hex(given),
            hex(computed)
        ),
        Fault::NoIntactCopy => "cả sổ lẫn nhật ký đều không giữ được bản nguyên vẹn (mã băm không khớp hoặc bản ghi không giải mã được)".into(),
        // Worded by `vietnamese`, `log_vi` and `copy_vi_fault`.
        other => other.to_string(),
    }
}

fn copy_vi(copy: Copy) -> &'static str {
    match copy {
        Copy::Log => "sổ",
        Copy::Journal => "nhật ký",
    }
}

fn head_defect(why: HeadDefect) -> &'static str {
    match why {
        HeadDefect::UnknownHeader => "dòng đầu không đúng định dạng",
        HeadDefect::NoSequence => "không có số thứ tự",
        HeadDefect::NoHash => "không có mã băm",
        HeadDefect::HashNotThirtyTwoBytes => "mã băm không dài 32 byte",
        HeadDefect::ChecksumDiffers => "tổng kiểm tra không khớp (tệp đã bị hỏng)",
        HeadDefect::LinesAfterChecksum => "có dòng thừa sau tổng kiểm tra",
    }
}

fn index_defect(why: &IndexDefect) -> String {
    match why {
        IndexDefect::BlocksNotDense => "các khối không được đánh số liên tục".into(),
        IndexDefect::ManifestDiffers => {
            "danh sách tệp và tổng kiểm tra khác với danh sách sổ cho ra".into()
        }
        IndexDefect::Unreadable(detail) => format!("không đọc được: {detail}"),
        IndexDefect::NotWhatLogYields => "tệp không chứa những gì sổ cho ra".into(),
    }
}

/// The refusal word for word: `say` picks the language (for callers holding both facts).
pub fn store(e: &StoreError, lang: Lang) -> String {
    say(lang, store_vietnamese(e), e.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Each finding with its expected Vietnamese and English (storage's words since the start).
    fn cases() -> Vec<(StoreError, &'static str, &'static str)> {
        let torn = Fault::TruncatedTail {
            head_seq: 277,
            head_hash: None,
            log_end: 250,
        };
        let gap = Fault::SequenceMissing {
            missing: 5,
            next: 7,
        };
        let journal = Fault::JournalBehind {
            path: PathBuf::from("/s/journal"),
            torn: true,
            seq: 12,
        };
        let missing = StoreError::NoStore {
            dir: PathBuf::from("/x y"),
            hint: true,
        };
        vec![
            (
                crate::storage::integrity(Some(251), torn),
                "lỗi toàn vẹn ở số thứ tự 251: đuôi sổ bị cắt: bản ghi đầu chuỗi ghi số thứ tự 277 nhưng sổ chỉ đến 250",
                "integrity failure at sequence 251: truncated tail: HEAD records sequence 277 but the log ends at 250",
            ),
            (
                crate::storage::integrity(None, gap),
                "lỗi toàn vẹn: thiếu số thứ tự 5 (số tiếp theo được lưu là 7)",
                "integrity failure: sequence 5 is missing (the next stored one is 7)",
            ),
            (
                crate::storage::integrity(Some(12), journal),
                "lỗi toàn vẹn ở số thứ tự 12: nhật ký /s/journal bị hỏng ở số thứ tự đã ghi nhận 12 (`socai recover` dựng lại kho từ cả hai bản)",
                "integrity failure at sequence 12: the journal /s/journal is torn or damaged at acknowledged sequence 12 (`socai recover` rebuilds the store from both copies)",
            ),
            (
                missing,
                "lỗi kho dữ liệu: không có kho nào ở /x y (tạo kho bằng `socai import` hoặc `socai demo`)",
                "store error: no store at /x y (create one with `socai import` or `socai demo`)",
            ),
        ]
    }

    /// One of each finding storage gives (its English Display is storage's own words).
    fn every_fault() -> Vec<Fault> {
        let p = || PathBuf::from("/s/x");
        let h = [7u8; 32];
        let rejection = crate::core::rejection::Rejection::new(
            crate::core::rejection::Code::UnknownLine,
            crate::core::rejection::Detail::Line { line: "L2".into() },
            "line \"L2\" is not open".to_string(),
        );
        let why = || "unknown record format version 9".to_string();
        let mut faults = vec![
            Fault::HashMismatch,
            Fault::SequenceMissing {
                missing: 5,
                next: 7,
            },
            Fault::ValueTooShort,
            Fault::ValueMissingOrShort,
            Fault::KeyNotSequence { len: 3 },
            Fault::ClaimsSequence { claimed: 9 },
            Fault::Undecodable { why: why() },
            Fault::RecordMissing,
            Fault::LogEndsBefore { upto: 9 },
            Fault::LostWhileReading,
            Fault::SledCannotRead { detail: why() },
            Fault::SledCannotOpen { detail: why() },
            Fault::SledCorruption { detail: why() },
            Fault::NotAnEvent,
            Fault::Unreadable {
                path: p(),
                detail: why(),
            },
            Fault::Missing { path: p() },
            Fault::NotAPlainFile { path: p() },
            Fault::LogDirMissing {
                log_dir: p(),
                acknowledged: 3,
                head: h,
            },
            Fault::HeadMissingBesideLog { events: 3 },
            Fault::HeadRecordMissing,
            Fault::DamagedHeadMissing,
            Fault::DamagedHeadOtherHash { seq: 3 },
            Fault::HeadUnreadable(HeadDefect::ChecksumDiffers),
            Fault::TruncatedTail {
                head_seq: 3,
                head_hash: Some(h),
                log_end: 2,
            },
            Fault::HeadHashDiffers {
                seq: 3,
                head: h,
                found: h,
                copy: Copy::Journal,
            },
            Fault::OlderCopy {
                end: 2,
                seq: 3,
                expected: h,
            },
            Fault::NotThatLog {
                seq: 3,
                found: h,
                expected: h,
            },
        ];
        faults.extend(later_faults(&h, rejection));
        faults
    }

    /// The second half of `every_fault`: the journal's, the index's, the rules' and copies'.
    fn later_faults(h: &[u8; 32], rejection: crate::core::rejection::Rejection) -> Vec<Fault> {
        let (p, h) = (|| PathBuf::from("/s/x"), *h);
        let why = || "unknown record format version 9".to_string();
        vec![
            Fault::DiffersFromAcknowledged,
            Fault::ShorterThanAcknowledged {
                end: 2,
                acknowledged: 3,
            },
            Fault::Repeats {
                id: uuid::Uuid::nil(),
                first: 1,
            },
            Fault::BreaksRules {
                rejection: rejection.clone(),
            },
            Fault::RepeatsAt { seq: 2, first: 1 },
            Fault::BreaksRulesAt { seq: 2, rejection },
            Fault::UnitUnreadable {
                path: p(),
                why: why(),
            },
            Fault::JournalBehind {
                path: p(),
                torn: false,
                seq: 3,
            },
            Fault::JournalLacks {
                dir: p(),
                seq: 3,
                hint: false,
            },
            Fault::JournalMissing { dir: p() },
            Fault::NoJournal,
            Fault::JournalSegmentStart {
                path: p(),
                first: 4,
                expected: 3,
            },
            Fault::JournalDiffers { path: p(), seq: 3 },
            Fault::JournalFrameUnchained { path: p(), seq: 3 },
            Fault::JournalDamagedAt { path: p(), at: 40 },
            Fault::IndexDiffers {
                path: p(),
                why: IndexDefect::ManifestDiffers,
            },
            Fault::ReplicaDiffers {
                replica: p(),
                at: 3,
            },
            Fault::CopyUnchained,
            Fault::SourceUndecodable { why: why() },
            Fault::SourceWrongSequence { sent: 4, due: 3 },
            Fault::SourceHashDiffers {
                seq: 3,
                given: h,
                computed: h,
            },
            Fault::NoIntactCopy,
            Fault::Store(Box::new(StoreError::Locked("/s".into()))),
            Fault::Acknowledged {
                fault: Box::new(Fault::HashMismatch),
                head: 3,
            },
        ]
    }

    /// Storage's English words of a finding, without the facts and the technical words that
    /// come from outside socai (which the Vietnamese keeps as they are).
    fn english_words(fault: &Fault) -> Vec<String> {
        let mut text = fault
            .to_string()
            .replace("unknown record format version 9", "");
        // A rejection is worded by the catalogue (`messages::rejection`), not here.
        if let Fault::BreaksRules { rejection } | Fault::BreaksRulesAt { rejection, .. } = fault {
            text = text.replace(&rejection.to_string(), "");
        }
        text.split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 3 && !["socai", "recover", "HEAD"].contains(w))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_finding_is_worded_in_vietnamese() {
        for f in every_fault() {
            let vi = fault(&f, Lang::Vi);
            let english: Vec<String> = english_words(&f)
                .into_iter()
                .filter(|w| vi.contains(w.as_str()))
                .collect();
            assert!(
                english.len() < 2,
                "{f:?} keeps English words {english:?}: {vi}"
            );
        }
    }

    #[test]
    fn findings_keep_their_facts_in_vietnamese_and_their_words_in_english() {
        for (e, vi, en) in cases() {
            assert_eq!(store(&e, Lang::Vi), vi);
            assert_eq!(store(&e, Lang::En), en);
        }
    }
}
