//! The catalogue's wording of what an import did or why it refused: the append line, a plan
//! sheet's line, the chunks of a long import, and a refused event with where it came from.
//! Facts in, a sentence in Vietnamese (the default) or English out.

use crate::core::rejection::Rejection;
use crate::present::messages::{self, say};
use crate::present::vi_format::Lang;

/// The one-line outcome of an append: how many events, their sequences, the new head.
pub fn appended(
    (appended, range, already_present): (usize, Option<(&u64, &u64)>, usize),
    (head, hash): (u64, &str),
    lang: Lang,
) -> String {
    let (vi_range, en_range) = range.map_or((String::new(), String::new()), |(a, b)| {
        (
            format!(" (số thứ tự {a}–{b})"),
            format!(" (sequences {a}–{b})"),
        )
    });
    say(
        lang,
        format!(
            "đã ghi {appended} sự kiện{vi_range}, {already_present} sự kiện đã có từ trước; đầu chuỗi {head}, mã băm {hash}\n"
        ),
        format!(
            "appended {appended} events{en_range}, {already_present} already present; head {head} hash {hash}\n"
        ),
    )
}

/// A plan table's sheet: its rows, the lines it opened, then the append line.
pub fn plan_sheet(
    sheet: &str,
    rows: usize,
    new_lines: usize,
    appended: &str,
    lang: Lang,
) -> String {
    say(
        lang,
        format!("trang tính {sheet:?}: {rows} dòng, {new_lines} dòng ngân sách mới; {appended}"),
        format!("sheet {sheet:?}: {rows} rows, {new_lines} new lines; {appended}"),
    )
}

/// A long import committed in several chunks.
pub fn chunks(chunks: usize, chunk: usize, lang: Lang) -> String {
    say(
        lang,
        format!(
            "đã ghi thành {chunks} lô, mỗi lô tối đa {chunk} sự kiện; mỗi lô được ghi trọn vẹn hoặc không ghi gì\n"
        ),
        format!("committed in {chunks} chunks of at most {chunk} events; each chunk is atomic\n"),
    )
}

/// Where a refused event came from: a JSON-lines input (name, line, id) or a sheet's row.
pub enum Origin<'a> {
    Input {
        source: &'a str,
        line: &'a str,
        id: Option<&'a str>,
    },
    Sheet {
        sheet: &'a str,
        row: Option<u32>,
    },
}

/// A refused event: where, the refusal (the rules' own English words in English, as before;
/// the catalogue's in Vietnamese), and that nothing was appended.
pub fn refused(from: &Origin<'_>, rejection: &Rejection, lang: Lang) -> String {
    let place = match from {
        Origin::Input { source, line, id } => {
            let id = id.map_or(String::new(), |id| format!(" (id {id})"));
            say(
                lang,
                format!("dòng {line} của tệp {source}{id}"),
                format!("{source}:{line}{id}"),
            )
        }
        Origin::Sheet { sheet, row } => {
            let (vi_row, en_row) = row.map_or((String::new(), String::new()), |r| {
                (format!(", dòng {r}"), format!(", row {r}"))
            });
            say(
                lang,
                format!("trang tính {sheet:?}{vi_row}"),
                format!("sheet {sheet:?}{en_row}"),
            )
        }
    };
    say(
        lang,
        format!(
            "{place}: {}; không sự kiện nào được ghi",
            messages::rejection(rejection, lang)
        ),
        format!("{place}: {rejection}; nothing was appended"),
    )
}

/// A refusal after earlier chunks of a long import were committed: the cause, then what is
/// already in the store.
pub fn after_commits(cause: &str, chunks: usize, lines: usize, lang: Lang) -> String {
    say(
        lang,
        format!(
            "{cause} từ lô đó trở đi; {chunks} lô trước đó (dòng nhập 1–{lines}) đã được ghi, gửi lại toàn bộ đầu vào là an toàn (sự kiện đã ghi sẽ được bỏ qua)"
        ),
        format!(
            "{cause} from that chunk on; the {chunks} chunk(s) before it (input lines 1–{lines}) were committed, and re-sending the whole input is safe (recorded events are no-ops)"
        ),
    )
}
