//! The payments' endpoints (issue 13): `GET /v1/advances`, the advances to recover at a view.
//! Apart from `handlers` to keep that file short; the same doors and limits.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::app::query::Query;
use crate::server::api_error::ApiError;
use crate::server::handlers::{Shared, answer, respond};
use crate::server::query::{Format, Params, negotiate};

/// The list of `socai advances`: `as_of` required, `known_at` optional, JSON or text.
pub async fn advances(
    State(state): Shared,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["as_of", "known_at", "format"])?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    let q = Query::Advances {
        as_of: params.required_date("as_of")?,
        known_at: params.known_at("known_at")?,
        format,
        lang: crate::server::language::preferred(&headers),
    };
    Ok(respond(format, answer(&state, q).await?))
}
