#!/usr/bin/env python3
"""Writes expected/*.out from the HAND-COMPUTED table in README.md.

Nothing here adds up events: every plan, disbursed, available and running total below is a
literal copied from the README table (in triệu đồng, i.e. millions; the script only appends
six zeros), and every rate is a literal string worked out by hand. The script only lays the
figures out in the program's output formats (JSON key order, column widths, vi-VN grouping).
Event ids, documents, notes and actors are read from this folder's own .jsonl files.

The head hashes are format goldens taken from the program (`socai replay` prints them when
they differ); they are the only values not derived by hand.

    python3 write_expected.py
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "expected")

# Hash of the event at each sequence (format goldens from the program).
HASH = {
    8: "bf0b2f59c978905a425d83918d06e813c703fac6a9ded1e9da00e1a93bbe3c69",
    22: "a8ea79db7e0f09f157990cb8a8755f89179f25a7af6b79aa2553169b3a97ecab",
    25: "06def6c861b82fee4ee843952521f4841d7acad194e222f3a87c29f83aa5fb78",
    26: "3ca604b3d4c399a1fbdb0cb4d8a67e828651a1e5992c7ccfff7a464502581914",
    27: "8b4ed7c7d0a7ae4f95885e382623c79788959830ded0e18b0f018e6ea75a44e5",
    30: "bb7ac8fe87eae9fec08dded676cd03605ff83017436a660e8664884c56042c8e",
}

# Recording time of each batch, as the trail prints it (RFC 3339, microseconds, Z).
REC = {
    1: "2025-01-05T08:00:00.000000Z",
    2: "2025-05-31T09:30:00.000000Z",
    3: "2025-06-30T14:00:00.000000Z",
    4: "2025-07-15T10:00:00.000000Z",
    6: "2025-08-15T08:00:00.000000Z",
}

L1 = "2024/GNBV/SN/DA2/NSTW"
L2 = "2024/DTTS/DT/CT01"
L3 = "2025/GNBV/SN/DA2/NSTW/CN"
L4 = "2025/GNBV/SN/DA3/TDA1/NSTW"
L5 = "2025/DTTS/DT/CT01/KD"

SPEC = {
    L1: ("GNBV", "recurrent", "NSTW", 2024, "in_year"),
    L2: ("DTTS", "investment", "NSTW", 2024, "in_year"),
    L3: ("GNBV", "recurrent", "NSTW", 2025, "carried_over"),
    L4: ("GNBV", "recurrent", "NSTW", 2025, "in_year"),
    L5: ("DTTS", "investment", "NSTW", 2025, "extended"),
}

M = 1_000_000


def dong(trieu):
    """Whole đồng as a string, from a hand figure in triệu."""
    return str(trieu * M)


def group(n):
    s = str(abs(n))
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return ("-" if n < 0 else "") + ".".join(parts)


def vi_date(iso):
    """2025-04-30 → 30/04/2025, as Vietnamese readers write dates."""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def read_events():
    """Every event of this folder's .jsonl files, in file order."""
    events = []
    for fname in sorted(os.listdir(HERE)):
        if fname.endswith(".jsonl"):
            with open(os.path.join(HERE, fname), encoding="utf-8") as f:
                events.extend(json.loads(text) for text in f if text.strip())
    return events


ALL_EVENTS = read_events()


def line_names():
    """Each line's stored name (its open_line event)."""
    return {
        e["line"]: e["name"]
        for e in ALL_EVENTS
        if e["type"] == "open_line" and e.get("name")
    }


NAMES = line_names()

# Event types as Vietnamese readers call them (the trail's "loại" column), in the words of the
# domain brief (/work/shared/domain.md): a transfer adjusts the plan ("điều chỉnh"), a reduce
# withdraws it ("thu hồi dự toán"), a refund returns money ("nộp trả"); a carry-over is
# "chuyển nguồn" (recurrent) or "kéo dài" (investment). Every type, not only this fixture's.
TYPE_VI = {
    "open_line": "mở dòng vốn",
    "allocate": "giao kế hoạch vốn",
    "reduce": "thu hồi dự toán",
    "transfer": "điều chỉnh kế hoạch vốn",
    "carry_over": "chuyển nguồn, kéo dài",
    "disburse": "giải ngân",
    "refund": "nộp trả",
    "reverse": "hủy bút toán",
    "lapse": "hủy dự toán",
    "set_deadline": "đặt thời hạn giải ngân",
    "advance": "tạm ứng",
    "commit": "cam kết chi",
    "open_work": "mở công trình",
    "contribute": "huy động đóng góp",
    "register_document": "đăng ký văn bản",
    "record_indicator": "ghi chỉ tiêu",
}
# The type column is as wide as the longest name.
TYPE_W = max(len(v) for v in TYPE_VI.values())


def write(name, text):
    with open(os.path.join(OUT, name + ".out"), "w", encoding="utf-8") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------------
# balance: rows are (line, plan, disbursed, available, rate) in triệu, rate as a hand string
# (JSON: "0.6667" or None; text: "66,67%" or "–"). Lines in line-code order, as the program
# lists them (BTreeMap of codes): L2 < L1 < L5 < L3 < L4.


# Deadlines by line (the rule data of issue 12): in-year and carried-over lines 31 January of
# the next year, extended lines 31 December of their plan year. No set_deadline here.
DEADLINE = {
    L1: "2025-01-31",
    L2: "2025-01-31",
    L3: "2026-01-31",
    L4: "2026-01-31",
    L5: "2025-12-31",
}


def balance_json(name, as_of, known_at, rows, total):
    """rows: (line, plan, disbursed, available, rate[, carried_out, lapsed]); total likewise
    (plan, disbursed, available, rate[, carried_out, lapsed]). No refund here falls after its
    line's deadline, so recovered_after_close is 0 throughout."""
    doc = {
        "as_of": as_of,
        "known_at": known_at,
        "head_hash": HASH[known_at],
        "lines": [],
        "totals": None,
    }
    for row in rows:
        line, plan, disb, avail, rate = row[:5]
        carried, lapsed = (row[5:] + (0, 0))[:2]
        program, capital, source, year, origin = SPEC[line]
        doc["lines"].append(
            {
                "line": line,
                "program": program,
                "capital": capital,
                "source": source,
                "plan_year": year,
                "origin": origin,
                "plan": dong(plan),
                "disbursed": dong(disb),
                "carried_out": dong(carried),
                "lapsed": dong(lapsed),
                "recovered_after_close": dong(0),
                "available": dong(avail),
                "rate": rate,
                "deadline": DEADLINE[line],
                **payments(disb),
            }
        )
    plan, disb, avail, rate = total[:4]
    carried, lapsed = (total[4:] + (0, 0))[:2]
    doc["totals"] = {
        "plan": dong(plan),
        "disbursed": dong(disb),
        "carried_out": dong(carried),
        "lapsed": dong(lapsed),
        "recovered_after_close": dong(0),
        "available": dong(avail),
        "rate": rate,
        **payments(disb),
    }
    write(name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def payments(disbursed):
    """Issue 13's figures. No advance, recovery or contract in this fixture, and no refund
    after a deadline: every payment and refund is completed volume, so completed is disbursed."""
    return {"completed": dong(disbursed), "advance_outstanding": dong(0), "committed": dong(0),
            "commitment_outstanding": dong(0)}


def balance_text(name, as_of, known_at, rows, total):
    # Vietnamese, the default: each line's stored name on the row below it.
    width = max([len(r[0]) for r in rows] + [len("TỔNG CỘNG")])
    out = (
        f"số liệu đến hết ngày {vi_date(as_of)}, theo sổ đến sự kiện số {known_at} "
        f"(mã băm {HASH[known_at]})\n"
    )
    out += "số tiền tính bằng đồng\n"
    out += (
        f"{'dòng':<{width}}  {'kế hoạch':>22}  {'giải ngân':>22}  {'còn lại':>22}  "
        f"{'tỷ lệ':>8}\n"
    )
    for line, plan, disb, avail, pct in rows + [("TỔNG CỘNG",) + total]:
        out += (
            f"{line:<{width}}  {group(plan * M):>22}  {group(disb * M):>22}  "
            f"{group(avail * M):>22}  {pct:>8}\n"
        )
        if line in NAMES:
            out += f"  {NAMES[line]}\n"
    write(name, out)


# q01: as of 2024-12-31, known at 8 (batch 1 only).
balance_json(
    "q01-2024-year-end", "2024-12-31", 8,
    [
        (L2, 800, 500, 300, "0.6250"),
        (L1, 500, 350, 150, "0.7000"),
    ],
    (1300, 850, 450, "0.6538"),
)

# q02: as of 2025-01-31, known at 22: carry-over L1→L3 and the cancellation have happened,
# L2→L5 (2025-02-20) has not; L4 and L5 are open but empty.
balance_json(
    "q02-carry-over-january", "2025-01-31", 22,
    [
        (L2, 800, 600, 200, "0.7500"),
        (L1, 500, 350, 0, "0.7000", 120, 30),
        (L5, 0, 0, 0, None),
        (L3, 120, 0, 120, "0.0000"),
        (L4, 0, 0, 0, None),
    ],
    (1420, 950, 320, "0.6690", 120, 30),
)

# q03: as of 2025-03-31, known at 22: the March voucher on L4 (seq 23) is not known yet.
balance_json(
    "q03-march-backdated-unknown", "2025-03-31", 22,
    [
        (L5, 500, 0, 500, "0.0000"),
        (L3, 120, 60, 60, "0.5000"),
        (L4, 600, 0, 600, "0.0000"),
    ],
    (1220, 60, 1160, "0.0492"),
)

# q04: same date, known at 25: the backdated voucher (seq 23, 2025-03-20) now counts.
balance_json(
    "q04-march-backdated-known", "2025-03-31", 25,
    [
        (L5, 500, 0, 500, "0.0000"),
        (L3, 120, 60, 60, "0.5000"),
        (L4, 600, 80, 520, "0.1333"),
    ],
    (1220, 140, 1080, "0.1148"),
)

# q05: as of 2025-04-30, known at 22 (duplicate counted, backdated voucher unknown).
balance_text(
    "q05-april-before-backdated-text", "2025-04-30", 22,
    [
        (L5, 500, 150, 350, "30,00%"),
        (L3, 120, 60, 60, "50,00%"),
        (L4, 600, 400, 200, "66,67%"),
    ],
    (1220, 610, 610, "50,00%"),
)

# q06: as of 2025-04-30, known at 26: backdated voucher known, duplicate reversed (seq 26),
# wrong allocation not yet reversed (seq 27 unknown).
balance_text(
    "q06-april-one-reversal-known-text", "2025-04-30", 26,
    [
        (L5, 500, 150, 350, "30,00%"),
        (L3, 120, 60, 60, "50,00%"),
        (L4, 600, 280, 320, "46,67%"),
    ],
    (1220, 490, 730, "40,16%"),
)

# q07: as of 2025-06-30, known at 25: after transfer and refund, before both reversals.
balance_json(
    "q07-june-before-reversals", "2025-06-30", 25,
    [
        (L2, 800, 600, 0, "0.7500", 200, 0),
        (L1, 500, 350, 0, "0.7000", 120, 30),
        (L5, 500, 150, 350, "0.3000"),
        (L3, 80, 60, 20, "0.7500"),
        (L4, 600, 550, 50, "0.9167"),
    ],
    (2480, 1710, 420, "0.6895", 320, 30),
)

# q08: as of 2025-06-30 (before the reversals' own date 2025-07-10), known at 27.
balance_json(
    "q08-june-after-reversals", "2025-06-30", 27,
    [
        (L2, 800, 600, 0, "0.7500", 200, 0),
        (L1, 500, 350, 0, "0.7000", 120, 30),
        (L5, 200, 150, 50, "0.7500"),
        (L3, 80, 60, 20, "0.7500"),
        (L4, 600, 350, 250, "0.5833"),
    ],
    (2180, 1510, 320, "0.6927", 320, 30),
)

# q09: as of 2025-03-31, known at 27: the allocation of 2025-03-05 is gone from March too.
balance_json(
    "q09-march-after-reversals", "2025-03-31", 27,
    [
        (L5, 200, 0, 200, "0.0000"),
        (L3, 120, 60, 60, "0.5000"),
        (L4, 600, 80, 520, "0.1333"),
    ],
    (920, 140, 780, "0.1522"),
)

# q10: as of 2025-05-31, everything known (30): the refused reduce of 2025-03-01 is absent.
balance_text(
    "q10-may-after-refusal-text", "2025-05-31", 30,
    [
        (L5, 200, 150, 50, "75,00%"),
        (L3, 120, 60, 60, "50,00%"),
        (L4, 600, 380, 220, "63,33%"),
    ],
    (920, 590, 330, "64,13%"),
)

# q11: as of 2025-12-31, everything known (30).
balance_json(
    "q11-final", "2025-12-31", 30,
    [
        (L2, 800, 600, 0, "0.7500", 200, 0),
        (L1, 500, 350, 0, "0.7000", 120, 30),
        (L5, 200, 200, 0, "1.0000"),
        (L3, 80, 70, 10, "0.8750"),
        (L4, 600, 500, 100, "0.8333"),
    ],
    (2180, 1720, 110, "0.7890", 320, 30),
)

# q12: same, plan year 2025, text.
balance_text(
    "q12-final-2025-text", "2025-12-31", 30,
    [
        (L5, 200, 200, 0, "100,00%"),
        (L3, 80, 70, 10, "87,50%"),
        (L4, 600, 500, 100, "83,33%"),
    ],
    (880, 770, 110, "87,50%"),
)

# ---------------------------------------------------------------------------------------------
# trail: rows (seq, batch, event label, plan Δ, disbursed Δ, running plan, running disbursed,
# reversed by (seq, event label) or None), in effective-date then sequence order; triệu.

# label: the last two digits of the id
EVENTS = {e["id"][-2:]: e for e in ALL_EVENTS}


def document(e):
    d = e.get("document")
    if d is None:
        return None
    return {"number": d["number"], "date": d["date"], "issuer": d.get("issuer")}


def other_line(e, line):
    """Seen from `line`, the other line of a transfer or carry-over (issue 14)."""
    if e["type"] not in ("transfer", "carry_over"):
        return None
    if e["from"] == line:
        return {"direction": "to", "line": e["to"]}
    if e["to"] == line:
        return {"direction": "from", "line": e["from"]}
    return None


def trail_extras(e, line):
    """The text trail's tail (issue 14), in the default language: payee, other line, actor,
    note."""
    out = ""
    if e.get("payee"):
        out += f"  người nhận: {e['payee']}"
    other = other_line(e, line)
    if other:
        direction = {"to": "sang", "from": "từ"}[other["direction"]]
        out += f"  {direction} dòng {other['line']}"
    if e.get("actor"):
        out += f"  người ghi: {e['actor']}"
    if e.get("note"):
        out += f"  ghi chú: {e['note']}"
    return out


def trail_json(name, line, known_at, rows):
    out = []
    for seq, batch, label, dp, dd, plan, disb, rev in rows:
        e = EVENTS[label]
        reversed_by = None
        if rev is not None:
            rseq, rlabel = rev
            r = EVENTS[rlabel]
            reversed_by = {
                "seq": rseq,
                "id": r["id"],
                "reason": r["reason"],
                "document": document(r),
            }
        out.append(
            {
                "seq": seq,
                "id": e["id"],
                "type": e["type"],
                "effective_date": e["effective_date"],
                "recorded_at": REC[batch],
                "plan_delta": dong(dp),
                "disbursed_delta": dong(dd),
                "plan": dong(plan),
                "disbursed": dong(disb),
                "document": document(e),
                "actor": e.get("actor"),
                "note": e.get("note"),
                "reversed_by": reversed_by,
                "payee": e.get("payee"),
                "other_line": other_line(e, line),
            }
        )
    doc = {
        "line": line,
        "as_of": "2100-12-31",
        "known_at": known_at,
        "head_hash": HASH[known_at],
        "rows": out,
    }
    write(name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def trail_text(name, line, known_at, rows):
    out = f"Sổ chi tiết dòng {line}"
    if line in NAMES:
        out += f" — {NAMES[line]}"
    out += (
        f"\nsố liệu đến hết ngày 31/12/2100, theo sổ đến sự kiện số {known_at} "
        f"(mã băm {HASH[known_at]})\n"
    )
    out += "số tiền tính bằng đồng; dòng ghi ĐÃ HỦY không được tính\n"
    out += (
        f"{'số TT':>6}  {'ngày HL':<10}  {'loại':<{TYPE_W}}  {'KH Δ':>20}  {'GN Δ':>20}  "
        f"{'kế hoạch':>20}  {'giải ngân':>20}  chứng từ\n"
    )
    for seq, batch, label, dp, dd, plan, disb, rev in rows:
        e = EVENTS[label]
        d = e.get("document")
        doc = "" if d is None else f"{d['number']} ngày {vi_date(d['date'])} ({d['issuer']})"
        out += (
            f"{seq:>6}  {vi_date(e['effective_date']):<10}  {TYPE_VI[e['type']]:<{TYPE_W}}  "
            f"{group(dp * M):>20}  {group(dd * M):>20}  {group(plan * M):>20}  "
            f"{group(disb * M):>20}  {doc}"
        )
        if rev is not None:
            rseq, rlabel = rev
            out += f"  ĐÃ HỦY bởi #{rseq}: {EVENTS[rlabel]['reason']}"
        out += trail_extras(e, line)
        out = out.rstrip() + "\n"
    write(name, out)


# t01: line L4, known at 25: the backdated voucher (seq 23) sorts before seqs 20–22;
# the duplicate (seq 21) still counts.
T01 = [
    (10, 2, "10", 0, 0, 0, 0, None),
    (15, 2, "15", 600, 0, 600, 0, None),
    (23, 3, "23", 0, 80, 600, 80, None),
    (20, 2, "20", 0, 200, 600, 280, None),
    (21, 2, "21", 0, 200, 600, 480, None),
    (22, 2, "22", 0, 100, 600, 580, None),
    (25, 3, "25", 0, -30, 600, 550, None),
]
trail_json("t01-da3-known-25", L4, 25, T01)

# t02/t03: line L4, known at 30: the duplicate is marked reversed by seq 26 and does not
# count; the July voucher (seq 29) follows.
T02 = [
    (10, 2, "10", 0, 0, 0, 0, None),
    (15, 2, "15", 600, 0, 600, 0, None),
    (23, 3, "23", 0, 80, 600, 80, None),
    (20, 2, "20", 0, 200, 600, 280, None),
    (21, 2, "21", 0, 200, 600, 280, (26, "26")),
    (22, 2, "22", 0, 100, 600, 380, None),
    (25, 3, "25", 0, -30, 600, 350, None),
    (29, 6, "30", 0, 150, 600, 500, None),
]
trail_json("t02-da3-known-30", L4, 30, T02)
trail_text("t03-da3-known-30-text", L4, 30, T02)

# t04: line L5, known at 27: the wrong allocation (seq 17) is marked reversed by seq 27.
T04 = [
    (11, 2, "11", 0, 0, 0, 0, None),
    (16, 2, "16", 200, 0, 200, 0, None),
    (17, 2, "17", 300, 0, 200, 0, (27, "27")),
    (19, 2, "19", 0, 150, 200, 150, None),
]
trail_text("t04-kd-known-27-text", L5, 27, T04)

# ---------------------------------------------------------------------------------------------
# summary: literal text, figures from the README table (triệu).


# The summary's words in Vietnamese (the default), replacing the English the bodies below were
# first written in; programs print by their catalogue names (catalogue/mtqg-2021-2025.json).
SUMMARY_VI = [
    ("All programs, incl. carried-over and extended capital: ",
     "Tổng các CT MTQG, gồm vốn chuyển nguồn và kéo dài: "),
    ("Recurrent (vốn sự nghiệp): ", "Vốn sự nghiệp: "),
    ("Investment (vốn ĐTPT): ", "Vốn đầu tư phát triển: "),
    ("  GNBV: ", "  Chương trình MTQG giảm nghèo bền vững: "),
    ("  DTTS: ",
     "  Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi: "),
    ("works funded: ", "số công trình được bố trí vốn: "),
    ("carried over ", "chuyển nguồn "),
    ("extended ", "kéo dài "),
    ("in-year ", "giao trong năm "),
    ("plan ", "kế hoạch "),
    ("disbursed ", "giải ngân "),
]


def summary(name, year, as_of, known_at, body):
    out = (
        f"Năm kế hoạch {year}, số liệu đến hết ngày {vi_date(as_of)}, theo sổ đến sự kiện số "
        f"{known_at} (mã băm {HASH[known_at]})\n"
    )
    out += "đơn vị: triệu đồng, mỗi số được làm tròn riêng\n"
    for en, vi in SUMMARY_VI:
        body = body.replace(en, vi)
    out += body
    write(name, out)


summary(
    "s01-2024-year-end", 2024, "2024-12-31", 8,
    "All programs, incl. carried-over and extended capital: plan 1.300, disbursed 850 (65,38%)\n"
    "Recurrent (vốn sự nghiệp): plan 500 (carried over 0, in-year 500), disbursed 350 (70,00%)\n"
    "  GNBV: plan 500 (carried over 0, in-year 500), disbursed 350 (70,00%)\n"
    "Investment (vốn ĐTPT): plan 800 (extended 0, in-year 800), disbursed 500 (62,50%)\n"
    "  works funded: 1\n"
    "  DTTS: plan 800 (extended 0, in-year 800), disbursed 500 (62,50%)\n",
)

summary(
    "s02-2025-june-before-reversals", 2025, "2025-06-30", 25,
    "All programs, incl. carried-over and extended capital: plan 1.180, disbursed 760 (64,41%)\n"
    "Recurrent (vốn sự nghiệp): plan 680 (carried over 80, in-year 600), disbursed 610 (89,71%)\n"
    "  GNBV: plan 680 (carried over 80, in-year 600), disbursed 610 (89,71%)\n"
    "Investment (vốn ĐTPT): plan 500 (extended 500, in-year 0), disbursed 150 (30,00%)\n"
    "  works funded: 1\n"
    "  DTTS: plan 500 (extended 500, in-year 0), disbursed 150 (30,00%)\n",
)

summary(
    "s03-2025-final", 2025, "2025-12-31", 30,
    "All programs, incl. carried-over and extended capital: plan 880, disbursed 770 (87,50%)\n"
    "Recurrent (vốn sự nghiệp): plan 680 (carried over 80, in-year 600), disbursed 570 (83,82%)\n"
    "  GNBV: plan 680 (carried over 80, in-year 600), disbursed 570 (83,82%)\n"
    "Investment (vốn ĐTPT): plan 200 (extended 200, in-year 0), disbursed 200 (100,00%)\n"
    "  works funded: 1\n"
    "  DTTS: plan 200 (extended 200, in-year 0), disbursed 200 (100,00%)\n",
)

# s04/s05: the closed year 2024 keeps the plan it was given (issue 12): 1.300, of which 950
# used (L1 350 + L2 500 + 100 paid in January 2025), 120 + 200 carried out, 30 lapsed. The
# rate is 950 / 1.300 = 0.730769… → 73,08%, as of 2025-12-31 and a year later alike.
for name, as_of in [("s04-2024-closed", "2025-12-31"), ("s05-2024-a-year-later", "2026-12-31")]:
    summary(
        name, 2024, as_of, 30,
        "All programs, incl. carried-over and extended capital: plan 1.300, disbursed 950 (73,08%)\n"
        "Recurrent (vốn sự nghiệp): plan 500 (carried over 0, in-year 500), disbursed 350 (70,00%)\n"
        "  GNBV: plan 500 (carried over 0, in-year 500), disbursed 350 (70,00%)\n"
        "Investment (vốn ĐTPT): plan 800 (extended 0, in-year 800), disbursed 600 (75,00%)\n"
        "  works funded: 1\n"
        "  DTTS: plan 800 (extended 0, in-year 800), disbursed 600 (75,00%)\n",
    )

# ---------------------------------------------------------------------------------------------
# settlement (issue 12): rows (brought_forward, assigned, withdrawn, transferred_net, plan,
# disbursed, carried_out, lapsed, unspent, rate) in triệu, every figure a hand literal from
# the README ("Issue 12" and the day-end tables); recovered_after_close is 0 throughout.

SETTLEMENT_KEYS = ("brought_forward", "assigned", "withdrawn", "transferred_net", "plan",
                   "disbursed", "carried_out", "lapsed", "unspent")


def settlement_row(row):
    out = {k: dong(v) for k, v in zip(SETTLEMENT_KEYS, row[:9])}
    out["recovered_after_close"] = dong(0)
    out.update(payments(row[5]))
    out["rate"] = row[9]
    return out


def settlement_json(name, year, as_of, lines, capitals, programs, total):
    doc = {
        "provenance": {
            "as_of": as_of,
            "plan_year": year,
            "known_at": 30,
            "recorded_at": REC[6],
            "head_hash": HASH[30],
            "command": f"socai settlement --plan-year {year} --as-of {as_of} --known-at 30 "
                       "--format json --lang vi --unit trieu",
        },
        "amounts": "đồng",
        "plan_year": year,
        "lines": [],
    }
    for line, row in lines:
        program, capital, source, _, origin = SPEC[line]
        entry = {"line": line, "program": program, "capital": capital, "source": source,
                 "origin": origin, "deadline": DEADLINE[line]}
        entry.update(settlement_row(row))
        doc["lines"].append(entry)
    doc["by_capital"] = [dict({"capital": c}, **settlement_row(r)) for c, r in capitals]
    doc["by_program"] = [dict({"program": p}, **settlement_row(r)) for p, r in programs]
    doc["total"] = settlement_row(total)
    write(name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


# u01: 2024 as of 2025-12-31: the plan it was given (1.300), used 950 (73,08%), carried out
# 320 (L1 120 chuyển nguồn, L2 200 kéo dài), lapsed 30 (L1), unspent 0.
L2_2024 = (0, 800, 0, 0, 800, 600, 200, 0, 0, "0.7500")
L1_2024 = (0, 500, 0, 0, 500, 350, 120, 30, 0, "0.7000")
settlement_json(
    "u01-settlement-2024", 2024, "2025-12-31",
    [(L2, L2_2024), (L1, L1_2024)],
    [("investment", L2_2024), ("recurrent", L1_2024)],
    [("DTTS", L2_2024), ("GNBV", L1_2024)],
    (0, 1300, 0, 0, 1300, 950, 320, 30, 0, "0.7308"),
)

# u02: 2025 as of 2025-12-31: brought forward L5 200 (kéo dài) and L3 120 (chuyển nguồn; the
# wrong 300 on L5 is reversed), assigned L4 600, withdrawn 40 from L3.
L5_2025 = (200, 0, 0, 0, 200, 200, 0, 0, 0, "1.0000")
L3_2025 = (120, 0, 40, 0, 80, 70, 0, 0, 10, "0.8750")
L4_2025 = (0, 600, 0, 0, 600, 500, 0, 0, 100, "0.8333")
GNBV_2025 = (120, 600, 40, 0, 680, 570, 0, 0, 110, "0.8382")
settlement_json(
    "u02-settlement-2025", 2025, "2025-12-31",
    [(L5, L5_2025), (L3, L3_2025), (L4, L4_2025)],
    [("investment", L5_2025), ("recurrent", GNBV_2025)],
    [("DTTS", L5_2025), ("GNBV", GNBV_2025)],
    (320, 600, 40, 0, 880, 770, 0, 0, 110, "0.8750"),
)
