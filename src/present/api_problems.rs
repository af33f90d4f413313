//! The catalogue of the HTTP API's own errors (not refusals of events, which `messages`
//! words): each is a kind with its facts (a parameter, a limit, a format list), worded in
//! Vietnamese (the default answer) or English (`Accept-Language: en`). The stable `code` of
//! the JSON body is chosen by the server; only the `message` comes from here.

use crate::present::messages::say;
use crate::present::phrases::after_beyond_head;
use crate::present::vi_format::Lang;

/// Which waiting line was full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Appends,
    Requests,
}

/// What a credential's role does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Append,
    Admin,
}

/// Why a request changing the ledger looks cross-site (the guard's facts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrossSite {
    /// `Sec-Fetch-Site` names another site.
    FetchSite { site: String },
    /// `Origin` is not this server's `host`.
    Origin { origin: String, host: String },
}

/// The server's own step that failed (an internal error; its cause goes in `detail`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Query,
    Parsing,
    Verification,
    Consolidation,
    Page,
    StoredRead,
    UnitWithoutCode,
}

impl Step {
    /// What failed, as a sentence's subject.
    fn name(self, lang: Lang) -> &'static str {
        let say = |vi, en| crate::present::messages::t(lang, vi, en);
        match self {
            Step::Query => say("truy vấn", "the query"),
            Step::Parsing => say("việc đọc lô sự kiện", "parsing"),
            Step::Verification => say("việc kiểm tra sổ", "verification"),
            Step::Consolidation => say("việc tổng hợp", "the consolidation"),
            Step::Page => say("trang", "the page"),
            Step::StoredRead => say("việc đọc bản ghi đã lưu", "reading the stored records"),
            Step::UnitWithoutCode => say(
                "một kho đơn vị không có mã đơn vị",
                "a unit store without a unit",
            ),
        }
    }
}

/// Where a JSON body failed to parse (serde's facts: line and column), and what it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonBody {
    /// POST /v1/events: an array of events.
    Events,
    /// POST /v1/admin/backup: `{"dir": PATH}`.
    Backup,
}

/// An API error's facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiProblem {
    /// No `Authorization` header on an endpoint that needs one.
    NoCredential,
    /// An `Authorization` header that is not `Bearer TOKEN`.
    NotBearer,
    UnknownToken,
    RoleForbidden {
        name: String,
        role: String,
        action: Action,
    },
    /// A credential limited to `units` asked for `unit` (`None`: a store without a unit).
    UnitForbidden {
        name: String,
        units: Vec<String>,
        unit: Option<String>,
    },
    /// A consolidation covers every unit; the credential may not reach `unit`.
    ConsolidationForbidden {
        name: String,
        unit: String,
    },
    HostNotAllowed,
    CrossSite(CrossSite),
    BodyNotUtf8,
    /// A JSON body that does not parse, at (line, column).
    BadJson {
        body: JsonBody,
        line: usize,
        column: usize,
    },
    BodyUnreadable,
    ActorMismatch {
        id: String,
        actor: String,
        credential: String,
    },
    BackupDirNotAbsolute {
        dir: String,
    },
    BackupDirNotEmpty {
        dir: String,
    },
    BackupFailed {
        why: String,
        why_en: String,
    },
    ClaimsTooLarge {
        max: u64,
    },
    ClaimsNotUtf8,
    FormNotUtf8,
    AfterBeyondHead {
        after: u64,
        head: u64,
    },
    LimitOutOfRange {
        limit: usize,
        max: usize,
    },
    StoredTakesNoFilter,
    BadLastEventId,
    /// A report number: empty or over `max` characters, or holding a control character.
    BadReportNumber {
        max: usize,
        control: bool,
    },
    Internal(Step),
    StoredDiffers {
        seq: u64,
    },
    UnitsFailed {
        units: Vec<String>,
    },
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
    /// An append that waited for the writer to verify the store and prepare for appends:
    /// nothing of it was written.
    AppendsNotReady,
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

/// A message that takes no facts, in both languages.
fn s(vi: &str, en: &str) -> (String, String) {
    (vi.to_string(), en.to_string())
}

impl ApiProblem {
    /// The message in a language (the English is the API's wording before issue 14).
    pub fn text(&self, lang: Lang) -> String {
        let (vi, en) = self.both();
        say(lang, vi, en)
    }

    fn both(&self) -> (String, String) {
        use ApiProblem as P;
        // What the client can do about it, said the same way wherever it applies.
        let split = |v: String, e: String| {
            (
                format!("{v}; hãy chia nhỏ lô"),
                format!("{e}; split the batch"),
            )
        };
        let retry = |v: String, e: String| {
            (
                format!("{v}; hãy gửi lại sau ít phút"),
                format!("{e}; retry shortly"),
            )
        };
        match self {
            P::NoEndpoint => s(
                "không có điểm cuối này (xem schemas/openapi.json)",
                "no such endpoint (see schemas/openapi.json)",
            ),
            P::MethodNotAllowed => s(
                "điểm cuối này không nhận phương thức đó (xem schemas/openapi.json)",
                "this endpoint does not take that method (see schemas/openapi.json)",
            ),
            P::BodyTooLarge { max } => split(
                format!("thân yêu cầu vượt quá {max} byte"),
                format!("the body exceeds {max} bytes"),
            ),
            P::FormTooLarge { max } => (
                format!("biểu mẫu tối đa {max} byte"),
                format!("a dashboard form is at most {max} bytes"),
            ),
            P::TooManyEvents { limit } => split(
                format!("mỗi yêu cầu mang tối đa {limit} sự kiện"),
                format!("a request may carry at most {limit} events"),
            ),
            P::QueueFull(Queue::Appends) => retry(
                "có quá nhiều lượt ghi đang chờ".into(),
                "too many appends are waiting".into(),
            ),
            P::QueueFull(Queue::Requests) => retry(
                "có quá nhiều yêu cầu đang chờ bộ ghi".into(),
                "too many requests are waiting for the writer".into(),
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
            P::Overloaded { max } => retry(
                format!("đang có hơn {max} yêu cầu được xử lý"),
                format!("more than {max} requests are in progress"),
            ),
            P::Timeout { ms } => (
                format!(
                    "yêu cầu chạy quá {ms} ms và đã bị bỏ; kết quả của một lượt ghi là không biết: hãy gửi lại (gửi lại sự kiện đã ghi không ghi thêm gì)"
                ),
                format!(
                    "the request took longer than {ms} ms and was abandoned; an append's outcome is unknown: re-send it (appends are idempotent)"
                ),
            ),
            P::AppendsNotReady => s(
                "máy chủ vẫn đang kiểm tra sổ hoặc chuẩn bị nhận ghi, nên chưa ghi gì của lượt này; hãy gửi lại khi GET /readyz báo \"appends_ready\": true (thường vài phút sau khi khởi động)",
                "the server is still verifying the store or preparing for appends, so nothing of this batch was recorded; send it again once GET /readyz says \"appends_ready\": true (usually a few minutes after start)",
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

    /// The wording of refusals by who is asking (credentials, roles, units, origin).
    fn access_both(&self) -> (String, String) {
        use ApiProblem as P;
        match self {
            P::NoCredential => s(
                "điểm cuối này cần tiêu đề `Authorization: Bearer TOKEN`",
                "this endpoint needs an `Authorization: Bearer TOKEN` header",
            ),
            P::NotBearer => s(
                "tiêu đề Authorization không có dạng `Bearer TOKEN`",
                "the Authorization header is not `Bearer TOKEN`",
            ),
            P::UnknownToken => s(
                "máy chủ này không biết mã truy cập (token) đã gửi",
                "the bearer token is not known to this server",
            ),
            P::RoleForbidden { name, role, action } => {
                let (vi, en) = match action {
                    Action::Read => ("xem sổ", "read"),
                    Action::Append => ("ghi sự kiện", "append events"),
                    Action::Admin => ("dùng các điểm cuối quản trị", "use the admin endpoints"),
                };
                (
                    format!("tài khoản {name:?} có vai trò {role}, không được {vi}"),
                    format!("credential {name:?} has role {role} and may not {en}"),
                )
            }
            P::UnitForbidden { name, units, unit } => {
                let units = units.join(", ");
                (
                    format!(
                        "tài khoản {name:?} chỉ được truy cập các đơn vị {units}, không được truy cập đơn vị {}",
                        unit.as_deref().unwrap_or("(kho không gắn đơn vị)")
                    ),
                    format!(
                        "credential {name:?} is limited to units {units} and may not reach unit {}",
                        unit.as_deref().unwrap_or("(a store without a unit)")
                    ),
                )
            }
            P::ConsolidationForbidden { name, unit } => (
                format!(
                    "tài khoản {name:?} không được truy cập đơn vị {unit}; báo cáo tổng hợp gồm mọi đơn vị được phục vụ"
                ),
                format!(
                    "credential {name:?} may not reach unit {unit}; a consolidation covers every unit served"
                ),
            ),
            P::HostNotAllowed => s(
                "khi không cấu hình tài khoản, máy chủ này chỉ trả lời yêu cầu gửi tới tên loopback (localhost, 127.0.0.1, [::1])",
                "without credentials this server answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1])",
            ),
            P::CrossSite(why) => {
                let (vi, en) = match why {
                    CrossSite::FetchSite { site } => (
                        format!("Sec-Fetch-Site là {site:?}"),
                        format!("Sec-Fetch-Site is {site:?}"),
                    ),
                    CrossSite::Origin { origin, host } => (
                        format!("Origin {origin:?} không phải máy chủ này ({host:?})"),
                        format!("Origin {origin:?} is not this server ({host:?})"),
                    ),
                };
                (
                    format!(
                        "yêu cầu thay đổi sổ phải đến từ chính các trang của máy chủ này: {vi}"
                    ),
                    format!(
                        "a request changing the ledger must come from this server's own pages: {en}"
                    ),
                )
            }
            other => other.body_both(),
        }
    }

    /// The wording of a body or parameter the server could not take.
    fn body_both(&self) -> (String, String) {
        use ApiProblem as P;
        match self {
            P::BodyNotUtf8 => s("thân yêu cầu không phải UTF-8", "the body is not UTF-8"),
            P::BadJson { body, line, column } => {
                let (vi, en) = match body {
                    JsonBody::Events => ("một mảng JSON các sự kiện", "a JSON array of events"),
                    JsonBody::Backup => (
                        "{\"dir\": \"/đường/dẫn/thư/mục/mới\"}",
                        "{\"dir\": \"/path/to/new/dir\"}",
                    ),
                };
                (
                    format!("thân yêu cầu phải là {vi}; lỗi ở dòng {line}, cột {column}"),
                    format!("the body must be {en}; the error is at line {line}, column {column}"),
                )
            }
            P::BodyUnreadable => s(
                "không đọc được thân yêu cầu (kết nối bị ngắt?)",
                "the body could not be read (was the connection dropped?)",
            ),
            P::ActorMismatch {
                id,
                actor,
                credential,
            } => (
                format!(
                    "sự kiện {id} ghi người thực hiện {actor:?} nhưng được gửi bằng tài khoản {credential:?}; hãy bỏ trường `actor` (máy chủ ghi tên tài khoản) hoặc dùng đúng tài khoản đó"
                ),
                format!(
                    "event {id} names actor {actor:?} but is sent with credential {credential:?}; leave `actor` out (the server records the credential) or use that credential"
                ),
            ),
            P::BackupDirNotAbsolute { dir } => (
                format!("thư mục {dir:?} phải là đường dẫn tuyệt đối"),
                format!("dir {dir:?} must be an absolute path"),
            ),
            P::BackupDirNotEmpty { dir } => (
                format!("thư mục {dir:?} đã có và không trống; hãy chọn một thư mục mới"),
                format!("dir {dir:?} already exists and is not empty; choose a new directory"),
            ),
            P::BackupFailed { why, why_en } => (
                format!("chưa sao lưu được: {why}"),
                format!("no backup was made: {why_en}"),
            ),
            P::ClaimsTooLarge { max } => (
                format!("tệp đối chiếu tối đa {max} byte"),
                format!("a claims file may hold at most {max} bytes"),
            ),
            P::ClaimsNotUtf8 => s(
                "tệp đối chiếu không phải UTF-8",
                "the claims file is not UTF-8",
            ),
            P::FormNotUtf8 => s("biểu mẫu không phải UTF-8", "the form is not UTF-8"),
            P::AfterBeyondHead { after, head } => after_beyond_head(*after, *head),
            P::LimitOutOfRange { limit, max } => (
                format!("limit {limit} nằm ngoài khoảng 1..={max}"),
                format!("limit {limit} is outside 1..={max}"),
            ),
            P::StoredTakesNoFilter => s(
                "stored=true trả toàn bộ sổ theo thứ tự; không nhận bộ lọc nào",
                "stored=true pages the whole log in order; it takes no filter",
            ),
            P::BadLastEventId => s(
                "Last-Event-ID không phải một số thứ tự",
                "Last-Event-ID is not a sequence",
            ),
            P::BadReportNumber {
                max,
                control: false,
            } => (
                format!("number: số báo cáo có từ 1 đến {max} ký tự"),
                format!("number: a report number has 1 to {max} characters"),
            ),
            P::BadReportNumber { control: true, .. } => s(
                "number: số báo cáo không được chứa ký tự điều khiển",
                "number: a report number holds no control characters",
            ),
            other => other.fault_both(),
        }
    }

    /// The wording of the server's own faults.
    fn fault_both(&self) -> (String, String) {
        use ApiProblem as P;
        match self {
            P::Internal(step) => {
                let (vi, en) = (step.name(Lang::Vi), step.name(Lang::En));
                (
                    format!(
                        "lỗi của máy chủ: {vi} không thực hiện được (xem `detail` và nhật ký của máy chủ)"
                    ),
                    format!("server error: {en} failed (see `detail` and the server's log)"),
                )
            }
            P::StoredDiffers { seq } => (
                format!("bản ghi đã lưu {seq} khác chuỗi đã kiểm tra; hãy chạy `socai verify`"),
                format!(
                    "the stored record {seq} differs from the verified chain; run `socai verify`"
                ),
            ),
            P::UnitsFailed { units } => (
                format!(
                    "kho của các đơn vị {} đã lỗi khi ghi hoặc khi kiểm tra",
                    units.join(", ")
                ),
                format!(
                    "the stores of units {} failed a write or a verification",
                    units.join(", ")
                ),
            ),
            // Every other problem is worded earlier in the chain (`both`, `request_both`,
            // `access_both`, `body_both`).
            _ => (String::new(), String::new()),
        }
    }

    /// The wording of what was wrong with the request itself (its query and formats).
    fn request_both(&self) -> (String, String) {
        use ApiProblem as P;
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
            other => other.access_both(),
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
            ApiProblem::AppendsNotReady,
        ];
        for p in &all {
            assert_ne!(p.text(Lang::Vi), p.text(Lang::En), "{p:?}");
        }
        assert_eq!(
            all[2].text(Lang::Vi),
            "thiếu tham số truy vấn as_of (YYYY-MM-DD)"
        );
    }

    /// The server's faults and refusals that a test cannot easily provoke over HTTP are
    /// worded in Vietnamese too, naming the same facts as the English.
    #[test]
    fn faults_and_refusals_name_their_facts_in_both_languages() {
        let steps = [
            Step::Query,
            Step::Parsing,
            Step::Verification,
            Step::Consolidation,
            Step::Page,
            Step::StoredRead,
            Step::UnitWithoutCode,
        ];
        let mut all: Vec<(ApiProblem, &str)> = steps
            .iter()
            .map(|s| (ApiProblem::Internal(*s), "detail"))
            .collect();
        all.extend([
            (ApiProblem::StoredDiffers { seq: 42 }, "42"),
            (
                ApiProblem::UnitsFailed {
                    units: vec!["LP-01".into(), "HT-02".into()],
                },
                "LP-01, HT-02",
            ),
            (ApiProblem::ClaimsTooLarge { max: 1048576 }, "1048576"),
            (ApiProblem::FormNotUtf8, "UTF-8"),
            (ApiProblem::BodyUnreadable, ""),
            (
                ApiProblem::BadJson {
                    body: JsonBody::Backup,
                    line: 3,
                    column: 7,
                },
                "dir",
            ),
        ]);
        for (p, fact) in &all {
            let (vi, en) = (p.text(Lang::Vi), p.text(Lang::En));
            assert_ne!(vi, en, "{p:?}");
            assert!(
                vi.chars()
                    .any(|c| "ăâđêôơưạảấầậắằặẹẻếềệịọỏốồộớờợụủứừựỳ".contains(c)),
                "{vi}"
            );
            assert!(vi.contains(fact) && en.contains(fact), "{p:?}: {vi} / {en}");
        }
        let internal: Vec<String> = steps
            .iter()
            .map(|s| ApiProblem::Internal(*s).text(Lang::Vi))
            .collect();
        let distinct: std::collections::BTreeSet<&String> = internal.iter().collect();
        assert_eq!(distinct.len(), steps.len(), "each step is named");
    }
}
