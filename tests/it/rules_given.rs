//! The ledger's rules without a store: the rejection codes of checks between events and the
//! day-end invariant under backdating and reversals, through the pure given/when/then harness
//! (`tests/common/given.rs`: the rules' state in memory, batches all or nothing as the writer
//! applies them). Moved from tests/rules.rs with the same assertions; what needs a store
//! (hashes, reopening, sequences on disk, views over a real log) stays there. Every expected
//! figure is worked out by hand from the rules in issue 2.

use crate::common;

use common::events::*;
use common::given::{Rules, given};

/// Lines of every kind the pair rules distinguish.
fn given_lines() -> Rules {
    given(lines_of_every_kind())
}

#[test]
fn money_events_on_a_line_never_opened_are_refused_as_unknown_line() {
    let mut f = given_lines().and(vec![allocate(10, "R25", 100, "2025-03-01")]);
    assert_eq!(
        f.when(vec![allocate(11, "NOPE", 100, "2025-03-01")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![reduce(11, "NOPE", 100, "2025-03-01")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![disburse(11, "NOPE", 1, "2025-03-01")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![refund(11, "NOPE", 1, "2025-03-01")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![transfer(11, "R25", "NOPE", 10, "2025-03-02")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![transfer(11, "NOPE", "R25", 10, "2025-03-02")])
            .refused_one(),
        "unknown_line"
    );
    assert_eq!(
        f.when(vec![carry_over(11, "R24", "NOPE", 10, "2025-03-02")])
            .refused_one(),
        "unknown_line"
    );
}

#[test]
fn opening_a_line_twice_is_refused_as_line_exists() {
    let mut f = given(vec![open(1, "L")]);
    assert_eq!(f.when(vec![open(2, "L")]).refused_one(), "line_exists");
    assert_eq!(
        f.when(vec![open_with(2, "L", "investment", 2024, "extended")])
            .refused_one(),
        "line_exists"
    );
    // Inside one batch too.
    assert_eq!(
        f.when(vec![open(3, "M"), open(4, "M")]).refused(),
        (1, "line_exists")
    );
}

#[test]
fn disbursing_more_than_the_plan_is_refused_as_insufficient_funds() {
    let mut f = given(vec![open(1, "L"), allocate(2, "L", 100, "2025-03-01")]);
    assert_eq!(
        f.when(vec![disburse(3, "L", 101, "2025-03-02")])
            .refused_one(),
        "insufficient_funds"
    );
    // Exactly the plan is fine.
    f.when(vec![disburse(3, "L", 100, "2025-03-02")]).accepted();
    assert_eq!(
        f.when(vec![disburse(4, "L", 1, "2025-03-03")])
            .refused_one(),
        "insufficient_funds"
    );
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 100));
}

#[test]
fn reducing_the_plan_below_what_was_disbursed_is_refused_as_insufficient_funds() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 60, "2025-03-02"),
    ]);
    assert_eq!(
        f.when(vec![reduce(4, "L", 50, "2025-03-03")]).refused_one(),
        "insufficient_funds"
    );
    f.when(vec![reduce(4, "L", 40, "2025-03-03")]).accepted();
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(60, 60));
    // A plan cannot be reduced below zero either.
    let mut g = given(vec![open(1, "L"), allocate(2, "L", 10, "2025-03-01")]);
    assert_eq!(
        g.when(vec![reduce(3, "L", 11, "2025-03-02")]).refused_one(),
        "insufficient_funds"
    );
}

#[test]
fn transfers_and_carry_overs_cannot_move_more_than_is_available() {
    let mut f = given_lines().and(vec![
        allocate(10, "R25", 100, "2025-03-01"),
        disburse(11, "R25", 30, "2025-03-02"),
        allocate(12, "R24", 100, "2024-03-01"),
        disburse(13, "R24", 70, "2024-10-01"),
    ]);
    // R25 has 70 available, R24 has 30.
    assert_eq!(
        f.when(vec![transfer(20, "R25", "R25b", 71, "2025-03-05")])
            .refused_one(),
        "insufficient_funds"
    );
    assert_eq!(
        f.when(vec![carry_over(20, "R24", "R25co", 31, "2025-01-10")])
            .refused_one(),
        "insufficient_funds"
    );
    f.when(vec![
        transfer(20, "R25", "R25b", 70, "2025-03-05"),
        carry_over(21, "R24", "R25co", 30, "2025-01-10"),
    ])
    .accepted();
    assert_eq!(f.then_figures("R25", "2025-12-31", None), pd(30, 30));
    assert_eq!(f.then_figures("R25b", "2025-12-31", None), pd(70, 0));
    // A carry-over out is its own column (issue 12): R24 keeps the plan it was given.
    assert_eq!(f.then_figures("R24", "2025-12-31", None), pd(100, 70));
    assert_eq!(f.then_figures("R25co", "2025-12-31", None), pd(30, 0));
}

#[test]
fn refunding_more_than_was_disbursed_is_refused_as_refund_exceeds_disbursed() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 40, "2025-03-05"),
    ]);
    assert_eq!(
        f.when(vec![refund(4, "L", 41, "2025-03-06")]).refused_one(),
        "refund_exceeds_disbursed"
    );
    // A refund backdated before the disbursement it returns is refused too.
    assert_eq!(
        f.when(vec![refund(4, "L", 10, "2025-03-04")]).refused_one(),
        "refund_exceeds_disbursed"
    );
    f.when(vec![refund(4, "L", 40, "2025-03-06")]).accepted();
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 0));
}

#[test]
fn moving_plan_from_a_line_to_itself_is_refused_as_same_line() {
    let mut f = given_lines().and(vec![
        allocate(10, "R25", 100, "2025-03-01"),
        allocate(11, "R24", 100, "2024-03-01"),
    ]);
    assert_eq!(
        f.when(vec![transfer(20, "R25", "R25", 10, "2025-03-02")])
            .refused_one(),
        "same_line"
    );
    assert_eq!(
        f.when(vec![carry_over(20, "R24", "R24", 10, "2025-01-10")])
            .refused_one(),
        "same_line"
    );
}

#[test]
fn moving_plan_between_capital_types_is_refused_as_capital_mismatch() {
    let mut f = given_lines().and(vec![
        allocate(10, "R25", 100, "2025-03-01"),
        allocate(11, "R24", 100, "2024-03-01"),
        allocate(12, "I24", 100, "2024-03-01"),
    ]);
    assert_eq!(
        f.when(vec![transfer(20, "R25", "I25", 10, "2025-03-02")])
            .refused_one(),
        "capital_mismatch"
    );
    assert_eq!(
        f.when(vec![carry_over(20, "R24", "I25ext", 10, "2025-01-10")])
            .refused_one(),
        "capital_mismatch"
    );
    // The same capital type passes.
    f.when(vec![
        transfer(20, "R25", "R25b", 10, "2025-03-02"),
        carry_over(21, "I24", "I25ext", 10, "2025-01-10"),
    ])
    .accepted();
    assert_eq!(f.then_figures("I25ext", "2025-12-31", None), pd(10, 0));
}

#[test]
fn transfers_across_years_and_carry_overs_not_to_the_next_year_are_year_mismatch() {
    let mut f = given_lines().and(vec![
        allocate(10, "R25", 100, "2025-03-01"),
        allocate(11, "R24", 100, "2024-03-01"),
    ]);
    // A transfer stays within its plan year.
    assert_eq!(
        f.when(vec![transfer(20, "R25", "R24", 10, "2025-03-02")])
            .refused_one(),
        "year_mismatch"
    );
    assert_eq!(
        f.when(vec![transfer(20, "R24", "R25b", 10, "2025-03-02")])
            .refused_one(),
        "year_mismatch"
    );
    // A carry-over goes from year N to year N+1 only.
    assert_eq!(
        f.when(vec![carry_over(20, "R24", "R26co", 10, "2025-01-10")])
            .refused_one(),
        "year_mismatch"
    );
    assert_eq!(
        f.when(vec![carry_over(20, "R25", "R25co", 10, "2025-03-02")])
            .refused_one(),
        "year_mismatch"
    );
    assert_eq!(
        f.when(vec![carry_over(20, "R25", "R24", 10, "2025-03-02")])
            .refused_one(),
        "year_mismatch"
    );
}

#[test]
fn carrying_over_into_an_in_year_line_is_refused_as_origin_mismatch() {
    let mut f = given_lines().and(vec![allocate(10, "R24", 100, "2024-03-01")]);
    assert_eq!(
        f.when(vec![carry_over(20, "R24", "R25", 10, "2025-01-10")])
            .refused_one(),
        "origin_mismatch"
    );
    f.when(vec![carry_over(20, "R24", "R25co", 10, "2025-01-10")])
        .accepted();
    assert_eq!(f.then_figures("R25co", "2025-12-31", None), pd(10, 0));
    // Carried out, not cut: R24's plan stays 100 (issue 12).
    assert_eq!(f.then_figures("R24", "2025-12-31", None), pd(100, 0));
}

#[test]
fn reversals_must_name_a_recorded_reversible_event_not_yet_reversed() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        allocate(3, "L", 50, "2025-03-02"),
    ]);
    assert_eq!(
        f.when(vec![reverse(10, 999, "2025-03-05")]).refused_one(),
        "unknown_target"
    );
    assert_eq!(
        f.when(vec![reverse(10, 1, "2025-03-05")]).refused_one(),
        "invalid_target",
        "an open_line cannot be reversed"
    );
    f.when(vec![reverse(10, 3, "2025-03-05")]).accepted();
    assert_eq!(
        f.when(vec![reverse(11, 10, "2025-03-06")]).refused_one(),
        "invalid_target",
        "a reverse cannot be reversed"
    );
    assert_eq!(
        f.when(vec![reverse(11, 3, "2025-03-06")]).refused_one(),
        "already_reversed"
    );
    // Twice in one batch: the second is already_reversed.
    assert_eq!(
        f.when(vec![
            reverse(11, 2, "2025-03-06"),
            reverse(12, 2, "2025-03-06")
        ])
        .refused(),
        (1, "already_reversed")
    );
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 0));
}

#[test]
fn a_backdated_reduce_is_checked_against_every_later_day_end() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 80, "2025-03-10"),
    ]);
    // On 03-05 available would be 70, but on 03-10 it would be 70 − 80 = −10.
    assert_eq!(
        f.when(vec![reduce(4, "L", 30, "2025-03-05")]).refused_one(),
        "insufficient_funds"
    );
    // 20 leaves exactly 0 on 03-10.
    f.when(vec![reduce(4, "L", 20, "2025-03-05")]).accepted();
    assert_eq!(f.then_figures("L", "2025-03-05", None), pd(80, 0));
    assert_eq!(f.then_figures("L", "2025-03-10", None), pd(80, 80));
}

#[test]
fn a_disbursement_backdated_before_its_allocation_is_refused() {
    let mut f = given(vec![open(1, "L"), allocate(2, "L", 100, "2025-03-01")]);
    // Today's balance (100 available) would allow 10, but at the end of 02-28 the plan was 0.
    assert_eq!(
        f.when(vec![disburse(3, "L", 10, "2025-02-28")])
            .refused_one(),
        "insufficient_funds"
    );
    f.when(vec![disburse(3, "L", 10, "2025-03-01")]).accepted();
    assert_eq!(f.then_figures("L", "2025-03-01", None), pd(100, 10));
}

#[test]
fn allocate_and_disburse_on_the_same_day_in_one_batch_pass() {
    let f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 100, "2025-03-01"),
    ]);
    assert_eq!(f.then_figures("L", "2025-03-01", None), pd(100, 100));
}

#[test]
fn reversing_an_allocation_a_later_disbursement_needs_is_refused() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 50, "2025-03-01"),
        allocate(3, "L", 50, "2025-03-02"),
        allocate(4, "L", 20, "2025-03-03"),
        disburse(5, "L", 80, "2025-03-10"),
    ]);
    // Without allocation 3 the plan on 03-10 would be 70 against 80 disbursed.
    assert_eq!(
        f.when(vec![reverse(10, 3, "2025-03-20")]).refused_one(),
        "insufficient_funds"
    );
    // Without allocation 4 it is 100 against 80: fine.
    f.when(vec![reverse(10, 4, "2025-03-20")]).accepted();
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 80));
    // Now even allocation 2 or 3 cannot go.
    assert_eq!(
        f.when(vec![reverse(11, 2, "2025-03-20")]).refused_one(),
        "insufficient_funds"
    );
}

#[test]
fn reversing_a_disbursement_a_later_refund_returns_is_refused() {
    let mut f = given(vec![
        open(1, "L"),
        allocate(2, "L", 100, "2025-03-01"),
        disburse(3, "L", 80, "2025-03-10"),
        disburse(4, "L", 10, "2025-03-11"),
        refund(5, "L", 30, "2025-03-15"),
    ]);
    // Without disbursement 3, disbursed on 03-15 would be 10 − 30 = −20.
    assert_eq!(
        f.when(vec![reverse(10, 3, "2025-03-20")]).refused_one(),
        "refund_exceeds_disbursed"
    );
    // Without disbursement 4 it is 80 − 30 = 50: fine.
    f.when(vec![reverse(10, 4, "2025-03-20")]).accepted();
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 50));
}

#[test]
fn reversing_a_refund_or_a_transfer_whose_money_was_spent_again_is_refused() {
    let mut f = given(vec![
        open(1, "A"),
        open(2, "B"),
        allocate(3, "A", 100, "2025-03-01"),
        disburse(4, "A", 100, "2025-03-05"),
        refund(5, "A", 30, "2025-03-10"),
        disburse(6, "A", 30, "2025-03-15"),
        allocate(7, "B", 60, "2025-03-01"),
        transfer(8, "B", "A", 60, "2025-03-02"),
        disburse(9, "A", 50, "2025-03-16"),
    ]);
    // A: plan 100 + 60 = 160; disbursed 100 − 30 + 30 + 50 = 150.
    assert_eq!(f.then_figures("A", "2025-12-31", None), pd(160, 150));
    // Without the refund, A's disbursed on 03-16 would be 180 against a plan of 160.
    assert_eq!(
        f.when(vec![reverse(20, 5, "2025-03-20")]).refused_one(),
        "insufficient_funds"
    );
    // Without the transfer, A's plan on 03-16 would be 100 against 150 disbursed.
    assert_eq!(
        f.when(vec![reverse(20, 8, "2025-03-20")]).refused_one(),
        "insufficient_funds"
    );
}

#[test]
fn a_duplicate_inside_one_batch_is_recorded_once() {
    let mut f = given(vec![]);
    let appended = f
        .when(vec![
            open(1, "L"),
            allocate(2, "L", 100, "2025-03-01"),
            allocate(2, "L", 100, "2025-03-01"),
        ])
        .accepted();
    assert_eq!(appended.seqs, vec![1, 2]);
    assert_eq!(appended.already_present, 1);
    assert_eq!(f.head_seq(), 2);
    assert_eq!(f.then_figures("L", "2025-12-31", None), pd(100, 0));
}
