//! The route table: the one list of endpoints that builds the router, and that the tests
//! compare with `schemas/openapi.json`. Also the middleware: credentials, request limits.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::present::api_problems::ApiProblem;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::auth::{Access, Auth};
use crate::server::config::Limits;
use crate::server::handlers;
use crate::server::{audit, event_pages, guard, probes, query};
use tokio::sync::Semaphore;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    AppendEvents,
    ListEvents,
    StreamEvents,
    Balances,
    Trail,
    Summary,
    SectionTwo,
    Advances,
    Settlement,
    Diff,
    Verify,
    Stats,
    Backup,
    Health,
    Ready,
    Unit,
    Reconcile,
    Chart,
}

#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    /// In OpenAPI's template syntax, which is also axum's.
    pub path: &'static str,
    pub access: Access,
    pub endpoint: Endpoint,
    /// Counted against `max_concurrent_requests` and `request_timeout_ms`. Not: the health
    /// probes (they must answer under load) and streams (long-lived, bounded by `max_streams`).
    pub limited: bool,
}

const fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    endpoint: Endpoint,
    limited: bool,
) -> Route {
    Route {
        method,
        path,
        access,
        endpoint,
        limited,
    }
}

pub const ROUTES: &[Route] = &[
    route(
        "POST",
        "/v1/events",
        Access::Append,
        Endpoint::AppendEvents,
        true,
    ),
    route(
        "GET",
        "/v1/events",
        Access::Read,
        Endpoint::ListEvents,
        true,
    ),
    route(
        "GET",
        "/v1/events/stream",
        Access::Read,
        Endpoint::StreamEvents,
        false,
    ),
    route(
        "GET",
        "/v1/balances",
        Access::Read,
        Endpoint::Balances,
        true,
    ),
    route(
        "GET",
        "/v1/lines/{code}/trail",
        Access::Read,
        Endpoint::Trail,
        true,
    ),
    route(
        "GET",
        "/v1/advances",
        Access::Read,
        Endpoint::Advances,
        true,
    ),
    route(
        "GET",
        "/v1/reports/summary",
        Access::Read,
        Endpoint::Summary,
        true,
    ),
    route(
        "GET",
        "/v1/reports/section-ii",
        Access::Read,
        Endpoint::SectionTwo,
        true,
    ),
    route(
        "GET",
        "/v1/reports/settlement",
        Access::Read,
        Endpoint::Settlement,
        true,
    ),
    route(
        "GET",
        "/v1/reports/diff",
        Access::Read,
        Endpoint::Diff,
        true,
    ),
    route(
        "POST",
        "/v1/reconcile",
        Access::Read,
        Endpoint::Reconcile,
        true,
    ),
    route(
        "GET",
        "/v1/charts/{kind}",
        Access::Read,
        Endpoint::Chart,
        true,
    ),
    route("GET", "/v1/verify", Access::Read, Endpoint::Verify, true),
    route("GET", "/v1/unit", Access::Read, Endpoint::Unit, true),
    route(
        "GET",
        "/v1/admin/stats",
        Access::Admin,
        Endpoint::Stats,
        true,
    ),
    route(
        "POST",
        "/v1/admin/backup",
        Access::Admin,
        Endpoint::Backup,
        true,
    ),
    route("GET", "/healthz", Access::Public, Endpoint::Health, false),
    route("GET", "/readyz", Access::Public, Endpoint::Ready, false),
];

fn handler(route: &Route) -> MethodRouter<Arc<AppState>> {
    let method = Method::from_bytes(route.method.as_bytes()).unwrap_or(Method::GET);
    let filter = MethodFilter::try_from(method).unwrap_or(MethodFilter::GET);
    match route.endpoint {
        Endpoint::AppendEvents => on(filter, crate::server::appends::append_events),
        Endpoint::ListEvents => on(filter, event_pages::list_events),
        Endpoint::StreamEvents => on(filter, event_pages::stream_events),
        Endpoint::Balances => on(filter, handlers::balances),
        Endpoint::Trail => on(filter, handlers::trail),
        Endpoint::Summary => on(filter, handlers::summary),
        Endpoint::Advances => on(filter, crate::server::handlers_pay::advances),
        Endpoint::SectionTwo => on(filter, handlers::section_two_report),
        Endpoint::Settlement => on(filter, handlers::settlement),
        Endpoint::Diff => on(filter, handlers::diff),
        Endpoint::Verify => on(filter, handlers::verify),
        Endpoint::Stats => on(filter, handlers::stats),
        Endpoint::Backup => on(filter, handlers::backup),
        Endpoint::Health => on(filter, probes::healthz),
        Endpoint::Ready => on(filter, probes::readyz),
        Endpoint::Unit => on(filter, probes::unit),
        Endpoint::Reconcile => on(filter, audit::reconcile),
        Endpoint::Chart => on(filter, audit::chart),
    }
}

/// The whole application: routes, credentials, limits, request ids and request spans.
pub fn router(state: Arc<AppState>) -> Router {
    let mut limited = Router::new();
    let mut unlimited = Router::new();
    for r in ROUTES {
        // Credentials first, then the store's verification (`verified::gate`).
        let early = crate::server::verified::early(r.endpoint);
        let appends = crate::server::verified::appends(r.endpoint);
        let mut method_router = handler(r)
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), early, appends),
                crate::server::verified::gate,
            ))
            .route_layer(middleware::from_fn_with_state(
                (state.clone(), r.access),
                authorize,
            ));
        if !takes_query(r.endpoint) {
            method_router = method_router.route_layer(middleware::from_fn(no_query));
        }
        if r.limited {
            limited = limited.route(r.path, method_router);
        } else {
            unlimited = unlimited.route(r.path, method_router);
        }
    }
    // The browser dashboard: HTML pages, not API endpoints (so not in ROUTES and the OpenAPI
    // document); they check credentials themselves, from a header or the dashboard's cookie.
    // Their forms carry CSRF tokens (`csrf`).
    let dashboard = crate::server::dashboard::routes()
        .layer(middleware::from_fn_with_state(
            (state.clone(), false, false),
            crate::server::verified::gate,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::server::csrf::protect,
        ));
    let limited = limited.merge(dashboard);
    let limited = limited.layer(middleware::from_fn_with_state(state.clone(), limit));
    let app = limited
        .merge(unlimited)
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            guard::Policy::of(&state),
            guard::guard,
        ))
        .with_state(state);
    traced(app)
}

/// The language of error messages, request ids and request spans, outermost (a province server wraps its own routes too).
pub fn traced(app: Router) -> Router {
    app.layer(middleware::from_fn(crate::server::api_error::in_language))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
                })
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Whether an endpoint reads query parameters (its handler then refuses unknown ones). The
/// others take none, and refuse any: `POST /v1/events?dry_run=true` must not append.
fn takes_query(endpoint: Endpoint) -> bool {
    match endpoint {
        Endpoint::ListEvents
        | Endpoint::StreamEvents
        | Endpoint::Balances
        | Endpoint::Trail
        | Endpoint::Summary
        | Endpoint::Advances
        | Endpoint::SectionTwo
        | Endpoint::Settlement
        | Endpoint::Diff
        | Endpoint::Reconcile
        | Endpoint::Chart => true,
        Endpoint::AppendEvents
        | Endpoint::Verify
        | Endpoint::Stats
        | Endpoint::Backup
        | Endpoint::Health
        | Endpoint::Ready
        | Endpoint::Unit => false,
    }
}

async fn no_query(req: Request, next: Next) -> Response {
    match query::Params::parse(req.uri().query(), &[]) {
        Ok(_) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn authorize(
    State((state, access)): State<(Arc<AppState>, Access)>,
    req: Request,
    next: Next,
) -> Response {
    authorized(&state.auth, access, req, next).await
}

/// Runs the request with its principal (an extension) if `auth` allows it `access`.
pub async fn authorized(auth: &Auth, access: Access, mut req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    match auth.authorize(header, access) {
        Ok(principal) => {
            if let Some(p) = principal {
                req.extensions_mut().insert(p);
            }
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn limit(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    limited(&state.requests, &state.limits, req, next).await
}

/// Refuses requests beyond `max_concurrent_requests` at once (rather than queueing them
/// unseen) and answers a request that outlives `request_timeout_ms`. `requests` may be
/// shared by many stores (a province server counts all its units' requests together).
pub async fn limited(
    requests: &Arc<Semaphore>,
    limits: &Limits,
    req: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = requests.clone().try_acquire_owned() else {
        return ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            ApiProblem::Overloaded {
                max: limits.max_concurrent_requests,
            },
        )
        .into_response();
    };
    let ms = limits.request_timeout_ms;
    match tokio::time::timeout(Duration::from_millis(ms), next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::of(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            ApiProblem::Timeout { ms },
        )
        .into_response(),
    }
}
