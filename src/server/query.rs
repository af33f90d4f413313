//! Query parameters and format negotiation. Pure. Unknown parameters are refused, so a
//! misspelt `as_of` never silently gives a different view.

use std::collections::HashMap;

use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;

pub use crate::app::Format;
use crate::core::known_at::{self, KnownAt};
use crate::core::money;
use crate::present::api_problems::ApiProblem;
use crate::present::csv_out::CsvDialect;
use crate::present::vi_format::{Lang, Unit};
use crate::server::api_error::ApiError;

#[derive(Debug)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Parses a query string, accepting only `allowed` names, each at most once.
    pub fn parse(query: Option<&str>, allowed: &[&str]) -> Result<Params, ApiError> {
        let mut map = HashMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key)?;
            let value = decode(value)?;
            if !allowed.contains(&key.as_str()) {
                return Err(ApiError::parameter(ApiProblem::UnknownParameter {
                    key,
                    allowed: allowed.iter().map(|a| a.to_string()).collect(),
                }));
            }
            if map.insert(key.clone(), value).is_some() {
                return Err(ApiError::parameter(ApiProblem::RepeatedParameter { key }));
            }
        }
        Ok(Params(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn date(&self, key: &str) -> Result<Option<NaiveDate>, ApiError> {
        self.get(key)
            .map(|v| {
                money::parse_date(v).map_err(|why| {
                    ApiError::parameter(ApiProblem::BadDate {
                        key: key.to_string(),
                        value: v.to_string(),
                        why,
                    })
                })
            })
            .transpose()
    }

    pub fn required_date(&self, key: &str) -> Result<NaiveDate, ApiError> {
        self.date(key)?.ok_or_else(|| {
            ApiError::parameter(ApiProblem::MissingParameter {
                key: key.to_string(),
                date: true,
            })
        })
    }

    /// `known_at`: a sequence number or an RFC 3339 moment, read as the CLI reads it.
    pub fn known_at(&self, key: &str) -> Result<Option<KnownAt>, ApiError> {
        self.get(key)
            .map(|v| known_at::parse(v).map_err(|e| known_at_error(&e, key)))
            .transpose()
    }

    /// One of `all` (e.g. `Lang::ALL`), by the name `name` gives it (the CLI's name too).
    pub fn choice<T: Copy>(
        &self,
        key: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|v| {
                all.iter().copied().find(|x| name(*x) == v).ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
                    ApiError::parameter(ApiProblem::NotOneOf {
                        key: key.to_string(),
                        value: v.to_string(),
                        names: names.join(", "),
                    })
                })
            })
            .transpose()
    }

    /// A `true`/`false` parameter (`stored`, `whole`); absent is false.
    pub fn flag(&self, key: &str) -> Result<bool, ApiError> {
        Ok(self
            .choice(key, &[true, false], |b| if b { "true" } else { "false" })?
            .unwrap_or(false))
    }

    /// `lang`: the language of the text a report is written in (`default` unless asked: the
    /// request's Accept-Language).
    pub fn lang(&self, default: Lang) -> Result<Lang, ApiError> {
        Ok(self
            .choice("lang", &Lang::ALL, Lang::as_str)?
            .unwrap_or(default))
    }

    /// `unit`: the unit amounts are shown in (triệu đồng unless asked; JSON is always đồng).
    pub fn amount_unit(&self) -> Result<Unit, ApiError> {
        Ok(self
            .choice("unit", &Unit::ALL, Unit::as_str)?
            .unwrap_or(Unit::Trieu))
    }

    /// `csv_dialect`: excel-vi or plain (`None`: the language's default).
    pub fn csv_dialect(&self) -> Result<Option<CsvDialect>, ApiError> {
        self.choice("csv_dialect", &CsvDialect::ALL, CsvDialect::as_str)
    }

    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    ApiError::parameter(ApiProblem::NotANumber {
                        key: key.to_string(),
                        value: v.to_string(),
                    })
                })
            })
            .transpose()
    }
}

/// A knowledge point that names no view, as a bad parameter named `key`.
pub fn known_at_error(e: &known_at::KnownAtError, key: &str) -> ApiError {
    ApiError::worded(
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
        crate::present::problems::known_at(e, key, Lang::Vi),
        e.message(key),
    )
}

fn decode(text: &str) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| ApiError::parameter(ApiProblem::BadPercentEncoding))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::parameter(ApiProblem::QueryNotUtf8))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The media type of a format's answer.
pub fn media_type(format: Format) -> &'static str {
    match format {
        Format::Json => "application/json",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Text => "text/plain; charset=utf-8",
        Format::Md => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Xlsx => XLSX,
        Format::Docx => DOCX,
    }
}

fn from_media(media: &str) -> Option<Format> {
    match media {
        "application/json" => Some(Format::Json),
        "text/csv" => Some(Format::Csv),
        "text/plain" => Some(Format::Text),
        "text/markdown" => Some(Format::Md),
        "text/html" => Some(Format::Html),
        XLSX => Some(Format::Xlsx),
        DOCX => Some(Format::Docx),
        _ => None,
    }
}

/// Picks a format: `?format=` wins; else the first acceptable media type of `Accept` that is
/// offered (wildcards take the first offered); no `Accept` gives the first offered.
pub fn negotiate(
    params: &Params,
    headers: &HeaderMap,
    offered: &[Format],
) -> Result<Format, ApiError> {
    let names = || {
        offered
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(wanted) = params.get("format") {
        return offered
            .iter()
            .copied()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                ApiError::of(
                    axum::http::StatusCode::NOT_ACCEPTABLE,
                    "unsupported_format",
                    ApiProblem::FormatNotOffered {
                        wanted: wanted.to_string(),
                        names: names(),
                    },
                )
            });
    }
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(offered[0]);
    };
    let mut ranges: Vec<(f32, usize, &str)> = Vec::new();
    for (i, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let q = parts
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && !media.is_empty() {
            ranges.push((q, i, media));
        }
    }
    // Highest quality first, then the client's order.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, media) in ranges {
        let media = media.to_ascii_lowercase();
        if media == "*/*" {
            return Ok(offered[0]);
        }
        if let Some(prefix) = media.strip_suffix("/*")
            && let Some(f) = offered.iter().find(|f| media_type(**f).starts_with(prefix))
        {
            return Ok(*f);
        }
        if let Some(f) = from_media(&media).filter(|f| offered.contains(f)) {
            return Ok(f);
        }
    }
    Err(ApiError::of(
        axum::http::StatusCode::NOT_ACCEPTABLE,
        "unsupported_format",
        ApiProblem::AcceptNotOffered {
            accept: accept.to_string(),
            names: names(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn unknown_and_repeated_parameters_are_refused() {
        assert!(Params::parse(Some("as_of=2025-01-01"), &["as_of"]).is_ok());
        let e = Params::parse(Some("as_off=2025-01-01"), &["as_of"]).unwrap_err();
        assert_eq!(e.code, "invalid_parameter");
        assert!(e.message.contains("as_off"), "{}", e.message);
        assert!(Params::parse(Some("a=1&a=2"), &["a"]).is_err());
        let p = Params::parse(Some("a=x%2Fy+z"), &["a"]).unwrap();
        assert_eq!(p.get("a"), Some("x/y z"));
        assert!(p.required_date("b").is_err());
    }

    #[test]
    fn formats_follow_the_parameter_then_accept() {
        let offered = [Format::Json, Format::Csv, Format::Text];
        let none = Params::parse(None, &[]).unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&none, &h, &offered).unwrap(), Format::Json);
        h.insert(
            ACCEPT,
            HeaderValue::from_static("application/json;q=0.5, text/csv"),
        );
        assert_eq!(negotiate(&none, &h, &offered).unwrap(), Format::Csv);
        h.insert(ACCEPT, HeaderValue::from_static("text/*"));
        assert_eq!(negotiate(&none, &h, &offered).unwrap(), Format::Csv);
        h.insert(ACCEPT, HeaderValue::from_static("image/png"));
        assert_eq!(
            negotiate(&none, &h, &offered).unwrap_err().code,
            "unsupported_format"
        );
        let p = Params::parse(Some("format=text"), &["format"]).unwrap();
        assert_eq!(negotiate(&p, &h, &offered).unwrap(), Format::Text);
        assert!(negotiate(&p, &h, &[Format::Json]).is_err());
    }
}
