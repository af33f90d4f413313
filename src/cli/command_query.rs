//! The read-only question each command asks (`Command::query`): the one road from the
//! command line into `app::query`, which `replay` and `--server` take too.

use crate::app::Format;
use crate::app::query::{DiffRequest, Query};
use crate::app::report::ReportRequest;
use crate::app::settlement::SettlementRequest;
use crate::present::csv_out::CsvDialect;
use crate::present::render::official::Official;
use crate::present::vi_format::Lang;

use super::args::{Command, export_format, output_format};

impl Command {
    /// `socai events` as a query (`None` for any other command).
    fn events_query(&self, lang: Lang) -> Option<Query> {
        let Command::Events {
            document,
            payee,
            line,
            from,
            to,
            kind,
            after,
            limit,
            json,
        } = self
        else {
            return None;
        };
        let filter = crate::app::events::Filter {
            document: document.clone(),
            payee: payee.clone(),
            line: line.clone(),
            from: *from,
            to: *to,
            kind: kind.clone(),
        };
        Some(Query::Events {
            request: crate::app::events::Request {
                filter,
                after: *after,
                limit: *limit,
            },
            format: if *json { Format::Json } else { Format::Text },
            lang,
        })
    }

    /// The plan year the command was asked about, if it takes one.
    pub fn plan_year(&self) -> Option<i32> {
        match self {
            Command::Balance { plan_year, .. } | Command::Diff { plan_year, .. } => *plan_year,
            Command::Summary { at, .. }
            | Command::Report { at, .. }
            | Command::Reconcile { at, .. } => Some(at.plan_year),
            Command::Settlement { plan_year, .. } | Command::Chart { plan_year, .. } => {
                Some(*plan_year)
            }
            _ => None,
        }
    }

    /// The read-only question this command asks, for the commands that are one (`replay`
    /// runs only those).
    pub fn query(&self, lang: Lang) -> Option<Query> {
        let text_or_json = |json: bool| if json { Format::Json } else { Format::Text };
        Some(match self {
            Command::Balance {
                at,
                plan_year,
                json,
            } => Query::Balance {
                as_of: at.as_of,
                known_at: at.known_at,
                plan_year: *plan_year,
                format: text_or_json(*json),
                lang,
                csv_dialect: None,
            },
            Command::Trail { line, at, json } => Query::Trail {
                line: line.clone(),
                as_of: at.as_of,
                known_at: at.known_at,
                format: text_or_json(*json),
                lang,
            },
            Command::Events { .. } => self.events_query(lang)?,
            Command::Advances { at, json } => Query::Advances {
                as_of: at.as_of,
                known_at: at.known_at,
                format: text_or_json(*json),
                lang,
            },
            Command::Summary { at, json: false } => Query::Summary {
                as_of: at.at.as_of,
                known_at: at.at.known_at,
                plan_year: at.plan_year,
                lang,
            },
            Command::Summary { at, json: true } => Query::SummaryJson {
                as_of: at.at.as_of,
                known_at: at.at.known_at,
                plan_year: at.plan_year,
            },
            Command::Diff {
                as_of,
                known_at,
                vs,
                plan_year,
                json,
            } => Query::Diff(DiffRequest {
                as_of: *as_of,
                known_at: *known_at,
                vs: *vs,
                plan_year: *plan_year,
                format: text_or_json(*json),
                lang,
            }),
            Command::Report { .. } | Command::Settlement { .. } | Command::Export { .. } => {
                return self.output_query(lang);
            }
            _ => return None,
        })
    }

    /// The questions of the commands that can write a file (`--out`): the format follows
    /// `--format` or the file's extension.
    fn output_query(&self, lang: Lang) -> Option<Query> {
        Some(match self {
            Command::Report {
                at,
                format,
                unit,
                number,
                date,
                csv_dialect,
                out,
                whole,
            } => Query::Report(ReportRequest {
                as_of: at.at.as_of,
                known_at: at.at.known_at,
                plan_year: at.plan_year,
                format: output_format(*format, out.as_deref()),
                lang,
                unit: *unit,
                official: Official {
                    number: number.clone(),
                    date: *date,
                },
                csv_dialect: *csv_dialect,
                whole: *whole,
            }),
            Command::Settlement {
                plan_year,
                at,
                json,
                format,
                unit,
                csv_dialect,
                out,
            } => Query::Settlement(SettlementRequest {
                plan_year: *plan_year,
                as_of: at.as_of,
                known_at: at.known_at,
                format: if *json {
                    Format::Json
                } else {
                    output_format(*format, out.as_deref())
                },
                lang,
                unit: *unit,
                csv_dialect: *csv_dialect,
            }),
            Command::Export {
                format,
                known_at,
                csv_dialect,
                out,
            } => Query::Export {
                format: export_format(*format, out.as_deref()),
                known_at: *known_at,
                csv_dialect: CsvDialect::chosen(*csv_dialect, lang),
            },
            _ => return None,
        })
    }
}
