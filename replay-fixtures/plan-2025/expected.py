#!/usr/bin/env python3
"""Writes expected/*.out for this fixture, independently of socai.

Balances are summed here from plan.csv (parsed with Python's csv module: `;`-separated,
amounts grouped with dots) and disbursements.jsonl, following the view rule of README.md:
events with sequence <= known_at and effective date <= as_of count, minus those reversed by a
reversal with sequence <= known_at. Sequences: the plan rows in order, each opening its line on
first sight (open_line, then allocate), then the JSON lines in order.

The head hashes are format goldens taken from the program (`socai replay` prints them when
they differ); they are the only values not derived here.

    python3 expected.py
"""

import csv
import json
import os
import uuid
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
HASH = {
    35: "9a214794052e17d8dbca2058b4d52e17456d25ffc1598dc679cced5325478873",
    36: "ae5037058229a52fb01b1c05f87bb299781cdda01d8e03e8819bccfe65506dcf",
}


def events():
    out = []  # (seq, kind, date, moves {line: (plan, disbursed)}, id, target)
    specs = {}
    with open(os.path.join(HERE, "plan.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    first = {}
    for r in rows:
        first[r["line"]] = min(first.get(r["line"], r["decision_date"]), r["decision_date"])
    for r in rows:
        line = r["line"]
        if line not in specs:
            specs[line] = r
            out.append((len(out) + 1, "open_line", first[line], {}, None, None))
        amount = int(r["amount"].replace(".", ""))
        out.append((len(out) + 1, "allocate", r["decision_date"], {line: (amount, 0)}, None, None))
    with open(os.path.join(HERE, "disbursements.jsonl"), encoding="utf-8") as f:
        for text in f:
            e = json.loads(text)
            t = e["type"]
            a = int(e.get("amount", "0"))
            moves = {
                "disburse": lambda: {e.get("line"): (0, a)},
                "refund": lambda: {e.get("line"): (0, -a)},
                "allocate": lambda: {e.get("line"): (a, 0)},
                "reduce": lambda: {e.get("line"): (-a, 0)},
                "transfer": lambda: {e.get("from"): (-a, 0), e.get("to"): (a, 0)},
                "reverse": lambda: {},
            }[t]()
            out.append((len(out) + 1, t, e["effective_date"], moves, e["id"], e.get("target")))
    return specs, out


NAMESPACE = uuid.uuid5(uuid.NAMESPACE_OID, "socai:plan-import:v1")


def content_id(event):
    """README: an imported event's id is a UUID v5 over its content without the id, as compact
    JSON with sorted keys."""
    body = {k: v for k, v in event.items() if k != "id"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(NAMESPACE, text))


def plan_export():
    """The events the plan table becomes, in the export's field order, one JSON line each."""
    with open(os.path.join(HERE, "plan.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    first = {}
    for r in rows:
        first[r["line"]] = min(first.get(r["line"], r["decision_date"]), r["decision_date"])
    out, opened = [], set()
    for r in rows:
        line = r["line"]
        if line not in opened:
            opened.add(line)
            e = {"id": None, "type": "open_line", "effective_date": first[line], "line": line}
            for k in ("program", "project", "subproject", "capital", "source"):
                if r[k]:
                    e[k] = r[k]
            e["plan_year"] = int(r["plan_year"])
            e["origin"] = r["origin"]
            for k in ("work", "name"):
                if r[k]:
                    e[k] = r[k]
            e["id"] = content_id(e)
            out.append(e)
        doc = {"number": r["decision_number"], "date": r["decision_date"]}
        if r["decision_issuer"]:
            doc["issuer"] = r["decision_issuer"]
        e = {"id": None, "type": "allocate", "effective_date": r["decision_date"], "line": line,
             "amount": r["amount"].replace(".", ""), "document": doc}
        e["id"] = content_id(e)
        out.append(e)
    return "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in out)


def rate(d, p):
    if p == 0:
        return None
    return str((Decimal(d) / Decimal(p)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def deadline(spec):
    """Issue 12's default deadlines (no set_deadline in this fixture): in_year and carried_over
    lines 31 January of plan_year + 1, extended lines 31 December of plan_year."""
    y = int(spec["plan_year"])
    return f"{y}-12-31" if spec["origin"] == "extended" else f"{y + 1}-01-31"


def balance(as_of, known_at, specs, evs):
    known = [e for e in evs if e[0] <= known_at]
    reversed_ids = {e[5] for e in known if e[1] == "reverse"}
    plan = {l: 0 for l in specs}
    disb = {l: 0 for l in specs}
    recovered = {l: 0 for l in specs}
    for seq, kind, date, moves, eid, _ in known:
        if date > as_of or (eid is not None and eid in reversed_ids):
            continue
        for line, (p, d) in moves.items():
            plan[line] += p
            if kind == "refund" and date > deadline(specs[line]):
                recovered[line] -= d  # after the close: budget revenue, not a lower disbursed
            else:
                disb[line] += d
    lines = []
    for line in sorted(specs):
        s = specs[line]
        lines.append({
            "line": line, "program": s["program"], "capital": s["capital"], "source": s["source"],
            "plan_year": int(s["plan_year"]), "origin": s["origin"],
            "plan": str(plan[line]), "disbursed": str(disb[line]),
            "carried_out": "0", "lapsed": "0", "recovered_after_close": str(recovered[line]),
            "available": str(plan[line] - disb[line]), "rate": rate(disb[line], plan[line]),
            "deadline": deadline(s), **payments(disb[line]),
        })
    tp, td, tr = sum(plan.values()), sum(disb.values()), sum(recovered.values())
    return {
        "as_of": as_of, "known_at": known_at, "head_hash": HASH[known_at], "lines": lines,
        "totals": {"plan": str(tp), "disbursed": str(td), "carried_out": "0", "lapsed": "0",
                   "recovered_after_close": str(tr), "available": str(tp - td),
                   "rate": rate(td, tp), **payments(td)},
    }


def payments(completed):
    """Issue 13's figures. No advance, recovery or contract here: every disbursement and
    every refund before the close is completed volume, so completed is what disbursed sums."""
    return {"completed": str(completed), "advance_outstanding": "0", "committed": "0",
            "commitment_outstanding": "0"}


def main():
    specs, evs = events()
    head = len(evs)
    queries = {
        "balance-2025-06-30": ("2025-06-30", head),
        "balance-2025-06-30-before-reversal": ("2025-06-30", 35),
        "balance-2025-12-31": ("2025-12-31", head),
    }
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    with open(os.path.join(HERE, "expected", "export-plan.out"), "w", encoding="utf-8") as f:
        f.write(plan_export())
    for name, (as_of, known_at) in queries.items():
        text = json.dumps(balance(as_of, known_at, specs, evs), indent=2, ensure_ascii=False) + "\n"
        with open(os.path.join(HERE, "expected", name + ".out"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
