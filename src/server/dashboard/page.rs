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
use crate::present::messages::{self, say, t};
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
use super::{Reader, with_lang};

/// The page's styles: phone screens (390 px: wide tables scroll inside their box, never the
/// page) and A4 print (forms hidden, headers repeated). Inline, as the page CSP allows styles
/// (`style-src 'unsafe-inline'`) but nothing else.
const STYLE: &str = include_str!("style.css");

pub(super) fn page_shell(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        lang.as_str(),
        e(title)
    )
}

/// The page's heading.
pub(crate) fn heading(lang: Lang) -> &'static str {
    t(lang, "Sổ cái – Bảng điều khiển", "Sổ cái – Dashboard")
}

/// The language switch: the same view in Vietnamese or in English (`url` without `lang`).
pub(super) fn switch(b: &mut String, url: &str) {
    let sep = if url.contains('?') { '&' } else { '?' };
    let _ = writeln!(
        b,
        "<p id=\"lang-switch\"><a href=\"{}\" lang=\"vi\">Tiếng Việt</a> · \
         <a href=\"{}\" lang=\"en\">English</a></p>",
        e(&format!("{url}{sep}lang=vi")),
        e(&format!("{url}{sep}lang=en"))
    );
}

/// Why the login form is shown again.
#[derive(Clone, Copy)]
pub(super) enum LoginNote {
    BadToken,
    LogInToRecord,
}

pub(super) fn login_page(reader: Reader, note: Option<LoginNote>) -> String {
    let lang = reader.lang;
    let mut body = format!("<h1>{}</h1>\n", heading(lang));
    switch(&mut body, "/");
    if let Some(n) = note {
        let text = match n {
            LoginNote::BadToken => t(lang, "Mã truy cập không hợp lệ.", "Invalid access token."),
            LoginNote::LogInToRecord => t(
                lang,
                "Hãy đăng nhập để ghi chứng từ.",
                "Log in to record vouchers.",
            ),
        };
        let _ = writeln!(body, "<p class=\"notice err\">{}</p>", e(text));
    }
    let _ = writeln!(
        body,
        "<form method=\"post\" action=\"{}\">\n<label>{} \
         <input type=\"password\" name=\"token\" autocomplete=\"off\"></label>\n\
         <button type=\"submit\">{}</button>\n</form>",
        e(&with_lang("/dashboard/login", reader)),
        t(lang, "Mã truy cập (token)", "Access token"),
        t(lang, "Đăng nhập", "Log in")
    );
    page_shell(
        lang,
        t(lang, "Sổ cái – Đăng nhập", "Sổ cái – Log in"),
        &body,
    )
}

fn role_name(role: Role, lang: Lang) -> &'static str {
    match role {
        Role::Recorder => t(lang, "kế toán (recorder)", "recorder"),
        Role::Auditor => t(lang, "kiểm toán (auditor)", "auditor"),
        Role::Admin => t(lang, "quản trị (admin)", "admin"),
    }
}

/// What the page shows.
pub(super) struct Ask {
    pub(super) as_of: NaiveDate,
    pub(super) plan_year: i32,
    pub(super) known_at: Option<KnownAt>,
    pub(super) line: Option<String>,
    pub(super) reader: Reader,
}

pub(super) fn ask(params: &Params, reader: Reader) -> Result<Ask, ApiError> {
    let as_of = params.date("as_of")?.unwrap_or_else(today);
    Ok(Ask {
        reader,
        as_of,
        plan_year: params.number("plan_year")?.unwrap_or(as_of.year()),
        known_at: params.known_at("known_at")?,
        line: params
            .get("line")
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    })
}

/// Millions of đồng, grouped as the language groups them (the CLI's `--lang en` does the same).
pub(super) fn millions(d: Decimal, lang: Lang) -> String {
    vi_format::amount(d, Unit::Trieu, lang)
}

pub(super) fn dong(d: Decimal, lang: Lang) -> String {
    vi_format::amount(d, Unit::Dong, lang)
}

/// The view's address, keeping the language the reader chose.
pub(super) fn link(ask: &Ask, view: View, line: Option<&str>) -> String {
    with_lang(&view_url(ask, view, line), ask.reader)
}

/// The view's address without the language.
fn view_url(ask: &Ask, view: View, line: Option<&str>) -> String {
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
    let lang = ask.reader.lang;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>{}</h1>\n<p>{} <b>{}</b>, {} {}. \
         <form class=\"inline\" method=\"post\" action=\"{}\">\
         <button type=\"submit\">{}</button></form></p>",
        heading(lang),
        t(lang, "Người dùng:", "User:"),
        e(&principal.name),
        t(lang, "vai trò", "role"),
        role_name(principal.role, lang),
        e(&with_lang("/dashboard/logout", ask.reader)),
        t(lang, "Đăng xuất", "Log out")
    );
    switch(&mut b, &view_url(ask, view, ask.line.as_deref()));
    if let Some(o) = outcome {
        notices(&mut b, log, o, lang);
    }
    header(&mut b, ask, view, hash.as_deref(), &lines);
    // The trail first: it is what a line's link asks for.
    if let Some(line) = &ask.line {
        trail(&mut b, log, line, view, lang);
    }
    lines_table(&mut b, ask, view, &lines);
    section_two(&mut b, ask.plan_year, &lines, lang);
    b.push_str(&present_duplicates::html(
        &duplicates::in_view(&log.records, view),
        lang,
    ));
    let charts = chart::report_charts(&log.records, view, ask.plan_year, hash.as_deref(), lang)
        .map_err(|e| ApiError::fault(crate::present::api_problems::Step::Page, e))?;
    if !charts.is_empty() {
        let _ = writeln!(b, "<h2>{}</h2>", t(lang, "Biểu đồ", "Charts"));
        for svg in charts {
            let _ = writeln!(b, "<figure>{}</figure>", svg.trim_end());
        }
    }
    if matches!(principal.role, Role::Recorder | Role::Admin) {
        forms(&mut b, ask, &lines, outcome.and_then(|o| o.typed));
    }
    Ok(page_shell(lang, heading(lang), &b))
}

/// The outcome of the form just sent, and a warning per likely duplicate it recorded.
fn notices(b: &mut String, log: &Log, o: &Outcome<'_>, lang: Lang) {
    let _ = writeln!(
        b,
        "<p class=\"notice {}\" id=\"notice\">{}</p>",
        if o.ok { "ok" } else { "err" },
        e(&o.text)
    );
    for w in app_duplicates::of_pairs(&log.repeats(&o.seqs)) {
        let _ = writeln!(b, "<p class=\"notice warn\">{}</p>", e(&w.text(lang)));
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
    let lang = ask.reader.lang;
    let totals = projection::totals(lines);
    let language = ask.reader.pair().map_or(String::new(), |(k, v)| {
        format!("<input type=\"hidden\" name=\"{k}\" value=\"{v}\">")
    });
    let _ = writeln!(
        b,
        "<form class=\"inline\" method=\"get\" action=\"/\">{language}\
         <label>{} <input type=\"date\" name=\"as_of\" value=\"{}\"></label>\
         <label>{} <input type=\"number\" name=\"plan_year\" value=\"{}\"></label>\
         <label>{} <input type=\"text\" name=\"known_at\" value=\"{}\" size=\"8\"></label>\
         <button type=\"submit\">{}</button></form>",
        t(lang, "Đến ngày", "As of"),
        ask.as_of,
        t(lang, "Năm kế hoạch", "Plan year"),
        ask.plan_year,
        t(lang, "Theo dữ liệu ghi đến thứ tự", "As known at sequence"),
        view.known_at,
        t(lang, "Xem", "Show")
    );
    let (day, seq) = (messages::date(lang, ask.as_of), view.known_at);
    let hash = format!("<code>{}</code>", e(hash.unwrap_or("-")));
    let year = ask.plan_year;
    let provenance = say(
        lang,
        format!(
            "Số liệu đến hết ngày {day}, năm kế hoạch {year}, theo dữ liệu ghi đến thứ tự {seq} (hash {hash})."
        ),
        format!(
            "Figures to the end of {day}, plan year {year}, as recorded up to sequence {seq} (hash {hash})."
        ),
    );
    let _ = writeln!(b, "<p id=\"provenance\">{provenance}</p>");
    let plan = millions(totals.plan, lang);
    let paid = millions(totals.disbursed, lang);
    let rate = vi_format::ratio_percent(
        (!totals.plan.is_zero()).then(|| totals.disbursed / totals.plan),
        2,
        lang,
    );
    let sentence = say(
        lang,
        format!(
            "Tổng kế hoạch vốn: <b>{plan}</b> triệu đồng; đã giải ngân: <b>{paid}</b> triệu đồng, đạt <b>{rate}</b> KHV."
        ),
        format!(
            "Total capital plan: <b>{plan}</b> million VND; disbursed: <b>{paid}</b> million VND, <b>{rate}</b> of the plan."
        ),
    );
    let _ = writeln!(b, "<p id=\"totals\">{sentence}</p>");
}

/// Section II as the report prints it.
fn section_two(b: &mut String, plan_year: i32, lines: &[projection::LineBalance<'_>], lang: Lang) {
    let style = Style {
        lang,
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
