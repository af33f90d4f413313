//! The payment rules (rules version 3, issue 13): contracts registered by `commit`, advances
//! and their recovery, and the caps of the rule data. Part of `rules::State`, kept apart like
//! `rules_budget`.
//!
//! Per contract (a `commit`'s contract code on its line; several commits of the same code on
//! the same line add up, e.g. an amendment) the state keeps its amount and what was paid under
//! it. The line-level invariants (available, advance outstanding and commitment outstanding
//! never below zero at any day's end) are the day-end checks of `rules`; the checks here are
//! the per-contract ones, on everything currently known (whatever the dates):
//! - `unknown_contract`: a payment or advance naming a contract not committed on its line;
//! - `exceeds_contract`: advances + cash payments under a contract beyond its amount;
//! - `recovery_exceeds_advance`: `recovers` above the payment's amount or above what was
//!   advanced and not yet recovered under the contract;
//! - `advance_over_limit`: advances under a contract above its cap (`rule_data::ADVANCE_CAPS`).
//!
//! Reversals. Reversing a commit is refused while payments under it would exceed what remains
//! (`exceeds_contract`); reversing an advance is refused while its recoveries would exceed what
//! remains advanced (`recovery_exceeds_advance`): reverse the recovering payments first. A
//! recovery is never silently re-attributed.

use rust_decimal::Decimal;

use crate::core::event::{Capital, Event, Kind};
use crate::core::rejection::{Code, ContractFinding, Detail, Rejection};
use crate::core::rule_data;
use crate::core::rules::{Recorded, State};

/// What the rules know of one contract on one line (non-reversed events only).
#[derive(Clone, Debug, Default)]
pub struct Contract {
    /// Sum of its commits.
    pub amount: Decimal,
    /// Advances paid under it.
    pub advanced: Decimal,
    /// Recoveries naming it (`recovers` of payments under it).
    pub recovered: Decimal,
    /// Cash paid under it: advances + (amount − recovers) of its payments.
    pub paid: Decimal,
}

/// Contracts by (line, contract code).
pub type Contracts = std::collections::HashMap<(String, String), Contract>;

/// How one event changes one contract.
struct ContractChange<'a> {
    line: &'a str,
    contract: &'a str,
    amount: Decimal,
    advanced: Decimal,
    recovered: Decimal,
    paid: Decimal,
}

fn change_of(event: &Event) -> Option<ContractChange<'_>> {
    let zero = Decimal::ZERO;
    match &event.kind {
        Kind::Commit {
            line,
            contract,
            amount,
            ..
        } => Some(ContractChange {
            line,
            contract,
            amount: amount.value(),
            advanced: zero,
            recovered: zero,
            paid: zero,
        }),
        Kind::Advance {
            line,
            amount,
            contract: Some(contract),
            ..
        } => Some(ContractChange {
            line,
            contract,
            amount: zero,
            advanced: amount.value(),
            recovered: zero,
            paid: amount.value(),
        }),
        Kind::Disburse {
            line,
            amount,
            contract: Some(contract),
            recovers,
            ..
        } => {
            let r = recovers.as_ref().map_or(zero, |r| r.value());
            Some(ContractChange {
                line,
                contract,
                amount: zero,
                advanced: zero,
                recovered: r,
                paid: amount.value() - r,
            })
        }
        _ => None,
    }
}

/// A refusal on a contract, with its facts for the translated message.
fn refuse(
    code: Code,
    message: String,
    (line, contract): (&str, &str),
    found: ContractFinding,
) -> Result<(), Rejection> {
    let facts = Detail::Contract {
        line: line.to_string(),
        contract: contract.to_string(),
        found,
    };
    Err(Rejection::new(code, facts, message))
}

impl State {
    /// The contract `contract` of `line`, if committed and not reversed.
    pub fn contract(&self, line: &str, contract: &str) -> Option<&Contract> {
        self.contracts
            .get(&(line.to_string(), contract.to_string()))
            .filter(|c| c.amount > Decimal::ZERO)
    }

    /// Keeps `contracts` as `recorded` is applied (`sign` 1) or rolled back (-1).
    pub(super) fn note_contract_facts(&mut self, recorded: &Recorded, sign: i32) {
        // Owned key and figures, so that a reversal's target (in `records`) is not borrowed
        // while `contracts` changes; events that touch no contract allocate nothing.
        let found = {
            let target = match &recorded.event.kind {
                Kind::Reverse { target, .. } => {
                    match self.seq_of(target).and_then(|s| self.record(s)) {
                        Some(t) => Some(t),
                        None => return,
                    }
                }
                _ => None,
            };
            let (event, sign) = match &target {
                Some(t) => (&t.event, -sign),
                None => (&recorded.event, sign),
            };
            change_of(event).map(|c| {
                let key = (c.line.to_string(), c.contract.to_string());
                (key, [c.amount, c.advanced, c.recovered, c.paid], sign)
            })
        };
        let Some((key, [amount, advanced, recovered, paid], sign)) = found else {
            return;
        };
        let s = Decimal::from(sign);
        let c = self.contracts.entry(key.clone()).or_default();
        c.amount += s * amount;
        c.advanced += s * advanced;
        c.recovered += s * recovered;
        c.paid += s * paid;
        if c.amount.is_zero() && c.paid.is_zero() && c.advanced.is_zero() {
            self.contracts.remove(&key);
        }
    }

    /// The checks of rules version 3, after the checks every version makes.
    pub(super) fn check_payments(&self, event: &Event) -> Result<(), Rejection> {
        if let Kind::Disburse {
            line,
            amount,
            recovers: Some(r),
            ..
        } = &event.kind
            && r.value() > amount.value()
        {
            let message = format!(
                "payment on line {line:?} recovers {r} đồng of advances, more than its amount {amount}"
            );
            let facts = Detail::PaymentRecovery {
                line: line.to_string(),
                recovered: r.value(),
                amount: amount.value(),
            };
            return Err(Rejection::new(Code::RecoveryExceedsAdvance, facts, message));
        }
        if let Kind::Reverse { target, .. } = &event.kind {
            return self.check_reversed_payment(target);
        }
        let Some(change) = change_of(event) else {
            return Ok(());
        };
        if matches!(event.kind, Kind::Commit { .. }) {
            return Ok(());
        }
        let (line, code) = (change.line, change.contract);
        let Some(c) = self.contract(line, code) else {
            return refuse(
                Code::UnknownContract,
                format!(
                    "{} on line {line:?} names contract {code:?}, which no commit registered on that line",
                    event.kind.type_name()
                ),
                (line, code),
                ContractFinding::Unknown {
                    event_type: event.kind.type_name(),
                },
            );
        };
        if c.paid + change.paid > c.amount {
            return refuse(
                Code::ExceedsContract,
                format!(
                    "{} of {} đồng under contract {code:?} on line {line:?}: paid so far {}, contract amount {}",
                    event.kind.type_name(),
                    change.paid,
                    c.paid,
                    c.amount
                ),
                (line, code),
                ContractFinding::Exceeds {
                    event_type: event.kind.type_name(),
                    paying: change.paid,
                    paid: c.paid,
                    amount: c.amount,
                },
            );
        }
        let outstanding = c.advanced - c.recovered;
        if change.recovered > outstanding {
            return refuse(
                Code::RecoveryExceedsAdvance,
                format!(
                    "payment under contract {code:?} on line {line:?} recovers {} đồng, but only {outstanding} is advanced and not recovered",
                    change.recovered
                ),
                (line, code),
                ContractFinding::RecoveryOverOutstanding {
                    recovering: change.recovered,
                    outstanding,
                },
            );
        }
        if change.advanced > Decimal::ZERO {
            let capital = self.line(line).map_or(Capital::Investment, |s| s.capital);
            self.check_advance_cap(line, code, c, change.advanced, capital)?;
        }
        Ok(())
    }

    fn check_advance_cap(
        &self,
        line: &str,
        code: &str,
        c: &Contract,
        advance: Decimal,
        capital: Capital,
    ) -> Result<(), Rejection> {
        let cap = rule_data::advance_cap(capital);
        if c.amount <= Decimal::from(cap.applies_above) {
            return Ok(());
        }
        let limit = c.amount * Decimal::from(cap.percent) / Decimal::from(100);
        if c.advanced + advance > limit {
            return refuse(
                Code::AdvanceOverLimit,
                format!(
                    "advance of {advance} đồng under contract {code:?} on line {line:?} would bring its advances to {}, over {}% of the contract amount {} ({limit}; {})",
                    c.advanced + advance,
                    cap.percent,
                    c.amount,
                    cap.source
                ),
                (line, code),
                ContractFinding::AdvanceOverLimit {
                    advance,
                    advances_after: c.advanced + advance,
                    percent: cap.percent,
                    amount: c.amount,
                    limit,
                    source: cap.source,
                },
            );
        }
        Ok(())
    }

    /// Reversing a commit or an advance must leave what was paid or recovered under the
    /// contract within what remains.
    fn check_reversed_payment(&self, target: &uuid::Uuid) -> Result<(), Rejection> {
        let Some(record) = self.seq_of(target).and_then(|s| self.record(s)) else {
            return Ok(());
        };
        let Some(change) = change_of(&record.event) else {
            return Ok(());
        };
        let (line, code) = (change.line, change.contract);
        let Some(c) = self.contracts.get(&(line.to_string(), code.to_string())) else {
            return Ok(());
        };
        if change.amount > Decimal::ZERO && c.paid > c.amount - change.amount {
            return refuse(
                Code::ExceedsContract,
                format!(
                    "reversing the commit of contract {code:?} on line {line:?} would leave {} đồng paid under {} of contract: reverse the payments first",
                    c.paid,
                    c.amount - change.amount
                ),
                (line, code),
                ContractFinding::ReverseCommit {
                    paid: c.paid,
                    remaining: c.amount - change.amount,
                },
            );
        }
        if change.advanced > Decimal::ZERO && c.recovered > c.advanced - change.advanced {
            return refuse(
                Code::RecoveryExceedsAdvance,
                format!(
                    "reversing the advance of {} đồng under contract {code:?} on line {line:?} would leave {} recovered of {} advanced: reverse the recovering payments first",
                    change.advanced,
                    c.recovered,
                    c.advanced - change.advanced
                ),
                (line, code),
                ContractFinding::ReverseAdvance {
                    advance: change.advanced,
                    recovered: c.recovered,
                    remaining: c.advanced - change.advanced,
                },
            );
        }
        Ok(())
    }
}
