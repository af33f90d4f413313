//! Sections I and III of the whole report, as of a view: the register of documents and the
//! programs' indicators, both recorded in the log like money.
//!
//! Interface shared by the whole-report layout (`report --format docx|md|html`) and the
//! register/indicator events; until those events exist both sections are empty, and the
//! layout prints them as headed blanks.

use crate::app::source::Chain;
use crate::core::projection::View;
use crate::present::prose::Prose;
use crate::present::vi_format::Lang;

/// Section I: the period's documents by program, with what amends what.
pub fn section_one(_chain: Chain<'_>, _view: View, _plan_year: i32, _lang: Lang) -> Prose {
    Prose::default()
}

/// Section III: each program's indicators in the seed report's sentences.
pub fn section_three(_chain: Chain<'_>, _view: View, _plan_year: i32, _lang: Lang) -> Prose {
    Prose::default()
}
