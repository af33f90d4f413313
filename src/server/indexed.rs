//! Queries a persisted projection answers exactly (`balances`, `summary`), answered from the
//! store's index files (`app::indexed_query`) instead of scanning the log view: 180 ms at 1M
//! events from the log, a few from the index.
//!
//! The writer extends the index during each group commit and names it in its mark only once
//! the group is durable, so the index is at or ahead of the acknowledged log the view holds.
//! An answer from it is pinned to the view: the view says which `(as_of, known_at)` is asked
//! (a moment is resolved through the view's recording times, the head is the acknowledged
//! one, so a record durable but not yet acknowledged is never counted), and the index must
//! hold the very chain hash the view acknowledged at its head. Anything else (no index, a
//! stale or damaged one, a file the writer is rewriting, which fails its checksum) answers
//! `None`, and the log view answers instead.

use std::path::Path;

use crate::app::indexed_query;
use crate::app::query::{Answer, Query};
use crate::app::source::{Chain, view};
use crate::core::known_at::KnownAt;
use crate::core::unit::Unit;
use crate::storage::index::{Fallback, IndexReader};

/// The answer from the index, or `None` when the log must answer (a question the index does
/// not answer, a view it does not cover, or an index that cannot be trusted). `store` is the
/// directory of the store this process holds, `chain` the acknowledged log.
pub fn answer(store: &Path, chain: Chain<'_>, query: &Query) -> Option<Answer> {
    let pinned = pinned(chain, query)?;
    let found = from_index(store, chain, &pinned);
    kept(found, &pinned, chain.unit(), "answering from the log view")
}

/// The index's answer (naming the unit), or `None` with the reason logged after `instead`.
fn kept(
    found: Result<Option<Answer>, Fallback>,
    query: &Query,
    unit: Option<&Unit>,
    instead: &str,
) -> Option<Answer> {
    match found {
        Ok(answer) => answer.map(|a| with_unit(a, query, unit)),
        Err(Fallback::Rebuild(why)) => {
            tracing::debug!("{instead}: {why}");
            None
        }
        Err(Fallback::Store(e)) => {
            tracing::warn!("{instead}: {e}");
            None
        }
    }
}

/// The query with its knowledge point resolved against the acknowledged log (a sequence), or
/// `None` for a question the index does not answer or a view the log must refuse (its error
/// is worded by the log's path).
fn pinned(chain: Chain<'_>, query: &Query) -> Option<Query> {
    let mut pinned = query.clone();
    let (as_of, known_at) = match &mut pinned {
        Query::Balance {
            as_of, known_at, ..
        }
        | Query::Summary {
            as_of, known_at, ..
        } => (*as_of, known_at),
        _ => return None,
    };
    let resolved = view(chain, as_of, *known_at).ok()?;
    *known_at = Some(KnownAt::Seq(resolved.known_at));
    Some(pinned)
}

fn from_index(store: &Path, chain: Chain<'_>, query: &Query) -> Result<Option<Answer>, Fallback> {
    let reader = IndexReader::open_held(store)?;
    let head = chain.head_seq();
    if reader.head_seq() < head {
        return Err(Fallback::Rebuild(format!(
            "the index reflects sequence {} but {head} are acknowledged",
            reader.head_seq()
        )));
    }
    // The index must speak for this very chain, at the head the view acknowledged.
    if reader.hash_of(head)? != chain.hash_of(head) {
        return Err(Fallback::Rebuild(format!(
            "the index's hash of sequence {head} is not the acknowledged one"
        )));
    }
    indexed_query::answer_from(&reader, query)
}

/// The answer from the index before the store is verified (`server::verified`): as a cold
/// `socai balance` gives it, HEAD and the index mark agreeing and every file the one the mark
/// lists; `None` for any other question or any doubt (the verified log then answers).
/// `unit` is the one read from the store (checked by the verification under way).
pub fn before_verified(store: &Path, unit: Option<&Unit>, query: &Query) -> Option<Answer> {
    if !matches!(query, Query::Balance { .. } | Query::Summary { .. }) {
        return None;
    }
    let found = IndexReader::open_beside_head(store)
        .and_then(|reader| indexed_query::answer_from(&reader, query));
    kept(found, query, unit, "waiting for the verified log")
}

/// The JSON balances name the store's unit, as the log's answer does.
fn with_unit(answer: Answer, query: &Query, unit: Option<&Unit>) -> Answer {
    match (answer, query) {
        (Answer::Json(value), Query::Balance { .. }) => {
            Answer::Json(crate::app::unit::with_unit(value, unit))
        }
        (other, _) => other,
    }
}
