//! The advances to recover (tạm ứng chưa thu hồi) at a view: per line and contract, what was
//! advanced and not yet recovered, since when, and whether recovery is overdue because the
//! payments under the contract have reached `rule_data::RECOVERY_DUE_PERCENT` of its amount
//! (flagged in reports, never refused). Pure: a fold over the events the view counts.
//!
//! Which advance a recovery recovers. A payment naming a contract recovers that contract's
//! advances on its line; a payment without a contract and a refund of an advance (`refund`
//! names no contract) recover the line's advances. In both cases the oldest first (by
//! effective date, then sequence): the line's total outstanding is exact either way, and the
//! rules refuse any recovery above what is outstanding.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::core::event::Kind;
use crate::core::projection::{View, counted};
use crate::core::rule_data;
use crate::core::rules::Recorded;

/// One row of the list: the outstanding advances of one line, contract and payee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvanceDue {
    pub line: String,
    pub contract: Option<String>,
    pub payee: Option<String>,
    /// Advanced and not recovered, in đồng.
    pub outstanding: Decimal,
    /// Effective date of the oldest advance not fully recovered.
    pub since: NaiveDate,
    /// Days from `since` to the view's date.
    pub age_days: i64,
    /// The contract's amount and the value of completed volume paid under it (when the
    /// advance names a registered contract).
    pub contract_amount: Option<Decimal>,
    pub completed: Option<Decimal>,
    /// Payments under the contract reached the recovery threshold with advances outstanding.
    pub flagged: bool,
}

/// One advance, and what of it is not recovered yet.
struct Lot {
    line: String,
    contract: Option<String>,
    payee: Option<String>,
    date: NaiveDate,
    remaining: Decimal,
}

/// Takes `amount` off the oldest lots that `matches` accepts.
fn recover(lots: &mut [Lot], mut amount: Decimal, matches: impl Fn(&Lot) -> bool) {
    for lot in lots.iter_mut().filter(|l| matches(l)) {
        if amount <= Decimal::ZERO {
            break;
        }
        let take = lot.remaining.min(amount);
        lot.remaining -= take;
        amount -= take;
    }
}

/// Per contract (line, code): its amount and the value of completed volume paid under it.
type ContractFigures = BTreeMap<(String, String), (Decimal, Decimal)>;

/// Whether a record can move an advance's lot or a contract's figures: the only records
/// `advances_to_recover` reads, so a fold may keep just these and ask it about them.
pub fn concerns(r: &Recorded) -> bool {
    match &r.event.kind {
        Kind::Advance { .. } | Kind::Commit { .. } => true,
        Kind::Disburse {
            contract, recovers, ..
        } => contract.is_some() || recovers.is_some(),
        Kind::Refund { advance, .. } => *advance,
        _ => false,
    }
}

/// The advances to recover at `view`, by line, contract and payee.
pub fn advances_to_recover(records: &[Recorded], view: View) -> Vec<AdvanceDue> {
    let mut events: Vec<&Recorded> = counted(records, view).collect();
    events.sort_by_key(|r| (r.event.effective_date, r.seq));
    let mut lots: Vec<Lot> = Vec::new();
    let mut contracts: ContractFigures = BTreeMap::new();
    for r in events {
        match &r.event.kind {
            Kind::Advance {
                line,
                amount,
                payee,
                contract,
            } => lots.push(Lot {
                line: line.clone(),
                contract: contract.clone(),
                payee: payee.clone(),
                date: r.event.effective_date,
                remaining: amount.value(),
            }),
            Kind::Disburse {
                line,
                amount,
                contract,
                recovers,
                ..
            } => {
                if let Some(c) = contract {
                    let key = (line.clone(), c.clone());
                    contracts.entry(key).or_default().1 += amount.value();
                }
                if let Some(rec) = recovers {
                    recover(&mut lots, rec.value(), |l| {
                        l.line == *line && (contract.is_none() || l.contract == *contract)
                    });
                }
            }
            Kind::Refund {
                line,
                amount,
                advance: true,
            } => recover(&mut lots, amount.value(), |l| l.line == *line),
            Kind::Commit {
                line,
                contract,
                amount,
                ..
            } => {
                let key = (line.clone(), contract.clone());
                contracts.entry(key).or_default().0 += amount.value();
            }
            _ => {}
        }
    }
    rows(lots, &contracts, view.as_of)
}

/// Groups the lots still outstanding into rows, in (line, contract, payee) order.
fn rows(lots: Vec<Lot>, contracts: &ContractFigures, as_of: NaiveDate) -> Vec<AdvanceDue> {
    type Key = (String, Option<String>, Option<String>);
    let mut grouped: BTreeMap<Key, (Decimal, NaiveDate)> = BTreeMap::new();
    for lot in lots.into_iter().filter(|l| l.remaining > Decimal::ZERO) {
        let entry = grouped
            .entry((lot.line, lot.contract, lot.payee))
            .or_insert((Decimal::ZERO, lot.date));
        entry.0 += lot.remaining;
        entry.1 = entry.1.min(lot.date);
    }
    let due = Decimal::from(rule_data::RECOVERY_DUE_PERCENT);
    grouped
        .into_iter()
        .map(|((line, contract, payee), (outstanding, since))| {
            let figures = contract
                .as_ref()
                .and_then(|c| contracts.get(&(line.clone(), c.clone())));
            let flagged = figures.is_some_and(|&(amount, completed)| {
                amount > Decimal::ZERO && completed * Decimal::ONE_HUNDRED >= due * amount
            });
            AdvanceDue {
                line,
                contract,
                payee,
                outstanding,
                since,
                age_days: (as_of - since).num_days(),
                contract_amount: figures.map(|f| f.0),
                completed: figures.map(|f| f.1),
                flagged,
            }
        })
        .collect()
}
