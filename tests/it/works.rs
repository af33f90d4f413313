//! Works (công trình) with an approved total investment (issue 13): `open_work`, the
//! `over_total_investment` rule over all lines and plan years of a work, `contribute`, and
//! annex 02 per work in the report (scenario 3 of the issue, in whole đồng).

use crate::common;
use common::events::{line_json, money_json, pair_json, parse, uid};
use common::given::given;
use common::{report_2025, store_of, text};

use serde_json::{Value, json};
use socai::core::event::Event;

const MILLION: i64 = 1_000_000;

fn open_work(n: u128, work: &str, total_trieu: i64) -> Value {
    json!({"id": uid(n), "type": "open_work", "effective_date": "2023-01-02", "work": work,
        "name": "Đường giao thông liên thôn", "total_investment": (total_trieu * MILLION).to_string(),
        "decision": {"number": "215/QĐ-UBND", "date": "2022-12-20", "issuer": "UBND huyện Mường Khương"},
        "owner": "UBND xã Lùng Phình", "site": "thôn Sín Chải"})
}

fn open_inv(n: u128, line: &str, plan_year: i64, origin: &str, work: &str) -> Value {
    json!({"id": uid(n), "type": "open_line", "effective_date": format!("{plan_year}-01-02"),
        "line": line, "program": "DTTS", "capital": "investment", "source": "NSTW",
        "plan_year": plan_year, "origin": origin, "work": work})
}

fn tr(n: u128, kind: &str, line: &str, trieu: i64, effective: &str) -> Value {
    line_json(n, kind, line, trieu * MILLION, effective)
}

fn contribute(n: u128, work: &str, trieu: i64, kind: &str) -> Value {
    money_json(
        n,
        "contribute",
        "2025-05-01",
        json!({"work": work, "amount": (trieu * MILLION).to_string(), "kind": kind}),
    )
}

/// Scenario 3: CT03, total investment 4.800; 2023 plan 1.500 all disbursed; 2024 plan 1.800,
/// 747 disbursed, 1.053 extended into 2025; 2025 in-year 1.215 (triệu).
fn scenario_three() -> Vec<Value> {
    vec![
        open_work(1, "CT03", 4_800),
        open_inv(2, "2023/CT03", 2023, "in_year", "CT03"),
        tr(3, "allocate", "2023/CT03", 1_500, "2023-02-01"),
        tr(4, "disburse", "2023/CT03", 1_500, "2023-12-15"),
        open_inv(5, "2024/CT03", 2024, "in_year", "CT03"),
        tr(6, "allocate", "2024/CT03", 1_800, "2024-02-01"),
        tr(7, "disburse", "2024/CT03", 747, "2024-11-05"),
        open_inv(8, "2025/CT03/KD", 2025, "extended", "CT03"),
        pair_json(
            9,
            "carry_over",
            "2024/CT03",
            "2025/CT03/KD",
            1_053 * MILLION,
            "2025-02-20",
        ),
        open_inv(10, "2025/CT03", 2025, "in_year", "CT03"),
        tr(11, "allocate", "2025/CT03", 1_215, "2025-03-01"),
    ]
}

fn events(values: &[Value]) -> Vec<Event> {
    values.iter().map(parse).collect()
}

#[test]
fn a_2026_allocation_beyond_the_total_investment_is_refused_and_carry_overs_count_once() {
    let mut rules = given(events(&scenario_three()));
    // 3.300 before 2025 + 1.215 in 2025 = 4.515: the carried 1.053 is not counted again, so
    // 285 still fit and 400 do not (4.915 > 4.800).
    let open_2026 = open_inv(20, "2026/CT03", 2026, "in_year", "CT03");
    assert_eq!(
        rules
            .when(events(&[
                open_2026.clone(),
                tr(21, "allocate", "2026/CT03", 400, "2026-02-01")
            ]))
            .refused(),
        (1, "over_total_investment")
    );
    rules
        .when(events(&[
            open_2026,
            tr(22, "allocate", "2026/CT03", 285, "2026-02-01"),
        ]))
        .accepted();
    // At the limit: one more đồng by any road is refused.
    let one_more = line_json(23, "allocate", "2026/CT03", 1, "2026-03-01");
    assert_eq!(
        rules.when(events(&[one_more])).refused_one(),
        "over_total_investment"
    );
}

#[test]
fn the_refusal_names_the_work_the_amounts_and_the_legal_source() {
    let mut state = socai::core::rules::State::new();
    for (i, e) in events(&scenario_three()).into_iter().enumerate() {
        state.check(&e).unwrap();
        state.apply(socai::core::rules::Recorded {
            seq: i as u64 + 1,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            event: e,
            rules: socai::core::rule_data::CURRENT,
        });
    }
    let e = events(&[open_inv(20, "2026/CT03", 2026, "in_year", "CT03")]).remove(0);
    state.check(&e).unwrap();
    state.apply(socai::core::rules::Recorded {
        seq: state.head_seq() + 1,
        recorded_at: chrono::DateTime::UNIX_EPOCH,
        event: e,
        rules: socai::core::rule_data::CURRENT,
    });
    let refusal = state
        .check(&parse(&tr(21, "allocate", "2026/CT03", 400, "2026-02-01")))
        .unwrap_err();
    assert_eq!(refusal.code.as_str(), "over_total_investment");
    let m = refusal.message;
    assert!(m.contains("\"CT03\""), "{m}");
    assert!(m.contains("4915000000") && m.contains("4800000000"), "{m}");
    assert!(m.contains("Luật Đầu tư công"), "{m}");
}

#[test]
fn transfers_withdrawals_and_reversals_count_toward_the_total_investment() {
    let mut base = scenario_three();
    base.extend([
        open_inv(30, "2025/OTHER", 2025, "in_year", "Nhà văn hóa thôn"),
        tr(31, "allocate", "2025/OTHER", 1_000, "2025-03-01"),
    ]);
    let mut rules = given(events(&base));
    // A transfer into CT03's 2025 line is an allocation to CT03: 4.515 + 300 > 4.800.
    let into = pair_json(
        32,
        "transfer",
        "2025/OTHER",
        "2025/CT03",
        300 * MILLION,
        "2025-04-01",
    );
    assert_eq!(
        rules.when(events(&[into])).refused_one(),
        "over_total_investment"
    );
    // A withdrawal makes room; reversing it takes the room back and is refused when the room
    // was used meanwhile.
    let reduce = tr(33, "reduce", "2025/CT03", 200, "2025-04-02");
    let refill = pair_json(
        34,
        "transfer",
        "2025/OTHER",
        "2025/CT03",
        485 * MILLION,
        "2025-04-03",
    );
    rules.when(events(&[reduce, refill])).accepted();
    let undo = json!({"id": uid(35), "type": "reverse", "effective_date": "2025-04-04",
        "target": uid(33), "reason": "nhầm", "document": common::events::document()});
    assert_eq!(
        rules.when(events(&[undo])).refused_one(),
        "over_total_investment"
    );
    // Lines naming a work nobody registered keep working as before.
    rules
        .when(events(&[tr(
            36,
            "allocate",
            "2025/OTHER",
            90_000,
            "2025-05-01",
        )]))
        .accepted();
}

#[test]
fn a_refused_batch_leaves_the_works_cumulative_allocation_as_it_was() {
    let mut rules = given(events(&scenario_three()));
    let open_2026 = open_inv(20, "2026/CT03", 2026, "in_year", "CT03");
    // 285 passes, then the batch fails on an unknown line: all of it is rolled back.
    let batch = [
        open_2026.clone(),
        tr(21, "allocate", "2026/CT03", 285, "2026-02-01"),
        tr(22, "allocate", "NO-SUCH-LINE", 1, "2026-02-01"),
    ];
    assert_eq!(rules.when(events(&batch)).refused(), (2, "unknown_line"));
    rules
        .when(events(&[
            open_2026,
            tr(23, "allocate", "2026/CT03", 285, "2026-02-01"),
        ]))
        .accepted();
}

#[test]
fn open_work_is_refused_twice_or_below_what_its_lines_already_hold() {
    let mut rules = given(events(&scenario_three()));
    assert_eq!(
        rules
            .when(events(&[open_work(40, "CT03", 9_000)]))
            .refused_one(),
        "work_exists"
    );
    // Lines named CT07 before CT07 was registered: its total investment must cover them.
    rules
        .when(events(&[
            open_inv(41, "2025/CT07", 2025, "in_year", "CT07"),
            tr(42, "allocate", "2025/CT07", 700, "2025-03-01"),
        ]))
        .accepted();
    assert_eq!(
        rules
            .when(events(&[open_work(43, "CT07", 600)]))
            .refused_one(),
        "over_total_investment"
    );
    rules.when(events(&[open_work(44, "CT07", 700)])).accepted();
}

#[test]
fn contributions_name_a_registered_work_of_a_known_kind() {
    let mut rules = given(events(&scenario_three()));
    assert_eq!(
        rules
            .when(events(&[contribute(50, "CT99", 10, "cash")]))
            .refused_one(),
        "unknown_work"
    );
    rules
        .when(events(&[
            contribute(51, "CT03", 50, "cash"),
            contribute(52, "CT03", 20, "in_kind"),
            contribute(53, "CT03", 30, "labour"),
        ]))
        .accepted();
    let bad = serde_json::to_string(&contribute(54, "CT03", 1, "bitcoin")).unwrap();
    assert!(socai::core::event::parse_line(&bad).is_err());
}

#[test]
fn annex_02_shows_scenario_three_per_work_in_whole_dong() {
    let mut values = scenario_three();
    values.extend([
        tr(12, "disburse", "2025/CT03/KD", 900, "2025-06-10"),
        tr(13, "disburse", "2025/CT03", 250, "2025-08-10"),
        contribute(14, "CT03", 50, "cash"),
        contribute(15, "CT03", 30, "labour"),
        // A contract of 800 and an advance of 240 under it (the 30% cap), not yet recovered.
        money_json(
            16,
            "commit",
            "2025-03-20",
            json!({"line": "2025/CT03",
            "contract": "HD-01/2025", "amount": (800 * MILLION).to_string(),
            "payee": "Công ty XD Lùng Phình"}),
        ),
        money_json(
            17,
            "advance",
            "2025-04-01",
            json!({"line": "2025/CT03",
            "contract": "HD-01/2025", "amount": (240 * MILLION).to_string(),
            "payee": "Công ty XD Lùng Phình"}),
        ),
    ]);
    let (_tmp, db) = store_of(&values);
    let v: Value = serde_json::from_slice(&report_2025(&db, "json", "trieu")).unwrap();
    let schema = std::fs::read_to_string(common::root().join("schemas/report.schema.json"));
    let schema: Value = serde_json::from_str(&schema.unwrap()).unwrap();
    let errors: Vec<String> = jsonschema::validator_for(&schema)
        .unwrap()
        .iter_errors(&v)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let row = v["annex_02"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "works")
        .unwrap()
        .clone();
    let m = |t: i64| json!((t * MILLION).to_string());
    assert_eq!(row["works"], "CT03");
    assert_eq!(row["carried"], m(1_053));
    assert_eq!(row["in_year"], m(1_215));
    assert_eq!(row["plan"], m(2_268));
    assert_eq!(row["disbursed"], m(1_390));
    let w = &row["work"];
    assert_eq!(w["registered"]["code"], "CT03");
    assert_eq!(w["registered"]["decision"]["number"], "215/QĐ-UBND");
    assert_eq!(w["registered"]["owner"], "UBND xã Lùng Phình");
    assert_eq!(w["total_investment"], m(4_800));
    assert_eq!(w["allocated_before"], m(3_300));
    assert_eq!(w["disbursed_before"], m(2_247));
    assert_eq!(w["allocated_this_year"], m(1_215));
    assert_eq!(w["cumulative_allocated"], m(4_515));
    assert_eq!(w["advance_outstanding"], m(240));
    assert_eq!(w["cumulative_disbursed"], m(3_637));
    assert_eq!(w["remaining"], m(285));
    assert_eq!(w["contributions"]["cash"], m(50));
    assert_eq!(w["contributions"]["labour"], m(30));
    assert_eq!(w["contributions"]["total"], m(80));
    // Contributions stay beside the budget: the plan and disbursement totals do not hold them.
    assert_eq!(v["annex_02"][0]["plan"], m(2_268));
    assert_eq!(v["section_ii"]["total"]["disbursed"], m(1_390));
    // The advances to recover, as a section of the report.
    let adv = &v["advances_to_recover"];
    assert_eq!(adv["total_outstanding"], m(240));
    let a = &adv["rows"][0];
    assert_eq!(
        (&a["line"], &a["contract"], &a["outstanding"], &a["since"]),
        (
            &json!("2025/CT03"),
            &json!("HD-01/2025"),
            &m(240),
            &json!("2025-04-01")
        )
    );
    assert_eq!(a["age_days"], 274);
    assert_eq!(a["flagged"], false);
    assert_eq!(v["annex_02"][0]["work"]["total_investment"], m(4_800));

    let txt = text(&report_2025(&db, "text", "trieu"));
    let line = txt
        .lines()
        .skip_while(|l| !l.contains("Phụ biểu 02"))
        .find(|l| l.contains("CT03 – "))
        .unwrap_or_else(|| panic!("{txt}"));
    let cells: Vec<&str> = line.split("  ").filter(|c| !c.trim().is_empty()).collect();
    let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
    assert_eq!(
        cells[1..],
        [
            "4.800",
            "215/QĐ-UBND 20/12/2022 (UBND huyện Mường Khương)",
            "UBND xã Lùng Phình",
            "3.300",
            "2.247",
            "1.053",
            "1.215",
            "2.268",
            "1.390",
            "240",
            "61,29%",
            "3.637",
            "285",
            "80"
        ],
        "{line}"
    );
    let section: Vec<&str> = txt
        .lines()
        .skip_while(|l| !l.starts_with("Danh sách tạm ứng chưa thu hồi"))
        .take(4)
        .collect();
    assert_eq!(
        section[2].split_whitespace().collect::<Vec<_>>(),
        ["Tổng", "cộng", "240"]
    );
    let cells = |l: &str| -> Vec<String> {
        l.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        cells(section[3]),
        [
            "2025/CT03",
            "HD-01/2025",
            "Công ty XD Lùng Phình",
            "240",
            "01/04/2025",
            "274",
            "800",
            "0"
        ],
        "{section:?}"
    );
}

/// Scenario 1's variant: advance 270 under a contract of 900, payments of 400 (recovering
/// 120) and 350 (recovering only 100): paid 750 ≥ 80% of 900 with 50 outstanding, so the
/// report's list flags it (reported, not refused).
#[test]
fn the_report_flags_an_advance_outstanding_once_80_percent_of_its_contract_is_paid() {
    let pay = |n: u128, kind: &str, date: &str, body: Value| money_json(n, kind, date, body);
    let m = |t: i64| (t * MILLION).to_string();
    let values = vec![
        open_inv(1, "2025/CT05", 2025, "in_year", "CT05"),
        tr(2, "allocate", "2025/CT05", 1_000, "2025-02-01"),
        pay(
            3,
            "commit",
            "2025-03-01",
            json!({"line": "2025/CT05", "contract": "HD-05",
            "amount": m(900), "payee": "Công ty Hòa Bình"}),
        ),
        pay(
            4,
            "advance",
            "2025-03-10",
            json!({"line": "2025/CT05", "contract": "HD-05",
            "amount": m(270), "payee": "Công ty Hòa Bình"}),
        ),
        pay(
            5,
            "disburse",
            "2025-06-15",
            json!({"line": "2025/CT05", "contract": "HD-05",
            "amount": m(400), "recovers": m(120)}),
        ),
        pay(
            6,
            "disburse",
            "2025-09-20",
            json!({"line": "2025/CT05", "contract": "HD-05",
            "amount": m(350), "recovers": m(100)}),
        ),
    ];
    let (_tmp, db) = store_of(&values);
    let v: Value = serde_json::from_slice(&report_2025(&db, "json", "trieu")).unwrap();
    let a = &v["advances_to_recover"]["rows"][0];
    assert_eq!(a["outstanding"], m(50));
    assert_eq!(a["flagged"], true);
    let works = &v["annex_02"][2];
    assert_eq!(works["work"]["advance_outstanding"], m(50));
    assert_eq!(works["disbursed"], m(800));
    let txt = text(&report_2025(&db, "text", "trieu"));
    let row = txt
        .lines()
        .skip_while(|l| !l.starts_with("Danh sách tạm ứng chưa thu hồi"))
        .find(|l| l.contains("HD-05"))
        .unwrap_or_else(|| panic!("{txt}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells[3..],
        ["50", "10/03/2025", "296", "900", "750", "Có"],
        "{row}"
    );
}

/// A line stored before input was normalised may name its work with a trailing space or in
/// NFD: it is the same work (normal form), so its allocation counts toward the work's total.
#[test]
fn a_line_naming_its_work_in_another_form_counts_for_that_work() {
    let mut open = parse(&open_inv(60, "2025/CT08", 2025, "in_year", "CT08"));
    if let socai::core::event::Kind::OpenLine(spec) = &mut open.kind {
        spec.work = Some("CT08 ".to_string());
    }
    let mut rules = given(vec![
        open,
        parse(&tr(61, "allocate", "2025/CT08", 700, "2025-03-01")),
    ]);
    assert_eq!(
        rules
            .when(events(&[open_work(62, "CT08", 600)]))
            .refused_one(),
        "over_total_investment"
    );
    rules.when(events(&[open_work(63, "CT08", 800)])).accepted();
    assert_eq!(
        rules
            .when(events(&[tr(
                64,
                "allocate",
                "2025/CT08",
                101,
                "2025-03-02"
            )]))
            .refused_one(),
        "over_total_investment"
    );
}
