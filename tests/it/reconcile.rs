//! `socai reconcile`: printed figures compared with the ledger at the precision printed.
//! The seed's claims fail exactly where they cannot follow from the amounts; the rounding rule
//! (half away from zero, one rounding of the exact value) decides the boundary cases.

use crate::common;
use common::socai;

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::{Value, json};
use socai::core::projection::{self, View};
use socai::core::reconcile::{self, Verdict};
use socai::ledger::Ledger;
use socai::storage::OpenMode;

fn claims_path() -> PathBuf {
    common::root().join("replay-fixtures/lung-phinh-2025/claims.json")
}

#[test]
fn the_shipped_claims_hold_every_figure_of_section_two_and_match_the_schema() {
    let claims: Value =
        serde_json::from_str(&std::fs::read_to_string(claims_path()).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/claims.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&claims)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The figures of section II as the seed prints them (../shared/domain.md).
    let printed: Vec<&str> = claims["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["printed"].as_str().unwrap())
        .collect();
    for figure in [
        "38.996", "21.597", "55,38%", "20.336", "4.457", "15.878", "13.646", "67,11%", "11.335",
        "3.618", "7.717", "6.544", "57,3%", "9.001", "839", "8.162", "7.102", "75,18%", "18.660",
        "7.951", "42,6%", "23",
    ] {
        assert!(printed.contains(&figure), "claims.json lacks {figure}");
    }
}

#[test]
fn the_schema_refuses_what_the_parser_refuses() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/claims.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let claim = |c: Value| json!({"claims": [c]});
    let good = json!({"id": "a", "measure": "plan", "slice": {"kind": "total"}, "printed": "21.597", "unit": "trieu"});
    assert!(validator.is_valid(&claim(good.clone())));
    assert!(reconcile::parse_claims(&claim(good.clone()).to_string()).is_ok());
    let mut bad = Vec::new();
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        claim(c)
    };
    bad.push(with("unit", json!("percent")));
    bad.push(with("measure", json!("budget")));
    bad.push(with(
        "slice",
        json!({"kind": "program", "capital": "recurrent"}),
    ));
    bad.push(with("slice", json!({"kind": "total", "extra": 1})));
    bad.push(with("printed", json!("21,5,97")));
    bad.push(with("extra", json!(true)));
    bad.push(claim(
        json!({"id": "r", "measure": "rate", "slice": {"kind": "total"}, "printed": "55,38", "unit": "percent"}),
    ));
    for b in bad {
        assert!(!validator.is_valid(&b), "schema accepts {b}");
        assert!(
            reconcile::parse_claims(&b.to_string()).is_err(),
            "parser accepts {b}"
        );
    }
}

#[test]
fn reconcile_fails_exactly_the_three_figures_the_seed_misprints() {
    let tmp = tempfile::tempdir().unwrap();
    let db = common::lung_phinh_store_in(tmp.path());
    common::import(&db, &common::fixture("lung-phinh-2025/facts.jsonl"));
    let args = [
        "reconcile".to_string(),
        claims_path().to_str().unwrap().to_string(),
        "--as-of".into(),
        "2025-11-20".into(),
        "--plan-year".into(),
        "2025".into(),
        "--json".into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = socai(&db, &args);
    assert_eq!(o.status.code(), Some(1), "a failed claim exits 1");
    let verdicts: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 45);
    let failed: Vec<(&str, &str)> = verdicts
        .iter()
        .filter(|v| v["ok"] == false)
        .map(|v| {
            (
                v["claimed"].as_str().unwrap(),
                v["ledger"].as_str().unwrap(),
            )
        })
        .collect();
    // 6.544/11.335 cannot be 57,3% and 7.102/9.001 cannot be 75,18%, whatever the đồng;
    // 411/2.239 is 18,36%, printed "18.36%" (section III).
    assert_eq!(
        failed,
        [
            ("57,3%", "57,7%"),
            ("75,18%", "78,91%"),
            ("18.36%", "18,36%")
        ]
    );
    for v in &verdicts {
        assert!(v["claimed"].is_string() && v["ledger"].is_string() && v["ok"].is_boolean());
        if v["ok"] == true {
            assert_eq!(v["claimed"], v["ledger"]);
        } else {
            assert!(
                v["mismatch"].is_string(),
                "a failure names its mismatch: {v}"
            );
        }
    }
    // 42,6% is compared at one decimal: 42,61% rounds to it.
    let inv = verdicts.iter().find(|v| v["claimed"] == "42,6%").unwrap();
    assert_eq!(inv["ok"], true);
    assert_eq!(inv["ledger"], "42,6%");

    // The text form says the same; stderr names the count.
    let o = socai(&db, &args[..args.len() - 1]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("FAIL")).count(), 3);
    assert!(text.contains("45 claims: 42 follow from the ledger, 3 do not"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("3 of 45 claims"));
}

#[test]
fn reconcile_exits_0_when_every_claim_holds_and_2_on_a_bad_claims_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = common::lung_phinh_store_in(tmp.path());
    let file = tmp.path().join("c.json");
    std::fs::write(
        &file,
        json!({"claims": [
            {"id": "tổng", "measure": "plan", "slice": {"kind": "total"}, "printed": "38.996", "unit": "trieu"},
            {"id": "đồng", "measure": "plan", "slice": {"kind": "total"}, "printed": "38.995.994.600", "unit": "dong"},
            {"id": "tỷ", "measure": "plan", "slice": {"kind": "total"}, "printed": "39,0", "unit": "ty"},
            {"id": "line", "measure": "plan", "slice": {"kind": "line", "line": "2025/GNBV/SN/DA2/NSTW"}, "printed": "3.314", "unit": "trieu"}
        ]})
        .to_string(),
    )
    .unwrap();
    let run = |f: &Path| {
        socai(
            &db,
            &[
                "reconcile",
                f.to_str().unwrap(),
                "--as-of",
                "2025-11-20",
                "--plan-year",
                "2025",
            ],
        )
    };
    let o = run(&file);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(&file, r#"{"claims": [{"id": "x", "measure": "rate", "slice": {"kind": "total"}, "printed": "55,38", "unit": "percent"}]}"#).unwrap();
    let o = run(&file);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("claim 1") && err.contains("must end with %"),
        "{err}"
    );
    let o = run(&tmp.path().join("missing.json"));
    assert_eq!(o.status.code(), Some(2));
}

/// A ledger of one recurrent line with `plan` and `disbursed` đồng, for boundary cases.
fn small(plan: i64, disbursed: i64) -> (tempfile::TempDir, Ledger) {
    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&tmp.path().join("s"), OpenMode::CreateIfMissing).unwrap();
    let mut lines = vec![
        r#"{"id":"00000000-0000-4000-8000-000000000001","type":"open_line","effective_date":"2025-01-02","line":"L","program":"P","project":"DA1","capital":"recurrent","source":"NSTW","plan_year":2025,"origin":"in_year"}"#.to_string(),
        format!(r#"{{"id":"00000000-0000-4000-8000-000000000002","type":"allocate","effective_date":"2025-01-03","line":"L","amount":"{plan}","document":{{"number":"1/QĐ","date":"2025-01-03"}}}}"#),
    ];
    if disbursed > 0 {
        lines.push(format!(r#"{{"id":"00000000-0000-4000-8000-000000000003","type":"disburse","effective_date":"2025-01-04","line":"L","amount":"{disbursed}","document":{{"number":"PC-1","date":"2025-01-04"}}}}"#));
    }
    let events = lines
        .iter()
        .map(|l| socai::core::event::parse_line(l).unwrap())
        .collect();
    ledger.append(events, Utc::now()).unwrap();
    (tmp, ledger)
}

/// Checks one printed figure against a small ledger: (ok, ledger's text).
fn claim(ledger: &Ledger, measure: &str, printed: &str, unit: &str) -> (bool, String) {
    let file = reconcile::parse_claims(
        &json!({"claims": [{"id": "c", "measure": measure, "slice": {"kind": "total"}, "printed": printed, "unit": unit}]})
            .to_string(),
    )
    .unwrap();
    let view = View {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        known_at: ledger.head_seq(),
    };
    let lines = projection::balances(ledger.records(), view, Some(2025));
    let v: Vec<Verdict> = reconcile::check(&file.claims, &lines, &Default::default());
    (v[0].ok, v[0].ledger.clone())
}

#[test]
fn million_dong_amounts_round_half_away_from_zero_at_500_000() {
    let (_t, l) = small(499_999, 0);
    assert_eq!(claim(&l, "plan", "0", "trieu"), (true, "0".into()));
    assert_eq!(claim(&l, "plan", "1", "trieu"), (false, "0".into()));
    assert_eq!(
        claim(&l, "plan", "499.999", "dong"),
        (true, "499.999".into())
    );
    let (_t, l) = small(500_000, 0);
    assert_eq!(claim(&l, "plan", "1", "trieu"), (true, "1".into()));
    assert_eq!(claim(&l, "plan", "0", "trieu"), (false, "1".into()));
    // The seed's own boundary: 21.596,5 triệu prints as 21.597, a đồng less as 21.596.
    let (_t, l) = small(21_596_500_000, 0);
    assert_eq!(
        claim(&l, "plan", "21.597", "trieu"),
        (true, "21.597".into())
    );
    let (_t, l) = small(21_596_499_999, 0);
    assert_eq!(
        claim(&l, "plan", "21.597", "trieu"),
        (false, "21.596".into())
    );
    // Printed with decimals, the claim is that precise: 21.596,5 triệu, then tỷ.
    assert_eq!(
        claim(&l, "plan", "21.596,5", "trieu"),
        (true, "21.596,5".into())
    );
    assert_eq!(claim(&l, "plan", "21,596", "ty"), (true, "21,596".into()));
    assert_eq!(claim(&l, "plan", "21,597", "ty"), (false, "21,596".into()));
}

#[test]
fn rates_round_once_at_the_printed_decimals_half_away_from_zero() {
    // Exactly 42,605%: two decimals round up to 42,61%.
    let (_t, l) = small(100_000, 42_605);
    assert_eq!(
        claim(&l, "rate", "42,61%", "percent"),
        (true, "42,61%".into())
    );
    assert_eq!(
        claim(&l, "rate", "42,60%", "percent"),
        (false, "42,61%".into())
    );
    assert_eq!(
        claim(&l, "rate", "42,6%", "percent"),
        (true, "42,6%".into())
    );
    // Exactly 42,55%: one decimal rounds up to 42,6%.
    let (_t, l) = small(10_000, 4_255);
    assert_eq!(
        claim(&l, "rate", "42,6%", "percent"),
        (true, "42,6%".into())
    );
    assert_eq!(
        claim(&l, "rate", "42,5%", "percent"),
        (false, "42,6%".into())
    );
    // 42,549%: one decimal is 42,5% from the exact ratio. Rounding twice (42,55% first)
    // would claim 42,6%: the comparison must not do that.
    let (_t, l) = small(100_000, 42_549);
    assert_eq!(
        claim(&l, "rate", "42,5%", "percent"),
        (true, "42,5%".into())
    );
    assert_eq!(
        claim(&l, "rate", "42,6%", "percent"),
        (false, "42,5%".into())
    );
    assert_eq!(
        claim(&l, "rate", "42,55%", "percent"),
        (true, "42,55%".into())
    );
    // Whole percent and no plan at all.
    let (_t, l) = small(200, 1);
    assert_eq!(claim(&l, "rate", "1%", "percent"), (true, "1%".into()));
    assert_eq!(claim(&l, "rate", "0,5%", "percent"), (true, "0,5%".into()));
    assert_eq!(claim(&l, "rate", "0%", "percent"), (false, "1%".into()));
}

#[test]
fn a_slice_the_ledger_does_not_have_fails_with_a_note() {
    let (_t, l) = small(1_000, 0);
    let file = reconcile::parse_claims(
        &json!({"claims": [
            {"id": "c", "measure": "plan", "slice": {"kind": "program", "capital": "recurrent", "program": "NTM"}, "printed": "0", "unit": "trieu"},
            {"id": "w", "measure": "works", "slice": {"kind": "capital", "capital": "recurrent"}, "printed": "0", "unit": "count"}
        ]})
        .to_string(),
    )
    .unwrap();
    let view = View {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        known_at: l.head_seq(),
    };
    let lines = projection::balances(l.records(), view, Some(2025));
    let v = reconcile::check(&file.claims, &lines, &Default::default());
    assert!(!v[0].ok);
    assert!(v[0].note.as_deref().unwrap().contains("NTM"));
    // Recurrent lines fund no works: a count of 0 holds.
    assert!(v[1].ok);
}
