//! The auditor's endpoints beyond the views: `POST /v1/reconcile` (a claims file checked
//! against the ledger, as `socai reconcile` does) and `GET /v1/charts/{kind}` (the SVG charts
//! of `socai chart`). Both read only, through the same use cases as the CLI.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::chart::{self, ChartKind};
use crate::app::reconcile;
use crate::core::reconcile::MAX_CLAIMS_BYTES;
use crate::present::api_problems::ApiProblem;
use crate::server::AppState;
use crate::server::api_error::ApiError;
use crate::server::handlers::{json_response, query, required_plan_year};
use crate::server::language;
use crate::server::query::{Format, Params, media_type, negotiate};

type Shared = State<Arc<AppState>>;

/// The chart kinds, as named in the path.
const CHART_KINDS: [(&str, ChartKind); 2] =
    [("s-curve", ChartKind::SCurve), ("rates", ChartKind::Rates)];

/// POST /v1/reconcile?as_of=…&plan_year=…[&known_at=…][&format=json|text], the body a claims
/// file (the JSON `socai reconcile` reads). 200 with every verdict, whether or not the claims
/// hold: `failed` counts those that do not. A claims file that does not parse is refused (400).
pub async fn reconcile(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "plan_year", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    let as_of = params.required_date("as_of")?;
    let known_at = params.known_at("known_at")?;
    let plan_year = required_plan_year(&params)?;
    let lang = language::preferred(&headers);
    let limit = usize::try_from(MAX_CLAIMS_BYTES).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            ApiProblem::ClaimsTooLarge {
                max: MAX_CLAIMS_BYTES,
            },
        )
        .with("detail", e.to_string())
    })?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::of(
            StatusCode::BAD_REQUEST,
            "malformed",
            ApiProblem::ClaimsNotUtf8,
        )
    })?;
    let json = format == Format::Json;
    let done = query(&state, move |log| {
        Ok(reconcile::reconcile_claims(
            log.chain().into(),
            "request body",
            &text,
            as_of,
            known_at,
            plan_year,
            (json, lang),
        )?)
    })
    .await?;
    if !json {
        return Ok(with_type(media_type(Format::Text), done.text.into_bytes()));
    }
    // The CLI's JSON lines, gathered into one document.
    let verdicts: Vec<Value> = done
        .text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"total": done.total, "failed": done.failed, "verdicts": verdicts}),
    ))
}

/// GET /v1/charts/{kind}?plan_year=…[&as_of=…][&known_at=…][&lang=vi|en]: the SVG chart.
pub async fn chart(
    State(state): Shared,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "plan_year", "lang"])?;
    let Some(&(_, kind)) = CHART_KINDS.iter().find(|(name, _)| *name == kind) else {
        return Err(ApiError::of(
            StatusCode::NOT_FOUND,
            "not_found",
            crate::present::api_problems::ApiProblem::NoChart {
                kind: kind.to_string(),
            },
        ));
    };
    let request = chart::Request {
        kind,
        plan_year: required_plan_year(&params)?,
        as_of: params.date("as_of")?,
        known_at: params.known_at("known_at")?,
        lang: params.lang(language::preferred(&headers))?,
    };
    let svg = query(&state, move |log| {
        Ok(chart::chart_svg(log.chain(), &request)?)
    })
    .await?;
    Ok(with_type("image/svg+xml", svg.into_bytes()))
}

fn with_type(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
