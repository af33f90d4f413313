//! The text answers people read at the terminal (balance, trail, summary, diff), in the
//! reader's language (Vietnamese by default) with vi-VN grouped amounts. Labels come from
//! `messages`; program codes print with their catalogue names. JSON lives in `report`.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::core::annex::{self, Split};
use crate::core::event::{Capital, Document, Kind};
use crate::core::projection::{self, LineBalance, TrailRow};
use crate::present::messages::{Lang, Msg, date, event_type, money, t};
use crate::present::report::EachRow;
use crate::present::report::Pin;
use crate::present::vi_format::{Unit, amount, ratio_percent};
use crate::present::{catalogue, event_text};

pub fn pin_text(pin: Pin, lang: Lang) -> String {
    let hash = pin.hash.map_or("-".to_string(), hex::encode);
    match lang {
        Lang::Vi => format!(
            "số liệu đến hết ngày {}, theo sổ đến sự kiện số {} (mã băm {hash})\n",
            date(lang, pin.view.as_of),
            pin.view.known_at
        ),
        Lang::En => format!(
            "as of {}, known at sequence {} (hash {hash})\n",
            pin.view.as_of, pin.view.known_at
        ),
    }
}

fn rate(lang: Lang, r: Option<Decimal>) -> String {
    ratio_percent(r, 2, lang)
}

/// A text table's cell alignment.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// One row of a text table: each cell padded to its width, two spaces apart.
fn write_cells(out: &mut String, cells: &[(&str, Align, usize)]) {
    let padded: Vec<String> = cells
        .iter()
        .map(|&(text, align, width)| match align {
            Align::Left => format!("{text:<width$}"),
            Align::Right => format!("{text:>width$}"),
        })
        .collect();
    out.push_str(&padded.join("  "));
}

/// The balance table's columns: line (as wide as the widest), plan, disbursed, available, rate.
fn balance_cells(
    out: &mut String,
    width: usize,
    [line, plan, disbursed, available, rate]: [&str; 5],
) {
    use Align::{Left, Right};
    let cells = [
        (line, Left, width),
        (plan, Right, 22),
        (disbursed, Right, 22),
        (available, Right, 22),
        (rate, Right, 8),
    ];
    write_cells(out, &cells);
    out.push('\n');
}

fn balance_row(
    out: &mut String,
    width: usize,
    lang: Lang,
    name: &str,
    [plan, disbursed, available]: [Decimal; 3],
    r: Option<Decimal>,
) {
    let figures = [plan, disbursed, available].map(|d| money(lang, d));
    let [p, d, a] = figures.each_ref().map(String::as_str);
    balance_cells(out, width, [name, p, d, a, &rate(lang, r)]);
}

/// The trail table's columns: sequence, effective date, type (as wide as the longest type
/// name), plan and disbursed change, plan and disbursed after, document.
fn trail_cells(out: &mut String, lang: Lang, cells: [&str; 8]) {
    use Align::{Left, Right};
    let type_width = match lang {
        Lang::Vi => crate::present::event_text::type_width_vi(),
        Lang::En => 14,
    };
    let [
        seq,
        effective,
        kind,
        plan_delta,
        disbursed_delta,
        plan,
        disbursed,
        document,
    ] = cells;
    let cells = [
        (seq, Right, 6),
        (effective, Left, 10),
        (kind, Left, type_width),
        (plan_delta, Right, 20),
        (disbursed_delta, Right, 20),
        (plan, Right, 20),
        (disbursed, Right, 20),
        (document, Left, 0),
    ];
    write_cells(out, &cells);
}

/// Balances per line, each with its stored name on the row below, then the total.
pub fn balance(pin: Pin, lines: &[LineBalance<'_>], lang: Lang) -> String {
    let totals = projection::totals(lines);
    let mut out = pin_text(pin, lang);
    let _ = writeln!(out, "{}", Msg::AmountsInDong.text(lang));
    let width = lines
        .iter()
        .map(|l| l.spec.line.chars().count())
        .max()
        .unwrap_or(0)
        .max(Msg::Total.text(lang).chars().count());
    let header = [
        Msg::Line,
        Msg::Plan,
        Msg::Disbursed,
        Msg::Available,
        Msg::Rate,
    ];
    balance_cells(&mut out, width, header.map(|m| m.text(lang)));
    for l in lines {
        let figures = [l.plan, l.disbursed, l.available()];
        balance_row(&mut out, width, lang, &l.spec.line, figures, l.rate());
        if let Some(name) = &l.spec.name {
            let _ = writeln!(out, "  {name}");
        }
    }
    let figures = [totals.plan, totals.disbursed, totals.available()];
    balance_row(
        &mut out,
        width,
        lang,
        Msg::Total.text(lang),
        figures,
        totals.rate(),
    );
    out
}

pub(crate) fn document_text(d: &Document, lang: Lang) -> String {
    let issuer = d
        .issuer
        .as_deref()
        .map_or(String::new(), |i| format!(" ({i})"));
    format!("{}{issuer}", event_text::document_dated(d, lang))
}

/// A line's trail: its name, then one row per event with running totals.
/// The trail row's tail: payee, the other line of a transfer or carry-over, actor and note.
fn trail_extras(out: &mut String, e: &crate::core::event::Event, line: &str, lang: Lang) {
    if let Some(p) = event_text::payee(e) {
        let _ = write!(out, "  {}: {p}", t(lang, "người nhận", "payee"));
    }
    if let Some((dir, other)) = event_text::other_line(e, line) {
        let _ = write!(
            out,
            "  {} {} {other}",
            dir.word(lang),
            t(lang, "dòng", "line")
        );
    }
    if let Some(a) = &e.actor {
        let _ = write!(out, "  {} {a}", t(lang, "người ghi:", "by"));
    }
    if let Some(n) = &e.note {
        let _ = write!(out, "  {}: {n}", t(lang, "ghi chú", "note"));
    }
}

/// A line's trail for people, written row by row: the text of a long trail is never held
/// whole (issue 17). `name` is the line's, when its opening is one of the rows.
pub fn write_trail(
    (pin, line, name): (Pin, &str, Option<&str>),
    rows: &mut EachRow<'_>,
    lang: Lang,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut head = match lang {
        Lang::Vi => format!("Sổ chi tiết dòng {line}"),
        Lang::En => format!("trail of line {line}"),
    };
    if let Some(name) = name {
        let _ = write!(head, " — {name}");
    }
    let _ = write!(head, "\n{}", pin_text(pin, lang));
    let _ = writeln!(
        head,
        "{}",
        t(
            lang,
            "số tiền tính bằng đồng; dòng ghi ĐÃ HỦY không được tính",
            "amounts in đồng; rows marked REVERSED do not count"
        )
    );
    let header = [
        Msg::Seq,
        Msg::Effective,
        Msg::Type,
        Msg::PlanDelta,
        Msg::DisbursedDelta,
        Msg::Plan,
        Msg::Disbursed,
        Msg::Document,
    ];
    trail_cells(&mut head, lang, header.map(|m| m.text(lang)));
    head.push('\n');
    out.write_all(head.as_bytes())?;
    rows(&mut |row| out.write_all(trail_row(row, line, lang).as_bytes()))
}

/// One row of `trail`'s text, with its final newline.
fn trail_row(row: &TrailRow<'_>, line: &str, lang: Lang) -> String {
    let mut out = String::new();
    let e = &row.record.event;
    let doc = e
        .document
        .as_ref()
        .map_or(String::new(), |d| document_text(d, lang));
    let seq = row.record.seq.to_string();
    let effective = date(lang, e.effective_date);
    let kind = event_type(lang, e.kind.type_name());
    let figures = [row.plan_delta, row.disbursed_delta, row.plan, row.disbursed];
    let [pd, dd, p, d] = figures.map(|f| money(lang, f));
    trail_cells(
        &mut out,
        lang,
        [&seq, &effective, &kind, &pd, &dd, &p, &d, &doc],
    );
    if let Some(r) = row.reversed_by {
        let reason = match &r.event.kind {
            Kind::Reverse { reason, .. } => reason.as_str(),
            _ => "",
        };
        let _ = write!(out, "  {} #{}: {reason}", Msg::ReversedBy.text(lang), r.seq);
    }
    trail_extras(&mut out, e, line, lang);
    // Rows without a document would end in blanks that editors strip.
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Section II in short: plan and disbursement by capital type, origin and program, in
/// triệu đồng, programs by their catalogue names.
pub fn summary(pin: Pin, plan_year: i32, lines: &[LineBalance<'_>], lang: Lang) -> String {
    // The figures are the report's (`annex`); this is only their short plain-text form.
    let figures = annex::build(plan_year, lines);
    let all = figures.all.total();
    let m = |d: Decimal| amount(d, Unit::Trieu, lang);
    let mut out = match lang {
        Lang::Vi => format!("Năm kế hoạch {plan_year}, {}", pin_text(pin, lang)),
        Lang::En => format!("Plan year {plan_year}, {}", pin_text(pin, lang)),
    };
    let _ = writeln!(out, "{}", Msg::AmountsInTrieu.text(lang));
    let _ = writeln!(
        out,
        "{}: {} {}, {} {} ({})",
        Msg::AllPrograms.text(lang),
        Msg::Plan.text(lang),
        m(all.plan),
        Msg::Disbursed.text(lang),
        m(all.disbursed),
        rate(lang, all.rate())
    );
    // The seed's order: recurrent funds first, then investment (as `annex` lists them).
    for c in figures.capitals.iter().filter(|c| !c.programs.is_empty()) {
        let (label, carried) = match c.capital {
            Capital::Recurrent => (Msg::Recurrent, Msg::CarriedOver),
            Capital::Investment => (Msg::Investment, Msg::Extended),
        };
        let line = |name: &str, split: &Split| {
            let total = split.total();
            format!(
                "{name}: {} {} ({} {}, {} {}), {} {} ({})",
                Msg::Plan.text(lang),
                m(total.plan),
                carried.text(lang),
                m(split.carried.plan),
                Msg::InYear.text(lang),
                m(split.in_year.plan),
                Msg::Disbursed.text(lang),
                m(total.disbursed),
                rate(lang, total.rate())
            )
        };
        let _ = writeln!(out, "{}", line(label.text(lang), &c.split));
        if c.capital == Capital::Investment {
            let _ = writeln!(out, "  {}: {}", Msg::WorksFunded.text(lang), c.works);
        }
        for p in &c.programs {
            let name = catalogue::program_name(&p.program);
            let _ = writeln!(out, "  {}", line(&name, &p.split));
        }
    }
    out
}
