//! The catalogue's wording of `socai recover`: where the new store's events came from, what
//! each copy of the damaged store held, and the verdict (nothing lost, a known loss, an
//! unknown one), from the facts of `ledger::Recovery`, in Vietnamese (the default) or English.
//! The storage layer's findings are worded by `problems_integrity` from their facts.

use std::path::Path;

use crate::ledger::Recovery;
use crate::present::messages::say;
use crate::present::problems_integrity;
use crate::present::vi_format::Lang;
use crate::storage::Fault;

/// A finding of the storage layer in the language.
fn finding(fault: &Fault, lang: Lang) -> String {
    problems_integrity::fault(fault, lang)
}

/// Where the new store's events came from and what each copy of the damaged store held.
pub fn sources(
    done: &Recovery,
    (export, replica): (Option<&str>, Option<&Path>),
    lang: Lang,
) -> String {
    let mut text = match &done.problem {
        Some(p) => say(
            lang,
            format!("kho bị hỏng: {}\n", finding(p, lang)),
            format!("damaged store: {p}\n"),
        ),
        None => say(
            lang,
            "kho bị hỏng: sổ được kiểm tra đúng đến cuối\n".to_string(),
            "damaged store: its log verifies to the end\n".to_string(),
        ),
    };
    text.push_str(&copies(done, lang));
    text.push_str(&match done.kept {
        0 => say(
            lang,
            "giữ lại: không có gì (không sự kiện nào của kho hỏng kiểm tra đúng)\n".to_string(),
            "kept: nothing (no event of the damaged store verifies)\n".to_string(),
        ),
        kept => copied(lang, ("giữ lại", "kept"), (1, kept)),
    });
    if let Some(dir) = replica {
        let dir = dir.display();
        let (a, b) = (done.kept + 1, done.kept + done.from_replica);
        text.push_str(&match done.from_replica {
            0 => say(
                lang,
                format!("bản sao {dir}: không có gì ngoài phần đã giữ lại\n"),
                format!("replica {dir}: nothing beyond the kept prefix\n"),
            ),
            _ => copied(
                lang,
                (&format!("bản sao {dir}"), &format!("replica {dir}")),
                (a, b),
            ),
        });
    }
    if export.is_some() {
        text.push_str(&exported(done, lang));
    }
    text
}

/// A line of the report: which sequences were copied verbatim from where.
fn copied(lang: Lang, (vi, en): (&str, &str), (a, b): (u64, u64)) -> String {
    say(
        lang,
        format!(
            "{vi}: các sự kiện số {a}–{b} được chép nguyên văn (giữ thời điểm ghi và mã băm gốc)\n"
        ),
        format!("{en}: sequences {a}–{b} copied verbatim (original recording times and hashes)\n"),
    )
}

fn exported(done: &Recovery, lang: Lang) -> String {
    let present = done.export_already_present;
    let first = done.kept + done.from_replica + 1;
    let last = done.kept + done.from_replica + done.from_export;
    let n = done.from_export;
    match n {
        0 => say(
            lang,
            format!(
                "bản xuất: {present} sự kiện đã có trong phần giữ lại; không ghi lại sự kiện nào\n"
            ),
            format!("export: {present} events already in the kept prefix; none re-entered\n"),
        ),
        _ => say(
            lang,
            format!(
                "bản xuất: {present} sự kiện đã có trong phần giữ lại; {n} sự kiện được ghi lại thành số {first}–{last} (ghi vào lúc này)\n"
            ),
            format!(
                "export: {present} events already in the kept prefix; {n} re-entered as sequences {first}–{last} (recorded now)\n"
            ),
        ),
    }
}

/// What `recover` found in each copy of the damaged store and what it repaired.
fn copies(done: &Recovery, lang: Lang) -> String {
    let mut text = String::new();
    let copies = [
        (&done.log_problem, ("bản sổ", "log copy")),
        (&done.journal_problem, ("bản nhật ký", "journal copy")),
    ];
    for (problem, (vi, en)) in copies {
        if let Some(p) = problem {
            let p = finding(p, lang);
            text.push_str(&say(lang, format!("{vi}: {p}\n"), format!("{en}: {p}\n")));
        }
    }
    if let (Some(p), Ok(n)) = (&done.head_problem, &done.acknowledged) {
        let p = finding(p, lang);
        text.push_str(&say(
            lang,
            format!(
                "bản ghi đầu chuỗi: {p}; sổ và nhật ký (cả hai đều bền vững trước khi bản ghi đầu chuỗi nêu một lô) đều chứng minh đủ {n} sự kiện và không có gì hơn\n"
            ),
            format!(
                "HEAD: {p}; the log and the journal (both durable before HEAD names a batch) each prove all {n} events and hold nothing more\n"
            ),
        ));
    }
    for (a, b) in &done.repaired {
        let (vi, en) = match a == b {
            true => (format!("sự kiện số {a}"), format!("sequence {a}")),
            false => (
                format!("các sự kiện số {a}–{b}"),
                format!("sequences {a}–{b}"),
            ),
        };
        text.push_str(&say(
            lang,
            format!("đã sửa: {vi} lấy từ nhật ký (bản trong sổ không kiểm tra đúng)\n"),
            format!("repaired: {en} taken from the journal (the log's copy did not verify)\n"),
        ));
    }
    text
}

/// The new store's line.
pub fn new_store(to: &Path, head: u64, hash: &str, lang: Lang) -> String {
    let to = to.display();
    say(
        lang,
        format!("kho mới: {to} có {head} sự kiện, đầu chuỗi {head}:{hash}\n"),
        format!("new store: {to} with {head} events, head {head}:{hash}\n"),
    )
}

/// Nothing acknowledged was lost.
pub fn nothing_lost(n: u64, lang: Lang) -> String {
    say(
        lang,
        format!("không mất gì: kho hỏng đã xác nhận {n} sự kiện\n"),
        format!("nothing lost: the damaged store had acknowledged {n} events\n"),
    )
}

/// A loss `recover` found: acknowledged sequences `a..=b` in no copy (`Ok`), or why what
/// was acknowledged cannot be known (`Err`, with the new store's head).
pub fn loss(lost: Result<(u64, u64), (&Fault, u64)>, to: &Path, lang: Lang) -> String {
    let to = to.display();
    let verdict = match lost {
        Ok((a, b)) => say(
            lang,
            format!(
                "MẤT DỮ LIỆU: các số thứ tự đã ghi nhận {a}–{b} ({} sự kiện) không có trong sổ đã kiểm tra lẫn bản xuất",
                b - a + 1
            ),
            format!(
                "LOST: acknowledged sequences {a}–{b} ({} events) are in neither the verified log nor the export",
                b - a + 1
            ),
        ),
        Err((why, head)) => say(
            lang,
            format!(
                "KHÔNG BIẾT MẤT BAO NHIÊU: {}, nên không thể biết những gì đã được ghi nhận sau số thứ tự {head}",
                finding(why, lang)
            ),
            format!(
                "UNKNOWN LOSS: {why}, so what was acknowledged after sequence {head} cannot be known"
            ),
        ),
    };
    say(
        lang,
        format!("{verdict}; kho mới ở {to} giữ mọi thứ cứu được"),
        format!("{verdict}; the new store in {to} holds everything that could be saved"),
    )
}
