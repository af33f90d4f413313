//! What a query reads: the acknowledged records and their chain hashes. The CLI reads a
//! `Ledger`, the server its log view; both answer every query through this one trait, so a
//! view is pinned, and its provenance found, the same way whichever door asked.

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::known_at::{self, KnownAt, KnownAtError};
use crate::core::projection::View;
use crate::core::rules::Recorded;
use crate::ledger::Ledger;
use crate::present::report::Pin;
use crate::storage::Hash;

pub trait Source {
    /// Every acknowledged record, in sequence order (`records()[i].seq == i + 1`).
    fn records(&self) -> &[Recorded];
    /// The chain hash of `seq` (`None` for 0 or beyond the head).
    fn hash_of(&self, seq: u64) -> Option<Hash>;

    /// When the event at `seq` was recorded (`None` for 0 or beyond the head).
    fn recorded_at(&self, seq: u64) -> Option<DateTime<Utc>> {
        let i = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.records().get(i).map(|r| r.recorded_at)
    }

    /// The view `(as_of, known_at)`: `known_at` (a sequence or a past moment) defaults to the
    /// head and may not lie beyond it.
    fn view(&self, as_of: NaiveDate, known_at: Option<KnownAt>) -> Result<View, KnownAtError> {
        known_at::view(self.records(), as_of, known_at, Utc::now())
    }

    /// A view with the hash that identifies what it saw.
    fn pin(&self, view: View) -> Pin {
        Pin {
            view,
            hash: self.hash_of(view.known_at),
        }
    }
}

impl Source for Ledger {
    fn records(&self) -> &[Recorded] {
        Ledger::records(self)
    }
    fn hash_of(&self, seq: u64) -> Option<Hash> {
        Ledger::hash_of(self, seq)
    }
}
