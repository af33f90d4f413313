//! `GET /v1/events?stored=true`: each entry with its stored envelope, byte for byte, for
//! replicas (which must hold the very same bytes, whatever format version wrote them).

use serde_json::Value;

use axum::http::StatusCode;

use crate::present::api_problems::{ApiProblem, Step};
use crate::server::api_error::ApiError;
use crate::server::log_view::Log;
use crate::storage::LogReader;

/// Adds each entry's stored envelope (hex), read from the log on disk; its stored hash must be
/// the verified chain's, or the store is refusing to hand out bytes it cannot vouch for.
pub fn add_envelopes(
    reader: &LogReader,
    log: &Log,
    after: u64,
    entries: &mut [Value],
) -> Result<(), ApiError> {
    let upto = after + entries.len() as u64;
    let stored = reader
        .stored(after, upto)
        .map_err(|e| ApiError::fault(Step::StoredRead, e))?;
    for (i, ((hash, bytes), entry)) in stored.iter().zip(entries.iter_mut()).enumerate() {
        let seq = after + 1 + i as u64;
        if log.hash_of(seq) != Some(*hash) {
            return Err(ApiError::of(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                ApiProblem::StoredDiffers { seq },
            ));
        }
        entry["envelope"] = Value::String(hex::encode(bytes));
    }
    Ok(())
}
