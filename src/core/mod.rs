//! The pure domain: money, rejection codes, events, rules, views and the figures derived from them.
//! No I/O, clock, environment or threads; nothing from outside `core` (see tests/layering.rs).

pub mod advances;
pub mod annex;
pub mod by_source;
pub mod cause_lists;
pub mod chain;
pub mod duplicates;
pub mod event;
pub mod event_json;
pub mod facts;
pub mod facts_view;
mod fields;
pub mod fold;
pub mod held;
pub mod id_map;
pub mod indicators;
pub mod known_at;
pub mod money;
pub mod number;
pub mod projection;
pub mod reconcile;
pub mod reconcile_facts;
pub mod rejection;
pub mod revision;
pub mod rule_data;
pub mod rules;
mod rules_budget;
mod rules_held;
mod rules_pay;
mod rules_works;
pub mod settlement;
pub mod tag_runs;
pub mod tag_table;
pub mod text;
pub mod trail_plan;
pub mod unit;
pub mod works_annex;
