//! The figures of a report row split by source of funds (nguồn vốn): NSTW (central budget),
//! NSĐP (local budget, incl. the counterpart funds, vốn đối ứng) and any other source code a
//! line names. The parts always add up to the row: every line has exactly one source.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::core::annex::{Split, natural_cmp};
use crate::core::projection::LineBalance;

/// The key of the central budget's source.
pub const NSTW: &str = "NSTW";
/// The key of the local budget's source: source codes are ASCII (`event::parse` refuses
/// others), so NSĐP is stored as `NSDP`.
pub const NSDP: &str = "NSDP";

/// The name people read for a source key (`NSDP` → `NSĐP`).
pub fn source_label(key: &str) -> &str {
    if key == NSDP { "NSĐP" } else { key }
}

/// NSTW first, then NSĐP, then other codes in natural order: the order budget reports use.
pub fn source_cmp(a: &str, b: &str) -> Ordering {
    let rank = |k: &str| match k {
        NSTW => 0,
        NSDP => 1,
        _ => 2,
    };
    rank(a).cmp(&rank(b)).then_with(|| natural_cmp(a, b))
}

/// One row's figures by source, in `source_cmp` order; only sources with a line in the row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BySource(pub Vec<(String, Split)>);

impl BySource {
    pub fn of(lines: &[&LineBalance<'_>]) -> BySource {
        let mut parts: BTreeMap<String, Split> = BTreeMap::new();
        for l in lines {
            parts.entry(l.spec.source.clone()).or_default().add(l);
        }
        let mut v: Vec<(String, Split)> = parts.into_iter().collect();
        v.sort_by(|a, b| source_cmp(&a.0, &b.0));
        BySource(v)
    }

    /// The part of `key`, zero when the row has no line of that source.
    pub fn get(&self, key: &str) -> Split {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(Split::default, |(_, s)| *s)
    }
}

/// The source columns of a table: NSTW and NSĐP always (a commune reports its counterpart
/// funds even when there are none), then every other source present among `lines`.
pub fn keys(lines: &[&LineBalance<'_>]) -> Vec<String> {
    let mut keys = vec![NSTW.to_string(), NSDP.to_string()];
    for (k, _) in BySource::of(lines).0 {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nstw_then_nsdp_then_other_codes() {
        let mut v = vec!["ODA", "NSDP", "LONG_GHEP", "NSTW"];
        v.sort_by(|a, b| source_cmp(a, b));
        assert_eq!(v, ["NSTW", "NSDP", "LONG_GHEP", "ODA"]);
        assert_eq!(source_label("NSDP"), "NSĐP");
    }
}
