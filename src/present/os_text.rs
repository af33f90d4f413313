//! What the operating system and the libraries socai uses report, worded from their facts:
//! a file-system error by its kind, a JSON or TOML parser's stop by its line, column and
//! category, an HTTP client's failure by what it was doing. Every message that quotes one of
//! them inside a sentence asks here, so a Vietnamese sentence never carries the library's
//! English. The library's own words are kept only as a last-resort detail, for the kinds
//! that cannot be named; English (on request) keeps what the system said, as before.

use std::io::ErrorKind as K;

use crate::present::messages::{Lang, say, t};

/// A file-system (or socket) error: the common kinds by name, the others by their number.
pub fn io(e: &std::io::Error, lang: Lang) -> String {
    match (lang, io_kind_vi(e.kind()), e.raw_os_error()) {
        (Lang::En, _, _) => e.to_string(),
        (Lang::Vi, Some(vi), _) => vi.to_string(),
        (Lang::Vi, None, Some(n)) => format!("lỗi hệ điều hành số {n}"),
        (Lang::Vi, None, None) => format!("lỗi vào/ra ({e})"),
    }
}

/// The Vietnamese of an error kind a person can act on.
fn io_kind_vi(kind: K) -> Option<&'static str> {
    Some(match kind {
        K::NotFound => "không có tệp hoặc thư mục này",
        K::PermissionDenied => "không có quyền truy cập",
        K::AlreadyExists => "đã có tệp này",
        K::IsADirectory => "đây là một thư mục, không phải tệp",
        K::NotADirectory => "một phần của đường dẫn không phải thư mục",
        K::DirectoryNotEmpty => "thư mục không trống",
        K::StorageFull => "đĩa đã đầy",
        K::QuotaExceeded => "đã hết hạn mức dung lượng",
        K::FileTooLarge => "tệp quá lớn",
        K::ReadOnlyFilesystem => "hệ thống tệp chỉ đọc",
        K::ResourceBusy => "tệp hoặc thiết bị đang bận",
        K::CrossesDevices => "không chuyển được tệp sang ổ đĩa khác",
        K::InvalidData => "dữ liệu không đọc được",
        K::InvalidFilename => "tên tệp không hợp lệ",
        K::UnexpectedEof => "tệp kết thúc giữa chừng",
        K::WriteZero => "không ghi thêm được byte nào",
        K::OutOfMemory => "hết bộ nhớ",
        K::TimedOut => "hết thời gian chờ",
        K::ConnectionRefused => "máy chủ từ chối kết nối (không có dịch vụ ở cổng này)",
        K::ConnectionReset | K::ConnectionAborted => "kết nối bị ngắt giữa chừng",
        K::NotConnected => "kết nối đã đóng",
        K::BrokenPipe => "nơi nhận đã đóng (đường ống hoặc kết nối)",
        K::AddrInUse => "địa chỉ đang được chương trình khác dùng",
        K::AddrNotAvailable => "địa chỉ này không có trên máy",
        K::HostUnreachable => "không tới được máy chủ",
        K::NetworkUnreachable | K::NetworkDown => "không có mạng tới máy chủ",
        _ => return None,
    })
}

/// Where a JSON or TOML parser stopped, and why, as the parser reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextFault {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub kind: TextKind,
    /// The parser's own words: English, and the last-resort detail in Vietnamese.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// Not JSON (TOML) at all there: a stray character, a missing comma or quote.
    Syntax,
    /// The text ends before what it opened is closed.
    Eof,
    /// Well-formed, but not of the expected shape (a field missing, unknown, of a wrong type).
    Shape,
}

impl TextFault {
    pub fn json(e: &serde_json::Error) -> TextFault {
        use serde_json::error::Category;
        let kind = match e.classify() {
            Category::Eof => TextKind::Eof,
            Category::Data => TextKind::Shape,
            Category::Syntax | Category::Io => TextKind::Syntax,
        };
        // serde_json counts from 1; 0 means "no position".
        let known = |n: usize| (n > 0).then_some(n);
        TextFault {
            line: known(e.line()),
            column: known(e.column()),
            kind,
            detail: e.to_string(),
        }
    }

    /// A TOML error in `text`: its position from the byte span the parser gives.
    pub fn toml(e: &toml::de::Error, text: &str) -> TextFault {
        let at = e.span().map(|s| s.start.min(text.len()));
        let before = at.and_then(|i| text.get(..i));
        let message = e.message();
        let shape = message.starts_with("missing field")
            || message.starts_with("unknown field")
            || message.starts_with("invalid type")
            || message.starts_with("invalid value")
            || message.starts_with("duplicate");
        TextFault {
            line: before.map(|b| b.matches('\n').count() + 1),
            column: before.map(|b| b.rsplit('\n').next().unwrap_or("").chars().count() + 1),
            kind: if shape {
                TextKind::Shape
            } else {
                TextKind::Syntax
            },
            detail: message.trim().to_string(),
        }
    }

    /// The fault in a language: "dòng 3, cột 7: thiếu trường bắt buộc `id`", or in English
    /// "line 3, column 7: missing field `id`" (the parser's words).
    pub fn text(&self, lang: Lang) -> String {
        let at = match (self.line, self.column) {
            (Some(l), Some(c)) => say(
                lang,
                format!("dòng {l}, cột {c}: "),
                format!("line {l}, column {c}: "),
            ),
            (Some(l), None) => say(lang, format!("dòng {l}: "), format!("line {l}: ")),
            _ => String::new(),
        };
        if lang == Lang::En {
            return format!("{at}{}", self.quoted());
        }
        let why = match self.kind {
            TextKind::Eof => "văn bản kết thúc khi chưa đóng hết ngoặc hoặc chuỗi".to_string(),
            TextKind::Syntax => match syntax_vi(self.quoted()) {
                Some(vi) => format!("sai cú pháp: {vi}"),
                None => format!("sai cú pháp ({})", self.quoted()),
            },
            TextKind::Shape => self.shape_vi(),
        };
        format!("{at}{why}")
    }

    /// The serde shape faults whose form serde fixes (`missing field `x``), by their field.
    fn shape_vi(&self) -> String {
        let field = |prefix: &str| {
            self.detail
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').nth(1))
                .map(str::to_string)
        };
        if let Some(f) = field("missing field") {
            format!("thiếu trường bắt buộc `{f}`")
        } else if let Some(f) = field("unknown field") {
            format!("trường `{f}` không có trong mẫu")
        } else if let Some(f) = field("duplicate field") {
            format!("trường `{f}` xuất hiện hai lần")
        } else {
            format!("giá trị không đúng kiểu hoặc dạng ({})", self.quoted())
        }
    }

    /// The parser's words, without the position it already gave.
    fn quoted(&self) -> &str {
        self.detail
            .split(" at line ")
            .next()
            .unwrap_or(&self.detail)
    }
}

/// The syntax errors serde_json reports (a fixed list of its `ErrorCode`s), in Vietnamese.
fn syntax_vi(said: &str) -> Option<&'static str> {
    Some(match said {
        "expected value" => "cần một giá trị (chuỗi, số, true, false, null, [ hoặc {)",
        "key must be a string" => "tên trường phải là chuỗi trong ngoặc kép",
        "expected `:`" => "thiếu dấu `:` sau tên trường",
        "expected `,` or `}`" => "thiếu dấu `,` hoặc `}`",
        "expected `,` or `]`" => "thiếu dấu `,` hoặc `]`",
        "trailing comma" => "dấu phẩy thừa trước dấu đóng",
        "trailing characters" => "có ký tự thừa sau giá trị",
        "invalid number" | "number out of range" => "số không hợp lệ",
        "invalid escape" => "ký tự thoát (\\) không hợp lệ",
        "expected ident" => "từ không hợp lệ (chỉ có true, false, null)",
        _ => return None,
    })
}

/// What the HTTP client was doing when it failed (`--server`, `replicate`).
#[derive(Debug)]
pub enum NetFault<'a> {
    ConnectTimedOut {
        authority: &'a str,
    },
    Connect {
        authority: &'a str,
        cause: &'a std::io::Error,
    },
    /// The HTTP exchange itself failed (handshake, sending, reading the answer).
    Exchange {
        doing: Doing,
        target: &'a str,
        detail: String,
    },
    NoAnswer {
        path: &'a str,
        secs: u64,
    },
    NotJson {
        path: &'a str,
        fault: TextFault,
    },
    ServerFailed {
        path: &'a str,
        status: u16,
        body: &'a str,
    },
    StreamEnded,
    StreamTooLarge,
    StreamRefused {
        path: &'a str,
    },
    Attempts {
        last: &'a str,
        attempts: u32,
    },
    NoRuntime {
        cause: &'a std::io::Error,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    Handshake,
    Sending,
    Reading,
    Streaming,
}

/// An HTTP client's failure in a language.
pub fn net(f: &NetFault<'_>, lang: Lang) -> String {
    match f {
        NetFault::ConnectTimedOut { authority } => say(
            lang,
            format!("kết nối tới {authority} quá thời gian chờ"),
            format!("connecting to {authority} timed out"),
        ),
        NetFault::Connect { authority, cause } => say(
            lang,
            format!("không kết nối được tới {authority}: {}", io(cause, lang)),
            format!("cannot connect to {authority}: {cause}"),
        ),
        NetFault::Exchange {
            doing,
            target,
            detail,
        } => {
            let what = match doing {
                Doing::Handshake => t(lang, "bắt tay HTTP thất bại", "HTTP handshake failed"),
                Doing::Sending => t(lang, "gửi yêu cầu thất bại", "sending the request failed"),
                Doing::Reading => t(
                    lang,
                    "đọc câu trả lời thất bại",
                    "reading the answer failed",
                ),
                Doing::Streaming => t(lang, "luồng sự kiện bị ngắt", "the event stream broke"),
            };
            format!("{target}: {what} ({detail})")
        }
        NetFault::NoAnswer { path, secs } => say(
            lang,
            format!("{path}: không có trả lời trong {secs} giây"),
            format!("{path}: no answer within {secs}s"),
        ),
        NetFault::NotJson { path, fault } => say(
            lang,
            format!("{path}: câu trả lời không phải JSON: {}", fault.text(lang)),
            format!("{path}: the answer is not JSON: {}", fault.text(lang)),
        ),
        NetFault::ServerFailed { path, status, body } => say(
            lang,
            format!("{path}: máy chủ lỗi (HTTP {status}): {body}"),
            format!("{path}: HTTP {status}: {body}"),
        ),
        NetFault::StreamEnded => {
            t(lang, "luồng sự kiện đã kết thúc", "the event stream ended").into()
        }
        NetFault::StreamTooLarge => t(
            lang,
            "một sự kiện của luồng quá lớn",
            "an event of the stream is too large",
        )
        .into(),
        NetFault::StreamRefused { path } => say(
            lang,
            format!("{path}: máy chủ từ chối mở luồng sự kiện"),
            format!("{path}: the event stream was refused"),
        ),
        NetFault::Attempts { last, attempts } => say(
            lang,
            format!("{last} (sau {attempts} lần thử)"),
            format!("{last} (after {attempts} attempts)"),
        ),
        NetFault::NoRuntime { cause } => say(
            lang,
            format!("không khởi động được trình khách HTTP: {}", io(cause, lang)),
            format!("cannot start the HTTP client: {cause}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_system_errors_are_named_by_kind_in_vietnamese_and_kept_in_english() {
        let cases = [
            (K::NotFound, "không có tệp hoặc thư mục này"),
            (K::PermissionDenied, "không có quyền truy cập"),
            (K::AlreadyExists, "đã có tệp này"),
            (K::StorageFull, "đĩa đã đầy"),
            (K::IsADirectory, "đây là một thư mục, không phải tệp"),
        ];
        for (kind, vi) in cases {
            let e = std::io::Error::from(kind);
            assert_eq!(io(&e, Lang::Vi), vi);
            assert_eq!(io(&e, Lang::En), e.to_string());
        }
        // A kind without a name: its number, never the system's English.
        let e = std::io::Error::from_raw_os_error(71); // EPROTO
        assert_eq!(io(&e, Lang::Vi), "lỗi hệ điều hành số 71");
    }

    #[test]
    fn a_json_stop_is_worded_from_its_line_column_and_category() {
        let e =
            serde_json::from_str::<serde_json::Value>("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        let f = TextFault::json(&e);
        assert_eq!(
            (f.line, f.column, f.kind),
            (Some(3), Some(7), TextKind::Syntax)
        );
        assert_eq!(
            f.text(Lang::Vi),
            "dòng 3, cột 7: sai cú pháp: thiếu dấu `:` sau tên trường"
        );
        assert_eq!(f.text(Lang::En), "line 3, column 7: expected `:`");
        let e = serde_json::from_str::<serde_json::Value>("[1, 2").unwrap_err();
        assert_eq!(
            TextFault::json(&e).text(Lang::Vi),
            "dòng 1, cột 5: văn bản kết thúc khi chưa đóng hết ngoặc hoặc chuỗi"
        );
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Claim {
            id: String,
        }
        let e = serde_json::from_str::<Claim>("{}").unwrap_err();
        assert_eq!(
            TextFault::json(&e).text(Lang::Vi),
            "dòng 1, cột 2: thiếu trường bắt buộc `id`"
        );
        let e = serde_json::from_str::<Claim>("{\"id\":\"a\",\"x\":1}").unwrap_err();
        assert!(
            TextFault::json(&e)
                .text(Lang::Vi)
                .contains("trường `x` không có trong mẫu")
        );
    }

    #[test]
    fn a_toml_stop_is_placed_by_its_span() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Limits {
            max: u64,
        }
        let text = "# limits\nmax = \"many\"\n";
        let e = toml::from_str::<Limits>(text).unwrap_err();
        let f = TextFault::toml(&e, text);
        assert_eq!(
            (f.line, f.column, f.kind),
            (Some(2), Some(7), TextKind::Shape)
        );
        let vi = f.text(Lang::Vi);
        assert!(
            vi.starts_with("dòng 2, cột 7: giá trị không đúng kiểu"),
            "{vi}"
        );
        let text = "[limits\nmax = 1\n";
        let e = toml::from_str::<Limits>(text).unwrap_err();
        let vi = TextFault::toml(&e, text).text(Lang::Vi);
        assert!(vi.starts_with("dòng 1, cột 8: sai cú pháp"), "{vi}");
    }
}
