//! The advances to recover (issue 13) at a view: the use case behind `socai advances` and
//! `GET /v1/advances`. The rows come from `core::advances`; the report can use the same.

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::format::Format;
use crate::app::query::Answer;
use crate::app::source::{Chain, view};
use crate::core::advances::{AdvanceDue, advances_to_recover};
use crate::core::known_at::KnownAt;
use crate::present::advances as present;
use crate::present::report::Pin;
use crate::present::vi_format::Lang;

/// The rows of the list and the view that pins them.
pub fn rows(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
) -> Result<(Pin, Vec<AdvanceDue>), AppError> {
    let view = view(chain, as_of, known_at)?;
    Ok((chain.pin(view), advances_to_recover(chain.records(), view)))
}

/// The list as text, or JSON (anything but text).
pub fn advances(
    chain: Chain<'_>,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    format: Format,
    lang: Lang,
) -> Result<Answer, AppError> {
    let (pin, rows) = rows(chain, as_of, known_at)?;
    Ok(match format {
        Format::Text => Answer::Text(present::advances_text(pin, &rows, lang)),
        _ => Answer::Json(present::advances_json(pin, &rows)),
    })
}
