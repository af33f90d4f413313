//! What a fold over a view needs before it meets the many money events, so that a figure
//! over a million events can be computed from a log read back in parts (`app::source::Log`)
//! with the memory of the figure, not of the records: the few records that shape the lines
//! (`shapes`: every line's declaration and deadline settings, the registered documents and
//! indicators), and which records a reversal the view knows cancels (`Reversals`), from the
//! rules (a store read back) or from the records in memory.

use std::collections::HashSet;

use uuid::Uuid;

use crate::core::event::Kind;
use crate::core::rules::{Recorded, State};

/// Which records a view's reversals cancel (a reversal counts when the view knows it,
/// whatever its own effective date; see `projection`).
pub enum Reversals<'a> {
    /// The targets of the reversals among records in memory (already cut at `known_at`).
    Targets(HashSet<Uuid>),
    /// The rules' record of every reversal in the log, cut at `known_at`.
    Rules { state: &'a State, known_at: u64 },
}

impl Reversals<'_> {
    /// The reversals among `known` (the records a view can see).
    pub fn among(known: &[Recorded]) -> Reversals<'static> {
        Reversals::Targets(
            known
                .iter()
                .filter_map(|r| match &r.event.kind {
                    Kind::Reverse { target, .. } => Some(*target),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Whether a reversal the view knows cancels `r`.
    pub fn cancels(&self, r: &Recorded) -> bool {
        match self {
            Reversals::Targets(targets) => targets.contains(&r.event.id),
            Reversals::Rules { state, known_at } => {
                state.reversed_by(r.seq).is_some_and(|by| by <= *known_at)
            }
        }
    }
}

/// Whether a record shapes the lines or states a fact, rather than moving money: the few
/// records a fold keeps whole (a few hundred in a log of a million).
pub fn shapes(r: &Recorded) -> bool {
    matches!(
        r.event.kind,
        Kind::OpenLine(_)
            | Kind::SetDeadline { .. }
            | Kind::RegisterDocument(_)
            | Kind::RecordIndicator(_)
    )
}
