//! `socai reconcile`: printed figures (a claims file) checked against the ledger, each at the
//! precision it was printed with.

use std::path::Path;

use chrono::NaiveDate;

use crate::app::error::{AppError, Problem};
use crate::app::export::json_line;
use crate::app::source::{self, Log};
use crate::core::known_at::KnownAt;
use crate::core::reconcile;
use crate::io::files;
use crate::present::messages::Lang;
use crate::present::reconcile_text;

/// The verdicts as text (or JSON lines), how many claims failed, and how many there were.
pub struct Reconciled {
    pub text: String,
    pub failed: usize,
    pub total: usize,
}

/// Reads a claims file, refusing one over the size limit.
pub fn read_claims(path: &Path) -> Result<String, AppError> {
    files::read_text_file(path, reconcile::MAX_CLAIMS_BYTES).map_err(AppError::File)
}

/// Checks a claims file's text (named `source` in messages) against the ledger.
pub fn reconcile_claims(
    log: Log<'_>,
    source: &str,
    text: &str,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
    (json, lang): (bool, Lang),
) -> Result<Reconciled, AppError> {
    let refused = |detail| {
        AppError::Usage(Problem::Claims {
            source: source.to_string(),
            detail,
        })
    };
    // The parser's stop is worded here, in the reader's language (line, column, why).
    let file = serde_json::from_str(text).map_err(|e| {
        let fault = crate::present::os_text::TextFault::json(&e).text(lang);
        refused(match lang {
            Lang::Vi => fault,
            Lang::En => format!("not a valid claims file: {fault}"),
        })
    })?;
    let file = reconcile::check_claims(file).map_err(refused)?;
    let view = log.view(as_of, known_at)?;
    // Two passes over the log (in memory, or read back in parts): the lines, then the money.
    let structure = source::structure(log, view)?;
    let lines = source::balances(log, &structure, view, Some(plan_year))?;
    let known = crate::core::facts_view::indicators(&structure, view);
    let verdicts = reconcile::check(&file.claims, &lines, &known);
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    let total = verdicts.len();
    let hash = log
        .hash_of(view.known_at)?
        .map_or("-".to_string(), hex::encode);
    let out = if json {
        let mut out = String::new();
        for v in &verdicts {
            let mut obj = reconcile::verdict_json(v);
            if let serde_json::Value::Object(m) = &mut obj {
                m.insert("as_of".into(), as_of.to_string().into());
                m.insert("plan_year".into(), plan_year.into());
                m.insert("known_at".into(), view.known_at.into());
                m.insert("head_hash".into(), hash.clone().into());
            }
            out.push_str(&json_line(&obj));
        }
        out
    } else {
        let pin = (view.known_at, hash.as_str());
        reconcile_text::text(source, &verdicts, (as_of, plan_year), pin, lang)
    };
    Ok(Reconciled {
        text: out,
        failed,
        total,
    })
}
