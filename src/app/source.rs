//! What a query reads: `core::chain::Chain`, the acknowledged records with their chain
//! hashes. The CLI reads a `Ledger`'s chain, the server its log view's; every query answers
//! through the same view rule, so a view is pinned, and its provenance found, the same way
//! whichever door asked.

use chrono::{NaiveDate, Utc};

pub use crate::core::chain::Chain;
use crate::core::known_at::{self, KnownAt, KnownAtError};
use crate::core::projection::View;

/// The view `(as_of, known_at)`: `known_at` (a sequence or a past moment) defaults to the
/// head and may not lie beyond it.
pub fn view(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
) -> Result<View, KnownAtError> {
    known_at::view(chain.records(), as_of, known_at, Utc::now())
}
