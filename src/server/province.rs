//! `socai serve --units DIR`: a province server. Every store under DIR (one directory per
//! budget unit, found at start-up) is opened as `socai serve` opens one, with its own writer,
//! log view and router (`routes::router`: the same handlers, guards, limits and verify gate),
//! and reached at `/v1/units/{unit}/…` with the paths of a single store less their `/v1`:
//! `/v1/units/LP-01/events` is LP-01's `/v1/events`. Request bounds (concurrent requests,
//! streams, one verification at a time) hold for the server as a whole (`Common`).
//!
//! Credentials may be scoped to units (`units = […]`): each unit's router refuses the others
//! with 403 `unit_forbidden`; the province's own endpoints keep to the units a credential may
//! reach. Replicas under DIR are served like the others and refuse appends of their own.

use crate::app::error::Problem;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::app::consolidate;
use crate::server::api_error::ApiError;
use crate::server::auth::{Access, Auth, Principal, Scope};
use crate::server::config::Limits;
use crate::server::handlers::{self, json_response};
use crate::server::verified::Phase;
use crate::server::{
    AppState, Common, ServeError, Served, close, guard, listen_addr, load_config, open_store,
    probes, routes, serve_app,
};

pub struct ProvinceOptions {
    /// The directory holding one store per unit.
    pub dir: PathBuf,
    pub listen: Option<String>,
    pub config: Option<PathBuf>,
}

/// One unit served: its state and its router (a single store's).
pub struct UnitServer {
    pub state: Arc<AppState>,
    router: Router,
    /// The source of a replica (served read-only).
    replica_of: Option<String>,
}

/// What the province's own endpoints share.
pub struct Province {
    /// By unit code.
    pub units: BTreeMap<String, UnitServer>,
    /// The unit codes in the order of their directories (as `socai consolidate` reads them).
    pub order: Vec<String>,
    /// The directory the stores are in (provenance of consolidated reports).
    pub dir: PathBuf,
    auth: Auth,
    requests: Arc<Semaphore>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
}

/// Opens every unit store under `opts.dir`, serves them until SIGTERM or SIGINT, then lets
/// each writer drain its queue and closes the stores.
pub fn run(opts: ProvinceOptions, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let config = load_config(opts.config.as_deref())?;
    let addr = listen_addr(opts.listen.as_deref(), &config)?;
    let stores = discover(&opts.dir)?;
    let (shutdown_tx, shutdown) = watch::channel(false);
    let common = Common::new(&config, shutdown.clone());
    let mut served: Vec<Served> = Vec::with_capacity(stores.len());
    let mut units = BTreeMap::new();
    let mut order = Vec::with_capacity(stores.len());
    for db in &stores {
        let unit = open_store(db, &config, &common, false).and_then(|s| {
            let unit = unit_server(db, s.state.clone(), s.replica_of.clone(), &units);
            served.push(s);
            unit
        });
        match unit {
            Ok((code, unit)) => {
                order.push(code.clone());
                units.insert(code, unit);
            }
            Err(e) => {
                drop(units);
                // The stores opened so far are closed properly before the refusal.
                let _ = close(served);
                return Err(e);
            }
        }
    }
    tracing::info!(units = units.len(), dir = %opts.dir.display(), "serving units");
    let province = Arc::new(Province {
        units,
        order,
        dir: opts.dir.clone(),
        auth: Auth::new(&config.credentials, Scope::Province),
        requests: common.requests().clone(),
        limits: config.limits.clone(),
        shutdown,
    });
    let policy = guard::Policy {
        open: province.auth.is_open(),
        tls_proxy: config.behind_tls_proxy,
    };
    let app = router(province, policy);
    let stop = (shutdown_tx, &common);
    let result = serve_app(addr, app, &config.limits, stop, on_listening);
    close(served).and(result)
}

/// The unit stores under `dir` (as `socai consolidate` finds them), at least one.
fn discover(dir: &Path) -> Result<Vec<PathBuf>, ServeError> {
    let stores = consolidate::unit_dirs(dir).map_err(|e| match e {
        crate::app::AppError::Usage(p) => ServeError::Refused(p),
        other => ServeError::Usage(other.to_string()),
    })?;
    if stores.is_empty() {
        let dir = dir.to_path_buf();
        return Err(ServeError::Refused(Problem::NoStores { dir }));
    }
    Ok(stores)
}

/// A unit's router, keyed by its unit code (which must be its own among those served).
fn unit_server(
    db: &Path,
    state: Arc<AppState>,
    replica_of: Option<String>,
    units: &BTreeMap<String, UnitServer>,
) -> Result<(String, UnitServer), ServeError> {
    let Some(code) = state.unit.as_ref().map(|u| u.unit.code.clone()) else {
        let store = db.to_path_buf();
        return Err(ServeError::Refused(Problem::NoUnit { store }));
    };
    if units.contains_key(&code) {
        let db = db.to_path_buf();
        return Err(ServeError::Refused(Problem::SecondStore { db, code }));
    }
    let router = routes::router(state.clone());
    Ok((
        code,
        UnitServer {
            state,
            router,
            replica_of,
        },
    ))
}

fn router(province: Arc<Province>, policy: guard::Policy) -> Router {
    let own = Router::new()
        .route("/v1/units", get(list_units))
        .route(
            "/v1/reports/consolidated",
            get(crate::server::province_report::consolidated),
        )
        .route_layer(middleware::from_fn_with_state(province.clone(), authorize))
        .layer(middleware::from_fn_with_state(province.clone(), limit))
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(readyz))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(policy, guard::guard));
    // A unit's requests pass its own router's guards, credentials and limits (not these).
    let app = Router::new()
        .route("/v1/units/{unit}/{*rest}", any(dispatch))
        .merge(own)
        .with_state(province);
    routes::traced(app)
}

/// `/v1/units/{unit}/REST` → the unit's router, as `/v1/REST` (the query kept).
async fn dispatch(State(province): State<Arc<Province>>, req: Request) -> Response {
    let Some((code, path)) = unit_path(req.uri()) else {
        return handlers::not_found().await.into_response();
    };
    let Some(unit) = province.units.get(code) else {
        return ApiError::of(
            StatusCode::NOT_FOUND,
            "unknown_unit",
            crate::present::api_problems::ApiProblem::UnknownUnit {
                code: code.to_string(),
            },
        )
        .into_response();
    };
    let router = unit.router.clone();
    let (mut parts, body) = req.into_parts();
    parts.uri = path;
    // The unit's router matches the path afresh: the outer route's captures (`unit`, `rest`)
    // left in the extensions would be added to its own (`Path` of a trail saw three).
    parts.extensions = axum::http::Extensions::new();
    match router.oneshot(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The unit code and the single-store URI of a `/v1/units/{unit}/…` URI.
fn unit_path(uri: &Uri) -> Option<(&str, Uri)> {
    let rest = uri.path().strip_prefix("/v1/units/")?;
    let (code, tail) = rest.split_once('/')?;
    let path = match uri.query() {
        Some(q) => format!("/v1/{tail}?{q}"),
        None => format!("/v1/{tail}"),
    };
    Some((code, path.parse().ok()?))
}

async fn authorize(State(province): State<Arc<Province>>, req: Request, next: Next) -> Response {
    routes::authorized(&province.auth, Access::Read, req, next).await
}

async fn limit(State(province): State<Arc<Province>>, req: Request, next: Next) -> Response {
    routes::limited(&province.requests, &province.limits, req, next).await
}

/// The units a credential may reach, with their verified heads (once each is verified).
async fn list_units(
    State(province): State<Arc<Province>>,
    principal: Option<axum::Extension<Principal>>,
) -> Result<Response, ApiError> {
    for u in province.units.values() {
        u.state.verification.wait().await?;
    }
    let units: Vec<Value> = province
        .units
        .iter()
        .filter(|(code, _)| principal.as_ref().is_none_or(|p| p.may_reach(code)))
        .map(|(_, u)| {
            let log = u.state.log.read();
            let head = log.head_seq();
            json!({
                "unit": u.state.unit.as_ref().map(crate::app::unit::unit_json),
                "head_seq": head,
                "head_hash": log.hash_of(head).map(hex::encode),
                "replica_of": u.replica_of,
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "units": units })))
}

/// Ready when not shutting down and every unit's store is sound; `verified` once every unit's
/// store is.
async fn readyz(State(province): State<Arc<Province>>) -> Result<Response, ApiError> {
    if *province.shutdown.borrow() {
        return Err(ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            crate::present::api_problems::ApiProblem::ShuttingDown,
        ));
    }
    let failed: Vec<&str> = province
        .units
        .iter()
        .filter(|(_, u)| !u.state.store_ok.load(Ordering::SeqCst))
        .map(|(code, _)| code.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            crate::present::api_problems::ApiProblem::UnitsFailed {
                units: failed.iter().map(|u| u.to_string()).collect(),
            },
        ));
    }
    // Units are verified one at a time after the server listens (`server::verified`).
    let verified = province
        .units
        .values()
        .filter(|u| matches!(u.state.verification.phase(), Phase::Verified { .. }))
        .count();
    let units = province.units.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ready", "units": units, "verified_units": verified, "verified": verified == units}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_paths_map_to_single_store_paths() {
        let uri: Uri = "/v1/units/LP-01/lines/L1/trail?as_of=2025-12-31"
            .parse()
            .unwrap();
        let (code, path) = unit_path(&uri).unwrap();
        assert_eq!(code, "LP-01");
        assert_eq!(path, "/v1/lines/L1/trail?as_of=2025-12-31");
        let uri: Uri = "/v1/units/LP-01/events".parse().unwrap();
        assert_eq!(unit_path(&uri).unwrap().1, "/v1/events");
        assert!(unit_path(&"/v1/units/LP-01".parse().unwrap()).is_none());
        assert!(unit_path(&"/v1/events".parse().unwrap()).is_none());
    }
}
