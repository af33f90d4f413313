//! Notes the command line prints on stderr beside an answer (issue 14): a plan year with no
//! lines, likely duplicates beyond those shown. Vietnamese by default, English on request.

use crate::present::messages::say;
pub use crate::present::vi_format::Lang;

/// A plan year the store has no line of: every figure of the answer is 0.
pub fn empty_plan_year(year: i32, lang: Lang) -> String {
    say(
        lang,
        format!(
            "ghi chú: năm kế hoạch {year} không có dòng nào trong kho này: mọi số liệu đều bằng 0"
        ),
        format!("note: plan year {year} has no lines in this store: every figure is 0"),
    )
}

/// Likely duplicates beyond those an import printed one by one.
pub fn more_duplicates(more: usize, lang: Lang) -> String {
    say(
        lang,
        format!(
            "cảnh báo: còn {more} chứng từ có thể trùng nữa (xem `socai report`, phần chứng từ có thể trùng)"
        ),
        format!(
            "warning: {more} more likely duplicates (see `socai report`, section on duplicates)"
        ),
    )
}

/// `token new` on stderr, above the token (which is the next line, alone).
pub fn token_shown(name: &str, lang: Lang) -> String {
    say(
        lang,
        format!(
            "mã truy cập của {name} (chỉ hiện lần này; hãy trao cho người đó, mã không được lưu):"
        ),
        format!("token for {name} (shown only now; give it to them, it is not stored):"),
    )
}

/// The comment line `token new` writes above a credential entry of the config file.
pub fn credential_comment(name: &str, lang: Lang) -> String {
    say(
        lang,
        format!("# thông tin xác thực của {name}; mã truy cập chỉ hiện trên stderr"),
        format!("# credential for {name}; its token was shown on stderr only"),
    )
}
