//! `--known-at`: a sequence number or an RFC 3339 moment, and how a moment becomes a sequence.
//! One parser for every command, so `balance`, `trail`, `summary`, `report`, `reconcile` and
//! `diff` read the same knowledge point the same way.

use chrono::{DateTime, Utc};

use crate::core::projection::View;
use crate::core::rules::Recorded;

/// A knowledge point as the user wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownAt {
    /// The last sequence to include.
    Seq(u64),
    /// The ledger as it stood at that moment: every event recorded at or before it.
    At(DateTime<Utc>),
}

/// Why a knowledge point was refused. Each door names the parameter its own way
/// (`--known-at` on the command line, `known_at` or `vs` over HTTP): see `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnownAtError {
    /// All digits, but more than a `u64` holds.
    TooLarge { text: String },
    /// Neither digits nor an RFC 3339 moment; `why` is the timestamp parser's reason.
    Unreadable { text: String, why: String },
    /// A sequence after the head: a view of the future could not be reproduced later.
    BeyondHead { known_at: u64, head: u64 },
    /// A moment after now.
    Future { at: DateTime<Utc> },
}

impl KnownAtError {
    /// The message, naming the parameter as `param` (e.g. `--known-at`, `known_at`).
    pub fn message(&self, param: &str) -> String {
        match self {
            KnownAtError::TooLarge { text } => {
                format!("{param} {text:?} is too large for a sequence number")
            }
            KnownAtError::Unreadable { text, why } => format!(
                "{param} {text:?} is neither a sequence number, a date (2025-11-20: the end \
                 of that day, Vietnam time) nor an RFC 3339 timestamp such as \
                 2025-11-20T10:00:00Z ({why})"
            ),
            KnownAtError::BeyondHead { known_at, head } => {
                format!("{param} {known_at} is beyond the last recorded sequence ({head})")
            }
            KnownAtError::Future { at } => format!(
                "{param} {} is in the future: events recorded until then would change \
                 this view; give a past moment or a sequence number",
                at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
        }
    }
}

impl std::fmt::Display for KnownAtError {
    /// Worded for the command line, the door most messages reach.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message("--known-at"))
    }
}

impl std::error::Error for KnownAtError {}

/// Vietnam's offset from UTC (no daylight saving time).
const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// The last instant of `date` in Vietnam (UTC+7): a plain date as a knowledge point means
/// "everything recorded by the end of that working day".
fn end_of_day_in_vietnam(date: chrono::NaiveDate) -> DateTime<Utc> {
    let last = date.and_time(chrono::NaiveTime::MIN) + chrono::Duration::days(1)
        - chrono::Duration::nanoseconds(1);
    // Four-digit years only (`parse` checks the length): no overflow at either end.
    DateTime::<Utc>::from_naive_utc_and_offset(
        last - chrono::Duration::seconds(i64::from(VIETNAM_OFFSET_SECS)),
        Utc,
    )
}

/// Parses `277`, `2025-11-20T10:00:00Z` (any RFC 3339 offset) or `2025-11-20` (the end of
/// that day, Vietnam time).
pub fn parse(text: &str) -> Result<KnownAt, KnownAtError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map(KnownAt::Seq)
            .map_err(|_| KnownAtError::TooLarge {
                text: text.to_string(),
            });
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && text.len() == 10
    {
        return Ok(KnownAt::At(end_of_day_in_vietnam(date)));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| KnownAt::At(t.with_timezone(&Utc)))
        .map_err(|e| KnownAtError::Unreadable {
            text: text.to_string(),
            why: e.to_string(),
        })
}

/// The last sequence recorded at or before `at` (0 when nothing was). Recording times never
/// decrease along the log (`Ledger::append` clamps them), so a binary search is exact.
fn seq_at(records: &[Recorded], at: DateTime<Utc>) -> u64 {
    let n = records.partition_point(|r| r.recorded_at <= at);
    n as u64
}

/// A view as of a date; `known_at` defaults to the head and may not lie beyond it (a view
/// of the future could not be reproduced later).
pub fn view_at_seq(
    head: u64,
    as_of: chrono::NaiveDate,
    known_at: Option<u64>,
) -> Result<View, KnownAtError> {
    let known_at = known_at.unwrap_or(head);
    if known_at > head {
        return Err(KnownAtError::BeyondHead { known_at, head });
    }
    Ok(View { as_of, known_at })
}

/// A view of the log `records` whose knowledge point may be a moment: the last event recorded
/// at or before it. A moment later than `now` is refused: events still to be recorded before
/// it would change the view, so it could not be reproduced. Every door (CLI, server) uses it.
pub fn view(
    records: &[Recorded],
    as_of: chrono::NaiveDate,
    known_at: Option<KnownAt>,
    now: DateTime<Utc>,
) -> Result<View, KnownAtError> {
    let seq = resolve(known_at, now, |at| Ok(seq_at(records, at)))?;
    view_at_seq(records.len() as u64, as_of, seq)
}

/// The sequence a knowledge point names: a sequence as it is, a moment as the last sequence
/// recorded at or before it (`seq_at`, which knows where the records are). A moment later
/// than `now` is refused, as `view` says why.
pub fn resolve<E: From<KnownAtError>>(
    known_at: Option<KnownAt>,
    now: DateTime<Utc>,
    seq_at: impl FnOnce(DateTime<Utc>) -> Result<u64, E>,
) -> Result<Option<u64>, E> {
    match known_at {
        None => Ok(None),
        Some(KnownAt::Seq(s)) => Ok(Some(s)),
        Some(KnownAt::At(at)) if at > now => Err(KnownAtError::Future { at }.into()),
        Some(KnownAt::At(at)) => seq_at(at).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_a_sequence_and_anything_else_must_be_rfc3339() {
        assert_eq!(parse("0"), Ok(KnownAt::Seq(0)));
        assert_eq!(parse("277"), Ok(KnownAt::Seq(277)));
        let at = parse("2025-11-20T17:00:00+07:00").unwrap();
        assert_eq!(
            at,
            KnownAt::At("2025-11-20T10:00:00Z".parse::<DateTime<Utc>>().unwrap())
        );
        for bad in [
            "",
            "-1",
            "2025-11-31",
            "2025-1-2",
            "yesterday",
            "99999999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_plain_date_is_the_end_of_that_day_in_vietnam() {
        let utc = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        let KnownAt::At(at) = parse("2025-11-20").unwrap() else {
            panic!("a date is a moment");
        };
        // 23:59:59.999999999 on 20 November at UTC+7 is 16:59:59.999999999 UTC.
        assert_eq!(at, utc("2025-11-20T16:59:59.999999999Z"));
        assert!(at < utc("2025-11-20T17:00:00Z"));
        // An event recorded at 23:30 Vietnam time that day is included; one at 00:00 the
        // next day is not.
        assert!(utc("2025-11-20T23:30:00+07:00") <= at);
        assert!(utc("2025-11-21T00:00:00+07:00") > at);
    }

    #[test]
    fn each_door_names_the_parameter_its_own_way() {
        let e = parse("yesterday").unwrap_err();
        assert!(matches!(e, KnownAtError::Unreadable { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("--known-at \"yesterday\" is neither"),
            "{e}"
        );
        assert!(
            e.message("vs").starts_with("vs \"yesterday\" is neither"),
            "{e}"
        );
        let e = view_at_seq(3, chrono::NaiveDate::MIN, Some(4)).unwrap_err();
        assert_eq!(
            e,
            KnownAtError::BeyondHead {
                known_at: 4,
                head: 3
            }
        );
        assert_eq!(
            e.message("known_at"),
            "known_at 4 is beyond the last recorded sequence (3)"
        );
    }
}
