//! The rule data of the budget year, each figure with its legal source, and the versions of
//! the rule set. Deadlines are data, not constants: National Assembly resolutions have moved
//! them for the programs (a `set_deadline` event records such a resolution per line), and the
//! defaults below are what holds when no event says otherwise.
//!
//! Versions. The log records, with every event, the version of the rules that accepted it, and
//! a store is re-checked on open with those versions (`rules::State::check_with`). A version
//! is never changed once released: new rules are a new version.
//! - 1: the rules before the budget year was modelled (no deadlines, carry-over and transfer
//!   checks on capital, plan year and origin only, every refund lowers `disbursed`).
//! - 2: the budget year as the law runs it (this file's deadlines, `lapse`, `set_deadline`).
//! - 3: payments as the Treasury counts them (issue 13): `advance`, `commit`, `open_work`,
//!   `contribute`, a payment's contract and recovery, a refund of an advance; `available`
//!   counts unpaid commitments; the advance caps below. Events of versions 1 and 2 cannot
//!   name a contract or an advance, so their figures are the same under version 3.
//! - 4: the register of documents and the indicators (issue 16): `register_document`,
//!   `record_indicator` and their checks (`core::facts`, catalogue version 1 of
//!   `core::indicators`). Nothing changes for the kinds version 3 knew, so those events are
//!   still recorded as accepted by version 3 (`recorded_version`): a store that holds no facts
//!   keeps the bytes and chain hashes it had before version 4 existed.

use chrono::{Days, NaiveDate};

use crate::core::event::{Capital, Kind, Origin};

/// A version of the rule set, as recorded beside every stored event.
pub type RulesVersion = u16;

/// The rules before the budget year was modelled (every event of a format-1 store).
pub const RULES_V1: RulesVersion = 1;
/// The budget-year rules.
pub const RULES_V2: RulesVersion = 2;
/// Payments: advances, commitments, works, contributions.
pub const RULES_V3: RulesVersion = 3;
/// The register of documents and the indicators.
pub const RULES_V4: RulesVersion = 4;
/// The newest version: new events are checked with it.
pub const CURRENT: RulesVersion = RULES_V4;

/// Whether the event was accepted by a version that knows documents and indicators.
pub fn knows_facts(version: RulesVersion) -> bool {
    version >= RULES_V4
}

/// The version a new event of this kind is recorded as accepted by: the oldest version whose
/// checks of the kind are today's (version 4 changed only the two kinds it added).
pub fn recorded_version(kind: &Kind) -> RulesVersion {
    match kind {
        Kind::RegisterDocument(_) | Kind::RecordIndicator(_) => RULES_V4,
        _ => RULES_V3,
    }
}

/// Whether the event was accepted by a version that knows advances and commitments.
pub fn knows_payments(version: RulesVersion) -> bool {
    version >= RULES_V3
}

/// Whether rules `version` knows events of this kind and shape (a stored record of a kind its
/// rules version did not know is damaged or forged).
pub fn knows_kind(version: RulesVersion, kind: &Kind) -> bool {
    match kind {
        Kind::Lapse { .. } | Kind::SetDeadline { .. } => knows_budget_year(version),
        Kind::Advance { .. }
        | Kind::Commit { .. }
        | Kind::OpenWork(_)
        | Kind::Contribute { .. }
        | Kind::Disburse {
            contract: Some(_), ..
        }
        | Kind::Disburse {
            recovers: Some(_), ..
        }
        | Kind::Refund { advance: true, .. } => knows_payments(version),
        Kind::RegisterDocument(_) | Kind::RecordIndicator(_) => knows_facts(version),
        _ => true,
    }
}

/// The most that may be advanced under one contract, as a share of its amount, by capital.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdvanceCap {
    pub capital: Capital,
    /// Percent of the contract amount.
    pub percent: u32,
    /// Contracts of at most this amount (đồng) have no cap (0: every contract is capped).
    pub applies_above: i64,
    pub source: &'static str,
}

/// Advance caps (rules version 3). To re-check against Decree 254/2025, which replaces
/// Decree 99/2021 on the payment of public investment capital.
pub const ADVANCE_CAPS: [AdvanceCap; 2] = [
    AdvanceCap {
        capital: Capital::Investment,
        percent: 30,
        applies_above: 0,
        source: "Nghị định 99/2021/NĐ-CP điều 10 (tạm ứng hợp đồng tối đa 30% giá trị hợp đồng)",
    },
    AdvanceCap {
        capital: Capital::Recurrent,
        percent: 50,
        applies_above: 50_000_000,
        source: "Thông tư 17/2024/TT-BTC điều 6 (hợp đồng trên 50 triệu đồng: tạm ứng tối đa \
                 50% giá trị hợp đồng)",
    },
];

/// The cap on advances under a contract of `capital`.
pub fn advance_cap(capital: Capital) -> &'static AdvanceCap {
    let cap = ADVANCE_CAPS.iter().find(|c| c.capital == capital);
    assert!(cap.is_some(), "every capital type has an advance cap");
    cap.unwrap_or(&ADVANCE_CAPS[0])
}

/// Advances must be fully recovered by the time payments under the contract reach this
/// percent of its amount; an advance still outstanding then is flagged (reported, not refused).
pub const RECOVERY_DUE_PERCENT: u32 = 80;
/// Why recovery is due at 80%.
pub const RECOVERY_DUE_SOURCE: &str = "Nghị định 99/2021/NĐ-CP điều 10; Thông tư 17/2024/TT-BTC \
     điều 6 (thu hồi hết tạm ứng khi giá trị giải ngân đạt 80% giá trị hợp đồng)";

/// Whether the event was accepted by a version that knows the budget year (deadlines, lapse,
/// refunds after the close).
pub fn knows_budget_year(version: RulesVersion) -> bool {
    version >= RULES_V2
}

/// A default deadline: `day`/`month` of `plan_year + years_after`, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlineRule {
    pub origin: Origin,
    pub years_after: i32,
    pub month: u32,
    pub day: u32,
    pub source: &'static str,
}

/// Default disbursement deadlines by origin (rules version 2).
pub const DEADLINES: [DeadlineRule; 3] = [
    DeadlineRule {
        origin: Origin::InYear,
        years_after: 1,
        month: 1,
        day: 31,
        source: "Luật Đầu tư công 2019 điều 68, 2024 điều 72; TT 344/2016/TT-BTC điều 13 \
                 (thời gian chỉnh lý: thanh toán đến 31/01 năm sau)",
    },
    DeadlineRule {
        origin: Origin::CarriedOver,
        years_after: 1,
        month: 1,
        day: 31,
        source: "Luật NSNN 2015 điều 64 (chuyển nguồn chi tiếp năm sau, cùng thời gian chỉnh lý)",
    },
    DeadlineRule {
        origin: Origin::Extended,
        years_after: 0,
        month: 12,
        day: 31,
        source: "Luật Đầu tư công 2019 điều 68 khoản 2 (kéo dài tối đa đến 31/12 năm sau)",
    },
];

/// Days after the from-line's deadline within which a carry-over may still be decided.
pub const CARRY_OVER_GRACE_DAYS: u64 = 90;
/// Why the carry-over window is what it is.
pub const CARRY_OVER_GRACE_SOURCE: &str = "Luật NSNN 2015 điều 64; NĐ 163/2016 điều 43 \
     (chuyển nguồn quyết định sau khi kết thúc năm, thường tháng 1–3)";

/// The default deadline of a line of `origin` and `plan_year` (rules version 2).
pub fn default_deadline(origin: Origin, plan_year: i32) -> NaiveDate {
    let rule = DEADLINES.iter().find(|r| r.origin == origin);
    assert!(rule.is_some(), "every origin has a default deadline");
    let (years_after, month, day) = rule.map_or((1, 1, 31), |r| (r.years_after, r.month, r.day));
    // Plan years are checked to lie in 1900..=2200 at parse and decode, so the date exists.
    NaiveDate::from_ymd_opt(plan_year.saturating_add(years_after), month, day)
        .unwrap_or(NaiveDate::MAX)
}

/// 1 January of `year` (saturating at the calendar's ends).
pub fn first_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// The last day a carry-over out of a line with `deadline` may take effect.
pub fn carry_over_until(deadline: NaiveDate) -> NaiveDate {
    deadline
        .checked_add_days(Days::new(CARRY_OVER_GRACE_DAYS))
        .unwrap_or(NaiveDate::MAX)
}

/// Why a work's cumulative allocation may not exceed its approved total investment (TMĐT),
/// refused as `over_total_investment` (rules version 3). The law states the principle; the
/// article is to be confirmed against the consolidated text before citing it in a report.
pub const TOTAL_INVESTMENT_SOURCE: &str = "Luật Đầu tư công 2019 (39/2019/QH14): kế hoạch vốn \
     bố trí cho dự án không vượt tổng mức đầu tư được phê duyệt trong quyết định đầu tư";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_deadlines_follow_the_law() {
        assert_eq!(default_deadline(Origin::InYear, 2024), d(2025, 1, 31));
        assert_eq!(default_deadline(Origin::CarriedOver, 2025), d(2026, 1, 31));
        assert_eq!(default_deadline(Origin::Extended, 2025), d(2025, 12, 31));
        assert_eq!(carry_over_until(d(2025, 1, 31)), d(2025, 5, 1));
        assert!(DEADLINES.iter().all(|r| !r.source.is_empty()));
    }
}
