//! The rules of works (công trình, issue 13), rules version 3: `open_work` registers a work
//! once; `contribute` names a registered work; an allocation, withdrawal, transfer or reversal
//! that would take a registered work's cumulative allocation above its approved total
//! investment is `over_total_investment` (`rule_data::TOTAL_INVESTMENT_SOURCE`).
//!
//! A work's cumulative allocation is allocations − withdrawals ± transfers over every
//! investment line that names it in `work` (normal form), all plan years, whatever their effective dates: a
//! carry-over moves money between years of the same work and is not counted again. Lines that
//! name a work nobody registered are counted too (a later `open_work` must cover them) but
//! are never refused: they keep working as before works were registered.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::core::event::{Capital, Event, Kind, Work};
use crate::core::rejection::{Code, Detail, Rejection};
use crate::core::rule_data::TOTAL_INVESTMENT_SOURCE;
use crate::core::rules::{Recorded, State};
use crate::core::works_annex::work_key;

/// What the rules keep about works, by work key (see `works_annex::work_key`).
#[derive(Default)]
pub struct Works {
    /// Registered works: code as registered and approved total investment.
    registered: HashMap<String, (String, Decimal)>,
    /// Cumulative allocation of every work a line names, registered or not.
    allocated: HashMap<String, Decimal>,
}

impl Works {
    /// The cumulative allocation of the lines naming `work`.
    pub fn allocated(&self, work: &str) -> Decimal {
        self.allocated
            .get(&work_key(work))
            .copied()
            .unwrap_or_default()
    }
}

/// `event` itself with `sign`, or for a reversal its target with the opposite sign.
/// A target read back from the archive is owned (see `core::held`).
fn effective<'a>(
    state: &'a State,
    event: &'a Event,
    sign: i32,
) -> Option<(std::borrow::Cow<'a, Event>, i32)> {
    use std::borrow::Cow;
    match &event.kind {
        Kind::Reverse { target, .. } => {
            let seq = state.seq_of(target)?;
            let event = match state.record(seq)? {
                Cow::Borrowed(r) => Cow::Borrowed(&r.event),
                Cow::Owned(r) => Cow::Owned(r.event),
            };
            Some((event, -sign))
        }
        _ => Some((Cow::Borrowed(event), sign)),
    }
}

impl State {
    /// The change `event` (with `sign`) makes to each work's cumulative allocation. Runs for
    /// every event at open: events that touch no line naming a work allocate nothing (`Vec`
    /// stays empty until a change is found).
    fn allocation_changes(&self, event: &Event, sign: i32) -> Vec<(String, Decimal)> {
        let Some((event, sign)) = effective(self, event, sign) else {
            return Vec::new();
        };
        let event = event.as_ref();
        let s = Decimal::from(sign);
        let moves: [Option<(&str, Decimal)>; 2] = match &event.kind {
            Kind::Allocate { line, amount } => [Some((line, amount.value())), None],
            Kind::Reduce { line, amount } => [Some((line, -amount.value())), None],
            Kind::Transfer { from, to, amount } => {
                [Some((from, -amount.value())), Some((to, amount.value()))]
            }
            _ => [None, None],
        };
        let mut out: Vec<(String, Decimal)> = Vec::new();
        for (line, amount) in moves.into_iter().flatten() {
            // A work's total investment caps its investment capital only.
            let spec = self.line(line).filter(|l| l.capital == Capital::Investment);
            let Some(work) = spec.and_then(|l| l.work.as_deref()) else {
                continue;
            };
            let key = work_key(work);
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, d)) => *d += s * amount,
                None => out.push((key, s * amount)),
            }
        }
        out
    }

    /// Keeps `works` as `recorded` is applied (`sign` 1) or rolled back (-1).
    pub(super) fn note_work_facts(&mut self, recorded: &Recorded, sign: i32) {
        let registered = match effective(self, &recorded.event, sign) {
            Some((e, s)) => match &e.kind {
                Kind::OpenWork(w) => Some((w.work.clone(), w.total_investment.value(), s)),
                _ => None,
            },
            None => None,
        };
        if let Some((work, total, s)) = registered {
            if s > 0 {
                self.works.registered.insert(work_key(&work), (work, total));
            } else {
                self.works.registered.remove(&work_key(&work));
            }
        }
        for (key, change) in self.allocation_changes(&recorded.event, sign) {
            let a = self.works.allocated.entry(key.clone()).or_default();
            *a += change;
            if a.is_zero() {
                self.works.allocated.remove(&key);
            }
        }
    }

    /// The checks of works under rules version 3.
    pub(super) fn check_works(&self, event: &Event) -> Result<(), Rejection> {
        match &event.kind {
            Kind::OpenWork(w) => {
                let Work {
                    work,
                    total_investment,
                    ..
                } = &**w;
                let key = work_key(work);
                if let Some((code, _)) = self.works.registered.get(&key) {
                    return Err(Rejection::new(
                        Code::WorkExists,
                        Detail::Work {
                            work: work.to_string(),
                            registered_as: Some(code.to_string()),
                        },
                        format!("work {work:?} is already registered (as {code:?})"),
                    ));
                }
                let allocated = self.works.allocated(work);
                if allocated > total_investment.value() {
                    return Err(over(work, allocated, total_investment.value()));
                }
            }
            Kind::Contribute { work, .. } => {
                if !self.works.registered.contains_key(&work_key(work)) {
                    return Err(Rejection::new(
                        Code::UnknownWork,
                        Detail::Work {
                            work: work.to_string(),
                            registered_as: None,
                        },
                        format!("work {work:?} is not registered: record its open_work first"),
                    ));
                }
            }
            _ => {
                for (key, change) in self.allocation_changes(event, 1) {
                    let Some((code, total)) = self.works.registered.get(&key) else {
                        continue;
                    };
                    let after = self.works.allocated(&key) + change;
                    if change > Decimal::ZERO && after > *total {
                        return Err(over(code, after, *total));
                    }
                }
            }
        }
        Ok(())
    }
}

fn over(work: &str, allocated: Decimal, total: Decimal) -> Rejection {
    Rejection::new(
        Code::OverTotalInvestment,
        Detail::TotalInvestment {
            work: work.to_string(),
            allocated,
            total,
            source: TOTAL_INVESTMENT_SOURCE,
        },
        format!(
            "work {work:?}: cumulative allocation over all its lines and plan years would be \
             {allocated} đồng, above its approved total investment of {total} đồng \
             ({TOTAL_INVESTMENT_SOURCE})"
        ),
    )
}
