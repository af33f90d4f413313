//! The use cases every door (CLI, HTTP, dashboard, replay) calls.

pub mod chunked_import;
pub mod fixture;
pub mod indexed_query;
pub mod settlement;
pub mod workload;
