//! How far the served store is verified, and what each answer says about it.
//!
//! A server is ready before its store is verified: the writer thread opens the store (chain,
//! HEAD, every record against the rules that accepted it) and proves the persisted index
//! against that verified log in the background, while the server already listens. Until then
//! (`Phase::Verifying`) only what the index can answer is served (balances and summary, as a
//! cold `socai balance` serves them: HEAD and the index mark agree, every file is the one the
//! mark lists), and each such answer says it is not verified yet; every other read waits for
//! the verification (within the request's time limit), appends wait in the writer's queue.
//! Every answer carries `Socai-Verified-Through`: `pending`, or the sequence up to which the
//! log it was answered from is verified. A store that fails its verification is never served
//! again by this process: every read and append is refused and the server stops with the
//! fault, as a start-up on that store always did.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::present::api_problems::ApiProblem;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::storage::LogReader;

/// The header every answer carries: `pending`, or the last verified sequence.
pub const HEADER: &str = "socai-verified-through";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The background open has not finished: nothing served is verified.
    Verifying,
    /// The log (what the view holds) is verified; `index_proven`: the index files were
    /// rebuilt from it and found equal (else the log view answers every query).
    Verified { index_proven: bool },
    /// The store failed its verification: nothing is served.
    Failed,
}

/// The served store's verification, shared by the writer (which sets it) and the handlers.
pub struct Verification {
    phase: watch::Sender<Phase>,
    /// The verified store's reader (stored pages, `/v1/verify`), once the open is done.
    reader: OnceLock<LogReader>,
    /// Whether the writer, past the verification, has what an append needs (the index
    /// writer's state, made from the whole log: 38 s at 10M events on a slow machine), so an
    /// append sent now is answered within its time limit. `/readyz` says it.
    appends_ready: AtomicBool,
}

impl Default for Verification {
    fn default() -> Verification {
        Verification {
            phase: watch::Sender::new(Phase::Verifying),
            reader: OnceLock::new(),
            appends_ready: AtomicBool::new(false),
        }
    }
}

impl Verification {
    pub fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    /// The open verified the log; the index proof's outcome says whether the index may answer.
    pub fn verified(&self, reader: LogReader, index_proven: bool) {
        let _ = self.reader.set(reader);
        self.phase.send_replace(Phase::Verified { index_proven });
    }

    /// The writer has what its next append needs (only ever after `verified`).
    pub fn appends_ready(&self) {
        self.appends_ready.store(true, Ordering::SeqCst);
    }

    /// Whether an append sent now waits only for its group, not for the writer to prepare.
    pub fn takes_appends(&self) -> bool {
        self.appends_ready.load(Ordering::SeqCst)
    }

    pub fn failed(&self) {
        self.phase.send_replace(Phase::Failed);
    }

    pub fn reader(&self) -> Option<&LogReader> {
        self.reader.get()
    }

    /// Waits until the store is verified; `Err` once it failed.
    pub async fn wait(&self) -> Result<(), ApiError> {
        let mut rx = self.phase.subscribe();
        let phase = rx
            .wait_for(|p| *p != Phase::Verifying)
            .await
            .map(|p| p.clone())
            .unwrap_or(Phase::Failed);
        match phase {
            Phase::Verified { .. } => Ok(()),
            _ => Err(failed()),
        }
    }
}

/// The verified store's reader, for a request the gate let through once it was verified.
pub fn reader(state: &AppState) -> Result<LogReader, ApiError> {
    state.verification.reader().cloned().ok_or_else(failed)
}

fn not_ready_for_appends() -> ApiError {
    ApiError::of(
        StatusCode::SERVICE_UNAVAILABLE,
        "appends_not_ready",
        ApiProblem::AppendsNotReady,
    )
}

fn failed() -> ApiError {
    ApiError::of(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        ApiProblem::StoreFailed,
    )
}

/// Whether an endpoint is answered before the store is verified: the probes, the unit, and
/// what the index answers (its answers then say `pending`).
pub fn early(endpoint: crate::server::routes::Endpoint) -> bool {
    use crate::server::routes::Endpoint as E;
    matches!(
        endpoint,
        E::Health | E::Ready | E::Unit | E::Balances | E::Summary
    )
}

/// Whether an endpoint appends: it waits for the verification and then for its writer until
/// one deadline (`writer::AppendDeadline`, set here), and is then told that nothing was
/// recorded (it was never queued, or the writer will drop it).
pub fn appends(endpoint: crate::server::routes::Endpoint) -> bool {
    endpoint == crate::server::routes::Endpoint::AppendEvents
}

/// The middleware in front of every endpoint: a read that needs the verified log waits for
/// it; a store that failed is not served; every answer says how far it is verified.
pub async fn gate(
    State((state, early, appends)): State<(Arc<AppState>, bool, bool)>,
    mut req: Request,
    next: Next,
) -> Response {
    let deadline = state.writer.deadline();
    if appends {
        req.extensions_mut().insert(deadline);
    }
    let before = state.verification.phase();
    let probe = matches!(
        req.uri().path(),
        "/healthz" | "/readyz" | "/livez" | "/v1/unit"
    );
    if before == Phase::Failed && !probe {
        return failed().into_response();
    }
    if before == Phase::Verifying && !early {
        let verified = state.verification.wait();
        let waited = match appends {
            true => tokio::time::timeout_at(deadline.0, verified)
                .await
                .unwrap_or_else(|_| Err(not_ready_for_appends())),
            false => verified.await,
        };
        if let Err(e) = waited {
            return e.into_response();
        }
    }
    let mut response = next.run(req).await;
    let label = match (before, state.verification.phase()) {
        // Answered (perhaps) before the verification: said so, even if it ended meanwhile.
        (Phase::Verifying, _) if early => "pending".to_string(),
        (_, Phase::Verified { .. }) => state.log.read().head_seq().to_string(),
        (_, Phase::Failed) => "failed".to_string(),
        (_, Phase::Verifying) => "pending".to_string(),
    };
    if let Ok(value) = HeaderValue::from_str(&label) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
