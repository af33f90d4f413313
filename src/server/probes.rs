//! The small answers about the server itself: liveness, readiness, and the unit it serves.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::present::api_problems::ApiProblem;
use crate::server::api_error::ApiError;
use crate::server::handlers::{Shared, json_response};
use crate::server::verified::Phase;

/// The budget unit this store belongs to (`unit` is null for a store without one): what a
/// replica adopts before copying, so that it chains like the source.
pub async fn unit(State(state): Shared) -> Response {
    let unit = state
        .unit
        .as_ref()
        .map_or(Value::Null, crate::app::unit::unit_json);
    json_response(StatusCode::OK, &json!({ "unit": unit }))
}

pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

pub async fn readyz(State(state): Shared) -> Result<Response, ApiError> {
    if *state.shutdown.borrow() {
        return Err(ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            ApiProblem::ShuttingDown,
        ));
    }
    if !state.store_ok.load(Ordering::SeqCst) {
        return Err(ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            ApiProblem::StoreFailed,
        ));
    }
    // Ready before the store is verified (`server::verified`): `verified` says whether it is,
    // and `head_seq` is then the verified head (null until then); `appends_ready` whether an
    // append sent now is answered without waiting for the writer to prepare.
    let verified = matches!(state.verification.phase(), Phase::Verified { .. });
    let head = verified.then(|| state.log.read().head_seq());
    let appends_ready = state.verification.takes_appends();
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ready", "verified": verified, "head_seq": head, "appends_ready": appends_ready}),
    ))
}
