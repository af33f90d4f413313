#!/usr/bin/env python3
"""Independent oracle for this fixture's balance queries.

Recomputes `socai balance --as-of D --plan-year Y --json` from events.jsonl with plain Python
(no code shared with the Rust implementation) and writes expected/NAME.out. Only the head
hash cannot be derived here: it is passed in, as a golden of the stored format.

usage: python3 expected.py [NAME AS_OF PLAN_YEAR KNOWN_AT HEAD_HASH]
With no arguments, regenerates every balance query of fixture.json.
"""
import json
import sys
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

here = Path(__file__).parent
# The stored-format golden: the chain hash of sequence 277 when replayed by fixture.json.
HEAD_277 = "899c4bc57a771c4b9f3931c5a8fdde0d87a226a29ba8ee135f0274fd8c5b8ce2"
QUERIES = [
    ("balance-2025-11-20", "2025-11-20", 2025, 277, HEAD_277),
    ("balance-2025-12-31", "2025-12-31", 2025, 277, HEAD_277),
]


def main():
    if len(sys.argv) > 1:
        name, as_of, plan_year, known_at, head_hash = sys.argv[1:6]
        write_balance(name, as_of, int(plan_year), int(known_at), head_hash)
    else:
        for q in QUERIES:
            write_balance(*q)


def write_balance(name, as_of, plan_year, known_at, head_hash):

    events = [json.loads(l) for l in (here / "events.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    events = events[:known_at]
    reversed_ids = {e["target"] for e in events if e["type"] == "reverse"}
    lines = {}
    for e in events:
        if e["type"] == "open_line" and e["plan_year"] == plan_year:
            lines[e["line"]] = dict(spec=e, plan=Decimal(0), disbursed=Decimal(0))


    def move(code, plan=0, disbursed=0):
        if code in lines:
            lines[code]["plan"] += plan
            lines[code]["disbursed"] += disbursed


    for e in events:
        if e["effective_date"] > as_of or e["id"] in reversed_ids:
            continue
        t = e["type"]
        a = Decimal(e.get("amount", "0"))
        if t == "allocate":
            move(e["line"], plan=a)
        elif t == "reduce":
            move(e["line"], plan=-a)
        elif t in ("transfer", "carry_over"):
            move(e["from"], plan=-a)
            move(e["to"], plan=a)
        elif t == "disburse":
            move(e["line"], disbursed=a)
        elif t == "refund":
            move(e["line"], disbursed=-a)


    def rate(d, p):
        if p == 0:
            return None
        return str((d / p).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


    rows = []
    tp = td = Decimal(0)
    for code in sorted(lines, key=lambda c: c.encode()):
        l = lines[code]
        s = l["spec"]
        p, d = l["plan"], l["disbursed"]
        tp += p
        td += d
        rows.append({
            "line": code, "program": s["program"], "capital": s["capital"], "source": s["source"],
            "plan_year": s["plan_year"], "origin": s["origin"], "plan": str(p), "disbursed": str(d),
            "available": str(p - d), "rate": rate(d, p),
        })
    out = {
        "as_of": as_of, "known_at": known_at, "head_hash": head_hash, "lines": rows,
        "totals": {"plan": str(tp), "disbursed": str(td), "available": str(tp - td), "rate": rate(td, tp)},
    }
    (here / "expected").mkdir(exist_ok=True)
    (here / "expected" / f"{name}.out").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


main()
