//! `GET /v1/reports/consolidated` on a province server: `socai consolidate` over the units it
//! serves, each read at its acknowledged head, in the order of their directories. The
//! provenance names each unit's knowledge point and head hash, and the command that prints
//! the very same bytes from the stores (after the server has stopped, or on a copy).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::consolidate::{self, Row};
use crate::server::api_error::ApiError;
use crate::server::auth::{Principal, UNIT_FORBIDDEN};
use crate::server::province::Province;
use crate::server::query::{Format, Params, media_type, negotiate};

pub async fn consolidated(
    State(province): State<Arc<Province>>,
    principal: Option<Extension<Principal>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(q.as_deref(), &["plan_year", "as_of", "format"])?;
    let plan_year: i32 = params
        .number("plan_year")?
        .ok_or_else(|| crate::server::handlers::missing("plan_year"))?;
    let as_of = params.required_date("as_of")?;
    let format = negotiate(&params, &headers, &[Format::Json, Format::Text])?;
    // A consolidation covers every unit served: its command reproduces it from the folder.
    if let Some(Extension(p)) = &principal
        && let Some(code) = province.order.iter().find(|c| !p.may_reach(c))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            UNIT_FORBIDDEN,
            format!(
                "credential {:?} may not reach unit {code}; a consolidation covers every unit served",
                p.name
            ),
        ));
    }
    let request = consolidate::Request {
        dir: province.dir.clone(),
        plan_year,
        as_of,
        json: format == Format::Json,
        pins: BTreeMap::new(),
    };
    let answer = tokio::task::spawn_blocking(move || {
        let rows = province
            .order
            .iter()
            .filter_map(|code| province.units.get(code))
            .map(|u| {
                let log = u.state.log.read();
                let unit = u.state.unit.as_ref().map(|r| r.unit.clone());
                let unit = unit.ok_or_else(|| ApiError::internal("a unit store without a unit"))?;
                consolidate::unit_row(log.chain(), unit, &request).map_err(ApiError::from)
            })
            .collect::<Result<Vec<Row>, ApiError>>()?;
        consolidate::assemble(&request, rows).map_err(ApiError::from)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the consolidation failed: {e}")))??;
    Ok((
        [(header::CONTENT_TYPE, media_type(format))],
        answer.into_bytes(),
    )
        .into_response())
}
