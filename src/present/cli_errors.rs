//! The catalogue of the command line's own problems (issue 14): what only the CLI refuses
//! (a chart file that is not .svg, `--server` without a token, a `--pin` that is not
//! CODE=SEQ…), each a kind with its facts, worded in Vietnamese (the default) or English.
//! The English keeps the words these messages had before. The exit code is chosen by the
//! CLI (`cli::failure::Failure::cli`), never from these words.

use std::path::PathBuf;

use crate::core::rejection::Rejection;
use crate::core::unit::{MAX_CODE_CHARS, MAX_NAME_CHARS, UnitInvalid};
use crate::present::app_errors::{IoCause, shown};
use crate::present::messages::say;
use crate::present::phrases::written_as;
use crate::present::problems::os_refused;
pub use crate::present::vi_format::Lang;

/// A problem of the command line, with the facts its sentence names.
#[derive(Debug, Clone)]
pub enum CliProblem {
    ChartNotSvg {
        path: PathBuf,
    },
    /// `replay` found outputs that differ from the expected ones.
    ReplayDiffers {
        failed: usize,
        total: usize,
    },
    /// `reconcile` found claims that do not follow from the ledger.
    ClaimsDiffer {
        failed: usize,
        total: usize,
    },
    /// A fixture's query names a command that cannot be asked there.
    NotQueryable,
    XlsxReportBinary,
    ReportNotUtf8,
    /// A binary report (xlsx, docx) would go to a terminal.
    BinaryReport {
        format: &'static str,
    },
    XlsxConsolidationBinary,
    ConsolidationFormat {
        format: &'static str,
    },
    PinNotCodeSeq {
        pin: String,
    },
    /// A command reached a function that serves other commands (an internal invariant).
    WrongCommand {
        expected: &'static str,
    },
    CannotReadToken {
        cause: IoCause,
    },
    TokenOnStdin,
    /// A credential name that is not a code.
    BadName {
        name: String,
        rejection: Rejection,
    },
    /// A unit `init` refuses.
    BadUnit {
        invalid: UnitInvalid,
    },
    CannotWriteToken {
        cause: IoCause,
    },
    SignalHandler {
        cause: IoCause,
    },
    ServerNeedsToken,
    /// `--server` with a command the server does not answer; the commands it does.
    ServerAnswersOnly {
        askable: &'static [&'static str],
    },
    CannotAskServer {
        base: String,
        detail: String,
    },
    ServerAnswerNotJson {
        detail: String,
    },
    /// The server refused: its status, code and message (already in the language asked
    /// for with Accept-Language), and whether the token is the likely cause.
    ServerRefused {
        status: u16,
        code: String,
        message: String,
    },
    /// Text a lower layer wrote in English only (a server's start-up, a man page): quoted
    /// after a frame.
    Quoted {
        detail: String,
    },
}

impl CliProblem {
    /// The sentence in a language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            CliProblem::ChartNotSvg { path } => say(
                lang,
                format!(
                    "{}: biểu đồ được ghi dạng SVG; hãy đặt tên tệp đuôi .svg",
                    shown(path)
                ),
                format!(
                    "{}: charts are written as SVG; name the file .svg",
                    shown(path)
                ),
            ),
            CliProblem::ReplayDiffers { failed, total } => say(
                lang,
                format!("{failed} trong {total} phép kiểm tra khác kết quả mẫu"),
                format!("{failed} of {total} checks differ"),
            ),
            CliProblem::ClaimsDiffer { failed, total } => say(
                lang,
                format!("{failed} trong {total} số liệu không khớp với sổ"),
                format!("{failed} of {total} claims do not follow from the ledger"),
            ),
            CliProblem::NotQueryable => say(
                lang,
                "ở đây chỉ hỏi được balance, trail, summary, report, diff và export".into(),
                "only balance, trail, summary, report, diff and export can be queried here".into(),
            ),
            CliProblem::XlsxReportBinary => binary(lang, ("báo cáo xlsx", "an xlsx report"), false),
            CliProblem::ReportNotUtf8 => say(
                lang,
                "báo cáo không phải văn bản UTF-8".into(),
                "the report is not UTF-8 text".into(),
            ),
            CliProblem::BinaryReport { format } => binary(
                lang,
                (&format!("báo cáo {format}"), &format!("an {format} report")),
                true,
            ),
            CliProblem::XlsxConsolidationBinary => {
                binary(lang, ("bảng tổng hợp xlsx", "an xlsx consolidation"), true)
            }
            CliProblem::ConsolidationFormat { format } => written_as(
                lang,
                ("bảng tổng hợp", "a consolidation"),
                &["text", "json", "md", "csv", "xlsx"],
                format,
            ),
            CliProblem::PinNotCodeSeq { pin } => say(
                lang,
                format!("--pin {pin:?} không có dạng MÃ=SỐ_THỨ_TỰ (CODE=SEQ)"),
                format!("--pin {pin:?} is not CODE=SEQ"),
            ),
            CliProblem::WrongCommand { expected } => say(
                lang,
                format!("lỗi bên trong socai: lệnh này không phải {expected}"),
                format!("not {expected}"),
            ),
            other => other.token_or_server(lang),
        }
    }

    fn token_or_server(&self, lang: Lang) -> String {
        match self {
            CliProblem::CannotReadToken { cause } => os_refused(
                lang,
                ("không đọc được mã truy cập", "cannot read the token"),
                cause,
            ),
            CliProblem::TokenOnStdin => say(
                lang,
                "hãy đưa mã truy cập qua stdin, ví dụ `printf %s \"$TOKEN\" | socai token hash`"
                    .into(),
                "give the token on stdin, e.g. `printf %s \"$TOKEN\" | socai token hash`".into(),
            ),
            CliProblem::BadName { name, rejection } => say(
                lang,
                format!(
                    "{}: tên {name:?} không dùng được: tên là mã gồm 1–{} ký tự A–Z a–z 0–9 . _ : / -",
                    rejection.code,
                    crate::core::event::MAX_CODE_CHARS
                ),
                rejection.message.clone(),
            ),
            CliProblem::BadUnit { invalid } => {
                say(lang, unit_invalid(invalid), invalid.to_string())
            }
            CliProblem::CannotWriteToken { cause } => os_refused(
                lang,
                (
                    "không ghi được mã truy cập ra stderr",
                    "cannot write the token to stderr",
                ),
                cause,
            ),
            CliProblem::SignalHandler { cause } => os_refused(
                lang,
                (
                    "không khởi động được bộ xử lý tín hiệu",
                    "cannot start the signal handler",
                ),
                cause,
            ),
            CliProblem::ServerNeedsToken => say(
                lang,
                "--server cần --token TOKEN (hoặc SOCAI_TOKEN): một thông tin xác thực của máy chủ"
                    .into(),
                "--server needs --token TOKEN (or SOCAI_TOKEN): a credential of the server".into(),
            ),
            CliProblem::ServerAnswersOnly { askable } => {
                let (last, first) = askable.split_last().unwrap_or((&"", &[]));
                let list = |and: &str| format!("{} {and} {last}", first.join(", "));
                say(
                    lang,
                    format!(
                        "--server chỉ trả lời {}; các lệnh khác hãy chạy trên máy của máy chủ",
                        list("và")
                    ),
                    format!(
                        "--server answers only {}; run the others on the server's machine",
                        list("and")
                    ),
                )
            }
            CliProblem::CannotAskServer { base, detail } => say(
                lang,
                format!("không hỏi được máy chủ {base}: {detail}"),
                format!("cannot ask the server {base}: {detail}"),
            ),
            CliProblem::ServerAnswerNotJson { detail } => say(
                lang,
                format!("câu trả lời của máy chủ không phải JSON: {detail}"),
                format!("the server's answer is not JSON: {detail}"),
            ),
            CliProblem::ServerRefused {
                status,
                code,
                message,
            } => {
                let token = matches!(status, 401 | 403);
                say(
                    lang,
                    format!(
                        "máy chủ từ chối ({status} {code}): {message}{}",
                        if token {
                            "; hãy kiểm tra --token"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "the server refused ({status} {code}): {message}{}",
                        if token { "; check --token" } else { "" }
                    ),
                )
            }
            CliProblem::Quoted { detail } => say(
                lang,
                format!("yêu cầu không thực hiện được: {detail}"),
                detail.clone(),
            ),
            // Worded by `message`.
            _ => String::new(),
        }
    }
}

/// A unit refused, in Vietnamese.
/// A binary output headed for a terminal: "<what> is binary: write it with --out FILE" (and
/// "or redirect stdout" where a redirection is as good).
fn binary(lang: Lang, (vi, en): (&str, &str), redirect: bool) -> String {
    let (vi_or, en_or) = if redirect {
        (" hoặc chuyển hướng stdout", " or redirect stdout")
    } else {
        ("", "")
    };
    say(
        lang,
        format!("{vi} là tệp nhị phân: hãy ghi ra tệp bằng --out FILE{vi_or}"),
        format!("{en} is binary: write it with --out FILE{en_or}"),
    )
}

fn unit_invalid(e: &UnitInvalid) -> String {
    match e {
        UnitInvalid::Code { parent, code } => format!(
            "{} {code:?} phải gồm 1 đến {MAX_CODE_CHARS} ký tự: chữ cái ASCII, chữ số, '.', '-' hoặc '_'",
            if *parent {
                "mã đơn vị cấp trên"
            } else {
                "mã đơn vị"
            }
        ),
        UnitInvalid::NameLength => {
            format!("tên đơn vị phải có từ 1 đến {MAX_NAME_CHARS} ký tự")
        }
        UnitInvalid::NameControl => "tên đơn vị chứa ký tự điều khiển".to_string(),
    }
}
