#!/usr/bin/env python3
"""Independent checker for events.jsonl of the Lùng Phình 2025 fixture (stdlib only).

It does not import gen.py. It re-reads the file, validates the format, replays the ledger
rules (lines opened before use, transfer/carry_over constraints, day-end available ≥ 0
and disbursed ≥ 0 for every line on every date — and, stricter, after every event in file
order), then computes the plan-year-2025 balances as of 2025-11-20 (end of day, inclusive)
and asserts section II of the seed report after rounding to triệu đồng.

Exit status 0 when every assertion holds.  Usage: python3 check.py [path/to/events.jsonl]
"""

import datetime as dt
import json
import re
import sys
import uuid
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "events.jsonl"
AS_OF = dt.date(2025, 11, 20)
YEAR = 2025

CODE = re.compile(r"[A-Za-z0-9._:/-]{1,128}")
AMOUNT = re.compile(r"[1-9][0-9]*")
COMMON = {"id", "type", "effective_date", "actor", "note"}
FIELDS = {
    "open_line": ({"line", "program", "capital", "source", "plan_year", "origin"},
                  {"project", "subproject", "work", "name"}),
    "allocate": ({"line", "amount", "document"}, set()),
    "reduce": ({"line", "amount", "document"}, set()),
    "lapse": ({"line", "amount", "document"}, set()),
    "refund": ({"line", "amount", "document"}, set()),
    "disburse": ({"line", "amount", "document"}, {"payee"}),
    "transfer": ({"from", "to", "amount", "document"}, set()),
    "carry_over": ({"from", "to", "amount", "document"}, set()),
}

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def date_of(text, where):
    assert isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), f"{where}: bad date {text!r}"
    return dt.date.fromisoformat(text)


def millions(x):
    """đồng → triệu đồng, half away from zero (all figures here are ≥ 0)."""
    return int((Decimal(x) / Decimal(1_000_000)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pct(num, den, places):
    q = Decimal(1).scaleb(-places)
    return (Decimal(num) * 100 / Decimal(den)).quantize(q, rounding=ROUND_HALF_UP)


def vi(n):
    return f"{n:,}".replace(",", ".")


def vi_pct(p):
    return str(p).replace(".", ",") + "%"


# ------------------------------------------------------------------ read and validate format
events = []
with PATH.open(encoding="utf-8") as f:
    for n, raw in enumerate(f, 1):
        assert raw.endswith("\n") and raw.strip(), f"line {n}: empty or unterminated"
        ev = json.loads(raw)
        where = f"line {n}"
        assert isinstance(ev, dict), where
        t = ev.get("type")
        assert t in FIELDS, f"{where}: type {t!r} not allowed in this fixture (no reverse)"
        req, opt = FIELDS[t]
        keys = set(ev)
        assert req | {"id", "type", "effective_date"} <= keys, f"{where}: missing {req - keys}"
        assert keys <= COMMON | req | opt, f"{where}: unexpected keys {keys - COMMON - req - opt}"
        assert str(uuid.UUID(ev["id"])) == ev["id"], f"{where}: id not a canonical UUID"
        ev["_date"] = date_of(ev["effective_date"], where)
        for k in ("actor", "note", "name", "work", "payee"):
            if k in ev:
                assert isinstance(ev[k], str) and ev[k], f"{where}: {k} must be a non-empty string"
        if t == "open_line":
            for k in ("line", "program", "source", "project", "subproject"):
                if k in ev:
                    assert isinstance(ev[k], str) and CODE.fullmatch(ev[k]), f"{where}: bad code {k}"
            assert ev["capital"] in ("investment", "recurrent"), where
            assert ev["origin"] in ("in_year", "carried_over", "extended"), where
            assert type(ev["plan_year"]) is int, where
        else:
            d = ev["document"]
            assert isinstance(d, dict) and set(d) <= {"number", "date", "issuer"} and "number" in d \
                and "date" in d, f"{where}: bad document"
            assert isinstance(d["number"], str) and d["number"].strip(), f"{where}: empty document number"
            date_of(d["date"], where + " document")
            assert isinstance(ev["amount"], str) and AMOUNT.fullmatch(ev["amount"]), \
                f"{where}: amount must be digits, > 0, no leading zero"
            ev["_amount"] = int(ev["amount"])
            for k in ("line", "from", "to"):
                if k in ev:
                    assert isinstance(ev[k], str) and CODE.fullmatch(ev[k]), f"{where}: bad code {k}"
        ev["_n"] = n
        events.append(ev)

ids = [e["id"] for e in events]
check(len(ids) == len(set(ids)), "ids are not unique")
for a, b in zip(events, events[1:]):
    check(a["_date"] <= b["_date"], f"file not in effective_date order at line {b['_n']}")

# ------------------------------------------------------------------ the budget year (issue 12)
# Default deadlines, from the text: in_year and carried_over lines may be paid until
# 31 January of plan_year + 1, extended lines until 31 December of plan_year. A carry-over is
# decided from 1 January of the next year until the from-line's deadline + 90 days; a lapse
# (hủy dự toán) from 1 January of the next year. No set_deadline in this fixture.


def deadline(spec):
    y = spec["plan_year"]
    return dt.date(y, 12, 31) if spec["origin"] == "extended" else dt.date(y + 1, 1, 31)


def budget_year_rules(ev, where):
    t, d = ev["type"], ev["_date"]
    if t == "disburse":
        spec = lines[ev["line"]]
        check(d >= dt.date(spec["plan_year"], 1, 1), f"{where}: payment before its plan year")
        check(d <= deadline(spec), f"{where}: payment after the line's deadline {deadline(spec)}")
    elif t == "refund":
        check(d <= deadline(lines[ev["line"]]), f"{where}: refund after the close (not modelled here)")
    elif t == "lapse":
        check(d >= dt.date(lines[ev["line"]]["plan_year"] + 1, 1, 1), f"{where}: lapse before the year ended")
    elif t in ("transfer", "carry_over"):
        a, b = lines[ev["from"]], lines[ev["to"]]
        check(a["program"] == b["program"], f"{where}: {t} between programs")
        check(a["source"] == b["source"], f"{where}: {t} between sources")
        if t == "transfer":
            check(a["origin"] == b["origin"], f"{where}: transfer between origins")
            check(d <= min(deadline(a), deadline(b)), f"{where}: transfer after a deadline")
        else:
            check(d >= dt.date(a["plan_year"] + 1, 1, 1), f"{where}: carry_over before the year ended")
            check(d <= deadline(a) + dt.timedelta(days=90), f"{where}: carry_over too late")


# ------------------------------------------------------------------ replay the rules
# `plan` below is what is left for use before payments: allocations − reduce ± transfers
# ± carry-overs − lapses, so that plan − disbursed is what the ledger calls available.
lines = {}
plan = defaultdict(int)
disb = defaultdict(int)
by_day = defaultdict(list)  # line -> [(date, dplan, ddisb)]
for ev in events:
    t, d, where = ev["type"], ev["_date"], f"line {ev['_n']}"
    if t == "open_line":
        check(ev["line"] not in lines, f"{where}: line {ev['line']} opened twice")
        lines[ev["line"]] = ev
        continue
    moves = []
    if t in ("transfer", "carry_over"):
        fr, to = ev["from"], ev["to"]
        if not (check(fr in lines, f"{where}: {fr} not opened") and check(to in lines, f"{where}: {to} not opened")):
            continue
        a, b = lines[fr], lines[to]
        check(fr != to, f"{where}: same line")
        check(a["capital"] == b["capital"], f"{where}: capital mismatch")
        if t == "transfer":
            check(a["plan_year"] == b["plan_year"], f"{where}: transfer across plan years")
        else:
            check(b["plan_year"] == a["plan_year"] + 1, f"{where}: carry_over not to year N+1")
            check(b["origin"] in ("carried_over", "extended"), f"{where}: carry_over into in_year line")
            check((a["program"], a.get("project"), a.get("subproject"), a.get("work"))
                  == (b["program"], b.get("project"), b.get("subproject"), b.get("work")),
                  f"{where}: carry_over between unrelated lines")
        moves = [(fr, -ev["_amount"], 0), (to, ev["_amount"], 0)]
    else:
        line = ev["line"]
        if not check(line in lines, f"{where}: {line} not opened"):
            continue
        amt = ev["_amount"]
        moves = [{"allocate": (line, amt, 0), "reduce": (line, -amt, 0), "lapse": (line, -amt, 0),
                  "disburse": (line, 0, amt), "refund": (line, 0, -amt)}[t]]
    budget_year_rules(ev, where)
    for line, dp, dd in moves:
        plan[line] += dp
        disb[line] += dd
        by_day[line].append((d, dp, dd))
        # stricter than the ledger: holds after every single event in file order
        check(plan[line] - disb[line] >= 0 and disb[line] >= 0,
              f"{where}: {line} after this event: plan {plan[line]} disbursed {disb[line]}")

day_end_checks = 0
for line, rows in by_day.items():  # the ledger's rule: at the end of every day
    p = q = 0
    days = defaultdict(lambda: [0, 0])
    for d, dp, dd in rows:
        days[d][0] += dp
        days[d][1] += dd
    for d in sorted(days):
        p += days[d][0]
        q += days[d][1]
        day_end_checks += 1
        check(p - q >= 0 and q >= 0, f"{line} at end of {d}: plan {p} disbursed {q}")

# ------------------------------------------------------------------ the as-of view
fig = defaultdict(lambda: [0, 0])
works = set()
inyear_works = set()
for line, spec in lines.items():
    if spec["capital"] == "investment" and spec["plan_year"] == YEAR:
        check(spec["program"] == "DTTS", f"{line}: investment line outside DTTS")
        check("work" in spec, f"{line}: investment line without works name")
for ev in events:
    if ev["type"] == "open_line" or ev["_date"] > AS_OF:
        continue
    for key, sign_p, sign_d in (("line", None, None), ("from", -1, 0), ("to", 1, 0)):
        if key not in ev:
            continue
        line = ev[key]
        spec = lines[line]
        if spec["plan_year"] != YEAR:
            continue
        if key == "from" and ev["type"] == "carry_over":
            dp, dd = 0, 0  # carried out: its own column, the plan stays (issue 12)
        elif sign_p is None:
            # A lapse is its own column: it does not lower the plan a year was given.
            dp, dd = {"allocate": (1, 0), "reduce": (-1, 0), "lapse": (0, 0), "disburse": (0, 1),
                      "refund": (0, -1)}[ev["type"]]
        else:
            dp, dd = sign_p, sign_d
        a = ev["_amount"]
        groups = ["all", spec["capital"]]
        if spec["capital"] == "recurrent":
            groups += [f"recurrent/{spec['origin']}", spec["program"], f"{spec['program']}/{spec['origin']}"]
        else:
            works.add(spec["work"])
            if spec["origin"] == "in_year":
                inyear_works.add(spec["work"])
        for g in groups:
            fig[g][0] += dp * a
            fig[g][1] += dd * a

late = [e for e in events if e["type"] == "disburse" and e["_date"] > AS_OF]
on_cutoff = [e for e in events if e["type"] == "disburse" and e["_date"] == AS_OF]

print(f"{PATH.name}: {len(events)} events, {len(lines)} lines, {day_end_checks} line-days checked")
print(f"as of {AS_OF}, plan year {YEAR} (exact đồng → triệu đồng):")
rows = [("all", "all (recurrent+investment)"), ("recurrent", "recurrent"),
        ("recurrent/carried_over", "  recurrent carried over"), ("recurrent/in_year", "  recurrent in-year"),
        ("DTTS", "  DTTS recurrent"), ("DTTS/carried_over", "    DTTS carried over"),
        ("DTTS/in_year", "    DTTS in-year"), ("GNBV", "  GNBV recurrent"),
        ("GNBV/carried_over", "    GNBV carried over"), ("GNBV/in_year", "    GNBV in-year"),
        ("investment", "investment (DTTS)")]
for key, label in rows:
    p, q = fig[key]
    rate = vi_pct(pct(q, p, 2)) if p else "-"
    print(f"  {label:28} plan {vi(p):>15} đ ({vi(millions(p)):>6})   disbursed {vi(q):>15} đ "
          f"({vi(millions(q)):>6})   rate {rate}")
print(f"  distinct works (plan year {YEAR}): {len(works)}; in-year works lines: {len(inyear_works)}")
print(f"  disbursements after {AS_OF} (excluded): {len(late)}, {vi(sum(e['_amount'] for e in late))} đ; "
      f"on {AS_OF} (included): {len(on_cutoff)}")

# ------------------------------------------------------------------ the targets
plan_targets = {"all": 38996, "recurrent": 20336, "recurrent/carried_over": 4457,
                "recurrent/in_year": 15878, "DTTS": 11335, "DTTS/carried_over": 3618,
                "DTTS/in_year": 7717, "GNBV": 9001, "GNBV/carried_over": 839,
                "GNBV/in_year": 8162, "investment": 18660}
disb_targets = {"all": 21597, "recurrent": 13646, "DTTS": 6544, "GNBV": 7102, "investment": 7951}
for k, v in plan_targets.items():
    check(millions(fig[k][0]) == v, f"plan {k}: {millions(fig[k][0])} != {v}")
for k, v in disb_targets.items():
    check(millions(fig[k][1]) == v, f"disbursed {k}: {millions(fig[k][1])} != {v}")
check(pct(fig["all"][1], fig["all"][0], 2) == Decimal("55.38"), "total rate != 55,38%")
check(pct(fig["recurrent"][1], fig["recurrent"][0], 2) == Decimal("67.11"), "recurrent rate != 67,11%")
check(pct(fig["investment"][1], fig["investment"][0], 1) == Decimal("42.6"), "investment rate != 42,6%")
# the same rates via a 4-decimal ratio first (double rounding, as a ledger may do)
r4 = lambda k: (Decimal(fig[k][1]) / Decimal(fig[k][0])).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
check(r4("all") == Decimal("0.5538") and r4("recurrent") == Decimal("0.6711")
      and (r4("investment") * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) == Decimal("42.6"),
      "rates differ when rounded to a 4-decimal ratio first")
check(len(works) == 23 and works == inyear_works, f"works: {len(works)} distinct, in-year {len(inyear_works)}")
types = {e["type"] for e in events}
for t in ("transfer", "carry_over", "reduce", "refund", "lapse"):
    check(t in types, f"no {t} event")
check(len(late) >= 3, "fewer than 3 disbursements after the as-of date")
check(all(lines[e["line"]]["plan_year"] == YEAR for e in late), "late vouchers not on 2025 lines")
# informative only: the printed DTTS/GNBV rates cannot follow from the printed amounts
print(f"  (not asserted) DTTS rate {vi_pct(pct(fig['DTTS'][1], fig['DTTS'][0], 2))} vs printed 57,3%; "
      f"GNBV rate {vi_pct(pct(fig['GNBV'][1], fig['GNBV'][0], 2))} vs printed 75,18%")

if failures:
    print(f"\nFAILED: {len(failures)} assertion(s)")
    for m in failures[:50]:
        print("  -", m)
    sys.exit(1)
print("\nOK: every ledger rule and every section II target holds")
