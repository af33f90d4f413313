//! Every integration test in one binary: one link of the crate instead of one per file, and the
//! tests of all files share the test threads (BENCHMARKS.md, "CI time"). `tests/common` stays
//! shared. Run one file's tests with `cargo test --test it NAME::`.

#[path = "../common/mod.rs"]
mod common;

mod budget_year;
mod chart;
mod chunked_import;
mod cli;
mod cli_help;
mod cli_manners;
mod cli_names;
mod completions;
mod consolidate;
mod crash;
mod dashboard;
mod drills;
mod english_labels;
mod envelope_bytes;
mod export;
mod far_diff;
mod fixtures;
mod format;
mod fuzz;
mod group_commit;
mod index;
mod inputs;
mod journal_reads;
mod layering;
mod legacy_rules;
mod limits;
mod model;
mod openapi;
mod parquet;
mod payments;
mod payments_format;
mod payments_store;
mod plan_import;
mod progress;
mod province;
mod reconcile;
mod recovery;
mod replicate;
mod report;
mod report_docx;
mod report_sources;
mod rules;
mod rules_given;
mod schema;
mod sections;
mod seed;
mod served_reads;
mod server;
mod server_audit;
mod server_drills;
mod server_lang;
mod server_load;
mod sheets;
mod store;
mod store_folder;
mod streamed_export;
mod trail_search;
mod units;
mod works;
