//! The list of advances to recover (tạm ứng chưa thu hồi), as text and JSON, with the view
//! that pins it. Reads `core::advances`; never the store.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::core::advances::AdvanceDue;
use crate::core::rule_data;
use crate::present::readable::pin_text;
use crate::present::report::{Pin, hash_json};
use crate::present::vi_format::{Lang, dong};

/// One row per line, contract and payee; amounts in đồng (vi-VN grouping); `!` marks an
/// advance still outstanding once payments under its contract reached the recovery threshold.
pub fn advances_text(pin: Pin, rows: &[AdvanceDue], lang: Lang) -> String {
    let mut out = pin_text(pin, lang);
    let percent = rule_data::RECOVERY_DUE_PERCENT;
    let _ = writeln!(
        out,
        "{}",
        match lang {
            Lang::Vi => format!(
                "tạm ứng chưa thu hồi, số tiền tính bằng đồng; ! = thanh toán theo hợp đồng đã đạt {percent}% giá trị hợp đồng"
            ),
            Lang::En => format!(
                "advances to recover, amounts in đồng; ! = payments under the contract reached {percent}% of it"
            ),
        }
    );
    let [line, contract, payee, outstanding, since, days, flag] = match lang {
        Lang::Vi => [
            "dòng",
            "hợp đồng",
            "người nhận",
            "chưa thu hồi",
            "từ ngày",
            "số ngày",
            "cờ",
        ],
        Lang::En => [
            "line",
            "contract",
            "payee",
            "outstanding",
            "since",
            "days",
            "flag",
        ],
    };
    let _ = writeln!(
        out,
        "{line:<24}  {contract:<16}  {payee:<28}  {outstanding:>22}  {since:<10}  {days:>6}  {flag}"
    );
    for r in rows {
        let since = match lang {
            Lang::Vi => r.since.format("%d/%m/%Y").to_string(),
            Lang::En => r.since.to_string(),
        };
        let _ = writeln!(
            out,
            "{:<24}  {:<16}  {:<28}  {:>22}  {:<10}  {:>6}  {}",
            r.line,
            r.contract.as_deref().unwrap_or("-"),
            r.payee.as_deref().unwrap_or("-"),
            dong(r.outstanding),
            since,
            r.age_days,
            if r.flagged { "!" } else { "" }
        );
    }
    let total: rust_decimal::Decimal = rows.iter().map(|r| r.outstanding).sum();
    let label = crate::present::messages::t(lang, "TỔNG", "TOTAL");
    let _ = writeln!(out, "{label} {:>22}", dong(total));
    out
}

/// One row of the list, exact đồng as strings (also the report's `advances_to_recover`).
pub fn advance_json(r: &AdvanceDue) -> Value {
    json!({
        "line": r.line,
        "contract": r.contract,
        "payee": r.payee,
        "outstanding": r.outstanding.to_string(),
        "since": r.since.to_string(),
        "age_days": r.age_days,
        "contract_amount": r.contract_amount.map(|d| d.to_string()),
        "completed": r.completed.map(|d| d.to_string()),
        "flagged": r.flagged,
    })
}

/// The machine form: exact đồng as strings.
pub fn advances_json(pin: Pin, rows: &[AdvanceDue]) -> Value {
    let list: Vec<Value> = rows.iter().map(advance_json).collect();
    let total: rust_decimal::Decimal = rows.iter().map(|r| r.outstanding).sum();
    json!({
        "as_of": pin.view.as_of.to_string(),
        "known_at": pin.view.known_at,
        "head_hash": hash_json(pin.hash),
        "recovery_due_percent": rule_data::RECOVERY_DUE_PERCENT,
        "recovery_due_source": rule_data::RECOVERY_DUE_SOURCE,
        "advances": list,
        "total_outstanding": total.to_string(),
    })
}
