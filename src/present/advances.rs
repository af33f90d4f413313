//! The list of advances to recover (tạm ứng chưa thu hồi), as text and JSON, with the view
//! that pins it. Reads `core::advances`; never the store.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::core::advances::AdvanceDue;
use crate::core::rule_data;
use crate::present::report::{Pin, hash_json, pin_text};
use crate::present::vi_format::dong;

/// One row per line, contract and payee; amounts in đồng (vi-VN grouping); `!` marks an
/// advance still outstanding once payments under its contract reached the recovery threshold.
pub fn advances_text(pin: Pin, rows: &[AdvanceDue]) -> String {
    let mut out = pin_text(pin);
    let _ = writeln!(
        out,
        "advances to recover, amounts in đồng; ! = payments under the contract reached {}% of it",
        rule_data::RECOVERY_DUE_PERCENT
    );
    let _ = writeln!(
        out,
        "{:<24}  {:<16}  {:<28}  {:>22}  {:<10}  {:>6}  flag",
        "line", "contract", "payee", "outstanding", "since", "days"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<24}  {:<16}  {:<28}  {:>22}  {:<10}  {:>6}  {}",
            r.line,
            r.contract.as_deref().unwrap_or("-"),
            r.payee.as_deref().unwrap_or("-"),
            dong(r.outstanding),
            r.since,
            r.age_days,
            if r.flagged { "!" } else { "" }
        );
    }
    let total: rust_decimal::Decimal = rows.iter().map(|r| r.outstanding).sum();
    let _ = writeln!(out, "TOTAL {:>22}", dong(total));
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
