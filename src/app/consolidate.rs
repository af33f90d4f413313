//! `socai consolidate`: section II summed over the unit stores under one folder (a province's
//! communes), one row per unit and the total, with each unit's knowledge point and head hash
//! in the provenance and the command that prints the same bytes again (`--pin CODE=SEQ`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::app::error::AppError;
use crate::app::query::{self, Answer};
use crate::core::annex::{self, Split};
use crate::core::chain::Chain;
use crate::core::known_at::KnownAt;
use crate::core::money;
use crate::core::unit::Unit;
use crate::ledger::Ledger;
use crate::present::vi_format;
use crate::storage::{Hash, OpenMode};

/// Unit stores one consolidation reads (a province has about 100 communes; Vietnam ~3,300).
pub const MAX_UNITS: usize = 5_000;

#[derive(Clone, Debug)]
pub struct Request {
    pub dir: PathBuf,
    pub plan_year: i32,
    pub as_of: NaiveDate,
    /// `true`: JSON; otherwise text (Vietnamese, triệu đồng).
    pub json: bool,
    /// Knowledge points by unit code (default: each unit's head).
    pub pins: BTreeMap<String, u64>,
}

pub struct Row {
    unit: Unit,
    known_at: u64,
    hash: Option<Hash>,
    split: Split,
}

/// The unit stores under `dir` (folders holding a HEAD record), in name order.
pub fn unit_dirs(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| AppError::Usage(format!("cannot list {}: {e}", dir.display())))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| AppError::Usage(format!("cannot list {}: {e}", dir.display())))?
            .path();
        if path.join("HEAD").is_file() {
            dirs.push(path);
        }
        if dirs.len() > MAX_UNITS {
            return Err(AppError::Usage(format!(
                "{} holds more than {MAX_UNITS} unit stores",
                dir.display()
            )));
        }
    }
    dirs.sort();
    Ok(dirs)
}

fn row(store: &Path, request: &Request) -> Result<Row, AppError> {
    let ledger = Ledger::open_with(
        store,
        OpenMode::MustExist,
        crate::app::settings::ledger_options(),
    )?;
    let Some(unit) = ledger.store().unit().map(|r| r.unit.clone()) else {
        return Err(AppError::Usage(format!(
            "{} has no unit: give it one with `socai --db {} init --unit CODE --name NAME`",
            store.display(),
            store.display()
        )));
    };
    let row = unit_row(ledger.chain(), unit, request)?;
    // Freed now, not left to the exit (`close_for_exit`): one unit after another, memory
    // must stay that of one unit (bench/province: 2.4 GB over 200 units before).
    drop(ledger);
    Ok(row)
}

/// One unit's row, from its chain (a store opened here, or a server's view of one), at the
/// knowledge point pinned for it or its head.
pub fn unit_row(chain: Chain<'_>, unit: Unit, request: &Request) -> Result<Row, AppError> {
    let known_at = request.pins.get(&unit.code).copied().map(KnownAt::Seq);
    let (pin, lines) = query::balances(chain, request.as_of, known_at, Some(request.plan_year))?;
    let split = annex::build(request.plan_year, &lines).all;
    Ok(Row {
        unit,
        known_at: pin.view.known_at,
        hash: pin.hash,
        split,
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
            return Err(AppError::Usage(format!(
                "unit {} appears twice under {}",
                row.unit.code,
                request.dir.display()
            )));
        }
    }
    if let Some(code) = request
        .pins
        .keys()
        .find(|c| !rows.iter().any(|r| &r.unit.code == *c))
    {
        return Err(AppError::Usage(format!(
            "--pin names unit {code}, which is not under {}",
            request.dir.display()
        )));
    }
    let mut total = Split::default();
    for r in &rows {
        total
            .carried
            .add(r.split.carried.plan, r.split.carried.disbursed);
        total
            .in_year
            .add(r.split.in_year.plan, r.split.in_year.disbursed);
    }
    let command = reproduce(request, &rows);
    Ok(if request.json {
        Answer::Json(as_json(request, &rows, &total, &command))
    } else {
        Answer::Text(as_text(request, &rows, &total, &command))
    })
}

/// The command that prints the same bytes: every unit pinned at the sequence it was read at.
fn reproduce(request: &Request, rows: &[Row]) -> String {
    let mut command = format!(
        "socai consolidate --units {} --plan-year {} --as-of {} --format {}",
        request.dir.display(),
        request.plan_year,
        request.as_of,
        if request.json { "json" } else { "text" }
    );
    for r in rows {
        command.push_str(&format!(" --pin {}={}", r.unit.code, r.known_at));
    }
    command
}

fn split_json(s: &Split) -> Value {
    let t = s.total();
    json!({
        "carried": s.carried.plan.to_string(),
        "in_year": s.in_year.plan.to_string(),
        "plan": t.plan.to_string(),
        "disbursed": t.disbursed.to_string(),
        "rate": money::rate_text(money::rate(t.disbursed, t.plan)),
    })
}

fn as_json(request: &Request, rows: &[Row], total: &Split, command: &str) -> Value {
    let units: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = split_json(&r.split);
            v["code"] = r.unit.code.clone().into();
            v["name"] = r.unit.name.clone().into();
            v
        })
        .collect();
    let provenance: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({"code": r.unit.code, "known_at": r.known_at,
                   "head_hash": r.hash.map(hex::encode)})
        })
        .collect();
    json!({
        "plan_year": request.plan_year,
        "as_of": request.as_of.to_string(),
        "amounts": "đồng",
        "units": units,
        "total": split_json(total),
        "provenance": {"units": provenance, "command": command},
    })
}

fn text_row(label: &str, s: &Split) -> String {
    let t = s.total();
    format!(
        "  {label}: kế hoạch {} (chuyển tiếp {}, trong năm {}), giải ngân {} ({})\n",
        vi_format::trieu(t.plan),
        vi_format::trieu(s.carried.plan),
        vi_format::trieu(s.in_year.plan),
        vi_format::trieu(t.disbursed),
        vi_format::percent(money::rate(t.disbursed, t.plan), 2)
    )
}

fn as_text(request: &Request, rows: &[Row], total: &Split, command: &str) -> String {
    let mut out = format!(
        "Tổng hợp kế hoạch vốn và giải ngân các Chương trình MTQG năm {}, số liệu đến hết ngày {}\nĐơn vị: triệu đồng; {} đơn vị.\n\n",
        request.plan_year,
        request.as_of.format("%d/%m/%Y"),
        rows.len()
    );
    for r in rows {
        out.push_str(&text_row(
            &format!("{} {}", r.unit.code, r.unit.name),
            &r.split,
        ));
    }
    out.push_str(&text_row("Tổng cộng", total));
    out.push_str("\nNguồn gốc số liệu\n");
    for r in rows {
        out.push_str(&format!(
            "  {}: đến sự kiện {}, mã băm {}\n",
            r.unit.code,
            r.known_at,
            r.hash.map_or("-".to_string(), hex::encode)
        ));
    }
    out.push_str(&format!("  Lệnh tái lập: {command}\n"));
    out
}
