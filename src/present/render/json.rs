//! The JSON rendering of a report: exact figures, for machines.

use serde_json::{Value, json};

use super::Provenance;
use crate::core::annex::{Figures, Row, RowKind, Split};
use crate::core::event::Capital;
use crate::core::money::{self, rate_text};
use crate::core::projection::Totals;

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
    m
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
    Value::Object(m)
}

/// The machine form: exact đồng as strings and 4-decimal rates, whatever `--unit` and `--lang`.
pub fn json(figures: &Figures, prov: &Provenance) -> Value {
    let capitals: Vec<Value> = figures
        .capitals
        .iter()
        .map(|c| {
            let mut m = serde_json::Map::new();
            m.insert("capital".into(), c.capital.as_str().into());
            m.extend(split_json(&c.split));
            if c.capital == Capital::Investment {
                m.insert("works".into(), c.works.into());
            }
            let programs: Vec<Value> = c
                .programs
                .iter()
                .map(|p| {
                    let mut pm = serde_json::Map::new();
                    pm.insert("program".into(), p.program.clone().into());
                    pm.extend(split_json(&p.split));
                    if c.capital == Capital::Investment {
                        pm.insert("works".into(), p.works.into());
                    }
                    Value::Object(pm)
                })
                .collect();
            m.insert("programs".into(), programs.into());
            Value::Object(m)
        })
        .collect();
    json!({
        "provenance": prov.json(),
        "amounts": "đồng",
        "section_ii": {
            "total": Value::Object(split_json(&figures.all)),
            "capitals": capitals,
        },
        "annex_01": figures.annex01.iter().map(row_json).collect::<Vec<_>>(),
        "annex_02": figures.annex02.iter().map(row_json).collect::<Vec<_>>(),
    })
}
