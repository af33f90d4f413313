//! The point-in-time report (section II, annexes 01 and 02) with its provenance, in every
//! format, for `socai report`, `GET /v1/report` and `replay`.

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::format::Format;
use crate::app::query::{self, Answer};
use crate::app::source::Chain;
use crate::core::duplicates;
use crate::core::known_at::KnownAt;
use crate::core::{annex, works_annex};
use crate::present::chart;
use crate::present::csv_out::CsvDialect;
use crate::present::duplicates as present_duplicates;
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
    /// The CSV dialect (default: `CsvDialect::for_lang`); other formats ignore it.
    pub csv_dialect: Option<CsvDialect>,
}

impl ReportRequest {
    /// The dialect a CSV answer is written in.
    pub fn dialect(&self) -> CsvDialect {
        CsvDialect::chosen(self.csv_dialect, self.lang)
    }
}

/// ` --csv-dialect X` when a CSV is asked for in a dialect other than its language's default,
/// so that the provenance's command writes the same bytes again.
pub fn dialect_arg(format: Format, lang: Lang, dialect: CsvDialect) -> String {
    if format == Format::Csv && dialect != CsvDialect::for_lang(lang) {
        format!(" --csv-dialect {}", dialect.as_str())
    } else {
        String::new()
    }
}

/// The command that reproduces a report exactly: the knowledge point is the sequence the
/// view resolved to, whatever the request said.
fn reproduce_command(request: &ReportRequest, known_at: u64) -> String {
    let mut command = format!(
        "socai report --as-of {} --known-at {known_at} --plan-year {} --format {} --lang {} --unit {}{}",
        request.as_of,
        request.plan_year,
        request.format.as_str(),
        request.lang.as_str(),
        request.unit.as_str(),
        dialect_arg(request.format, request.lang, request.dialect())
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
    let found = duplicates::in_view(chain.records(), view);
    let answer = match format {
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
        Format::Csv => Answer::Text(
            render::csv(&figures, &prov, style, request.dialect()).map_err(AppError::Output)?,
        ),
        Format::Xlsx => {
            Answer::Bytes(xlsx::workbook(&figures, &prov, style).map_err(AppError::Output)?)
        }
    };
    Ok(with_duplicates(answer, &found, format, lang))
}

/// The report with its section on likely duplicate vouchers, when there is one (text,
/// Markdown, HTML and JSON; the CSV and xlsx layouts are left as they are).
fn with_duplicates(
    answer: Answer,
    found: &[duplicates::Duplicate<'_>],
    format: Format,
    lang: Lang,
) -> Answer {
    if found.is_empty() {
        return answer;
    }
    match (answer, format) {
        (Answer::Text(mut t), Format::Text | Format::Md) => {
            t.push_str(&present_duplicates::text(found, lang, format == Format::Md));
            Answer::Text(t)
        }
        (Answer::Text(t), Format::Html) => {
            let section = present_duplicates::html(found, lang);
            Answer::Text(match t.rfind("</body>") {
                Some(at) => format!("{}{section}{}", &t[..at], &t[at..]),
                None => t + &section,
            })
        }
        (Answer::Json(mut v), _) => {
            if let Some(o) = v.as_object_mut() {
                o.insert("likely_duplicates".into(), present_duplicates::json(found));
            }
            Answer::Json(v)
        }
        (other, _) => other,
    }
}
