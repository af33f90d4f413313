//! The Lùng Phình fixture must reproduce section II of the seed report (the figures printed in
//! ../shared/domain.md), rounded to triệu đồng, as of 2025-11-20 for plan year 2025.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use socai::core::event::{Capital, Origin};
use socai::core::projection::{self, Totals};
use socai::ledger::Ledger;
use socai::present::vi_format::{percent, trieu};
use socai::storage::OpenMode;

fn load() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("s"), OpenMode::CreateIfMissing).unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("replay-fixtures/lung-phinh-2025/events.jsonl");
    let lines = socai::io::jsonl::read_events(std::fs::File::open(path).unwrap()).unwrap();
    ledger
        .append(lines.into_iter().map(|l| l.event).collect(), Utc::now())
        .unwrap();
    (dir, ledger)
}

#[derive(Default)]
struct Figures {
    all: Totals,
    by_capital: BTreeMap<Capital, Totals>,
    carried: BTreeMap<Capital, Totals>,
    in_year: BTreeMap<Capital, Totals>,
    program: BTreeMap<(Capital, String), Totals>,
    program_carried: BTreeMap<(Capital, String), Totals>,
    program_in_year: BTreeMap<(Capital, String), Totals>,
    works: BTreeSet<String>,
}

fn figures(ledger: &Ledger, as_of: &str) -> Figures {
    let as_of = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap();
    let view = ledger.view(as_of, None).unwrap();
    let mut f = Figures::default();
    for l in projection::balances(ledger.records(), view, Some(2025)) {
        let c = l.spec.capital;
        let key = (c, l.spec.program.clone());
        f.all.add(l.plan, l.disbursed);
        f.by_capital.entry(c).or_default().add(l.plan, l.disbursed);
        f.program
            .entry(key.clone())
            .or_default()
            .add(l.plan, l.disbursed);
        if l.spec.origin == Origin::InYear {
            f.in_year.entry(c).or_default().add(l.plan, l.disbursed);
            f.program_in_year
                .entry(key)
                .or_default()
                .add(l.plan, l.disbursed);
        } else {
            f.carried.entry(c).or_default().add(l.plan, l.disbursed);
            f.program_carried
                .entry(key)
                .or_default()
                .add(l.plan, l.disbursed);
        }
        if c == Capital::Investment {
            f.works.insert(l.spec.work.clone().unwrap_or_default());
        }
    }
    f
}

fn plan(t: Option<&Totals>) -> String {
    trieu(t.map_or(Decimal::ZERO, |t| t.plan))
}
fn disbursed(t: Option<&Totals>) -> String {
    trieu(t.map_or(Decimal::ZERO, |t| t.disbursed))
}

#[test]
fn section_two_of_the_seed_is_reproduced_as_of_2025_11_20() {
    let (_dir, ledger) = load();
    let f = figures(&ledger, "2025-11-20");
    let rec = Capital::Recurrent;
    let inv = Capital::Investment;
    let dtts = (rec, "DTTS".to_string());
    let gnbv = (rec, "GNBV".to_string());

    // All programs, including extended capital: 38.996 plan, 21.597 disbursed, 55,38%.
    assert_eq!(plan(Some(&f.all)), "38.996");
    assert_eq!(disbursed(Some(&f.all)), "21.597");
    assert_eq!(percent(f.all.rate(), 2), "55,38%");

    // Recurrent: 20.336 (carried over 4.457, in-year 15.878), 13.646 disbursed, 67,11%.
    assert_eq!(plan(f.by_capital.get(&rec)), "20.336");
    assert_eq!(plan(f.carried.get(&rec)), "4.457");
    assert_eq!(plan(f.in_year.get(&rec)), "15.878");
    assert_eq!(disbursed(f.by_capital.get(&rec)), "13.646");
    assert_eq!(percent(f.by_capital[&rec].rate(), 2), "67,11%");

    // DTTS recurrent: 11.335 (3.618 + 7.717), 6.544 disbursed.
    assert_eq!(plan(f.program.get(&dtts)), "11.335");
    assert_eq!(plan(f.program_carried.get(&dtts)), "3.618");
    assert_eq!(plan(f.program_in_year.get(&dtts)), "7.717");
    assert_eq!(disbursed(f.program.get(&dtts)), "6.544");

    // GNBV recurrent: 9.001 (839 + 8.162), 7.102 disbursed.
    assert_eq!(plan(f.program.get(&gnbv)), "9.001");
    assert_eq!(plan(f.program_carried.get(&gnbv)), "839");
    assert_eq!(plan(f.program_in_year.get(&gnbv)), "8.162");
    assert_eq!(disbursed(f.program.get(&gnbv)), "7.102");

    // Investment: 18.660 for 23 works of the DTTS program, 7.951 disbursed, 42,6%.
    assert_eq!(plan(f.by_capital.get(&inv)), "18.660");
    assert_eq!(disbursed(f.by_capital.get(&inv)), "7.951");
    assert_eq!(percent(f.by_capital[&inv].rate(), 1), "42,6%");
    assert_eq!(f.works.len(), 23);
    assert!(
        f.program
            .keys()
            .filter(|(c, _)| *c == inv)
            .all(|(_, p)| p == "DTTS")
    );
}

#[test]
fn the_seeds_two_inconsistent_rates_cannot_follow_from_its_amounts() {
    // The seed prints 57,3% for DTTS (6.544/11.335) and 75,18% for GNBV (7.102/9.001); exact
    // amounts that round to those figures give 57,73% and 78,90–78,91% instead.
    let (_dir, ledger) = load();
    let f = figures(&ledger, "2025-11-20");
    let dtts = &f.program[&(Capital::Recurrent, "DTTS".to_string())];
    let gnbv = &f.program[&(Capital::Recurrent, "GNBV".to_string())];
    assert_ne!(percent(dtts.rate(), 1), "57,3%");
    assert_ne!(percent(gnbv.rate(), 2), "75,18%");
}

#[test]
fn vouchers_after_the_as_of_date_do_not_count_until_their_day() {
    let (_dir, ledger) = load();
    let on_the_day = figures(&ledger, "2025-11-20");
    let year_end = figures(&ledger, "2025-12-31");
    assert_eq!(on_the_day.all.plan, year_end.all.plan);
    assert!(year_end.all.disbursed > on_the_day.all.disbursed);
}
