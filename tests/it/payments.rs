//! Payments as the Treasury counts them (issue 13): advances and their recovery, contracts
//! (commitments) and what is left of the plan beside them. The scenarios 1 and 2 in
//! whole đồng (the issue writes triệu: 270 triệu = 270 000 000 đồng), every refusal it names,
//! the 80% flag, and reversals. Rule-level, through the given/when/then harness; the same
//! scenario through a store, cold `balance --json` and HTTP is in `tests/payments_store.rs`.

use crate::common;

use common::events::*;
use common::given::{Rules, given};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use socai::core::advances::{AdvanceDue, advances_to_recover};
use socai::core::event::Event;
use socai::core::known_at::view_at_seq;
use socai::core::projection::{LineBalance, Payments, balances};

/// Triệu đồng.
fn tr(n: i64) -> i64 {
    n * 1_000_000
}

fn event(n: u128, kind: &str, effective: &str, body: Value) -> Event {
    parse(&money_json(n, kind, effective, body))
}

fn commit(n: u128, line: &str, contract: &str, amount: i64, effective: &str) -> Event {
    event(
        n,
        "commit",
        effective,
        json!({"line": line, "contract": contract, "amount": amount.to_string(), "payee": "Công ty Xây dựng Lùng Phình"}),
    )
}

fn advance(n: u128, line: &str, contract: Option<&str>, amount: i64, effective: &str) -> Event {
    let mut body =
        json!({"line": line, "amount": amount.to_string(), "payee": "Công ty Xây dựng Lùng Phình"});
    if let Some(c) = contract {
        body["contract"] = json!(c);
    }
    event(n, "advance", effective, body)
}

fn pay(
    n: u128,
    line: &str,
    contract: Option<&str>,
    amount: i64,
    recovers: Option<i64>,
    effective: &str,
) -> Event {
    let mut body = json!({"line": line, "amount": amount.to_string()});
    if let Some(c) = contract {
        body["contract"] = json!(c);
    }
    if let Some(r) = recovers {
        body["recovers"] = json!(r.to_string());
    }
    event(n, "disburse", effective, body)
}

fn refund_advance(n: u128, line: &str, amount: i64, effective: &str) -> Event {
    event(
        n,
        "refund",
        effective,
        json!({"line": line, "amount": amount.to_string(), "advance": true}),
    )
}

fn line_at(rules: &Rules, line: &str, as_of: &str) -> LineBalance<'static> {
    let records = rules.records();
    let view = view_at_seq(records.len() as u64, date(as_of), None).unwrap();
    let found = balances(records, view, None)
        .into_iter()
        .find(|b| b.spec.line == line)
        .unwrap();
    // Owned copy of the figures with a leaked spec: tests only.
    LineBalance {
        spec: Box::leak(Box::new(found.spec.clone())),
        ..found
    }
}

fn advances_at(rules: &Rules, as_of: &str) -> Vec<AdvanceDue> {
    let records = rules.records();
    let view = view_at_seq(records.len() as u64, date(as_of), None).unwrap();
    advances_to_recover(records, view)
}

/// Scenario 1's setting: work CT05, an investment line of 2025 with plan 1.000, contract
/// HD-05 of 900.
fn ct05() -> Rules {
    given(vec![
        open_with(1, "CT05", "investment", 2025, "in_year"),
        allocate(2, "CT05", tr(1000), "2025-01-15"),
        commit(3, "CT05", "HD-05", tr(900), "2025-03-01"),
    ])
}

#[test]
fn scenario_1_an_advance_over_30_percent_of_the_contract_is_refused() {
    let mut rules = ct05();
    let refused = rules
        .when(vec![advance(
            10,
            "CT05",
            Some("HD-05"),
            tr(300),
            "2025-03-10",
        )])
        .refused_one();
    assert_eq!(refused, "advance_over_limit");
    rules
        .when(vec![advance(
            10,
            "CT05",
            Some("HD-05"),
            tr(270),
            "2025-03-10",
        )])
        .accepted();
    // 270 is exactly 30% of 900; one đồng more is over.
    let more = rules
        .when(vec![advance(11, "CT05", Some("HD-05"), 1, "2025-03-11")])
        .refused_one();
    assert_eq!(more, "advance_over_limit");
}

fn scenario_1(second_recovery: i64) -> Rules {
    let mut rules = ct05();
    rules
        .when(vec![
            advance(10, "CT05", Some("HD-05"), tr(270), "2025-03-10"),
            pay(
                11,
                "CT05",
                Some("HD-05"),
                tr(400),
                Some(tr(120)),
                "2025-06-15",
            ),
            pay(
                12,
                "CT05",
                Some("HD-05"),
                tr(350),
                Some(tr(second_recovery)),
                "2025-09-20",
            ),
        ])
        .accepted();
    rules
}

#[test]
fn scenario_1_recoveries_lower_what_is_outstanding_not_what_is_disbursed() {
    let rules = scenario_1(150);
    let june = line_at(&rules, "CT05", "2025-06-30");
    assert_eq!(june.disbursed, dec(tr(550)));
    assert_eq!(june.pay.completed, dec(tr(400)));
    assert_eq!(june.pay.advance_outstanding, dec(tr(150)));
    let september = line_at(&rules, "CT05", "2025-09-30");
    assert_eq!(september.disbursed, dec(tr(750)));
    assert_eq!(september.pay.completed, dec(tr(750)));
    assert_eq!(september.pay.advance_outstanding, Decimal::ZERO);
    assert_eq!(september.rate(), Some(Decimal::new(75, 2)));
    assert_eq!(
        socai::present::vi_format::ratio_percent(
            september.rate(),
            2,
            socai::present::vi_format::Lang::Vi
        ),
        "75,00%"
    );
    // The contract of 900 is paid 750 in cash (270 advanced + 280 + 200): 150 unpaid.
    assert_eq!(september.pay.committed, dec(tr(900)));
    assert_eq!(september.pay.commitment_outstanding, dec(tr(150)));
    // available = 1.000 − 750 − 150 unpaid under the contract.
    assert_eq!(september.available(), dec(tr(100)));
}

#[test]
fn scenario_1_the_advances_to_recover_at_each_date() {
    let rules = scenario_1(150);
    let june = advances_at(&rules, "2025-06-30");
    assert_eq!(june.len(), 1);
    let row = &june[0];
    assert_eq!(
        (row.line.as_str(), row.contract.as_deref()),
        ("CT05", Some("HD-05"))
    );
    assert_eq!(row.outstanding, dec(tr(150)));
    assert_eq!(row.since, date("2025-03-10"));
    assert_eq!(row.age_days, 112);
    assert_eq!(row.completed, Some(dec(tr(400))));
    assert!(!row.flagged, "400 of 900 paid is under 80%");
    assert!(advances_at(&rules, "2025-09-30").is_empty());
    // Before the first recovery the whole advance is outstanding.
    assert_eq!(
        advances_at(&rules, "2025-03-31")[0].outstanding,
        dec(tr(270))
    );
}

#[test]
fn scenario_1_variant_an_advance_not_recovered_by_80_percent_is_flagged_not_refused() {
    let rules = scenario_1(100);
    let september = line_at(&rules, "CT05", "2025-09-30");
    assert_eq!(september.pay.completed, dec(tr(750)));
    assert_eq!(september.pay.advance_outstanding, dec(tr(50)));
    assert_eq!(september.disbursed, dec(tr(800)));
    let list = advances_at(&rules, "2025-09-30");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].outstanding, dec(tr(50)));
    assert_eq!(list[0].contract_amount, Some(dec(tr(900))));
    assert!(list[0].flagged, "750 ≥ 80% of 900 with 50 outstanding");
    // In June (400 of 900) the same advance was not flagged yet.
    assert!(!advances_at(&rules, "2025-06-30")[0].flagged);
}

#[test]
fn recoveries_above_the_payment_or_the_advance_are_refused() {
    let mut rules = ct05();
    rules
        .when(vec![advance(
            10,
            "CT05",
            Some("HD-05"),
            tr(270),
            "2025-03-10",
        )])
        .accepted();
    let above_amount = pay(
        11,
        "CT05",
        Some("HD-05"),
        tr(100),
        Some(tr(120)),
        "2025-06-15",
    );
    assert_eq!(
        rules.when(vec![above_amount]).refused_one(),
        "recovery_exceeds_advance"
    );
    let above_advance = pay(
        11,
        "CT05",
        Some("HD-05"),
        tr(400),
        Some(tr(271)),
        "2025-06-15",
    );
    assert_eq!(
        rules.when(vec![above_advance]).refused_one(),
        "recovery_exceeds_advance"
    );
    // Without a contract, against the line's advances: the same limit.
    let no_contract = pay(11, "CT05", None, tr(300), Some(tr(271)), "2025-06-15");
    assert_eq!(
        rules.when(vec![no_contract]).refused_one(),
        "recovery_exceeds_advance"
    );
    // A recovery dated before the advance it would recover: nothing was outstanding then.
    let too_early = pay(11, "CT05", None, tr(100), Some(tr(50)), "2025-03-09");
    assert_eq!(
        rules.when(vec![too_early]).refused_one(),
        "recovery_exceeds_advance"
    );
    let cash_back = refund_advance(11, "CT05", tr(271), "2025-04-01");
    assert_eq!(
        rules.when(vec![cash_back]).refused_one(),
        "recovery_exceeds_advance"
    );
}

#[test]
fn an_advance_returned_in_cash_lowers_disbursed_and_outstanding() {
    let mut rules = ct05();
    rules
        .when(vec![
            advance(10, "CT05", Some("HD-05"), tr(270), "2025-03-10"),
            refund_advance(11, "CT05", tr(70), "2025-04-01"),
        ])
        .accepted();
    let april = line_at(&rules, "CT05", "2025-04-30");
    assert_eq!(april.disbursed, dec(tr(200)));
    assert_eq!(april.pay.advance_outstanding, dec(tr(200)));
    assert_eq!(april.pay.completed, Decimal::ZERO);
    assert_eq!(
        advances_at(&rules, "2025-04-30")[0].outstanding,
        dec(tr(200))
    );
}

#[test]
fn payments_name_a_registered_contract_and_stay_within_it() {
    let mut rules = ct05();
    let unknown = pay(10, "CT05", Some("HD-99"), tr(100), None, "2025-04-01");
    assert_eq!(rules.when(vec![unknown]).refused_one(), "unknown_contract");
    let unknown_advance = advance(10, "CT05", Some("HD-99"), tr(100), "2025-04-01");
    assert_eq!(
        rules.when(vec![unknown_advance]).refused_one(),
        "unknown_contract"
    );
    rules
        .when(vec![pay(
            10,
            "CT05",
            Some("HD-05"),
            tr(800),
            None,
            "2025-04-01",
        )])
        .accepted();
    let beyond = pay(11, "CT05", Some("HD-05"), tr(100) + 1, None, "2025-05-01");
    assert_eq!(rules.when(vec![beyond]).refused_one(), "exceeds_contract");
    rules
        .when(vec![pay(
            11,
            "CT05",
            Some("HD-05"),
            tr(100),
            None,
            "2025-05-01",
        )])
        .accepted();
}

/// Scenario 2: plan 2.000; a contract of 1.200 committed; 960 paid under it; 300 paid
/// outside any contract.
#[test]
fn scenario_2_unpaid_commitments_reserve_the_plan() {
    let mut rules = given(vec![
        open(1, "L2"),
        allocate(2, "L2", tr(2000), "2025-01-15"),
        commit(3, "L2", "HD-12", tr(1200), "2025-02-01"),
        pay(4, "L2", Some("HD-12"), tr(960), None, "2025-05-01"),
        pay(5, "L2", None, tr(300), None, "2025-05-02"),
    ]);
    let may = line_at(&rules, "L2", "2025-05-31");
    assert_eq!(may.disbursed, dec(tr(1260)));
    assert_eq!(may.pay.committed, dec(tr(1200)));
    assert_eq!(may.pay.commitment_outstanding, dec(tr(240)));
    assert_eq!(may.available(), dec(tr(500)));
    let refused = rules
        .when(vec![commit(6, "L2", "HD-13", tr(600), "2025-06-01")])
        .refused_one();
    assert_eq!(refused, "insufficient_funds");
    // A payment outside any contract cannot take the reserved part either.
    let outside = pay(6, "L2", None, tr(500) + 1, None, "2025-06-01");
    assert_eq!(
        rules.when(vec![outside]).refused_one(),
        "insufficient_funds"
    );
    rules
        .when(vec![commit(6, "L2", "HD-13", tr(500), "2025-06-01")])
        .accepted();
    assert_eq!(
        line_at(&rules, "L2", "2025-06-30").available(),
        Decimal::ZERO
    );
}

#[test]
fn recurrent_contracts_over_50_trieu_cap_advances_at_half_and_smaller_ones_not_at_all() {
    let mut rules = given(vec![
        open(1, "SN"),
        allocate(2, "SN", tr(500), "2025-01-15"),
        commit(3, "SN", "HD-BIG", tr(100), "2025-02-01"),
        commit(4, "SN", "HD-SMALL", tr(50), "2025-02-01"),
    ]);
    let over = advance(5, "SN", Some("HD-BIG"), tr(50) + 1, "2025-02-10");
    assert_eq!(rules.when(vec![over]).refused_one(), "advance_over_limit");
    rules
        .when(vec![
            advance(5, "SN", Some("HD-BIG"), tr(50), "2025-02-10"),
            advance(6, "SN", Some("HD-SMALL"), tr(50), "2025-02-10"),
        ])
        .accepted();
}

#[test]
fn reversing_a_recovered_advance_is_refused_until_its_recoveries_are_reversed() {
    let mut rules = scenario_1(150);
    assert_eq!(
        rules
            .when(vec![reverse(20, 10, "2025-10-01")])
            .refused_one(),
        "recovery_exceeds_advance"
    );
    // The commit cannot go either while payments stand under it.
    assert_eq!(
        rules.when(vec![reverse(20, 3, "2025-10-01")]).refused_one(),
        "exceeds_contract"
    );
    rules
        .when(vec![
            reverse(20, 12, "2025-10-01"),
            reverse(21, 11, "2025-10-01"),
            reverse(22, 10, "2025-10-01"),
            reverse(23, 3, "2025-10-01"),
        ])
        .accepted();
    let after = line_at(&rules, "CT05", "2025-12-31");
    assert_eq!(after.disbursed, Decimal::ZERO);
    assert_eq!(after.pay, Payments::default());
    assert!(advances_at(&rules, "2025-12-31").is_empty());
    // With the commit reversed, the contract is unknown again.
    let late = pay(24, "CT05", Some("HD-05"), tr(10), None, "2025-11-01");
    assert_eq!(rules.when(vec![late]).refused_one(), "unknown_contract");
}

#[test]
fn reversing_a_payment_restores_the_advance_it_recovered() {
    let mut rules = scenario_1(150);
    rules.when(vec![reverse(20, 12, "2025-10-01")]).accepted();
    let september = line_at(&rules, "CT05", "2025-09-30");
    assert_eq!(september.disbursed, dec(tr(550)));
    assert_eq!(september.pay.advance_outstanding, dec(tr(150)));
    assert_eq!(september.pay.completed, dec(tr(400)));
}

#[test]
fn the_new_figures_follow_known_at() {
    let rules = scenario_1(150);
    // Known at sequence 4 (setting + advance): the payments were not known yet, whatever the date.
    let records = rules.records();
    let view = view_at_seq(records.len() as u64, date("2025-12-31"), Some(4)).unwrap();
    let line = balances(records, view, None)
        .into_iter()
        .find(|b| b.spec.line == "CT05")
        .unwrap();
    assert_eq!(line.disbursed, dec(tr(270)));
    assert_eq!(line.pay.advance_outstanding, dec(tr(270)));
    assert_eq!(line.pay.completed, Decimal::ZERO);
    assert_eq!(
        advances_to_recover(records, view)[0].outstanding,
        dec(tr(270))
    );
}

#[test]
fn payment_events_are_not_events_of_older_rules_versions() {
    let rules = ct05();
    for older in [1, 2] {
        for e in [
            advance(10, "CT05", Some("HD-05"), tr(100), "2025-03-10"),
            commit(10, "CT05", "HD-06", tr(10), "2025-03-10"),
            pay(10, "CT05", Some("HD-05"), tr(10), None, "2025-03-10"),
            refund_advance(10, "CT05", tr(10), "2025-03-10"),
        ] {
            let refusal = rules.state().check_with(&e, older).unwrap_err();
            assert_eq!(refusal.code.as_str(), "unknown_type", "{e:?} under {older}");
        }
    }
}

#[test]
fn the_import_format_round_trips_and_refuses_bad_payment_fields() {
    for e in [
        advance(10, "CT05", Some("HD-05"), tr(100), "2025-03-10"),
        commit(11, "CT05", "HD-06", tr(10), "2025-03-10"),
        pay(12, "CT05", Some("HD-05"), tr(10), Some(tr(5)), "2025-03-10"),
        refund_advance(13, "CT05", tr(10), "2025-03-10"),
    ] {
        let back = socai::core::event::parse_value(&socai::core::event::to_json(&e)).unwrap();
        assert_eq!(back, e);
    }
    let bad_recovers = money_json(
        14,
        "disburse",
        "2025-03-10",
        json!({"line": "CT05", "amount": "10", "recovers": 5}),
    );
    assert_eq!(json_code(&bad_recovers), "invalid_amount");
    let bad_flag = money_json(
        15,
        "refund",
        "2025-03-10",
        json!({"line": "CT05", "amount": "10", "advance": "yes"}),
    );
    assert_eq!(json_code(&bad_flag), "malformed");
    let no_payee = money_json(
        16,
        "commit",
        "2025-03-10",
        json!({"line": "CT05", "contract": "HD", "amount": "10"}),
    );
    assert_eq!(json_code(&no_payee), "missing_field");
}
