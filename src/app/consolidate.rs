//! `socai consolidate`: section II, or the settlement view, summed over the unit stores under
//! one folder (a province's communes), one row per unit and the total, with each unit's
//! knowledge point and head hash in the provenance and the command that prints the same bytes
//! again (`--pin CODE=SEQ`), in text, JSON, Markdown, CSV or xlsx (`present::consolidated`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem, render};
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::settlement;
use crate::app::source::{self, Log};
use crate::core::annex::{self, Split};
use crate::core::known_at::KnownAt;
use crate::core::unit::Unit;
use crate::ledger::Ledger;
use crate::present::consolidated::{self as present, Consolidated, Figures, UnitRow};
use crate::present::csv_out::CsvDialect;
use crate::present::vi_format::Lang;
use crate::storage::{Hash, OpenMode};

/// Unit stores one consolidation reads (a province has about 100 communes; Vietnam ~3,300).
pub const MAX_UNITS: usize = 5_000;

/// The formats a consolidation is written in.
pub const FORMATS: [Format; 5] = [
    Format::Text,
    Format::Json,
    Format::Md,
    Format::Csv,
    Format::Xlsx,
];

/// What is summed over the units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Section II: plan (carried over, in-year) and disbursement.
    #[default]
    SectionTwo,
    /// The settlement (quyết toán): brought forward … unspent, as `socai settlement` has.
    Settlement,
}

impl View {
    pub const ALL: [View; 2] = [View::SectionTwo, View::Settlement];

    /// The name of `--view` (and of `view=` over HTTP).
    pub fn as_str(self) -> &'static str {
        match self {
            View::SectionTwo => "section-ii",
            View::Settlement => "settlement",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub dir: PathBuf,
    pub plan_year: i32,
    pub as_of: NaiveDate,
    /// One of `FORMATS`.
    pub format: Format,
    pub view: View,
    /// How a CSV answer is written (excel-vi unless asked: the consolidation is Vietnamese).
    pub csv_dialect: CsvDialect,
    /// Knowledge points by unit code (default: each unit's head).
    pub pins: BTreeMap<String, u64>,
    /// The language people read it in (`--lang`, `Accept-Language`); JSON keys do not change.
    pub lang: Lang,
}

pub struct Row {
    unit: Unit,
    known_at: u64,
    hash: Option<Hash>,
    recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    figures: Figures,
}

/// The unit stores under `dir` (folders holding a HEAD record), in name order.
fn cannot_list(dir: &Path, cause: std::io::Error) -> AppError {
    AppError::Usage(Problem::CannotList {
        dir: dir.to_path_buf(),
        cause: cause.into(),
    })
}

pub fn unit_dirs(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let entries = std::fs::read_dir(dir).map_err(|cause| cannot_list(dir, cause))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|cause| cannot_list(dir, cause))?.path();
        if path.join("HEAD").is_file() {
            dirs.push(path);
        }
        if dirs.len() > MAX_UNITS {
            return Err(AppError::Usage(Problem::TooManyUnits {
                dir: dir.to_path_buf(),
                max: MAX_UNITS,
            }));
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn row(store: &Path, request: &Request) -> Result<Row, AppError> {
    // The whole log in memory: a commune's log is small, and reading it back in parts
    // (`Hold::Reading`) made `bench/province` (20 units of 20,000 events) 0.83 -> 1.40 s for
    // 63 -> 58 MB.
    let options = crate::app::settings::reading_options(crate::ledger::Hold::WholeLog);
    let ledger = Ledger::open_with(store, OpenMode::MustExist, options)?;
    let Some(unit) = ledger.store().unit().map(|r| r.unit.clone()) else {
        return Err(AppError::Usage(Problem::NoUnit {
            store: store.to_path_buf(),
        }));
    };
    let row = unit_row(ledger.chain().into(), unit, request)?;
    // Freed now, not left to the exit (`close_for_exit`): one unit after another, memory
    // must stay that of one unit (bench/province: 2.4 GB over 200 units before).
    drop(ledger);
    Ok(row)
}

/// One unit's row, from its log (a store opened here and read back in parts, or a server's
/// view of one), at the knowledge point pinned for it or its head.
pub fn unit_row(log: Log<'_>, unit: Unit, request: &Request) -> Result<Row, AppError> {
    let known_at = request.pins.get(&unit.code).copied().map(KnownAt::Seq);
    let view = log.view(request.as_of, known_at)?;
    let structure = source::structure(log, view)?;
    let figures = match request.view {
        View::SectionTwo => {
            let lines = source::balances(log, &structure, view, Some(request.plan_year))?;
            Figures::SectionTwo(annex::build(request.plan_year, &lines).all)
        }
        View::Settlement => {
            let s = settlement::fold(log, &structure, view, request.plan_year)?;
            Figures::Settlement(s.total)
        }
    };
    Ok(Row {
        unit,
        known_at: view.known_at,
        hash: log.hash_of(view.known_at)?,
        recorded_at: log.recorded_at(view.known_at)?,
        figures,
    })
}

pub fn consolidate(request: &Request) -> Result<Answer, AppError> {
    let rows = unit_dirs(&request.dir)?
        .iter()
        .map(|store| row(store, request))
        .collect::<Result<Vec<Row>, AppError>>()?;
    assemble(request, rows)
}

/// The consolidation of the units' rows (in unit-directory order): totals, provenance and
/// the command that prints the same bytes.
pub fn assemble(request: &Request, rows: Vec<Row>) -> Result<Answer, AppError> {
    for (i, row) in rows.iter().enumerate() {
        if rows[..i].iter().any(|r| r.unit.code == row.unit.code) {
            return Err(AppError::Usage(Problem::UnitTwice {
                code: row.unit.code.clone(),
                dir: request.dir.clone(),
            }));
        }
    }
    if let Some(code) = request
        .pins
        .keys()
        .find(|c| !rows.iter().any(|r| &r.unit.code == *c))
    {
        return Err(AppError::Usage(Problem::PinNotUnder {
            code: code.clone(),
            dir: request.dir.clone(),
        }));
    }
    let command = reproduce(request, &rows);
    let created = rows
        .iter()
        .filter_map(|r| r.recorded_at)
        .max()
        .unwrap_or_else(|| request.as_of.and_time(chrono::NaiveTime::MIN).and_utc());
    let consolidated = Consolidated {
        plan_year: request.plan_year,
        as_of: request.as_of,
        total: total(request.view, &rows),
        units: rows
            .into_iter()
            .map(|r| UnitRow {
                code: r.unit.code,
                name: r.unit.name,
                known_at: r.known_at,
                head_hash: r.hash.map(hex::encode),
                figures: r.figures,
            })
            .collect(),
        command,
        created,
        lang: request.lang,
    };
    Ok(match request.format {
        Format::Json => Answer::Json(present::json(&consolidated)),
        Format::Md => Answer::Text(present::markdown(&consolidated)),
        Format::Csv => {
            Answer::Text(present::csv(&consolidated, request.csv_dialect).map_err(render)?)
        }
        Format::Xlsx => Answer::Bytes(present::xlsx(&consolidated).map_err(render)?),
        _ => Answer::Text(present::text(&consolidated)),
    })
}

/// The province total of the units' rows.
fn total(view: View, rows: &[Row]) -> Figures {
    match view {
        View::SectionTwo => {
            let mut total = Split::default();
            for r in rows {
                if let Figures::SectionTwo(s) = &r.figures {
                    total.carried.add(s.carried.plan, s.carried.disbursed);
                    total.in_year.add(s.in_year.plan, s.in_year.disbursed);
                }
            }
            Figures::SectionTwo(total)
        }
        View::Settlement => {
            let mut total = crate::core::settlement::Row::default();
            for r in rows {
                if let Figures::Settlement(row) = &r.figures {
                    total.add(row);
                }
            }
            Figures::Settlement(total)
        }
    }
}

/// The command that prints the same bytes: every unit pinned at the sequence it was read at
/// (the pins last). Section II in text or JSON is named as it was before the other views and
/// formats existed; a CSV names its dialect; the language is always named (`SOCAI_LANG`
/// would otherwise choose it), before the pins.
fn reproduce(request: &Request, rows: &[Row]) -> String {
    let mut command = format!(
        "socai consolidate --units {} --plan-year {} --as-of {} --format {}",
        request.dir.display(),
        request.plan_year,
        request.as_of,
        request.format.as_str()
    );
    if request.view != View::SectionTwo {
        command.push_str(&format!(" --view {}", request.view.as_str()));
    }
    if request.format == Format::Csv {
        command.push_str(&format!(" --csv-dialect {}", request.csv_dialect.as_str()));
    }
    command.push_str(&format!(" --lang {}", request.lang.as_str()));
    for r in rows {
        command.push_str(&format!(" --pin {}={}", r.unit.code, r.known_at));
    }
    command
}
