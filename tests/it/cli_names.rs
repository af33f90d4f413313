//! Issue 14: one Vietnamese name per event type, the same in the trail, `events`, the
//! dashboard and the journal (`present::event_text::TYPE_NAMES_VI`).

use crate::common;

use std::collections::HashSet;

use common::{lung_phinh_store, socai_default, text};
use socai::present::event_text;
use socai::present::messages::{Lang, event_type};

#[test]
fn every_event_type_has_one_distinct_vietnamese_name() {
    let mut seen = HashSet::new();
    for type_name in socai::app::events::TYPES {
        let vi = event_type(Lang::Vi, type_name);
        assert_ne!(vi, type_name, "{type_name} has no Vietnamese name");
        assert_eq!(vi, event_text::type_vi_named(type_name));
        assert!(seen.insert(vi.clone()), "{vi} names two types");
        assert_eq!(event_type(Lang::En, type_name), type_name);
    }
}

/// The type column of one event's row (`seq` first, then the date) in a text table.
fn type_of(output: &str, seq: u64) -> String {
    let row = output
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&seq.to_string()))
        .unwrap_or_else(|| panic!("no row {seq} in\n{output}"));
    let after_date = row.trim_start().splitn(3, "  ").nth(2).unwrap();
    after_date.split("  ").next().unwrap().trim().to_string()
}

#[test]
fn the_trail_and_events_name_an_event_type_alike() {
    let (_tmp, db) = lung_phinh_store();
    let line = "2025/DTTS/SN/DA1/NSTW";
    let trail = socai_default(&db, &["trail", line]);
    let events = socai_default(&db, &["events", "--line", line]);
    assert_eq!(trail.status.code(), Some(0), "{}", text(&trail.stderr));
    assert_eq!(events.status.code(), Some(0), "{}", text(&events.stderr));
    let (trail, events) = (text(&trail.stdout), text(&events.stdout));
    // 72 opens the line, 153 allocates its plan, 175 pays from it.
    for (seq, name) in [
        (72, "mở dòng vốn"),
        (153, "giao kế hoạch vốn"),
        (175, "giải ngân"),
    ] {
        assert_eq!(type_of(&trail, seq), name, "trail row {seq}");
        assert_eq!(type_of(&events, seq), name, "events row {seq}");
    }
    // The type column is as wide as the longest name, so the columns after it stay aligned:
    // on every row of the trail, characters 20.. hold one whole name, then blanks.
    let width = event_text::type_width_vi();
    let names: HashSet<&str> = event_text::TYPE_NAMES_VI
        .iter()
        .map(|(_, vi)| *vi)
        .collect();
    for row in trail.lines().skip(4) {
        let chars: Vec<char> = row.chars().collect();
        let column: String = chars[20..20 + width].iter().collect();
        assert!(names.contains(column.trim_end()), "{row}");
        assert_eq!(chars[20 + width], ' ', "{row}");
    }
}
