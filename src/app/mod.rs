//! The use cases every door (CLI, HTTP, dashboard, replay) calls. Requests and answers are
//! plain types; nothing here knows clap, axum or the terminal (progress goes through
//! `progress::Progress`).

pub mod advances;
pub mod chart;
pub mod chunked_import;
pub mod consolidate;
pub mod duplicates;
pub mod error;
pub mod events;
pub mod export;
pub mod fixture;
pub mod format;
pub mod generate;
pub mod import;
pub mod indexed_diff;
pub mod indexed_query;
pub mod progress;
pub mod query;
pub mod reconcile;
pub mod recover;
pub mod replicate;
pub mod report;
pub mod report_fold;
pub mod sections;
pub mod settings;
pub mod settlement;
pub mod source;
pub mod unit;
pub mod workload;

pub use error::AppError;
pub use format::Format;
