#!/usr/bin/env python3
"""Independent oracle for this fixture's balance queries.

Recomputes `socai balance --as-of D --plan-year Y --json` from events.jsonl with plain Python
(no code shared with the Rust implementation) and writes expected/NAME.out. Only the head
hash cannot be derived here: it is passed in, as a golden of the stored format.

usage: python3 expected.py [NAME AS_OF PLAN_YEAR KNOWN_AT HEAD_HASH]
With no arguments, regenerates every balance query of fixture.json.
"""
import datetime as dt
import json
import sys
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

here = Path(__file__).parent
# The stored-format golden: the chain hash of sequence 277 when replayed by fixture.json.
HEAD_277 = "fea828bcda22e23fa74e3f1b90ae7da39cda071c4fabbaa25d381fa19f38e58f"
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


def payments(completed):
    """Issue 13's figures: no advances or contracts in this fixture."""
    return {"completed": str(completed), "advance_outstanding": "0", "committed": "0",
            "commitment_outstanding": "0"}


def write_balance(name, as_of, plan_year, known_at, head_hash):

    events = [json.loads(l) for l in (here / "events.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    events = events[:known_at]
    reversed_ids = {e["target"] for e in events if e["type"] == "reverse"}
    lines = {}
    for e in events:
        if e["type"] == "open_line" and e["plan_year"] == plan_year:
            lines[e["line"]] = dict(spec=e, plan=Decimal(0), disbursed=Decimal(0),
                                    carried_out=Decimal(0), lapsed=Decimal(0), recovered=Decimal(0),
                                    completed=Decimal(0))

    # Issue 12: the default deadline (no set_deadline here): in_year and carried_over lines
    # 31 January of plan_year + 1, extended lines 31 December of plan_year.
    def deadline(spec):
        y = spec["plan_year"]
        return f"{y}-12-31" if spec["origin"] == "extended" else f"{y + 1}-01-31"

    def move(code, plan=0, disbursed=0, carried_out=0, lapsed=0, recovered=0, completed=0):
        if code in lines:
            lines[code]["completed"] += completed
            lines[code]["plan"] += plan
            lines[code]["disbursed"] += disbursed
            lines[code]["carried_out"] += carried_out
            lines[code]["lapsed"] += lapsed
            lines[code]["recovered"] += recovered


    for e in events:
        if e["effective_date"] > as_of or e["id"] in reversed_ids:
            continue
        t = e["type"]
        a = Decimal(e.get("amount", "0"))
        if t == "allocate":
            move(e["line"], plan=a)
        elif t == "reduce":
            move(e["line"], plan=-a)
        elif t == "transfer":
            move(e["from"], plan=-a)
            move(e["to"], plan=a)
        elif t == "carry_over":
            # Carried out is a column of its own: the plan the year was given stays.
            move(e["from"], carried_out=a)
            move(e["to"], plan=a)
        elif t == "lapse":
            move(e["line"], lapsed=a)
        elif t == "disburse":
            # Issue 13: a payment counts its whole amount as completed volume (no advances
            # or recoveries in this fixture, so disbursed grows by the same).
            move(e["line"], disbursed=a, completed=a)
        elif t == "refund":
            spec = lines.get(e["line"], {}).get("spec")
            if spec is not None and e["effective_date"] > deadline(spec):
                move(e["line"], recovered=a)  # after the close: budget revenue
            else:
                move(e["line"], disbursed=-a, completed=-a)


    def rate(d, p):
        if p == 0:
            return None
        return str((d / p).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


    rows = []
    keys = ("plan", "disbursed", "carried_out", "lapsed", "recovered", "completed")
    total = dict.fromkeys(keys, Decimal(0))
    for code in sorted(lines, key=lambda c: c.encode()):
        l = lines[code]
        s = l["spec"]
        for k in keys:
            total[k] += l[k]
        p, d, c, x, r, done = (l[k] for k in keys)
        rows.append({
            "line": code, "program": s["program"], "capital": s["capital"], "source": s["source"],
            "plan_year": s["plan_year"], "origin": s["origin"], "plan": str(p), "disbursed": str(d),
            "carried_out": str(c), "lapsed": str(x), "recovered_after_close": str(r),
            "available": str(p - d - c - x), "rate": rate(d, p), "deadline": deadline(s),
            **payments(done),
        })
    p, d, c, x, r, done = (total[k] for k in keys)
    out = {
        "as_of": as_of, "known_at": known_at, "head_hash": head_hash, "lines": rows,
        "totals": {"plan": str(p), "disbursed": str(d), "carried_out": str(c), "lapsed": str(x),
                   "recovered_after_close": str(r), "available": str(p - d - c - x),
                   "rate": rate(d, p), **payments(done)},
    }
    (here / "expected").mkdir(exist_ok=True)
    (here / "expected" / f"{name}.out").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


main()
