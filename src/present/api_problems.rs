//! The catalogue of the HTTP API's own errors (not refusals of events, which `messages`
//! words): each is a kind with its facts (a parameter, a limit, a format list), worded in
//! Vietnamese (the default answer) or English (`Accept-Language: en`). The stable `code` of
//! the JSON body is chosen by the server; only the `message` comes from here.

use crate::present::messages::say;
use crate::present::vi_format::Lang;

/// Which waiting line was full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Appends,
    Requests,
}

/// An API error's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiProblem {
    NoEndpoint,
    MethodNotAllowed,
    UnknownParameter {
        key: String,
        allowed: Vec<String>,
    },
    RepeatedParameter {
        key: String,
    },
    /// `why`: the date rule's own (English) reason, kept for the English answer.
    BadDate {
        key: String,
        value: String,
        why: String,
    },
    MissingParameter {
        key: String,
        date: bool,
    },
    NotOneOf {
        key: String,
        value: String,
        names: String,
    },
    NotANumber {
        key: String,
        value: String,
    },
    BadPercentEncoding,
    QueryNotUtf8,
    FormatNotOffered {
        wanted: String,
        names: String,
    },
    AcceptNotOffered {
        accept: String,
        names: String,
    },
    BodyTooLarge {
        max: u64,
    },
    FormTooLarge {
        max: u64,
    },
    TooManyEvents {
        limit: usize,
    },
    QueueFull(Queue),
    Stopping {
        appends: bool,
    },
    StoreUnavailable,
    Overloaded {
        max: usize,
    },
    Timeout {
        ms: u64,
    },
    VerifyBusy {
        retry: u64,
    },
    TooManyStreams {
        max: usize,
    },
    ShuttingDown,
    StoreFailed,
    UnknownUnit {
        code: String,
    },
    NoChart {
        kind: String,
    },
}

impl ApiProblem {
    /// The message in a language (the English is the API's wording before issue 14).
    pub fn text(&self, lang: Lang) -> String {
        let (vi, en) = self.both();
        say(lang, vi, en)
    }

    fn both(&self) -> (String, String) {
        use ApiProblem as P;
        let s = |v: &str, e: &str| (v.to_string(), e.to_string());
        match self {
            P::NoEndpoint => s(
                "không có điểm cuối này (xem schemas/openapi.json)",
                "no such endpoint (see schemas/openapi.json)",
            ),
            P::MethodNotAllowed => s(
                "điểm cuối này không nhận phương thức đó (xem schemas/openapi.json)",
                "this endpoint does not take that method (see schemas/openapi.json)",
            ),
            P::BodyTooLarge { max } => (
                format!("thân yêu cầu vượt quá {max} byte; hãy chia nhỏ lô"),
                format!("the body exceeds {max} bytes; split the batch"),
            ),
            P::FormTooLarge { max } => (
                format!("biểu mẫu tối đa {max} byte"),
                format!("a dashboard form is at most {max} bytes"),
            ),
            P::TooManyEvents { limit } => (
                format!("mỗi yêu cầu mang tối đa {limit} sự kiện; hãy chia nhỏ lô"),
                format!("a request may carry at most {limit} events; split the batch"),
            ),
            P::QueueFull(Queue::Appends) => s(
                "có quá nhiều lượt ghi đang chờ; hãy gửi lại sau ít phút",
                "too many appends are waiting; retry shortly",
            ),
            P::QueueFull(Queue::Requests) => s(
                "có quá nhiều yêu cầu đang chờ bộ ghi; hãy gửi lại sau ít phút",
                "too many requests are waiting for the writer; retry shortly",
            ),
            P::Stopping { appends: true } => s(
                "máy chủ đang dừng và không nhận thêm lượt ghi",
                "the server is stopping and takes no more appends",
            ),
            P::Stopping { appends: false } => s("máy chủ đang dừng", "the server is stopping"),
            P::StoreUnavailable => s(
                "kho đã từ chối một lần ghi hoặc không qua kiểm tra; máy chủ này không nhận thêm lượt ghi (xem nhật ký của máy chủ)",
                "the store refused a write or failed verification; this server takes no more appends (see its log)",
            ),
            P::Overloaded { max } => (
                format!("đang có hơn {max} yêu cầu được xử lý; hãy gửi lại sau ít phút"),
                format!("more than {max} requests are in progress; retry shortly"),
            ),
            P::Timeout { ms } => (
                format!(
                    "yêu cầu chạy quá {ms} ms và đã bị bỏ; kết quả của một lượt ghi là không biết: hãy gửi lại (gửi lại sự kiện đã ghi không ghi thêm gì)"
                ),
                format!(
                    "the request took longer than {ms} ms and was abandoned; an append's outcome is unknown: re-send it (appends are idempotent)"
                ),
            ),
            P::VerifyBusy { retry } => (
                format!(
                    "đang có một lần kiểm tra chạy (mỗi lúc một lần, mỗi lần đọc toàn bộ sổ); thử lại sau {retry} giây"
                ),
                format!(
                    "a verification is already running (one at a time, each reads the whole log); retry in {retry} s"
                ),
            ),
            P::TooManyStreams { max } => (
                format!("chỉ được mở tối đa {max} luồng sự kiện cùng lúc"),
                format!("at most {max} event streams may be open at once"),
            ),
            P::ShuttingDown => s("máy chủ đang tắt", "the server is shutting down"),
            P::StoreFailed => s(
                "kho đã lỗi khi ghi hoặc khi kiểm tra",
                "the store failed a write or a verification",
            ),
            P::UnknownUnit { code } => (
                format!(
                    "đơn vị {code:?} không được phục vụ ở đây (GET /v1/units liệt kê các đơn vị)"
                ),
                format!("no unit {code:?} is served here (GET /v1/units lists them)"),
            ),
            P::NoChart { kind } => (
                format!("không có biểu đồ {kind:?}: các biểu đồ là s-curve và rates"),
                format!("no chart {kind:?}: the charts are s-curve and rates"),
            ),
            other => other.request_both(),
        }
    }

    /// The wording of what was wrong with the request itself (its query and formats).
    fn request_both(&self) -> (String, String) {
        use ApiProblem as P;
        let s = |v: &str, e: &str| (v.to_string(), e.to_string());
        match self {
            P::UnknownParameter { key, allowed } => {
                let (vi, en) = match allowed.is_empty() {
                    true => ("không tham số nào".to_string(), "none".to_string()),
                    false => (allowed.join(", "), allowed.join(", ")),
                };
                (
                    format!("tham số truy vấn {key:?} không được biết; điểm cuối này nhận {vi}"),
                    format!("unknown query parameter {key:?}; this endpoint takes {en}"),
                )
            }
            P::RepeatedParameter { key } => (
                format!("tham số truy vấn {key:?} được cho hai lần"),
                format!("query parameter {key:?} is given twice"),
            ),
            P::BadDate { key, value, why } => (
                format!("{key}: {value:?} không phải một ngày có thật dạng YYYY-MM-DD"),
                format!("{key}: {why}"),
            ),
            P::MissingParameter { key, date } => {
                let shape = if *date { " (YYYY-MM-DD)" } else { "" };
                (
                    format!("thiếu tham số truy vấn {key}{shape}"),
                    format!("query parameter {key}{shape} is required"),
                )
            }
            P::NotOneOf { key, value, names } => (
                format!("{key}: {value:?} không phải một trong {names}"),
                format!("{key}: {value:?} is not one of {names}"),
            ),
            P::NotANumber { key, value } => (
                format!("{key}: {value:?} không phải số hợp lệ"),
                format!("{key}: {value:?} is not a valid number"),
            ),
            P::BadPercentEncoding => s(
                "truy vấn có mã phần trăm (%XX) sai",
                "bad percent-encoding in the query",
            ),
            P::QueryNotUtf8 => s("truy vấn không phải UTF-8", "the query is not UTF-8"),
            P::FormatNotOffered { wanted, names } => (
                format!("không có định dạng {wanted:?} ở đây; hãy chọn một trong {names}"),
                format!("format {wanted:?} is not offered here; choose one of {names}"),
            ),
            P::AcceptNotOffered { accept, names } => (
                format!("Accept: {accept} không nêu định dạng nào có ở đây ({names})"),
                format!("Accept: {accept} names no format offered here ({names})"),
            ),
            // The service's own states are worded by `both`.
            _ => (String::new(), String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_has_its_own_vietnamese_text() {
        let all = [
            ApiProblem::NoEndpoint,
            ApiProblem::MethodNotAllowed,
            ApiProblem::MissingParameter {
                key: "as_of".into(),
                date: true,
            },
            ApiProblem::QueueFull(Queue::Appends),
            ApiProblem::Timeout { ms: 5 },
        ];
        for p in &all {
            assert_ne!(p.text(Lang::Vi), p.text(Lang::En), "{p:?}");
        }
        assert_eq!(
            all[2].text(Lang::Vi),
            "thiếu tham số truy vấn as_of (YYYY-MM-DD)"
        );
    }
}
