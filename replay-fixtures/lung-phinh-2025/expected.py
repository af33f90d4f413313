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
# The stored-format golden: the chain hash of sequence 312 (277 money events, then the 35
# facts of facts.jsonl) when replayed by fixture.json.
HEAD_312 = "112d783b48e69136c15bfe6d0857af7d39cab0a7d21d49bceb746dfc49c2fc19"
QUERIES = [
    ("balance-2025-11-20", "2025-11-20", 2025, 312, HEAD_312),
    ("balance-2025-12-31", "2025-12-31", 2025, 312, HEAD_312),
]


def main():
    if len(sys.argv) > 1:
        name, as_of, plan_year, known_at, head_hash = sys.argv[1:6]
        write_balance(name, as_of, int(plan_year), int(known_at), head_hash)
    else:
        for q in QUERIES:
            write_balance(*q)
        check_report_sources("report-2025-11-20-json", "2025-11-20", 2025, 312)
        check_report_works("report-2025-11-20-json", "2025-11-20", 2025, 312)
        check_sections("report-2025-11-20", "report-2025-11-20-json")


# Issue 12: the default deadline (no set_deadline here): in_year and carried_over lines
# 31 January of plan_year + 1, extended lines 31 December of plan_year.
def deadline(spec):
    y = spec["plan_year"]
    return f"{y}-12-31" if spec["origin"] == "extended" else f"{y + 1}-01-31"


def payments(completed):
    """Issue 13's figures: no advances or contracts in this fixture."""
    return {"completed": str(completed), "advance_outstanding": "0", "committed": "0",
            "commitment_outstanding": "0"}


def balances(as_of, plan_year, known_at):
    """Every line of plan_year (of every year if None) as of as_of, knowing the first known_at
    events; each line also holds `allocated`: allocations − reduce ± transfers (carry-overs
    and payments left out)."""
    events = [json.loads(l) for l in (here / "events.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    events = events[:known_at]
    reversed_ids = {e["target"] for e in events if e["type"] == "reverse"}
    lines = {}
    for e in events:
        if e["type"] == "open_line" and plan_year in (None, e["plan_year"]):
            lines[e["line"]] = dict(spec=e, plan=Decimal(0), disbursed=Decimal(0),
                                    carried_out=Decimal(0), lapsed=Decimal(0), recovered=Decimal(0),
                                    completed=Decimal(0), allocated=Decimal(0))

    def move(code, plan=0, disbursed=0, carried_out=0, lapsed=0, recovered=0, completed=0,
             allocated=0):
        if code in lines:
            lines[code]["completed"] += completed
            lines[code]["allocated"] += allocated
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
            move(e["line"], plan=a, allocated=a)
        elif t == "reduce":
            move(e["line"], plan=-a, allocated=-a)
        elif t == "transfer":
            move(e["from"], plan=-a, allocated=-a)
            move(e["to"], plan=a, allocated=a)
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
    return lines


def rate(d, p):
    if p == 0:
        return None
    return str((d / p).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def write_balance(name, as_of, plan_year, known_at, head_hash):
    lines = balances(as_of, plan_year, known_at)
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


def check_report_sources(name, as_of, plan_year, known_at):
    """Issue 13: section II and annex 01 split each figure by source (NSTW, NSDP, others).
    Recomputes every row's split from the events and checks the `sources` of the shipped report
    JSON (blessed by socai) against it; exits 1 on any difference. Rows are keyed by their
    place (capital, program, project, sub-project), not by socai's order."""
    lines = balances(as_of, plan_year, known_at)
    # key of a row -> source -> [carried plan, in-year plan, disbursed]
    want = {}

    def add(key, l):
        s = l["spec"]
        part = want.setdefault(key, {}).setdefault(s["source"], [Decimal(0)] * 3)
        part[0 if s["origin"] != "in_year" else 1] += l["plan"]
        part[2] += l["disbursed"]

    for l in lines.values():
        s = l["spec"]
        cap, prog = s["capital"], s["program"]
        add(("all",), l)
        add(("cap", cap), l)
        add(("cap", cap, prog), l)
        if cap == "recurrent":
            add(("a01",), l)
            add(("a01", prog), l)
            add(("a01", prog, s.get("project")), l)
            add(("a01", prog, s.get("project"), s.get("subproject")), l)
    report = json.loads((here / "expected" / f"{name}.out").read_text(encoding="utf-8"))
    got = {("all",): report["section_ii"]["total"]["sources"]}
    for c in report["section_ii"]["capitals"]:
        got[("cap", c["capital"])] = c["sources"]
        for p in c["programs"]:
            got[("cap", c["capital"], p["program"])] = p["sources"]
    subs = {}
    for r in report["annex_01"]:
        key = {"total": ("a01",), "program": ("a01", r.get("program")),
               "project": ("a01", r.get("program"), r.get("project"))}.get(r["kind"])
        if key is None:  # subproject / other_lines rows
            key = ("a01", r.get("program"), r.get("project"), r.get("subproject"))
        got[key] = r["sources"]
        subs.setdefault(key[:3], set()).add(key)
    # A project whose lines name no sub-project is a leaf: its one sub-key is the project's.
    for l in lines.values():
        s = l["spec"]
        key = ("a01", s["program"], s.get("project"), s.get("subproject"))
        if s["capital"] == "recurrent" and key not in got and s.get("subproject") is None:
            got[key] = got[key[:3]]
    errors = []
    for key, parts in want.items():
        shown = {p["source"]: p for p in got.get(key, [])}
        if set(shown) != set(parts):
            errors.append(f"{key}: sources {sorted(shown)} != {sorted(parts)}")
            continue
        for src, (carried, in_year, disbursed) in parts.items():
            p = shown[src]
            expect = {"carried": str(carried), "in_year": str(in_year),
                      "plan": str(carried + in_year), "disbursed": str(disbursed),
                      "rate": rate(disbursed, carried + in_year)}
            for k, v in expect.items():
                if p.get(k) != v:
                    errors.append(f"{key} {src} {k}: report {p.get(k)} != oracle {v}")
    if len(got) != len(want):
        errors.append(f"report has {len(got)} split rows, oracle {len(want)}")
    if errors:
        sys.exit("expected.py: report sources differ from the oracle:\n" + "\n".join(errors))


def check_report_works(name, as_of, plan_year, known_at):
    """Issue 13: annex 02 per work. Recomputes, for every work funded in plan_year (lines
    grouped by `work` in NFC, trimmed), what was allocated (allocations − reduce ± transfers,
    carry-overs not counted again) and disbursed on its lines of earlier plan years, this
    year's allocation and the cumulative disbursement, and checks the shipped report JSON's
    `work` objects against them; exits 1 on any difference. No work is registered here, so
    total investment and remaining are null and contributions zero."""
    import unicodedata
    lines = balances(as_of, None, known_at)
    per = {}
    for l in lines.values():
        s = l["spec"]
        if s["capital"] != "investment" or s["plan_year"] > plan_year:
            continue
        key = unicodedata.normalize("NFC", (s.get("work") or s["line"]).strip())
        w = per.setdefault(key, dict(before=Decimal(0), paid_before=Decimal(0),
                                     this_year=Decimal(0), paid=Decimal(0), funded=False))
        if s["plan_year"] < plan_year:
            w["before"] += l["allocated"]
            w["paid_before"] += l["disbursed"]
        else:
            w["this_year"] += l["allocated"]
            w["paid"] += l["disbursed"]
            w["funded"] = True
    report = json.loads((here / "expected" / f"{name}.out").read_text(encoding="utf-8"))
    rows = {r["works"]: r for r in report["annex_02"] if r["kind"] == "works"}
    errors = []
    funded = {k for k, w in per.items() if w["funded"]}
    if set(rows) != funded:
        errors.append(f"works {sorted(set(rows) ^ funded)} differ")
    for key in funded & set(rows):
        w, got = per[key], rows[key]["work"]
        expect = {"allocated_before": w["before"], "disbursed_before": w["paid_before"],
                  "allocated_this_year": w["this_year"],
                  "cumulative_allocated": w["before"] + w["this_year"],
                  "cumulative_disbursed": w["paid_before"] + w["paid"],
                  "advance_outstanding": Decimal(0)}
        for k, v in expect.items():
            if got.get(k) != str(v):
                errors.append(f"{key} {k}: report {got.get(k)} != oracle {v}")
        for k in ("total_investment", "remaining", "registered"):
            if got.get(k) is not None:
                errors.append(f"{key} {k}: report {got.get(k)} != oracle null")
        if got["contributions"]["total"] != "0":
            errors.append(f"{key} contributions: {got['contributions']}")
    if errors:
        sys.exit("expected.py: report annex 02 differs from the oracle:\n" + "\n".join(errors))



def vi(value, decimals):
    """A number as vi-VN prints it: '.' between thousands, ',' before decimals, half up."""
    q = Decimal(1).scaleb(-decimals)
    v = Decimal(value).quantize(q, rounding=ROUND_HALF_UP)
    whole, _, frac = f"{v:f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ".".join(groups) + ("," + frac if frac else "")


def check_sections(text_name, json_name):
    """Issue 16: sections I and III, derived from facts.jsonl and the seed's wording with plain
    Python, must appear in the text report and in the JSON's section_i/section_iii."""
    facts = [json.loads(l) for l in (here / "facts.jsonl").read_text(encoding="utf-8").splitlines()]
    ind = {e["indicator"]: e for e in facts if e["type"] == "record_indicator"}
    poor, near = ind["GNBV.HO_NGHEO"], ind["GNBV.HO_CAN_NGHEO"]
    share = lambda e: Decimal(e["numerator"]) * 100 / Decimal(e["denominator"])
    fall = ind["GNBV.GIAM_NGHEO"]
    poverty = (f"- Số hộ nghèo còn lại {vi(poor['numerator'], 0)} hộ/{vi(poor['denominator'], 0)} hộ "
               f"trên địa bàn, chiếm {vi(share(poor), 2)}%; tỷ lệ nghèo giảm {vi(fall['value'], 2)}% "
               f"(kế hoạch giao: {vi(fall['target'], 2)}%); Số hộ cận nghèo còn lại "
               f"{vi(near['numerator'], 0)} hộ/{vi(near['denominator'], 0)} hộ chiếm tỷ lệ "
               f"{vi(share(near), 2)}% so với tổng số hộ trên địa bàn.")
    assert vi(share(poor), 2) == "25,46" and vi(share(near), 2) == "18,36", "the seed's rates"
    income = ("- Thu nhập GRDP bình quân đầu người trên địa bàn xã năm 2025 đạt "
              f"{vi(ind['GNBV.THU_NHAP']['value'], 2)} triệu đồng/năm.")
    met = [int(c[-2:]) for c, e in ind.items() if c.startswith("NTM.TC") and e["value"] is True]
    assert met == [3, 4, 7, 8, 9, 13, 14, 18], met
    catalogue = json.loads((here / "../../catalogue/indicators-2021-2025.json").read_text(encoding="utf-8"))
    short = {i["number"]: i["short"] for i in catalogue["indicators"] if i["kind"] == "criterion"}
    criteria = ("Đến nay đã hoàn thành 8/19 tiêu chí (Bao gồm: "
                + "; ".join(f"Tiêu chí {n}: {short[n]}" for n in met) + ").")
    plan_44 = ("- Kế hoạch số 44/KH-UBND ngày 08/9/2025 của UBND xã Lùng Phình về Kế hoạch Thực hiện "
               "Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc "
               "thiểu số và miền núi trên địa bàn xã Lùng Phình năm 2025 (được điều chỉnh, bổ sung "
               "bởi Kế hoạch số 49/KH-UBND ngày 15/9/2025).")
    decision_45 = ("- Quyết định số 45/QĐ-ĐU ngày 16/7/2025 của Đảng ủy xã Lùng Phình về việc thành lập "
                   "Ban Chỉ đạo các Chương trình mục tiêu Quốc gia trên địa bàn xã Lùng Phình, giai "
                   "đoạn 2021 - 2025.")
    text = (here / "expected" / f"{text_name}.out").read_text(encoding="utf-8").splitlines()
    for want in (poverty, income, criteria, plan_44, decision_45):
        if want not in text:
            sys.exit(f"expected.py: {text_name}: missing line {want!r}")
    report = json.loads((here / "expected" / f"{json_name}.out").read_text(encoding="utf-8"))
    blocks = report["section_iii"]["blocks"]
    said = [b.get("bullet") or b.get("paragraph") for b in blocks]
    if poverty[2:] not in said or criteria not in said:
        sys.exit(f"expected.py: {json_name}: section_iii differs from the oracle: {said}")
    if not any(b.get("bullet") == decision_45[2:] for b in report["section_i"]["blocks"]):
        sys.exit(f"expected.py: {json_name}: section_i lacks 45/QĐ-ĐU")


main()
