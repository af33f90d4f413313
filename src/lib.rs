//! socai (sổ cái): an event-sourced ledger of public budget allocations and disbursements.
//! See ARCHITECTURE.md for the map.

pub mod annex;
pub mod chart;
pub mod chunked_import;
pub mod cli;
pub mod event;
pub mod export;
pub mod fixture;
pub mod index;
pub mod indexed_query;
pub mod known_at;
pub mod ledger;
pub mod money;
pub mod plan_import;
pub mod progress;
pub mod projection;
pub mod reconcile;
pub mod rejection;
pub mod render;
pub mod report;
pub mod revision;
pub mod rules;
pub mod server;
pub mod store;
pub mod vi_format;
pub mod workload;
pub mod xlsx;
