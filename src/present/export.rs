//! The log in other people's formats: hledger and beancount journals, and CSV.
//! Pure: reads recorded events, writes text to any `io::Write` as it goes (an export of a
//! million events is never held whole in memory here).
//!
//! Every line of the ledger becomes three accounts, so that a plain-text accounting tool's
//! balance at the end of day D equals `socai balance --as-of D` for the same knowledge:
//!
//! | account                   | balance                                               |
//! |---------------------------|-------------------------------------------------------|
//! | `Assets:Available:<L>`    | available = plan − disbursed                          |
//! | `Expenses:Disbursed:<L>`  | disbursed                                             |
//! | `Income:Plan:<L>`         | − plan (a source of funds is a credit, as income is)  |
//! | `Expenses:Closed:<L>`     | carried_out + lapsed (what left the line at its close) |
//!
//! So `Assets:Available` is plan − disbursed − carried_out − lapsed. A refund after the line's
//! deadline is budget revenue, not the line's: it is written as a comment, like a reversal.
//!
//! One transaction per money event, dated at its effective date. A reversal cancels its target
//! for every date, so a reversed event and its reversal are written as comments, not postings:
//! a posting offset on the reversal's date would make the balances before that date disagree.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::core::event::{Event, Kind};
use crate::core::projection;
use crate::core::rules::Recorded;
use crate::present::csv_cell;
use crate::present::csv_out::{self, CsvDialect};
use crate::present::event_text::{self, EXPORT_CSV_COLUMNS};
use crate::present::export_survey::Parts;
use crate::present::export_survey::{ReversalIndex, Survey};
use crate::present::ledger_rows;

/// Which accounts a line's money sits in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounts {
    pub available: String,
    pub disbursed: String,
    pub plan: String,
    pub closed: String,
}

/// Account names for every line opened in `records`, by line code. A line code may hold
/// characters an account name cannot (`/`, `.`, `_`, `:`); they become `-`, and the rare codes
/// that then collide get `-2`, `-3`… in code order. The original code is kept beside each
/// account (`line:` tag or metadata).
pub fn account_names(records: &[Recorded]) -> BTreeMap<String, Accounts> {
    let mut codes: Vec<&str> = records
        .iter()
        .filter_map(|r| match &r.event.kind {
            Kind::OpenLine(spec) => Some(spec.line.as_str()),
            _ => None,
        })
        .collect();
    codes.sort_unstable();
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = BTreeMap::new();
    for code in codes {
        let mut base: String = code
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        // A component must start with a capital letter or a digit (beancount).
        if !base.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            base.insert(0, 'X');
        }
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.to_ascii_lowercase()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.insert(
            code.to_string(),
            Accounts {
                available: format!("Assets:Available:{name}"),
                disbursed: format!("Expenses:Disbursed:{name}"),
                plan: format!("Income:Plan:{name}"),
                closed: format!("Expenses:Closed:{name}"),
            },
        );
    }
    out
}

/// The postings of a money event: (account, amount), summing to zero.
fn postings(k: &Known, r: &Recorded) -> Vec<(String, Decimal)> {
    let accounts = &k.accounts;
    let mut out = Vec::new();
    for m in projection::movements_of(r, &k.deadlines) {
        let Some(a) = accounts.get(m.line) else {
            continue;
        };
        // Plan in: available up, the plan (income) account credited.
        if !m.plan.is_zero() {
            out.push((a.available.clone(), m.plan));
            out.push((a.plan.clone(), -m.plan));
        }
        // Money out: disbursed up, available down.
        if !m.disbursed.is_zero() {
            out.push((a.disbursed.clone(), m.disbursed));
            out.push((a.available.clone(), -m.disbursed));
        }
        // Carried out or lapsed at the close: out of available, into its own column.
        let closed = m.carried_out + m.lapsed;
        if !closed.is_zero() {
            out.push((a.closed.clone(), closed));
            out.push((a.available.clone(), -closed));
        }
    }
    out
}

/// What the journals must know about the whole covered log (see `export_survey`): no
/// records, only maps over the lines and the reversals.
struct Known<'a> {
    /// The last sequence covered (0 for none).
    last: u64,
    /// Which sequences are reversed and by which (found once, not by a search per reversal,
    /// which made the journals quadratic in the log).
    reversals: ReversalIndex<'a>,
    accounts: BTreeMap<String, Accounts>,
    /// Every line's deadline (a refund after it is not the line's money).
    deadlines: HashMap<String, NaiveDate>,
    /// Per line code, the earliest effective date of an event naming it.
    first_dates: HashMap<String, NaiveDate>,
}

fn known(log: &dyn Parts) -> io::Result<Known<'_>> {
    let survey = Survey::of(log)?;
    let deadlines = survey.deadlines();
    Ok(Known {
        last: survey.last_seq,
        accounts: account_names(&survey.structure),
        deadlines,
        reversals: survey.reversals,
        first_dates: survey.first_dates,
    })
}

/// Text safe on one journal line: no control characters, no comment marker.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
        .collect()
}

fn description(event: &Event) -> String {
    let mut d = event.kind.type_name().to_string();
    if let Some(doc) = &event.document {
        let _ = write!(d, " {} of {}", doc.number, doc.date);
    }
    if let Kind::Disburse {
        payee: Some(payee), ..
    }
    | Kind::Advance {
        payee: Some(payee), ..
    } = &event.kind
    {
        let _ = write!(d, " to {payee}");
    }
    one_line(&d)
}

/// Why an event is not posted, when it is not.
fn skipped(k: &Known, r: &Recorded) -> io::Result<Option<String>> {
    if let Some(by) = k.reversals.reversed_by(r.seq) {
        return Ok(Some(format!("reversed by sequence {by}: not posted")));
    }
    Ok(match &r.event.kind {
        Kind::Reverse { reason, .. } => {
            let seq = k.reversals.target_of(r)?.unwrap_or(0);
            Some(format!(
                "reverses sequence {seq} ({}), which is therefore not posted",
                one_line(reason)
            ))
        }
        // Issue 13: a contract registered, a work, a contribution move no money between the
        // journal's accounts (a commitment reserves plan, it is not paid).
        Kind::Commit { .. }
        | Kind::OpenWork(_)
        | Kind::Contribute { .. }
        | Kind::RegisterDocument(_)
        | Kind::RecordIndicator(_) => Some(format!(
            "{}: moves no money on these accounts, not posted",
            r.event.kind.type_name()
        )),
        _ => {
            let recovered: Decimal = projection::movements_of(r, &k.deadlines)
                .iter()
                .map(|m| m.recovered)
                .sum();
            (!recovered.is_zero()).then(|| {
                format!(
                    "refund after the line's deadline (recovered_after_close {recovered}): budget revenue, not posted to the line"
                )
            })
        }
    })
}

fn header(comment: &str, k: &Known, head_hash: Option<&str>) -> String {
    let last = k.last;
    format!(
        "{comment} socai export: sequences 1–{last}, head hash {}\n\
         {comment} Per line: Assets:Available = plan − disbursed − carried_out − lapsed,\n\
         {comment} Expenses:Disbursed = disbursed, Expenses:Closed = carried_out + lapsed,\n\
         {comment} Income:Plan = −plan. Amounts in whole đồng (VND). Reversed events and their\n\
         {comment} reversals are comments: the ledger counts neither, for any date.\n\n",
        head_hash.unwrap_or("-")
    )
}

/// A plain-text journal of the log. hledger: `hledger bal --end D+1` (its end date is
/// exclusive) gives the balances of `socai balance --as-of D` for the same `known_at`;
/// beancount: `bean-query` sums per account with `date <= D` give the same.
pub fn journal<W: Write + ?Sized>(
    out: &mut W,
    journal: Journal,
    log: &dyn Parts,
    head_hash: Option<&str>,
    tick: &mut dyn FnMut(),
) -> io::Result<()> {
    let k = known(log)?;
    out.write_all(header(";", &k, head_hash).as_bytes())?;
    match journal {
        Journal::Hledger => hledger_accounts(out, &k)?,
        Journal::Beancount => beancount_accounts(out, &k)?,
    }
    out.write_all(b"\n")?;
    transactions(out, &k, log, journal, tick)
}

fn hledger_accounts<W: Write + ?Sized>(out: &mut W, k: &Known) -> io::Result<()> {
    out.write_all(b"commodity 1000. VND\n\n")?;
    for (code, a) in &k.accounts {
        for account in [&a.available, &a.disbursed, &a.plan, &a.closed] {
            writeln!(out, "account {account}  ; line:{code}")?;
        }
    }
    Ok(())
}

/// The two plain-text journals differ only in how accounts are declared and how a
/// transaction's head and postings are spelled; which events are posted, and how, is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Journal {
    Hledger,
    Beancount,
}

fn transactions<W: Write + ?Sized>(
    out: &mut W,
    k: &Known,
    log: &dyn Parts,
    journal: Journal,
    tick: &mut dyn FnMut(),
) -> io::Result<()> {
    log.each_part(&mut |part| {
        part.iter().try_for_each(|r| {
            tick();
            transaction(out, k, journal, r)
        })
    })
}

/// One event of a journal: a transaction, a comment, or nothing (a line opened).
fn transaction<W: Write + ?Sized>(
    out: &mut W,
    k: &Known,
    journal: Journal,
    r: &Recorded,
) -> io::Result<()> {
    let e = &r.event;
    if matches!(e.kind, Kind::OpenLine(_)) {
        return Ok(());
    }
    let (date, what, seq, id) = (e.effective_date, description(e), r.seq, e.id);
    if let Some(why) = skipped(k, r)? {
        match journal {
            Journal::Hledger => writeln!(out, "; {date} * {what}  ; seq:{seq}, id:{id}")?,
            Journal::Beancount => writeln!(out, "; {date} * {what}  seq {seq} id {id}")?,
        }
        return writeln!(out, ";   {why}\n");
    }
    let indent = match journal {
        Journal::Hledger => {
            writeln!(out, "{date} * {what}  ; seq:{seq}, id:{id}")?;
            "    "
        }
        Journal::Beancount => {
            let what = quoted(&what);
            writeln!(out, "{date} * {what}\n  seq: {seq}\n  id: \"{id}\"")?;
            "  "
        }
    };
    for (account, amount) in postings(k, r) {
        writeln!(out, "{indent}{account}  {amount} VND")?;
    }
    out.write_all(b"\n")
}

fn quoted(text: &str) -> String {
    let escaped = one_line(text).replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

fn beancount_accounts<W: Write + ?Sized>(out: &mut W, k: &Known) -> io::Result<()> {
    out.write_all(b"option \"title\" \"socai\"\noption \"operating_currency\" \"VND\"\n\n")?;
    // An account must be open on the date of its first posting; backdated events may precede
    // the line's own open_line date.
    for (code, a) in &k.accounts {
        let Some(date) = k.first_dates.get(code.as_str()) else {
            continue;
        };
        for account in [&a.available, &a.disbursed, &a.plan, &a.closed] {
            writeln!(out, "{date} open {account} VND\n  line: {}", quoted(code))?;
        }
    }
    Ok(())
}

/// One row per event and line it moves (a transfer has two), and one for an event that moves
/// none, for spreadsheets (see `ledger_rows`). Summing the `*_delta` columns over rows with an
/// empty `reversed_by` and `effective_date <= D` gives the balances as of D (available = plan −
/// disbursed − carried_out − lapsed − commitment_outstanding). `unit`: the store's unit code.
/// In `dialect`: excel-vi (BOM, `;`) for a vi-VN spreadsheet, plain for scripts; the amounts
/// are whole đồng either way, so no decimal separator ever appears in them.
pub fn csv<W: Write + ?Sized>(
    out: &mut W,
    log: &dyn Parts,
    unit: Option<&str>,
    dialect: CsvDialect,
    tick: &mut dyn FnMut(),
) -> io::Result<()> {
    let k = ledger_rows::Ledger::new(log)?;
    let mut w = csv_out::rows_writer(out, dialect);
    let err = |e: csv::Error| io::Error::other(e.to_string());
    w.write_record(EXPORT_CSV_COLUMNS).map_err(err)?;
    log.each_part(&mut |part| {
        for r in part {
            tick();
            for row in k.rows(r) {
                w.write_record(csv_row(&row, unit, dialect)).map_err(err)?;
            }
        }
        Ok(())
    })?;
    w.flush()
}

/// One CSV row, in the order of `EXPORT_CSV_COLUMNS`.
fn csv_row(row: &ledger_rows::Row<'_>, unit: Option<&str>, dialect: CsvDialect) -> Vec<String> {
    let (r, e, spec) = (row.record, &row.record.event, row.spec);
    let (number, date, issuer) =
        e.document
            .as_ref()
            .map_or((String::new(), String::new(), String::new()), |d| {
                (
                    d.number.clone(),
                    d.date.to_string(),
                    d.issuer.clone().unwrap_or_default(),
                )
            });
    let text = |t: Option<&str>| csv_cell::text(t.unwrap_or("")).into_owned();
    let amount = |d: Decimal| dialect.exact(d);
    let number_or_blank = |d: Option<Decimal>| d.map_or(String::new(), amount);
    let [
        plan,
        disbursed,
        carried_out,
        lapsed,
        recovered,
        completed,
        advance,
        committed,
        unpaid,
    ] = row.deltas;
    vec![
        r.seq.to_string(),
        e.id.to_string(),
        e.kind.type_name().to_string(),
        e.effective_date.to_string(),
        r.recorded_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        text(row.line),
        amount(plan),
        amount(disbursed),
        csv_cell::text(&number).into_owned(),
        date,
        csv_cell::text(&issuer).into_owned(),
        row.reverses.map_or(String::new(), |t| t.to_string()),
        row.reversed_by.map_or(String::new(), |s| s.to_string()),
        amount(carried_out),
        amount(lapsed),
        amount(recovered),
        text(event_text::payee(e)),
        text(e.note.as_deref()),
        text(e.actor.as_deref()),
        text(spec.map(|s| s.program.as_str())),
        spec.map_or(String::new(), |s| s.capital.as_str().to_string()),
        spec.map_or(String::new(), |s| s.plan_year.to_string()),
        // Issue 15: the unit, the other line, the event's amount, the payments' figures and
        // the rest of the line's declaration (the columns of the Parquet tables).
        text(unit),
        text(row.counterpart),
        number_or_blank(row.amount),
        amount(completed),
        amount(advance),
        amount(committed),
        amount(unpaid),
        text(spec.and_then(|s| s.project.as_deref())),
        text(spec.and_then(|s| s.subproject.as_deref())),
        text(spec.map(|s| s.source.as_str())),
        spec.map_or(String::new(), |s| s.origin.as_str().to_string()),
        text(spec.and_then(|s| s.work.as_deref())),
        text(spec.and_then(|s| s.name.as_deref())),
    ]
}
