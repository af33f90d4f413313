//! `socai init`: the budget unit a store belongs to, and where the unit shows in answers.
//! A store without a unit answers exactly as before (nothing is added).

use std::path::Path;

use serde_json::{Value, json};

use crate::app::error::{AppError, Problem};
use crate::core::unit::Unit;
use crate::ledger::Ledger;
use crate::storage::{OpenMode, Store, UNIT_ALREADY_SET, UnitError, UnitRecord};

/// Gives the store in `db` (created when missing) its unit, once, and returns what was
/// recorded. A second `init` is refused with the stable code `unit_already_set`, whatever
/// unit it names.
pub fn init(
    db: &Path,
    unit: Unit,
    options: crate::ledger::Options,
) -> Result<UnitRecord, AppError> {
    let mut ledger = Ledger::open_with(db, OpenMode::CreateIfMissing, options)?;
    if let Some(source) = ledger.store().replica_of() {
        return Err(AppError::Rejected(Problem::ReplicaReadOnly {
            db: db.to_path_buf(),
            source: source.to_string(),
        }));
    }
    let record = match ledger.store_mut().set_unit(unit) {
        Ok(record) => record,
        Err(UnitError::AlreadySet(existing)) => {
            return Err(AppError::Rejected(Problem::UnitAlreadySet {
                stable: UNIT_ALREADY_SET,
                db: db.to_path_buf(),
                code: existing.unit.code,
                name: existing.unit.name,
                since: existing.since,
            }));
        }
        Err(UnitError::Store(e)) => return Err(e.into()),
    };
    Ok(record)
}

/// The unit `socai demo` creates: Lùng Phình commune (Bắc Hà, Lào Cai). The codes are
/// placeholders, not the official administrative codes (which the 2025 reform renumbered).
pub fn demo_unit() -> Unit {
    Unit {
        code: "DEMO-LUNGPHINH".to_string(),
        name: "Xã Lùng Phình".to_string(),
        parent: Some("DEMO-LAOCAI".to_string()),
    }
}

/// Gives a new, empty store the demo unit (a store that has events or a unit keeps its own).
pub fn give_demo_unit(ledger: &mut Ledger) -> Result<(), AppError> {
    if ledger.head_seq() > 0 || ledger.store().unit().is_some() {
        return Ok(());
    }
    match ledger.store_mut().set_unit(demo_unit()) {
        Ok(_) => Ok(()),
        Err(UnitError::AlreadySet(_)) => Ok(()),
        Err(UnitError::Store(e)) => Err(e.into()),
    }
}

/// The unit as answers show it (`balance --json`, `GET /v1/unit`).
pub fn unit_json(record: &UnitRecord) -> Value {
    json!({
        "code": record.unit.code,
        "name": record.unit.name,
        "parent": record.unit.parent,
        "since_seq": record.since,
        "digest": hex::encode(record.digest()),
    })
}

/// The unit of a store read without opening its log (the indexed read path); a full open or
/// `verify` checks it against the chain.
pub fn read_unit(db: &Path) -> Result<Option<UnitRecord>, AppError> {
    Ok(Store::read_unit(db)?)
}

/// Adds `"unit"` (code, name, parent) to a JSON object answer when the store has a unit
/// (first key, so a reader sees whose figures these are before the figures).
pub fn with_unit(value: Value, unit: Option<&Unit>) -> Value {
    match (value, unit) {
        (Value::Object(map), Some(u)) => {
            let mut out = serde_json::Map::with_capacity(map.len() + 1);
            out.insert(
                "unit".to_string(),
                json!({"code": u.code, "name": u.name, "parent": u.parent}),
            );
            out.extend(map);
            Value::Object(out)
        }
        (value, _) => value,
    }
}
