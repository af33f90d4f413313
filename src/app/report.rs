//! The point-in-time report (section II, annexes 01 and 02) with its provenance, in every
//! format, for `socai report`, `GET /v1/report` and `replay`.

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::format::Format;
use crate::app::query::{self, Answer};
use crate::app::source::Chain;
use crate::core::known_at::KnownAt;
use crate::core::{annex, works_annex};
use crate::present::chart;
use crate::present::render::official::Official;
use crate::present::render::{self, Provenance, Style};
use crate::present::vi_format::{Lang, Unit};
use crate::present::xlsx;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRequest {
    pub as_of: NaiveDate,
    /// A sequence or a moment (default: everything recorded).
    pub known_at: Option<KnownAt>,
    pub plan_year: i32,
    pub format: Format,
    pub lang: Lang,
    pub unit: Unit,
    /// The report number and date printed at its head (`--number`, `--date`).
    pub official: Official,
}

/// The command that reproduces a report exactly: the knowledge point is the sequence the
/// view resolved to, whatever the request said.
fn reproduce_command(request: &ReportRequest, known_at: u64) -> String {
    let mut command = format!(
        "socai report --as-of {} --known-at {known_at} --plan-year {} --format {} --lang {} --unit {}",
        request.as_of,
        request.plan_year,
        request.format.as_str(),
        request.lang.as_str(),
        request.unit.as_str()
    );
    if let Some(n) = &request.official.number {
        command.push_str(&format!(" --number {}", shell_word(n)));
    }
    if let Some(d) = request.official.date {
        command.push_str(&format!(" --date {d}"));
    }
    command
}

/// A report number as one shell word (quoted when it holds anything but a safe character).
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_alphanumeric() || "/-_.".contains(c);
    if s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The report: text for text, Markdown, HTML and CSV; a JSON value; xlsx bytes.
pub fn report(chain: Chain<'_>, request: &ReportRequest) -> Result<Answer, AppError> {
    let ReportRequest {
        as_of,
        plan_year,
        format,
        lang,
        unit,
        ..
    } = *request;
    // Every plan year's lines: annex 02 adds up each work's earlier years.
    let (pin, lines) = query::balances(chain, as_of, request.known_at, None)?;
    let view = pin.view;
    let mut figures = annex::build(plan_year, &lines);
    works_annex::complete(&mut figures, chain.records(), view, &lines);
    let prov = Provenance {
        as_of,
        plan_year,
        known_at: view.known_at,
        recorded_at: chain.recorded_at(view.known_at),
        head_hash: pin.hash,
        command: reproduce_command(request, view.known_at),
        unit: chain.unit().cloned(),
        official: request.official.clone(),
    };
    let style = Style { lang, unit };
    Ok(match format {
        Format::Text => Answer::Text(render::text(&figures, &prov, style)),
        Format::Md => Answer::Text(render::markdown(&figures, &prov, style)),
        Format::Html => {
            let hash = chain.hash_of(view.known_at).map(hex::encode);
            let charts =
                chart::report_charts(chain.records(), view, plan_year, hash.as_deref(), lang)
                    .map_err(AppError::Output)?;
            Answer::Text(render::html(&figures, &prov, style, &charts))
        }
        Format::Json => Answer::Json(render::json(&figures, &prov)),
        Format::Csv => Answer::Text(render::csv(&figures, &prov, style)),
        Format::Xlsx => {
            Answer::Bytes(xlsx::workbook(&figures, &prov, style).map_err(AppError::Output)?)
        }
    })
}
