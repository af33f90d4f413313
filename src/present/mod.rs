//! Renderers: text, Markdown, HTML, JSON, CSV, xlsx, charts, journals; the one number API.

pub mod advances;
pub mod catalogue;
pub mod chart;
pub mod consolidated;
pub mod csv_cell;
pub mod csv_out;
pub mod duplicates;
pub mod event_text;
pub mod export;
pub mod journal_xlsx;
pub mod messages;
pub mod prose;
pub mod readable;
pub mod render;
pub mod report;
pub mod settlement;
pub mod vi_format;
pub mod xlsx;
pub mod xlsx_sheet;
