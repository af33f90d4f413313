//! Revised indicators in a revision diff (issue 16): each indicator whose figure as of the
//! date differs between the two knowledge points, with the records that hold each figure.

use serde_json::{Value, json};

use crate::core::facts_view::{IndicatorChange, fact};
use crate::core::rules::Recorded;
use crate::present::messages::t;
use crate::present::vi_format::{Lang, number};

/// A figure as the diff prints it: "25,46% (570/2.239)", "đạt", "–" when not known.
fn figure(r: Option<&Recorded>, lang: Lang) -> String {
    let Some(f) = r.and_then(fact) else {
        return "–".to_string();
    };
    let value = match f.figure {
        crate::core::facts::Figure::Met(m) => {
            return if m {
                t(lang, "đạt", "met")
            } else {
                t(lang, "chưa đạt", "not met")
            }
            .to_string();
        }
        crate::core::facts::Figure::Number(v) => number(v, v.scale(), lang),
    };
    let counts = match (f.numerator, f.denominator) {
        (Some(n), Some(d)) => format!(
            " ({}/{})",
            number(n, n.scale(), lang),
            number(d, d.scale(), lang)
        ),
        _ => String::new(),
    };
    let unit = if f.unit == "%" {
        "%".to_string()
    } else {
        format!(" {}", f.unit)
    };
    format!("{value}{unit}{counts}")
}

/// The diff's text lines for revised indicators (empty when none changed).
pub fn text(changes: &[IndicatorChange<'_>], lang: Lang) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n{}: {}\n",
        t(lang, "chỉ tiêu thay đổi", "indicators that changed"),
        changes.len()
    );
    for c in changes {
        let by = c.after.or(c.before).map_or(0, |r| r.seq);
        let (period, sequence) = match lang {
            Lang::Vi => ("năm", "sự kiện số"),
            Lang::En => ("for", "sequence"),
        };
        let line = format!(
            "  {} {period} {}: {} → {} ({sequence} {by})\n",
            c.indicator,
            c.period,
            figure(c.before, lang),
            figure(c.after, lang)
        );
        out.push_str(&line);
    }
    out
}

fn record_json(r: Option<&Recorded>) -> Value {
    let Some((r, f)) = r.and_then(|r| Some((r, fact(r)?))) else {
        return Value::Null;
    };
    let value = match f.figure {
        crate::core::facts::Figure::Number(v) => json!(v.to_string()),
        crate::core::facts::Figure::Met(m) => json!(m),
    };
    json!({
        "seq": r.seq,
        "id": r.event.id.to_string(),
        "effective_date": r.event.effective_date.to_string(),
        "value": value,
        "numerator": f.numerator.map(|n| n.to_string()),
        "denominator": f.denominator.map(|d| d.to_string()),
        "unit": f.unit,
        "target": f.target.map(|t| t.to_string()),
        "document": r.event.document.as_ref().map(|d| d.number.clone()),
    })
}

/// The diff's JSON array of revised indicators.
pub fn json(changes: &[IndicatorChange<'_>]) -> Value {
    Value::Array(
        changes
            .iter()
            .map(|c| {
                json!({
                    "indicator": c.indicator,
                    "period": c.period,
                    "before": record_json(c.before),
                    "after": record_json(c.after),
                })
            })
            .collect(),
    )
}
