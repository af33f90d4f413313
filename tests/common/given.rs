//! A pure given/when/then harness for rule-only tests: the rules' in-memory state
//! (`core::rules::State`), batches checked and applied the way the ledger's writer does it
//! (each event checked after the ones before it, an identical resend counted as already
//! present, the whole batch rolled back at the first refusal), and figures read through the
//! same projection as every report. No store, no sled, no fsync: thousands of these run in the
//! time one store opens.
//!
//! ```ignore
//! let mut rules = given(vec![open(1, "L"), allocate(2, "L", 100, "2025-03-01")]);
//! assert_eq!(rules.when(vec![disburse(3, "L", 101, "2025-03-02")]).refused_one(), "insufficient_funds");
//! rules.when(vec![disburse(3, "L", 100, "2025-03-02")]).accepted();
//! assert_eq!(rules.then_figures("L", "2025-12-31", None), pd(100, 100));
//! ```

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use socai::core::event::Event;
use socai::core::known_at::view_at_seq;
use socai::core::projection::balances;
use socai::core::rules::{Recorded, State, Verdict};

use super::events::date;

/// The rules' state after the given batches.
pub struct Rules {
    state: State,
}

/// What the rules decided about one batch, and the head before and after it.
pub struct Then {
    outcome: Result<Accepted, (usize, &'static str)>,
    head_before: u64,
    head_after: u64,
}

/// An accepted batch: the sequences it added and how many events were already present.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    pub seqs: Vec<u64>,
    pub already_present: usize,
}

/// The recording time of every batch: the rules never read it (only `known_at` moments do,
/// and rule tests pin views by sequence).
fn recorded_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 31, 0, 0, 0).unwrap()
}

/// Rules that accepted `events` as one batch (panics, naming the refusal, if they did not).
pub fn given(events: Vec<Event>) -> Rules {
    Rules {
        state: State::new(),
    }
    .and(events)
}

impl Rules {
    /// Another batch the rules must accept, as part of the setting.
    pub fn and(mut self, events: Vec<Event>) -> Rules {
        self.when(events).accepted();
        self
    }

    /// Checks and applies one batch, all or nothing.
    pub fn when(&mut self, events: Vec<Event>) -> Then {
        let start = self.state.head_seq();
        let mut already_present = 0;
        let mut outcome = Ok(());
        for (index, event) in events.into_iter().enumerate() {
            match self.state.check(&event) {
                Ok(Verdict::New) => {
                    let seq = self.state.head_seq() + 1;
                    self.state.apply(Recorded {
                        seq,
                        recorded_at: recorded_at(),
                        event,
                        rules: socai::core::rule_data::CURRENT,
                    });
                }
                Ok(Verdict::AlreadyPresent(_)) => already_present += 1,
                Err(rejection) => {
                    self.state.rollback(start);
                    outcome = Err((index, rejection.code.as_str()));
                    break;
                }
            }
        }
        let head_after = self.state.head_seq();
        Then {
            outcome: outcome.map(|()| Accepted {
                seqs: (start + 1..=head_after).collect(),
                already_present,
            }),
            head_before: start,
            head_after,
        }
    }

    pub fn head_seq(&self) -> u64 {
        self.state.head_seq()
    }

    /// (plan, disbursed) of `line` as of a date and knowledge point; panics when the line is
    /// not listed.
    pub fn then_figures(
        &self,
        line: &str,
        as_of: &str,
        known_at: Option<u64>,
    ) -> (Decimal, Decimal) {
        figures(self.state.records(), line, as_of, known_at)
    }
}

/// (plan, disbursed) of `line` in the view of `records` as of a date and knowledge point (the
/// head when None), through the projection every report uses; panics when it is not listed.
pub fn figures(
    records: &[Recorded],
    line: &str,
    as_of: &str,
    known_at: Option<u64>,
) -> (Decimal, Decimal) {
    let view = view_at_seq(records.len() as u64, date(as_of), known_at).expect("view");
    let lines = balances(records, view, None);
    let b = lines
        .iter()
        .find(|b| b.spec.line == line)
        .unwrap_or_else(|| panic!("line {line} is not listed at {as_of} / {known_at:?}"));
    (b.plan, b.disbursed)
}

impl Then {
    /// The batch was accepted: the sequences it added.
    pub fn accepted(self) -> Accepted {
        match self.outcome {
            Ok(accepted) => accepted,
            Err((index, code)) => panic!("batch refused at event {index}: {code}"),
        }
    }

    /// The batch was refused: (index of the refused event, rejection code). Checks that
    /// nothing of it was applied.
    pub fn refused(self) -> (usize, &'static str) {
        assert_eq!(
            self.head_after, self.head_before,
            "a refused batch must leave nothing behind"
        );
        match self.outcome {
            Err(refusal) => refusal,
            Ok(accepted) => panic!("expected a refusal, the batch was accepted: {accepted:?}"),
        }
    }

    /// A one-event batch was refused: its code.
    pub fn refused_one(self) -> &'static str {
        let (index, code) = self.refused();
        assert_eq!(index, 0);
        code
    }
}

impl Rules {
    /// The records the rules hold (for views other than `then_figures`).
    pub fn records(&self) -> &[Recorded] {
        self.state.records()
    }

    /// The rules' state, for checks under an older rules version.
    pub fn state(&self) -> &State {
        &self.state
    }
}
