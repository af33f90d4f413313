//! `--server URL --token T`: the read-only commands asked of a running `socai serve` instead
//! of the store, for a machine that does not hold the store (or a store that cannot be read
//! while the server runs). The server answers through the same use cases; JSON is printed
//! as the CLI prints it (pretty), text as sent.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use crate::app::query::Query;
use crate::cli::args::Command;
use crate::cli::failure::Failure;
use crate::cli::http_source::HttpSource;
use crate::core::known_at::KnownAt;
use crate::present::cli_errors::CliProblem;
use crate::present::csv_out::CsvDialect;
use crate::present::vi_format::{Lang, Unit};

/// The commands `--server` answers.
const ASKABLE: &[&str] = &[
    "balance",
    "trail",
    "summary (text)",
    "report",
    "settlement",
    "diff",
    "advances",
];

/// Asks the server at `server` for `command`'s answer and prints it (or writes `--out`).
pub fn answer(
    server: &str,
    token: Option<&str>,
    command: &Command,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let Some(token) = token else {
        return Err(Failure::usage(CliProblem::ServerNeedsToken));
    };
    let (path, format) = command
        .query(lang)
        .and_then(|q| request_path(&q))
        .ok_or_else(|| Failure::usage(CliProblem::ServerAnswersOnly { askable: ASKABLE }))?;
    let client = HttpSource::new(server, token, lang)
        .map_err(|detail| Failure::usage(CliProblem::Quoted { detail }))?;
    let (status, body) = client.fetch(&path, media_type(format)).map_err(|e| {
        let base = client.base().to_string();
        Failure::cli(
            4,
            CliProblem::CannotAskServer {
                base,
                detail: e.to_string(),
            },
        )
    })?;
    if status != 200 {
        return Err(refusal(status, &body));
    }
    let bytes = if format == "json" {
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            let detail = e.to_string();
            Failure::cli(4, CliProblem::ServerAnswerNotJson { detail })
        })?;
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    } else {
        body
    };
    crate::cli::commands::deliver(&bytes, out_path(command), lang, out)
}

fn out_path(command: &Command) -> Option<&Path> {
    match command {
        Command::Report { out, .. } | Command::Settlement { out, .. } => out.as_deref(),
        _ => None,
    }
}

/// A refusal of the server, with the exit code the same refusal has locally.
fn refusal(status: u16, body: &[u8]) -> Failure {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = value["error"]["code"].as_str().unwrap_or("-");
    let message = value["error"]["message"].as_str().map_or_else(
        || String::from_utf8_lossy(body).into_owned(),
        str::to_string,
    );
    let exit = match status {
        400 | 401 | 403 | 404 | 406 => 2,
        _ => 4,
    };
    let code = code.to_string();
    Failure::cli(
        exit,
        CliProblem::ServerRefused {
            status,
            code,
            message,
        },
    )
}

fn media_type(format: &str) -> &'static str {
    match format {
        "json" => "application/json",
        "csv" => "text/csv",
        "md" => "text/markdown",
        "html" => "text/html",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "text/plain",
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn known_at_text(k: &KnownAt) -> String {
    match k {
        KnownAt::Seq(n) => n.to_string(),
        KnownAt::At(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    }
}

/// A request's query string as it is built: `key=value` pairs in order, a key without a
/// value left out.
#[derive(Default)]
struct QueryString(Vec<(&'static str, String)>);

impl QueryString {
    fn add(&mut self, key: &'static str, value: Option<impl ToString>) {
        if let Some(v) = value {
            self.0.push((key, v.to_string()));
        }
    }

    /// The view a question is asked at.
    fn view(&mut self, as_of: Option<NaiveDate>, known_at: Option<&KnownAt>) {
        self.add("as_of", as_of);
        self.add("known_at", known_at.map(known_at_text));
    }

    /// How a report or a settlement is worded and written.
    fn look(&mut self, lang: Lang, unit: Unit, csv_dialect: Option<CsvDialect>) {
        self.add("lang", Some(lang.as_str()));
        self.add("unit", Some(unit.as_str()));
        self.add("csv_dialect", csv_dialect.map(CsvDialect::as_str));
    }
}

/// The API path (with its query) answering `query`, and the format asked; `None` for a
/// query the API does not answer the CLI's way.
fn request_path(query: &Query) -> Option<(String, &'static str)> {
    let mut params = QueryString::default();
    let (path, format) = match query {
        Query::Balance {
            as_of,
            known_at,
            plan_year,
            format,
            csv_dialect,
            ..
        } => {
            params.view(Some(*as_of), known_at.as_ref());
            params.add("plan_year", *plan_year);
            params.add("csv_dialect", csv_dialect.map(CsvDialect::as_str));
            ("/v1/balances".to_string(), format.as_str())
        }
        Query::Trail {
            line,
            as_of,
            known_at,
            format,
            ..
        } => {
            params.view(*as_of, known_at.as_ref());
            (format!("/v1/lines/{}/trail", encode(line)), format.as_str())
        }
        Query::Summary {
            as_of,
            known_at,
            plan_year,
            ..
        } => {
            params.view(Some(*as_of), known_at.as_ref());
            params.add("plan_year", Some(plan_year));
            ("/v1/reports/summary".to_string(), "text")
        }
        Query::Diff(d) => {
            params.view(Some(d.as_of), Some(&d.known_at));
            params.add("vs", Some(known_at_text(&d.vs)));
            params.add("plan_year", d.plan_year);
            ("/v1/reports/diff".to_string(), d.format.as_str())
        }
        Query::Report(r) => {
            params.view(Some(r.as_of), r.known_at.as_ref());
            params.add("plan_year", Some(r.plan_year));
            params.look(r.lang, r.unit, r.csv_dialect);
            params.add("number", r.official.number.as_ref());
            params.add("date", r.official.date);
            ("/v1/reports/section-ii".to_string(), r.format.as_str())
        }
        Query::Settlement(r) => {
            params.add("plan_year", Some(r.plan_year));
            params.view(r.as_of, r.known_at.as_ref());
            params.look(r.lang, r.unit, r.csv_dialect);
            ("/v1/reports/settlement".to_string(), r.format.as_str())
        }
        Query::Advances {
            as_of,
            known_at,
            format,
            ..
        } => {
            params.view(Some(*as_of), known_at.as_ref());
            ("/v1/advances".to_string(), format.as_str())
        }
        Query::SummaryJson { .. } | Query::Export { .. } | Query::Events { .. } => return None,
    };
    if format != "text" || !matches!(query, Query::Summary { .. }) {
        params.add("format", Some(format));
    }
    let query: Vec<String> = params
        .0
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    Some((format!("{path}?{}", query.join("&")), format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_codes_and_moments_are_percent_encoded() {
        assert_eq!(encode("2025/DTTS/SN"), "2025%2FDTTS%2FSN");
        assert_eq!(
            encode("2025-11-20T10:00:00+07:00"),
            "2025-11-20T10%3A00%3A00%2B07%3A00"
        );
        assert_eq!(encode("Lùng"), "L%C3%B9ng");
    }
}
