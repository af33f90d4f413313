//! The JSON rendering of a report: exact figures, for machines.

use serde_json::{Value, json};

use super::Provenance;
use crate::core::annex::{Figures, Row, RowKind, Split};
use crate::core::by_source::BySource;
use crate::core::event::Capital;
use crate::core::money::{self, rate_text};
use crate::core::projection::Totals;
use crate::core::rule_data;
use crate::core::works_annex::WorkColumns;
use crate::present::advances::advance_json;

fn rate_json(t: Totals) -> Value {
    rate_text(money::rate(t.disbursed, t.plan)).map_or(Value::Null, Value::String)
}

fn split_json(s: &Split) -> serde_json::Map<String, Value> {
    let total = s.total();
    let mut m = serde_json::Map::new();
    m.insert("carried".into(), s.carried.plan.to_string().into());
    m.insert("in_year".into(), s.in_year.plan.to_string().into());
    m.insert("plan".into(), total.plan.to_string().into());
    m.insert(
        "disbursed_carried".into(),
        s.carried.disbursed.to_string().into(),
    );
    m.insert(
        "disbursed_in_year".into(),
        s.in_year.disbursed.to_string().into(),
    );
    m.insert("disbursed".into(), total.disbursed.to_string().into());
    // The closing columns of issue 12 (what left the lines at their close is not a cut of
    // the plan).
    m.insert("carried_out".into(), total.carried_out.to_string().into());
    m.insert("lapsed".into(), total.lapsed.to_string().into());
    m.insert(
        "recovered_after_close".into(),
        total.recovered_after_close.to_string().into(),
    );
    m.insert("available".into(), total.available().to_string().into());
    m.insert("rate".into(), rate_json(total));
    // The payments' figures (issue 13).
    for (name, value) in total.pay.named() {
        m.insert(name.into(), value.to_string().into());
    }
    m
}

/// A figure's split by source: `[{"source": "NSTW", …the figures…}, …]`, NSTW, NSDP, others.
/// One level of section II (a capital or a program): its name under `key`, its split, its
/// sources and, for investment capital, its count of works.
fn level_json(
    (key, name): (&str, Value),
    (split, sources): (&Split, &BySource),
    works: Option<usize>,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert(key.into(), name);
    m.extend(split_json(split));
    m.insert("sources".into(), sources_json(sources));
    if let Some(works) = works {
        m.insert("works".into(), works.into());
    }
    m
}

fn sources_json(s: &BySource) -> Value {
    s.0.iter()
        .map(|(key, part)| {
            let mut m = serde_json::Map::new();
            m.insert("source".into(), key.clone().into());
            m.extend(split_json(part));
            Value::Object(m)
        })
        .collect::<Vec<_>>()
        .into()
}

/// Annex 02's per-work figures (issue 13); `disbursed` is the row's disbursement this year.
fn work_json(w: &WorkColumns, disbursed: rust_decimal::Decimal) -> Value {
    let s = |d: rust_decimal::Decimal| Value::String(d.to_string());
    let opt = |d: Option<rust_decimal::Decimal>| d.map_or(Value::Null, s);
    let info = w.info.as_ref().map_or(Value::Null, |i| {
        json!({
            "code": i.work,
            "name": i.name,
            "decision": {"number": i.decision.number, "date": i.decision.date.to_string(),
                         "issuer": i.decision.issuer},
            "owner": i.owner,
            "site": i.site,
        })
    });
    json!({
        "registered": info,
        "total_investment": opt(w.total_investment),
        "allocated_before": s(w.allocated_before),
        "disbursed_before": s(w.disbursed_before),
        "allocated_this_year": s(w.allocated_this_year),
        "advance_outstanding": s(w.advance_outstanding),
        "cumulative_allocated": s(w.cumulative_allocated()),
        "cumulative_disbursed": s(w.disbursed_before + disbursed),
        "remaining": opt(w.remaining()),
        "contributions": {
            "cash": s(w.contributions.cash),
            "in_kind": s(w.contributions.in_kind),
            "labour": s(w.contributions.labour),
            "total": s(w.contributions.total()),
        },
    })
}

fn row_json(r: &Row) -> Value {
    let kind = match r.kind {
        RowKind::Total => "total",
        RowKind::Program => "program",
        RowKind::Project => "project",
        RowKind::Subproject => "subproject",
        RowKind::OtherLines => "other_lines",
        RowKind::Works => "works",
    };
    let mut m = serde_json::Map::new();
    m.insert("level".into(), r.level.into());
    m.insert("kind".into(), kind.into());
    for (k, v) in [
        ("program", &r.program),
        ("project", &r.project),
        ("subproject", &r.subproject),
        ("works", &r.works),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone().into());
        }
    }
    m.extend(split_json(&r.split));
    m.insert("sources".into(), sources_json(&r.sources));
    if let Some(w) = &r.work {
        m.insert("work".into(), work_json(w, r.split.total().disbursed));
    }
    Value::Object(m)
}

/// The machine form: exact đồng as strings and 4-decimal rates, whatever `--unit` and `--lang`.
pub fn json(figures: &Figures, prov: &Provenance) -> Value {
    let capitals: Vec<Value> = figures
        .capitals
        .iter()
        .map(|c| {
            let investment = c.capital == Capital::Investment;
            let mut m = level_json(
                ("capital", c.capital.as_str().into()),
                (&c.split, &c.sources),
                investment.then_some(c.works),
            );
            let programs: Vec<Value> = c
                .programs
                .iter()
                .map(|p| {
                    Value::Object(level_json(
                        ("program", p.program.clone().into()),
                        (&p.split, &p.sources),
                        investment.then_some(p.works),
                    ))
                })
                .collect();
            m.insert("programs".into(), programs.into());
            Value::Object(m)
        })
        .collect();
    json!({
        "provenance": prov.json(),
        "amounts": "đồng",
        "sources": figures.sources,
        "section_ii": {
            "total": Value::Object({
                let mut m = split_json(&figures.all);
                m.insert("sources".into(), sources_json(&figures.all_sources));
                m
            }),
            "capitals": capitals,
        },
        "annex_01": figures.annex01.iter().map(row_json).collect::<Vec<_>>(),
        "annex_02": figures.annex02.iter().map(row_json).collect::<Vec<_>>(),
        "advances_to_recover": {
            "recovery_due_percent": rule_data::RECOVERY_DUE_PERCENT,
            "recovery_due_source": rule_data::RECOVERY_DUE_SOURCE,
            "rows": figures.advances.iter().map(advance_json).collect::<Vec<_>>(),
            "total_outstanding": figures.advances.iter().map(|a| a.outstanding)
                .sum::<rust_decimal::Decimal>().to_string(),
        },
    })
}
