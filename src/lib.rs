//! socai (sổ cái): an event-sourced ledger of public budget allocations and disbursements.
//! See ARCHITECTURE.md for the map: the folders follow the data flow.

pub mod app;
pub mod cli;
pub mod core;
pub mod io;
pub mod ledger;
pub mod present;
pub mod server;
pub mod storage;
