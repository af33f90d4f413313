//! The page: its shell, the view's figures (section II, the lines) and the charts.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::app::duplicates as app_duplicates;
use crate::app::query;
use crate::core::annex;
use crate::core::duplicates;
use crate::core::known_at::KnownAt;
use crate::core::projection::{self, View};
use crate::present::chart;
use crate::present::duplicates as present_duplicates;
use crate::present::render::{self, Style, html_escape as e};
use crate::present::vi_format::{self, Lang, Unit};
use crate::server::api_error::ApiError;
use crate::server::auth::Principal;
use crate::server::config::Role;
use crate::server::log_view::Log;
use crate::server::query::Params;

use super::form::{Typed, forms};
use super::lines::lines_table;
use super::today;
use super::trail::trail;

/// The page's styles: phone screens (390 px: wide tables scroll inside their box, never the
/// page) and A4 print (forms hidden, headers repeated). Inline, as the page CSP allows styles
/// (`style-src 'unsafe-inline'`) but nothing else.
const STYLE: &str = include_str!("style.css");

pub(super) fn page_shell(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        e(title)
    )
}

pub(super) fn login_page(message: Option<&str>) -> String {
    let mut body = String::from("<h1>Sổ cái – Bảng điều khiển</h1>\n");
    if let Some(m) = message {
        let _ = writeln!(body, "<p class=\"notice err\">{}</p>", e(m));
    }
    body.push_str(
        "<form method=\"post\" action=\"/dashboard/login\">\n<label>Mã truy cập (token) \
         <input type=\"password\" name=\"token\" autocomplete=\"off\"></label>\n\
         <button type=\"submit\">Đăng nhập</button>\n</form>\n",
    );
    page_shell("Sổ cái – Đăng nhập", &body)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Recorder => "kế toán (recorder)",
        Role::Auditor => "kiểm toán (auditor)",
        Role::Admin => "quản trị (admin)",
    }
}

/// What the page shows.
pub(super) struct Ask {
    pub(super) as_of: NaiveDate,
    pub(super) plan_year: i32,
    pub(super) known_at: Option<KnownAt>,
    pub(super) line: Option<String>,
}

pub(super) fn ask(params: &Params) -> Result<Ask, ApiError> {
    let as_of = params.date("as_of")?.unwrap_or_else(today);
    Ok(Ask {
        as_of,
        plan_year: params.number("plan_year")?.unwrap_or(as_of.year()),
        known_at: params.known_at("known_at")?,
        line: params
            .get("line")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    })
}

pub(super) fn millions(d: Decimal) -> String {
    vi_format::amount(d, Unit::Trieu, Lang::Vi)
}

pub(super) fn dong(d: Decimal) -> String {
    vi_format::amount(d, Unit::Dong, Lang::Vi)
}

pub(super) fn vi_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub(super) fn link(ask: &Ask, view: View, line: Option<&str>) -> String {
    let mut url = format!(
        "/?as_of={}&plan_year={}&known_at={}",
        ask.as_of, ask.plan_year, view.known_at
    );
    if let Some(l) = line {
        url.push_str("&line=");
        url.push_str(&percent_encode(l));
    }
    url
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What a form just sent did: the notice, what was typed (kept after a refusal) and the
/// sequences it recorded (checked for likely duplicates).
pub(super) struct Outcome<'a> {
    pub(super) ok: bool,
    pub(super) text: String,
    pub(super) typed: Option<Typed<'a>>,
    pub(super) seqs: Vec<u64>,
}

/// The whole dashboard page for one view; `outcome` is that of a form just sent.
pub(super) fn render_page(
    log: &Log,
    principal: &Principal,
    ask: &Ask,
    outcome: Option<&Outcome<'_>>,
) -> Result<String, ApiError> {
    let (pin, lines) = query::balances(log.chain(), ask.as_of, ask.known_at, Some(ask.plan_year))?;
    let view = pin.view;
    let hash = pin.hash.map(hex::encode);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Sổ cái – Bảng điều khiển</h1>\n<p>Người dùng: <b>{}</b>, vai trò {}. \
         <form class=\"inline\" method=\"post\" action=\"/dashboard/logout\">\
         <button type=\"submit\">Đăng xuất</button></form></p>",
        e(&principal.name),
        role_name(principal.role)
    );
    if let Some(o) = outcome {
        notices(&mut b, log, o);
    }
    header(&mut b, ask, view, hash.as_deref(), &lines);
    // The trail first: it is what a line's link asks for.
    if let Some(line) = &ask.line {
        trail(&mut b, log, line, view);
    }
    lines_table(&mut b, ask, view, &lines);
    section_two(&mut b, ask.plan_year, &lines);
    b.push_str(&present_duplicates::html(
        &duplicates::in_view(&log.records, view),
        Lang::Vi,
    ));
    let charts = chart::report_charts(&log.records, view, ask.plan_year, hash.as_deref(), Lang::Vi)
        .map_err(|e| ApiError::fault(crate::present::api_problems::Step::Page, e))?;
    if !charts.is_empty() {
        b.push_str("<h2>Biểu đồ</h2>\n");
        for svg in charts {
            let _ = writeln!(b, "<figure>{}</figure>", svg.trim_end());
        }
    }
    if matches!(principal.role, Role::Recorder | Role::Admin) {
        forms(&mut b, ask, &lines, outcome.and_then(|o| o.typed));
    }
    Ok(page_shell("Sổ cái – Bảng điều khiển", &b))
}

/// The outcome of the form just sent, and a warning per likely duplicate it recorded.
fn notices(b: &mut String, log: &Log, o: &Outcome<'_>) {
    let _ = writeln!(
        b,
        "<p class=\"notice {}\" id=\"notice\">{}</p>",
        if o.ok { "ok" } else { "err" },
        e(&o.text)
    );
    for w in app_duplicates::after_append(log.chain(), &o.seqs) {
        let _ = writeln!(b, "<p class=\"notice warn\">{}</p>", e(&w.text_vi()));
    }
}

/// The view's choice, its provenance and its totals.
fn header(
    b: &mut String,
    ask: &Ask,
    view: View,
    hash: Option<&str>,
    lines: &[projection::LineBalance<'_>],
) {
    let totals = projection::totals(lines);
    let _ = writeln!(
        b,
        "<form class=\"inline\" method=\"get\" action=\"/\">\
         <label>Đến ngày <input type=\"date\" name=\"as_of\" value=\"{}\"></label>\
         <label>Năm kế hoạch <input type=\"number\" name=\"plan_year\" value=\"{}\"></label>\
         <label>Theo dữ liệu ghi đến thứ tự <input type=\"text\" name=\"known_at\" value=\"{}\" size=\"8\"></label>\
         <button type=\"submit\">Xem</button></form>",
        ask.as_of, ask.plan_year, view.known_at
    );
    let _ = writeln!(
        b,
        "<p id=\"provenance\">Số liệu đến hết ngày {}, năm kế hoạch {}, theo dữ liệu ghi đến thứ tự {} \
         (hash <code>{}</code>).</p>",
        vi_date(ask.as_of),
        ask.plan_year,
        view.known_at,
        e(hash.unwrap_or("-"))
    );
    let _ = writeln!(
        b,
        "<p id=\"totals\">Tổng kế hoạch vốn: <b>{}</b> triệu đồng; đã giải ngân: <b>{}</b> triệu đồng, \
         đạt <b>{}</b> KHV.</p>",
        millions(totals.plan),
        millions(totals.disbursed),
        vi_format::ratio_percent(
            (!totals.plan.is_zero()).then(|| totals.disbursed / totals.plan),
            2,
            Lang::Vi
        )
    );
}

/// Section II as the report prints it.
fn section_two(b: &mut String, plan_year: i32, lines: &[projection::LineBalance<'_>]) {
    let style = Style {
        lang: Lang::Vi,
        unit: Unit::Trieu,
    };
    let figures = annex::build(plan_year, lines);
    if let Some(table) = render::tables(&figures, style).into_iter().next() {
        let _ = writeln!(
            b,
            "<h2>{}</h2>\n<div class=\"wide\"><table id=\"section-ii\"><thead><tr>{}</tr></thead><tbody>",
            e(&table.title),
            render::columns(style, &table)
                .iter()
                .map(|h| format!("<th>{}</th>", e(h)))
                .collect::<String>()
        );
        for r in &table.rows {
            let c = render::cells(style, r, &table);
            let _ = write!(b, "<tr><td class=\"l{}\">{}</td>", r.level.min(4), e(&c[0]));
            for cell in &c[1..] {
                let _ = write!(b, "<td class=\"n\">{}</td>", e(cell));
            }
            b.push_str("</tr>\n");
        }
        b.push_str("</tbody></table></div>\n");
    }
}
