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

use crate::app::consolidate::{self, Row, View};
use crate::present::api_problems::{ApiProblem, Step};
use crate::present::csv_out::CsvDialect;
use crate::server::api_error::ApiError;
use crate::server::auth::{Principal, UNIT_FORBIDDEN};
use crate::server::province::Province;
use crate::server::query::{Params, media_type, negotiate};

pub async fn consolidated(
    State(province): State<Arc<Province>>,
    principal: Option<Extension<Principal>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    const ALLOWED: [&str; 6] = [
        "plan_year",
        "as_of",
        "format",
        "view",
        "csv_dialect",
        "lang",
    ];
    let params = Params::parse(q.as_deref(), &ALLOWED)?;
    let plan_year = crate::server::handlers::required_plan_year(&params)?;
    let as_of = params.required_date("as_of")?;
    let format = negotiate(&params, &headers, &consolidate::FORMATS)?;
    let view = params
        .choice("view", &View::ALL, View::as_str)?
        .unwrap_or_default();
    // The consolidation is Vietnamese: its CSV is a vi-VN spreadsheet's unless asked.
    let csv_dialect = params.csv_dialect()?.unwrap_or(CsvDialect::ExcelVi);
    // The `lang` parameter, else the client's Accept-Language (Vietnamese by default).
    let lang = params.lang(crate::server::language::preferred(&headers))?;
    // A consolidation covers every unit served: its command reproduces it from the folder.
    if let Some(Extension(p)) = &principal
        && let Some(code) = province.order.iter().find(|c| !p.may_reach(c))
    {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            UNIT_FORBIDDEN,
            ApiProblem::ConsolidationForbidden {
                name: p.name.clone(),
                unit: code.clone(),
            },
        ));
    }
    let request = consolidate::Request {
        dir: province.dir.clone(),
        plan_year,
        as_of,
        format,
        view,
        csv_dialect,
        pins: BTreeMap::new(),
        lang,
    };
    // Every unit's figures from its verified log only.
    for u in province.units.values() {
        u.state.verification.wait().await?;
    }
    let answer = tokio::task::spawn_blocking(move || {
        let rows = province
            .order
            .iter()
            .filter_map(|code| province.units.get(code))
            .map(|u| {
                let log = u.state.log.read();
                let unit = u.state.unit.as_ref().map(|r| r.unit.clone());
                let unit = unit.ok_or_else(|| ApiError::fault(Step::UnitWithoutCode, "no unit"))?;
                consolidate::unit_row(log.chain().into(), unit, &request).map_err(ApiError::from)
            })
            .collect::<Result<Vec<Row>, ApiError>>()?;
        consolidate::assemble(&request, rows).map_err(ApiError::from)
    })
    .await
    .map_err(|e| ApiError::fault(Step::Consolidation, e))??;
    // The very bytes `socai consolidate` prints (JSON pretty-printed too), so the command in
    // the provenance reproduces this answer.
    let bytes = answer.into_bytes();
    let name = format!("socai-consolidated-{}-{plan_year}", view.as_str());
    let response = ([(header::CONTENT_TYPE, media_type(format))], bytes).into_response();
    Ok(crate::server::handlers::download(response, format, &name))
}
