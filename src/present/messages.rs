//! The message catalogue: every label and message socai prints for people, in Vietnamese
//! (the default) and English, in one place. Renderers ask for a `Msg` in a `Lang`; a
//! rejection is worded from its stable code and its `Detail`, never from English text.
//! Machine output (JSON keys, codes, exit codes) never passes through here.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::core::rejection::{Code, Detail, Rejection};
pub use crate::present::vi_format::Lang;
use crate::present::vi_format::number;

mod input;

/// Picks the text of a language.
pub fn t<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The sentence of a language, for sentences built from facts (the catalogue modules).
pub fn say(lang: Lang, vi: String, en: String) -> String {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// A date as people of the language write it: 20/11/2025 or 2025-11-20.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Vi => d.format("%d/%m/%Y").to_string(),
        Lang::En => d.to_string(),
    }
}

/// Whole đồng grouped as the language groups them (vi: 1.234.567; en: 1,234,567).
pub fn money(lang: Lang, d: Decimal) -> String {
    number(d, 0, lang)
}

/// The labels of the people's outputs (balance, trail, summary, diff, CLI notices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    Line,
    Name,
    Plan,
    Disbursed,
    Available,
    Rate,
    Total,
    AmountsInDong,
    AmountsInTrieu,
    Seq,
    Effective,
    Type,
    PlanDelta,
    DisbursedDelta,
    Document,
    Reversed,
    ReversedBy,
    Error,
    Warning,
    CarriedOver,
    Extended,
    InYear,
    Recurrent,
    Investment,
    WorksFunded,
    AllPrograms,
    AllPlanYears,
}

impl Msg {
    /// Every message, for the tests that read the whole catalogue.
    pub const ALL: [Msg; 27] = [
        Msg::Line,
        Msg::Name,
        Msg::Plan,
        Msg::Disbursed,
        Msg::Available,
        Msg::Rate,
        Msg::Total,
        Msg::AmountsInDong,
        Msg::AmountsInTrieu,
        Msg::Seq,
        Msg::Effective,
        Msg::Type,
        Msg::PlanDelta,
        Msg::DisbursedDelta,
        Msg::Document,
        Msg::Reversed,
        Msg::ReversedBy,
        Msg::Error,
        Msg::Warning,
        Msg::CarriedOver,
        Msg::Extended,
        Msg::InYear,
        Msg::Recurrent,
        Msg::Investment,
        Msg::WorksFunded,
        Msg::AllPrograms,
        Msg::AllPlanYears,
    ];

    pub fn text(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Msg::Line => ("dòng", "line"),
            Msg::Name => ("tên", "name"),
            Msg::Plan => ("kế hoạch", "plan"),
            Msg::Disbursed => ("giải ngân", "disbursed"),
            Msg::Available => ("còn lại", "available"),
            Msg::Rate => ("tỷ lệ", "rate"),
            Msg::Total => ("TỔNG CỘNG", "TOTAL"),
            Msg::AmountsInDong => ("số tiền tính bằng đồng", "amounts in đồng"),
            Msg::AmountsInTrieu => (
                "đơn vị: triệu đồng, mỗi số được làm tròn riêng",
                "amounts in triệu đồng (millions), each figure rounded on its own",
            ),
            Msg::Seq => ("số TT", "seq"),
            Msg::Effective => ("ngày HL", "effective"),
            Msg::Type => ("loại", "type"),
            Msg::PlanDelta => ("KH Δ", "plan Δ"),
            Msg::DisbursedDelta => ("GN Δ", "disbursed Δ"),
            Msg::Document => ("chứng từ", "document"),
            Msg::Reversed => ("ĐÃ HỦY", "REVERSED"),
            Msg::ReversedBy => ("ĐÃ HỦY bởi", "REVERSED by"),
            Msg::Error => ("lỗi", "error"),
            Msg::Warning => ("cảnh báo", "warning"),
            Msg::CarriedOver => ("chuyển nguồn", "carried over"),
            Msg::Extended => ("kéo dài", "extended"),
            Msg::InYear => ("giao trong năm", "in-year"),
            Msg::Recurrent => ("Vốn sự nghiệp", "Recurrent (vốn sự nghiệp)"),
            Msg::Investment => ("Vốn đầu tư phát triển", "Investment (vốn ĐTPT)"),
            Msg::WorksFunded => ("số công trình được bố trí vốn", "works funded"),
            Msg::AllPrograms => (
                "Tổng các CT MTQG, gồm vốn chuyển nguồn và kéo dài",
                "All programs, incl. carried-over and extended capital",
            ),
            Msg::AllPlanYears => ("mọi năm kế hoạch", "all plan years"),
        };
        t(lang, vi, en)
    }
}

/// An event type as people call it (`disburse` → "giải ngân"; the one list is
/// `event_text::TYPE_NAMES_VI`); the stable name in English.
pub fn event_type(lang: Lang, type_name: &str) -> String {
    match lang {
        Lang::Vi => crate::present::event_text::type_vi_named(type_name).to_string(),
        Lang::En => type_name.to_string(),
    }
}

/// The end of every refusal of a batch: all or nothing.
pub fn nothing_appended(lang: Lang) -> &'static str {
    t(
        lang,
        "không sự kiện nào của lô được ghi",
        "nothing of the batch was appended",
    )
}

/// What a rejection code means, as a short phrase.
pub fn code_title(code: Code, lang: Lang) -> &'static str {
    let (vi, en) = match code {
        Code::Malformed => ("dữ liệu sai định dạng", "malformed input"),
        Code::MissingField => ("thiếu trường bắt buộc", "a required field is missing"),
        Code::UnknownType => ("loại sự kiện không được biết", "unknown event type"),
        Code::InvalidAmount => ("số tiền không hợp lệ", "invalid amount"),
        Code::InvalidDate => ("ngày không hợp lệ", "invalid date"),
        Code::InvalidCode => ("mã không hợp lệ", "invalid code"),
        Code::UnknownLine => ("dòng chưa được mở", "line not opened"),
        Code::LineExists => ("dòng đã được mở", "line already open"),
        Code::IdConflict => ("trùng mã sự kiện", "event id conflict"),
        Code::InsufficientFunds => ("không đủ vốn", "insufficient funds"),
        Code::RefundExceedsDisbursed => (
            "số nộp trả vượt số đã giải ngân",
            "refund exceeds what was disbursed",
        ),
        Code::SameLine => ("chuyển vốn sang chính dòng đó", "same line"),
        Code::CapitalMismatch => ("khác loại vốn", "capital type mismatch"),
        Code::YearMismatch => ("sai năm kế hoạch", "plan year mismatch"),
        Code::OriginMismatch => ("sai nguồn gốc vốn", "origin mismatch"),
        Code::UnknownTarget => ("không có sự kiện cần hủy", "unknown reversal target"),
        Code::InvalidTarget => ("sự kiện này không hủy được", "event cannot be reversed"),
        Code::AlreadyReversed => ("sự kiện đã bị hủy", "already reversed"),
        Code::TooLarge => ("vượt giới hạn", "over a limit"),
        Code::AlreadyAllocated => ("quyết định đã được ghi", "already allocated"),
        Code::ControlCharacter => ("có ký tự điều khiển", "control character"),
        Code::TooEarly => ("ghi trước khi hết năm", "too early"),
        Code::PastDeadline => ("quá thời hạn của dòng", "past the line's deadline"),
        Code::BeforePlanYear => ("trước năm kế hoạch", "before the plan year"),
        Code::ProgramMismatch => ("khác chương trình, dự án", "program mismatch"),
        Code::SourceMismatch => ("khác nguồn ngân sách", "source mismatch"),
        Code::ReplicaReadOnly => (
            "kho là bản sao, không nhận sự kiện",
            "the store is a read-only replica",
        ),
        Code::RecoveryExceedsAdvance => (
            "số thu hồi vượt số tạm ứng còn lại",
            "recovery exceeds the advance outstanding",
        ),
        Code::UnknownContract => ("hợp đồng chưa được ghi", "unknown contract"),
        Code::ExceedsContract => ("vượt giá trị hợp đồng", "exceeds the contract"),
        Code::AdvanceOverLimit => ("tạm ứng vượt mức cho phép", "advance over the limit"),
        Code::OverTotalInvestment => (
            "vượt tổng mức đầu tư được duyệt",
            "over the approved total investment",
        ),
        Code::WorkExists => ("công trình đã được ghi", "work already registered"),
        Code::UnknownWork => ("công trình chưa được ghi", "unknown work"),
        Code::DocumentExists => ("văn bản đã được đăng ký", "document already registered"),
        Code::UnknownDocument => ("văn bản chưa được đăng ký", "unknown document"),
        Code::UnknownIndicator => ("chỉ tiêu không có trong danh mục", "unknown indicator"),
        Code::UnitMismatch => ("sai đơn vị tính của chỉ tiêu", "unit mismatch"),
        Code::NumeratorExceedsDenominator => {
            ("tử số lớn hơn mẫu số", "numerator exceeds denominator")
        }
        Code::IndicatorOutOfBounds => (
            "giá trị chỉ tiêu ngoài giới hạn",
            "indicator value out of bounds",
        ),
        Code::RatioMismatch => (
            "giá trị không bằng tử số chia mẫu số",
            "value is not numerator over denominator",
        ),
    };
    t(lang, vi, en)
}

fn detail_text(code: Code, detail: &Detail, lang: Lang) -> String {
    match (detail, lang) {
        (d, _) if input::worded_here(d) => input::vi(code, d),
        (
            Detail::Contract { .. }
            | Detail::PaymentRecovery { .. }
            | Detail::Work { .. }
            | Detail::TotalInvestment { .. },
            _,
        ) => crate::present::messages_pay::detail(detail, lang),
        (Detail::Line { line }, Lang::Vi) => format!("dòng {line:?}"),
        (Detail::Line { line }, Lang::En) => format!("line {line:?}"),
        (Detail::DayEnd { .. }, _) => day_end_text(code, detail, lang),
        (Detail::Pair { from, to }, Lang::Vi) => format!("từ dòng {from:?} sang dòng {to:?}"),
        (Detail::Pair { from, to }, Lang::En) => format!("from line {from:?} to line {to:?}"),
        (
            Detail::Event {
                id,
                seq,
                reversed_at,
            },
            _,
        ) => {
            let mut out = match lang {
                Lang::Vi => format!("sự kiện {id}"),
                Lang::En => format!("event {id}"),
            };
            if let Some(s) = seq {
                out.push_str(&format!(" ({} {s})", t(lang, "số thứ tự", "sequence")));
            }
            if let Some(by) = reversed_at {
                out.push_str(&format!(
                    ", {} {by}",
                    t(lang, "đã bị hủy ở số thứ tự", "reversed at sequence")
                ));
            }
            out
        }
        (Detail::Document { number, issuer }, _) => {
            let mut out = format!("{} {number}", t(lang, "văn bản số", "document"));
            if let Some(i) = issuer {
                out.push_str(&format!(" {} {i}", t(lang, "của", "of")));
            }
            out
        }
        (Detail::Indicator { indicator, period }, Lang::Vi) => {
            format!("chỉ tiêu {indicator:?} kỳ {period}")
        }
        (Detail::Indicator { indicator, period }, Lang::En) => {
            format!("indicator {indicator:?} for {period}")
        }
        (_, _) => String::new(),
    }
}

/// A line's figures at the end of the day a batch would break an invariant: the figure that
/// would go below zero (by the refusal's code), then plan, disbursed and unpaid commitments.
fn day_end_text(code: Code, detail: &Detail, lang: Lang) -> String {
    let Detail::DayEnd {
        line,
        date: day,
        plan,
        disbursed,
        commitment,
        advance,
    } = detail
    else {
        return String::new();
    };
    let ((what_vi, what_en), value) = match code {
        Code::RefundExceedsDisbursed => {
            (("số đã giải ngân sẽ là", "disbursed would be"), *disbursed)
        }
        Code::RecoveryExceedsAdvance => (
            (
                "số tạm ứng chưa thu hồi sẽ là",
                "advances outstanding would be",
            ),
            *advance,
        ),
        Code::ExceedsContract => (
            ("số cam kết chưa trả sẽ là", "unpaid commitments would be"),
            *commitment,
        ),
        _ => (
            ("số còn lại sẽ là", "available would be"),
            *plan - *disbursed - *commitment,
        ),
    };
    let commitments = match commitment.is_zero() {
        true => String::new(),
        false => format!(
            ", {} {} đồng",
            t(lang, "cam kết chưa trả", "unpaid commitments"),
            money(lang, *commitment)
        ),
    };
    match lang {
        Lang::Vi => format!(
            "dòng {line:?} cuối ngày {}: {what_vi} {} đồng (kế hoạch sau chuyển nguồn và hủy dự toán {} đồng, đã giải ngân {} đồng{commitments})",
            date(lang, *day),
            money(lang, value),
            money(lang, *plan),
            money(lang, *disbursed)
        ),
        Lang::En => format!(
            "line {line:?} at the end of {day}: {what_en} {} đồng (plan net of carry-over and lapse {}, disbursed {}{commitments})",
            money(lang, value),
            money(lang, *plan),
            money(lang, *disbursed)
        ),
    }
}

/// A rejection as people read it: `code: what it means: the facts`. The English of the input
/// checks (`input`) is the rule's own message, as it always was: `code: message`.
pub fn rejection(r: &Rejection, lang: Lang) -> String {
    let title = code_title(r.code, lang);
    match lang {
        Lang::En if input::worded_here(&r.detail) => format!("{}: {}", r.code, r.message),
        _ => format!(
            "{}: {title}: {}",
            r.code,
            detail_text(r.code, &r.detail, lang)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_worded_from_its_code_and_facts_in_each_language() {
        let facts = Detail::DayEnd {
            line: "2025/DTTS/SN/DA1/NSTW".into(),
            date: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap_or_default(),
            plan: Decimal::from(1_000_000),
            disbursed: Decimal::from(82_500_000),
            commitment: Decimal::ZERO,
            advance: Decimal::ZERO,
        };
        let r = Rejection::new(Code::InsufficientFunds, facts, "english text");
        let vi = rejection(&r, Lang::Vi);
        assert_eq!(
            vi,
            "insufficient_funds: không đủ vốn: dòng \"2025/DTTS/SN/DA1/NSTW\" cuối ngày 15/11/2025: \
             số còn lại sẽ là -81.500.000 đồng (kế hoạch sau chuyển nguồn và hủy dự toán \
             1.000.000 đồng, đã giải ngân 82.500.000 đồng)"
        );
        assert!(!vi.contains("english text"));
        let en = rejection(&r, Lang::En);
        assert!(en.contains("available would be -81,500,000 đồng"), "{en}");
        assert!(
            en.starts_with("insufficient_funds: insufficient funds: "),
            "{en}"
        );
    }

    #[test]
    fn every_code_has_a_vietnamese_title_of_its_own() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let vi = code_title(code, Lang::Vi);
            assert_ne!(vi, code_title(code, Lang::En), "{code}");
            assert!(seen.insert(vi), "{code}: {vi} is used twice");
        }
        for m in Msg::ALL {
            assert_ne!(m.text(Lang::Vi), m.text(Lang::En), "{m:?}");
        }
    }
}
