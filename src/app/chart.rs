//! `socai chart`: the S-curve or the rates by program, as SVG.

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem, render};
use crate::app::source::{Chain, view};
use crate::core::known_at::KnownAt;
use crate::present::chart;
use crate::present::vi_format::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Cumulative disbursement as a share of plan, day by day, per program and in total.
    SCurve,
    /// Disbursement rate by program and in total.
    Rates,
}

/// A chart asked for (see `chart_svg`).
#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub kind: ChartKind,
    pub plan_year: i32,
    pub as_of: Option<NaiveDate>,
    pub known_at: Option<KnownAt>,
    pub lang: Lang,
}

/// A chart of the ledger as SVG text; `as_of` defaults to 31 December of the plan year.
pub fn chart_svg(chain: Chain<'_>, request: &Request) -> Result<String, AppError> {
    let Request {
        kind,
        plan_year,
        as_of,
        known_at,
        lang,
    } = *request;
    let as_of = chart_as_of(as_of, plan_year)?;
    let view = view(chain, as_of, known_at)?;
    let progress = chart::progress(chain.records(), view, plan_year)
        .map_err(|detail| AppError::Usage(Problem::Quoted { detail }))?;
    let hash = chain.hash_of(view.known_at);
    draw(&progress, kind, hash, lang)
}

/// The date a chart runs to: the one asked for, or 31 December of the plan year.
pub fn chart_as_of(as_of: Option<NaiveDate>, plan_year: i32) -> Result<NaiveDate, AppError> {
    match as_of {
        Some(d) => Ok(d),
        None => chart::year_end(plan_year)
            .ok_or(AppError::Usage(Problem::NoYearEnd { year: plan_year })),
    }
}

/// The chart of `kind` of figures pinned by `hash`, as SVG text.
pub fn draw(
    progress: &chart::Progress,
    kind: ChartKind,
    hash: Option<crate::core::chain::Hash>,
    lang: Lang,
) -> Result<String, AppError> {
    let hash = hash.map(hex::encode);
    match kind {
        ChartKind::SCurve => chart::s_curve_svg(progress, hash.as_deref(), lang),
        ChartKind::Rates => chart::rates_svg(progress, hash.as_deref(), lang),
    }
    .map_err(render)
}
