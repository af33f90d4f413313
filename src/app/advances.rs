//! The advances to recover (issue 13) at a view: the use case behind `socai advances` and
//! `GET /v1/advances`. The rows come from `core::advances`; the report can use the same.

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::source::{self, Log};
use crate::core::advances::{self, AdvanceDue, advances_to_recover};
use crate::core::known_at::KnownAt;
use crate::core::rules::Recorded;
use crate::present::advances as present;
use crate::present::report::Pin;
use crate::present::vi_format::Lang;

/// The rows of the list and the view that pins them: one pass over the records the view
/// counts, keeping only those that move an advance or a contract (`advances::concerns`), so
/// memory is that of the advances, not of the log (read back in parts or in memory).
pub fn rows(
    log: Log<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
) -> Result<(Pin, Vec<AdvanceDue>), AppError> {
    let view = log.view(as_of, known_at)?;
    let pin = Pin {
        view,
        hash: log.hash_of(view.known_at)?,
    };
    let reversals = log.reversals(view.known_at);
    let mut concerning: Vec<Recorded> = Vec::new();
    let parts = log.parts(view.known_at);
    source::each_counted(parts.as_ref(), view, &reversals, &mut |r| {
        if advances::concerns(r) {
            concerning.push(r.clone());
        }
    })
    .map_err(source::unreadable)?;
    // Only the counted records that move advances: the same list as from every record.
    Ok((pin, advances_to_recover(&concerning, view)))
}

/// The list as text, or JSON (anything but text).
pub fn advances(
    log: Log<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    format: Format,
    lang: Lang,
) -> Result<Answer, AppError> {
    let (pin, rows) = rows(log, as_of, known_at)?;
    Ok(match format {
        Format::Text => Answer::Text(present::advances_text(pin, &rows, lang)),
        _ => Answer::Json(present::advances_json(pin, &rows)),
    })
}
