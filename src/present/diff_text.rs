//! A revision diff in words (`socai diff`), written as it is made: a far diff names half a
//! log, and its text would be larger than every figure behind it.

use std::io::Write;

use rust_decimal::Decimal;

use crate::core::event::{Capital, Kind};
use crate::core::revision::{self, Lookup, Unreadable};
use crate::core::rules::Recorded;
use crate::present::catalogue;
use crate::present::messages::{Lang, Msg, date, event_type, money, t};
use crate::present::readable::document_text;
use crate::present::report::DiffPoint;

fn signed(lang: Lang, d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", money(lang, d))
    } else {
        money(lang, d)
    }
}

/// A figure's move in a diff: before → after (the signed difference).
fn change(lang: Lang, before: Decimal, after: Decimal) -> String {
    format!(
        "{} → {} ({})",
        money(lang, before),
        money(lang, after),
        signed(lang, after - before)
    )
}

/// A cause in words, its records read back from `records`.
fn cause_text(
    c: &revision::Cause,
    records: &(impl Lookup + ?Sized),
    lang: Lang,
) -> Result<String, Unreadable> {
    let record = records.record(c.record)?;
    let describe = |r: &Recorded| {
        let e = &r.event;
        let amount = revision::event_amount(&e.kind).map_or(String::new(), |a| {
            format!(", {} {}", t(lang, "số tiền", "amount"), money(lang, a))
        });
        let back = if revision::backdated(r) {
            format!(
                " ({} {})",
                t(lang, "ghi lùi ngày: ghi lúc", "backdated: recorded"),
                date(lang, r.recorded_at.date_naive())
            )
        } else {
            String::new()
        };
        format!(
            "#{} {} {} {}{back}{amount}",
            r.seq,
            event_type(lang, e.kind.type_name()),
            t(lang, "hiệu lực", "effective"),
            date(lang, e.effective_date)
        )
    };
    let doc = |r: &Recorded| {
        r.event.document.as_ref().map_or(String::new(), |d| {
            format!("; {} {}", Msg::Document.text(lang), document_text(d, lang))
        })
    };
    Ok(match &record.event.kind {
        Kind::Reverse { reason, .. } => format!(
            "#{} {}, {} {}, {} {reason:?}{}: {} {}{}",
            record.seq,
            event_type(lang, "reverse"),
            t(lang, "hiệu lực", "effective"),
            date(lang, record.event.effective_date),
            t(lang, "lý do", "reason"),
            doc(&record),
            t(lang, "hủy", "cancels"),
            describe(&*records.record(c.moved)?),
            doc(&*records.record(c.moved)?)
        ),
        _ => format!("{}{}", describe(&record), doc(&record)),
    })
}

fn point_text(p: DiffPoint, lang: Lang) -> String {
    let recorded = p.recorded_at.map_or("-".to_string(), |t| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    });
    let hash = p.hash.map_or("-".to_string(), hex::encode);
    match lang {
        Lang::Vi => format!("sự kiện số {} (ghi lúc {recorded}, mã băm {hash})", p.seq),
        Lang::En => format!("sequence {} (recorded {recorded}, hash {hash})", p.seq),
    }
}

/// Why a diff could not be written whole: the output refused bytes, a record it names could
/// not be read back, or causes set aside could not be (what was written stops there).
#[derive(Debug)]
pub enum Unwritten {
    Output(std::io::Error),
    Unreadable(Unreadable),
    Lost(revision::Lost),
}

impl From<std::io::Error> for Unwritten {
    fn from(e: std::io::Error) -> Unwritten {
        Unwritten::Output(e)
    }
}

impl From<Unreadable> for Unwritten {
    fn from(e: Unreadable) -> Unwritten {
        Unwritten::Unreadable(e)
    }
}

/// A revision diff: totals, then each changed line with its causes, written to `out` as it is
/// made, each cause's records read back from `records`.
pub fn write(
    rev: &revision::Revision<'_>,
    records: &(impl Lookup + ?Sized),
    (plan_year, before, after): (Option<i32>, DiffPoint, DiffPoint),
    lang: Lang,
    out: &mut dyn Write,
) -> Result<(), Unwritten> {
    let years = match (plan_year, lang) {
        (None, _) => Msg::AllPlanYears.text(lang).to_string(),
        (Some(y), Lang::Vi) => format!("năm kế hoạch {y}"),
        (Some(y), Lang::En) => format!("plan year {y}"),
    };
    match lang {
        Lang::Vi => writeln!(
            out,
            "số liệu đến hết ngày {} ({years}): theo sổ đến {} so với {}",
            date(lang, rev.as_of),
            point_text(before, lang),
            point_text(after, lang)
        ),
        Lang::En => writeln!(
            out,
            "figures as of {} ({years}): known at {} vs {}",
            rev.as_of,
            point_text(before, lang),
            point_text(after, lang)
        ),
    }?;
    writeln!(out, "{}", Msg::AmountsInDong.text(lang))?;
    let (tb, ta) = (rev.totals_before, rev.totals_after);
    writeln!(
        out,
        "{} {} {}, {} {}",
        Msg::Total.text(lang),
        Msg::Plan.text(lang),
        change(lang, tb.plan, ta.plan),
        Msg::Disbursed.text(lang),
        change(lang, tb.disbursed, ta.disbursed)
    )?;
    if rev.lines.is_empty() && !rev.indicators.is_empty() {
        out.write_all(crate::present::facts_diff::text(&rev.indicators, lang).as_bytes())?;
        return Ok(());
    }
    if rev.lines.is_empty() {
        match lang {
            Lang::Vi => writeln!(
                out,
                "không có số liệu nào đến hết ngày {} thay đổi giữa sự kiện số {} và {}",
                date(lang, rev.as_of),
                before.seq,
                after.seq
            ),
            Lang::En => writeln!(
                out,
                "no figure as of {} changed between sequences {} and {}",
                rev.as_of, before.seq, after.seq
            ),
        }?;
        return Ok(());
    }
    for l in &rev.lines {
        diff_line(out, rev, l, records, lang)?;
    }
    writeln!(
        out,
        "\n{}: {}",
        t(
            lang,
            "các sự kiện đã ghi làm thay đổi số liệu này",
            "recorded events that changed these figures"
        ),
        rev.cause_count()
    )?;
    for c in rev.causes() {
        let c = c.map_err(Unwritten::Lost)?;
        writeln!(out, "  {}", cause_text(&c, records, lang)?)?;
    }
    out.write_all(crate::present::facts_diff::text(&rev.indicators, lang).as_bytes())?;
    Ok(())
}

/// One changed line of a diff: its figures before → after and the events that moved them.
fn diff_line(
    out: &mut dyn Write,
    rev: &revision::Revision<'_>,
    l: &revision::LineChange,
    records: &(impl Lookup + ?Sized),
    lang: Lang,
) -> Result<(), Unwritten> {
    let origin = match l.spec.origin.as_str() {
        "in_year" => Msg::InYear.text(lang),
        "carried_over" => Msg::CarriedOver.text(lang),
        _ => Msg::Extended.text(lang),
    };
    let capital = match l.spec.capital {
        Capital::Recurrent => Msg::Recurrent.text(lang),
        Capital::Investment => Msg::Investment.text(lang),
    };
    writeln!(
        out,
        "\n{} {} ({}, {capital}, {origin}, {} {})",
        Msg::Line.text(lang),
        l.spec.line,
        catalogue::program_name(&l.spec.program),
        t(lang, "năm kế hoạch", "plan year"),
        l.spec.plan_year
    )?;
    for (figure, before, after) in [
        (Msg::Plan, l.plan_before, l.plan_after),
        (Msg::Disbursed, l.disbursed_before, l.disbursed_after),
    ] {
        writeln!(
            out,
            "  {:<10} {}",
            figure.text(lang),
            change(lang, before, after)
        )?;
    }
    for c in rev.line_causes(l) {
        let c = c.map_err(Unwritten::Lost)?;
        let mut effect = Vec::new();
        if !c.plan_delta.is_zero() {
            effect.push(format!(
                "{} {}",
                Msg::Plan.text(lang),
                signed(lang, c.plan_delta)
            ));
        }
        if !c.disbursed_delta.is_zero() {
            effect.push(format!(
                "{} {}",
                Msg::Disbursed.text(lang),
                signed(lang, c.disbursed_delta)
            ));
        }
        writeln!(
            out,
            "  [{}] {}",
            effect.join(", "),
            cause_text(&c.cause, records, lang)?
        )?;
    }
    Ok(())
}
