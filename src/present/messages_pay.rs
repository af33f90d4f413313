//! The catalogue's wording of the payment and works refusals (rules version 3): each names
//! the line, the contract or work, the figures in grouped đồng and, for a limit, its legal
//! source. `messages::rejection` asks here for the facts of these codes.

use rust_decimal::Decimal;

use crate::core::rejection::{ContractFinding, Detail};
use crate::present::messages::say;
use crate::present::messages::{event_type, money};
use crate::present::vi_format::Lang;

/// The facts of a payment or works refusal as a phrase (`messages` words the other details).
pub fn detail(detail: &Detail, lang: Lang) -> String {
    let d = |v: Decimal| money(lang, v);
    match detail {
        Detail::Contract {
            line,
            contract,
            found,
        } => {
            let at = say(
                lang,
                format!("hợp đồng {contract:?} trên dòng {line:?}"),
                format!("contract {contract:?} on line {line:?}"),
            );
            format!("{at}: {}", contract_finding(found, lang))
        }
        Detail::PaymentRecovery {
            line,
            recovered,
            amount,
        } => say(
            lang,
            format!(
                "khoản thanh toán trên dòng {line:?} thu hồi tạm ứng {} đồng, lớn hơn chính số tiền của nó {} đồng",
                d(*recovered),
                d(*amount)
            ),
            format!(
                "payment on line {line:?} recovers {} đồng of advances, more than its amount {} đồng",
                d(*recovered),
                d(*amount)
            ),
        ),
        Detail::Work {
            work,
            registered_as: Some(code),
        } => say(
            lang,
            format!("công trình {work:?} đã được ghi (với mã {code:?})"),
            format!("work {work:?} is already registered (as {code:?})"),
        ),
        Detail::Work {
            work,
            registered_as: None,
        } => say(
            lang,
            format!(
                "công trình {work:?} chưa được ghi: hãy ghi sự kiện mở công trình (open_work) trước"
            ),
            format!("work {work:?} is not registered: record its open_work first"),
        ),
        Detail::TotalInvestment {
            work,
            allocated,
            total,
            source,
        } => say(
            lang,
            format!(
                "công trình {work:?}: lũy kế vốn bố trí qua mọi dòng và năm kế hoạch sẽ là {} đồng, vượt tổng mức đầu tư được duyệt {} đồng ({source})",
                d(*allocated),
                d(*total)
            ),
            format!(
                "work {work:?}: cumulative allocation over all its lines and plan years would be {} đồng, above its approved total investment of {} đồng ({source})",
                d(*allocated),
                d(*total)
            ),
        ),
        _ => String::new(),
    }
}

fn contract_finding(found: &ContractFinding, lang: Lang) -> String {
    let d = |v: &Decimal| money(lang, *v);
    match found {
        ContractFinding::Unknown { event_type: t } => say(
            lang,
            format!(
                "chưa có sự kiện cam kết chi nào ghi hợp đồng này trên dòng đó ({} không ghi được)",
                event_type(lang, t)
            ),
            format!("no commit registered it on that line ({t} refused)"),
        ),
        ContractFinding::Exceeds {
            event_type: t,
            paying,
            paid,
            amount,
        } => say(
            lang,
            format!(
                "{} {} đồng trong khi đã trả {} đồng trên giá trị hợp đồng {} đồng",
                event_type(lang, t),
                d(paying),
                d(paid),
                d(amount)
            ),
            format!(
                "{t} of {} đồng: paid so far {} đồng, contract amount {} đồng",
                d(paying),
                d(paid),
                d(amount)
            ),
        ),
        ContractFinding::RecoveryOverOutstanding {
            recovering,
            outstanding,
        } => say(
            lang,
            format!(
                "thu hồi {} đồng nhưng số tạm ứng chưa thu hồi chỉ còn {} đồng",
                d(recovering),
                d(outstanding)
            ),
            format!(
                "recovers {} đồng, but only {} đồng is advanced and not recovered",
                d(recovering),
                d(outstanding)
            ),
        ),
        ContractFinding::AdvanceOverLimit {
            advance,
            advances_after,
            percent,
            amount,
            limit,
            source,
        } => say(
            lang,
            format!(
                "tạm ứng {} đồng sẽ đưa tổng tạm ứng lên {} đồng, vượt mức {percent}% giá trị hợp đồng {} đồng (tối đa {} đồng; {source})",
                d(advance),
                d(advances_after),
                d(amount),
                d(limit)
            ),
            format!(
                "an advance of {} đồng would bring its advances to {} đồng, over {percent}% of the contract amount {} đồng ({} đồng; {source})",
                d(advance),
                d(advances_after),
                d(amount),
                d(limit)
            ),
        ),
        ContractFinding::ReverseCommit { paid, remaining } => say(
            lang,
            format!(
                "hủy cam kết chi sẽ để lại {} đồng đã trả trên {} đồng giá trị hợp đồng: hãy hủy các khoản thanh toán trước",
                d(paid),
                d(remaining)
            ),
            format!(
                "reversing the commit would leave {} đồng paid under {} đồng of contract: reverse the payments first",
                d(paid),
                d(remaining)
            ),
        ),
        ContractFinding::ReverseAdvance {
            advance,
            recovered,
            remaining,
        } => say(
            lang,
            format!(
                "hủy khoản tạm ứng {} đồng sẽ để lại {} đồng đã thu hồi trên {} đồng tạm ứng: hãy hủy các khoản thanh toán thu hồi trước",
                d(advance),
                d(recovered),
                d(remaining)
            ),
            format!(
                "reversing the advance of {} đồng would leave {} đồng recovered of {} đồng advanced: reverse the recovering payments first",
                d(advance),
                d(recovered),
                d(remaining)
            ),
        ),
    }
}
