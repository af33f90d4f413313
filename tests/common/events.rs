//! Events for rule tests, built as import-format JSON and parsed through the public door
//! `parse_line`, so each test event is one a user could send.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use socai::core::event::{Event, parse_line};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Helpers: events as import-format JSON, parsed through the public door `parse_line`.

pub fn uid(n: u128) -> String {
    Uuid::from_u128(n).to_string()
}

pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

pub fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

pub fn document() -> Value {
    json!({"number": "QĐ-01/UBND", "date": "2025-01-02", "issuer": "UBND xã Lùng Phình"})
}

pub fn parse(value: &Value) -> Event {
    parse_line(&value.to_string()).unwrap_or_else(|r| panic!("{value} was refused: {r}"))
}

/// The rejection code `parse_line` gives for `text`.
pub fn parse_code(text: &str) -> &'static str {
    match parse_line(text) {
        Ok(event) => panic!("{text} was accepted as {event:?}"),
        Err(rejection) => rejection.code.as_str(),
    }
}

pub fn json_code(value: &Value) -> &'static str {
    parse_code(&value.to_string())
}

pub fn open_json(n: u128, line: &str, capital: &str, plan_year: i64, origin: &str) -> Value {
    json!({
        "id": uid(n),
        "type": "open_line",
        "effective_date": "2025-01-01",
        "line": line,
        "program": "DTTS",
        "project": "DA1",
        "capital": capital,
        "source": "NSTW",
        "plan_year": plan_year,
        "origin": origin,
    })
}

/// A recurrent, in-year line of plan year 2025.
pub fn open(n: u128, line: &str) -> Event {
    parse(&open_json(n, line, "recurrent", 2025, "in_year"))
}

pub fn open_with(n: u128, line: &str, capital: &str, plan_year: i64, origin: &str) -> Event {
    parse(&open_json(n, line, capital, plan_year, origin))
}

/// A money event of `kind` with the common fields and a document, plus `body`'s fields.
pub fn money_json(n: u128, kind: &str, effective: &str, body: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(uid(n)));
    obj.insert("type".into(), json!(kind));
    obj.insert("effective_date".into(), json!(effective));
    if let Value::Object(fields) = body {
        obj.extend(fields);
    }
    obj.insert("document".into(), document());
    Value::Object(obj)
}

pub fn line_json(n: u128, kind: &str, line: &str, amount: i64, effective: &str) -> Value {
    money_json(
        n,
        kind,
        effective,
        json!({"line": line, "amount": amount.to_string()}),
    )
}

pub fn allocate(n: u128, line: &str, amount: i64, effective: &str) -> Event {
    parse(&line_json(n, "allocate", line, amount, effective))
}

pub fn reduce(n: u128, line: &str, amount: i64, effective: &str) -> Event {
    parse(&line_json(n, "reduce", line, amount, effective))
}

pub fn disburse(n: u128, line: &str, amount: i64, effective: &str) -> Event {
    parse(&line_json(n, "disburse", line, amount, effective))
}

pub fn refund(n: u128, line: &str, amount: i64, effective: &str) -> Event {
    parse(&line_json(n, "refund", line, amount, effective))
}

pub fn pair_json(n: u128, kind: &str, from: &str, to: &str, amount: i64, effective: &str) -> Value {
    money_json(
        n,
        kind,
        effective,
        json!({"from": from, "to": to, "amount": amount.to_string()}),
    )
}

pub fn transfer(n: u128, from: &str, to: &str, amount: i64, effective: &str) -> Event {
    parse(&pair_json(n, "transfer", from, to, amount, effective))
}

pub fn carry_over(n: u128, from: &str, to: &str, amount: i64, effective: &str) -> Event {
    parse(&pair_json(n, "carry_over", from, to, amount, effective))
}

pub fn reverse(n: u128, target: u128, effective: &str) -> Event {
    parse(&money_json(
        n,
        "reverse",
        effective,
        json!({"target": uid(target), "reason": "recording error"}),
    ))
}

/// (plan, disbursed) in whole đồng.
pub fn pd(plan: i64, disbursed: i64) -> (Decimal, Decimal) {
    (dec(plan), dec(disbursed))
}

/// Lines of every kind the pair rules distinguish: capital, plan year and origin.
pub fn lines_of_every_kind() -> Vec<Event> {
    vec![
        open_with(1, "R25", "recurrent", 2025, "in_year"),
        open_with(2, "R25b", "recurrent", 2025, "in_year"),
        open_with(3, "I25", "investment", 2025, "in_year"),
        open_with(4, "R24", "recurrent", 2024, "in_year"),
        open_with(5, "R25co", "recurrent", 2025, "carried_over"),
        open_with(6, "R26co", "recurrent", 2026, "carried_over"),
        open_with(7, "I24", "investment", 2024, "in_year"),
        open_with(8, "I25ext", "investment", 2025, "extended"),
    ]
}
