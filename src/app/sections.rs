//! Sections I and III of the whole report, as of a view: the register of documents and the
//! programs' indicators, both recorded in the log like money (issue 16). A later revision of
//! an indicator or an amending plan shows only when the view knows it.
//!
//! Interface shared by the whole-report layout (`report --format docx|md|html`) and the
//! register/indicator events; a view without documents or indicators gives empty sections,
//! which the layout prints as headed blanks.

use crate::core::projection::View;
use crate::core::rules::Recorded;
use crate::core::{facts_view, indicators};
use crate::present::facts_prose;
use crate::present::prose::Prose;
use crate::present::vi_format::Lang;

/// Section I: the period's documents by program, with what amends what.
/// `records` holds at least every `register_document` the view knows (the whole log, or the
/// records that shape it: `app::source::structure`).
pub fn section_one(records: &[Recorded], view: View, plan_year: i32, lang: Lang) -> Prose {
    let entries = facts_view::documents(records, view);
    facts_prose::section_one(&entries, plan_year, lang)
}

/// Section III: each program's indicators in the seed report's sentences.
/// `records` holds at least every `record_indicator` the view knows.
pub fn section_three(records: &[Recorded], view: View, plan_year: i32, lang: Lang) -> Prose {
    let known = facts_view::indicators(records, view);
    let catalogue = indicators::shipped();
    facts_prose::section_three(&catalogue, &known, &plan_year.to_string(), lang)
}

/// Links a row of a trail's JSON to the registered document its document number names (as
/// `entries`, the view's register, knows it): `"registered": {"seq", "form", "subject",
/// "program", "amends", "amended_by"}`. A row of an unregistered document is left as it was.
pub fn link_row(entries: &[facts_view::DocumentEntry<'_>], row: &mut serde_json::Value) {
    let number = row.pointer("/document/number").and_then(|n| n.as_str());
    let Some(d) = number.and_then(|n| facts_view::registered(entries, n)) else {
        return;
    };
    let link = serde_json::json!({
        "seq": d.record.seq,
        "form": d.register.form,
        "subject": d.register.subject,
        "program": d.register.program,
        "amends": d.register.amends,
        "amended_by": d.amended_by.iter().map(|r| r.seq).collect::<Vec<u64>>(),
    });
    if let Some(o) = row.as_object_mut() {
        o.insert("registered".into(), link);
    }
}
