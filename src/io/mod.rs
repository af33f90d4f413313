//! Outside bytes into import-format events: plan tables.

pub mod ods_scan;
pub mod plan_import;
pub mod sheet_cells;
