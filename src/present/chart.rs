//! Charts as SVG: cumulative disbursement against plan over the year (the S-curve), per capital
//! type and in total, and the disbursement rate by capital type and program (section II's rows).
//! Pure: views in, SVG text out.
//!
//! Figures are computed in `Decimal` from the same view rule as every report; they become
//! floats only as pixel coordinates. Text is written as SVG `<text>` (plotters' SVG backend
//! needs no font files), so the charts render the same on any machine with a browser. Each SVG
//! carries its figures and plot geometry in a `<metadata class="socai-chart">` JSON block, so a
//! reader (or a test) can check a drawn point against the ledger.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use crate::core::event::Capital;
use crate::core::money;
use crate::core::projection::{self, View};
use crate::core::rules::Recorded;
use crate::present::messages::{date, t};
use crate::present::vi_format::{self, Lang, Unit};

/// The longest S-curve, in days: a plan year and its extension into the next.
pub const MAX_DAYS: i64 = 2 * 366;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 600;
const FONT: &str = "sans-serif";
/// Series colours, in program order; the total is drawn in black.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// One program (or the total) as of the view: plan, disbursed, and the cumulative disbursed
/// amount at the end of each day from `start`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// The capital type (`None` for the total) and program (`None` for a capital type's
    /// subtotal): the rows of the report's section II, so every charted figure is printed there.
    pub capital: Option<Capital>,
    pub program: Option<String>,
    pub plan: Decimal,
    pub disbursed: Decimal,
    pub cumulative: Vec<Decimal>,
}

impl Series {
    pub fn rate(&self) -> Option<Decimal> {
        money::rate(self.disbursed, self.plan)
    }

    /// An empty sum of programs (a capital type's subtotal, or the total) over `days` days.
    fn sum(name: &str, capital: Option<Capital>, days: usize) -> Series {
        Series {
            name: name.to_string(),
            capital,
            program: None,
            plan: Decimal::ZERO,
            disbursed: Decimal::ZERO,
            cumulative: vec![Decimal::ZERO; days],
        }
    }

    fn add(&mut self, part: &Series) {
        self.plan += part.plan;
        self.disbursed += part.disbursed;
        for (t, c) in self.cumulative.iter_mut().zip(&part.cumulative) {
            *t += c;
        }
    }
}

/// The plan line's colour (dark red: apart from every series).
const PLAN_COLOR: RGBColor = RGBColor(178, 24, 43);

/// Day indexes (from `start`) of the first of each month up to `last`: the S-curve's ticks.
fn month_starts(start: NaiveDate, last: i32) -> Vec<i32> {
    (0..=last)
        .filter(|i| {
            start
                .checked_add_days(Days::new(u64::try_from(*i).unwrap_or(0)))
                .is_some_and(|d| d.day() == 1)
        })
        .collect()
}

/// The label of the all-programs series.
pub const TOTAL: &str = "Tổng cộng";

/// A capital type's subtotal as a series name (Vietnamese; `name` translates).
fn capital_name(c: Capital, lang: Lang) -> &'static str {
    match c {
        Capital::Recurrent => t(lang, "Vốn sự nghiệp", "Recurrent"),
        Capital::Investment => t(lang, "Vốn đầu tư phát triển", "Investment"),
    }
}

/// A program within a capital type, as a series name.
fn program_name(program: &str, c: Capital, lang: Lang) -> String {
    let short = match c {
        Capital::Recurrent => t(lang, "vốn SN", "recurrent"),
        Capital::Investment => t(lang, "vốn ĐTPT", "investment"),
    };
    format!("{program} ({short})")
}

/// Figures for both charts: per program of the plan year, then the total.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub plan_year: i32,
    pub view: View,
    pub start: NaiveDate,
    pub series: Vec<Series>,
}

/// The first day of a chart of `plan_year` (1 January) and its number of days to `as_of`.
pub fn span(as_of: NaiveDate, plan_year: i32) -> Result<(NaiveDate, usize), String> {
    let start = NaiveDate::from_ymd_opt(plan_year, 1, 1)
        .ok_or_else(|| format!("plan year {plan_year} has no 1 January"))?;
    let days = (as_of - start).num_days();
    if days < 0 {
        return Err(format!(
            "--as-of {as_of} is before the plan year {plan_year} begins"
        ));
    }
    if days > MAX_DAYS {
        return Err(format!(
            "--as-of {as_of} is more than {MAX_DAYS} days after 1 January {plan_year}"
        ));
    }
    Ok((start, days as usize + 1))
}

/// Cumulative disbursement per program of `plan_year` for each day from 1 January of the plan
/// year to `view.as_of` (disbursements effective earlier count from the first day).
pub fn progress(records: &[Recorded], view: View, plan_year: i32) -> Result<Progress, String> {
    let (start, n) = span(view.as_of, plan_year)?;
    let lines = projection::balances(records, view, Some(plan_year));
    let mut daily: HashMap<&str, Vec<Decimal>> = lines
        .iter()
        .map(|l| (l.spec.line.as_str(), vec![Decimal::ZERO; n]))
        .collect();
    // Refunds after a line's deadline are revenue, not lower disbursement (as in balances).
    let deadlines = projection::deadlines(records, view.known_at);
    for r in projection::counted(records, view) {
        let day = (r.event.effective_date - start).num_days().max(0) as usize;
        for m in projection::movements_of(r, &deadlines) {
            if m.disbursed.is_zero() {
                continue;
            }
            if let Some(d) = daily.get_mut(m.line).and_then(|v| v.get_mut(day)) {
                *d += m.disbursed;
            }
        }
    }
    Ok(progress_of(view, plan_year, &lines, &daily))
}

/// The chart's figures from the view's `lines` (of the plan year) and, per line, its
/// disbursed deltas per day index from 1 January (0 = that day and every earlier one) to
/// `view.as_of`: what the full log and the persisted index (`app::indexed_query`) both give.
pub fn progress_of(
    view: View,
    plan_year: i32,
    lines: &[projection::LineBalance<'_>],
    daily: &HashMap<&str, Vec<Decimal>>,
) -> Progress {
    let start = NaiveDate::from_ymd_opt(plan_year, 1, 1).unwrap_or(view.as_of);
    let n = (view.as_of - start).num_days().max(0) as usize + 1;
    // Keyed as section II orders them: recurrent funds first, then investment; programs by code.
    type Key<'a> = (bool, Capital, &'a str);
    fn key(c: Capital, p: &str) -> Key<'_> {
        (c == Capital::Investment, c, p)
    }
    let mut by_program: BTreeMap<Key<'_>, (Decimal, Decimal)> = BTreeMap::new();
    let mut deltas: BTreeMap<Key<'_>, Vec<Decimal>> = BTreeMap::new();
    for l in lines {
        let k = key(l.spec.capital, l.spec.program.as_str());
        let e = by_program.entry(k).or_default();
        e.0 += l.plan;
        e.1 += l.disbursed;
        let sums = deltas.entry(k).or_insert_with(|| vec![Decimal::ZERO; n]);
        for (sum, d) in sums
            .iter_mut()
            .zip(daily.get(l.spec.line.as_str()).into_iter().flatten())
        {
            *sum += d;
        }
    }
    let mut series: Vec<Series> = Vec::new();
    let mut total = Series::sum(TOTAL, None, n);
    for (&(_, capital, program), (plan, disbursed)) in &by_program {
        let mut running = Decimal::ZERO;
        let cumulative: Vec<Decimal> = deltas
            .get(&key(capital, program))
            .map(|v| {
                v.iter()
                    .map(|d| {
                        running += d;
                        running
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            cumulative.last().copied().unwrap_or_default(),
            *disbursed,
            "the daily sums of a program must end at its balance"
        );
        // A capital type's subtotal comes before its programs.
        if series.iter().all(|s| s.capital != Some(capital)) {
            series.push(Series::sum(
                capital_name(capital, Lang::Vi),
                Some(capital),
                n,
            ));
        }
        let program = Series {
            name: program_name(program, capital, Lang::Vi),
            capital: Some(capital),
            program: Some(program.to_string()),
            plan: *plan,
            disbursed: *disbursed,
            cumulative,
        };
        for sum in series
            .iter_mut()
            .filter(|s| s.capital == Some(capital) && s.program.is_none())
            .chain([&mut total])
        {
            sum.add(&program);
        }
        series.push(program);
    }
    series.push(total);
    Progress {
        plan_year,
        view,
        start,
        series,
    }
}

fn millions(d: Decimal, lang: Lang) -> String {
    vi_format::amount(d, Unit::Trieu, lang)
}

fn percent(rate: Option<Decimal>, lang: Lang) -> String {
    vi_format::ratio_percent(rate, 2, lang)
}

/// A series' display name in `lang`.
fn name(s: &Series, lang: Lang) -> String {
    match (s.capital, &s.program) {
        (None, _) => t(lang, TOTAL, "Total").to_string(),
        (Some(c), None) => capital_name(c, lang).to_string(),
        (Some(c), Some(p)) => program_name(p, c, lang),
    }
}

fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn provenance(p: &Progress, hash: Option<&str>, lang: Lang) -> String {
    let hash = hash.map_or("-".to_string(), |h| h.chars().take(16).collect());
    match lang {
        Lang::Vi => format!(
            "Sổ cái socai: đến ngày {}, theo dữ liệu ghi đến thứ tự {} (hash {hash}…)",
            date(lang, p.view.as_of),
            p.view.known_at
        ),
        Lang::En => format!(
            "socai ledger: as of {}, known at sequence {} (hash {hash}…)",
            date(lang, p.view.as_of),
            p.view.known_at
        ),
    }
}

/// Puts the figures into the SVG, right after its opening tag.
fn with_metadata(svg: String, data: &Value) -> String {
    // `--` may not appear in XML text in some readers' eyes; JSON never needs `<` or `&`.
    let text = serde_json::to_string(data)
        .unwrap_or_default()
        .replace('&', "\\u0026")
        .replace('<', "\\u003c");
    match svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    {
        Some(at) => format!(
            "{}\n<metadata class=\"socai-chart\">{text}</metadata>{}",
            &svg[..at],
            &svg[at..]
        ),
        None => svg,
    }
}

fn series_json(s: &Series) -> Value {
    json!({
        "name": s.name,
        "plan": s.plan.to_string(),
        "disbursed": s.disbursed.to_string(),
        "rate": money::rate_text(s.rate()),
    })
}

fn draw_err<E: std::fmt::Debug>(e: E) -> String {
    format!("cannot draw the chart: {e:?}")
}

/// The provenance line at the foot of a chart, then the finished drawing.
fn footer(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    p: &Progress,
    hash: Option<&str>,
    lang: Lang,
) -> Result<(), String> {
    root.draw(&Text::new(
        provenance(p, hash, lang),
        (20, HEIGHT as i32 - 18),
        (FONT, 12).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(draw_err)?;
    root.present().map_err(draw_err)
}

/// The fields every chart's embedded metadata starts with, in this order (the map keeps
/// insertion order, so the bytes stay as they were).
fn metadata(
    chart: &str,
    p: &Progress,
    hash: Option<&str>,
    lang: Lang,
) -> serde_json::Map<String, Value> {
    let mut data = serde_json::Map::new();
    data.insert("chart".into(), json!(chart));
    data.insert("lang".into(), json!(lang.as_str()));
    data.insert("plan_year".into(), json!(p.plan_year));
    data.insert("as_of".into(), json!(p.view.as_of.to_string()));
    data.insert("known_at".into(), json!(p.view.known_at));
    data.insert("head_hash".into(), json!(hash));
    data
}

/// The S-curve: cumulative disbursement as a share of the plan as of the view's date, per
/// program with a plan and in total, from 1 January to the as-of date.
pub fn s_curve_svg(p: &Progress, hash: Option<&str>, lang: Lang) -> Result<String, String> {
    let days = p.series.first().map_or(1, |s| s.cumulative.len()) as i32 - 1;
    let drawn: Vec<(usize, &Series)> = p
        .series
        .iter()
        .enumerate()
        // Capital types and the total: the programs are in the rates chart.
        .filter(|(_, s)| !s.plan.is_zero() && s.program.is_none())
        .collect();
    let highest = drawn
        .iter()
        .flat_map(|(_, s)| s.cumulative.iter().map(|c| to_f64(*c) / to_f64(s.plan)))
        .fold(1.0_f64, f64::max);
    // Room above 100% so the plan line is seen as a line, not as the frame.
    let y_max = (highest * 10.0).ceil() * 10.0 + 10.0;
    let x_max = days.max(1);
    let start = p.start;
    let mut svg = String::new();
    let geometry;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(s_curve_title(p, lang), (FONT, 22))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (0..x_max).with_key_points(month_starts(start, x_max)),
                0.0..y_max,
            )
            .map_err(draw_err)?;
        let x_label = |i: &i32| {
            start
                .checked_add_days(Days::new(u64::try_from(*i).unwrap_or(0)))
                .map_or(String::new(), |d| d.format("%m/%Y").to_string())
        };
        let y_label = |v: &f64| format!("{v:.0}%");
        chart
            .configure_mesh()
            .x_labels(12)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(match lang {
                Lang::Vi => format!("Ngày hiệu lực (năm kế hoạch {})", p.plan_year),
                Lang::En => format!("Effective date (plan year {})", p.plan_year),
            })
            .y_desc(t(
                lang,
                "Tỷ lệ giải ngân lũy kế so với kế hoạch (%)",
                "Cumulative disbursement, share of plan (%)",
            ))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        // The plan itself: 100%, drawn strong and named on the line, not only in the legend.
        let plan_style = ShapeStyle::from(&PLAN_COLOR).stroke_width(3);
        chart
            .draw_series(LineSeries::new([(0, 100.0), (x_max, 100.0)], plan_style))
            .map_err(draw_err)?
            .label(t(lang, "Kế hoạch vốn (100%)", "Capital plan (100%)"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], plan_style));
        let (px, py) = chart.backend_coord(&(x_max, 100.0));
        root.draw(&Text::new(
            t(lang, "Kế hoạch vốn", "Capital plan"),
            (px - 110, py - 20),
            (FONT, 14).into_font().color(&PLAN_COLOR),
        ))
        .map_err(draw_err)?;
        for (i, s) in &drawn {
            let total = s.name == TOTAL;
            let color = if total {
                BLACK
            } else {
                PALETTE[*i % PALETTE.len()]
            };
            let style = ShapeStyle::from(&color).stroke_width(if total { 3 } else { 2 });
            let plan = to_f64(s.plan);
            let points = s
                .cumulative
                .iter()
                .enumerate()
                .map(|(d, c)| (d as i32, to_f64(*c) / plan * 100.0));
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(draw_err)?
                .label(s_curve_label(s, lang))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], style.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        let origin = chart.backend_coord(&(0, 0.0));
        let top = chart.backend_coord(&(x_max, 100.0));
        geometry = json!({"x0": origin.0, "y0": origin.1, "x_end": top.0, "y100": top.1});
        footer(&root, p, hash, lang)?;
    }
    let mut data = metadata("s-curve", p, hash, lang);
    data.insert("start".into(), json!(p.start.to_string()));
    data.insert("days".into(), json!(days + 1));
    data.insert("geometry".into(), geometry);
    let series: Vec<Value> = drawn.iter().map(|(_, s)| series_json(s)).collect();
    data.insert("series".into(), Value::Array(series));
    Ok(with_metadata(svg, &Value::Object(data)))
}

fn s_curve_title(p: &Progress, lang: Lang) -> String {
    chart_title(
        p,
        lang,
        "Giải ngân lũy kế so với kế hoạch vốn năm",
        "Cumulative disbursement against the",
    )
}

/// A chart's title: what it shows (`vi`/`en`), the plan year and the view's date.
fn chart_title(p: &Progress, lang: Lang, vi: &str, en: &str) -> String {
    let as_of = date(lang, p.view.as_of);
    match lang {
        Lang::Vi => format!("{vi} {} (đến ngày {as_of})", p.plan_year),
        Lang::En => format!("{en} {} capital plan (as of {as_of})", p.plan_year),
    }
}

/// A series' legend: its name, disbursed / plan in millions, and its rate.
fn s_curve_label(s: &Series, lang: Lang) -> String {
    format!(
        "{}: {} / {} {} ({})",
        name(s, lang),
        millions(s.disbursed, lang),
        millions(s.plan, lang),
        Unit::Trieu.label(lang),
        percent(s.rate(), lang)
    )
}

/// Disbursement rate by program, and in total, as of the view's date.
pub fn rates_svg(p: &Progress, hash: Option<&str>, lang: Lang) -> Result<String, String> {
    let bars: Vec<&Series> = p.series.iter().collect();
    let n = bars.len() as f64;
    let highest = bars
        .iter()
        .filter_map(|s| s.rate())
        .map(|r| to_f64(r) * 100.0)
        .fold(100.0_f64, f64::max);
    let y_max = (highest / 10.0).ceil() * 10.0 + 10.0;
    let mut svg = String::new();
    let geometry;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let title = chart_title(
            p,
            lang,
            "Tỷ lệ giải ngân theo loại vốn và chương trình, kế hoạch vốn năm",
            "Disbursement rate by capital type and program,",
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n - 0.5), 0.0..y_max)
            .map_err(draw_err)?;
        let y_label = |v: &f64| format!("{v:.0}%");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&y_label)
            .y_desc(t(lang, "Tỷ lệ giải ngân (%)", "Disbursement rate (%)"))
            .label_style((FONT, 14))
            .draw()
            .map_err(draw_err)?;
        for (i, s) in bars.iter().enumerate() {
            let x = i as f64;
            let color = if s.name == TOTAL {
                BLACK
            } else {
                PALETTE[i % PALETTE.len()]
            };
            let value = s.rate().map_or(0.0, |r| to_f64(r) * 100.0);
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, 0.0), (x + 0.3, value)],
                    color.filled(),
                )])
                .map_err(draw_err)?;
            let (cx, top) = chart.backend_coord(&(x, value));
            let (_, bottom) = chart.backend_coord(&(x, 0.0));
            root.draw(&Text::new(
                percent(s.rate(), lang),
                (cx - 24, top - 20),
                (FONT, 15).into_font(),
            ))
            .map_err(draw_err)?;
            let centred = |size: u32| {
                TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top))
            };
            root.draw(&Text::new(name(s, lang), (cx, bottom + 8), centred(12)))
                .map_err(draw_err)?;
            root.draw(&Text::new(
                format!(
                    "{} / {} {}",
                    millions(s.disbursed, lang),
                    millions(s.plan, lang),
                    t(lang, "tr.đ", "m VND")
                ),
                (cx, bottom + 26),
                centred(11).color(&RGBColor(90, 90, 90)),
            ))
            .map_err(draw_err)?;
        }
        let origin = chart.backend_coord(&(0.0, 0.0));
        let top = chart.backend_coord(&(0.0, 100.0));
        geometry = json!({"y0": origin.1, "y100": top.1});
        footer(&root, p, hash, lang)?;
    }
    let mut data = metadata("rates", p, hash, lang);
    data.insert("geometry".into(), geometry);
    let series: Vec<Value> = bars.iter().map(|s| series_json(s)).collect();
    data.insert("series".into(), Value::Array(series));
    Ok(with_metadata(svg, &Value::Object(data)))
}

/// The charts an HTML report embeds: the S-curve and the rates, for the report's own view.
/// A view before the plan year begins (or too long after) has no curve: no charts then.
pub fn report_charts(
    records: &[Recorded],
    view: View,
    plan_year: i32,
    hash: Option<&str>,
    lang: Lang,
) -> Result<Vec<String>, String> {
    let Ok(progress) = progress(records, view, plan_year) else {
        return Ok(Vec::new());
    };
    charts_of(&progress, hash, lang)
}

/// The S-curve and the rates of a report's `progress`.
pub fn charts_of(
    progress: &Progress,
    hash: Option<&str>,
    lang: Lang,
) -> Result<Vec<String>, String> {
    Ok(vec![
        s_curve_svg(progress, hash, lang)?,
        rates_svg(progress, hash, lang)?,
    ])
}

/// The last day of a plan year, the default as-of date of a chart.
pub fn year_end(plan_year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(plan_year, 12, 31).filter(|d| d.year() == plan_year)
}
