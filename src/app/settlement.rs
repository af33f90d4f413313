//! The settlement of a plan year (quyết toán), written once for every door: `socai
//! settlement`, `GET /v1/reports/settlement` and `replay` all ask `app::query` with a
//! `Query::Settlement`, which lands here.

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem, render};
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::report::look_args;
use crate::app::source::{Log, unreadable};
use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::core::projection::View;
use crate::core::rules::Recorded;
use crate::core::settlement;
use crate::present::csv_out::CsvDialect;
use crate::present::render::{Provenance, Style};
use crate::present::settlement as present;
use crate::present::vi_format::{Lang, Unit};

/// The formats a settlement is written in.
pub const FORMATS: [Format; 4] = [Format::Json, Format::Text, Format::Csv, Format::Xlsx];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettlementRequest {
    pub plan_year: i32,
    /// Default: every effective date (`default_as_of`).
    pub as_of: Option<NaiveDate>,
    /// A sequence or a moment (default: everything recorded).
    pub known_at: Option<KnownAt>,
    /// One of `FORMATS`.
    pub format: Format,
    pub lang: Lang,
    pub unit: Unit,
    /// The CSV dialect (default: `CsvDialect::for_lang`); other formats ignore it.
    pub csv_dialect: Option<CsvDialect>,
}

impl SettlementRequest {
    /// The dialect a CSV answer is written in.
    pub fn dialect(&self) -> CsvDialect {
        CsvDialect::chosen(self.csv_dialect, self.lang)
    }
}

/// The `as_of` of a request that names none: every effective date.
pub fn default_as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(money::MAX_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The command that reproduces a settlement exactly (the view's sequence, whatever the
/// request said).
pub fn reproduce_command(request: &SettlementRequest, as_of: NaiveDate, known_at: u64) -> String {
    let look = look_args(
        request.format,
        request.lang,
        request.unit,
        request.dialect(),
    );
    format!(
        "socai settlement --plan-year {} --as-of {as_of} --known-at {known_at}{look}",
        request.plan_year
    )
}

/// The settlement of `plan_year` in `view`, in one pass over the money events of `log`, the
/// lines from its `structure` (`source::structure`).
pub fn fold<'s>(
    log: Log<'_>,
    structure: &'s [Recorded],
    view: View,
    plan_year: i32,
) -> Result<settlement::Settlement<'s>, AppError> {
    let reversals = log.reversals(view.known_at);
    let mut fold = settlement::Fold::new(structure, &reversals, view, plan_year);
    let parts = log.parts(view.known_at);
    crate::app::source::each_counted(parts.as_ref(), view, &reversals, &mut |r| fold.add(r))
        .map_err(unreadable)?;
    Ok(fold.finish())
}

/// The settlement with its provenance: text and CSV as text, a JSON value, xlsx bytes.
pub fn settlement(log: Log<'_>, request: &SettlementRequest) -> Result<Answer, AppError> {
    money::check_year(request.plan_year).map_err(|_| {
        AppError::Usage(Problem::PlanYear {
            year: request.plan_year,
            min: money::MIN_YEAR,
            max: money::MAX_YEAR,
        })
    })?;
    if !FORMATS.contains(&request.format) {
        return Err(AppError::Usage(Problem::SettlementFormat {
            format: request.format.as_str(),
        }));
    }
    let as_of = request.as_of.unwrap_or_else(default_as_of);
    let view = log.view(as_of, request.known_at)?;
    // Two passes over the log (in memory, or read back in parts): the lines, then the money.
    let structure = crate::app::source::structure(log, view)?;
    let s = fold(log, &structure, view, request.plan_year)?;
    let prov = Provenance {
        as_of,
        plan_year: request.plan_year,
        known_at: view.known_at,
        recorded_at: log.recorded_at(view.known_at)?,
        head_hash: log.hash_of(view.known_at)?,
        command: reproduce_command(request, as_of, view.known_at),
        unit: log.unit().cloned(),
        official: Default::default(),
    };
    let style = Style {
        lang: request.lang,
        unit: request.unit,
    };
    Ok(match request.format {
        Format::Json => Answer::Json(present::json(&s, &prov)),
        Format::Csv => {
            Answer::Text(present::csv(&s, &prov, style, request.dialect()).map_err(render)?)
        }
        Format::Xlsx => Answer::Bytes(present::xlsx(&s, &prov, style).map_err(render)?),
        _ => Answer::Text(present::text(&s, &prov, style)),
    })
}
