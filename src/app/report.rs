//! The point-in-time report (section II, annexes 01 and 02) with its provenance, in every
//! format, for `socai report`, `GET /v1/report` and `replay`; and the whole report (sections
//! I–VI in the seed's layout, `present::whole`) as docx, or as md and html with `--whole`.

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem, render};
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::report_fold;
use crate::app::sections;
use crate::app::source::{self, Log};
use crate::core::duplicates;
use crate::core::known_at::KnownAt;
use crate::core::projection::{LineBalance, View};
use crate::core::rules::Recorded;
use crate::core::{annex, works_annex};
use crate::present::chart;
use crate::present::csv_out::CsvDialect;
use crate::present::duplicates as present_duplicates;
use crate::present::prose::Prose;
use crate::present::prose_out;
use crate::present::render::official::Official;
use crate::present::render::{self, Provenance, Style};
use crate::present::vi_format::{Lang, Unit};
use crate::present::whole;
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
    /// The whole report in the seed's layout (sections I–VI, annexes, signatures) rather than
    /// the figures report: `--whole` for md and html; docx is always the whole report.
    pub whole: bool,
}

impl ReportRequest {
    /// The dialect a CSV answer is written in.
    pub fn dialect(&self) -> CsvDialect {
        CsvDialect::chosen(self.csv_dialect, self.lang)
    }
}

/// How a report or a settlement is written, as the options that write it again: format,
/// language and unit, then ` --csv-dialect X` when a CSV is asked for in a dialect other
/// than its language's default, so that the provenance's command writes the same bytes again.
pub fn look_args(format: Format, lang: Lang, unit: Unit, dialect: CsvDialect) -> String {
    let dialect = if format == Format::Csv && dialect != CsvDialect::for_lang(lang) {
        format!(" --csv-dialect {}", dialect.as_str())
    } else {
        String::new()
    };
    format!(
        " --format {} --lang {} --unit {}{dialect}",
        format.as_str(),
        lang.as_str(),
        unit.as_str()
    )
}

/// The command that reproduces a report exactly: the knowledge point is the sequence the
/// view resolved to, whatever the request said.
fn reproduce_command(request: &ReportRequest, known_at: u64) -> String {
    let look = look_args(
        request.format,
        request.lang,
        request.unit,
        request.dialect(),
    );
    let mut command = format!(
        "socai report --as-of {} --known-at {known_at} --plan-year {}{look}",
        request.as_of, request.plan_year,
    );
    if let Some(n) = &request.official.number {
        command.push_str(&format!(" --number {}", shell_word(n)));
    }
    if let Some(d) = request.official.date {
        command.push_str(&format!(" --date {d}"));
    }
    if request.whole && request.format != Format::Docx {
        command.push_str(" --whole");
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

/// The report: text for text, Markdown, HTML and CSV; a JSON value; xlsx bytes. Its figures
/// come from one pass over the log (`report_fold`), in memory or read back in parts.
pub fn report(log: Log<'_>, request: &ReportRequest) -> Result<Answer, AppError> {
    let ReportRequest {
        as_of,
        plan_year,
        format,
        lang,
        unit,
        ..
    } = *request;
    if request.whole && !format.has_whole_layout() {
        return Err(AppError::Usage(Problem::WholeNeedsDocument {
            format: format.as_str(),
        }));
    }
    let view = log.view(as_of, request.known_at)?;
    let structure = source::structure(log, view)?;
    let charts = format == Format::Html && !request.whole;
    let folded = report_fold::fold(log, &structure, view, plan_year, charts)?;
    let lines = &folded.lines;
    let mut figures = annex::build(plan_year, lines);
    works_annex::complete(&mut figures, &folded.registry, folded.advances, lines);
    let hash = log.hash_of(view.known_at)?;
    let prov = Provenance {
        as_of,
        plan_year,
        known_at: view.known_at,
        recorded_at: log.recorded_at(view.known_at)?,
        head_hash: hash,
        command: reproduce_command(request, view.known_at),
        unit: log.unit().cloned(),
        official: request.official.clone(),
    };
    let style = Style { lang, unit };
    let found: Vec<duplicates::Duplicate<'_>> = (folded.duplicates.iter())
        .map(|(record, first)| duplicates::Duplicate { record, first })
        .collect();
    let whole = |format| whole_report(&structure, view, &figures, &prov, style, format);
    let answer = match format {
        Format::Md | Format::Html if request.whole => whole(format)?,
        Format::Docx => whole(format)?,
        Format::Text => Answer::Text(render::text(&figures, &prov, style)),
        Format::Md => Answer::Text(render::markdown(&figures, &prov, style)),
        Format::Html => {
            let year_lines: Vec<LineBalance<'_>> = (lines.iter())
                .filter(|l| l.spec.plan_year == plan_year)
                .cloned()
                .collect();
            let charts = match &folded.daily {
                Some(daily) => {
                    let progress = chart::progress_of(view, plan_year, &year_lines, daily);
                    let hash = hash.map(hex::encode);
                    chart::charts_of(&progress, hash.as_deref(), lang).map_err(render)?
                }
                None => Vec::new(),
            };
            Answer::Text(render::html(&figures, &prov, style, &charts))
        }
        Format::Json => Answer::Json(render::json(&figures, &prov)),
        Format::Csv => {
            Answer::Text(render::csv(&figures, &prov, style, request.dialect()).map_err(render)?)
        }
        Format::Xlsx => Answer::Bytes(xlsx::workbook(&figures, &prov, style).map_err(render)?),
    };
    // The whole report (docx, --whole md/html) holds sections I and III in its own layout.
    let answer = if request.whole || format == Format::Docx {
        answer
    } else {
        let sections = [
            (
                section_title(1, lang),
                sections::section_one(&structure, view, plan_year, lang),
            ),
            (
                section_title(3, lang),
                sections::section_three(&structure, view, plan_year, lang),
            ),
        ];
        with_sections(answer, &sections, format)
    };
    Ok(with_duplicates(answer, &found, format, lang))
}

/// The whole report: sections I and III as the ledger gives them (from the records that
/// shape the view: `source::structure`), II from the figures, in the seed's layout; Markdown
/// and HTML as text, docx as bytes.
fn whole_report(
    structure: &[Recorded],
    view: View,
    figures: &annex::Figures,
    prov: &Provenance,
    style: Style,
    format: Format,
) -> Result<Answer, AppError> {
    let filled = whole::Filled {
        one: sections::section_one(structure, view, figures.plan_year, style.lang),
        three: sections::section_three(structure, view, figures.plan_year, style.lang),
    };
    let document = whole::build(figures, prov, style, filled);
    Ok(match format {
        Format::Md => Answer::Text(whole::markdown(&document, style)),
        Format::Html => Answer::Text(whole::html(&document, style)),
        _ => Answer::Bytes(whole::docx(&document, style).map_err(render)?),
    })
}

/// The printed title of section I or III (the seed's wording).
fn section_title(n: u8, lang: Lang) -> &'static str {
    use crate::present::messages::t;
    match n {
        1 => t(
            lang,
            "I. CÔNG TÁC QUẢN LÝ, ĐIỀU HÀNH THỰC HIỆN CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA",
            "I. MANAGEMENT AND DIRECTION OF THE NATIONAL TARGET PROGRAMS",
        ),
        _ => t(
            lang,
            "III. KẾT QUẢ THỰC HIỆN MỤC TIÊU, NHIỆM VỤ, DỰ ÁN THUỘC CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA",
            "III. RESULTS AGAINST THE PROGRAMS' OBJECTIVES, TASKS AND PROJECTS",
        ),
    }
}

/// The report with sections I and III appended, each only when the view holds its facts
/// (text, Markdown, HTML; JSON as `section_i`/`section_iii`), so a report of a store without
/// documents or indicators keeps its bytes.
fn with_sections(answer: Answer, sections: &[(&str, Prose); 2], format: Format) -> Answer {
    let present: Vec<(usize, &(&str, Prose))> = sections
        .iter()
        .enumerate()
        .filter(|(_, (_, p))| !p.is_empty())
        .collect();
    if present.is_empty() {
        return answer;
    }
    match (answer, format) {
        (Answer::Text(mut t), Format::Text | Format::Md) => {
            for (_, (title, prose)) in &present {
                t.push_str(&prose_out::text(title, prose, format == Format::Md));
            }
            Answer::Text(t)
        }
        (Answer::Text(t), Format::Html) => {
            let html: String = present
                .iter()
                .map(|(_, (title, prose))| prose_out::html(title, prose))
                .collect();
            Answer::Text(match t.rfind("</body>") {
                Some(at) => format!("{}{html}{}", &t[..at], &t[at..]),
                None => t + &html,
            })
        }
        (Answer::Json(mut v), _) => {
            if let Some(o) = v.as_object_mut() {
                for (i, (title, prose)) in &present {
                    let key = if *i == 0 { "section_i" } else { "section_iii" };
                    o.insert(key.into(), prose_out::json(title, prose));
                }
            }
            Answer::Json(v)
        }
        (other, _) => other,
    }
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
