//! Outside bytes in and out: the JSON-lines reader, plan tables, small and atomic file I/O.

pub mod files;
pub mod jsonl;
pub mod ods_scan;
pub mod plan_import;
pub mod sheet_cells;
