//! One verification at a time. `GET /v1/verify` reads and re-checks the whole log into memory
//! (about 180 MB at 210k events); 16 at once reached 3.2 GB. A second request while one runs
//! is answered at once with 503 `verify_busy` and `Retry-After`, rather than queued: a
//! verification's answer is only as recent as its start anyway.

use tokio::sync::OwnedSemaphorePermit;

use axum::http::StatusCode;

use crate::server::AppState;
use crate::server::api_error::ApiError;

/// Seconds a refused client is told to wait (a verification of 1M events takes about that).
pub const RETRY_AFTER_SECONDS: u64 = 10;

/// The permit to verify, to be held until the verification ends.
pub fn enter(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    state.verifying.clone().try_acquire_owned().map_err(|_| {
        ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "verify_busy",
            crate::present::api_problems::ApiProblem::VerifyBusy {
                retry: RETRY_AFTER_SECONDS,
            },
        )
        .with("retry_after", RETRY_AFTER_SECONDS)
    })
}
